import { App } from "cdktf";
import { Config } from "../config/schema";
import { allocatePorts, PortPlan } from "../modules/kafka-broker-ports/allocation";
import { ConsumerStack } from "./consumer-stack";
import { ProviderStack } from "./provider-stack";

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
  const provider = new ProviderStack(app, providerStackName(config), { config });
  const consumers = config.consumers.map(
    (consumer) =>
      new ConsumerStack(app, consumerStackName(config, consumer.name), {
        config,
        consumer,
        serviceName: consumer.serviceName ?? provider.kafka.endpointServiceName,
      }),
  );
  return { ports: portPlanFor(config), provider, consumers };
}
