import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { CommitError, OUTPUT_MARKER, OutputError } from "../job/output/transaction";
import { PortChangeError, PortLockError } from "../port-lock/port-lock";
import { configInput, writeConfigFile } from "./support/configs";
import { itNeeds } from "./support/requirements";
import { snapshotTree } from "./support/tree";

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

describe("main job", () => {
  let dir: string;
  let file: string;
  const out = () => path.join(dir, "out");
  const modulesOut = () => path.join(dir, "modules");
  const synth = (allowPortChange = false) => runSynth({ configFile: file, outDir: out(), modulesOutDir: modulesOut(), allowPortChange });
  const rewrite = (input: unknown) => fs.writeFileSync(file, stringify(input));

  beforeEach(() => ({ dir, file } = writeConfigFile(configInput([1, 2, 3]))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

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

  // An undeletable file in the output: `chattr +i` (root, on a file system with the attribute).
  const immutable = (() => {
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-chattr-"));
    const file = path.join(probe, "f");
    fs.writeFileSync(file, "");
    const set = spawnSync("chattr", ["+i", file], { encoding: "utf8" });
    spawnSync("chattr", ["-i", file]);
    fs.rmSync(probe, { recursive: true, force: true });
    return set.status === 0 ? undefined : `chattr +i failed: ${(set.error?.message ?? set.stderr).trim()}`;
  })();
  itNeeds("an immutable file (chattr +i)", immutable)(
    "reports a run whose outputs were all replaced as done when cleaning up after it fails, releases its locks, and the next run removes what it left",
    () => {
      synth();
      const pinned = path.join(out(), "pinned");
      fs.writeFileSync(pinned, "");
      expect(spawnSync("chattr", ["+i", pinned]).status).toBe(0);
      const setAside = path.join(dir, ".out.old");
      try {
        rewrite(configInput([1, 2, 3], { cluster: { tags: { team: "streaming-2" } } }));
        const result = synth();
        expect(result.leftBehind).toEqual([expect.stringContaining(`${setAside}/pinned`)]);
        const stack = JSON.parse(fs.readFileSync(path.join(out(), "stacks", "orders-provider", "cdk.tf.json"), "utf8"));
        expect(stack.module.kafka.tags).toEqual({ team: "streaming-2" });
        expect(fs.readdirSync(dir).filter((name) => name.endsWith(".lock"))).toEqual([]);
      } finally {
        spawnSync("chattr", ["-i", path.join(setAside, "pinned")]);
        spawnSync("chattr", ["-i", pinned]);
      }
      expect(synth().cleanedUp).toEqual([setAside]);
    },
  );

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

    it("refuses overlapping outputs named through a symbolic link to a parent folder", () => {
      synth();
      fs.symlinkSync(dir, path.join(dir, "link"));
      refused({ modulesOutDir: path.join(dir, "link", "out", "modules") }, "overlaps --modules-out");
      refused({ outDir: path.join(dir, "link", "modules", "out") }, "overlaps --out");
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

    it("removes what a killed run of 0.2 left beside the outputs (its run files), never a live run's or another name", () => {
      synth();
      const ended = "0999999999-0a0b0c0d";
      const live = `${String(process.pid).padStart(10, "0")}-0a0b0c0d`;
      fs.mkdirSync(path.join(dir, `.out.new-${ended}`));
      fs.writeFileSync(path.join(dir, `.out.new-${ended}`, "half"), "");
      fs.writeFileSync(path.join(dir, `.out.claim-${ended}`), "");
      fs.writeFileSync(path.join(dir, `.modules.entering-${ended}`), "");
      fs.writeFileSync(path.join(dir, `.cluster.ports.lock.json.tmp-${ended}`), "");
      fs.writeFileSync(path.join(dir, `.out.claim-${live}`), "");
      fs.writeFileSync(path.join(dir, `.notes.claim-${ended}`), "");
      const result = synth();
      expect(result.cleanedUp.map((f) => path.basename(f)).sort()).toEqual(
        [`.cluster.ports.lock.json.tmp-${ended}`, `.modules.entering-${ended}`, `.out.claim-${ended}`, `.out.new-${ended}`].sort(),
      );
      expect(fs.readdirSync(dir).sort()).toEqual([`.notes.claim-${ended}`, `.out.claim-${live}`, "cluster.ports.lock.json", "cluster.yaml", "modules", "out"]);
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

    it("accepts the lock it writes", () => {
      synth();
      expect(JSON.parse(fs.readFileSync(lockFile(), "utf8"))).toEqual({ ...goodLock, settings: expect.objectContaining({ version: 1 }) });
      expect(synth().changes.moved).toEqual([]);
    });

    it.each([
      [
        "a consumer that is not an object",
        (s: Record<string, Record<string, unknown>>) => (s.consumers.analytics = null),
        'settings.consumers."analytics": must be an object',
      ],
      [
        "a consumer setting that is not a value",
        (s: Record<string, Record<string, unknown>>) => ((s.consumers.analytics as Record<string, unknown>).allowedCidrs = [1]),
        'settings.consumers."analytics"."allowedCidrs": must be a string, number, boolean, null, list of strings or map of strings',
      ],
      [
        "a broker without its port",
        (s: Record<string, Record<string, unknown>>) => (s.brokers["2"] = { target: "10.0.2.12" }),
        'settings.brokers."2": must be an object with a port',
      ],
      [
        "a cluster setting that is not a value",
        (s: Record<string, Record<string, unknown>>) => (s.cluster.tags = { team: 1 }),
        'settings.cluster."tags": must be a string, number, boolean, null, list of strings or map of strings',
      ],
    ])("refuses a lock whose settings hold %s, naming it, and replaces nothing", (_what, damage, problem) => {
      synth();
      const lock = JSON.parse(fs.readFileSync(lockFile(), "utf8"));
      expect(Object.keys(lock.settings.consumers)).toContain("analytics");
      damage(lock.settings);
      const text = JSON.stringify(lock, null, 2);
      fs.writeFileSync(lockFile(), text);
      expect(() => synth(true)).toThrow(PortLockError);
      expect(() => synth(true)).toThrow(problem);
      expect(fs.readFileSync(lockFile(), "utf8")).toBe(text);
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
