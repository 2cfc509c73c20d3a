import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { loadConfig } from "../config/load";
import { Config } from "../config/schema";
import { PortPlan } from "../modules/kafka-broker-ports/allocation";
import { OUTPUT_MARKER, Outputs } from "./output/transaction";
import { checkPortLock, lockPathFor, PortChanges, previousAllocation, renderLock, renderOutputMarker, reviewBaseline } from "../port-lock/port-lock";
import { ReviewSummary } from "./review/write-review";
import { synthesize } from "./synthesize";
import { portPlanFor } from "../stacks";
import { publishedModules } from "../stacks/examples";

export interface SynthOptions {
  readonly configFile: string;
  /** @default cdktf.out */
  readonly outDir?: string;
  /** @default dist/modules */
  readonly modulesOutDir?: string;
  /** Accept a run that moves a port recorded in the lock. @default false */
  readonly allowPortChange?: boolean;
  /** More folders no output may replace (the user's shell folder). @default the working folder and the configuration only */
  readonly keep?: readonly string[];
  /** A git ref whose port lock REVIEW.md compares with (a pull request's base). @default the port lock as it was before this run */
  readonly base?: string;
}

export interface SynthResult {
  readonly config: Config;
  readonly ports: PortPlan;
  /** What changed since the lock this run was checked against. */
  readonly changes: PortChanges;
  /** What REVIEW.md says changed, against its baseline. */
  readonly review: ReviewSummary;
  readonly outDir: string;
  readonly modulesOutDir: string;
  readonly lockFile: string;
  /** No lock existed beside the configuration (the run may still have been checked against an output folder's record). */
  readonly lockCreated: boolean;
  readonly stacks: readonly string[];
  readonly modules: readonly string[];
  /** What an interrupted run had left beside the outputs, removed by this one. */
  readonly cleanedUp: readonly string[];
  /** What this run could not remove once the outputs were replaced (its staging, a lock): the next run removes it. */
  readonly leftBehind: readonly string[];
}

/**
 * The main job: validate the configuration, check the port lock, synthesize the deployable stacks,
 * the publishable modules and REVIEW.md, and only when all of that succeeded replace the lock and
 * then the outputs. Throws ConfigError, PortLockError, PortChangeError or OutputError with nothing
 * replaced, CommitError naming what was replaced when moving the outputs into place failed.
 */
export function runSynth(options: SynthOptions): SynthResult {
  const config = loadConfig(options.configFile);
  const outDir = path.resolve(options.outDir ?? "cdktf.out");
  const modulesOutDir = path.resolve(options.modulesOutDir ?? path.join("dist", "modules"));
  const lockFile = lockPathFor(options.configFile);

  // Lock the outputs first: the port lock and the folders' records are read once no other run can
  // be writing them.
  const outputs = new Outputs({ out: outDir, modulesOut: modulesOutDir, lockFile }, [process.cwd(), options.configFile, ...(options.keep ?? [])]);
  let result: Omit<SynthResult, "leftBehind">;
  let leftBehind: string[];
  try {
    const previous = previousAllocation(lockFile, [outDir, modulesOutDir], config.cluster.name);
    const { next: nextLock, changes } = checkPortLock(config, portPlanFor(config), previous, options.allowPortChange ?? false);
    const baseline = reviewBaseline(previous, options.base, lockFile);
    // The marker is --out's one record of the run: the allocation, and what went into --modules-out.
    const published = publishedModules();
    const publishedFiles = new Map(
      [...published].flatMap(([module, files]) => Object.entries(files).map(([file, text]) => [`${module}/${file}`, text] as const)),
    );
    const marker = renderOutputMarker(nextLock, { modulesOut: modulesOutDir, files: [...publishedFiles.keys()].sort() });
    const stagedOut = outputs.stageOut();
    fs.writeFileSync(path.join(stagedOut, OUTPUT_MARKER), marker);
    const { deploy, review } = synthesize(new App({ outdir: stagedOut }), config, { next: nextLock, baseline, lockFile }, published);
    outputs.stageModules(publishedFiles);
    const modules = [...published.keys()];
    outputs.commit(renderLock(nextLock));
    result = {
      config,
      ports: deploy.ports,
      changes,
      review,
      outDir,
      modulesOutDir,
      lockFile,
      lockCreated: previous?.source !== lockFile,
      stacks: [deploy.provider.node.id, ...deploy.consumers.map((c) => c.node.id)],
      modules,
      cleanedUp: outputs.cleanedUp,
    };
  } finally {
    // Reached with the outputs replaced, or with the run's error on its way out: neither is hidden.
    leftBehind = outputs.close();
  }
  return { ...result, leftBehind };
}
