/**
 * `npm run review -- --plan PLAN.json [--plan PLAN2.json ...] [--config FILE] [--format markdown|json] [--fail-on LEVEL]`
 * Exit status: 0 reviewed; 1 an input it cannot read (a plan, the configuration or its port lock);
 * 2 bad command line; 3 a change at or above --fail-on; 4 the plans and the port lock disagree.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/load";
import { ConfigError } from "../../config/validate";
import { readRegularFile } from "../../config/regular-file";
import { highestLevel, Level, LEVELS, lockDisagreements, parsePlan, PlanReadError, rank, reviewPlans } from "./plan-review";
import { reportJson, reportMarkdown, ReviewReport } from "./plan-report";
import { lockPathFor, PortLockError, readLock } from "../../port-lock/port-lock";

const USAGE = `Usage: npm run review -- --plan PLAN.json [--plan PLAN2.json ...] [--config FILE] [--format markdown|json] [--fail-on LEVEL]

  --plan FILE      a saved plan as \`terraform show -json PLANFILE\` prints it (repeat for each stack)
  --config FILE    the cluster's configuration: the plans are cross-checked with its port lock
  --format F       markdown (default: a pull-request comment) or json
  --fail-on LEVEL  exit 3 when a change is at or above LEVEL: ${LEVELS.join(", ")}

Exit status: 0 reviewed; 1 an input it cannot read; 2 bad command line; 3 a change at or above
--fail-on; 4 the plans and the port lock disagree (whatever --fail-on says).`;

/** A plan may be large (every resource's attributes) but is never a device, a pipe or gigabytes. */
const PLAN_FILE = { maxBytes: 128 * 1024 * 1024, what: "a plan", expected: "a file holding `terraform show -json PLANFILE`'s output" };

/** Paths the user typed are relative to where they typed them (npm passes it as INIT_CWD). */
const USER_CWD = (process.env.npm_lifecycle_event === "review" && process.env.INIT_CWD) || process.cwd();

/** The command, with its output streams given: `job/review-cli.ts` runs it on the process's. */
export function reviewCommand(argv: readonly string[], write: (text: string) => void, warn: (text: string) => void): number {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        plan: { type: "string", multiple: true },
        config: { type: "string" },
        format: { type: "string", default: "markdown" },
        "fail-on": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (err) {
    warn(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    write(`${USAGE}\n`);
    return 0;
  }
  const failOn = args["fail-on"];
  const usageError = !args.plan?.length
    ? "--plan is required: give at least one plan"
    : !["markdown", "json"].includes(args.format!)
      ? `--format ${JSON.stringify(args.format)}: must be markdown or json`
      : failOn !== undefined && !LEVELS.includes(failOn as Level)
        ? `--fail-on ${JSON.stringify(failOn)}: must be one of ${LEVELS.join(", ")}`
        : undefined;
  if (usageError) {
    warn(`${usageError}\n\n${USAGE}`);
    return 2;
  }
  try {
    const plans = args.plan!.map((p) => {
      const read = readRegularFile(path.resolve(USER_CWD, p), PLAN_FILE);
      if ("refused" in read) throw new PlanReadError(p, read.refused);
      return parsePlan(read.bytes.toString("utf8"), p);
    });
    let disagreements: string[] | undefined;
    if (args.config !== undefined) {
      const configFile = path.resolve(USER_CWD, args.config);
      const config = loadConfig(configFile);
      const lockFile = lockPathFor(configFile);
      const lock = readLock(lockFile);
      if (!lock) throw new PortLockError(lockFile, "does not exist: run `npm run synth -- --config <configuration>` to record the ports, and commit the lock");
      if (lock.cluster !== config.cluster.name)
        throw new PortLockError(lockFile, `records cluster ${JSON.stringify(lock.cluster)}, the configuration names ${JSON.stringify(config.cluster.name)}`);
      disagreements = lockDisagreements(plans, lock);
    }
    const changes = reviewPlans(plans);
    const report: ReviewReport = { highest: highestLevel(changes), changes, aws: plans.flatMap((p) => p.aws), lockDisagreements: disagreements };
    write(args.format === "json" ? reportJson(report) : reportMarkdown(report));
    if (disagreements?.length) {
      warn(`The plans and the port lock disagree:\n${disagreements.map((d) => `  ${d}`).join("\n")}`);
      return 4;
    }
    if (failOn !== undefined && changes.some((c) => c.level !== "unknown" && rank(c.level) >= rank(failOn as Level))) {
      warn(`Highest level ${report.highest} is at or above --fail-on ${failOn}.`);
      return 3;
    }
    return 0;
  } catch (err) {
    if (err instanceof PlanReadError || err instanceof ConfigError || err instanceof PortLockError) {
      warn(err.message);
      return 1;
    }
    throw err;
  }
}
