/**
 * The cdktf app, for `cdktf synth` / `cdktf deploy`: the deployable stacks of the configuration
 * named by PRIVATELINK_CONFIG (default: the shipped example). It keeps the same port lock as the
 * main job (`npm run synth`, which also writes the publishable modules and REVIEW.md): a deploy
 * that would move a locked port is refused unless PRIVATELINK_ALLOW_PORT_CHANGE=1.
 */
import * as fs from "node:fs";
import { App } from "cdktf";
import { EXAMPLE_CONFIG, loadConfig } from "./config/load";
import { ConfigError } from "./config/validate";
import { checkPortLock, lockPathFor, PortChangeError, PortLockError, renderLock } from "./review/port-lock";
import { addDeployStacks, portPlanFor } from "./stacks";

const configFile = process.env.PRIVATELINK_CONFIG || EXAMPLE_CONFIG;
try {
  const config = loadConfig(configFile);
  const lockFile = lockPathFor(configFile);
  const { next } = checkPortLock(config, portPlanFor(config), lockFile, ["1", "true"].includes(process.env.PRIVATELINK_ALLOW_PORT_CHANGE ?? ""));
  const app = new App();
  addDeployStacks(app, config);
  app.synth();
  fs.writeFileSync(`${lockFile}.tmp-${process.pid}`, renderLock(next));
  fs.renameSync(`${lockFile}.tmp-${process.pid}`, lockFile);
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof PortChangeError || err instanceof PortLockError)) throw err;
  console.error(err.message);
  process.exit(1);
}
