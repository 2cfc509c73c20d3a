import * as path from "node:path";
import { App } from "cdktf";
import { loadConfig } from "../config/load";
import { Config } from "../config/schema";
import { PortPlan } from "../modules/broker-ports/allocation";
import { OutputTransaction } from "../output/transaction";
import { writeModules } from "../packaging";
import { checkPortLock, lockPathFor, PortChanges, renderLock } from "../review/port-lock";
import { writeReview } from "../review/write-review";
import { addDeployStacks, portPlanFor } from "../stacks";

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
}

export interface SynthResult {
  readonly config: Config;
  readonly ports: PortPlan;
  readonly changes: PortChanges;
  readonly outDir: string;
  readonly modulesOutDir: string;
  readonly lockFile: string;
  readonly stacks: readonly string[];
  readonly modules: readonly string[];
}

/**
 * The main job: validate the configuration, check the port lock, synthesize the deployable stacks,
 * the publishable modules and REVIEW.md, and only when all of that succeeded replace the previous
 * outputs and the lock. Throws ConfigError, PortLockError, PortChangeError or OutputError with
 * nothing written.
 */
export function runSynth(options: SynthOptions): SynthResult {
  const config = loadConfig(options.configFile);
  const outDir = path.resolve(options.outDir ?? "cdktf.out");
  const modulesOutDir = path.resolve(options.modulesOutDir ?? path.join("dist", "modules"));
  const lockFile = lockPathFor(options.configFile);

  // Claim the outputs first: the lock is read once no other run can be writing it, and after
  // what a killed run left has been put back.
  const tx = new OutputTransaction(
    [
      { label: "--out", path: outDir, kind: "directory" },
      { label: "--modules-out", path: modulesOutDir, kind: "directory" },
      { label: "port lock", path: lockFile, kind: "file" },
    ],
    [process.cwd(), options.configFile, ...(options.keep ?? [])],
  );
  try {
    const { next: nextLock, changes } = checkPortLock(config, portPlanFor(config), lockFile, options.allowPortChange ?? false);
    const stagedOut = tx.stageDirectory("--out");
    const app = new App({ outdir: stagedOut });
    const deploy = addDeployStacks(app, config);
    app.synth();

    const consumerStacks = config.consumers.map((c, i) => ({ name: c.name, stack: deploy.consumers[i].node.id }));
    writeReview(stagedOut, outDir, { config, deploy, changes, lockFile: path.basename(lockFile) });
    const modules = writeModules(tx.stageDirectory("--modules-out"), config);
    tx.stageFile("port lock", renderLock(nextLock));
    tx.commit();
    return {
      config,
      ports: deploy.ports,
      changes,
      outDir,
      modulesOutDir,
      lockFile,
      stacks: [deploy.provider.node.id, ...consumerStacks.map((s) => s.stack)],
      modules,
    };
  } catch (err) {
    tx.rollback();
    throw err;
  }
}
