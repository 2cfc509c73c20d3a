import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup, LbTargetGroupConfig } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { VpcEndpointConnectionAccepter } from "@cdktf/provider-aws/lib/vpc-endpoint-connection-accepter";
import { VpcEndpointService } from "@cdktf/provider-aws/lib/vpc-endpoint-service";
import { IResolvable, MapTerraformIterator, propertyAccess, TerraformIterator, TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { MAX_BROKERS, MAX_LISTENERS_PER_NLB } from "../kafka-broker-ports/allocation";
import { brokerListenerConfig, DEFAULT_LISTENER_NAME, DEFAULT_SECURITY_PROTOCOL } from "../kafka-broker-ports/kafka-config";
import { hcl, isKnown } from "../private/hcl";

/** Above Kafka clients' default idle close (540 s), so the client, not the NLB, ends idle connections. */
export const DEFAULT_TCP_IDLE_TIMEOUT_SECONDS = 600;
/** Long enough for in-flight requests during a rolling restart, short enough not to stall it. */
export const DEFAULT_DEREGISTRATION_DELAY_SECONDS = 30;

/** Broker ID (as a string: Terraform map keys are strings) → value. */
export type BrokerMap<T> = Record<string, T>;

export interface BrokerTarget {
  /** A private IPv4 address (targetType ip) or an EC2 instance ID (targetType instance). */
  readonly target: string;
}

export type TargetType = "ip" | "instance";

export interface KafkaPrivateLinkProviderProps {
  /** Prefix of the AWS names (`<name>-nlb`, `<name>-b<id>-<brokerTargetPort>[i]`): 1-20 characters. */
  readonly name: string;
  /** The brokers' VPC: the NLB and its target groups are created in it. */
  readonly vpcId: string;
  /** Subnets of the NLB, one per availability zone that should serve clients. */
  readonly subnetIds: string[];
  /** The one hostname every broker advertises; only the port tells brokers apart. */
  readonly advertisedHostname: string;
  /** Port of the listener that forwards to any healthy broker (clients' bootstrap.servers). */
  readonly bootstrapPort: number;
  /** Broker ID → its target. A Terraform map expression when the brokers are module inputs. */
  readonly brokers: BrokerMap<BrokerTarget> | IResolvable;
  /** Broker ID → its own listener port, from the broker-ports allocation. Same keys as `brokers`. */
  readonly brokerPorts: BrokerMap<number> | IResolvable;
  /** The port on each broker that the NLB forwards to (the broker's PrivateLink listener). */
  readonly brokerTargetPort: number;
  /** How brokers are registered: by private IPv4 address or by EC2 instance ID. */
  readonly targetType: TargetType;
  /** IAM principals allowed to create endpoints to the service. */
  readonly allowedPrincipals: string[];
  /** @default true: every endpoint connection waits for the provider to accept it */
  readonly acceptanceRequired?: boolean | IResolvable;
  /** Regions whose VPCs may connect, the service's own included (cross-region PrivateLink). @default none: same region only */
  readonly supportedRegions?: string[];
  /** NLB TCP listener idle timeout, 60-6000 s. @default 600 (above Kafka's 540 s client idle close) */
  readonly tcpIdleTimeoutSeconds?: number;
  /** Seconds a deregistering broker keeps its connections. @default 30 (fits rolling restarts) */
  readonly deregistrationDelaySeconds?: number;
  /** Kafka listener name in the broker config snippet. @default PRIVATELINK */
  readonly listenerName?: string;
  /** Security protocol of that listener. @default SSL */
  readonly listenerSecurityProtocol?: string;
  /** Refuse to delete the NLB (AWS deletion protection): a destroy or replace then fails until it is turned off. @default false */
  readonly deletionProtection?: boolean | IResolvable;
  /**
   * Interface endpoint IDs (`vpce-…`) whose pending connections to the service are accepted.
   * Leaving an ID out later rejects that endpoint's connection.
   * @default none
   */
  readonly acceptEndpoints?: string[];
  /**
   * Health alarms on the target groups. A module passes its input, which may be null.
   * @default no alarms
   */
  readonly alarms?: HealthAlarms | IResolvable;
  /** @default no tags */
  readonly tags?: Record<string, string>;
}

export interface HealthAlarms {
  /** SNS topic ARNs, in the NLB's region, notified on alarm and on recovery. */
  readonly actions: string[];
}

/** Where the health alarms look: the NLB's metrics of one target group. */
export const HEALTH_ALARM = {
  namespace: "AWS/NetworkELB",
  metricName: "HealthyHostCount",
  statistic: "Minimum",
  comparisonOperator: "LessThanThreshold",
  threshold: 1,
  /** Two one-minute periods: longer than the health check's 3 × 10 s unhealthy threshold, so a restart that recovers does not page. */
  period: 60,
  evaluationPeriods: 2,
  // The metric is reported whenever health checks are on (they always are here), so a missing
  // datapoint is itself a fault, and for PrivateLink clients the alarm is the only signal.
  treatMissingData: "breaching",
} as const;

/**
 * The provider half: one internal NLB with a bootstrap listener in front of every broker and one
 * listener per broker in front of only that broker, and a VPC endpoint service over the NLB.
 *
 * Terraform addresses are fixed (`aws_lb_listener.broker["3"]`): they are what plan reviewers
 * read, and renaming one moves the resource. Per-broker resources are `for_each` maps keyed by
 * broker ID, so adding or removing a broker touches only that broker's instances.
 */
export class KafkaPrivateLinkProvider extends Construct {
  readonly nlb: Lb;
  readonly endpointService: VpcEndpointService;
  readonly bootstrapListener: LbListener;
  readonly brokerListeners: LbListener;
  readonly bootstrapTargetGroup: LbTargetGroup;
  readonly brokerTargetGroups: LbTargetGroup;

  constructor(scope: Construct, id: string, props: KafkaPrivateLinkProviderProps) {
    super(scope, id);
    checkBrokerMaps(props);
    const tags = props.tags;
    const tcpIdleTimeoutSeconds = props.tcpIdleTimeoutSeconds ?? DEFAULT_TCP_IDLE_TIMEOUT_SECONDS;

    this.nlb = new Lb(this, "nlb", {
      name: `${props.name}-nlb`,
      loadBalancerType: "network",
      internal: true,
      subnets: props.subnetIds,
      // Off by default on NLBs: a node then only reaches targets in its own AZ, and a
      // one-broker target group is unreachable from every other AZ.
      enableCrossZoneLoadBalancing: true,
      enableDeletionProtection: props.deletionProtection ?? false,
      tags,
    });
    this.nlb.overrideLogicalId("this");

    const targetGroup = (logicalId: string, config: Partial<LbTargetGroupConfig>): LbTargetGroup => {
      const group = new LbTargetGroup(this, `${logicalId}-target-group`, {
        port: props.brokerTargetPort,
        protocol: "TCP",
        targetType: props.targetType,
        vpcId: props.vpcId,
        // Kafka does not parse the PROXY protocol header.
        proxyProtocolV2: false,
        deregistrationDelay: Token.asString(props.deregistrationDelaySeconds ?? DEFAULT_DEREGISTRATION_DELAY_SECONDS),
        healthCheck: {
          enabled: true,
          protocol: "TCP",
          port: "traffic-port",
          interval: 10,
          // Explicit: the API refuses a timeout that is not below the interval.
          timeout: 5,
          healthyThreshold: 3,
          unhealthyThreshold: 3,
        },
        tags,
        // A changed target port or type replaces the groups; a listener never lets go of the group
        // it forwards to, so the new one must exist first.
        lifecycle: { createBeforeDestroy: true },
        ...config,
      });
      group.overrideLogicalId(logicalId);
      return group;
    };
    const attachments = (logicalId: string, targetGroupArn: string) => {
      const brokers = TerraformIterator.fromMap(props.brokers);
      const attachment = new LbTargetGroupAttachment(this, `${logicalId}-attachment`, {
        forEach: brokers,
        targetGroupArn,
        targetId: brokers.getString("target"),
        port: props.brokerTargetPort,
      });
      attachment.overrideLogicalId(logicalId);
    };
    const listener = (logicalId: string, config: { port: number; targetGroupArn: string; forEach?: TerraformIterator }) => {
      const created = new LbListener(this, `${logicalId}-listener`, {
        forEach: config.forEach,
        loadBalancerArn: this.nlb.arn,
        port: config.port,
        protocol: "TCP",
        tcpIdleTimeoutSeconds,
        defaultAction: [{ type: "forward", targetGroupArn: config.targetGroupArn }],
        tags,
      });
      created.overrideLogicalId(logicalId);
      return created;
    };

    // The names carry what replaces a group (target port and type), so old and new never clash.
    const typeSuffix = Token.isUnresolved(props.targetType) ? hcl`${props.targetType} == "instance" ? "i" : ""` : props.targetType === "instance" ? "i" : "";
    const groupSuffix = `${Token.asString(props.brokerTargetPort)}${typeSuffix}`;
    this.bootstrapTargetGroup = targetGroup("bootstrap", { name: `${props.name}-boot-${groupSuffix}` });
    attachments("bootstrap", this.bootstrapTargetGroup.arn);
    this.bootstrapListener = listener("bootstrap", { port: props.bootstrapPort, targetGroupArn: this.bootstrapTargetGroup.arn });

    const ports = TerraformIterator.fromMap(props.brokerPorts);
    this.brokerTargetGroups = targetGroup("broker", { forEach: ports, name: `${props.name}-b${ports.key}-${groupSuffix}` });
    // The same key selects the broker's own group: listener "3" → group "3" → broker "3".
    const ownGroupArn = hcl`aws_lb_target_group.broker[each.key].arn`;
    attachments("broker", ownGroupArn);
    this.brokerListeners = listener("broker", { forEach: ports, port: Token.asNumber(ports.value), targetGroupArn: ownGroupArn });

    if (props.alarms !== undefined) this.healthAlarms(props.alarms, props, ports);

    this.endpointService = new VpcEndpointService(this, "endpoint-service", {
      acceptanceRequired: props.acceptanceRequired ?? true,
      networkLoadBalancerArns: [this.nlb.arn],
      allowedPrincipals: props.allowedPrincipals,
      supportedRegions: props.supportedRegions,
      tags,
    });
    this.endpointService.overrideLogicalId("this");

    const accept = props.acceptEndpoints;
    if (accept !== undefined && (Token.isUnresolved(accept) || accept.length > 0)) {
      // Keyed by endpoint ID: accepting one more endpoint, or rejecting one, touches only that one.
      // A known list becomes a literal map, so the instances can be read without Terraform.
      const endpoints = Token.isUnresolved(accept) ? TerraformIterator.fromList(accept) : TerraformIterator.fromMap(Object.fromEntries(accept.map((id) => [id, id])));
      new VpcEndpointConnectionAccepter(this, "endpoint-acceptance", {
        forEach: endpoints,
        vpcEndpointServiceId: this.endpointService.id,
        vpcEndpointId: endpoints.key,
      }).overrideLogicalId("this");
    }

    this.outputs(props);
  }

  /**
   * One alarm per broker's own target group, keyed by broker ID, and one on the bootstrap group.
   * A broker whose own group has no healthy target is a partition leader that PrivateLink clients
   * cannot reach while clients inside the VPC still can, so nothing else raises it.
   */
  private healthAlarms(alarms: HealthAlarms | IResolvable, props: KafkaPrivateLinkProviderProps, ports: MapTerraformIterator): void {
    const known = !Token.isUnresolved(alarms);
    // Only read when an alarm exists, so a null module input is never dereferenced.
    const actions = known ? (alarms as HealthAlarms).actions : Token.asList(propertyAccess(alarms, ["actions"]));
    const alarm = (logicalId: string, config: Pick<CloudwatchMetricAlarmConfig, "alarmName" | "alarmDescription" | "dimensions" | "forEach" | "count">) =>
      new CloudwatchMetricAlarm(this, `${logicalId}-health-alarm`, {
        ...HEALTH_ALARM,
        alarmActions: actions,
        // The recovery is news too: the on-call learns the leader is reachable again.
        okActions: actions,
        tags: props.tags,
        ...config,
      }).overrideLogicalId(logicalId);

    alarm("bootstrap", {
      // A module's alarms input may be null: then no alarm.
      count: known ? undefined : Token.asNumber(hcl`${alarms} != null ? 1 : 0`),
      alarmName: `${props.name}-bootstrap-unhealthy`,
      alarmDescription: `Kafka cluster ${props.name}: no healthy broker behind the bootstrap listener (port ${Token.asString(props.bootstrapPort)}); PrivateLink clients cannot bootstrap.`,
      dimensions: { LoadBalancer: this.nlb.arnSuffix, TargetGroup: this.bootstrapTargetGroup.arnSuffix },
    });
    const brokers = known ? ports : TerraformIterator.fromMap(Token.asAnyMap(hcl`${alarms} != null ? ${props.brokerPorts} : {}`));
    alarm("broker", {
      forEach: brokers,
      alarmName: `${props.name}-broker-${brokers.key}-unhealthy`,
      alarmDescription: `Kafka cluster ${props.name}: broker ${brokers.key} (listener port ${brokers.value}) has no healthy target; PrivateLink clients cannot reach the partitions it leads.`,
      // The same key selects the broker's own group: alarm "3" watches group "3".
      dimensions: { LoadBalancer: this.nlb.arnSuffix, TargetGroup: hcl`aws_lb_target_group.broker[each.key].arn_suffix` },
    });
  }

  private outputs(props: KafkaPrivateLinkProviderProps): void {
    const output = (name: string, description: string, value: unknown) =>
      new TerraformOutput(this, `${name}-output`, { value, description }).overrideLogicalId(name);
    const listenerName = props.listenerName ?? DEFAULT_LISTENER_NAME;
    const securityProtocol = props.listenerSecurityProtocol ?? DEFAULT_SECURITY_PROTOCOL;

    output("endpoint_service_name", "Service name that consumers create their interface endpoints to", this.endpointService.serviceName);
    output("endpoint_service_id", "ID of the VPC endpoint service (accept connections and manage principals with it)", this.endpointService.id);
    output("nlb_arn", "ARN of the internal Network Load Balancer", this.nlb.arn);
    output("bootstrap_address", "bootstrap.servers for clients: advertised hostname and bootstrap port", `${props.advertisedHostname}:${Token.asString(props.bootstrapPort)}`);
    output("broker_ports", "Broker ID → its NLB listener port (and advertised port)", props.brokerPorts);

    const known = isKnown(props.brokerPorts) && isKnown(props.advertisedHostname) && isKnown(listenerName) && isKnown(securityProtocol) && isKnown(props.brokerTargetPort);
    let advertised: unknown;
    let config: unknown;
    if (known) {
      const ports = Object.entries(props.brokerPorts as BrokerMap<number>);
      advertised = Object.fromEntries(ports.map(([id, port]) => [id, `${props.advertisedHostname}:${port}`]));
      config = Object.fromEntries(
        ports.map(([id, port]) => [
          id,
          brokerListenerConfig({
            listenerName,
            securityProtocol,
            bindPort: props.brokerTargetPort,
            advertisedHostname: props.advertisedHostname,
            advertisedPort: port,
          }),
        ]),
      );
    } else {
      // The same lines as brokerListenerConfig, for brokers that are only known to Terraform.
      advertised = hcl`{ for id, port in ${props.brokerPorts} : id => "\${${props.advertisedHostname}}:\${port}" }`;
      config = hcl`{ for id, port in ${props.brokerPorts} : id => join("\\n", [
    "listeners=\${${listenerName}}://0.0.0.0:\${${props.brokerTargetPort}}",
    "advertised.listeners=\${${listenerName}}://\${${props.advertisedHostname}}:\${port}",
    "listener.security.protocol.map=\${${listenerName}}:\${${securityProtocol}}",
  ]) }`;
    }
    output("advertised_listeners", "Broker ID → the hostname:port the broker must advertise on its PrivateLink listener", advertised);
    output(
      "broker_config",
      "Broker ID → server.properties lines for its PrivateLink listener (add each entry to the broker's existing lists)",
      config,
    );
  }
}

/** Known maps must describe the same brokers, and fit one NLB; maps only Terraform knows are its to check. */
function checkBrokerMaps(props: KafkaPrivateLinkProviderProps): void {
  if (!isKnown(props.brokers) || !isKnown(props.brokerPorts)) return;
  const targets = Object.keys(props.brokers as BrokerMap<BrokerTarget>).sort();
  const ports = Object.keys(props.brokerPorts as BrokerMap<number>).sort();
  if (targets.join() !== ports.join()) {
    throw new Error(`KafkaPrivateLinkProvider: brokers (${targets.join(", ")}) and brokerPorts (${ports.join(", ")}) must have the same broker IDs`);
  }
  if (targets.length > MAX_BROKERS) {
    throw new Error(`KafkaPrivateLinkProvider: brokers: ${targets.length} given; one NLB fits at most ${MAX_BROKERS} (${MAX_LISTENERS_PER_NLB} listeners, one is the bootstrap)`);
  }
}
