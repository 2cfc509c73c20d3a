/**
 * The deploy rehearsal's building blocks that need no emulator: how a configuration is moved into
 * the emulated account, what a security group's rules admit, how a cdktf diff is read, and how the
 * rehearsal's load balancer and name resolution are taken from a read-back account. The deploy
 * itself is __tests__/integration/deploy.test.ts.
 */
import { EXAMPLE_CONFIG } from "../config/load";
import { validateConfig } from "../config/validate";
import { EmulatedAccount, emulatedConfig, readConfigDocument } from "../emulator/emulator";
import { admittedBy, Inventory } from "../emulator/inventory";
import { plannedChanges, stackSections } from "./support/plan-text";
import { haproxyConfig } from "../rehearsal/haproxy";
import { deployedLoadBalancer } from "../rehearsal/deployed";

const vpc = (region: string, n: number) => ({
  region,
  vpcId: `vpc-0000000000000000${n}`,
  cidr: `10.${n}.0.0/16`,
  subnetIds: [`subnet-000000000000000${n}1`, `subnet-000000000000000${n}2`, `subnet-000000000000000${n}3`],
});

describe("emulatedConfig", () => {
  const example = readConfigDocument(EXAMPLE_CONFIG);
  const account: EmulatedAccount = { provider: vpc("us-east-1", 1), consumers: { analytics: vpc("us-east-1", 2) } };

  it("puts the emulated VPC and subnet IDs into the cluster and each consumer, and keeps everything else", () => {
    const config = validateConfig(emulatedConfig(example, account));
    expect(config.cluster.vpcId).toBe(account.provider.vpcId);
    expect(config.cluster.subnetIds).toEqual(account.provider.subnetIds);
    expect(config.consumers.map((c) => [c.name, c.vpcId, c.subnetIds])).toEqual([
      ["analytics", account.consumers.analytics.vpcId, account.consumers.analytics.subnetIds],
    ]);
    expect(config.cluster.brokers).toEqual(example.cluster.brokers);
    expect(config.consumers[0].allowedCidrs).toEqual(example.consumers![0].allowedCidrs);
  });

  it("drops what points outside the emulated account: credentials profiles, roles, another app's service, an existing zone", () => {
    const base = {
      ...example,
      cluster: { ...example.cluster, profile: "prod", assumeRoleArn: "arn:aws:iam::111122223333:role/deploy" },
      consumers: example.consumers!.map((c) => ({
        ...c,
        profile: "clients",
        assumeRoleArn: "arn:aws:iam::444455556666:role/deploy",
        serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
        hostedZoneId: "Z0123456789ABCDEFGHIJ",
      })),
    };
    const config = validateConfig(emulatedConfig(base, account));
    expect([config.cluster.profile, config.cluster.assumeRoleArn]).toEqual([undefined, undefined]);
    expect(config.consumers.map((c) => [c.profile, c.assumeRoleArn, c.serviceName, c.hostedZoneId])).toEqual([[undefined, undefined, undefined, undefined]]);
  });

  it("refuses a consumer the account has no VPC for", () => {
    expect(() => emulatedConfig(example, { ...account, consumers: {} })).toThrow("no emulated VPC for consumer analytics");
  });
});

