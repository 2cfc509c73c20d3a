import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { MAX_CONFIG_BYTES, MAX_CONFIG_VALUES } from "../config/document";
import { loadConfig } from "../config/load";
import { ConfigError } from "../config/validate";
import { configInput } from "./support/configs";

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-file-"))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The problem lines of a file that must be refused, with the file's name taken out. */
function refused(file: string): string[] {
  try {
    loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const [head, ...lines] = err.message.split("\n");
    expect(head).toMatch(/: invalid configuration \(\d+ problems?\)$/);
    return lines.map((l) => l.trim().replace(file, "FILE"));
  }
  throw new Error(`${file} was accepted`);
}

function write(text: string | Buffer, name = "cluster.yaml"): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The valid example as YAML, with `extra` appended under `cluster:`. */
const clusterWith = (extra: string) => stringify(configInput([1])).replace(/^cluster:\n/, `cluster:\n${extra}`);

/**
 * A bound that the quadratic or exponential paths these tests guard against exceed by far (each
 * took minutes or more before its fix), not a speed measurement (that is the bench's): wide
 * enough that a loaded 2-core machine (seen: 6 s for a 1 s parse) never fails it.
 */
const QUADRATIC_BOUND_MS = 30_000;

describe("configuration files", () => {
  it("refuses a YAML alias that contains itself, without a stack trace", () => {
    expect(refused(write("cluster: &c {name: *c}\n"))).toContainEqual(
      'cluster.name: "*c" is a YAML alias that contains itself; a configuration must be finite',
    );
  });

  it("refuses an alias bomb by counting values, aliases expanded", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++)
      lines.push(
        `${"abcdefgh"[i]}: &${"abcdefgh"[i]} [${Array(10)
          .fill(`*${"abcdefgh"[i - 1]}`)
          .join(", ")}]`,
      );
    const started = Date.now();
    expect(refused(write(lines.join("\n")))).toContainEqual(
      `(document): has more than ${MAX_CONFIG_VALUES} values (aliases counted each time they are used); a configuration needs a few hundred`,
    );
    expect(Date.now() - started).toBeLessThan(QUADRATIC_BOUND_MS);
  });

  it("refuses a chain of thousands of aliases quickly (each alias is looked up in an index, not by a search)", () => {
    const lines = ["a0: &a0 [x]", ...Array.from({ length: 5_000 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`)];
    const started = Date.now();
    expect(refused(write(lines.join("\n")))).toContainEqual(expect.stringContaining(`(document): has more than ${MAX_CONFIG_VALUES} values`));
    expect(Date.now() - started).toBeLessThan(QUADRATIC_BOUND_MS);
  });

  it('refuses keys that only differ in type (1 and "1") and the key __proto__, with the other problems', () => {
    const file = write(clusterWith("  tags: {1: a, '1': b, __proto__: x, 'aws:x': y}\n"));
    expect(refused(file)).toEqual([
      'cluster.tags["1"]: is given twice (as 1 and "1"); keys are strings, so both name the same field',
      "cluster.tags.__proto__: is a key JavaScript cannot hold as data; rename it",
      'cluster.tags["aws:x"]: "aws:x" as a key starts with aws:, which AWS reserves for its own tags',
    ]);
  });

  it("refuses a key given twice", () => {
    expect(refused(write(clusterWith("  name: billing\n")))).toEqual(["cluster.name: is given twice"]);
  });

  it("shows .inf and .nan as the numbers they are, not as null", () => {
    expect(refused(write(clusterWith("  tcpIdleTimeoutSeconds: .inf\n  deregistrationDelaySeconds: -.inf\n  bootstrapPort: .nan\n")))).toEqual([
      "cluster.bootstrapPort: NaN must be a finite number",
      "cluster.tcpIdleTimeoutSeconds: Infinity must be a finite number",
      "cluster.deregistrationDelaySeconds: -Infinity must be a finite number",
    ]);
  });

  it("refuses bytes that are not UTF-8, naming the offset", () => {
    const text = Buffer.from(clusterWith("  tags: {team: 'x'}\n"));
    const at = text.indexOf("'x'") + 1;
    text[at] = 0xe9; // Latin-1 "é"
    expect(refused(write(text))).toEqual([`(file): "FILE" is not UTF-8 text (invalid byte 0xe9 at offset ${at}); save it as UTF-8`]);
  });

  it("refuses a file over the size limit before parsing it", () => {
    const file = write(`# ${"x".repeat(MAX_CONFIG_BYTES)}\n${stringify(configInput())}`);
    expect(refused(file)).toEqual([
      `(file): "FILE" is ${MAX_CONFIG_BYTES + 3 + stringify(configInput()).length} bytes; a configuration may be at most ${MAX_CONFIG_BYTES} bytes`,
    ]);
  });

  it("refuses 400,000 CIDRs by the value count, quickly", () => {
    const input = configInput([1]);
    const cidrs = Array.from({ length: 400_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`);
    // All of them are over the byte limit; the first 30,000 are not, and are too many values.
    const started = Date.now();
    expect(refused(write(JSON.stringify({ ...input, consumers: [{ ...input.consumers![0], allowedCidrs: cidrs }] })))[0]).toMatch(
      /is \d+ bytes; a configuration may be at most/,
    );
    const file = write(stringify({ ...input, consumers: [{ ...input.consumers![0], allowedCidrs: cidrs.slice(0, 30_000) }] }));
    expect(fs.statSync(file).size).toBeLessThan(MAX_CONFIG_BYTES);
    expect(refused(file)).toContainEqual(expect.stringContaining(`has more than ${MAX_CONFIG_VALUES} values`));
    expect(Date.now() - started).toBeLessThan(QUADRATIC_BOUND_MS);
  });

  it("refuses 60,000 keys by the value count, quickly", () => {
    const file = write(Array.from({ length: 60_000 }, (_, i) => `k${i}: 1`).join("\n"));
    expect(fs.statSync(file).size).toBeLessThan(MAX_CONFIG_BYTES);
    const started = Date.now();
    expect(refused(file)).toContainEqual(
      `(document): has more than ${MAX_CONFIG_VALUES} values (aliases counted each time they are used); a configuration needs a few hundred`,
    );
    expect(Date.now() - started).toBeLessThan(QUADRATIC_BOUND_MS);
  });

  it("refuses what is not a regular file: a named pipe (without waiting for a writer), a device, a folder", () => {
    const fifo = path.join(dir, "pipe.yaml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    expect(refused(fifo)).toEqual(['(file): "FILE" is not a regular file (a named pipe); give the path of a YAML or JSON file']);
    expect(refused("/dev/zero")).toEqual(['(file): "FILE" is not a regular file (a device); give the path of a YAML or JSON file']);
    expect(refused(dir)).toEqual(['(file): "FILE" is not a regular file (a directory); give the path of a YAML or JSON file']);
  });

  it("refuses nesting deeper than the parser's stack, as a problem of the file", () => {
    const lines = refused(write(`cluster: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\(file\): "line 1, column \d+" nests lists or mappings too deeply; a configuration needs four levels$/);
  });

  it("reports a YAML syntax error on one line, with where it is", () => {
    const lines = refused(write("cluster: [unclosed\n"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\(file\): "line \d+, column \d+" is not valid YAML or JSON: /);
  });

  it("reads a configuration that uses aliases as intended", () => {
    const file = write(
      [
        "cluster:",
        "  name: orders",
        "  region: us-east-1",
        "  vpcId: vpc-0a1b2c3d4e5f60718",
        "  subnetIds: &subnets [subnet-0a1b2c3d4e5f60711, subnet-0a1b2c3d4e5f60722]",
        "  advertisedHostname: orders.kafka.example.internal",
        "  brokers: [{ id: 1, target: 10.0.0.11 }]",
        "  allowedPrincipals: ['arn:aws:iam::111122223333:root']",
        "consumers:",
        "  - { name: local, region: us-east-1, vpcId: vpc-0f1e2d3c4b5a69788, subnetIds: *subnets, allowedCidrs: [10.20.0.0/16] }",
      ].join("\n"),
    );
    expect(loadConfig(file).consumers[0].subnetIds).toEqual(["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"]);
  });
});
