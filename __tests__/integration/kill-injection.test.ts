/**
 * The main job under strace (issue 14): killed at the file-system calls it makes on its outputs and
 * lock, then run again plainly; and two jobs at once, one paused at each step of locking and
 * replacing. After every case the stacks, the modules (their examples), REVIEW.md, the folders'
 * records and the lock must agree with each other and with the configuration, and nothing but the
 * outputs may remain. The case starts with a lock a killed run left on the port lock, so every run
 * also takes over a dead owner's lock (job/output/lock.ts).
 *
 * A run that moves ports makes about 365 such calls (≈ 105 openat, 35 unlink, 75 rmdir, 100 mkdir,
 * 25 rename, 5 symlink; the modules are written twice, beside the stacks and to --modules-out).
 * Each kill point is one call on one path: strace counts only the calls on that path (`-P`), so
 * the signal meets exactly the call it is meant for. Counting every call of the syscall, as before,
 * counted the runtime's calls on other paths too, whose number under load was not always the dry
 * run's: a point then met a neighbouring call, which the test tolerated (3 %). Every point is
 * checked in strace's log, with no tolerance.
 *
 * Which points: every call on a name beside the outputs (the locks, the staged `.<name>.new`,
 * `.out.old`, the renames of the port lock and of --out), which are the steps that decide what a
 * killed run leaves; and inside each folder (a staged one, --out set aside, --modules-out) the first
 * and the last call of each kind: the calls in between do the same to the same folder, which the
 * next run removes whole or, for --modules-out, completes from its record. SIGKILL at each of them,
 * SIGINT and SIGTERM at each of their renames. KILL_TEST_FULL=1 takes every call instead (and every
 * rename for SIGINT and SIGTERM, every call beside the outputs for the second test).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../../job/job";
import { OUTPUT_MARKER } from "../../job/output/transaction";
import { PortChangeError } from "../../port-lock/port-lock";
import { brokerPort } from "../../modules/kafka-broker-ports/allocation";
import { PROVIDER_MODULE } from "../../modules/kafka-privatelink-provider/rules";
import { moduleCalls } from "../../stacks/synthesized/module-calls";
import { configInput } from "../support/configs";
import { itNeeds } from "../support/requirements";
import { TfJson } from "../../modules/packaging/terraform-json";

/** Per test: a bound for a hung run (see the tests), not a speed target. */
const KILL_TEST_BOUND_MS = 600_000;
const ROOT = path.join(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "job", "launch.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundlePathFor } = require(LAUNCHER) as { bundlePathFor: (entry: string) => string };
/** The calls the issue names, and `symlink` (a lock); `link` is among them though the job makes none (0 kill points). */
const SYSCALLS = ["rename", "unlink", "rmdir", "mkdir", "link", "symlink", "openat"];
const FULL = process.env.KILL_TEST_FULL === "1";
/** Cases run at once: each is mostly a child process waiting on its own strace. */
const POOL = 3;

const STRACE_MISSING = (() => {
  const probe = spawnSync("strace", ["-f", "-qq", "-o", "/dev/null", "true"], { encoding: "utf8" });
  if (probe.error) return `strace is not installed (${probe.error.message}); apt-get install strace`;
  if (probe.status !== 0) return `strace cannot trace here: ${probe.stderr.trim()}`;
  return undefined;
})();

/** The run that moves ports: brokers 1, 2, 3 on 6000+ are locked; the configuration now says 1, 2, 4 on 7000+. */
const BEFORE: Record<string, number> = { "1": 6001, "2": 6002, "3": 6003 };
const AFTER: Record<string, number> = { "1": 7001, "2": 7002, "4": 7004 };

interface Call {
  readonly syscall: string;
  /** The path strace is told to watch (`-P`, relative to the case): the call's first path argument in the case folder. */
  readonly path: string;
  /** Which call of this syscall on that path it is (`when=` of `-P`: strace counts only the calls on it). */
  readonly n: number;
  readonly line: string;
  /** The call as any run makes it: `line` without PID, result and lock owners. */
  readonly key: string;
}

/** A traced call, made comparable between runs (and case folders). */
const callKey = (line: string, dir: string) =>
  line
    .replaceAll(dir, "<case>")
    .replace(/^\d+\s+/, "")
    .replace(/\)?\s*(<unfinished \.\.\.>|= .*)$/, "")
    .replace(/"\d+ (\d+|-) [0-9a-f]+"/g, '"<owner>"');