describe("admittedBy (what a security group's ingress rules let in)", () => {
  it("expands TCP port ranges for each IPv4 CIDR", () => {
    const admits = admittedBy([
      { IpProtocol: "tcp", FromPort: 9091, ToPort: 9091, IpRanges: [{ CidrIp: "10.20.0.0/16" }, { CidrIp: "10.30.0.0/16" }] },
      { IpProtocol: "tcp", FromPort: 6001, ToPort: 6003, IpRanges: [{ CidrIp: "10.20.0.0/16" }] },
    ]);
    expect([...admits].sort()).toEqual(["10.20.0.0/16:6001", "10.20.0.0/16:6002", "10.20.0.0/16:6003", "10.20.0.0/16:9091", "10.30.0.0/16:9091"]);
  });

  it("counts an all-protocols rule as every port, so an over-broad rule cannot pass as the expected set", () => {
    const admits = admittedBy([{ IpProtocol: "-1", IpRanges: [{ CidrIp: "10.20.0.0/16" }] }]);
    expect(admits.size).toBe(65536);
    expect(admits.has("10.20.0.0/16:22")).toBe(true);
  });

  it("reports sources other than IPv4 CIDRs over TCP instead of ignoring them", () => {
    const admits = admittedBy([
      { IpProtocol: "tcp", FromPort: 9091, ToPort: 9091, UserIdGroupPairs: [{ GroupId: "sg-1" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
      { IpProtocol: "udp", FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: "10.20.0.0/16" }] },
    ]);
    expect([...admits].sort()).toEqual(["other:group sg-1 9091-9091", "other:ipv6 ::/0 9091-9091", "other:udp 53-53 from 10.20.0.0/16"]);
  });
});

describe("plannedChanges (a cdktf diff's resource changes)", () => {
  // As the cdktf CLI prints a plan (colour codes removed): the construct path sits between the
  // resource name and its for_each key.
  const plan = (summary: string, ...lines: string[]) =>
    [
      "orders-provider  Terraform will perform the following actions:",
      ...lines.map((l) => `                   ${l}`),
      '                   + resource "aws_lb_listener" "broker" {',
      "                     }",
      `orders-provider  ${summary}`,
    ].join("\n");

  it("lists each resource address (with its key) and action", () => {
    const output = plan(
      "Plan: 4 to add, 1 to change, 1 to destroy.",
      '# aws_lb_listener.broker (kafka/broker-listener)["4"] will be created',
      '# aws_lb_target_group_attachment.bootstrap (kafka/bootstrap-attachment)["4"] will be created',
      '# aws_vpc_security_group_ingress_rule.client (kafka/client-rule)["10.20.0.0/16:6004"] will be created',
      "# aws_lb.this (kafka/nlb) will be updated in-place",
      '# aws_lb_target_group.broker (kafka/broker-target-group)["3"] must be replaced',
    );
    expect(plannedChanges(output)).toEqual([
      { address: "aws_lb.this", action: "update" },
      { address: 'aws_lb_listener.broker["4"]', action: "create" },
      { address: 'aws_lb_target_group.broker["3"]', action: "replace" },
      { address: 'aws_lb_target_group_attachment.bootstrap["4"]', action: "create" },
      { address: 'aws_vpc_security_group_ingress_rule.client["10.20.0.0/16:6004"]', action: "create" },
    ]);
  });

  it("refuses output whose plan counts more changes than it could read", () => {
    const output = plan("Plan: 2 to add, 0 to change, 0 to destroy.", '# aws_lb_listener.broker (kafka/broker-listener)["4"] will be created');
    expect(() => plannedChanges(output)).toThrow("the plan counts 2 changes, the pattern found 1");
  });

  it("reads a plan without changes as none, and refuses output that is no plan", () => {
    expect(plannedChanges("orders-provider  No changes. Your infrastructure matches the configuration.")).toEqual([]);
    expect(() => plannedChanges("Error: Usage Error")).toThrow("no plan summary");
  });
});

describe("stackSections (each stack's part of a cdktf deploy of several stacks)", () => {
  // As `cdktf deploy orders-provider orders-consumer-analytics` printed it into the emulator (colour
  // codes removed, attributes cut): a stack's chunks between cdktf's progress lines, one stack's
  // init beside another's plan.
  const output = [
    "0 Stacks deploying     0 Stacks done     2 Stacks waiting",
    "orders-consumer-analytics  Initializing the backend...",
    "",
    "1 Stack deploying     0 Stacks done     1 Stack waiting",
    "orders-provider  Terraform will perform the following actions:",
    "",
    '                   # module.kafka.aws_lb_listener.broker["4"] will be created',
    '                   + resource "aws_lb_listener" "broker" {',
    "                     }",
    "",
    "1 Stack deploying     0 Stacks done     1 Stack waiting",
    'orders-provider    # module.kafka.aws_lb_target_group.broker["4"] will be created',
    '                   + resource "aws_lb_target_group" "broker" {',
    "                     }",
    "",
    "                 Plan: 2 to add, 0 to change, 0 to destroy.",
    "",
    "1 Stack deploying     0 Stacks done     1 Stack waiting",
    'orders-provider  module.kafka.aws_lb_listener.broker["4"]: Creation complete after 0s',
    "",
    "1 Stack deploying     1 Stack done     0 Stacks waiting",
    'orders-consumer-analytics    # module.kafka.aws_vpc_security_group_ingress_rule.client["10.20.0.0/16:6004"] will be created',
    '                             + resource "aws_vpc_security_group_ingress_rule" "client" {',
    "                               }",
    "",
    "                           Plan: 1 to add, 0 to change, 0 to destroy.",
  ].join("\n");

  it("gives each stack the lines it wrote, so that each stack's plan reads on its own", () => {
    const [provider, consumer] = stackSections(output, ["orders-provider", "orders-consumer-analytics"]);
    expect(plannedChanges(provider)).toEqual([
      { address: 'module.kafka.aws_lb_listener.broker["4"]', action: "create" },
      { address: 'module.kafka.aws_lb_target_group.broker["4"]', action: "create" },
    ]);
    expect(plannedChanges(consumer)).toEqual([{ address: 'module.kafka.aws_vpc_security_group_ingress_rule.client["10.20.0.0/16:6004"]', action: "create" }]);
    expect(consumer).toContain("Initializing the backend...");
    expect(provider).not.toContain("Stacks deploying");
  });

  it("does not take one stack's lines for another whose name it begins", () => {
    const [short, long] = stackSections("orders-consumer-a  one\n                   two\norders-consumer-ab  three", [
      "orders-consumer-a",
      "orders-consumer-ab",
    ]);
    expect([short, long]).toEqual(["orders-consumer-a  one\n                   two", "orders-consumer-ab  three"]);
  });

  it("gives a stack that printed nothing no plan, which plannedChanges refuses", () => {
    const [, missing] = stackSections(output, ["orders-provider", "orders-consumer-billing"]);
    expect(missing).toBe("");
    expect(() => plannedChanges(missing)).toThrow("no plan summary");
  });
});

describe("deployedLoadBalancer: the rehearsal's load balancer from the account read back", () => {
  const nlbArn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders/0123456789abcdef";
  const groupArn = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`;
  const listenerArn = (port: number) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/orders/0123456789abcdef/${port}`;
  const serviceName = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
  const endpointDns = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com";
  const account = (): Inventory => ({
    loadBalancers: [
      {
        arn: nlbArn,
        name: "orders",
        type: "network",
        scheme: "internal",
        vpcId: "vpc-1",
        attributes: {},
        listeners: [
          { arn: listenerArn(9091), port: 9091, protocol: "TCP", targetGroupArns: [groupArn("orders-bootstrap")] },
          { arn: listenerArn(6001), port: 6001, protocol: "TCP", targetGroupArns: [groupArn("orders-1")] },
          { arn: listenerArn(6002), port: 6002, protocol: "TCP", targetGroupArns: [groupArn("orders-2")] },
        ],
      },
    ],
    targetGroups: [
      { arn: groupArn("orders-bootstrap"), name: "orders-bootstrap", protocol: "TCP", port: 9094, targets: ["10.0.1.11:9094", "10.0.2.12:9094"] },
      // Deliberately crossed: the API's answer is what the rehearsal serves, not what was meant.
      { arn: groupArn("orders-1"), name: "orders-1", protocol: "TCP", port: 9094, targets: ["10.0.2.12:9094"] },
      { arn: groupArn("orders-2"), name: "orders-2", protocol: "TCP", port: 9094, targets: ["10.0.1.11:9094"] },
    ],
    endpointServices: [{ id: "vpce-svc-0123456789abcdef0", name: serviceName, nlbArns: [nlbArn], acceptanceRequired: true, principals: [] }],
    endpoints: [
      {
        id: "vpce-0123456789abcdef0",
        type: "Interface",
        state: "available",
        serviceName,
        vpcId: "vpc-2",
        subnetIds: [],
        groupIds: [],
        dnsEntries: [{ dnsName: endpointDns, hostedZoneId: "Z1" }],
      },
    ],
    securityGroups: [],
    hostedZones: [
      {
        id: "Z2",
        name: "orders.kafka.example.internal.",
        private: true,
        vpcIds: ["vpc-2"],
        records: [
          { name: "orders.kafka.example.internal.", type: "SOA" },
          { name: "Orders.Kafka.Example.Internal.", type: "A", aliasDnsName: `${endpointDns.toUpperCase()}.`, aliasZoneId: "Z1" },
          { name: "elsewhere.example.internal.", type: "A", aliasDnsName: "other.example.com.", aliasZoneId: "Z9" },
        ],
      },
    ],
    alarms: [],
  });

  it("serves each listener's registered targets as the API reports them, and resolves the alias record that leads to the NLB", () => {
    const deployed = deployedLoadBalancer(account());
    expect(deployed.hostnames).toEqual(["orders.kafka.example.internal"]);
    expect(deployed.listeners.map((l) => [l.port, l.targets.map((t) => `${t.address}:${t.port}`)])).toEqual([
      [9091, ["10.0.1.11:9094", "10.0.2.12:9094"]],
      [6001, ["10.0.2.12:9094"]],
      [6002, ["10.0.1.11:9094"]],
    ]);
    expect(deployed.listeners[1].source).toBe(`listener ${listenerArn(6001)} → orders-1`);
    expect(haproxyConfig(deployed.listeners, "169.254.213.1")).toContain(
      "bind 169.254.213.1:6001\n  default_backend listener1\nbackend listener1\n  balance roundrobin\n  server 10.0.2.12:9094",
    );
  });

  it("names each broken link of the chain: a listener's missing group, a non-IP target, no alias to an endpoint of the NLB's service", () => {
    const missingGroup = { ...account(), targetGroups: account().targetGroups.filter((g) => g.name !== "orders-1") };
    expect(() => deployedLoadBalancer(missingGroup)).toThrow(
      `listener ${listenerArn(6001)} (port 6001) forwards to target group ${groupArn("orders-1")}, which DescribeTargetGroups does not list`,
    );
    const instance = {
      ...account(),
      targetGroups: account().targetGroups.map((g) => (g.name === "orders-2" ? { ...g, targets: ["i-0123456789abcdef0:9094"] } : g)),
    };
    expect(() => deployedLoadBalancer(instance)).toThrow(
      "target group orders-2 holds target i-0123456789abcdef0:9094, not an IPv4 address (the rehearsal needs targetType ip)",
    );
    const noAlias = { ...account(), hostedZones: [] };
    expect(() => deployedLoadBalancer(noAlias)).toThrow(`no Route 53 alias record points at the DNS name of an endpoint to ${serviceName} (${endpointDns})`);
    const otherService = { ...account(), endpoints: account().endpoints.map((e) => ({ ...e, serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-other" })) };
    expect(() => deployedLoadBalancer(otherService)).toThrow(`no interface endpoint connects to ${serviceName}`);
    expect(() => deployedLoadBalancer({ ...account(), loadBalancers: [] })).toThrow("the account holds 0 network load balancers (none)");
  });
});
