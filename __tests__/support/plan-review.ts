/** `npm run review` as a user runs it: the launcher, the review's command line, its exit status and output. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { BrokerRef, Reviewed } from "../../job/review/plan-review";
import { reviewCommand } from "../../job/review/review-command";

const REPO_ROOT = path.join(__dirname, "..", "..");

export interface ReviewRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The same command in this process (no launcher start-up): for the many cases of one test. */
export function reviewIn(args: readonly string[]): ReviewRun {
  let stdout = "";
  let stderr = "";
  const status = reviewCommand(
    args,
    (t) => (stdout += t),
    (t) => (stderr += `${t}\n`),
  );
  return { status, stdout, stderr };
}

export function reviewOf(args: readonly string[], cwd = REPO_ROOT): ReviewRun {
  const run = spawnSync(process.execPath, [path.join(REPO_ROOT, "job", "launch.js"), path.join(REPO_ROOT, "job", "review-cli.ts"), ...args], {
    cwd,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error) throw run.error;
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

export interface Summary {
  readonly address: string;
  readonly actions: string;
  readonly level: Reviewed;
  readonly brokers: readonly BrokerRef[];
  readonly consumers: readonly string[];
  readonly cidrs: readonly string[];
}

/** A JSON report's changes without their prose, sorted by address, to compare exactly. */
export function summarize(json: string): { highest: string; changes: Summary[] } {
  const report = JSON.parse(json) as { highest: string; changes: Array<Summary & { actions: string[] }> };
  return {
    highest: report.highest,
    changes: report.changes
      .map(({ address, actions, level, brokers, consumers, cidrs }) => ({ address, actions: actions.join(","), level, brokers, consumers, cidrs }))
      .sort((a, b) => a.address.localeCompare(b.address)),
  };
}
