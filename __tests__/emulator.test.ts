/**
 * The deploy rehearsal's building blocks that need no emulator: how a configuration is moved into
 * the emulated account, what a security group's rules admit, and how a cdktf diff is read. The
 * deploy itself is __tests__/integration/deploy.test.ts.
 */
import { EXAMPLE_CONFIG } from "../config/load";
import { validateConfig } from "../config/validate";
import { EmulatedAccount, emulatedConfig, readConfigDocument } from "../emulator/emulator";
import { admittedBy } from "../emulator/inventory";
import { plannedChanges } from "../emulator/plan-text";

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
    expect(config.consumers.map((c) => [c.name, c.vpcId, c.subnetIds])).toEqual([["analytics", account.consumers.analytics.vpcId, account.consumers.analytics.subnetIds]]);
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
