/**
 * The main job and the cdktf app as users start them: `npm run synth` (job/cli.ts) and `cdktf
 * synth` (main.ts), each as its own process through the launcher: exit codes, what they print, the
 * folder relative paths are taken from. The job's behaviour in process is main-job.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../../job/job";
import { OUTPUT_MARKER } from "../../job/output/transaction";
import { configInput, writeConfigFile } from "../support/configs";
import { snapshotTree } from "../support/tree";

const ROOT = path.join(__dirname, "..", "..");

function cli(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "job", "cli.ts"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("the main job and the cdktf app as processes", () => {
  let dir: string;
  let file: string;
  const out = () => path.join(dir, "out");
  const modulesOut = () => path.join(dir, "modules");
  const lockFile = () => path.join(dir, "cluster.ports.lock.json");
  const synth = (allowPortChange = false) => runSynth({ configFile: file, outDir: out(), modulesOutDir: modulesOut(), allowPortChange });
  const rewrite = (input: unknown) => fs.writeFileSync(file, stringify(input));

  beforeEach(() => ({ dir, file } = writeConfigFile(configInput([1, 2, 3]))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the stacks, the modules, REVIEW.md and the port lock, and prints a summary", () => {
    const run = cli(["--config", file, "--out", out(), "--modules-out", modulesOut()], dir);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Synthesized 2 stack(s)");
    expect(run.stdout).toContain("orders-provider, orders-consumer-analytics");
    expect(run.stdout).toContain("Bootstrap: orders.kafka.example.internal:9091 → all 3 broker(s)");
    expect(run.stdout).toContain("broker 3 → port 6003");
    // Thin stacks: each calls a module folder beside it, the published one byte for byte.
    for (const stack of ["orders-provider", "orders-consumer-analytics"]) {
      const doc = JSON.parse(fs.readFileSync(path.join(out(), "stacks", stack, "cdk.tf.json"), "utf8"));
      expect(doc.resource).toBeUndefined();
      const called = path.resolve(out(), "stacks", stack, doc.module.kafka.source);
      expect(path.dirname(called)).toBe(path.join(out(), "modules"));
      const files = snapshotTree(called);
      expect(Object.keys(files)).toContain("main.tf");
      expect(files).toEqual(snapshotTree(path.join(modulesOut(), path.basename(called))));
    }
    expect(fs.existsSync(path.join(out(), "REVIEW.md"))).toBe(true);
    // The modules only: the run's record and the cluster's examples are in --out.
    expect(fs.readdirSync(modulesOut()).sort()).toEqual(["kafka-broker-ports", "kafka-privatelink-consumer", "kafka-privatelink-provider"]);
    expect(fs.existsSync(path.join(out(), OUTPUT_MARKER))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8"))).toEqual({
      cluster: "orders",
      advertisedHostname: "orders.kafka.example.internal",
      bootstrapPort: 9091,
      brokers: { "1": 6001, "2": 6002, "3": 6003 },
      // The reviewable settings: the baseline of the next REVIEW.md.
      settings: expect.objectContaining({
        version: 1,
        brokers: { "1": { port: 6001, target: "10.0.0.11" }, "2": { port: 6002, target: "10.0.0.12" }, "3": { port: 6003, target: "10.0.0.13" } },
      }),
    });
    expect(fs.readdirSync(dir).filter((f) => f.includes("staging"))).toEqual([]);
  });

  it("refuses an invalid configuration with field, value and rule, and creates no output", () => {
    rewrite(configInput(Array.from({ length: 50 }, (_, i) => i + 1)));
    const run = cli(["--config", file, "--out", path.join(dir, "new", "out"), "--modules-out", path.join(dir, "new", "modules")], dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("cluster.brokers: 50 brokers given; one NLB fits at most 49 (50 listeners, one is the bootstrap)");
    expect(fs.readdirSync(dir)).toEqual(["cluster.yaml"]);
  });

  it.each([
    [
      "internal-kafka",
      'cluster.name: "internal-kafka" makes the load balancer name "internal-kafka-nlb", which begins with "internal-"; AWS refuses that prefix in load balancer names',
    ],
    [
      "sg-orders",
      'cluster.name: "sg-orders" makes the security group name "sg-orders-analytics-kafka-10.20.0.0/16", which begins with "sg-"; AWS refuses that prefix in security group names',
    ],
  ])("refuses the cluster name %s, which makes an AWS name AWS refuses, before writing the port lock", (name, line) => {
    rewrite(configInput([1, 2, 3], { cluster: { name } }));
    const run = cli(["--config", file, "--out", out(), "--modules-out", modulesOut()], dir);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(line);
    expect(fs.readdirSync(dir)).toEqual(["cluster.yaml"]);
  });

  it("exits 2 on an unknown command-line option", () => {
    const run = cli(["--confg", file], dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--confg'");
    expect(run.stderr).toContain("Usage: npm run synth");
  });

  it("takes relative paths from the folder npm run synth was started in", () => {
    const sub = path.join(dir, "sub");
    fs.mkdirSync(sub);
    fs.copyFileSync(file, path.join(sub, "c.yaml"));
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "job", "cli.ts"), "--config", "c.yaml", "--out", "o", "--modules-out", "m"],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, npm_lifecycle_event: "synth", INIT_CWD: sub },
      },
    );
    expect(run.stderr).toBe("");
    expect(fs.readdirSync(sub).sort()).toEqual(["c.ports.lock.json", "c.yaml", "m", "o"]);
    expect(run.stdout).toContain("into o/stacks");
  });

  it("refuses, through npm run synth, a lock that writes a broker twice, whichever entry comes last", () => {
    synth();
    const lock = fs.readFileSync(lockFile(), "utf8");
    for (const text of [lock.replace('"1": 6001,', '"1": 7001,\n    "1": 6001,'), lock.replace('"1": 6001,', '"1": 6001,\n    "1": 7001,')]) {
      fs.writeFileSync(lockFile(), text);
      const run = cli(["--config", file, "--out", out(), "--modules-out", modulesOut()], dir);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${lockFile()}: is not a port lock: brokers."1": written twice (JSON keeps only the last; say each key once)`);
      expect(fs.readFileSync(lockFile(), "utf8")).toBe(text);
    }
  });

  it("guards cdktf synth/deploy too (main.ts), with PRIVATELINK_ALLOW_PORT_CHANGE to accept a move, and never rewrites the lock", () => {
    const app = (extra: Record<string, string> = {}) =>
      spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "main.ts")], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PRIVATELINK_CONFIG: file, CDKTF_OUTDIR: path.join(dir, "cdktf"), ...extra },
      });
    expect(app().status).toBe(0);
    expect(fs.existsSync(path.join(dir, "cdktf", "stacks", "orders-provider", "cdk.tf.json"))).toBe(true);
    // no lock existed: main.ts created it (see cdktf-app.test.ts)
    expect(fs.existsSync(path.join(dir, "cluster.ports.lock.json"))).toBe(true);
    synth();
    const lock = fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8");
    rewrite(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } }));
    const refused = app();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("broker 2: 6002 → 7002");
    expect(refused.stderr).toContain("PRIVATELINK_ALLOW_PORT_CHANGE=1");
    expect(app({ PRIVATELINK_ALLOW_PORT_CHANGE: "1" }).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).toBe(lock);
  });

  it("guards cdktf synth/deploy of a copied configuration with the output folder's record, which the main job accepts as its own", () => {
    const cdktfOut = path.join(dir, "cdktf");
    const app = (config: string) =>
      spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "main.ts")], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, PRIVATELINK_CONFIG: config, CDKTF_OUTDIR: cdktfOut },
      });
    expect(app(file).status).toBe(0);
    // cdktf synth created the missing lock; the main job then takes the folder over as its own.
    expect(fs.existsSync(path.join(dir, "cluster.ports.lock.json"))).toBe(true);
    expect(runSynth({ configFile: file, outDir: cdktfOut, modulesOutDir: modulesOut() }).lockCreated).toBe(false);
    const copy = path.join(dir, "copy.yaml");
    fs.writeFileSync(copy, stringify(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } })));
    const refused = app(copy);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`${path.join(cdktfOut, OUTPUT_MARKER)}: this run would change what running clients use:\n  broker 1: 6001 → 7001`);
  });

  it("adds new brokers to the lock and drops removed ones, and says so", () => {
    synth();
    // The client CIDR changes in the same run: a removed broker's rules are the baseline's CIDR's.
    const next = configInput([1, 2, 4]);
    rewrite({ ...next, consumers: [{ ...next.consumers![0], allowedCidrs: ["10.30.0.0/16"] }] });
    const run = cli(["--config", file, "--out", out(), "--modules-out", modulesOut()], dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Port lock: broker 4 added on port 6004");
    expect(run.stdout).toContain("Port lock: broker 3 removed (was port 6003)");
    // The console says what changed, with its level, as REVIEW.md does.
    expect(run.stdout).toContain("What changes since the port lock cluster.ports.lock.json:\n");
    expect(run.stdout).toContain("\n  disruptive: Broker 3 removed (was port 6003, target 10.0.0.13)");
    expect(run.stdout).toContain("\n  disruptive: consumers.analytics.allowedCidrs: removed 10.20.0.0/16");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).brokers).toEqual({ "1": 6001, "2": 6002, "4": 6004 });
    const review = fs.readFileSync(path.join(out(), "REVIEW.md"), "utf8");
    expect(review).toContain('Broker 4 added on port 6004; for it the plan adds: `module.kafka.aws_lb_listener.broker["4"]`');
    expect(review).toContain('`module.kafka.aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:6004"]` (analytics)');
    // A removed broker's rules existed under the baseline: named from the CIDRs the lock recorded, not from this configuration.
    expect(review).toContain('Broker 3 removed (was port 6003); for it the plan destroys: `module.kafka.aws_lb_listener.broker["3"]`');
    expect(review).toContain('`module.kafka.aws_vpc_security_group_ingress_rule.client["10.20.0.0/16:6003"]` (analytics)');
    expect(review).not.toContain('client["10.30.0.0/16:6003"]');
    expect(review).not.toContain("<cidr>");
  });
});

describe("configuration files the main job cannot read, as a process", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-file-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (text: string, name = "cluster.yaml") => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const clusterWith = (extra: string) => stringify(configInput([1])).replace(/^cluster:\n/, `cluster:\n${extra}`);

  it("are refused by the command line with exit status 1, the problems and no stack trace", () => {
    const fifo = path.join(dir, "pipe.yaml");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const files = [write("cluster: &c {name: *c}\n"), fifo, write(clusterWith("  profile: '${TfToken[TOKEN.5]}'\n"), "token.yaml")];
    for (const file of files) {
      const run = spawnSync(
        process.execPath,
        [
          path.join(ROOT, "job", "launch.js"),
          path.join(ROOT, "job", "cli.ts"),
          "--config",
          file,
          "--out",
          path.join(dir, "out"),
          "--modules-out",
          path.join(dir, "modules"),
        ],
        {
          encoding: "utf8",
          timeout: 60_000,
        },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^.*: invalid configuration \(\d+ problems?\)\n( {2}.+\n)+$/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster.yaml", "pipe.yaml", "token.yaml"]);
  }, 60_000);
});
