import { App } from "cdktf";
import { PortPlan } from "../modules/kafka-broker-ports/allocation";
import { portPlanFor } from "./ports";
export { portPlanFor } from "./ports";
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
