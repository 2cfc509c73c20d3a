/**
 * `npm run bench -- [--runs N] [--warmup N] [--brokers 3,12,49] [--keep]`, or `-- --suite [--suite-runs N]`
 *
 * Times whole processes, wall clock, as a user starts them: the main job against the stock-cdktf
 * baseline (bench/baseline) and against `node -e 'require("cdktf")'` for each broker count, then
 * `npm run review` of a 49-broker cluster's plans (the provider and 3 consumers). Prints medians,
 * the ratios with issue 11's targets, and writes .bench/results.json. With `--suite`, the test
 * suite instead (bench/suite.ts). Configurations and outputs live in a temporary folder, because the main
 * job writes its port lock beside the configuration.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { benchConfig } from "./config";
import { benchSuite, median, runToEnd, scriptArgs, SuiteResult, suiteLines } from "./suite";
import { assertSameResources } from "./parity";
import { writeReviewPlans } from "./review-plans";

const ROOT = path.resolve(__dirname, "..");
const BASELINE_DIR = path.join(__dirname, "baseline");
const RESULTS_FILE = path.join(ROOT, ".bench", "results.json");

/** Issue 11's speed targets, set for the 49-broker main job; issue 19's for reviewing that cluster's plans. */
const TARGETS = { brokers: 49, baselineOverOurs: 20, oursOverRequireCdktf: 4, reviewSeconds: 1 };

const USAGE = `Usage: npm run bench -- [--runs N] [--warmup N] [--brokers LIST] [--keep]
       npm run bench -- --suite [--suite-runs N] [PATTERN...]

  --runs N         timed runs of the main job, the baseline and require("cdktf"), per broker count (default 5)
  --warmup N       untimed runs of each command before its first timed series (default 1)
  --brokers LIST   comma-separated broker counts, each 1-49 (default 3,12,49)
  --keep           keep the temporary folder with the configurations and outputs
  --suite          time the test suite instead: the unit loop (warm) and the whole suite, jest's own
                   time, median and five slowest files of each (≈ 50 min with the default runs)
  --suite-runs N   timed runs of each with --suite (default 3)
  PATTERN...       with --suite, only the test files jest matches (its test path patterns)`;

interface Command {
  readonly label: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * What `npm run synth` runs (package.json's synth script), minus npm's own start-up, which the
 * baseline does not pay either; started with this node.
 */
const scriptArgv = (name: "synth" | "review") => [process.execPath, ...scriptArgs(name, "node", "a node command")];

/** Runs a command to completion and returns its time; a failed run aborts the bench with the end of its output. */
async function timeChecked(command: Command): Promise<number> {
  const start = process.hrtime.bigint();
  const { code, output } = await runToEnd(command.argv, command.cwd, command.env);
  if (code !== 0) throw new Error(`${command.label} exited with ${code}:\n${output}`);
  return Math.round(Number(process.hrtime.bigint() - start) / 1e6) / 1e3;
}

/** Seconds in run order, with their median and range. */
const stats = (runs: number[]) => ({ runs, median: median(runs), min: Math.min(...runs), max: Math.max(...runs) });
type Stats = ReturnType<typeof stats>;

const fmt = (s: number) => `${s.toFixed(2)} s`;
const spread = (s: Stats) => `${fmt(s.median)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/**
 * Runs each command `warmup` times untimed, then alternates the commands run by run, so drift on
 * a busy machine hits all of them alike.
 */
async function measure(commands: readonly Command[], warmup: number, runs: number): Promise<Stats[]> {
  for (const command of commands) for (let i = 0; i < warmup; i++) await timeChecked(command);
  const times: number[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [c, command] of commands.entries()) {
      times[c].push(await timeChecked(command));
      process.stdout.write(".");
    }
  }
  return times.map(stats);
}

function intAtLeast(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} ${value}: must be an integer ≥ ${min}`);
  return n;
}

