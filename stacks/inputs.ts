/**
 * The configuration as the published modules' inputs: what the deployable stacks pass to their
 * `module "kafka"` call, what the modules' examples show and what the shared table of validation
 * cases feeds Terraform. Every value is spelled out (the configuration's defaults applied), so a
 * reviewer reads the cluster in the stack without knowing the modules' defaults.
 */
import { Config, ConsumerConfig, consumerResourceName } from "../config/schema";
import { KafkaPrivateLinkConsumerProps } from "../modules/kafka-privatelink-consumer/call";
import { KafkaPrivateLinkProviderProps } from "../modules/kafka-privatelink-provider/call";
import { brokerPort } from "../modules/kafka-broker-ports/allocation";
import { CONSUMER_INPUTS } from "../modules/kafka-privatelink-consumer/inputs";
import { PROVIDER_INPUTS } from "../modules/kafka-privatelink-provider/inputs";
import { specValues } from "../modules/private/input-spec";

/** The consumers' regions other than the cluster's: the provider's supported regions when cross-region PrivateLink is allowed. */
function otherConsumerRegions({ cluster, consumers }: Config): string[] {
  return [...new Set(consumers.map((c) => c.region).filter((r) => r !== cluster.region))].sort();
}

/** The provider module's inputs for a configuration (mapped as it is: validate first). */
export function providerProps(config: Config): Omit<KafkaPrivateLinkProviderProps, "source"> {
  const { cluster, policy } = config;
  return {
    ...specValues(PROVIDER_INPUTS, cluster),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
    brokers: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), { target: b.target }])),
    allowedPrincipals: cluster.allowedPrincipals,
    allowAnyPrincipal: policy.allowAnyPrincipal,
    supportedRegions: policy.allowCrossRegion ? otherConsumerRegions(config) : [],
    alarms: cluster.alarms,
    tags: cluster.tags,
  };
}

/**
 * The consumer module's inputs for one consumer of a configuration (mapped as it is: validate first). `serviceName` is
 * the provider's endpoint service (a cross-stack reference in a stack, a value in an example).
 */
export function consumerProps(config: Config, consumer: ConsumerConfig, serviceName: string): Omit<KafkaPrivateLinkConsumerProps, "source"> {
  const { cluster, policy } = config;
  return {
    name: consumerResourceName(cluster, consumer),
    connection: {
      serviceName,
      region: cluster.region,
      advertisedHostname: cluster.advertisedHostname,
      bootstrapPort: cluster.bootstrapPort,
      // The allocation's rule itself, without its checks: the table of validation cases feeds
      // Terraform configurations that the validator refuses.
      brokerPorts: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), brokerPort(b.id, cluster.brokerPortBase)])),
      securityProtocol: cluster.listenerSecurityProtocol,
      tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
    },
    allowedCidrs: consumer.allowedCidrs,
    allowAnyCidr: policy.allowAnyCidr,
    ...specValues(CONSUMER_INPUTS, consumer),
    tags: consumer.tags,
  };
}
