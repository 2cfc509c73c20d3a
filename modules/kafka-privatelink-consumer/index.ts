import { DataAwsSubnet } from "@cdktf/provider-aws/lib/data-aws-subnet";
import { DataAwsVpc } from "@cdktf/provider-aws/lib/data-aws-vpc";
import { DataAwsVpcEndpointService } from "@cdktf/provider-aws/lib/data-aws-vpc-endpoint-service";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Route53Zone } from "@cdktf/provider-aws/lib/route53-zone";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { IResolvable, TerraformIterator, TerraformOutput, Token } from "cdktf";
import { Construct } from "constructs";
import { clientConfig, DEFAULT_SECURITY_PROTOCOL } from "../kafka-broker-ports/kafka-config";
import { DEFAULT_TCP_IDLE_TIMEOUT_SECONDS } from "../kafka-privatelink-provider";
import { hcl, isKnown } from "../private/hcl";

/**
 * AWS's default quotas the endpoint's security groups must fit: "security groups per network
 * interface" (5) and "inbound rules per security group" (60), both adjustable only by a quota
 * request that an apply cannot count on. With one group per client CIDR, the groups per interface
 * bound the CIDRs per consumer; each group's 1 + 49 rules fit the rule quota.
 */
export const SECURITY_GROUPS_PER_INTERFACE = 5;
export const INBOUND_RULES_PER_SECURITY_GROUP = 60;
export const MAX_CIDRS_PER_CONSUMER = SECURITY_GROUPS_PER_INTERFACE;

export interface KafkaPrivateLinkConsumerProps {
  /** Prefix of the AWS names (security groups `<name>-kafka-<cidr>`). */
  readonly name: string;
  /** The client VPC; needs enableDnsSupport and enableDnsHostnames for the private zone. */
  readonly vpcId: string;
  /** Endpoint subnets, one per availability zone the clients run in. */
  readonly subnetIds: string[];
  /** The provider's VPC endpoint service name. */
  readonly serviceName: string;
  /** The service's region when it is not the endpoint's (cross-region PrivateLink). @default same region */
  readonly serviceRegion?: string;
  /** The hostname every broker advertises: the private zone's name and the alias record's. */
  readonly advertisedHostname: string;
  /** The provider's bootstrap listener port. */
  readonly bootstrapPort: number;
  /** Broker ID → its listener port, from the broker-ports allocation. */
  readonly brokerPorts: Record<string, number> | IResolvable;
  /** Client CIDR blocks allowed to reach the bootstrap and broker ports; at most MAX_CIDRS_PER_CONSUMER, each gets its own security group. */
  readonly allowedCidrs: string[];
  /** An existing private hosted zone (associated with the VPC) to put the record in. @default a new zone for exactly the hostname */
  readonly hostedZoneId?: string;
  /** Kafka security protocol, for the client config snippet. @default SSL */
  readonly securityProtocol?: string;
  /** The provider NLB's idle timeout, for the client config snippet. @default 600 */
  readonly tcpIdleTimeoutSeconds?: number;
  /** @default no tags */
  readonly tags?: Record<string, string>;
}

/**
 * The consumer half: an interface endpoint to the provider's service, one security group per client
 * CIDR that lets exactly that CIDR reach exactly the Kafka ports, and a private zone that resolves
 * the advertised hostname to the endpoint.
 */
export class KafkaPrivateLinkConsumer extends Construct {
  readonly endpoint: VpcEndpoint;
  /** One security group per client CIDR (`for_each` keyed by the CIDR). */
  readonly securityGroups: SecurityGroup;
  readonly zoneId: string;