/** The quoted arguments of a line of strace's log. */
const quoted = (line: string) => [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

/** strace's arguments that deliver `signal` as the job makes `call` in the case `dir` (and trace only calls like it). */
const injecting = (call: Call, dir: string, signal: string) => [
  "-e",
  `trace=${call.syscall}`,
  "-P",
  path.join(dir, call.path),
  "-e",
  `inject=${call.syscall}:signal=${signal}:when=${call.n}`,
];

interface Exit {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
}

function exited(child: ChildProcess): Promise<Exit> {
  let stderr = "";
  child.stderr?.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (status, signal) => resolve({ status, signal, stderr })));
}

/** The PID of strace's tracee once strace reports it stopped by the injected SIGSTOP; undefined if it ended first. */
function stoppedTracee(tracer: ChildProcess): Promise<number | undefined> {
  return new Promise((resolve) => {
    let seen = "";
    tracer.stderr!.on("data", (d) => {
      seen += d;
      if (seen.includes("--- stopped by SIGSTOP ---")) resolve(Number(fs.readFileSync(`/proc/${tracer.pid}/task/${tracer.pid}/children`, "utf8")));
    });
    tracer.on("close", () => resolve(undefined));
  });
}

async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const describeIds = (brokers: Record<string, number>) =>
  Object.entries(brokers)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([id, port]) => `${id}:${port}`)
    .join(",");

/**
 * The broker ports a module call asks for: a consumer's in its `connection` object, the other
 * modules' as broker IDs and a port base (the port rule's TypeScript home turns those into ports).
 * Undefined when they are another module's output, which the call does not record.
 */
function askedPorts(inputs: TfJson): Record<string, number> | undefined {
  if (inputs.connection !== undefined) return typeof inputs.connection === "string" ? undefined : inputs.connection.broker_ports;
  const ids: string[] = inputs.broker_ids?.map(String) ?? Object.keys(inputs.brokers);
  return Object.fromEntries(ids.map((id) => [id, brokerPort(Number(id), inputs.broker_port_base)]));
}

/**
 * Every place the outputs record the broker ports, each as `id:port,...`: what each stack's and
 * each example's module call asks for (the thin stacks hold nothing else; the module files are the
 * same for every configuration).
 */
