/**
 * How the deploy test turns the checked-in layout 0.1.0 stacks into stacks for the emulated
 * account (__tests__/support/upgrade.ts): the values that differ between the old configuration and its
 * emulated copy, replaced as whole tokens, and nothing replaced that the stacks do not hold.
 */
import * as path from "node:path";
import type { EmulatedAccount } from "../emulator/emulator";
import { emulatedConfig, readConfigDocument } from "../emulator/emulator";
import { fitAccount, readOldStacks, replaceInStacks, valueReplacements } from "./support/upgrade";

const FIXTURE = path.join(__dirname, "fixtures", "layout-0.1.0");
const old = readConfigDocument(path.join(FIXTURE, "orders.yaml"));
const vpc = (n: number, region = "us-east-1") => ({
  region,
  vpcId: `vpc-e${n}`,
  cidr: `10.${n}.0.0/16`,
  subnetIds: [`subnet-e${n}a`, `subnet-e${n}b`, `subnet-e${n}c`],
});
const account: EmulatedAccount = { provider: vpc(0), consumers: { analytics: vpc(20) } };

describe("the layout 0.1.0 stacks made to fit an emulated account", () => {
  const emulated = emulatedConfig(old, fitAccount(account, old));

  it("replaces exactly the configuration's VPC and subnet IDs, each where the old stacks hold it", () => {
    const replacements = valueReplacements(old, emulated);
    expect(replacements.map((r) => [r.at, r.from, r.to])).toEqual([
      ["cluster.vpcId", "vpc-0a1b2c3d4e5f60718", "vpc-e0"],
      ["cluster.subnetIds[0]", "subnet-0a1b2c3d4e5f60711", "subnet-e0a"],
      ["cluster.subnetIds[1]", "subnet-0a1b2c3d4e5f60722", "subnet-e0b"],
      ["cluster.subnetIds[2]", "subnet-0a1b2c3d4e5f60733", "subnet-e0c"],
      ["consumers[0].vpcId", "vpc-0f1e2d3c4b5a69788", "vpc-e20"],
      ["consumers[0].subnetIds[0]", "subnet-0f1e2d3c4b5a69781", "subnet-e20a"],
      ["consumers[0].subnetIds[1]", "subnet-0f1e2d3c4b5a69782", "subnet-e20b"],
    ]);
    const stacks = replaceInStacks(readOldStacks(FIXTURE), replacements);
    expect(Object.keys(stacks).sort()).toEqual(["orders-consumer-analytics", "orders-provider"]);
    const all = Object.values(stacks).join("\n");
    for (const { from, to } of replacements) {
      expect(all).not.toContain(from);
      expect(all).toContain(to);
    }
    // Inside expressions too: the consumer's subnet lookups iterate over the replaced IDs.
    expect(JSON.parse(stacks["orders-consumer-analytics"]).data.aws_subnet.endpoint.for_each).toBe('${toset(["subnet-e20a", "subnet-e20b"])}');
  });

  it("replaces whole IDs only, and refuses a value that none of the stacks holds", () => {
    const texts = { a: '{"vpc_id": "vpc-1", "other": "vpc-12", "expr": "${toset([\\"vpc-1\\"])}"}' };
    expect(replaceInStacks(texts, [{ from: "vpc-1", to: "vpc-9", at: "cluster.vpcId" }]).a).toBe(
      '{"vpc_id": "vpc-9", "other": "vpc-12", "expr": "${toset([\\"vpc-9\\"])}"}',
    );
    expect(() => replaceInStacks(texts, [{ from: "vpc-7", to: "vpc-9", at: "cluster.vpcId" }])).toThrow(
      "cluster.vpcId: vpc-7 occurs in none of the stacks (a)",
    );
  });

  it("refuses configurations of different shapes and values that are not strings", () => {
    expect(() => valueReplacements(old, emulatedConfig(old, account))).toThrow(/^consumers\[0\]\.subnetIds: .* differ in shape/);
    expect(() => valueReplacements(old, { ...old, cluster: { ...old.cluster, bootstrapPort: 9092 } })).toThrow(
      "cluster.bootstrapPort: 9091 → 9092: only string values can be replaced",
    );
    expect(() => valueReplacements({ a: "x", b: "x" }, { a: "y", b: "z" })).toThrow("b: x would become both y (as at a) and z");
    const { tags: _tags, ...untagged } = old.cluster;
    expect(() => valueReplacements(old, { ...old, cluster: untagged })).toThrow("cluster.tags: set in only one of the two configurations");
  });

  it("cuts the emulated VPCs to the configuration's subnet counts, and refuses too few", () => {
    expect(fitAccount(account, old).consumers.analytics.subnetIds).toEqual(["subnet-e20a", "subnet-e20b"]);
    expect(fitAccount(account, old).provider.subnetIds).toHaveLength(3);
    const short = { ...account, provider: { ...account.provider, subnetIds: ["subnet-e0a"] } };
    expect(() => fitAccount(short, old)).toThrow("cluster.subnetIds: 3 subnets configured, the emulated account has 1");
  });
});
