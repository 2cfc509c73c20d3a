import * as fs from "node:fs";
import * as path from "node:path";
import { Config } from "../../config/schema";
import { DeployStacks } from "../../stacks";
import { PortChanges } from "./port-lock";
import { renderReviewPage } from "./review-page";
import { compareSettings, previousSettings, reviewSettings, SETTINGS_FILE } from "./settings";

export interface ReviewInput {
  readonly config: Config;
  readonly deploy: DeployStacks;
  /** What changed since the port lock. */
  readonly changes: PortChanges;
  /** The lock's file name, as the page shows it. */
  readonly lockFile: string;
}

/**
 * Writes REVIEW.md and the settings it was made from into `dir`. `previousDir` holds the previous
 * synth's output (the same folder for `cdktf synth`; the folder about to be replaced for the main
 * job): the page says what this synth changes compared with it.
 */
export function writeReview(dir: string, previousDir: string, { config, deploy, changes, lockFile }: ReviewInput): void {
  const settings = reviewSettings(config, deploy.ports);
  const since = compareSettings(previousSettings(previousDir), settings);
  const consumerStacks = config.consumers.map((c, i) => ({ name: c.name, stack: deploy.consumers[i].node.id }));
  fs.writeFileSync(
    path.join(dir, "REVIEW.md"),
    renderReviewPage({ config, ports: deploy.ports, changes, since, providerStack: deploy.provider.node.id, consumerStacks, lockFile }),
  );
  fs.writeFileSync(path.join(dir, SETTINGS_FILE), `${JSON.stringify(settings, null, 2)}\n`);
}
