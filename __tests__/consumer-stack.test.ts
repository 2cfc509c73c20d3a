import * as fs from "node:fs";
import * as path from "node:path";
import { MAX_BROKERS } from "../modules/kafka-broker-ports/allocation";
import { CONSUMER_MODULE, INBOUND_RULES_PER_SECURITY_GROUP, SECURITY_GROUPS_PER_INTERFACE } from "../modules/kafka-privatelink-consumer/rules";
import { config, synthDeploy } from "./support/configs";
import { moduleJson, movedOf, rootResources, withoutMetadata } from "./support/module-json";
import { TfJson } from "../modules/packaging/terraform-json";

const SERVICE_NAME = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
const twoConsumers = {
  consumers: [
    {
      name: "analytics",
      region: "us-east-1",
      vpcId: "vpc-0f1e2d3c4b5a69788",
      subnetIds: ["subnet-0f1e2d3c4b5a69781"],
      allowedCidrs: ["10.20.0.0/16", "10.21.0.0/16"],
    },
    {
      name: "billing",
      region: "us-east-1",
      vpcId: "vpc-0b1b2b3b4b5b6b7b8",
      subnetIds: ["subnet-0b1b2b3b4b5b6b7b1"],
      allowedCidrs: ["172.16.8.0/24"],
      serviceName: SERVICE_NAME,
    },
  ],
};
const kafka = (stack: TfJson) => withoutMetadata(stack.module.kafka);
/** The cross-stack reference cdktf writes for the provider stack's endpoint service name. */
const REMOTE_SERVICE_NAME = /^\$\{data\.terraform_remote_state\.[^.}]*orders-provider[^.}]*\.outputs\.[^}]+\}$/;
const ROOT_BLOCKS = ["//", "data", "module", "moved", "output", "provider", "terraform"];

