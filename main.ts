/**
 * The cdktf app, for `cdktf synth` / `cdktf deploy`: the deployable stacks of the configuration
 * named by PRIVATELINK_CONFIG (default: the shipped example), the published modules they call
 * (`modules/`) and REVIEW.md beside them. It checks
 * the port lock that the main job (`npm run synth`) records, creating it only when there is none:
 * `cdktf diff` or a deploy that fails must not record a change as accepted. A change to what
 * clients use is refused unless PRIVATELINK_ALLOW_PORT_CHANGE=1; `npm run synth --
 * --allow-port-change` then records it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { EXAMPLE_CONFIG, loadConfig } from "./config/load";
import { ConfigError } from "./config/validate";
import { OUTPUT_MARKER } from "./job/output/transaction";
import { cdktfPortLock } from "./port-lock/cdktf";
import { BaseRefError, lockPathFor, PortChangeError, PortLockError, previousAllocation, renderOutputMarker, reviewBaseline } from "./port-lock/port-lock";
import { synthesize } from "./job/synthesize";
import { portPlanFor } from "./stacks";

const configFile = process.env.PRIVATELINK_CONFIG || EXAMPLE_CONFIG;
try {
  const config = loadConfig(configFile);
  const app = new App();
  const lockFile = lockPathFor(configFile);
  // The output folder's record counts too: a copied configuration has no lock beside it.
  const previous = previousAllocation(lockFile, [app.outdir], config.cluster.name);
  const allowChange = ["1", "true"].includes(process.env.PRIVATELINK_ALLOW_PORT_CHANGE ?? "");
  const { next } = cdktfPortLock(config, portPlanFor(config), lockFile, previous, allowChange, console.error);
  // PRIVATELINK_REVIEW_BASE: a git ref whose port lock REVIEW.md compares with (as `npm run synth -- --base`).
  const baseline = reviewBaseline(previous, process.env.PRIVATELINK_REVIEW_BASE || undefined, lockFile, "PRIVATELINK_REVIEW_BASE");
  synthesize(app, config, { next, baseline, lockFile });
  // Marks the folder as this tool's (so `npm run synth` may replace it) with what it was built from.
  fs.writeFileSync(path.join(app.outdir, OUTPUT_MARKER), renderOutputMarker(next));
} catch (err) {
  if (![ConfigError, PortChangeError, PortLockError, BaseRefError].some((refusal) => err instanceof refusal)) throw err;
  console.error((err as Error).message);
  process.exit(1);
}
