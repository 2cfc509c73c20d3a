import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { CommitError, OUTPUT_MARKER, OutputError } from "../job/output/transaction";
import { PortChangeError, PortLockError } from "../port-lock/port-lock";
import { configInput, writeConfigFile } from "./support/configs";
import { snapshotTree } from "./support/tree";

const ROOT = path.join(__dirname, "..");

/** A process's start time as /proc gives it (field 22 of its stat): with the PID, what a lock names. */
const startTime = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
};

/** Writes the lock a run of process `pid` holds (job/output/lock.ts): a symbolic link naming it; 999999999 is no process. */
const lockOf = (file: string, pid: number) => fs.symlinkSync(`${pid} ${pid === 999999999 ? "1" : startTime(pid)} 0a0b0c0d`, file);

/** A folder snapshot less the configuration, which a test rewrites between runs. */
const withoutConfig = ({ ["cluster.yaml"]: _config, ...rest }: Record<string, string>) => rest;

/** Lets a test make one rename fail, as a full disk or a yanked mount would. */
const mockRename: { fail?: (to: string) => boolean } = {};
jest.mock("node:fs", () => {
  const actual = jest.requireActual("node:fs");
  return {
    ...actual,
    renameSync: (from: string, to: string) => {
      if (mockRename.fail?.(to)) throw Object.assign(new Error("EIO: simulated"), { code: "EIO" });
      return actual.renameSync(from, to);
    },
  };
});

