import { App, TerraformStack } from "cdktf";
import { INBOUND_RULES_PER_SECURITY_GROUP, KafkaPrivateLinkConsumer, SECURITY_GROUPS_PER_INTERFACE } from "../modules/kafka-privatelink-consumer";
import { diffInstances, resourceInstances } from "../stacks/synthesized/instances";
import { config, synthDeploy } from "./support/configs";

const twoConsumers = {
  consumers: [
    { name: "analytics", region: "us-east-1", vpcId: "vpc-0f1e2d3c4b5a69788", subnetIds: ["subnet-0f1e2d3c4b5a69781"], allowedCidrs: ["10.20.0.0/16", "10.21.0.0/16"] },
    {
      name: "billing",
      region: "us-east-1",
      vpcId: "vpc-0b1b2b3b4b5b6b7b8",
      subnetIds: ["subnet-0b1b2b3b4b5b6b7b1"],
      allowedCidrs: ["172.16.8.0/24"],
      serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    },
  ],
};

describe("consumer stacks", () => {
  const { stacks } = synthDeploy(config([1, 2, 5], twoConsumers));
  const analytics = stacks["orders-consumer-analytics"];
  const billing = stacks["orders-consumer-billing"];

  it("makes one stack per consumer, named after the cluster and the consumer", () => {
    expect(Object.keys(stacks)).toEqual(["orders-provider", "orders-consumer-analytics", "orders-consumer-billing"]);
  });

  it("creates an Interface endpoint without private DNS, in the consumer's VPC and subnets, behind its own security groups", () => {
    expect(analytics.resource.aws_vpc_endpoint.this).toMatchObject({
      vpc_endpoint_type: "Interface",
      private_dns_enabled: false,
      vpc_id: "vpc-0f1e2d3c4b5a69788",
      subnet_ids: ["subnet-0f1e2d3c4b5a69781"],
      security_group_ids: "${[for sg in aws_security_group.endpoint : sg.id]}",
    });
    expect(analytics.resource.aws_vpc_endpoint.this.service_region).toBeUndefined();
  });

  it("lets exactly its CIDRs reach exactly the bootstrap and broker ports, one rule each, and nothing else", () => {
    const rules = resourceInstances(analytics).filter((i) => i.type === "aws_vpc_security_group_ingress_rule");
    const allowed = rules.map((r) => `${r.attributes.cidr_ipv4} ${r.attributes.ip_protocol} ${r.attributes.from_port}-${r.attributes.to_port}`).sort();
    expect(allowed).toEqual(
      ["10.20.0.0/16", "10.21.0.0/16"].flatMap((c) => [6001, 6002, 6005, 9091].map((p) => `${c} tcp ${p}-${p}`)).sort(),
    );
    expect(rules.map((r) => r.key)).toContain("10.21.0.0/16:6005");
    for (const sg of resourceInstances(analytics).filter((i) => i.type === "aws_security_group")) {
      expect(sg.attributes.ingress).toBeUndefined();
      expect(sg.attributes.egress).toBeUndefined();
    }
    expect(analytics.resource.aws_vpc_security_group_egress_rule).toBeUndefined();
    const billingRules = resourceInstances(billing).filter((i) => i.type === "aws_vpc_security_group_ingress_rule");
    expect(new Set(billingRules.map((r) => r.attributes.cidr_ipv4))).toEqual(new Set(["172.16.8.0/24"]));
  });

  it("gives each client CIDR its own security group, keyed by the CIDR, holding exactly that CIDR's rules", () => {
    const instances = resourceInstances(analytics);
    const groups = instances.filter((i) => i.type === "aws_security_group");
    expect(groups.map((g) => [g.address, g.attributes.name])).toEqual([
      ['aws_security_group.endpoint["10.20.0.0/16"]', "orders-analytics-kafka-10.20.0.0/16"],
      ['aws_security_group.endpoint["10.21.0.0/16"]', "orders-analytics-kafka-10.21.0.0/16"],
    ]);
    for (const rule of instances.filter((i) => i.type === "aws_vpc_security_group_ingress_rule")) {
      expect(rule.attributes.security_group_id).toBe(`\${aws_security_group.endpoint["${rule.attributes.cidr_ipv4}"].id}`);
    }
  });

  it("fits the largest cluster with 3 CIDRs into AWS's default quotas: 3 groups on the endpoint, 50 inbound rules in each", () => {
    const cidrs = ["10.20.0.0/16", "10.21.0.0/16", "172.16.8.0/24"];
    const big = synthDeploy(config(Array.from({ length: 49 }, (_, i) => i + 1), { consumers: [{ ...twoConsumers.consumers[0], allowedCidrs: cidrs }] })).stacks["orders-consumer-analytics"];
    const instances = resourceInstances(big);
    const groups = instances.filter((i) => i.type === "aws_security_group").map((g) => `\${${g.address}.id}`);
    expect(groups.length).toBeLessThanOrEqual(SECURITY_GROUPS_PER_INTERFACE);
    const perGroup = new Map<unknown, number>();
    for (const rule of instances.filter((i) => i.type === "aws_vpc_security_group_ingress_rule")) {
      perGroup.set(rule.attributes.security_group_id, (perGroup.get(rule.attributes.security_group_id) ?? 0) + 1);
    }
    expect([...perGroup.keys()].sort()).toEqual(groups.sort());
    expect([...perGroup.values()]).toEqual([50, 50, 50]);
    expect(Math.max(...perGroup.values())).toBeLessThanOrEqual(INBOUND_RULES_PER_SECURITY_GROUP);
  });

  it("adding a CIDR adds only its security group and rules; the endpoint lists every group through one expression", () => {
    const withCidrs = (allowedCidrs: string[]) => synthDeploy(config([1, 2], { consumers: [{ ...twoConsumers.consumers[0], allowedCidrs }] })).stacks["orders-consumer-analytics"];
    const diff = diffInstances(withCidrs(["10.20.0.0/16"]), withCidrs(["10.20.0.0/16", "10.30.0.0/16"]));
    expect(diff).toEqual({
      added: [
        'aws_security_group.endpoint["10.30.0.0/16"]',
        ...[6001, 6002, 9091].map((p) => `aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:${p}"]`),
      ],
      removed: [],
      changed: [],
    });
  });

  it("creates a private zone named exactly the advertised hostname, associated with its VPC, and an alias to its endpoint", () => {
    for (const [stack, vpc] of [
      [analytics, "vpc-0f1e2d3c4b5a69788"],
      [billing, "vpc-0b1b2b3b4b5b6b7b8"],
    ]) {
      expect(stack.resource.aws_route53_zone.this).toMatchObject({ name: "orders.kafka.example.internal", vpc: [{ vpc_id: vpc }] });
      expect(stack.resource.aws_route53_record.this).toEqual({
        "//": expect.anything(),
        zone_id: "${aws_route53_zone.this.zone_id}",
        name: "orders.kafka.example.internal",
        type: "A",
        alias: {
          name: "${aws_vpc_endpoint.this.dns_entry[0].dns_name}",
          zone_id: "${aws_vpc_endpoint.this.dns_entry[0].hosted_zone_id}",
          evaluate_target_health: false,
        },
      });
    }
  });

  it("takes the service name from the provider stack by default, and from serviceName when given", () => {
    expect(analytics.resource.aws_vpc_endpoint.this.service_name).toMatch(/^\$\{data\.terraform_remote_state\.[^}]*orders-provider[^}]*\}$/);
    expect(billing.resource.aws_vpc_endpoint.this.service_name).toBe("com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0");
    expect(billing.data?.terraform_remote_state).toBeUndefined();
  });

  it("checks at plan time that every endpoint subnet is in an AZ the service offers", () => {
    expect(analytics.data.aws_subnet.endpoint.id).toBe("${each.value}");
    const [, check] = analytics.resource.aws_vpc_endpoint.this.lifecycle.precondition;
    expect(check.condition).toContain("data.aws_vpc_endpoint_service.this.availability_zones");
    expect(check.condition).toContain("data.aws_subnet.endpoint");
  });

  it("checks at plan time that the client VPC has the DNS attributes a private zone needs", () => {
    expect(analytics.data.aws_vpc.this.id).toBe("vpc-0f1e2d3c4b5a69788");
    const [check] = analytics.resource.aws_vpc_endpoint.this.lifecycle.precondition;
    expect(check.condition).toBe("${data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames}");
  });

  it("uses an existing hosted zone instead of creating one when hostedZoneId is given", () => {
    const existing = synthDeploy(config([1], { consumers: [{ ...twoConsumers.consumers[0], hostedZoneId: "Z0123456789ABCDEFGHIJ" }] })).stacks["orders-consumer-analytics"];
    expect(existing.resource.aws_route53_zone).toBeUndefined();
    expect(existing.resource.aws_route53_record.this.zone_id).toBe("Z0123456789ABCDEFGHIJ");
  });

  it("has its own AWS provider in its own region and account", () => {
    const other = synthDeploy(config([1], { consumers: [{ ...twoConsumers.consumers[0], profile: "clients", assumeRoleArn: "arn:aws:iam::444455556666:role/kafka-clients" }] }));
    expect(other.stacks["orders-consumer-analytics"].provider.aws).toEqual([
      { region: "us-east-1", profile: "clients", assume_role: [{ role_arn: "arn:aws:iam::444455556666:role/kafka-clients" }] },
    ]);
  });

  it("outputs endpoint ID and DNS name, zone ID and a client config below the NLB idle timeout", () => {
    expect(analytics.output.endpoint_id.value).toBe("${aws_vpc_endpoint.this.id}");
    expect(analytics.output.endpoint_dns_name.value).toBe("${aws_vpc_endpoint.this.dns_entry[0].dns_name}");
    expect(analytics.output.zone_id.value).toBe("${aws_route53_zone.this.zone_id}");
    expect(analytics.output.client_config.value).toBe(
      "bootstrap.servers=orders.kafka.example.internal:9091\nsecurity.protocol=SSL\nconnections.max.idle.ms=540000",
    );
    const short = synthDeploy(config([1], { cluster: { tcpIdleTimeoutSeconds: 350 } })).stacks["orders-consumer-analytics"];
    expect(short.output.client_config.value).toContain("connections.max.idle.ms=315000");
  });
});

