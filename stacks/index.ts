import { App, TerraformHclModule, TerraformStack } from "cdktf";
import { Config } from "../config/schema";
import { allocatePorts, PortPlan } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer } from "../modules/kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { KafkaPrivateLinkProvider } from "../modules/kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { AwsAccess, configureStack } from "./aws-access";
import { consumerProps, providerProps } from "./inputs";
import { Move, MODULE_CALL, moduleSource, movesIntoModule, movesOfKeyedResource, passOutputs } from "./module-call";

/** The cluster's port allocation (the configuration was validated, so it cannot fail). */
export function portPlanFor({ cluster }: Config): PortPlan {
  return allocatePorts({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  });
}

export const providerStackName = (config: Config) => `${config.cluster.name}-provider`;
export const consumerStackName = (config: Config, consumer: string) => `${config.cluster.name}-consumer-${consumer}`;

/**
 * A half for `cdktf deploy`: a thin root with its own AWS provider and backend that calls the
 * published `module` (`module "kafka"`, MODULE_CALL: `call` makes it from its source), passes its
 * outputs on, and adds the `moved` blocks from earlier layouts (Terraform ignores one whose old
 * address is not in the state).
 */
function addHalf<Call extends TerraformHclModule>(
  app: App,
  id: string,
  access: AwsAccess,
  config: Config,
  module: string,
  moves: readonly Move[],
  call: (stack: TerraformStack, source: string) => Call,
): { stack: TerraformStack; kafka: Call } {
  const stack = new TerraformStack(app, id);
  configureStack(stack, access, config.state);
  const kafka = call(stack, moduleSource(module));
  passOutputs(stack, kafka, module);
  stack.addOverride("moved", moves);
  return { stack, kafka };
}

/** 0.1.0's one endpoint security group, keyed by CIDR since 0.2.0: the first CIDR keeps it. */
const SECURITY_GROUP = "aws_security_group.endpoint";

/**
 * The moves of a consumer stack from the root layouts: every resource into the module call, and
 * 0.1.0's one security group into the first CIDR's key of the per-CIDR map, so that neither the
 * group nor the endpoint it is attached to changes.
 */
function consumerMoves(allowedCidrs: readonly string[]): Move[] {
  return movesIntoModule(CONSUMER_MODULE, MODULE_CALL).flatMap((m) =>
    m.from === SECURITY_GROUP ? movesOfKeyedResource(SECURITY_GROUP, MODULE_CALL, allowedCidrs, allowedCidrs[0]) : [m],
  );
}

export interface DeployStacks {
  readonly ports: PortPlan;
  readonly provider: TerraformStack;
  readonly consumers: readonly TerraformStack[];
}

/**
 * The deployable stacks of a validated configuration: the provider and one per consumer (client
 * VPC), each a thin root calling a published module, which the output folder holds beside them
 * (`modules/`: write them with `writeModules(<out>/modules)`, stacks/examples.ts). A consumer
 * connects to its `serviceName`, by default a cross-stack reference to the provider stack's.
 */
export function addDeployStacks(app: App, config: Config): DeployStacks {
  const provider = addHalf(
    app,
    providerStackName(config),
    config.cluster,
    config,
    PROVIDER_MODULE,
    movesIntoModule(PROVIDER_MODULE, MODULE_CALL),
    (stack, source) => new KafkaPrivateLinkProvider(stack, MODULE_CALL, { source, ...providerProps(config) }),
  );
  const consumers = config.consumers.map((consumer) => {
    const serviceName = consumer.serviceName ?? provider.kafka.endpointServiceName;
    return addHalf(
      app,
      consumerStackName(config, consumer.name),
      consumer,
      config,
      CONSUMER_MODULE,
      consumerMoves(consumer.allowedCidrs),
      (stack, source) => new KafkaPrivateLinkConsumer(stack, MODULE_CALL, { source, ...consumerProps(config, consumer, serviceName) }),
    ).stack;
  });
  return { ports: portPlanFor(config), provider: provider.stack, consumers };
}
