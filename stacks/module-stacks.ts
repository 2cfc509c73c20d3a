import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { App, Fn, Op, propertyAccess, TerraformHclModule, TerraformLocal, TerraformOutput, TerraformStack, Token } from "cdktf";
import { brokerPortRules, brokerPortsVariables, defineBrokerPortsModule } from "../modules/kafka-broker-ports/terraform";
import { MAX_BROKERS, MAX_PORT, MIN_PORT } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer, MAX_CIDRS_PER_CONSUMER, SECURITY_GROUPS_PER_INTERFACE } from "../modules/kafka-privatelink-consumer";
import { hcl } from "../modules/private/hcl";
import { moduleVariable } from "../modules/private/variables";
import { DEFAULT_BROKER_TARGET_PORT } from "../config/schema";
import { DEFAULT_LISTENER_NAME, DEFAULT_SECURITY_PROTOCOL, SECURITY_PROTOCOLS } from "../modules/kafka-broker-ports/kafka-config";
import { DEFAULT_DEREGISTRATION_DELAY_SECONDS, DEFAULT_TCP_IDLE_TIMEOUT_SECONDS, KafkaPrivateLinkProvider, TargetType } from "../modules/kafka-privatelink-provider";

/**
 * The stacks emitted as publishable Terraform modules. Every cluster-specific value is a variable,
 * so the module files are the same whatever configuration the main job ran on. The constructs are
 * the deployable stacks' own; only their inputs differ (Terraform expressions instead of literals).
 */
export const MODULE_NAMES = {
  brokerPorts: "kafka-broker-ports",
  provider: "kafka-privatelink-provider",
  consumer: "kafka-privatelink-consumer",
} as const;

/** The provider's name prefixes target group names, which AWS limits to 32 characters. */
const PROVIDER_NAME = {
  description: "Prefix of the AWS resource names (1-20 characters of a-z, 0-9, '-').",
  rule: {
    condition: "${can(regex(\"^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$\", var.name))}",
    errorMessage: "name: \"${var.name}\" must be 1-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (it prefixes target group names of at most 32 characters).",
  },
};
/** The consumer's name prefixes a security group name, which AWS allows 255 characters. */
const CONSUMER_NAME = {
  description: "Prefix of the AWS resource names (1-64 characters of a-z, 0-9, '-').",
  rule: {
    condition: "${can(regex(\"^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$\", var.name))}",
    errorMessage: "name: \"${var.name}\" must be 1-64 characters of a-z, 0-9 and '-', start with a letter and not end with '-'.",
  },
};
/** `label` names the input in messages; `value` is the expression that holds the hostname. */
const HOSTNAME_RULE = (label: string, value: string) => ({
  condition: `\${length(${value}) <= 253 && can(regex("^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", ${value}))}`,
  errorMessage: `${label}: "\${${value}}" must be a lower-case DNS name with at least two labels.`,
});
const IDLE_RULE = {
  condition: "${floor(var.tcp_idle_timeout_seconds) == var.tcp_idle_timeout_seconds && var.tcp_idle_timeout_seconds >= 60 && var.tcp_idle_timeout_seconds <= 6000}",
  errorMessage: "tcp_idle_timeout_seconds: ${var.tcp_idle_timeout_seconds} must be an integer from 60 to 6000 (NLB TCP listener idle timeout).",
};
const PROTOCOL_RULE = (label: string, value: string) => ({
  condition: `\${contains(${JSON.stringify(SECURITY_PROTOCOLS)}, ${value})}`,
  errorMessage: `${label}: "\${${value}}" must be one of ${SECURITY_PROTOCOLS.join(", ")}.`,
});
/** A broker map's keys that are broker IDs (the key rule reports the others), as numbers. */
const brokerIdsOf = (map: string) => `[for id in keys(${map}) : tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))]`;

/** The inputs every module with AWS resources takes. */
function commonVariables(stack: TerraformStack, name: typeof PROVIDER_NAME) {
  return {
    name: moduleVariable(stack, "name", { type: "string", description: name.description, validation: [name.rule] }),
    vpcId: moduleVariable(stack, "vpc_id", { type: "string", description: "VPC to create the resources in." }),
    subnetIds: moduleVariable(stack, "subnet_ids", {
      type: "list(string)",
      description: "Subnets, one per availability zone.",
      validation: [{ condition: "${length(var.subnet_ids) >= 1}", errorMessage: "subnet_ids must list at least one subnet." }],
    }),
    tags: moduleVariable(stack, "tags", { type: "map(string)", description: "Tags for every resource that takes tags.", default: {} }),
  };
}