function cli(args: string[], cwd: string) {
  const run = spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "job", "cli.ts"), ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: path.join(ROOT, "node_modules") },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("main job", () => {
  let dir: string;
  let file: string;
  const out = () => path.join(dir, "out");
  const modulesOut = () => path.join(dir, "modules");
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

  it("leaves the previous output exactly as it was when a later run is refused", () => {
    synth();
    const before = { out: snapshotTree(out()), modules: snapshotTree(modulesOut()), lock: fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8") };
    rewrite(
      configInput([1, 2], {
        cluster: {
          brokers: [
            { id: 1, target: "10.0.0.11" },
            { id: 2, target: "203.0.113.9" },
          ],
        },
      }),
    );
    expect(() => synth()).toThrow('cluster.brokers[1].target: "203.0.113.9" is not a private address');
    expect(snapshotTree(out())).toEqual(before.out);
    expect(snapshotTree(modulesOut())).toEqual(before.modules);
    expect(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).toBe(before.lock);
  });

  it("exits 2 on an unknown command-line option", () => {
    const run = cli(["--confg", file], dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--confg'");
    expect(run.stderr).toContain("Usage: npm run synth");
  });

  describe("output folders", () => {
    const refused = (options: { outDir?: string; modulesOutDir?: string }, message: string) => {
      const before = snapshotTree(dir);
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        expect(() => runSynth({ configFile: file, outDir: out(), modulesOutDir: modulesOut(), ...options })).toThrow(OutputError);
        expect(() => runSynth({ configFile: file, outDir: out(), modulesOutDir: modulesOut(), ...options })).toThrow(message);
      } finally {
        process.chdir(cwd);
      }
      expect(snapshotTree(dir)).toEqual(before);
    };

    it("refuses to replace the working folder or a folder holding the configuration", () => {
      refused({ outDir: dir }, "contains");
      refused({ outDir: "." }, "the output folder is replaced whole on every run");
      refused({ modulesOutDir: path.dirname(dir) }, "contains");
    });

    it("refuses an existing file, a folder of someone else's, and overlapping outputs", () => {
      fs.writeFileSync(path.join(dir, "README.md"), "mine");
      fs.mkdirSync(path.join(dir, "docs"));
      fs.writeFileSync(path.join(dir, "docs", "notes.txt"), "mine");
      refused({ outDir: path.join(dir, "README.md") }, "exists and is not a folder");
      refused({ outDir: path.join(dir, "docs") }, "is not empty and was not written by this tool");
      refused({ modulesOutDir: path.join(out(), "modules") }, "overlaps --modules-out");
    });

    it("replaces its own output and an empty folder", () => {
      fs.mkdirSync(out());
      synth();
      fs.writeFileSync(path.join(out(), "stale.txt"), "from an older run");
      synth();
      expect(fs.existsSync(path.join(out(), "stale.txt"))).toBe(false);
      expect(fs.existsSync(path.join(out(), OUTPUT_MARKER))).toBe(true);
    });

    it("refuses a folder another live run is writing, and removes what a killed run left", () => {
      const live = path.join(dir, ".out.lock");
      lockOf(live, process.ppid);
      expect(() => synth()).toThrow(`is being written by another run (${live}, held by process ${process.ppid})`);
      expect(fs.readdirSync(dir).sort()).toEqual([".out.lock", "cluster.yaml"]);
      fs.rmSync(live);
      // Process 999999999 cannot exist (above any pid_max): a killed run's locks (one killed while
      // taking over another's) and its staged outputs.
      lockOf(path.join(dir, ".out.lock"), 999999999);
      lockOf(path.join(dir, ".modules.lock"), 999999999);
      lockOf(path.join(dir, ".modules.lock.break"), 999999999);
      // Killed as it released the lock it took over another run's with: the run that takes the lock removes it.
      lockOf(path.join(dir, ".cluster.ports.lock.json.lock.break"), 999999999);
      fs.writeFileSync(path.join(dir, ".cluster.ports.lock.json.new"), "");
      fs.mkdirSync(path.join(dir, ".out.new"));
      fs.writeFileSync(path.join(dir, ".out.new", "half"), "");
      fs.mkdirSync(path.join(dir, ".modules.new", "kafka-broker-ports"), { recursive: true });
      const result = synth();
      expect(fs.readdirSync(dir).sort()).toEqual(["cluster.ports.lock.json", "cluster.yaml", "modules", "out"]);
      expect(result.cleanedUp.map((f) => path.basename(f)).sort()).toEqual([".cluster.ports.lock.json.new", ".modules.new", ".out.new"]);
    });

    it("takes over a lock whose process has ended though its PID runs another process now, and never one it did not write", () => {
      // The jest parent's PID with another start time: the lock's process ended and the PID was reused.
      fs.symlinkSync(`${process.ppid} 1 00ff`, path.join(dir, ".out.lock"));
      // This process's PID, another run's nonce: that run ended, and its PID is ours now.
      fs.symlinkSync(`${process.pid} ${startTime(process.pid)} 00ff`, path.join(dir, ".modules.lock"));
      synth();
      expect(fs.readdirSync(dir).sort()).toEqual(["cluster.ports.lock.json", "cluster.yaml", "modules", "out"]);
      // A file (not a link) where a lock goes: never taken for a lock of a run that ended.
      fs.writeFileSync(path.join(dir, ".out.lock"), "mine");
      expect(() => synth()).toThrow(`is being written by another run (${path.join(dir, ".out.lock")}, not a lock this tool wrote)`);
      expect(fs.readFileSync(path.join(dir, ".out.lock"), "utf8")).toBe("mine");
    });

    it("creates no folder when a run is refused while locking its outputs", () => {
      lockOf(path.join(dir, ".modules.lock"), process.ppid);
      expect(() => runSynth({ configFile: file, outDir: path.join(dir, "new", "deep", "out"), modulesOutDir: modulesOut() })).toThrow(
        "is being written by another run",
      );
      expect(fs.readdirSync(dir).sort()).toEqual([".modules.lock", "cluster.yaml"]);
    });

    it("refuses a folder of another cdktf project: manifest, stacks, state and user files stay", () => {
      fs.mkdirSync(path.join(out(), "stacks", "app"), { recursive: true });
      fs.writeFileSync(path.join(out(), "manifest.json"), JSON.stringify({ version: "0.21.0", stacks: { app: {} } }));
      fs.writeFileSync(path.join(out(), "stacks", "app", "cdk.tf.json"), "{}");
      fs.writeFileSync(path.join(out(), "terraform.app.tfstate"), "{}");
      fs.writeFileSync(path.join(out(), "notes.md"), "mine");
      refused({}, "is not empty and was not written by this tool");
    });

    it("refuses a symbolic link as an output", () => {
      fs.mkdirSync(path.join(dir, "real"));
      fs.symlinkSync(path.join(dir, "real"), out());
      refused({}, "is a symbolic link");
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

    it("says exactly what it replaced when moving the outputs into place fails, and the next run completes it", () => {
      synth();
      const before = { out: snapshotTree(out()), modules: snapshotTree(modulesOut()) };
      rewrite(configInput([1, 2, 3, 4]));
      // The lock goes first (one rename), then the files of --modules-out, then --out (set aside,
      // new one in): fail placing the new --out.
      let failed = false;
      mockRename.fail = (to) => !failed && to === out() && (failed = true);
      let error: unknown;
      try {
        synth();
      } catch (err) {
        error = err;
      } finally {
        mockRename.fail = undefined;
      }
      expect(error).toBeInstanceOf(CommitError);
      expect((error as Error).message).toContain(
        `EIO: simulated\nReplaced: port lock (${path.join(dir, "cluster.ports.lock.json")}), --modules-out (${modulesOut()}). Not replaced: --out (${out()}).`,
      );
      expect(JSON.parse(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).brokers).toEqual({ "1": 6001, "2": 6002, "3": 6003, "4": 6004 });
      expect(snapshotTree(out())).toEqual(before.out);
      expect(snapshotTree(modulesOut())).toEqual(before.modules);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
      synth();
      expect(fs.readFileSync(path.join(out(), "REVIEW.md"), "utf8")).toContain("| 4 | 6004 |");
    });
  });

  describe("port lock", () => {
    it("refuses a run that moves locked ports, listing every broker that would move, and writes nothing", () => {
      synth();
      const before = snapshotTree(dir);
      rewrite(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } }));
      let error: unknown;
      try {
        synth();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PortChangeError);
      const message = (error as Error).message;
      expect(message).toContain("broker 1: 6001 → 7001");
      expect(message).toContain("broker 2: 6002 → 7002");
      expect(message).toContain("broker 3: 6003 → 7003");
      expect(message).toContain("--allow-port-change");
      expect(withoutConfig(snapshotTree(dir))).toEqual(withoutConfig(before));
    });

    it("accepts the move with --allow-port-change, updates the lock and shows every port in REVIEW.md", () => {
      synth();
      rewrite(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000, bootstrapPort: 9092 } }));
      const result = synth(true);
      expect(result.changes.moved.map((m) => `${m.broker}:${m.from}→${m.to}`)).toEqual(["1:6001→7001", "2:6002→7002", "3:6003→7003"]);
      expect(result.changes.bootstrapMoved).toEqual({ from: 9091, to: 9092 });
      expect(JSON.parse(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).brokers).toEqual({ "1": 7001, "2": 7002, "3": 7003 });
      const review = fs.readFileSync(path.join(out(), "REVIEW.md"), "utf8");
      for (const id of [1, 2, 3]) expect(review).toContain(`| ${id} | ${7000 + id} | \`10.0.0.${10 + id}\` |`);
      expect(review).toContain("**Broker 2 port moved** 6002 → 7002");
      expect(review).toContain("**Bootstrap port moved** 9091 → 9092");
    });

    it("refuses renaming the cluster or changing the advertised hostname the same way", () => {
      synth();
      rewrite(configInput([1, 2, 3], { cluster: { name: "orders2", advertisedHostname: "o.kafka.example.internal" } }));
      expect(() => synth()).toThrow(PortChangeError);
      expect(() => synth()).toThrow(
        /cluster: orders → orders2 \(replaces the NLB and the endpoint service[^\n]*\n {2}advertised hostname: orders.kafka.example.internal → o.kafka.example.internal/,
      );
      expect(synth(true).changes.clusterRenamed).toEqual({ from: "orders", to: "orders2" });
    });

    const lockFile = () => path.join(dir, "cluster.ports.lock.json");
    const goodLock = {
      cluster: "orders",
      advertisedHostname: "orders.kafka.example.internal",
      bootstrapPort: 9091,
      brokers: { "1": 6001, "2": 6002, "3": 6003 },
    };
    it.each([
      [
        "a broker ID with a leading zero",
        '{"cluster":"orders","advertisedHostname":"orders.kafka.example.internal","bootstrapPort":9091,"brokers":{"01":6001}}',
        'brokers."01": not a broker ID',
      ],
      ["no brokers", JSON.stringify({ ...goodLock, brokers: {} }), "brokers: 0 given; a cluster has 1-49 brokers"],
      ["a __proto__ key", `{"__proto__":{"x":1},${JSON.stringify(goodLock).slice(1)}`, '"__proto__": unknown field'],
      ["a __proto__ broker", JSON.stringify(goodLock).replace('"1":6001', '"__proto__":6001'), 'brokers."__proto__": not a broker ID'],
      ["no advertised hostname", JSON.stringify({ ...goodLock, advertisedHostname: undefined }), "advertisedHostname: missing"],
      ["a port given as a string", JSON.stringify({ ...goodLock, brokers: { "1": "6001" } }), 'brokers."1": "6001" must be an integer port 1024-65535'],
      ["a port out of range", JSON.stringify({ ...goodLock, brokers: { "1": 70000 } }), 'brokers."1": 70000 must be an integer port 1024-65535'],
      ["two brokers on one port", JSON.stringify({ ...goodLock, brokers: { "1": 6001, "2": 6001 } }), "port 6001 is also broker 1's"],
      ["a broker on the bootstrap port", JSON.stringify({ ...goodLock, brokers: { "1": 9091 } }), 'brokers."1": port 9091 is the bootstrap port'],
      ["brokers as a list", JSON.stringify({ ...goodLock, brokers: [6001] }), "brokers: [6001] must be an object of broker ID → port"],
      ["an unknown field", JSON.stringify({ ...goodLock, ports: {} }), '"ports": unknown field'],
      ["a list", "[]", "(top level): must be an object"],
      ["not JSON", "{ not json", "is not valid JSON"],
    ])("refuses a lock with %s, naming the problem, and replaces nothing", (_what, text, problem) => {
      fs.writeFileSync(lockFile(), text);
      let error: unknown;
      try {
        synth(true);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(PortLockError);
      expect((error as Error).message).toContain(`${lockFile()}: `);
      expect((error as Error).message).toContain(problem);
      expect(fs.readFileSync(lockFile(), "utf8")).toBe(text);
      expect(fs.readdirSync(dir).sort()).toEqual(["cluster.ports.lock.json", "cluster.yaml"]);
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

    it("accepts the lock it writes", () => {
      synth();
      expect(JSON.parse(fs.readFileSync(lockFile(), "utf8"))).toEqual({ ...goodLock, settings: expect.objectContaining({ version: 1 }) });
      expect(synth().changes.moved).toEqual([]);
    });

    it("holds a locked port however the configuration is copied, moved or linked", () => {
      synth();
      const moved = configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } });
      const elsewhere = path.join(dir, "elsewhere");
      fs.mkdirSync(elsewhere);
      // Copied (or moved: the same to the job) with its ports edited, into the same output folders.
      const copy = path.join(elsewhere, "copy.yaml");
      fs.writeFileSync(copy, stringify(moved));
      const runCopy = (allow = false) => runSynth({ configFile: copy, outDir: out(), modulesOutDir: modulesOut(), allowPortChange: allow });
      expect(runCopy).toThrow(`${path.join(out(), OUTPUT_MARKER)}: this run would change what running clients use:\n  broker 1: 6001 → 7001`);
      expect(fs.readdirSync(elsewhere)).toEqual(["copy.yaml"]);
      // Linked: the link finds the lock beside the file it links to.
      rewrite(moved);
      const link = path.join(elsewhere, "link.yaml");
      fs.symlinkSync(file, link);
      expect(() => runSynth({ configFile: link, outDir: path.join(dir, "out2"), modulesOutDir: path.join(dir, "modules2") })).toThrow(
        `${path.join(dir, "cluster.ports.lock.json")}: this run would change what running clients use:\n  broker 1: 6001 → 7001`,
      );
      expect(fs.readdirSync(elsewhere).sort()).toEqual(["copy.yaml", "link.yaml"]);
      // Allowed, the copy gets a lock of its own, recording the move.
      expect(runCopy(true).changes.moved).toHaveLength(3);
      expect(JSON.parse(fs.readFileSync(path.join(elsewhere, "copy.ports.lock.json"), "utf8")).brokers).toEqual({ "1": 7001, "2": 7002, "3": 7003 });
    });

    it("does not hold a new cluster to the ports of another cluster's output folder", () => {
      synth();
      const other = path.join(dir, "other.yaml");
      fs.writeFileSync(other, stringify(configInput([1, 2], { cluster: { name: "payments", brokerPortBase: 7000 } })));
      const result = runSynth({ configFile: other, outDir: out(), modulesOutDir: modulesOut() });
      expect(result.changes.hadLock).toBe(false);
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

    it("after a kill between replacing the lock and the folders, the next plain run rebuilds the folders from the lock", () => {
      synth();
      rewrite(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } }));
      const accepted = fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8").replace(/(: )60(\d\d)\b/g, "$170$2");
      // What such a run (process 999999999) leaves: the new lock, --out set aside, its new --out staged, its locks.
      fs.writeFileSync(path.join(dir, "cluster.ports.lock.json"), accepted);
      fs.renameSync(out(), path.join(dir, ".out.old"));
      fs.mkdirSync(path.join(dir, ".out.new"));
      for (const lock of [".out.lock", ".modules.lock", ".cluster.ports.lock.json.lock"]) lockOf(path.join(dir, lock), 999999999);
      const result = synth();
      expect(result.changes.moved).toEqual([]);
      expect(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).toBe(accepted);
      expect(fs.readFileSync(path.join(out(), "REVIEW.md"), "utf8")).toContain("| 2 | 7002 |");
      expect(fs.readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
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
});

describe("REVIEW.md", () => {
  it("is a reviewer's page: cluster, hostname, bootstrap, broker table, consumers", () => {
    const { dir, file } = writeConfigFile(configInput([1, 2, 5]));
    try {
      const result = runSynth({ configFile: file, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
      const review = fs.readFileSync(path.join(result.outDir, "REVIEW.md"), "utf8");
      expect(review).toContain("# Review: Kafka PrivateLink for `orders`");
      expect(review).toContain("| Advertised hostname | `orders.kafka.example.internal` |");
      expect(review).toContain("| Bootstrap address | `orders.kafka.example.internal:9091` → every broker |");
      expect(review).toContain("| 5 | 6005 | `10.0.0.15` | `PRIVATELINK://orders.kafka.example.internal:6005` |");
      expect(review).toContain("| analytics | `orders-consumer-analytics` | us-east-1 | `vpc-0f1e2d3c4b5a69788` | `10.20.0.0/16` | from `orders-provider` |");
      expect(review).toContain("No port lock to compare with");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