  constructor(scope: Construct, id: string, props: KafkaPrivateLinkConsumerProps) {
    super(scope, id);
    const tags = props.tags;
    if (isKnown(props.allowedCidrs) && props.allowedCidrs.length > MAX_CIDRS_PER_CONSUMER) {
      throw new Error(
        `allowedCidrs: ${props.allowedCidrs.length} given; each CIDR gets its own security group on the endpoint, and AWS allows ${SECURITY_GROUPS_PER_INTERFACE} per network interface by default: at most ${MAX_CIDRS_PER_CONSUMER}`,
      );
    }

    // One security group per client CIDR: it holds that CIDR's bootstrap rule and one rule per
    // broker port, 1 + at most 49, within AWS's default 60 inbound rules per group, and a group's
    // rules depend only on its CIDR, so adding a broker or a CIDR moves no other rule. Keyed by the
    // CIDR either way: a literal map in a stack, a set of a module input.
    const cidrs = isKnown(props.allowedCidrs)
      ? TerraformIterator.fromMap(Object.fromEntries(props.allowedCidrs.map((cidr) => [cidr, cidr])))
      : TerraformIterator.fromList(props.allowedCidrs);
    this.securityGroups = new SecurityGroup(this, "security-group", {
      forEach: cidrs,
      name: `${props.name}-kafka-${cidrs.value}`,
      description: `Kafka PrivateLink endpoint: ${cidrs.value} to the bootstrap and broker ports`,
      vpcId: props.vpcId,
      // No inline rules: Terraform then also removes AWS's default allow-all egress rule, and the
      // endpoint needs none (it only answers connections).
      tags,
    });
    this.securityGroups.overrideLogicalId("endpoint");

    // One rule per CIDR and port, keyed "<cidr>:<port>": a new broker adds its rules, changes none.
    const rules = TerraformIterator.fromMap(this.ingressRules(props));
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

    // Only a same-region service's AZs can be compared with this VPC's subnets.
    const checkAzs = props.serviceRegion === undefined || Token.isUnresolved(props.serviceRegion);
    // A private zone only answers in a VPC with both DNS attributes on: say so before creating
    // anything, rather than leave clients with a record they never see.
    const vpc = new DataAwsVpc(this, "vpc", { id: props.vpcId });
    vpc.overrideLogicalId("this");
    const dnsCheck = {
      condition: hcl`${vpc.enableDnsSupport} && ${vpc.enableDnsHostnames}`,
      errorMessage: "The client VPC needs enableDnsSupport and enableDnsHostnames for the private hosted zone to resolve the advertised hostname.",
    };
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: props.vpcId,
      serviceName: props.serviceName,
      serviceRegion: props.serviceRegion,
      vpcEndpointType: "Interface",
      // The service has no private DNS name of its own; the zone below resolves the hostname.
      privateDnsEnabled: false,
      subnetIds: props.subnetIds,
      // One group per CIDR: hence at most MAX_CIDRS_PER_CONSUMER CIDRs (5 groups per network interface).
      securityGroupIds: Token.asList("${[for sg in aws_security_group.endpoint : sg.id]}"),
      // A new CIDR's group reaches the endpoint only once its rules exist, never empty.
      dependsOn: [clientRules],
      tags,
      lifecycle: { precondition: checkAzs ? [dnsCheck, this.availabilityZonePrecondition(props)] : [dnsCheck] },
    });
    this.endpoint.overrideLogicalId("this");

    const dns = this.endpoint.dnsEntry.get(0);
    const zoneGiven = props.hostedZoneId;
    if (zoneGiven !== undefined && !Token.isUnresolved(zoneGiven)) {
      this.zoneId = zoneGiven;
    } else {
      const zone = new Route53Zone(this, "zone", {
        // Module input that may be null: create the zone only when no zone ID is given.
        count: zoneGiven === undefined ? undefined : Token.asNumber(hcl`${zoneGiven} == null ? 1 : 0`),
        // Exactly the advertised hostname, so the zone does not shadow the rest of the parent domain.
        name: props.advertisedHostname,
        comment: "Kafka over PrivateLink: resolves the advertised hostname to the interface endpoint",
        vpc: [{ vpcId: props.vpcId }],
        tags,
      });
      zone.overrideLogicalId("this");
      this.zoneId = zoneGiven === undefined ? zone.zoneId : hcl`${zoneGiven} != null ? ${zoneGiven} : one(aws_route53_zone.this[*].zone_id)`;
    }
    new Route53Record(this, "alias", {
      zoneId: this.zoneId,
      name: props.advertisedHostname,
      type: "A",
      alias: { name: dns.dnsName, zoneId: dns.hostedZoneId, evaluateTargetHealth: false },
    }).overrideLogicalId("this");

    this.outputs(props, dns.dnsName);
  }

  /** CIDR × (bootstrap port + every broker port), keyed "<cidr>:<port>". */
  private ingressRules(props: KafkaPrivateLinkConsumerProps): Record<string, { cidr: string; port: number; description: string }> | IResolvable {
    if (isKnown(props.brokerPorts) && isKnown(props.allowedCidrs) && isKnown(props.bootstrapPort)) {
      const ports: Array<[string, number]> = [
        ["bootstrap", props.bootstrapPort],
        ...Object.entries(props.brokerPorts as Record<string, number>).map(([id, port]): [string, number] => [`broker ${id}`, port]),
      ];
      return Object.fromEntries(
        props.allowedCidrs.flatMap((cidr) => ports.map(([what, port]) => [`${cidr}:${port}`, { cidr, port, description: `Kafka ${what} from ${cidr}` }])),
      );
    }
    // Written so that every reference comes before the first closing brace (see hcl()).
    return Token.asAny(
      hcl`{ for pair in setproduct(${Token.asList(props.allowedCidrs)}, concat([["bootstrap", ${props.bootstrapPort}]], [for id, port in ${props.brokerPorts} : ["broker \${id}", port]])) :
    "\${pair[0]}:\${pair[1][1]}" => { cidr = pair[0], port = pair[1][1], description = "Kafka \${pair[1][0]} from \${pair[0]}" } }`,
    );
  }

  private availabilityZonePrecondition(props: KafkaPrivateLinkConsumerProps) {
    // A module input that may name another region: there the service's AZs are not this VPC's,
    // so the check only holds for a same-region service.
    const region = props.serviceRegion !== undefined && Token.isUnresolved(props.serviceRegion) ? props.serviceRegion : undefined;
    const service = new DataAwsVpcEndpointService(this, "service", {
      serviceName: props.serviceName,
      serviceRegions: region === undefined ? undefined : Token.asList(hcl`${region} == null ? null : [${region}]`),
    });
    service.overrideLogicalId("this");
    // Keyed by position when the subnets are module inputs: their IDs may only be known after
    // apply (a VPC created alongside), and for_each keys must be known at plan time.
    const subnets = isKnown(props.subnetIds)
      ? TerraformIterator.fromList(props.subnetIds)
      : TerraformIterator.fromMap(Token.asAny(hcl`{ for i, s in ${Token.asList(props.subnetIds)} : tostring(i) => s }`));
    const subnet = new DataAwsSubnet(this, "endpoint-subnet", { forEach: subnets, id: subnets.value });
    subnet.overrideLogicalId("endpoint");
    const zones = service.availabilityZones;
    return {
      condition:
        region === undefined
          ? hcl`alltrue([for s in data.aws_subnet.endpoint : contains(${zones}, s.availability_zone)])`
          : hcl`${region} != null || alltrue([for s in data.aws_subnet.endpoint : contains(${zones}, s.availability_zone)])`,
      errorMessage: "Every endpoint subnet must be in an availability zone where the Kafka endpoint service is offered (data.aws_vpc_endpoint_service.this.availability_zones).",
    };
  }

  private outputs(props: KafkaPrivateLinkConsumerProps, dnsName: string): void {
    const output = (name: string, description: string, value: unknown) =>
      new TerraformOutput(this, `${name}-output`, { value, description }).overrideLogicalId(name);
    const securityProtocol = props.securityProtocol ?? DEFAULT_SECURITY_PROTOCOL;
    const idle = props.tcpIdleTimeoutSeconds ?? DEFAULT_TCP_IDLE_TIMEOUT_SECONDS;
    output("endpoint_id", "ID of the interface VPC endpoint (the provider accepts its connection)", this.endpoint.id);
    output("endpoint_dns_name", "Regional DNS name of the interface endpoint", dnsName);
    output("zone_id", "Route 53 hosted zone that resolves the advertised hostname", this.zoneId);
    output(
      "security_group_ids",
      "Security groups of the endpoint, keyed by client CIDR",
      Token.asAny("${{ for cidr, sg in aws_security_group.endpoint : cidr => sg.id }}"),
    );
    output(
      "client_config",
      "Client .properties lines: bootstrap.servers, security.protocol and an idle timeout below the NLB's",
      isKnown([props.advertisedHostname, props.bootstrapPort, securityProtocol, idle])
        ? clientConfig({ advertisedHostname: props.advertisedHostname, bootstrapPort: props.bootstrapPort, securityProtocol, tcpIdleTimeoutSeconds: idle })
        : // The same lines as clientConfig, for values only Terraform knows.
          hcl`join("\\n", [
    "bootstrap.servers=\${${props.advertisedHostname}}:\${${props.bootstrapPort}}",
    "security.protocol=\${${securityProtocol}}",
    "connections.max.idle.ms=\${min(540000, floor(${idle} * 0.9) * 1000)}",
  ])`,
    );
  }
}