function parseOptions(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      suite: { type: "boolean" },
      "suite-runs": { type: "string", default: "3" },
      brokers: { type: "string", default: "3,12,49" },
      keep: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const brokers = values.brokers.split(",").map((b) => intAtLeast("brokers", b.trim(), 1));
  if (positionals.length > 0 && !values.suite) throw new Error(`${positionals.join(" ")}: test path patterns go with --suite only`);
  if (brokers.some((b) => b > 49)) throw new Error(`--brokers ${values.brokers}: at most 49 brokers fit one NLB`);
  return {
    ...values,
    runs: intAtLeast("runs", values.runs, 1),
    warmup: intAtLeast("warmup", values.warmup, 0),
    patterns: positionals,
    suiteRuns: intAtLeast("suite-runs", values["suite-runs"], 1),
    brokers,
  };
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const started = process.hrtime.bigint();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-privatelink-bench-"));
  const node = process.execPath;
  const synthRows: Array<{ brokers: number; ours: Stats; baseline: Stats; requireCdktf: Stats; ratio: number; overRequireCdktf: number }> = [];
  let suite: SuiteResult[] | undefined;
  let reviewRow: Stats | undefined;
  try {
    if (options.suite) suite = await benchSuite(options.suiteRuns, tmp, options.patterns);
    else {
      for (const [index, brokers] of options.brokers.entries()) {
        const dir = path.join(tmp, `brokers-${brokers}`);
        fs.mkdirSync(dir);
        const configFile = path.join(dir, "bench.json");
        fs.writeFileSync(configFile, JSON.stringify(benchConfig(brokers), null, 2));
        const ours: Command = {
          label: `main job, ${brokers} brokers`,
          argv: [...scriptArgv("synth"), "--config", configFile, "--out", path.join(dir, "out"), "--modules-out", path.join(dir, "modules")],
          cwd: ROOT,
        };
        // As the template's cdktf.json runs it (`npx ts-node main.ts`), minus npx's own start-up,
        // which the main job's command does not pay either.
        const baseline: Command = {
          label: `baseline, ${brokers} brokers`,
          argv: [node, "--require", "ts-node/register", "main.ts"],
          cwd: BASELINE_DIR,
          env: { PRIVATELINK_CONFIG: configFile, CDKTF_OUTDIR: path.join(dir, "baseline-out") },
        };
        // The floor of any cdktf program: node's start-up and loading cdktf, nothing built.
        const requireCdktf: Command = { label: "node -e 'require(\"cdktf\")'", argv: [node, "-e", 'require("cdktf")'], cwd: ROOT };
        process.stdout.write(`${brokers} brokers: `);
        // Only the first broker count warms up: the main job's first run builds the launcher's
        // bundle (node_modules/.cache/launch), which serves every count, as does the file cache it
        // fills; ts-node keeps no cache between processes.
        const [o, b, r] = await measure([ours, baseline, requireCdktf], index === 0 ? options.warmup : 0, options.runs);
        await assertSameResources(brokers, path.join(dir, "out"), path.join(dir, "baseline-out"));
        synthRows.push({ brokers, ours: o, baseline: b, requireCdktf: r, ratio: b.median / o.median, overRequireCdktf: o.median / r.median });
        process.stdout.write(` ours ${spread(o)}, baseline ${spread(b)}, require("cdktf") ${spread(r)}\n`);
      }

      // `npm run review` of a 49-broker cluster's plans: the provider's and three consumers' (two CIDRs each).
      const reviewDir = path.join(tmp, "review");
      fs.mkdirSync(reviewDir);
      const plans = writeReviewPlans(reviewDir, TARGETS.brokers, 3);
      const review: Command = { label: "review", argv: [...scriptArgv("review"), ...plans.flatMap((p) => ["--plan", p])], cwd: ROOT };
      process.stdout.write(`review of ${TARGETS.brokers} brokers' and 3 consumers' plans: `);
      [reviewRow] = await measure([review], options.warmup, options.runs);
      process.stdout.write(` ${spread(reviewRow)}\n`);
    }
  } finally {
    if (options.keep) console.log(`Kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
  const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (suite) {
    console.log(`\n${suiteLines(suite).join("\n")}\n\ntotal ${fmt(totalSeconds)}`);
    return writeResults({ suiteRuns: options.suiteRuns, patterns: options.patterns }, { suite }, totalSeconds);
  }

  const rows = [
    ["case", "ours (median, min–max)", "baseline (median, min–max)", 'require("cdktf") (median, min–max)', "baseline / ours", 'ours / require("cdktf")'],
    ...synthRows.map((r) => [
      `synth, ${r.brokers} brokers`,
      spread(r.ours),
      spread(r.baseline),
      spread(r.requireCdktf),
      `${r.ratio.toFixed(1)}x`,
      `${r.overRequireCdktf.toFixed(1)}x`,
    ]),
    ...(reviewRow ? [[`npm run review, ${TARGETS.brokers} brokers and 3 consumers`, spread(reviewRow), "", "", "", ""]] : []),
  ];
  const targetRow = synthRows.find((r) => r.brokers === TARGETS.brokers);
  const targets = targetRow && {
    brokers: TARGETS.brokers,
    baselineOverOurs: { target: TARGETS.baselineOverOurs, measured: targetRow.ratio, met: targetRow.ratio >= TARGETS.baselineOverOurs },
    oursOverRequireCdktf: {
      target: TARGETS.oursOverRequireCdktf,
      measured: targetRow.overRequireCdktf,
      met: targetRow.overRequireCdktf <= TARGETS.oursOverRequireCdktf,
    },
  };
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log();
  for (const r of rows)
    console.log(
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join("  ")
        .trimEnd(),
    );
  const verdict = (met: boolean) => (met ? "met" : "NOT met");
  console.log(
    targets === undefined
      ? `\nTargets (issue 11) are set for ${TARGETS.brokers} brokers, not measured in this run (--brokers ${TARGETS.brokers})`
      : `\nTargets (issue 11), ${TARGETS.brokers} brokers: baseline / ours ${targets.baselineOverOurs.measured.toFixed(1)}x, ≥ ${TARGETS.baselineOverOurs}x ${verdict(targets.baselineOverOurs.met)}; ` +
          `ours / require("cdktf") ${targets.oursOverRequireCdktf.measured.toFixed(1)}x, ≤ ${TARGETS.oursOverRequireCdktf}x ${verdict(targets.oursOverRequireCdktf.met)}`,
  );
  if (reviewRow)
    console.log(
      `Target (issue 19): review of ${TARGETS.brokers} brokers' and 3 consumers' plans ${fmt(reviewRow.median)}, < ${TARGETS.reviewSeconds} s ${verdict(reviewRow.median < TARGETS.reviewSeconds)}`,
    );
  console.log(`\nruns: ${options.runs}, after ${options.warmup} warm-up; total ${fmt(totalSeconds)}`);
  return writeResults(
    { runs: options.runs, warmup: options.warmup, brokers: options.brokers },
    { synth: synthRows, targets: targets ?? null, review: reviewRow ?? null },
    totalSeconds,
  );
}

/** Writes .bench/results.json: the date, the machine, the options, `results` and the total time. */
function writeResults(options: object, results: object, totalSeconds: number): number {
  const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` };
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify({ date: new Date().toISOString(), machine, options, ...results, totalSeconds }, null, 2)}\n`);
  console.log(`Results: ${path.relative(process.cwd(), RESULTS_FILE)}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`\n${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
