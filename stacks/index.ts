import { App } from "cdktf";
import { allocatePorts, PortPlan } from "../modules/kafka-broker-ports/allocation";
import { Config } from "../config/schema";
import { ConsumerStack } from "./consumer-stack";
import { ProviderStack } from "./provider-stack";

export const providerStackName = (config: Config) => `${config.cluster.name}-provider`;
export const consumerStackName = (config: Config, consumer: string) => `${config.cluster.name}-consumer-${consumer}`;

export interface DeployStacks {
  readonly ports: PortPlan;
  readonly provider: ProviderStack;
  readonly consumers: readonly ConsumerStack[];
}

/** The cluster's port allocation (the configuration was validated, so it cannot fail). */
export function portPlanFor({ cluster }: Config): PortPlan {
  return allocatePorts({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  });
}

/** The deployable stacks of a validated configuration: the provider and one per consumer. */
export function addDeployStacks(app: App, config: Config): DeployStacks {
  const { cluster } = config;
  const ports = portPlanFor(config);
  const provider = new ProviderStack(app, providerStackName(config), { config, ports });
  const consumers = config.consumers.map(
    (consumer) =>
      new ConsumerStack(app, consumerStackName(config, consumer.name), {
        cluster,
        consumer,
        ports,
        serviceName: consumer.serviceName ?? provider.kafka.endpointService.serviceName,
        state: config.state,
      }),
  );
  return { ports, provider, consumers };
}