describe("consumer stacks: thin roots calling the published consumer module", () => {
  const { stacks } = synthDeploy(config([1, 2, 5], twoConsumers));
  const analytics = stacks["orders-consumer-analytics"];
  const billing = stacks["orders-consumer-billing"];

  it("makes one stack per consumer, named after the cluster and the consumer", () => {
    expect(Object.keys(stacks)).toEqual(["orders-provider", "orders-consumer-analytics", "orders-consumer-billing"]);
  });

  it("hold one module call and no resource of their own; the only data source is the provider stack's state", () => {
    for (const stack of [analytics, billing]) {
      expect(Object.keys(stack).filter((block) => !ROOT_BLOCKS.includes(block))).toEqual([]);
      expect(Object.keys(stack.module)).toEqual(["kafka"]);
      expect(Object.keys(stack.data ?? {}).filter((type) => type !== "terraform_remote_state")).toEqual([]);
      expect(stack.module.kafka.source).toBe(`../../modules/${CONSUMER_MODULE}`);
    }
  });

  it("pass exactly the consumer's and the cluster's values; the service name from the provider stack by default", () => {
    expect(kafka(analytics)).toEqual({
      source: "../../modules/kafka-privatelink-consumer",
      name: "orders-analytics",
      vpc_id: "vpc-0f1e2d3c4b5a69788",
      subnet_ids: ["subnet-0f1e2d3c4b5a69781"],
      allowed_cidrs: ["10.20.0.0/16", "10.21.0.0/16"],
      allow_any_cidr: false,
      tags: {},
      connection: {
        service_name: expect.stringMatching(REMOTE_SERVICE_NAME),
        region: "us-east-1",
        advertised_hostname: "orders.kafka.example.internal",
        bootstrap_port: 9091,
        broker_ports: { "1": 6001, "2": 6002, "5": 6005 },
        security_protocol: "SSL",
        tcp_idle_timeout_seconds: 600,
      },
    });
    // The reference reads the output the provider stack exports for it.
    const [remote] = Object.keys(analytics.data.terraform_remote_state);
    const output = /\.outputs\.([^}]+)\}$/.exec(analytics.module.kafka.connection.service_name)![1];
    expect(analytics.module.kafka.connection.service_name).toContain(`data.terraform_remote_state.${remote}.`);
    expect(stacks["orders-provider"].output[output].value).toBe("${module.kafka.endpoint_service_name}");
  });

  it("take serviceName literally when given, and then read no state of the provider stack", () => {
    expect(kafka(billing).connection.service_name).toBe(SERVICE_NAME);
    expect(billing.data?.terraform_remote_state).toBeUndefined();
    expect(kafka(billing)).toMatchObject({ name: "orders-billing", vpc_id: "vpc-0b1b2b3b4b5b6b7b8", allowed_cidrs: ["172.16.8.0/24"] });
  });

  it("pass every setting of a non-default configuration: hosted zone, tags, any-CIDR policy, protocol, ports, idle timeout", () => {
    const custom = synthDeploy(
      config([3, 17], {
        cluster: {
          bootstrapPort: 9000,
          brokerPortBase: 7100,
          listenerSecurityProtocol: "SASL_SSL",
          tcpIdleTimeoutSeconds: 350,
          advertisedHostname: "pay.kafka.corp.example",
        },
        consumers: [{ ...twoConsumers.consumers[0], allowedCidrs: ["0.0.0.0/0"], hostedZoneId: "Z0123456789ABCDEFGHIJ", tags: { app: "analytics" } }],
        policy: { allowAnyCidr: true },
      }),
    ).stacks["orders-consumer-analytics"];
    expect(kafka(custom)).toEqual({
      source: "../../modules/kafka-privatelink-consumer",
      name: "orders-analytics",
      vpc_id: "vpc-0f1e2d3c4b5a69788",
      subnet_ids: ["subnet-0f1e2d3c4b5a69781"],
      allowed_cidrs: ["0.0.0.0/0"],
      allow_any_cidr: true,
      hosted_zone_id: "Z0123456789ABCDEFGHIJ",
      tags: { app: "analytics" },
      connection: {
        service_name: expect.stringMatching(REMOTE_SERVICE_NAME),
        region: "us-east-1",
        advertised_hostname: "pay.kafka.corp.example",
        bootstrap_port: 9000,
        broker_ports: { "3": 7103, "17": 7117 },
        security_protocol: "SASL_SSL",
        tcp_idle_timeout_seconds: 350,
      },
    });
  });

  it("pass every input the module declares; only hosted_zone_id (default null: a new zone) is left out when not given", () => {
    const variables = moduleJson(CONSUMER_MODULE, "variables.tf.json").variable;
    const { source: _source, ...inputs } = kafka(analytics);
    expect(Object.keys(inputs).filter((i) => !(i in variables))).toEqual([]);
    expect(Object.keys(variables).filter((v) => !(v in inputs))).toEqual(["hosted_zone_id"]);
    expect(variables.hosted_zone_id.default).toBeNull();
    // The connection object has exactly the fields of the module's connection type.
    for (const field of Object.keys(inputs.connection)) expect(variables.connection.type).toMatch(new RegExp(`\\b${field}\\s+=`));
    expect(variables.connection.type.match(/\b[a-z_]+\s+=/g)).toHaveLength(Object.keys(inputs.connection).length);
  });

  it("pass every output of the module on under the module's names and descriptions, and no other", () => {
    const outputs = moduleJson(CONSUMER_MODULE, "outputs.tf.json").output;
    expect(Object.keys(analytics.output).sort()).toEqual(Object.keys(outputs).sort());
    for (const [name, { description }] of Object.entries<TfJson>(outputs)) {
      expect([name, analytics.output[name]]).toEqual([name, { description, value: `\${module.kafka.${name}}` }]);
    }
  });

  /** The moves of every resource of the module but the security group: from its root address into the call. */
  const unkeyedMoves = () => {
    const expected: Record<string, string> = {};
    for (const [type, byName] of Object.entries<TfJson>(moduleJson(CONSUMER_MODULE, "main.tf.json").resource)) {
      for (const [name, body] of Object.entries<TfJson>(byName)) {
        if (`${type}.${name}` !== "aws_security_group.endpoint") expected[`${type}.${name}`] = `module.kafka.${type}.${name}${"count" in body ? "[0]" : ""}`;
      }
    }
    return expected;
  };

  it("move every resource of the module from its root address (the zone, created on a condition, to [0])", () => {
    const expected = unkeyedMoves();
    expect(movedOf(analytics)).toEqual(expect.objectContaining(expected));
    expect(movedOf(billing)).toEqual(expect.objectContaining(expected));
    expect(movedOf(analytics)["aws_route53_zone.this"]).toBe("module.kafka.aws_route53_zone.this[0]");
  });

  it("move 0.1.0's one security group to the first CIDR's key, and each CIDR's group of the root layout into the call: a chain, never two moves into one address", () => {
    const groups = (stack: TfJson) => Object.fromEntries(Object.entries(movedOf(stack)).filter(([from]) => from.startsWith("aws_security_group.")));
    expect(groups(analytics)).toEqual({
      "aws_security_group.endpoint": 'aws_security_group.endpoint["10.20.0.0/16"]',
      'aws_security_group.endpoint["10.20.0.0/16"]': 'module.kafka.aws_security_group.endpoint["10.20.0.0/16"]',
      'aws_security_group.endpoint["10.21.0.0/16"]': 'module.kafka.aws_security_group.endpoint["10.21.0.0/16"]',
    });
    expect(groups(billing)).toEqual({
      "aws_security_group.endpoint": 'aws_security_group.endpoint["172.16.8.0/24"]',
      'aws_security_group.endpoint["172.16.8.0/24"]': 'module.kafka.aws_security_group.endpoint["172.16.8.0/24"]',
    });
    for (const stack of [analytics, billing]) {
      const targets = (stack.moved as Array<{ to: string }>).map((m) => m.to);
      expect(new Set(targets).size).toBe(targets.length);
    }
  });

  it("move every resource a 0.1 consumer stack deployed (both old layouts), keeping its instance keys", () => {
    const moved = movedOf(analytics);
    for (const fixture of [path.join("layout-0.1.0", "orders-consumer-analytics"), path.join("release-0.1.0", "stacks", "orders-consumer-analytics")]) {
      const old = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", fixture, "cdk.tf.json"), "utf8"));
      expect(rootResources(old).length).toBeGreaterThan(0);
      for (const address of rootResources(old).filter((a) => a !== "aws_security_group.endpoint")) {
        expect([address, moved[address]]).toEqual([address, unkeyedMoves()[address]]);
      }
    }
  });

  it("has its own AWS provider in its own region and account", () => {
    const other = synthDeploy(
      config([1], { consumers: [{ ...twoConsumers.consumers[0], profile: "clients", assumeRoleArn: "arn:aws:iam::444455556666:role/kafka-clients" }] }),
    );
    expect(other.stacks["orders-consumer-analytics"].provider.aws).toEqual([
      { region: "us-east-1", profile: "clients", assume_role: [{ role_arn: "arn:aws:iam::444455556666:role/kafka-clients" }] },
    ]);
  });
});

