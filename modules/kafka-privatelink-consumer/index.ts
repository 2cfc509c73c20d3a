import { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Fn, Op, propertyAccess, TerraformIterator, TerraformLocal, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { brokerPortsCall } from "../kafka-broker-ports";
import { skipCheck, why } from "../packaging/terraform-hcl";
import { hcl } from "../private/hcl";
import { BROKER_ID_PATTERN } from "../kafka-broker-ports/allocation";
import { minItemsValidation, namePrefix, ruleCondition, RULES, ruleValidation, uniqueValidation } from "../private/input-rules";
import { resourceTags } from "../private/rules";
import { moduleOutputs, moduleVariable, specVariables } from "../private/variables";
import { CONSUMER_INPUTS } from "./inputs";
import { awsNameCondition, awsNameRuleWords, COVERS_EVERY_ADDRESS_RULE, coversEveryAddressCondition, SECURITY_GROUP_NAME } from "../private/aws-rules";
import { CONSUMER_MODULE, SECURITY_GROUPS_PER_INTERFACE, securityGroupName } from "./rules";

export { consumerModuleInputs, KafkaPrivateLinkConsumer, KafkaPrivateLinkConsumerProps } from "./call";

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

/**
 * The `kafka-privatelink-consumer` module, for one client VPC: an interface endpoint to the
 * provider's service, one security group per client CIDR that lets exactly that CIDR reach exactly
 * the Kafka ports, and a private zone that resolves the advertised hostname to the endpoint.
 * Generic: every value is an input variable.
 */
export class ConsumerModule extends TerraformStack {
  constructor(scope: Construct, id: string = CONSUMER_MODULE) {
    super(scope, id);
    const sgName = JSON.stringify(securityGroupName("${var.name}", "${c}"));
    const sgNameKept = awsNameCondition(SECURITY_GROUP_NAME, sgName);
    const NAME_MAX = 64;
    const nameRule = namePrefix(NAME_MAX);
    const v = {
      name: moduleVariable(this, "name", {
        type: "string",
        description: `Prefix of the AWS resource names (1-${NAME_MAX} characters of a-z, 0-9, '-').`,
        validation: [
          { condition: `\${${ruleCondition(nameRule, "var.name")}}`, errorMessage: `name: "\${var.name}" ${nameRule.rule}.` },
          // Every security group's name, one per client CIDR.
          {
            condition: `\${alltrue([for c in var.allowed_cidrs : ${sgNameKept}])}`,
            errorMessage: `name: "\${var.name}" makes the security group name \${join(", ", [for c in var.allowed_cidrs : jsonencode(${sgName}) if !(${sgNameKept})])}, which breaks ${awsNameRuleWords(SECURITY_GROUP_NAME)}.`,
          },
        ],
      }),
      tags: resourceTags(this),
      // The inputs the configuration passes as they are.
      ...specVariables(this, CONSUMER_INPUTS),
    };
    const ports = "var.connection.broker_ports";
    // The key `id` is a broker ID.
    const isBrokerId = `can(regex("${BROKER_ID_PATTERN}", id))`;
    // The allocation makes every broker's port one base + its ID; the base goes to the port rule's
    // module below, which checks the rest (count, ranges, the bootstrap port).
    const bases = `distinct([for id, p in ${ports} : p - tonumber(id) if ${isBrokerId}])`;
    const connection = moduleVariable(this, "connection", {
      type: CONNECTION_TYPE,
      description:
        "The cluster as the provider module describes it: its output `connection`, passed as is or, from another account, as the same object value (service name, region, hostname, bootstrap port, broker ports, security protocol, idle timeout).",
      validation: [
        ruleValidation(RULES.serviceName, "connection.service_name", "var.connection.service_name"),
        {
          condition: `\${can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.connection.region))}`,
          errorMessage: 'connection.region: "${var.connection.region}" is not an AWS region name.',
        },
        ruleValidation(RULES.hostname, "connection.advertised_hostname", "var.connection.advertised_hostname"),
        ruleValidation(RULES.securityProtocol, "connection.security_protocol", "var.connection.security_protocol"),
        {
          condition: `\${alltrue([for id in keys(${ports}) : ${isBrokerId}])}`,
          errorMessage: `connection.broker_ports: key \${join(", ", [for id in keys(${ports}) : jsonencode(id) if !${isBrokerId}])} is not a broker ID.`,
        },
        {
          condition: `\${length(${bases}) <= 1}`,
          errorMessage: `connection.broker_ports: \${jsonencode(${ports})} is not one base + broker ID for every broker (port bases \${join(", ", ${bases})}); pass the provider module's output connection as it is.`,
        },
        ruleValidation(RULES.tcpIdleTimeoutSeconds, "connection.tcp_idle_timeout_seconds", "var.connection.tcp_idle_timeout_seconds"),
      ],
    });
    // Written back exactly: Terraform would also read 10.020.0.0/16 or 10.20.0.0/016, which other tools read otherwise.
    const cidrIsNetwork = `can(cidrnetmask(c)) && try("\${cidrhost(c, 0)}/\${tonumber(split("/", c)[1])}" == c, false)`;
    const allowedCidrs = moduleVariable(this, "allowed_cidrs", {
      type: "list(string)",
      description: `Client IPv4 CIDR blocks allowed to reach the bootstrap and broker ports, at most ${SECURITY_GROUPS_PER_INTERFACE} (one security group each). 0.0.0.0/0 only with allow_any_cidr.`,
      validation: [
        minItemsValidation("allowed_cidrs", "var.allowed_cidrs", 1, "CIDR block"),
        {
          condition: `\${length(var.allowed_cidrs) <= ${SECURITY_GROUPS_PER_INTERFACE}}`,
          errorMessage: `allowed_cidrs: \${length(var.allowed_cidrs)} CIDR blocks given, at most ${SECURITY_GROUPS_PER_INTERFACE}: each gets its own security group on the endpoint, and AWS allows ${SECURITY_GROUPS_PER_INTERFACE} security groups per network interface by default (quota "Security groups per network interface").`,
        },
        uniqueValidation("allowed_cidrs", "var.allowed_cidrs"),
        {
          condition: `\${alltrue([for c in var.allowed_cidrs : ${cidrIsNetwork}])}`,
          errorMessage: `allowed_cidrs: \${join(", ", [for c in var.allowed_cidrs : jsonencode(c) if !(${cidrIsNetwork})])} is not an IPv4 CIDR block written as its network address, such as 10.20.0.0/16.`,
        },
        {
          condition: '${var.allow_any_cidr || !contains(var.allowed_cidrs, "0.0.0.0/0")}',
          errorMessage: "allowed_cidrs: 0.0.0.0/0 opens the Kafka ports to every address; set allow_any_cidr = true to allow it.",
        },
        {
          // 0.0.0.0/0 itself is the rule above's.
          condition: `\${var.allow_any_cidr || contains(var.allowed_cidrs, "0.0.0.0/0") || !${coversEveryAddressCondition("var.allowed_cidrs")}}`,
          errorMessage: `allowed_cidrs: \${jsonencode(var.allowed_cidrs)} ${COVERS_EVERY_ADDRESS_RULE}; list the client CIDRs, or set allow_any_cidr = true to allow it.`,
        },
      ],
    });
    moduleVariable(this, "allow_any_cidr", {
      type: "bool",
      description: "Allow 0.0.0.0/0 in allowed_cidrs, or blocks that together cover every address.",
      default: false,
    });

    const c = (key: string) => propertyAccess(connection.value, [key]);
    const serviceName = Token.asString(c("service_name"));
    const hostname = Token.asString(c("advertised_hostname"));
    const bootstrapPort = Token.asNumber(c("bootstrap_port"));
    const { tags } = v;
    // Cross-region PrivateLink when the service is in another region than this endpoint.
    const serviceRegion = new TerraformLocal(
      this,
      "service_region",
      Fn.conditional(Op.eq(c("region"), new DataAwsRegion(this, "current").id), null, c("region")),
    );
    serviceRegion.overrideLogicalId("service_region");
    // The port rule's one home in Terraform checks the connection's ports and gives the rules theirs.
    const brokerPorts = brokerPortsCall(
      this,
      Token.asNumberList(`\${[for id in keys(${ports}) : tonumber(id) if ${isBrokerId}]}`),
      bootstrapPort,
      Token.asNumber(`\${try(one(${bases}), null)}`),
    ).get("broker_ports");

    // One security group per client CIDR: it holds that CIDR's bootstrap rule and one rule per
    // broker port, 1 + at most 49, within AWS's default 60 inbound rules per group, and a group's
    // rules depend only on its CIDR, so adding a broker or a CIDR moves no other rule.
    const cidrs = TerraformIterator.fromList(allowedCidrs.listValue);
    const groups = new SecurityGroup(this, "security-group", {
      forEach: cidrs,
      name: securityGroupName(v.name.stringValue, cidrs.value),
      description: `Kafka PrivateLink endpoint: ${cidrs.value} to the bootstrap and broker ports`,
      vpcId: v.vpcId.stringValue,
      // No inline rules: Terraform then also removes AWS's default allow-all egress rule, and the
      // endpoint needs none (it only answers connections).
      tags,
      // Name and description only label a group, and AWS replaces a group to change either: a group
      // keeps those it was created with. 0.1.0's one group (`<name>-kafka-endpoint`), moved to the
      // first CIDR's key, so stays in place with its endpoint, as does every group when `name` changes.
      lifecycle: { ignoreChanges: ["name", "description"] },
    });
    groups.overrideLogicalId("endpoint");
    skipCheck(
      groups,
      "CKV2_AWS_5",
      "attached to the interface endpoint (security_group_ids); in a plan the group IDs are not known yet, so a plan scan cannot see it",
    );
    why(
      groups,
      "One group per client CIDR: its bootstrap rule and one rule per broker port, 1 + at most 49, within AWS's\ndefault 60 inbound rules per group. No inline rules, so Terraform also removes AWS's default allow-all egress\n(the endpoint only answers connections). Name and description only label a group and AWS replaces a group to\nchange either: a group keeps those it was created with (0.1.0's one group stays, as the first CIDR's).",
    );

    // One rule per CIDR and port, keyed "<cidr>:<port>": a new broker adds its rules, changes none.
    // Written so that every reference comes before the first closing brace (see hcl()).
    const rules = TerraformIterator.fromMap(
      Token.asAny(
        hcl`{ for pair in setproduct(${allowedCidrs.listValue}, concat([["bootstrap", ${bootstrapPort}]], [for id, port in ${brokerPorts} : ["broker \${id}", port]])) :
  "\${pair[0]}:\${pair[1][1]}" => { cidr = pair[0], port = pair[1][1], description = "Kafka \${pair[1][0]} from \${pair[0]}" } }`,
      ),
    );
    const clientRules = new VpcSecurityGroupIngressRule(this, "client-rule", {
      forEach: rules,
      securityGroupId: hcl`aws_security_group.endpoint[${rules.getString("cidr")}].id`,
      ipProtocol: "tcp",
      cidrIpv4: rules.getString("cidr"),
      fromPort: rules.getNumber("port"),
      toPort: rules.getNumber("port"),
      description: rules.getString("description"),
      tags,
    });
    clientRules.overrideLogicalId("client");

    // A private zone only answers in a VPC with both DNS attributes on: say so before creating
    // anything, rather than leave clients with a record they never see.
    const vpc = new DataAwsVpc(this, "vpc", { id: v.vpcId.stringValue });
    vpc.overrideLogicalId("this");
    const endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: v.vpcId.stringValue,
      serviceName,
      serviceRegion: serviceRegion.asString,
      vpcEndpointType: "Interface",
      // The service has no private DNS name of its own; the zone below resolves the hostname.
      privateDnsEnabled: false,
      subnetIds: v.subnetIds.listValue,
      // One group per CIDR: hence at most SECURITY_GROUPS_PER_INTERFACE CIDRs (5 groups per network interface).
      securityGroupIds: Token.asList("${[for sg in aws_security_group.endpoint : sg.id]}"),
      // A new CIDR's group reaches the endpoint only once its rules exist, never empty.
      dependsOn: [clientRules],
      tags,
      lifecycle: {
        precondition: [
          {
            condition: hcl`${vpc.enableDnsSupport} && ${vpc.enableDnsHostnames}`,
            errorMessage: "The client VPC needs enableDnsSupport and enableDnsHostnames for the private hosted zone to resolve the advertised hostname.",
          },
          this.availabilityZoneCheck(serviceName, serviceRegion.asString, v.subnetIds.listValue),
        ],
      },
    });
    endpoint.overrideLogicalId("this");
    why(
      endpoint,
      "Interface endpoint without private DNS (the service has no name of its own; the zone below resolves the\nadvertised hostname). A new CIDR's group is attached only once its rules exist, never empty.",
    );

    const dns = endpoint.dnsEntry.get(0);
    const zoneGiven = v.hostedZoneId.stringValue;
    new Route53Zone(this, "zone", {
      // Only when no zone ID is given.
      count: Token.asNumber(hcl`${zoneGiven} == null ? 1 : 0`),
      // Exactly the advertised hostname, so the zone does not shadow the rest of the parent domain.
      name: hostname,
      comment: "Kafka over PrivateLink: resolves the advertised hostname to the interface endpoint",
      vpc: [{ vpcId: v.vpcId.stringValue }],
      tags,
    }).overrideLogicalId("this");
    const zoneId = hcl`${zoneGiven} != null ? ${zoneGiven} : one(aws_route53_zone.this[*].zone_id)`;
    const record = new Route53Record(this, "alias", {
      zoneId,
      name: hostname,
      type: "A",
      alias: { name: dns.dnsName, zoneId: dns.hostedZoneId, evaluateTargetHealth: false },
    });
    record.overrideLogicalId("this");
    skipCheck(record, "CKV2_AWS_23", "an alias to the interface endpoint's DNS name; in a plan that name is not known yet, so a plan scan cannot see it");

    moduleOutputs(this, {
      endpoint_id: ["ID of the interface VPC endpoint (the provider accepts its connection)", endpoint.id],
      endpoint_dns_name: ["Regional DNS name of the interface endpoint", dns.dnsName],
      zone_id: ["Route 53 hosted zone that resolves the advertised hostname", zoneId],
      security_group_ids: [
        "Security groups of the endpoint, keyed by client CIDR",
        Token.asAny("${{ for cidr, sg in aws_security_group.endpoint : cidr => sg.id }}"),
      ],
      // The rehearsal's clients connect with this output (rehearsal/rehearsal.ts, __tests__/integration/rehearsal.test.ts).
      client_config: [
        "Client .properties lines: bootstrap.servers, security.protocol and an idle timeout below the NLB's",
        hcl`join("\\n", [
    "bootstrap.servers=\${${hostname}}:\${${bootstrapPort}}",
    "security.protocol=\${${Token.asString(c("security_protocol"))}}",
    "connections.max.idle.ms=\${min(540000, floor(${Token.asNumber(c("tcp_idle_timeout_seconds"))} * 0.9) * 1000)}",
  ])`,
      ],
    });
  }

  /**
   * Every endpoint subnet in an AZ where the service is offered: only a same-region service's AZs
   * can be compared with this VPC's subnets.
   */
  private availabilityZoneCheck(serviceName: string, region: string, subnetIds: string[]) {
    const service = new DataAwsVpcEndpointService(this, "service", {
      serviceName,
      serviceRegions: Token.asList(hcl`${region} == null ? null : [${region}]`),
    });
    service.overrideLogicalId("this");
    // Keyed by position: the subnet IDs may only be known after apply (a VPC created alongside),
    // and for_each keys must be known at plan time.
    const subnets = TerraformIterator.fromMap(Token.asAny(hcl`{ for i, s in ${subnetIds} : tostring(i) => s }`));
    new DataAwsSubnet(this, "endpoint-subnet", { forEach: subnets, id: subnets.value }).overrideLogicalId("endpoint");
    return {
      condition: hcl`${region} != null || alltrue([for s in data.aws_subnet.endpoint : contains(${service.availabilityZones}, s.availability_zone)])`,
      errorMessage:
        "Every endpoint subnet must be in an availability zone where the Kafka endpoint service is offered (data.aws_vpc_endpoint_service.this.availability_zones).",
    };
  }
}