function brokerPortsCall(stack: TerraformStack, brokerIds: string[], bootstrapPort: number, brokerPortBase: number): TerraformHclModule {
  const call = new TerraformHclModule(stack, "broker_ports", {
    source: `../${MODULE_NAMES.brokerPorts}`,
    // The module is published beside this one; there is no asset to copy.
    skipAssetCreationFromLocalModules: true,
    variables: { broker_ids: brokerIds, bootstrap_port: bootstrapPort, broker_port_base: brokerPortBase },
  });
  call.overrideLogicalId("broker_ports");
  return call;
}

export class BrokerPortsModuleStack extends TerraformStack {
  constructor(scope: App) {
    super(scope, MODULE_NAMES.brokerPorts);
    defineBrokerPortsModule(this);
  }
}

export class ProviderModuleStack extends TerraformStack {
  constructor(scope: App) {
    super(scope, MODULE_NAMES.provider);
    const v = {
      ...commonVariables(this, PROVIDER_NAME),
      advertisedHostname: moduleVariable(this, "advertised_hostname", {
        type: "string",
        description: "The one hostname every broker advertises (all brokers share it; the port tells them apart).",
        validation: [HOSTNAME_RULE("advertised_hostname", "var.advertised_hostname")],
      }),
      tcpIdleTimeoutSeconds: moduleVariable(this, "tcp_idle_timeout_seconds", {
        type: "number",
        description: "NLB TCP listener idle timeout in seconds (60-6000); clients should close idle connections before it.",
        default: DEFAULT_TCP_IDLE_TIMEOUT_SECONDS,
        validation: [IDLE_RULE],
      }),
      ...brokerPortsVariables(this),
    };
    const privateIp = `can(regex("^(10\\\\.|192\\\\.168\\\\.|172\\\\.(1[6-9]|2[0-9]|3[01])\\\\.|100\\\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\\\.)", b.target)) && can(cidrhost("\${b.target}/32", 0))`;
    const instanceId = `can(regex("^i-[0-9a-f]{8,17}$", b.target))`;
    const groupName = `"\${var.name}-b\${id}-\${var.broker_target_port}\${var.target_type == "instance" ? "i" : ""}"`;
    const brokers = moduleVariable(this, "brokers", {
      type: "map(object({ target = string }))",
      description: "Brokers keyed by broker ID (\"1\", \"2\", ...): target is the broker's private IPv4 address (target_type ip) or EC2 instance ID (target_type instance).",
      validation: [
        {
          condition: `\${alltrue([for id in keys(var.brokers) : can(regex("^(0|[1-9][0-9]*)$", id))])}`,
          errorMessage: `brokers: key \${join(", ", [for id in keys(var.brokers) : jsonencode(id) if !can(regex("^(0|[1-9][0-9]*)$", id))])} is not a broker ID; keys are non-negative integers without leading zeros, as strings.`,
        },
        ...brokerPortRules("brokers", brokerIdsOf("var.brokers")),
        {
          condition: `\${var.target_type != "ip" || alltrue([for b in values(var.brokers) : ${privateIp}])}`,
          errorMessage: `brokers: \${join(", ", [for id, b in var.brokers : "broker \${id} target \${jsonencode(b.target)}" if !(${privateIp})])} is not a private IPv4 address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10), which target_type ip needs.`,
        },
        {
          condition: `\${var.target_type != "instance" || alltrue([for b in values(var.brokers) : ${instanceId}])}`,
          errorMessage: `brokers: \${join(", ", [for id, b in var.brokers : "broker \${id} target \${jsonencode(b.target)}" if !(${instanceId})])} is not an EC2 instance ID such as i-0123456789abcdef0, which target_type instance needs.`,
        },
        {
          condition: "${length(distinct([for b in values(var.brokers) : b.target])) == length(var.brokers)}",
          errorMessage: `brokers: \${join("; ", [for t in distinct([for b in values(var.brokers) : b.target]) : "brokers \${join(", ", [for id, b in var.brokers : id if b.target == t])} share target \${t}" if length([for b in values(var.brokers) : b if b.target == t]) > 1])}; each broker needs its own target.`,
        },
        {
          condition: `\${alltrue([for id in keys(var.brokers) : length(${groupName}) <= 32])}`,
          errorMessage: `brokers: target group name \${join(", ", [for id in keys(var.brokers) : ${groupName} if length(${groupName}) > 32])} (<name>-b<broker ID>-<broker_target_port>[i]) exceeds AWS's 32 characters; shorten name.`,
        },
      ],
    });
    const targetType = moduleVariable(this, "target_type", {
      type: "string",
      description: "How brokers are registered: ip (private IPv4 addresses) or instance (EC2 instance IDs).",
      default: "ip",
      validation: [{ condition: "${contains([\"ip\", \"instance\"], var.target_type)}", errorMessage: "target_type must be ip or instance." }],
    });
    const brokerTargetPort = moduleVariable(this, "broker_target_port", {
      type: "number",
      description: "Port on each broker that the NLB forwards to: the broker's dedicated PrivateLink listener.",
      default: DEFAULT_BROKER_TARGET_PORT,
      validation: [
        {
          condition: "${floor(var.broker_target_port) == var.broker_target_port && var.broker_target_port >= 1 && var.broker_target_port <= 65535}",
          errorMessage: "broker_target_port must be an integer from 1 to 65535.",
        },
      ],
    });
    const allowedPrincipals = moduleVariable(this, "allowed_principals", {
      type: "list(string)",
      description: "IAM principal ARNs allowed to create endpoints to the service. \"*\" only with allow_any_principal.",
      validation: [
        { condition: "${length(var.allowed_principals) >= 1}", errorMessage: "allowed_principals must list at least one principal." },
        { condition: "${var.allow_any_principal || !contains(var.allowed_principals, \"*\")}", errorMessage: "allowed_principals: \"*\" lets every AWS account connect; set allow_any_principal = true to allow it." },
      ],
    });
    moduleVariable(this, "allow_any_principal", { type: "bool", description: "Allow \"*\" in allowed_principals.", default: false });
    const acceptanceRequired = moduleVariable(this, "acceptance_required", {
      type: "bool",
      description: "Whether each endpoint connection waits for the provider to accept it.",
      default: true,
    });
    const endpointId = `can(regex("^vpce-[0-9a-f]{8,17}$", e))`;
    const acceptEndpoints = moduleVariable(this, "accept_endpoints", {
      type: "list(string)",
      description:
        "Interface endpoint IDs (vpce-...) whose connections to the service are accepted (each consumer's output endpoint_id). Removing an ID later rejects that endpoint's connection. Needs acceptance_required.",
      default: [],
      validation: [
        {
          condition: `\${alltrue([for e in var.accept_endpoints : ${endpointId}])}`,
          errorMessage: `accept_endpoints: \${join(", ", [for e in var.accept_endpoints : jsonencode(e) if !(${endpointId})])} is not an interface endpoint ID such as vpce-0123456789abcdef0.`,
        },
        {
          condition: "${length(distinct(var.accept_endpoints)) == length(var.accept_endpoints)}",
          errorMessage: 'accept_endpoints: ${join(", ", distinct([for e in var.accept_endpoints : e if length([for o in var.accept_endpoints : o if o == e]) > 1]))} is listed more than once.',
        },
        {
          condition: "${length(var.accept_endpoints) == 0 || var.acceptance_required}",
          errorMessage: "accept_endpoints: acceptance_required is false, so every connection is accepted without approval; leave accept_endpoints empty or set acceptance_required = true.",
        },
      ],
    });
    const deletionProtection = moduleVariable(this, "deletion_protection", {
      type: "bool",
      description: "Turn on the NLB's deletion protection: a destroy or replacement fails until it is turned off.",
      default: false,
    });
    const supportedRegions = moduleVariable(this, "supported_regions", {
      type: "list(string)",
      description: "Other regions whose VPCs may connect (cross-region PrivateLink); the service's own region is added. Empty: same region only.",
      default: [],
    });
    const deregistrationDelay = moduleVariable(this, "deregistration_delay_seconds", {
      type: "number",
      description: "Seconds a deregistering broker keeps its connections (0-3600).",
      default: DEFAULT_DEREGISTRATION_DELAY_SECONDS,
      validation: [
        {
          condition: "${floor(var.deregistration_delay_seconds) == var.deregistration_delay_seconds && var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600}",
          errorMessage: "deregistration_delay_seconds must be an integer from 0 to 3600.",
        },
      ],
    });
    const listenerName = moduleVariable(this, "listener_name", {
      type: "string",
      description: "Kafka listener name used in the broker config snippets.",
      default: DEFAULT_LISTENER_NAME,
      validation: [{ condition: "${can(regex(\"^[A-Z][A-Z0-9_]{0,31}$\", var.listener_name))}", errorMessage: "listener_name must be an upper-case Kafka listener name such as PRIVATELINK." }],
    });
    const listenerProtocol = moduleVariable(this, "listener_security_protocol", {
      type: "string",
      description: "Security protocol of the brokers' PrivateLink listener.",
      default: DEFAULT_SECURITY_PROTOCOL,
      validation: [PROTOCOL_RULE("listener_security_protocol", "var.listener_security_protocol")],
    });
    const snsArn = `can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\\\.fifo)?$", a))`;
    const alarms = moduleVariable(this, "alarms", {
      type: "object({ actions = list(string) })",
      description:
        "Health alarms: one CloudWatch alarm per broker's own target group (keyed by broker ID) and one on the bootstrap group, on AWS/NetworkELB HealthyHostCount < 1, notifying actions (SNS topic ARNs in this region) on alarm and recovery. null: no alarms.",
      default: null,
      validation: [
        {
          // try(): Terraform evaluates both sides of ||, and a null object has no attributes.
          condition: `\${var.alarms == null || (length(try(var.alarms.actions, [])) >= 1 && alltrue([for a in try(var.alarms.actions, []) : ${snsArn}]))}`,
          errorMessage: `alarms.actions: \${length(try(var.alarms.actions, [])) == 0 ? "no action listed; list at least one SNS topic ARN, or set alarms = null for no alarms" : "\${join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if !(${snsArn})])} is not an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:kafka-oncall"}.`,
        },
        {
          // CloudWatch only notifies topics in the alarm's own region (Terraform >= 1.9 lets a validation read the data source).
          condition: `\${alltrue([for a in try(var.alarms.actions, []) : try(split(":", a)[3], "") == data.aws_region.current.id])}`,
          errorMessage: `alarms.actions: \${join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if try(split(":", a)[3], "") != data.aws_region.current.id])} is not in \${data.aws_region.current.id}; CloudWatch only notifies SNS topics in the alarms' region.`,
        },
      ],
    });

    const ports = brokerPortsCall(this, Token.asList(hcl`[for id in keys(${brokers.value}) : tonumber(id)]`), v.bootstrapPort.numberValue, v.brokerPortBase.numberValue);
    const region = new DataAwsRegion(this, "current");
    const kafka = new KafkaPrivateLinkProvider(this, "kafka", {
      name: v.name.stringValue,
      vpcId: v.vpcId.stringValue,
      subnetIds: v.subnetIds.listValue,
      advertisedHostname: v.advertisedHostname.stringValue,
      bootstrapPort: v.bootstrapPort.numberValue,
      brokers: brokers.value,
      brokerPorts: ports.get("broker_ports"),
      brokerTargetPort: brokerTargetPort.numberValue,
      targetType: targetType.stringValue as TargetType,
      allowedPrincipals: allowedPrincipals.listValue,
      acceptanceRequired: acceptanceRequired.booleanValue,
      deletionProtection: deletionProtection.booleanValue,
      supportedRegions: Token.asList(
        hcl`length(${supportedRegions.listValue}) > 0 ? distinct(concat([${region.id}], ${supportedRegions.listValue})) : null`,
      ),
      tcpIdleTimeoutSeconds: v.tcpIdleTimeoutSeconds.numberValue,
      deregistrationDelaySeconds: deregistrationDelay.numberValue,
      listenerName: listenerName.stringValue,
      listenerSecurityProtocol: listenerProtocol.stringValue,
      acceptEndpoints: acceptEndpoints.listValue,
      alarms: alarms.value,
      tags: v.tags.value,
    });
    // Everything a consumer needs, as the consumer module's one `connection` input: a consumer
    // cannot then be built for another broker set, port base or hostname than the provider's.
    new TerraformOutput(this, "connection-output", {
      description: "Everything the consumer module needs, as its `connection` input: pass it as is (same configuration) or as the same object value (another account).",
      value: {
        service_name: kafka.endpointService.serviceName,
        region: region.id,
        advertised_hostname: v.advertisedHostname.stringValue,
        bootstrap_port: v.bootstrapPort.numberValue,
        broker_ports: ports.get("broker_ports"),
        security_protocol: listenerProtocol.stringValue,
        tcp_idle_timeout_seconds: v.tcpIdleTimeoutSeconds.numberValue,
      },
    }).overrideLogicalId("connection");
  }
}

