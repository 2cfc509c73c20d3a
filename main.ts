/**
 * The cdktf app, for `cdktf synth` / `cdktf deploy`: the deployable stacks of the configuration
 * named by PRIVATELINK_CONFIG (default: the shipped example). It checks the port lock that the
 * main job (`npm run synth`) records, and never writes it: `cdktf diff` or a deploy that fails
 * must not record ports as accepted. A change to what clients use is refused unless
 * PRIVATELINK_ALLOW_PORT_CHANGE=1; `npm run synth -- --allow-port-change` then records it.
 */
import { App } from "cdktf";
import { EXAMPLE_CONFIG, loadConfig } from "./config/load";
import { ConfigError } from "./config/validate";
import { checkPortLock, lockPathFor, PortChangeError, PortLockError } from "./review/port-lock";
import { addDeployStacks, portPlanFor } from "./stacks";

const configFile = process.env.PRIVATELINK_CONFIG || EXAMPLE_CONFIG;
try {
  const config = loadConfig(configFile);
  checkPortLock(config, portPlanFor(config), lockPathFor(configFile), ["1", "true"].includes(process.env.PRIVATELINK_ALLOW_PORT_CHANGE ?? ""));
  const app = new App();
  addDeployStacks(app, config);
  app.synth();
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof PortChangeError || err instanceof PortLockError)) throw err;
  console.error(err.message);
  process.exit(1);
}
