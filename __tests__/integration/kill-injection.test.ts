/**
 * The main job under strace (issue 14): killed at every file-system call it makes on its outputs
 * and lock, then run again plainly; and two jobs at once, one paused at each step of claiming and
 * replacing. After every case the stacks, the modules (their examples), REVIEW.md, the folders'
 * records and the lock must agree with each other and with the configuration, and nothing but the
 * outputs may remain. A run that moves ports makes about 300 such calls (≈ 110 openat, 60 unlink,
 * 65 rmdir, 65 mkdir, 5 rename, no link; the modules are written twice, beside the stacks and to
 * --modules-out): SIGKILL as each is made (checked in strace's log), and
 * SIGINT and SIGTERM at each rename (the commit's steps); about 20 of the calls change the names
 * beside the outputs, the points where the second test stops one of two runs (SIGSTOP) while the
 * other runs from start to end. Cost here: ≈ 100 s and ≈ 20 s alone on 2 cores.
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
/** The calls the issue names; `link` is among them though the job makes none (0 kill points). */
const SYSCALLS = ["rename", "unlink", "rmdir", "mkdir", "link", "openat"];
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
  /** Which call of this syscall it is in the job's process, as strace's `when=` counts. */
  readonly n: number;
  readonly line: string;
  /** The call as any run makes it: `line` without PID, result, run IDs and temp-name suffixes. */
  readonly key: string;
}

