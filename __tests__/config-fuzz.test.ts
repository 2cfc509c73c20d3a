/**
 * Property-based: random configurations, random mutations of a valid one and random file contents
 * go to the main job. Whatever the input, the job either writes a complete output that keeps the
 * promises checked below, or refuses with a ConfigError (one line per problem, no stack trace) and
 * writes nothing. About 10 s: most inputs are refused in a few milliseconds, a valid one
 * synthesizes everything (≈ 0.5 s here).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { ConfigError } from "../config/validate";
import { MAX_BROKERS } from "../modules/kafka-broker-ports/allocation";
import { CONSUMER_MODULE, INBOUND_RULES_PER_SECURITY_GROUP, SECURITY_GROUPS_PER_INTERFACE } from "../modules/kafka-privatelink-consumer/rules";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { moduleCalls } from "../stacks/synthesized/module-calls";
import { configInput } from "./support/configs";

/** Strings that once crashed cdktf, were evaluated by Terraform, or slipped past a rule. */
const TRICKY_STRINGS = [
  "${path.cwd}",
  '${file("/etc/passwd")}',
  "%{ if true }x%{ endif }",
  "$${x}",
  "${TfToken[TOKEN.5]}",
  "#{TfToken[TOKEN.1]}",
  "&{TfToken[TOKEN.1]}",
  "-1.8881545897087626e+289",
  "__proto__",
  "constructor",
  "a\nb",
  "a\u0000b",
  "0.0.0.0/0",
  "0.0.0.0/1",
  "128.0.0.0/1",
  "10.020.0.0/16",
  "10.20.0.0/016",
  "010.0.0.1",
  "us-east-9",
  "xx-fake-1",
  "cn-north-1",
  "arn:aws:iam::111122223333:role/*",
  "arn:aws:iam::111122223333:role/my role",
  "arn:aws-xx:iam::111122223333:root",
  "aws:owner",
  "com.amazonaws.vpce.us-east-2.vpce-svc-0123456789abcdef0",
  "vpc-0f1e2d3c4b5a69788",
  "x".repeat(300),
];

const trickyString = fc.oneof(fc.constantFrom(...TRICKY_STRINGS), fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 12 }));
const trickyNumber = fc.oneof(
  fc.integer({ min: -3, max: 70_000 }),
  fc.double(),
  fc.constantFrom(Infinity, -Infinity, NaN, 0.5, 2 ** 53, -0, 9091, 6000, 60, 6000, 65535, 65536),
);
const scalar = fc.oneof(trickyString, trickyNumber, fc.boolean(), fc.constant(null));
const trickyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 8 }) },
  { weight: 1, arbitrary: fc.dictionary(trickyString, scalar, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

type Json = Record<string, unknown> | unknown[];

/** Every place in a document: [path to the container, key]. */
function places(doc: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (doc === null || typeof doc !== "object") return [];
  const keys = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  return keys.flatMap((k) => [[...at, k], ...places((doc as Record<string | number, unknown>)[k], [...at, k])]);
}

function containerAt(doc: unknown, at: Array<string | number>): Json | undefined {
  const value = at.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[k] : undefined), doc);
  return value !== null && typeof value === "object" ? (value as Json) : undefined;
}

type Mutation = { kind: "set" | "delete" | "add-key" | "duplicate" | "nudge"; place: number; value: unknown; key: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("set", "set", "set", "delete", "add-key", "duplicate", "nudge"),
  place: fc.nat(),
  value: trickyValue,
  key: fc.oneof(fc.constantFrom("tags", "profile", "extra", "__proto__", "1", "aws:x"), trickyString),
});

