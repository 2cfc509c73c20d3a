/**
 * The cdktf app, for `cdktf synth` / `cdktf deploy`: the deployable stacks of the configuration
 * named by PRIVATELINK_CONFIG (default: the shipped example). `npm run synth` is the main job;
 * it also writes the publishable modules and the review page.
 */
import { App } from "cdktf";
import { EXAMPLE_CONFIG, loadConfig } from "./config/load";
import { ConfigError } from "./config/validate";
import { addDeployStacks } from "./stacks";

try {
  const app = new App();
  addDeployStacks(app, loadConfig(process.env.PRIVATELINK_CONFIG || EXAMPLE_CONFIG));
  app.synth();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(1);
}
