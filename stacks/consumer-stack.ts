import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { PortPlan } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer } from "../modules/kafka-privatelink-consumer";
import { ClusterConfig, ConsumerConfig, StateConfig } from "../config/schema";
import { configureStack, nonEmpty } from "./aws-access";

export interface ConsumerStackProps {
  readonly cluster: ClusterConfig;
  readonly consumer: ConsumerConfig;
  readonly ports: PortPlan;
  /** The endpoint service to connect to; a cross-stack reference to the provider stack by default. */
  readonly serviceName: string;
  /** @default local state beside the output folder */
  readonly state?: StateConfig;
}

/** The consumer half for one client VPC, for `cdktf deploy`. */
export class ConsumerStack extends TerraformStack {
  readonly kafka: KafkaPrivateLinkConsumer;

  constructor(scope: Construct, id: string, { cluster, consumer, ports, serviceName, state }: ConsumerStackProps) {
    super(scope, id);
    configureStack(this, consumer, state);
    const crossRegion = consumer.region !== cluster.region;
    this.kafka = new KafkaPrivateLinkConsumer(this, "kafka", {
      name: `${cluster.name}-${consumer.name}`,
      vpcId: consumer.vpcId,
      subnetIds: consumer.subnetIds,
      serviceName,
      serviceRegion: crossRegion ? cluster.region : undefined,
      advertisedHostname: cluster.advertisedHostname,
      bootstrapPort: ports.bootstrapPort,
      brokerPorts: Object.fromEntries([...ports.brokerPorts].map(([brokerId, port]) => [String(brokerId), port])),
      allowedCidrs: consumer.allowedCidrs,
      hostedZoneId: consumer.hostedZoneId,
      securityProtocol: cluster.listenerSecurityProtocol,
      tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
      tags: nonEmpty(consumer.tags),
    });
  }
}