function mutate(doc: Record<string, unknown>, mutations: Mutation[]): Record<string, unknown> {
  const copy = structuredClone(doc);
  for (const m of mutations) {
    const all = places(copy);
    if (all.length === 0) break;
    const where = all[m.place % all.length];
    const parent = containerAt(copy, where.slice(0, -1));
    const key = where[where.length - 1];
    if (!parent) continue;
    const target = parent as Record<string | number, unknown>;
    if (m.kind === "set") target[key] = m.value;
    else if (m.kind === "delete") {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete target[key];
    } else if (m.kind === "add-key" && !Array.isArray(parent))
      Object.defineProperty(parent, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    else if (m.kind === "duplicate" && Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
    else if (m.kind === "nudge" && typeof target[key] === "number") target[key] = (target[key] as number) + (m.place % 2 === 0 ? 1 : -1);
  }
  return copy;
}

/** Random configurations in the contract's shape, each field drawn from valid and invalid values: most are refused somewhere. */
const ipv4 = fc.tuple(fc.constantFrom(10, 172, 192, 100, 54), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join("."));
const cidr = fc.tuple(ipv4, fc.integer({ min: 0, max: 33 })).map(([ip, p]) => `${ip}/${p}`);
const region = fc.constantFrom("us-east-1", "us-east-2", "eu-west-1", "us-west-1", "cn-north-1", "us-east-9");
const hexId = (prefix: string) => fc.stringMatching(/^[0-9a-f]{17}$/).map((h) => `${prefix}-${h}`);
const randomConfig = fc.record(
  {
    cluster: fc.record(
      {
        name: fc.constantFrom("orders", "a", "Orders", "a-very-long-cluster-name", "x-"),
        region,
        vpcId: hexId("vpc"),
        subnetIds: fc.array(hexId("subnet"), { minLength: 1, maxLength: 3 }),
        advertisedHostname: fc.constantFrom("orders.kafka.example.internal", "kafka", "ORDERS.example.com"),
        bootstrapPort: trickyNumber,
        brokerPortBase: trickyNumber,
        brokers: fc.array(fc.record({ id: fc.integer({ min: -1, max: 70 }), target: fc.oneof(ipv4, hexId("i")) }), { minLength: 0, maxLength: 52 }),
        allowedPrincipals: fc.array(fc.constantFrom("arn:aws:iam::111122223333:root", "*", "arn:aws:iam::111122223333:role/team/kafka", ...TRICKY_STRINGS), {
          maxLength: 3,
        }),
        tags: fc.dictionary(trickyString, trickyString, { maxKeys: 3 }),
        profile: trickyString,
      },
      { requiredKeys: ["name", "region", "vpcId", "subnetIds", "advertisedHostname", "brokers", "allowedPrincipals"] },
    ),
    consumers: fc.array(
      fc.record(
        {
          name: fc.constantFrom("analytics", "billing", "b"),
          region,
          vpcId: fc.constantFrom("vpc-0f1e2d3c4b5a69788", "vpc-0b1b2b3b4b5b6b7b8"),
          subnetIds: fc.array(hexId("subnet"), { minLength: 1, maxLength: 2 }),
          allowedCidrs: fc.array(cidr, { minLength: 1, maxLength: 7 }),
          serviceName: fc.constantFrom("com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0", "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"),
          tags: fc.dictionary(fc.constantFrom("team", "cost", "aws:x"), fc.constantFrom("streaming", "${path.cwd}", ""), { maxKeys: 2 }),
        },
        { requiredKeys: ["name", "region", "vpcId", "subnetIds", "allowedCidrs"] },
      ),
      { maxLength: 3 },
    ),
    policy: fc.record(
      { allowCrossRegion: fc.boolean(), allowAnyCidr: fc.boolean(), allowAnyPrincipal: fc.boolean(), deniedRegions: fc.array(region, { maxLength: 2 }) },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["cluster"] },
);

let root: string;
beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-fuzz-"))));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

let runs = 0;
const outcomes = { written: 0, refused: 0 };

/** Runs the main job on one file's content and checks the property. */
function mainJobOn(content: string | Uint8Array): void {
  const dir = path.join(root, String(runs++));
  fs.mkdirSync(dir);
  const file = path.join(dir, "cluster.yaml");
  fs.writeFileSync(file, content);
  const out = path.join(dir, "out");
  const modules = path.join(dir, "modules");
  try {
    const result = runSynth({ configFile: file, outDir: out, modulesOutDir: modules });
    outcomes.written++;
    checkWritten(out, result.stacks);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    outcomes.refused++;
    for (const line of err.message.split("\n").slice(1)) expect(line).toMatch(/^ {2}\S.*: .+ .+$|^ {2}… and \d+ more$/);
    expect(err.message).not.toMatch(/\n\s+at /);
    expect(fs.readdirSync(dir)).toEqual(["cluster.yaml"]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a written output always keeps: no cdktf token left; thin stacks, each one call of a
 * published module whose inputs stay within AWS's quotas (what the module builds from them, the
 * integration tests evaluate with Terraform); literal tags.
 */
function checkWritten(out: string, stacks: readonly string[]): void {
  for (const name of stacks) {
    const text = fs.readFileSync(path.join(out, "stacks", name, "cdk.tf.json"), "utf8");
    expect(text).not.toMatch(/TfToken\[/);
    const json = JSON.parse(text);
    expect(json.resource).toBeUndefined();
    const calls = moduleCalls(json);
    expect(calls.map((c) => c.name)).toEqual(["kafka"]);
    for (const { module, inputs } of calls) {
      expect([PROVIDER_MODULE, CONSUMER_MODULE]).toContain(module);
      if (module === PROVIDER_MODULE) expect(Object.keys(inputs.brokers).length).toBeLessThanOrEqual(MAX_BROKERS);
      if (module === CONSUMER_MODULE) {
        // The endpoint gets a security group per CIDR, each admitting the bootstrap port and every broker port.
        expect(inputs.allowed_cidrs.length).toBeLessThanOrEqual(SECURITY_GROUPS_PER_INTERFACE);
        expect(1 + Object.keys(inputs.connection.broker_ports).length).toBeLessThanOrEqual(INBOUND_RULES_PER_SECURITY_GROUP);
      }
      for (const [k, v] of Object.entries(inputs.tags ?? {})) expect(`${k}=${v}`).not.toMatch(/[$%#&]\{/);
    }
  }
}

describe("the main job on random and mutated configurations", () => {
  const valid = configInput([1, 2, 3], {
    cluster: { tags: { team: "streaming" }, profile: "platform" },
    consumers: [
      { ...configInput().consumers![0], allowedCidrs: ["10.20.0.0/16", "10.21.0.0/16"], tags: { team: "analytics" }, hostedZoneId: "Z0123456789ABCDEFGHIJ" },
    ],
  }) as Record<string, unknown>;

  it("writes the valid starting point (the mutations start from a configuration that passes)", () => {
    mainJobOn(stringify(valid));
    expect(outcomes.written).toBe(1);
  });

  it("never crashes and never writes output for an invalid mutation of a valid configuration", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (mutations, asJson) => {
        const doc = mutate(valid, mutations);
        mainJobOn(asJson ? JSON.stringify(doc) : stringify(doc));
      }),
      // A mutation that stays valid synthesizes everything (≈ 0.5 s): about one in six.
      { numRuns: 60 },
    );
  });

  it("never crashes and never writes output for an invalid random configuration", () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: randomConfig }, { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) }), (doc) => {
        // stringify(undefined) is undefined: an empty file.
        mainJobOn(stringify(doc) ?? "");
      }),
      { numRuns: 80 },
    );
  });

  it("never crashes on random file contents", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.uint8Array({ maxLength: 200 })), (content) => {
        mainJobOn(content);
      }),
      { numRuns: 100 },
    );
    // Both outcomes occurred overall: the properties were not vacuous.
    expect(outcomes.written).toBeGreaterThan(1);
    expect(outcomes.refused).toBeGreaterThan(150);
  });
});