function recordedPorts(dir: string): Record<string, string> {
  const read = (...p: string[]) => fs.readFileSync(path.join(dir, ...p), "utf8");
  const json = (...p: string[]) => JSON.parse(read(...p));
  const seen: Record<string, string> = {
    lock: describeIds(json("cluster.ports.lock.json").brokers),
    "out record": describeIds(json("out", OUTPUT_MARKER).builtFrom.brokers),
  };
  const calls = (where: string, doc: TfJson) => {
    for (const call of moduleCalls(doc)) {
      const ports = askedPorts(call.inputs);
      if (ports) seen[`${where} module.${call.name} (${call.module})`] = describeIds(ports);
    }
  };
  for (const stack of fs.readdirSync(path.join(dir, "out", "stacks"))) calls(`${stack}`, json("out", "stacks", stack, "cdk.tf.json"));
  // The cluster's own examples beside its stacks (HCL; the published folders' examples hold sample values).
  for (const module of fs.readdirSync(path.join(dir, "out", "examples"))) {
    for (const example of fs.readdirSync(path.join(dir, "out", "examples", module))) {
      const text = read("out", "examples", module, example, "main.tf");
      const ports = [...text.matchAll(/"(\d+)"\s+=\s+(\d+)/g)].map((m) => [m[1], Number(m[2])] as const);
      if (ports.length > 0) seen[`out/examples/${module}/${example}`] = describeIds(Object.fromEntries(ports));
    }
  }
  seen["REVIEW.md"] = describeIds(Object.fromEntries([...read("out", "REVIEW.md").matchAll(/^\| (\d+) \| (\d+) \| `/gm)].map((m) => [m[1], Number(m[2])])));
  return seen;
}

/** What `recordedPorts` must find when everything agrees with `brokers`. */
function consistentWith(brokers: Record<string, number>, like: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, describeIds(brokers)]));
}

/** Every file below `dir`, relative: the exact set a case must end with. */
function files(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).sort();
}

describe("the main job under kills and concurrent runs (strace)", () => {
  let work: string;
  let bundle: string;
  let template: string;
  let expectedAfter: string[];
  let expectedBefore: string[];
  let cases = 0;

  const caseDir = () => path.join(work, `case-${String(cases++).padStart(4, "0")}`);
  // V8 single-threaded: its helper threads' own file reads (/proc/sys/vm/overcommit_memory) would
  // otherwise shift strace's count of calls from run to run.
  const jobArgs = (dir: string, allow: boolean) => [
    "--single-threaded",
    bundle,
    "--config",
    path.join(dir, "cluster.yaml"),
    "--out",
    path.join(dir, "out"),
    "--modules-out",
    path.join(dir, "modules"),
    ...(allow ? ["--allow-port-change"] : []),
  ];
  // Temp files go to the case's own tmp/, which must end empty.
  const jobEnv = (dir: string) => ({ ...process.env, NODE_PATH: path.join(ROOT, "node_modules"), TMPDIR: path.join(dir, "tmp") });
  const startCase = () => {
    const dir = caseDir();
    fs.cpSync(template, dir, { recursive: true, verbatimSymlinks: true });
    return dir;
  };

  /** The job's traced calls on the case folder, in the order a plain run with --allow-port-change makes them. */
  function tracedCalls(): Call[] {
    const dir = startCase();
    const log = `${dir}.strace`;
    const run = spawnSync("strace", ["-f", "-qq", "-e", `trace=${[...SYSCALLS, "readlink"].join(",")}`, "-o", log, process.execPath, ...jobArgs(dir, true)], {
      cwd: dir,
      env: jobEnv(dir),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    const lines = fs.readFileSync(log, "utf8").split("\n");
    const main = lines[0].split(/\s+/)[0];
    const counts = new Map<string, number>();
    const calls: Call[] = [];
    for (const line of lines) {
      const call = /^(\d+)\s+([a-z0-9_]+)\(/.exec(line);
      if (!call || call[1] !== main) continue;
      const paths = quoted(line).filter((arg) => arg.startsWith(`${dir}/`));
      if (paths.length === 0) continue;
      // strace's `-P` matches a call naming the path in any argument (a rename, either side).
      for (const p of new Set(paths)) counts.set(`${call[2]} ${p}`, (counts.get(`${call[2]} ${p}`) ?? 0) + 1);
      calls.push({
        syscall: call[2],
        path: path.relative(dir, paths[0]),
        n: counts.get(`${call[2]} ${paths[0]}`)!,
        line: line.replaceAll(dir, "<case>"),
        key: callKey(line, dir),
      });
    }
    return calls;
  }

  /** A call on a name beside the outputs (not inside one of the folders): a step another run, or the next one, can tell apart. */
  const isBeside = (c: Call) => quoted(c.line).some((arg) => path.dirname(arg) === "<case>");

  /** The kill points of the default sweep: every call beside the outputs; inside each folder, the first and the last call of each kind. */
  function sample(calls: readonly Call[]): Call[] {
    if (FULL) return [...calls];
    const kinds = new Map<string, Call[]>();
    for (const c of calls.filter((x) => !isBeside(x))) {
      const kind = c.key.replace(/(<case>\/[^/"]+)\/[^"]*/g, "$1/…");
      kinds.set(kind, [...(kinds.get(kind) ?? []), c]);
    }
    const ends = new Set([...kinds.values()].flatMap((list) => [list[0], list.at(-1)!]));
    return calls.filter((c) => isBeside(c) || ends.has(c));
  }

  beforeAll(() => {
    if (STRACE_MISSING) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-kill-"));
    // Precompiled once, as `npm run synth` runs it (job/launch.js: the bundle keeps its rendered
    // modules), and copied here so that no other test's rebuild swaps it mid-run. Each case starts
    // the bundle itself, so that strace sees the job's calls and not the launcher's checks.
    const entry = path.join(ROOT, "job", "cli.ts");
    const built = spawnSync(process.execPath, [LAUNCHER, entry, "--help"], { encoding: "utf8" });
    if (built.status !== 0) throw new Error(`the launcher could not build ${entry}: ${built.stderr}`);
    bundle = path.join(work, "synth.cjs");
    fs.copyFileSync(bundlePathFor(entry), bundle);
    template = path.join(work, "template");
    fs.mkdirSync(path.join(template, "tmp"), { recursive: true });
    const config = path.join(template, "cluster.yaml");
    fs.writeFileSync(config, stringify(configInput([1, 2, 3])));
    runSynth({ configFile: config, outDir: path.join(template, "out"), modulesOutDir: path.join(template, "modules") });
    expectedBefore = files(template);
    // A killed run's lock (process 999999999 cannot exist), on the output every run locks first.
    fs.symlinkSync("999999999 1 00ff", path.join(template, ".cluster.ports.lock.json.lock"));
    fs.writeFileSync(config, stringify(configInput([1, 2, 4], { cluster: { brokerPortBase: 7000 } })));
    const reference = startCase();
    expect(spawnSync(process.execPath, jobArgs(reference, true), { cwd: reference, env: jobEnv(reference) }).status).toBe(0);
    expectedAfter = files(reference);
  }, 60_000);

  /** Runs stopped by a case that did not finish (a failed or timed-out test), by their strace. */
  const stopped = new Map<number, ChildProcess>();
  afterAll(() => {
    // Still traced by their strace (which has not exited), so the PID is still theirs.
    for (const [job, tracer] of stopped) if (tracer.exitCode === null && tracer.signalCode === null) process.kill(job, "SIGKILL");
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** Problems with a case's end state: outputs that disagree, or anything left over. */
  function endStateProblems(dir: string, brokers: Record<string, number>, expectedFiles: string[]): string[] {
    const problems: string[] = [];
    try {
      const seen = recordedPorts(dir);
      if (!Object.keys(seen).some((k) => !k.includes("/examples/") && k.endsWith(`(${PROVIDER_MODULE})`))) problems.push("no stack calls the provider module");
      const want = consistentWith(brokers, seen);
      for (const [where, ports] of Object.entries(seen)) if (ports !== want[where]) problems.push(`${where}: ${ports}, expected ${want[where]}`);
    } catch (err) {
      problems.push(`outputs incomplete: ${(err as Error).message}`);
    }
    // The stacks call the module folders beside them: the published ones, byte for byte.
    try {
      const published = files(path.join(dir, "modules")).filter((f) => f !== OUTPUT_MARKER);
      const called = files(path.join(dir, "out", "modules"));
      const differ = [...new Set([...published, ...called])].filter((f) => {
        const [a, b] = [path.join(dir, "modules", f), path.join(dir, "out", "modules", f)];
        if (!fs.existsSync(a) || !fs.existsSync(b)) return true;
        return fs.statSync(a).isFile() && !fs.readFileSync(a).equals(fs.readFileSync(b));
      });
      if (differ.length > 0) problems.push(`out/modules differs from the published modules: ${differ.join(", ")}`);
    } catch (err) {
      problems.push(`module folders incomplete: ${(err as Error).message}`);
    }
    const left = files(dir);
    const extra = left.filter((f) => !expectedFiles.includes(f));
    const missing = expectedFiles.filter((f) => !left.includes(f));
    if (extra.length > 0) problems.push(`left behind: ${extra.join(", ")}`);
    if (missing.length > 0) problems.push(`missing: ${missing.join(", ")}`);
    return problems;
  }

  itNeeds("strace", STRACE_MISSING)(
    "after a kill (SIGKILL, SIGINT, SIGTERM) at any call on the outputs or the lock, a plain rerun leaves them consistent with the configuration, or refuses naming --allow-port-change with the previous ones intact",
    async () => {
      const calls = tracedCalls();
      // A run that replaces existing outputs touches them about 365 times here (writes, renames, deletions).
      expect(calls.length).toBeGreaterThan(100);
      // A read changes nothing: a kill there is the kill at the call before it.
      const changes = calls.filter((c) => c.syscall !== "readlink");
      const points = sample(changes);
      const failures: string[] = [];
      let refused = 0;
      // SIGKILL at every point; Ctrl-C (SIGINT) and SIGTERM, which the job does not handle either, at every rename.
      const kills = [
        ...points.map((call) => ({ call, signal: "KILL" })),
        ...points.filter((c) => c.syscall === "rename").flatMap((call) => ["INT", "TERM"].map((signal) => ({ call, signal }))),
      ];
      await pool(kills, async ({ call, signal }) => {
        const at = `SIG${signal} at ${call.syscall} #${call.n} on ${call.path}: ${call.line}`;
        // The signal meets the call as it is made (SIGKILL before it takes effect; SIGINT and SIGTERM
        // as it returns). strace's log, which holds only the calls on that path, must end with that
        // call, the n-th, and the signal.
        const dir = startCase();
        const log = `${dir}.strace`;
        const killed = await exited(
          spawn("strace", ["-f", "-qq", ...injecting(call, dir, signal), "-o", log, process.execPath, ...jobArgs(dir, true)], { cwd: dir, env: jobEnv(dir) }),
        );
        const traced = fs.readFileSync(log, "utf8");
        // Other threads' calls, in flight when the process dies, are logged too: the main thread's are the first PID's.
        const lines = traced.split("\n").filter((l) => /^\d+\s+[a-z0-9_]+\(/.test(l));
        const mine = lines.filter((l) => l.split(/\s/)[0] === lines[0]?.split(/\s/)[0]);
        if (
          killed.signal !== `SIG${signal}` ||
          !traced.includes(`killed by SIG${signal}`) ||
          mine.length !== call.n ||
          callKey(mine.at(-1)!, dir) !== call.key
        ) {
          failures.push(
            `${at}: not met exactly: ${killed.signal ?? killed.status} after ${mine.length} call(s) on the path, the last ${mine.at(-1) && callKey(mine.at(-1)!, dir)}`,
          );
          return;
        }
        let brokers = AFTER;
        let expectedFiles = expectedAfter;
        try {
          runSynth({ configFile: path.join(dir, "cluster.yaml"), outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
        } catch (err) {
          // Killed before the new lock was in place: the move was never accepted, and the plain run says how to accept it.
          if (!(err instanceof PortChangeError) || !err.message.includes("run again with --allow-port-change")) {
            failures.push(`${at}: rerun failed: ${(err as Error).message}`);
            return;
          }
          refused++;
          brokers = BEFORE;
          expectedFiles = expectedBefore;
        }
        failures.push(...endStateProblems(dir, brokers, expectedFiles).map((p) => `${at}: ${p}`));
        if (fs.readdirSync(path.join(dir, "tmp")).length > 0) failures.push(`${at}: temp files left: ${fs.readdirSync(path.join(dir, "tmp"))}`);
        fs.rmSync(dir, { recursive: true, force: true });
      });
      expect(failures).toEqual([]);
      // Every kind of step is taken: the locks (and the takeover of the killed run's), staging, the commit's renames, removals.
      expect(new Set(points.map((c) => c.syscall))).toEqual(new Set(SYSCALLS.filter((c) => c !== "link")));
      console.log(
        `${kills.length} kill points (${points.length} of the ${changes.length} calls), each met exactly${FULL ? "" : "; KILL_TEST_FULL=1 takes every call"}`,
      );
      // Both outcomes occur: kills before the lock is replaced, and after.
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThan(kills.length);
    },
    // A bound for a hung run, not a speed target: beside the other jest worker's emulator and
    // Terraform tests on 2 cores, each test here has taken up to 300 s.
    KILL_TEST_BOUND_MS,
  );

  itNeeds("strace", STRACE_MISSING)(
    "of two runs at once, exactly one proceeds whenever they overlap, one stopped at any step of locking or replacing",
    async () => {
      const calls = tracedCalls();
      // The steps on the names beside the outputs (locks, staging, renames, deletions); calls inside
      // a staged folder are the same step as far as another run can tell. With them, each reading of
      // a lock (readlink): run A stopped between reading a lock and acting on what it read, as when
      // two runs find the same lock of a killed run.
      const beside = calls.filter(isBeside);
      // The steps another run can tell apart: creating, renaming and removing names beside the
      // outputs, and reading a lock. KILL_TEST_FULL=1 stops run A at every call beside the outputs
      // instead (its reads of them too).
      const steps = FULL ? beside : beside.filter((c) => c.syscall !== "openat" || c.line.includes("O_CREAT"));
      expect(steps.length).toBeGreaterThan(10);
      expect(steps.some((c) => c.syscall === "readlink")).toBe(true);
      const failures: string[] = [];
      let overlaps = 0;
      await pool(steps, async (call) => {
        const dir = startCase();
        const at = `${call.syscall} #${call.n} on ${call.path}: ${call.line}`;
        // Run A is stopped (SIGSTOP) right after the call; run B runs from start to end meanwhile; then A goes on.
        const tracer = spawn("strace", ["-f", "-qq", ...injecting(call, dir, "STOP"), process.execPath, ...jobArgs(dir, true)], {
          cwd: dir,
          env: jobEnv(dir),
          stdio: ["ignore", "ignore", "pipe"],
        });
        const a = exited(tracer);
        const job = await stoppedTracee(tracer);
        if (job !== undefined) stopped.set(job, tracer);
        if (job === undefined) {
          failures.push(`${at}: run A was never stopped there`);
          return;
        }
        // The locks A holds while stopped: from its first to the release of its last, B must give way.
        // Holding only a `.break` (taking over the killed run's lock), A has written nothing: B
        // gives way or runs first, and either way the two do not interleave.
        const held = fs.readdirSync(dir).filter((f) => /^\..*\.lock(\.break)*$/.test(f) && fs.readlinkSync(path.join(dir, f)).startsWith(`${job} `));
        const overlapping = held.some((f) => f.endsWith(".lock"));
        const breaking = !overlapping && held.length > 0;
        if (overlapping) overlaps++;
        const b = await exited(spawn(process.execPath, jobArgs(dir, true), { cwd: dir, env: jobEnv(dir) }));
        // A SIGCONT that arrives while strace is still delivering the injected SIGSTOP (B can end
        // that fast under load) is undone by it: continue A until it has ended.
        const resume = setInterval(() => {
          try {
            process.kill(job, "SIGCONT");
          } catch {
            // Ended; strace is reporting it.
          }
        }, 1_000);
        process.kill(job, "SIGCONT");
        const results = [await a.finally(() => clearInterval(resume)), b];
        stopped.delete(job);
        for (const r of results.filter((x) => x.status !== 0)) {
          if (!r.stderr.includes("is being written by another run")) failures.push(`${at}: a run failed otherwise: ${r.status ?? r.signal} ${r.stderr}`);
        }
        const proceeded = results.filter((r) => r.status === 0).length;
        if (breaking ? proceeded === 0 : proceeded !== (overlapping ? 1 : 2))
          failures.push(`${at}: ${proceeded} run(s) proceeded${overlapping ? " while one held a lock" : " one after the other"}`);
        failures.push(...endStateProblems(dir, AFTER, expectedAfter).map((p) => `${at}: ${p}`));
        fs.rmSync(dir, { recursive: true, force: true });
      });
      expect(failures).toEqual([]);
      // Most steps fall between a run's first lock and the release of its last.
      expect(overlaps).toBeGreaterThan(10);
    },
    KILL_TEST_BOUND_MS,
  );
});
