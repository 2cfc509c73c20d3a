/**
 * `npm run bench -- --suite`: the test suite as jest itself measures it. The unit loop
 * (`npm run test:unit`, after one untimed run that warms jest's cache) and the whole suite (`jest`,
 * what `npm test` runs after its checks) are each run `runs` times; for each it reports the median
 * of jest's own time, the range, the five slowest test files (each file's median over the runs),
 * the tests that passed, failed and were skipped, and the machine's load while it ran.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const JEST = path.join(ROOT, "node_modules", "jest", "bin", "jest.js");

/** What `jest --json` writes (the parts used here). */
interface JestReport {
  readonly startTime: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly testResults: ReadonlyArray<{ readonly name: string; readonly startTime: number; readonly endTime: number }>;
}

export interface SuiteResult {
  readonly label: string;
  readonly command: string;
  readonly runs: readonly SuiteRun[];
  readonly median: number;
  readonly slowest: ReadonlyArray<{ readonly file: string; readonly seconds: number }>;
}

/** The arguments of package.json's script `name`, which must start with `program` (`runsAs`: how the bench runs it). */
export function scriptArgs(name: string, program: string, runsAs: string): string[] {
  const script = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts[name];
  const [first, ...args] = script.trim().split(/\s+/);
  if (first !== program) throw new Error(`package.json scripts.${name} is "${script}": the bench runs it as ${runsAs}, so it must start with ${program}`);
  return args;
}

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** Runs `argv` in `cwd` to its end: its exit status and the last 4000 characters it printed. */
export function runToEnd(argv: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (c: Buffer) => (output = (output + c.toString("utf8")).slice(-4000)));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** One jest run with `args`, its report read from `--json`; jest's exit status is not an error here (a failure is counted). */
async function jestOnce(args: readonly string[], reportFile: string) {
  const { code, output } = await runToEnd([process.execPath, JEST, ...args, "--json", "--outputFile", reportFile], ROOT);
  let report: JestReport;
  try {
    report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as JestReport;
  } catch {
    throw new Error(`jest ${args.join(" ")} exited with ${code} and wrote no report:\n${output}`);
  }
  const end = Math.max(report.startTime, ...report.testResults.map((t) => t.endTime));
  return {
    /** From jest's start to its last file's end: what jest prints as `Time:`. */
    seconds: (end - report.startTime) / 1000,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests,
    /** Test file (relative) → seconds. */
    files: Object.fromEntries(report.testResults.map((t) => [path.relative(ROOT, t.name), (t.endTime - t.startTime) / 1000])),
    /** The 1-minute load average at the end of the run (2 cores: 2 is a busy machine). */
    load: os.loadavg()[0],
  };
}

type SuiteRun = Awaited<ReturnType<typeof jestOnce>>;

/** Times the unit loop and the whole suite, `runs` times each, in `tmp`; `patterns`: only the test files jest matches. */
export async function benchSuite(runs: number, tmp: string, patterns: readonly string[] = []): Promise<SuiteResult[]> {
  const cases = [
    // The patterns first: jest would read one after the script's --testPathIgnorePatterns as a second ignore pattern.
    { label: "unit loop, warm", command: "npm run test:unit", args: [...patterns, ...scriptArgs("test:unit", "jest", "jest")], warmup: 1 },
    { label: "whole suite", command: "jest (npm test after tsc and the checks)", args: [...patterns], warmup: 0 },
  ];
  const results: SuiteResult[] = [];
  for (const c of cases) {
    process.stdout.write(`${c.label}: `);
    const report = path.join(tmp, "jest.json");
    for (let i = 0; i < c.warmup; i++) await jestOnce(c.args, report);
    const done: SuiteRun[] = [];
    for (let i = 0; i < runs; i++) {
      done.push(await jestOnce(c.args, report));
      process.stdout.write(done.at(-1)!.failed > 0 ? "F" : ".");
    }
    const files = Object.keys(done[0].files);
    const slowest = files
      .map((file) => ({ file, seconds: median(done.map((r) => r.files[file] ?? 0)) }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 5);
    results.push({ label: c.label, command: c.command, runs: done, median: median(done.map((r) => r.seconds)), slowest });
    process.stdout.write("\n");
  }
  return results;
}

/** The report's lines: per case the median and range of jest's time, the tests, the load, and the five slowest files. */
export function suiteLines(results: readonly SuiteResult[]): string[] {
  return results.flatMap((r) => {
    const secs = r.runs.map((x) => x.seconds);
    const last = r.runs.at(-1)!;
    return [
      `${r.label} (${r.command}): jest's time ${r.median.toFixed(1)} s median of ${r.runs.length} (${Math.min(...secs).toFixed(1)}–${Math.max(...secs).toFixed(1)}); ` +
        `${last.passed} passed, ${last.failed} failed, ${last.skipped} skipped; load ${r.runs.map((x) => x.load.toFixed(1)).join(", ")}`,
      ...r.slowest.map((s) => `  ${s.seconds.toFixed(1).padStart(6)} s  ${s.file}`),
    ];
  });
}
