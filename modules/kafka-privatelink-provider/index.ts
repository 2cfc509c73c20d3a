import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup, LbTargetGroupConfig } from "@cdktf/provider-aws/lib/lb-target-group";
import { LbTargetGroupAttachment } from "@cdktf/provider-aws/lib/lb-target-group-attachment";
import { VpcEndpointConnectionAccepter } from "@cdktf/provider-aws/lib/vpc-endpoint-connection-accepter";
import { VpcEndpointService } from "@cdktf/provider-aws/lib/vpc-endpoint-service";
import { propertyAccess, TerraformIterator, TerraformLocal, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { brokerPortsCall, brokerPortsVariables } from "../kafka-broker-ports";
import { skipCheck, why } from "../packaging/terraform-hcl";
import { hcl } from "../private/hcl";
import { BROKER_ID_PATTERN, MAX_BROKERS, MAX_LISTENERS_PER_NLB } from "../kafka-broker-ports/allocation";
import { resourceTags } from "../private/rules";
import { moduleOutputs, moduleVariable, specVariables } from "../private/variables";
import { PROVIDER_INPUTS } from "./inputs";
import {
  awsNameCondition,
  awsNameRuleWords,
  LOAD_BALANCER_NAME,
  principalPartition,
  PRINCIPAL_RULE,
  reservedTargetCondition,
  TARGET_GROUP_NAME,
} from "../private/aws-rules";
import { minItemsValidation, PRIVATE_RANGES, privateIpv4Condition, ruleCondition, RULES } from "../private/input-rules";
import { REGION_DATA, REGION_PARTITIONS } from "../private/regions";
import { bootstrapAlarmName, BOOTSTRAP_GROUP, brokerAlarmName, brokerGroup, loadBalancerName, PROVIDER_MODULE, targetGroupName } from "./rules";

export { KafkaPrivateLinkProvider, KafkaPrivateLinkProviderProps, providerModuleInputs } from "./call";

/** Where the health alarms look: the NLB's metrics of one target group. */
const HEALTH_ALARM = {
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
 * The `kafka-privatelink-provider` module: one internal NLB with a bootstrap listener in front of
 * every broker and one listener per broker in front of only that broker, and a VPC endpoint service
 * over the NLB. Generic: every cluster value is an input variable.
 *
 * Terraform addresses are fixed (`aws_lb_listener.broker["3"]`): they are what plan reviewers read,
 * and renaming one moves the resource. Per-broker resources are `for_each` maps keyed by broker ID,
 * so adding or removing a broker touches only that broker's instances.
 */
export class ProviderModule extends TerraformStack {
  constructor(scope: Construct, id: string = PROVIDER_MODULE) {
    super(scope, id);
    // The regions of modules/private/regions.ts with their partitions, for the checks of region inputs.
    new TerraformLocal(this, "region-partitions", REGION_PARTITIONS).overrideLogicalId("region_partitions");
    const lbName = JSON.stringify(loadBalancerName("${var.name}"));
    const v = {
      // The inputs the configuration passes as they are, with the validations across inputs.
      ...specVariables(this, PROVIDER_INPUTS, {
        // The target group names are checked with the brokers (they hold the broker IDs). The
        // alarm names always keep CloudWatch's rule: at most 20 + 29 characters of a-z, 0-9 and '-'.
        name: [
          {
            condition: `\${${awsNameCondition(LOAD_BALANCER_NAME, lbName)}}`,
            errorMessage: `name: "\${var.name}" makes the load balancer name \${jsonencode(${lbName})}, which breaks ${awsNameRuleWords(LOAD_BALANCER_NAME)}.`,
          },
        ],
        acceptEndpoints: [
          {
            condition: "${length(var.accept_endpoints) == 0 || var.acceptance_required}",
            errorMessage:
              "accept_endpoints: acceptance_required is false, so every connection is accepted without approval; leave accept_endpoints empty or set acceptance_required = true.",
          },
        ],
      }),
      tags: resourceTags(this),
      // Checked where the port rule lives: the kafka-broker-ports module called below.
      ...brokerPortsVariables(this, { validated: false }),
    };
    // The partition of the service's region, from the same region data as the configuration's
    // (modules/private/regions.ts); "" for a region newer than that data.
    const ownPartition = `lookup(local.region_partitions, data.aws_region.current.id, "")`;
    // A broker's target as the messages name it.
    const brokerTarget = '"broker ${id} target ${jsonencode(b.target)}"';
    // Every broker's target (b.target) keeps `kept` where target_type is `targetType`; the message names those that do not.
    const targetRule = (targetType: string, kept: string, broken: string) => ({
      condition: `\${var.target_type != "${targetType}" || alltrue([for b in values(var.brokers) : ${kept}])}`,
      errorMessage: `brokers: \${join(", ", [for id, b in var.brokers : ${brokerTarget} if !(${kept})])} ${broken}, which target_type ${targetType} needs.`,
    });
    // The bootstrap group's name (<name>-boot-<port>[i]) is at most 20 + 12 characters of a-z, 0-9 and '-'.
    // A Terraform string template (quotes inside its interpolations stay as they are).
    const groupName = `"${targetGroupName("${var.name}", brokerGroup("${id}"), '${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}')}"`;
    const groupNameKept = awsNameCondition(TARGET_GROUP_NAME, groupName);
    const reserved = reservedTargetCondition("b.target");
    const brokers = moduleVariable(this, "brokers", {
      type: "map(object({ target = string }))",
      description: `Brokers keyed by broker ID ("1", "2", ...): target is the broker's private IPv4 address (target_type ip) or EC2 instance ID (target_type instance). At most ${MAX_BROKERS} (an NLB has ${MAX_LISTENERS_PER_NLB} listeners; one is the bootstrap).`,
      validation: [
        {
          condition: `\${alltrue([for id in keys(var.brokers) : can(regex("${BROKER_ID_PATTERN}", id))])}`,
          errorMessage: `brokers: key \${join(", ", [for id in keys(var.brokers) : jsonencode(id) if !can(regex("${BROKER_ID_PATTERN}", id))])} is not a broker ID; keys are non-negative integers without leading zeros, as strings.`,
        },
        targetRule("ip", privateIpv4Condition("b.target"), `is not a private IPv4 address (${PRIVATE_RANGES})`),
        targetRule("instance", ruleCondition(RULES.instanceId, "b.target"), RULES.instanceId.rule.replace(/^must be /, "is not ")),
        {
          condition: "${length(distinct([for b in values(var.brokers) : b.target])) == length(var.brokers)}",
          errorMessage: `brokers: \${join("; ", [for t in distinct([for b in values(var.brokers) : b.target]) : "brokers \${join(", ", [for id, b in var.brokers : id if b.target == t])} share target \${t}" if length([for b in values(var.brokers) : b if b.target == t]) > 1])}; each broker needs its own target.`,
        },
        {
          condition: `\${alltrue([for id in keys(var.brokers) : ${groupNameKept}])}`,
          errorMessage: `brokers: target group name \${join(", ", [for id in keys(var.brokers) : jsonencode(${groupName}) if !(${groupNameKept})])} (<name>-b<broker ID>-<broker_target_port>[i]) breaks ${awsNameRuleWords(TARGET_GROUP_NAME)}; shorten name.`,
        },
        {
          condition: `\${var.target_type != "ip" || !anytrue([for b in values(var.brokers) : ${reserved}])}`,
          errorMessage: `brokers: \${join(", ", [for id, b in var.brokers : ${brokerTarget} if ${reserved}])} is reserved in every subnet that could hold it: AWS reserves the first four and the last address of every subnet (/16 to /28), and an address whose last 16 bits are 0-3 or all ones is one of those in each of them.`,
        },
      ],
    });
    const allowedPrincipals = moduleVariable(this, "allowed_principals", {
      type: "list(string)",
      description: 'IAM principal ARNs allowed to create endpoints to the service. "*" only with allow_any_principal.',
      validation: [
        minItemsValidation("allowed_principals", "var.allowed_principals", 1, "principal"),
        {
          condition: '${var.allow_any_principal || !contains(var.allowed_principals, "*")}',
          errorMessage: 'allowed_principals: "*" lets every AWS account connect; set allow_any_principal = true to allow it.',
        },
        {
          condition: `\${alltrue([for p in var.allowed_principals : p == "*" || ${principalPartition("p")} != ""])}`,
          errorMessage: `allowed_principals: \${join(", ", [for p in var.allowed_principals : jsonencode(p) if p != "*" && ${principalPartition("p")} == ""])} ${PRINCIPAL_RULE}.`,
        },
        {
          // A region newer than the region data has no partition here: AWS judges its principals.
          condition: `\${alltrue([for p in var.allowed_principals : contains(["", ${ownPartition}], ${principalPartition("p")}) || ${ownPartition} == ""])}`,
          errorMessage: `allowed_principals: \${join(", ", [for p in var.allowed_principals : jsonencode(p) if !contains(["", ${ownPartition}], ${principalPartition("p")})])} is not in partition \${jsonencode(${ownPartition})} of the service's region \${data.aws_region.current.id}; IAM principals do not cross partitions.`,
        },
      ],
    });
    moduleVariable(this, "allow_any_principal", { type: "bool", description: 'Allow "*" in allowed_principals.', default: false });
    const knownRegion = "contains(keys(local.region_partitions), r)";
    const supportedRegions = moduleVariable(this, "supported_regions", {
      type: "list(string)",
      description:
        "Other regions whose VPCs may connect (cross-region PrivateLink), AWS regions of the service's partition; the service's own region is added. Empty: same region only.",
      default: [],
      validation: [
        {
          condition: `\${alltrue([for r in var.supported_regions : ${knownRegion}])}`,
          errorMessage: `supported_regions: \${join(", ", [for r in var.supported_regions : jsonencode(r) if !${knownRegion}])} is not an AWS region (the regions of ${REGION_DATA}).`,
        },
        {
          condition: `\${alltrue([for r in var.supported_regions : !${knownRegion} || contains(["", lookup(local.region_partitions, r, "")], ${ownPartition})])}`,
          errorMessage: `supported_regions: \${join(", ", [for r in var.supported_regions : jsonencode(r) if ${knownRegion} && !contains(["", lookup(local.region_partitions, r, "")], ${ownPartition})])} is not in partition \${jsonencode(${ownPartition})} of the service's region \${data.aws_region.current.id}; PrivateLink does not cross partitions.`,
        },
      ],
    });
    const region = new DataAwsRegion(this, "current");
    const snsArn = ruleCondition(RULES.snsTopicArn, "a");
    const alarms = moduleVariable(this, "alarms", {
      type: "object({ actions = list(string) })",
      description:
        "Health alarms: one CloudWatch alarm per broker's own target group (keyed by broker ID) and one on the bootstrap group, on AWS/NetworkELB HealthyHostCount < 1, notifying actions (SNS topic ARNs in this region) on alarm and recovery. null: no alarms.",
      default: null,
      validation: [
        {
          // try(): Terraform evaluates both sides of ||, and a null object has no attributes.
          condition: `\${var.alarms == null || (length(try(var.alarms.actions, [])) >= 1 && alltrue([for a in try(var.alarms.actions, []) : ${snsArn}]))}`,
          errorMessage: `alarms.actions: \${length(try(var.alarms.actions, [])) == 0 ? "no action listed; list at least one SNS topic ARN, or set alarms = null for no alarms" : format("%s ${RULES.snsTopicArn.rule.replace(/^must be /, "is not ")}", join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if !(${snsArn})]))}.`,
        },
        {
          // CloudWatch only notifies topics in the alarm's own region (Terraform >= 1.9 lets a validation read the data source).
          condition: `\${alltrue([for a in try(var.alarms.actions, []) : try(split(":", a)[3], "") == data.aws_region.current.id])}`,
          errorMessage: `alarms.actions: \${join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if try(split(":", a)[3], "") != data.aws_region.current.id])} is not in \${data.aws_region.current.id}; CloudWatch only notifies SNS topics in the alarms' region.`,
        },
      ],
    });

    // The port rule's one home in Terraform: broker ID → port, and every check of the allocation.
    const ports = brokerPortsCall(
      this,
      Token.asNumberList(hcl`[for id in keys(${brokers.value}) : tonumber(id) if can(regex(${BROKER_ID_PATTERN}, id))]`),
      v.bootstrapPort.numberValue,
      v.brokerPortBase.numberValue,
    );
    const brokerPorts = ports.get("broker_ports");
    const { tags } = v;

    const nlb = new Lb(this, "nlb", {
      name: loadBalancerName(v.name.stringValue),
      loadBalancerType: "network",
      internal: true,
      subnets: v.subnetIds.listValue,
      // Off by default on NLBs: a node then only reaches targets in its own AZ, and a
      // one-broker target group is unreachable from every other AZ.
      enableCrossZoneLoadBalancing: true,
      enableDeletionProtection: v.deletionProtection.booleanValue,
      tags,
    });
    nlb.overrideLogicalId("this");
    skipCheck(nlb, "CKV_AWS_91", "NLB access logs are only written for TLS listeners; these are TCP (Kafka terminates its own TLS)");
    skipCheck(nlb, "CKV_AWS_150", "deletion protection is the caller's choice (input deletion_protection), off by default so a plan can remove a cluster");
    why(
      nlb,
      "Internal, and created without security groups (an NLB only gets them at creation): access is the consumers'\nendpoint security groups and the allowed principals. Cross-zone is off by default on NLBs; a node then only\nreaches targets in its own AZ, and a one-broker target group would be unreachable from every other AZ.",
    );

    const targetGroup = (logicalId: string, config: Partial<LbTargetGroupConfig>): LbTargetGroup => {
      const group = new LbTargetGroup(this, `${logicalId}-target-group`, {
        port: v.brokerTargetPort.numberValue,
        protocol: "TCP",
        targetType: v.targetType.stringValue,
        vpcId: v.vpcId.stringValue,
        // Kafka does not parse the PROXY protocol header.
        proxyProtocolV2: false,
        deregistrationDelay: Token.asString(v.deregistrationDelaySeconds.numberValue),
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
      const each = TerraformIterator.fromMap(brokers.value);
      new LbTargetGroupAttachment(this, `${logicalId}-attachment`, {
        forEach: each,
        targetGroupArn,
        targetId: each.getString("target"),
        port: v.brokerTargetPort.numberValue,
      }).overrideLogicalId(logicalId);
    };
    const listener = (logicalId: string, config: { port: number; targetGroupArn: string; forEach?: TerraformIterator }) => {
      const created = new LbListener(this, `${logicalId}-listener`, {
        forEach: config.forEach,
        loadBalancerArn: nlb.arn,
        port: config.port,
        protocol: "TCP",
        tcpIdleTimeoutSeconds: v.tcpIdleTimeoutSeconds.numberValue,
        defaultAction: [{ type: "forward", targetGroupArn: config.targetGroupArn }],
        tags,
      });
      created.overrideLogicalId(logicalId);
      return created;
    };

    const groupSuffix = `${Token.asString(v.brokerTargetPort.numberValue)}${hcl`${v.targetType.stringValue} == "instance" ? "i" : ""`}`;
    const bootstrapGroup = targetGroup("bootstrap", { name: targetGroupName(v.name.stringValue, BOOTSTRAP_GROUP, groupSuffix) });
    why(
      bootstrapGroup,
      "Every broker: a client bootstraps through any of them. TCP, without the PROXY protocol (Kafka does not parse it).\nThe name carries what replaces a group (target port and type), and the new group exists before the old one goes:\na listener never lets go of the group it forwards to.",
    );
    attachments("bootstrap", bootstrapGroup.arn);
    listener("bootstrap", { port: v.bootstrapPort.numberValue, targetGroupArn: bootstrapGroup.arn });

    const each = TerraformIterator.fromMap(brokerPorts);
    why(
      targetGroup("broker", { forEach: each, name: targetGroupName(v.name.stringValue, brokerGroup(each.key), groupSuffix) }),
      "One group per broker, holding only that broker, keyed by broker ID: the port is the only thing that tells\nbrokers apart behind one hostname, and adding or removing a broker touches only its own resources.",
    );
    // The same key selects the broker's own group: listener "3" → group "3" → broker "3".
    const ownGroupArn = hcl`aws_lb_target_group.broker[each.key].arn`;
    attachments("broker", ownGroupArn);
    why(
      listener("broker", { forEach: each, port: Token.asNumber(each.value), targetGroupArn: ownGroupArn }),
      'One TCP listener per broker on that broker\'s own port (from kafka-broker-ports), forwarding to its own group:\nlistener "3" -> group "3" -> broker "3". TCP, not TLS: Kafka terminates its own TLS and SASL.',
    );

    // Health alarms, one per broker's own target group (keyed by broker ID) and one on the
    // bootstrap group. A broker whose own group has no healthy target is a partition leader that
    // PrivateLink clients cannot reach while clients inside the VPC still can, so nothing else raises it.
    // Only read when an alarm exists, so a null input is never dereferenced.
    const actions = Token.asList(propertyAccess(alarms.value, ["actions"]));
    const alarm = (logicalId: string, config: Pick<CloudwatchMetricAlarmConfig, "alarmName" | "alarmDescription" | "dimensions" | "forEach" | "count">) =>
      new CloudwatchMetricAlarm(this, `${logicalId}-health-alarm`, {
        ...HEALTH_ALARM,
        alarmActions: actions,
        // The recovery is news too: the on-call learns the leader is reachable again.
        okActions: actions,
        tags,
        ...config,
      }).overrideLogicalId(logicalId);
    alarm("bootstrap", {
      count: Token.asNumber(hcl`${alarms.value} != null ? 1 : 0`),
      alarmName: bootstrapAlarmName(v.name.stringValue),
      alarmDescription: `Kafka cluster ${v.name.stringValue}: no healthy broker behind the bootstrap listener (port ${Token.asString(v.bootstrapPort.numberValue)}); PrivateLink clients cannot bootstrap.`,
      dimensions: { LoadBalancer: nlb.arnSuffix, TargetGroup: bootstrapGroup.arnSuffix },
    });
    const alarmed = TerraformIterator.fromMap(Token.asAnyMap(hcl`${alarms.value} != null ? ${brokerPorts} : {}`));
    alarm("broker", {
      forEach: alarmed,
      alarmName: brokerAlarmName(v.name.stringValue, alarmed.key),
      alarmDescription: `Kafka cluster ${v.name.stringValue}: broker ${alarmed.key} (listener port ${alarmed.value}) has no healthy target; PrivateLink clients cannot reach the partitions it leads.`,
      // The same key selects the broker's own group: alarm "3" watches group "3".
      dimensions: { LoadBalancer: nlb.arnSuffix, TargetGroup: hcl`aws_lb_target_group.broker[each.key].arn_suffix` },
    });

    const service = new VpcEndpointService(this, "endpoint-service", {
      acceptanceRequired: v.acceptanceRequired.booleanValue,
      networkLoadBalancerArns: [nlb.arn],
      allowedPrincipals: allowedPrincipals.listValue,
      // AWS reports the service's own region among its supported regions: list it too, or every
      // plan would propose to remove it.
      supportedRegions: Token.asList(hcl`length(${supportedRegions.listValue}) > 0 ? distinct(concat([${region.id}], ${supportedRegions.listValue})) : null`),
      tags,
    });
    service.overrideLogicalId("this");
    why(
      service,
      'Acceptance is required by default, and the principals are explicit ("*" only with allow_any_principal).\nAWS reports the service\'s own region among its supported regions, so it is listed too.',
    );

    // Keyed by endpoint ID: accepting one more endpoint, or rejecting one, touches only that one.
    const endpoints = TerraformIterator.fromList(v.acceptEndpoints.listValue);
    new VpcEndpointConnectionAccepter(this, "endpoint-acceptance", {
      forEach: endpoints,
      vpcEndpointServiceId: service.id,
      vpcEndpointId: endpoints.key,
    }).overrideLogicalId("this");

    moduleOutputs(this, {
      endpoint_service_name: ["Service name that consumers create their interface endpoints to", service.serviceName],
      endpoint_service_id: ["ID of the VPC endpoint service (accept connections and manage principals with it)", service.id],
      nlb_arn: ["ARN of the internal Network Load Balancer", nlb.arn],
      bootstrap_address: [
        "bootstrap.servers for clients: advertised hostname and bootstrap port",
        `${v.advertisedHostname.stringValue}:${Token.asString(v.bootstrapPort.numberValue)}`,
      ],
      broker_ports: ["Broker ID → its NLB listener port (and advertised port)", brokerPorts],
      advertised_listeners: [
        "Broker ID → the hostname:port the broker must advertise on its PrivateLink listener",
        hcl`{ for id, port in ${brokerPorts} : id => "\${${v.advertisedHostname.stringValue}}:\${port}" }`,
      ],
      // The rehearsal configures its brokers from this output (rehearsal/rehearsal.ts, __tests__/integration/rehearsal.test.ts).
      broker_config: [
        "Broker ID → server.properties lines for its PrivateLink listener (add each entry to the broker's existing lists)",
        hcl`{ for id, port in ${brokerPorts} : id => join("\\n", [
    "listeners=\${${v.listenerName.stringValue}}://0.0.0.0:\${${v.brokerTargetPort.numberValue}}",
    "advertised.listeners=\${${v.listenerName.stringValue}}://\${${v.advertisedHostname.stringValue}}:\${port}",
    "listener.security.protocol.map=\${${v.listenerName.stringValue}}:\${${v.listenerSecurityProtocol.stringValue}}",
  ]) }`,
      ],
      // Everything a consumer needs, as the consumer module's one `connection` input: a consumer
      // cannot then be built for another broker set, port base or hostname than the provider's.
      connection: [
        "Everything the consumer module needs, as its `connection` input: pass it as is (same configuration) or as the same object value (another account).",
        {
          service_name: service.serviceName,
          region: region.id,
          advertised_hostname: v.advertisedHostname.stringValue,
          bootstrap_port: v.bootstrapPort.numberValue,
          broker_ports: brokerPorts,
          security_protocol: v.listenerSecurityProtocol.stringValue,
          tcp_idle_timeout_seconds: v.tcpIdleTimeoutSeconds.numberValue,
        },
      ],
    });
  }
}
