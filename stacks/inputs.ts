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

/** The consumers' regions other than the cluster's, when cross-region PrivateLink is allowed. */
function crossRegionConsumerRegions({ cluster, consumers, policy }: Config): string[] {
  return policy.allowCrossRegion ? [...new Set(consumers.map((c) => c.region).filter((r) => r !== cluster.region))].sort() : [];
}

/** The provider module's inputs for a configuration (mapped as it is: validate first). */
export function providerProps(config: Config): Omit<KafkaPrivateLinkProviderProps, "source"> {
  const { cluster, policy } = config;
  return {
    name: cluster.name,
    vpcId: cluster.vpcId,
    subnetIds: cluster.subnetIds,
    advertisedHostname: cluster.advertisedHostname,
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
    brokerTargetPort: cluster.brokerTargetPort,
    targetType: cluster.targetType,
    brokers: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), { target: b.target }])),
    allowedPrincipals: cluster.allowedPrincipals,
    allowAnyPrincipal: policy.allowAnyPrincipal,
    acceptanceRequired: cluster.acceptanceRequired,
    deletionProtection: cluster.deletionProtection,
    supportedRegions: crossRegionConsumerRegions(config),
    tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
    deregistrationDelaySeconds: cluster.deregistrationDelaySeconds,
    listenerName: cluster.listenerName,
    listenerSecurityProtocol: cluster.listenerSecurityProtocol,
    acceptEndpoints: cluster.acceptEndpoints,
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
    vpcId: consumer.vpcId,
    subnetIds: consumer.subnetIds,
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
    hostedZoneId: consumer.hostedZoneId,
    tags: consumer.tags,
  };
}