/** The provider module's `connection` output, the consumer module's one input about the cluster. */
const CONNECTION_TYPE = `object({
    service_name             = string
    region                   = string
    advertised_hostname      = string
    bootstrap_port           = number
    broker_ports             = map(number)
    security_protocol        = string
    tcp_idle_timeout_seconds = number
  })`;

export class ConsumerModuleStack extends TerraformStack {
  constructor(scope: App) {
    super(scope, MODULE_NAMES.consumer);
    const v = commonVariables(this, CONSUMER_NAME);
    const ports = "var.connection.broker_ports";
    const badPort = (p: string) => `floor(${p}) != ${p} || ${p} < ${MIN_PORT} || ${p} > ${MAX_PORT}`;
    const connection = moduleVariable(this, "connection", {
      type: CONNECTION_TYPE,
      description:
        "The cluster as the provider module describes it: its output `connection`, passed as is or, from another account, as the same object value (service name, region, hostname, bootstrap port, broker ports, security protocol, idle timeout).",
      validation: [
        {
          condition: `\${can(regex("^com\\\\.amazonaws\\\\.vpce\\\\.[a-z0-9-]+\\\\.vpce-svc-[0-9a-f]{8,17}$", var.connection.service_name))}`,
          errorMessage: 'connection.service_name: "${var.connection.service_name}" is not a VPC endpoint service name (com.amazonaws.vpce.<region>.vpce-svc-<id>).',
        },
        {
          condition: `\${can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.connection.region))}`,
          errorMessage: 'connection.region: "${var.connection.region}" is not an AWS region name.',
        },
        HOSTNAME_RULE("connection.advertised_hostname", "var.connection.advertised_hostname"),
        PROTOCOL_RULE("connection.security_protocol", "var.connection.security_protocol"),
        {
          condition: `\${length(${ports}) >= 1 && length(${ports}) <= ${MAX_BROKERS}}`,
          errorMessage: `connection.broker_ports: \${length(${ports})} brokers given; one NLB fits 1 to ${MAX_BROKERS}.`,
        },
        {
          condition: `\${alltrue([for id in keys(${ports}) : can(regex("^(0|[1-9][0-9]*)$", id))])}`,
          errorMessage: `connection.broker_ports: key \${join(", ", [for id in keys(${ports}) : jsonencode(id) if !can(regex("^(0|[1-9][0-9]*)$", id))])} is not a broker ID.`,
        },
        {
          condition: `\${!(${badPort("var.connection.bootstrap_port")}) && alltrue([for p in values(${ports}) : !(${badPort("p")})])}`,
          errorMessage: `connection: \${join(", ", concat(${badPort("var.connection.bootstrap_port")} ? ["bootstrap_port \${var.connection.bootstrap_port}"] : [], [for id, p in ${ports} : "broker \${id} port \${p}" if ${badPort("p")}]))}: ports must be integers from ${MIN_PORT} to ${MAX_PORT}.`,
        },
        {
          condition: `\${length(distinct(concat([var.connection.bootstrap_port], values(${ports})))) == length(${ports}) + 1}`,
          errorMessage: `connection: the bootstrap port and every broker port must differ (ports \${join(", ", concat([var.connection.bootstrap_port], values(${ports})))}).`,
        },
        {
          condition: "${floor(var.connection.tcp_idle_timeout_seconds) == var.connection.tcp_idle_timeout_seconds && var.connection.tcp_idle_timeout_seconds >= 60 && var.connection.tcp_idle_timeout_seconds <= 6000}",
          errorMessage: "connection.tcp_idle_timeout_seconds: ${var.connection.tcp_idle_timeout_seconds} must be an integer from 60 to 6000.",
        },
      ],
    });
    const cidrIsNetwork = `can(cidrnetmask(c)) && try(cidrhost(c, 0) == split("/", c)[0], false)`;
    const allowedCidrs = moduleVariable(this, "allowed_cidrs", {
      type: "list(string)",
      description: `Client IPv4 CIDR blocks allowed to reach the bootstrap and broker ports, at most ${MAX_CIDRS_PER_CONSUMER} (one security group each). 0.0.0.0/0 only with allow_any_cidr.`,
      validation: [
        { condition: "${length(var.allowed_cidrs) >= 1}", errorMessage: "allowed_cidrs must list at least one CIDR block." },
        {
          condition: `\${length(var.allowed_cidrs) <= ${MAX_CIDRS_PER_CONSUMER}}`,
          errorMessage: `allowed_cidrs: \${length(var.allowed_cidrs)} CIDR blocks given, at most ${MAX_CIDRS_PER_CONSUMER}: each gets its own security group on the endpoint, and AWS allows ${SECURITY_GROUPS_PER_INTERFACE} security groups per network interface by default (quota "Security groups per network interface").`,
        },
        {
          condition: "${length(distinct(var.allowed_cidrs)) == length(var.allowed_cidrs)}",
          errorMessage: 'allowed_cidrs: ${join(", ", distinct([for c in var.allowed_cidrs : c if length([for o in var.allowed_cidrs : o if o == c]) > 1]))} is listed more than once.',
        },
        {
          condition: `\${alltrue([for c in var.allowed_cidrs : ${cidrIsNetwork}])}`,
          errorMessage: `allowed_cidrs: \${join(", ", [for c in var.allowed_cidrs : jsonencode(c) if !(${cidrIsNetwork})])} is not an IPv4 CIDR block written as its network address, such as 10.20.0.0/16.`,
        },
        {
          condition: '${var.allow_any_cidr || !contains(var.allowed_cidrs, "0.0.0.0/0")}',
          errorMessage: "allowed_cidrs: 0.0.0.0/0 opens the Kafka ports to every address; set allow_any_cidr = true to allow it.",
        },
      ],
    });
    moduleVariable(this, "allow_any_cidr", { type: "bool", description: "Allow 0.0.0.0/0 in allowed_cidrs.", default: false });
    const hostedZoneId = moduleVariable(this, "hosted_zone_id", {
      type: "string",
      description: "An existing private hosted zone, associated with the VPC, to put the record in. null: create a zone named exactly the advertised hostname.",
      default: null,
    });

    const c = (key: string) => propertyAccess(connection.value, [key]);
    // Cross-region PrivateLink when the service is in another region than this endpoint.
    const serviceRegion = new TerraformLocal(this, "service_region", Fn.conditional(Op.eq(c("region"), new DataAwsRegion(this, "current").id), null, c("region")));
    serviceRegion.overrideLogicalId("service_region");
    new KafkaPrivateLinkConsumer(this, "kafka", {
      name: v.name.stringValue,
      vpcId: v.vpcId.stringValue,
      subnetIds: v.subnetIds.listValue,
      serviceName: Token.asString(c("service_name")),
      serviceRegion: serviceRegion.asString,
      advertisedHostname: Token.asString(c("advertised_hostname")),
      bootstrapPort: Token.asNumber(c("bootstrap_port")),
      brokerPorts: c("broker_ports"),
      allowedCidrs: allowedCidrs.listValue,
      hostedZoneId: hostedZoneId.stringValue,
      securityProtocol: Token.asString(c("security_protocol")),
      tcpIdleTimeoutSeconds: Token.asNumber(c("tcp_idle_timeout_seconds")),
      tags: v.tags.value,
    });
    connection.overrideLogicalId("connection");
  }
}