/** A traced call, made comparable between runs (and case folders). */
const callKey = (line: string, dir: string) =>
  line
    .replaceAll(dir, "<case>")
    .replace(/^\d+\s+/, "")
    .replace(/\)?\s*(<unfinished \.\.\.>|= .*)$/, "")
    .replace(/\d{10}-[0-9a-f]{8}/g, "<run>")
    .replace(/kafka-privatelink-modules-\w{6}/g, "<temp>");

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
    fs.cpSync(template, dir, { recursive: true });
    return dir;
  };

  /** The job's traced calls on the case folder, in the order a plain run with --allow-port-change makes them. */
  function tracedCalls(): Call[] {
    const dir = startCase();
    const log = `${dir}.strace`;
    const run = spawnSync("strace", ["-f", "-qq", "-e", `trace=${SYSCALLS.join(",")}`, "-o", log, process.execPath, ...jobArgs(dir, true)], {
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
      const n = (counts.get(call[2]) ?? 0) + 1;
      counts.set(call[2], n);
      if (line.includes(`${dir}/`)) calls.push({ syscall: call[2], n, line: line.replaceAll(dir, "<case>"), key: callKey(line, dir) });
    }
    return calls;
  }

  beforeAll(() => {
    if (STRACE_MISSING) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-kill-"));
    // Precompiled once, as `npm run synth` runs it (job/launch.js), and copied here so that no
    // other test's rebuild swaps it mid-run. Each case starts the bundle itself, so that strace
    // sees the job's calls and not the launcher's checks (started so, the bundle has no identity
    // and renders the modules anew: no render cache read or written in the count).
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
      // A run that replaces existing outputs touches them about 160 times here (writes, renames, deletions).
      expect(calls.length).toBeGreaterThan(100);
      const failures: string[] = [];
      const notExact: string[] = [];
      let refused = 0;
      // SIGKILL at every call; Ctrl-C (SIGINT) and SIGTERM, which the job does not handle either, at every rename.
      const kills = [
        ...calls.map((call) => ({ call, signal: "KILL" })),
        ...calls.filter((c) => c.syscall === "rename").flatMap((call) => ["INT", "TERM"].map((signal) => ({ call, signal }))),
      ];
      await pool(kills, async ({ call, signal }) => {
        const at = `SIG${signal} at ${call.syscall} #${call.n} ${call.line}`;
        // The signal meets the call as it is made (SIGKILL before it takes effect; SIGINT and SIGTERM as it
        // returns). The last call in strace's log must be the intended one: should the count still
        // differ from the dry run's, a neighbouring N is tried.
        let dir: string | undefined;
        const missed: string[] = [];
        const tries = [0, 1, -1, 2, -2].map((d) => call.n + d).filter((w) => w >= 1);
        for (const when of tries) {
          const attempt = startCase();
          const log = `${attempt}.strace`;
          const killed = await exited(
            spawn(
              "strace",
              [
                "-f",
                "-qq",
                "-e",
                `trace=${call.syscall}`,
                "-e",
                `inject=${call.syscall}:signal=${signal}:when=${when}`,
                "-o",
                log,
                process.execPath,
                ...jobArgs(attempt, true),
              ],
              {
                cwd: attempt,
                env: jobEnv(attempt),
              },
            ),
          );
          const traced = fs.readFileSync(log, "utf8");
          // The call the signal met is the last one of the job's main thread (the first in the log;
          // other threads' calls, in flight when the process dies, are logged too).
          const lines = traced.split("\n").filter((l) => /^\d+\s+[a-z0-9_]+\(/.test(l));
          const lastCall = lines.filter((l) => l.split(/\s/)[0] === lines[0]?.split(/\s/)[0]).at(-1);
          if (killed.signal === `SIG${signal}` && traced.includes(`killed by SIG${signal}`) && lastCall && callKey(lastCall, attempt) === call.key) {
            dir = attempt;
            break;
          }
          missed.push(`when=${when}: ${killed.signal ?? killed.status} at ${lastCall && callKey(lastCall, attempt)}`);
          // The last attempt, killed at a neighbouring call, is still a kill the rerun must recover from.
          if (when === tries.at(-1) && killed.signal === `SIG${signal}`) dir = attempt;
          else fs.rmSync(attempt, { recursive: true, force: true });
        }
        // Seen under load: the job's count of a call then differed from the dry run's by more than two.
        if (missed.length === tries.length) notExact.push(`${at}: not met exactly (${missed.join("; ")})`);
        if (!dir) {
          failures.push(`${at}: the job was not killed by SIG${signal} at or next to that call`);
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
      // Nearly every call is met exactly (the others were killed next to it and checked all the
      // same). Run alone, the job makes the same calls in the same order every time (folders are
      // walked in name order); with cases running side by side a few kill points still meet a
      // neighbouring call in every try (Dec 5: 1 of about 1,000 per run), cause not yet found.
      if (notExact.length > 0) console.log(`kill points not met exactly:\n${notExact.join("\n")}`);
      expect(notExact.length).toBeLessThanOrEqual(Math.ceil(kills.length * 0.03));
      // Both outcomes occur: kills before the lock is replaced, and after.
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThan(kills.length);
    },
    // A bound for a hung run, not a speed target: beside the other jest worker's emulator and
    // Terraform tests on 2 cores, each test here has taken up to 300 s.
    KILL_TEST_BOUND_MS,
  );

  itNeeds("strace", STRACE_MISSING)(
    "of two runs at once, exactly one proceeds whenever they overlap, one stopped at any step of claiming or replacing",
    async () => {
      const calls = tracedCalls();
      // The steps on the names beside the outputs (claims, staging, renames, deletions); calls inside
      // a staged folder are the same step as far as another run can tell.
      const beside = calls.filter((c) => c.line.split('"').some((arg, i) => i % 2 === 1 && path.dirname(arg) === "<case>"));
      // The steps another run can tell apart: creating, renaming, linking and removing names beside
      // the outputs (claims, staging, replacing the lock and the folders). A plain write into a file
      // beside them is the same step as its exclusive create. KILL_TEST_FULL=1 stops run A at every
      // call beside the outputs instead (one per file of --modules-out: many minutes).
      const steps = process.env.KILL_TEST_FULL === "1" ? beside : beside.filter((c) => c.syscall !== "openat" || c.line.includes("O_EXCL"));
      expect(steps.length).toBeGreaterThan(10);
      const failures: string[] = [];
      let overlaps = 0;
      await pool(steps, async (call) => {
        const dir = startCase();
        const at = `${call.syscall} #${call.n} ${call.line}`;
        // Run A is stopped (SIGSTOP) right after the call; run B runs from start to end meanwhile; then A goes on.
        const tracer = spawn(
          "strace",
          ["-f", "-qq", "-e", `trace=${call.syscall}`, "-e", `inject=${call.syscall}:signal=STOP:when=${call.n}`, process.execPath, ...jobArgs(dir, true)],
          {
            cwd: dir,
            env: jobEnv(dir),
            stdio: ["ignore", "ignore", "pipe"],
          },
        );
        const a = exited(tracer);
        const job = await stoppedTracee(tracer);
        if (job !== undefined) stopped.set(job, tracer);
        if (job === undefined) {
          failures.push(`${at}: run A was never stopped there`);
          return;
        }
        // From its announcement to the removal of its last claim, a run has a file another run must respect.
        const overlapping = fs.readdirSync(dir).some((f) => /\.(entering|claim)-/.test(f));
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
        if (proceeded !== (overlapping ? 1 : 2))
          failures.push(`${at}: ${proceeded} run(s) proceeded${overlapping ? " while one held the claim" : " one after the other"}`);
        failures.push(...endStateProblems(dir, AFTER, expectedAfter).map((p) => `${at}: ${p}`));
        fs.rmSync(dir, { recursive: true, force: true });
      });
      expect(failures).toEqual([]);
      // Most steps fall between a run's announcement and its release.
      expect(overlaps).toBeGreaterThan(10);
    },
    KILL_TEST_BOUND_MS,
  );
});