describe("cross-region consumers", () => {
  const crossRegion = {
    consumers: [{ name: "eu", region: "eu-west-1", vpcId: "vpc-0e1e2e3e4e5e6e7e8", subnetIds: ["subnet-0e1e2e3e4e5e6e7e1"], allowedCidrs: ["10.30.0.0/16"] }],
  };

  it("are refused by default", () => {
    expect(() => config([1], crossRegion)).toThrow(
      'consumers[0].region: "eu-west-1" differs from cluster.region "us-east-1"; cross-region PrivateLink is off by default',
    );
  });

  it("synthesize with policy.allowCrossRegion: the consumer's region in supported_regions, the cluster's in connection.region", () => {
    const { stacks } = synthDeploy(config([1], { ...crossRegion, policy: { allowCrossRegion: true } }));
    expect(kafka(stacks["orders-provider"]).supported_regions).toEqual(["eu-west-1"]);
    expect(kafka(stacks["orders-consumer-eu"]).connection.region).toBe("us-east-1");
    // The endpoint's own region is the stack's provider's: the module compares the two.
    expect(stacks["orders-consumer-eu"].provider.aws).toEqual([{ region: "eu-west-1" }]);
  });

  it("pass a given serviceName with the cluster's region, which the service name must name", () => {
    const serviceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
    const { stacks } = synthDeploy(config([1], { consumers: [{ ...crossRegion.consumers[0], serviceName }], policy: { allowCrossRegion: true } }));
    expect(kafka(stacks["orders-consumer-eu"]).connection).toMatchObject({ service_name: serviceName, region: "us-east-1" });
    expect(() => config([1], { consumers: [{ ...crossRegion.consumers[0], serviceName }] })).toThrow(
      'consumers[0].region: "eu-west-1" differs from cluster.region "us-east-1"',
    );
  });
});

