import * as path from "node:path";
import { App } from "cdktf";
import { Config } from "../config/schema";
import { ModuleFolder, writeModuleFolders } from "../modules/packaging";
import { Baseline, PortLock } from "../port-lock/port-lock";
import { addDeployStacks, DeployStacks } from "../stacks";
import { CLUSTER_EXAMPLES_DIR, clusterExamples, publishedModules } from "../stacks/examples";
import { MODULES_DIR } from "../stacks/module-call";
import { ReviewSummary, writeReview } from "./review/write-review";

export interface Synthesized {
  readonly deploy: DeployStacks;
  readonly review: ReviewSummary;
}

/**
 * The one pipeline of `npm run synth` (job.ts) and `cdktf synth` (main.ts): the deployable stacks
 * of `config` into `app`'s folder, the published modules they call beside them (`modules/`), the
 * cluster's own examples and REVIEW.md against `baseline`. `published`: the modules, when the
 * caller has them already. The callers differ only in how they
 * write: the main job into a staged folder it then moves into place with the lock, the cdktf app
 * into cdktf's own output folder.
 */
export function synthesize(
  app: App,
  config: Config,
  lock: { next: PortLock; baseline: Baseline; lockFile: string },
  published: ReadonlyMap<string, ModuleFolder> = publishedModules(),
): Synthesized {
  const deploy = addDeployStacks(app, config);
  app.synth();
  writeModuleFolders(path.join(app.outdir, MODULES_DIR), published);
  writeModuleFolders(app.outdir, new Map<string, ModuleFolder>([[CLUSTER_EXAMPLES_DIR, clusterExamples(config)]]));
  const review = writeReview(app.outdir, { config, deploy, next: lock.next, baseline: lock.baseline, lockFile: path.basename(lock.lockFile) });
  return { deploy, review };
}
