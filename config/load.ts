import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { Config } from "./schema";
import { ConfigError, validateConfig } from "./validate";

/** The example configuration that ships in the repo; the main job's default. */
export const EXAMPLE_CONFIG = path.join(__dirname, "..", "examples", "orders.yaml");

/** Reads a YAML or JSON configuration file (JSON is YAML) and validates it. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [{ field: "(file)", value: file, rule: `cannot be read: ${(err as Error).message}` }]);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(file, [{ field: "(file)", value: file, rule: `is not valid YAML or JSON: ${(err as Error).message}` }]);
  }
  return validateConfig(document ?? {}, file);
}