describe("the consumer construct", () => {
  it("refuses more CIDRs than security groups fit on one endpoint, naming the quota", () => {
    const stack = new TerraformStack(new App(), "direct");
    expect(
      () =>
        new KafkaPrivateLinkConsumer(stack, "kafka", {
          name: "direct",
          vpcId: "vpc-0f1e2d3c4b5a69788",
          subnetIds: ["subnet-0f1e2d3c4b5a69781"],
          serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
          advertisedHostname: "orders.kafka.example.internal",
          bootstrapPort: 9091,
          brokerPorts: { "1": 6001 },
          allowedCidrs: Array.from({ length: 6 }, (_, i) => `10.${i}.0.0/16`),
        }),
    ).toThrow("allowedCidrs: 6 given; each CIDR gets its own security group on the endpoint, and AWS allows 5 per network interface by default: at most 5");
  });
});

describe("cross-region consumers", () => {
  const crossRegion = {
    consumers: [{ name: "eu", region: "eu-west-1", vpcId: "vpc-0e1e2e3e4e5e6e7e8", subnetIds: ["subnet-0e1e2e3e4e5e6e7e1"], allowedCidrs: ["10.30.0.0/16"] }],
  };

  it("are refused by default", () => {
    expect(() => config([1], crossRegion)).toThrow('consumers[0].region: "eu-west-1" differs from cluster.region "us-east-1"; cross-region PrivateLink is off by default');
  });

  it("synthesize with policy.allowCrossRegion: supported_regions on the service, service_region on the endpoint", () => {
    const { stacks } = synthDeploy(config([1], { ...crossRegion, policy: { allowCrossRegion: true } }));
    // The service's own region too: AWS reports it, and leaving it out would show a change in every plan.
    expect(stacks["orders-provider"].resource.aws_vpc_endpoint_service.this.supported_regions).toEqual(["us-east-1", "eu-west-1"]);
    const endpoint = stacks["orders-consumer-eu"].resource.aws_vpc_endpoint.this;
    expect(endpoint.service_region).toBe("us-east-1");
    expect(stacks["orders-consumer-eu"].provider.aws).toEqual([{ region: "eu-west-1" }]);
    // The service's AZs are another region's: no same-AZ check there, only the DNS one.
    expect(endpoint.lifecycle.precondition).toHaveLength(1);
    expect(endpoint.lifecycle.precondition[0].condition).toContain("data.aws_vpc.this.enable_dns_support");
  });

  it("write service_region for a given serviceName too, which must name the cluster's region", () => {
    const serviceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
    const { stacks } = synthDeploy(config([1], { consumers: [{ ...crossRegion.consumers[0], serviceName }], policy: { allowCrossRegion: true } }));
    expect(stacks["orders-consumer-eu"].resource.aws_vpc_endpoint.this).toMatchObject({ service_name: serviceName, service_region: "us-east-1" });
    expect(() => config([1], { consumers: [{ ...crossRegion.consumers[0], serviceName }] })).toThrow('consumers[0].region: "eu-west-1" differs from cluster.region "us-east-1"');
  });
});
