import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { PortPlan } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkProvider } from "../modules/kafka-privatelink-provider";
import { Config } from "../config/schema";
import { configureStack, nonEmpty } from "./aws-access";

export interface ProviderStackProps {
  readonly config: Config;
  readonly ports: PortPlan;
}

/** The consumers' regions other than the cluster's, when cross-region PrivateLink is allowed. */
export function crossRegionConsumerRegions({ cluster, consumers, policy }: Config): string[] {
  return policy.allowCrossRegion ? [...new Set(consumers.map((c) => c.region).filter((r) => r !== cluster.region))].sort() : [];
}

/** The provider half for `cdktf deploy`: the cluster's brokers, ports and principals as literals. */
export class ProviderStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkProvider;

  constructor(scope: Construct, id: string, { config, ports }: ProviderStackProps) {
    super(scope, id);
    const { cluster } = config;
    configureStack(this, cluster, config.state);
    // AWS reports the service's own region among its supported regions: list it too, or every
    // plan would propose to remove it.
    const otherRegions = crossRegionConsumerRegions(config);
    const supportedRegions = otherRegions.length > 0 ? [cluster.region, ...otherRegions] : undefined;

    this.kafka = new KafkaPrivateLinkProvider(this, "kafka", {
      name: cluster.name,
      vpcId: cluster.vpcId,
      subnetIds: cluster.subnetIds,
      advertisedHostname: cluster.advertisedHostname,
      bootstrapPort: ports.bootstrapPort,
      brokers: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), { target: b.target }])),
      brokerPorts: Object.fromEntries([...ports.brokerPorts].map(([brokerId, port]) => [String(brokerId), port])),
      brokerTargetPort: cluster.brokerTargetPort,
      targetType: cluster.targetType,
      allowedPrincipals: cluster.allowedPrincipals,
      acceptanceRequired: cluster.acceptanceRequired,
      deletionProtection: cluster.deletionProtection,
      supportedRegions,
      tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
      deregistrationDelaySeconds: cluster.deregistrationDelaySeconds,
      listenerName: cluster.listenerName,
      listenerSecurityProtocol: cluster.listenerSecurityProtocol,
      acceptEndpoints: cluster.acceptEndpoints,
      alarms: cluster.alarms,
      tags: nonEmpty(cluster.tags),
    });
  }
}