describe("the consumer module the stacks call (kafka-privatelink-consumer/main.tf.json)", () => {
  const main = moduleJson(CONSUMER_MODULE, "main.tf.json");
  const r = main.resource;

  it("checks the connection's ports in kafka-broker-ports, with the base the ports imply", () => {
    expect(main.module.broker_ports).toMatchObject({
      source: "../kafka-broker-ports",
      broker_ids: expect.stringMatching(/^\$\{\[for id in keys\(var\.connection\.broker_ports\) : tonumber\(id\)/),
      bootstrap_port: "${var.connection.bootstrap_port}",
    });
    expect(main.module.broker_ports.broker_port_base).toContain("p - tonumber(id)");
  });

  it("creates an Interface endpoint without private DNS, in the consumer's VPC and subnets, behind every CIDR's group", () => {
    expect(r.aws_vpc_endpoint.this).toMatchObject({
      vpc_endpoint_type: "Interface",
      private_dns_enabled: false,
      vpc_id: "${var.vpc_id}",
      subnet_ids: "${var.subnet_ids}",
      service_name: "${var.connection.service_name}",
      // null in the service's own region: cross-region only when the regions differ
      service_region: "${local.service_region}",
      security_group_ids: "${[for sg in aws_security_group.endpoint : sg.id]}",
      depends_on: ["aws_vpc_security_group_ingress_rule.client"],
    });
    expect(main.locals.service_region).toBe("${(var.connection.region == data.aws_region.current.id) ? null : var.connection.region}");
  });

  it("gives each client CIDR its own security group, keyed by the CIDR, without inline rules, keeping the name and description it was created with", () => {
    const group = r.aws_security_group.endpoint;
    expect(group).toEqual({
      for_each: "${toset(var.allowed_cidrs)}",
      name: "${var.name}-kafka-${each.value}",
      description: "Kafka PrivateLink endpoint: ${each.value} to the bootstrap and broker ports",
      vpc_id: "${var.vpc_id}",
      tags: "${local.tags}",
      // AWS replaces a group to change either: 0.1.0's one group keeps its name as the first CIDR's.
      lifecycle: { ignore_changes: ["name", "description"] },
    });
    expect(r.aws_vpc_security_group_egress_rule).toBeUndefined();
  });

  it("admits each CIDR on exactly the bootstrap port and the broker ports, one TCP rule each in that CIDR's group, keyed by CIDR and port", () => {
    const rule = r.aws_vpc_security_group_ingress_rule.client;
    expect(rule).toMatchObject({
      ip_protocol: "tcp",
      cidr_ipv4: "${each.value.cidr}",
      from_port: "${each.value.port}",
      to_port: "${each.value.port}",
      security_group_id: "${aws_security_group.endpoint[each.value.cidr].id}",
    });
    // Keys depend only on the CIDR and the port: a new broker or CIDR adds rules and changes none.
    expect(rule.for_each).toContain('"${pair[0]}:${pair[1][1]}" =>');
    expect(rule.for_each).toContain(
      'setproduct(var.allowed_cidrs, concat([["bootstrap", var.connection.bootstrap_port]], [for id, port in module.broker_ports.broker_ports : ["broker ${id}", port]]))',
    );
  });

  it("fits AWS's default quotas: at most one group per allowed CIDR on the endpoint, 1 + 49 rules in each (a plan of 49 brokers × 3 CIDRs: integration/consumer-quota)", () => {
    const cidrRules = moduleJson(CONSUMER_MODULE, "variables.tf.json").variable.allowed_cidrs.validation.map(
      (v: { condition: string; error_message: string }) => v.condition,
    );
    expect(cidrRules).toContain(`\${length(var.allowed_cidrs) <= ${SECURITY_GROUPS_PER_INTERFACE}}`);
    // A group holds its CIDR's bootstrap rule and one per broker port, and kafka-broker-ports admits at most MAX_BROKERS.
    expect(1 + MAX_BROKERS).toBeLessThanOrEqual(INBOUND_RULES_PER_SECURITY_GROUP);
    expect(moduleJson("kafka-broker-ports", "variables.tf.json").variable.broker_ids.validation[0].condition).toContain(`<= ${MAX_BROKERS}`);
  });

  it("creates a private zone named exactly the advertised hostname in the VPC, unless given one, and an alias to the endpoint", () => {
    expect(r.aws_route53_zone.this).toMatchObject({
      count: "${var.hosted_zone_id == null ? 1 : 0}",
      name: "${var.connection.advertised_hostname}",
      vpc: [{ vpc_id: "${var.vpc_id}" }],
    });
    expect(r.aws_route53_record.this).toEqual({
      zone_id: "${var.hosted_zone_id != null ? var.hosted_zone_id : one(aws_route53_zone.this[*].zone_id)}",
      name: "${var.connection.advertised_hostname}",
      type: "A",
      alias: {
        name: "${aws_vpc_endpoint.this.dns_entry[0].dns_name}",
        zone_id: "${aws_vpc_endpoint.this.dns_entry[0].hosted_zone_id}",
        evaluate_target_health: false,
      },
    });
  });

  it("checks at plan time that the VPC has the DNS attributes a private zone needs, and (same region) that every subnet is in an AZ of the service", () => {
    expect(main.data.aws_vpc.this).toEqual({ id: "${var.vpc_id}" });
    expect(main.data.aws_subnet.endpoint).toEqual({ for_each: "${{ for i, s in var.subnet_ids : tostring(i) => s }}", id: "${each.value}" });
    expect(main.data.aws_vpc_endpoint_service.this).toEqual({
      service_name: "${var.connection.service_name}",
      service_regions: "${local.service_region == null ? null : [local.service_region]}",
    });
    const [dns, zones] = r.aws_vpc_endpoint.this.lifecycle.precondition;
    expect(dns.condition).toBe("${data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames}");
    expect(zones.condition).toBe(
      "${local.service_region != null || alltrue([for s in data.aws_subnet.endpoint : contains(tolist(data.aws_vpc_endpoint_service.this.availability_zones), s.availability_zone)])}",
    );
  });

  it("names no block with a construct-path hash", () => {
    for (const byName of Object.values<TfJson>(r)) for (const name of Object.keys(byName)) expect(name).toMatch(/^(this|endpoint|client)$/);
    for (const byName of Object.values<TfJson>(main.data)) for (const name of Object.keys(byName)) expect(name).toMatch(/^(this|endpoint|current)$/);
    expect(Object.keys(main.module)).toEqual(["broker_ports"]);
  });

  it("outputs endpoint ID and DNS name, zone ID, the groups and a client config that closes idle connections before the NLB", () => {
    const o = moduleJson(CONSUMER_MODULE, "outputs.tf.json").output;
    expect(o.endpoint_id.value).toBe("${aws_vpc_endpoint.this.id}");
    expect(o.endpoint_dns_name.value).toBe("${aws_vpc_endpoint.this.dns_entry[0].dns_name}");
    expect(o.zone_id.value).toBe(r.aws_route53_record.this.zone_id);
    expect(o.security_group_ids.value).toBe("${{ for cidr, sg in aws_security_group.endpoint : cidr => sg.id }}");
    expect(o.client_config.value).toContain('"bootstrap.servers=${var.connection.advertised_hostname}:${var.connection.bootstrap_port}"');
    expect(o.client_config.value).toContain('"security.protocol=${var.connection.security_protocol}"');
    // 90 % of the NLB's idle timeout, at most Kafka's own default of 540 s (run client_config_closes_idle_connections_before_the_nlb).
    expect(o.client_config.value).toContain('"connections.max.idle.ms=${min(540000, floor(var.connection.tcp_idle_timeout_seconds * 0.9) * 1000)}"');
  });
});
