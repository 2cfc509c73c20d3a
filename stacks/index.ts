import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { Config, ConsumerConfig } from "../config/schema";
import { allocatePorts, PortPlan } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer } from "../modules/kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { KafkaPrivateLinkProvider } from "../modules/kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { configureStack } from "./aws-access";
import { consumerProps, providerProps } from "./inputs";
import { addMoves, Move, MODULE_CALL, moduleSource, movesIntoModule, movesOfKeyedResource, passOutputs } from "./module-call";

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
 * The provider half for `cdktf deploy`: a thin root that calls the published provider module
 * (`module "kafka"`, MODULE_CALL) with the cluster's values, and passes its outputs on.
 */
class ProviderStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkProvider;

  constructor(scope: Construct, id: string, config: Config) {
    super(scope, id);
    configureStack(this, config.cluster, config.state);
    this.kafka = new KafkaPrivateLinkProvider(this, MODULE_CALL, { source: moduleSource(PROVIDER_MODULE), ...providerProps(config) });
    passOutputs(this, this.kafka, PROVIDER_MODULE);
    addMoves(this, movesIntoModule(PROVIDER_MODULE, MODULE_CALL));
  }
}

/**
 * The consumer half for one client VPC, for `cdktf deploy`: a thin root that calls the published
 * consumer module (`module "kafka"`, MODULE_CALL) with the cluster's connection as a literal object, and passes
 * its outputs on. `serviceName`: the endpoint service to connect to; a cross-stack reference to the provider stack by default.
 */
class ConsumerStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkConsumer;

  constructor(scope: Construct, id: string, config: Config, consumer: ConsumerConfig, serviceName: string) {
    super(scope, id);
    configureStack(this, consumer, config.state);
    this.kafka = new KafkaPrivateLinkConsumer(this, MODULE_CALL, { source: moduleSource(CONSUMER_MODULE), ...consumerProps(config, consumer, serviceName) });
    passOutputs(this, this.kafka, CONSUMER_MODULE);
    addMoves(this, consumerMoves(consumer.allowedCidrs));
  }
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
  readonly provider: ProviderStack;
  readonly consumers: readonly ConsumerStack[];
}

/**
 * The deployable stacks of a validated configuration: the provider and one per consumer, each a
 * thin root calling a published module, which the output folder holds beside them (`modules/`:
 * write them with `writeModules(<out>/modules, config)`, stacks/examples.ts).
 */
export function addDeployStacks(app: App, config: Config): DeployStacks {
  const provider = new ProviderStack(app, providerStackName(config), config);
  const consumers = config.consumers.map(
    (consumer) =>
      new ConsumerStack(app, consumerStackName(config, consumer.name), config, consumer, consumer.serviceName ?? provider.kafka.endpointServiceName),
  );
  return { ports: portPlanFor(config), provider, consumers };
}
