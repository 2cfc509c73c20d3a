import * as fs from "node:fs";
import * as path from "node:path";
import { Config } from "../../config/schema";
import { DeployStacks } from "../../stacks";
import { Baseline, comparePorts, PortChanges, PortLock } from "../../port-lock/port-lock";
import { renderReviewPage } from "./review-page";
import { compareSettings, reviewSettings, SettingsComparison } from "./settings";

export interface ReviewInput {
  readonly config: Config;
  readonly deploy: DeployStacks;
  /** The lock this run records (or would record). */
  readonly next: PortLock;
  readonly baseline: Baseline;
  /** The lock's file name, as the page shows it. */
  readonly lockFile: string;
}

export interface ReviewSummary {
  readonly baseline: string;
  readonly since: SettingsComparison;
  readonly changes: PortChanges;
}

/**
 * Writes REVIEW.md into `dir`: what this synth contains, and what changed since the baseline (the
 * port lock, or the port lock at `--base`), every section against that one baseline.
 */
export function writeReview(dir: string, { config, deploy, next, baseline, lockFile }: ReviewInput): ReviewSummary {
  const settings = reviewSettings(config, deploy.ports);
  const before = baseline.lock?.settings ?? {
    reason: baseline.lock
      ? `${baseline.label} was written before settings were recorded in it: the sections below show the settings as they are now, not what changed. The next \`npm run synth\` records them.`
      : `No baseline: ${baseline.label}. Every setting below is new.`,
  };
  const since = compareSettings(before, settings);
  const changes = comparePorts(baseline.lock, next);
  const consumerStacks = config.consumers.map((c, i) => ({ name: c.name, stack: deploy.consumers[i].node.id }));
  fs.writeFileSync(
    path.join(dir, "REVIEW.md"),
    renderReviewPage({
      config,
      ports: deploy.ports,
      changes,
      since,
      baselineSettings: baseline.lock?.settings,
      baseline: baseline.label,
      providerStack: deploy.provider.node.id,
      consumerStacks,
      lockFile,
    }),
  );
  return { baseline: baseline.label, since, changes };
}
