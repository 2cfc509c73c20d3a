import * as path from "node:path";
import { parseConfigText, readConfigText } from "./document";
import { ConfigError, ConfigProblem } from "./problems";
import { Config } from "./schema";
import { validateConfig } from "./validate";

/** The example configuration that ships in the repo; the main job's default. */
export const EXAMPLE_CONFIG = path.join(__dirname, "..", "examples", "orders.yaml");

/**
 * Reads a YAML or JSON configuration file (JSON is YAML) and validates it. Only a regular file of
 * at most MAX_CONFIG_BYTES of UTF-8 is read; every problem, of the file or of the configuration,
 * is reported in one ConfigError.
 */
export function loadConfig(file: string): Config {
  const read = readConfigText(file);
  if ("problem" in read) throw new ConfigError(file, [read.problem]);
  const parsed = parseConfigText(read.text);
  if (!("document" in parsed)) throw new ConfigError(file, parsed.problems);
  if (parsed.problems.length === 0) return validateConfig(parsed.document ?? {}, file);
  // The document without what was refused: check the rest too, less what the refusal explains.
  let more: readonly ConfigProblem[] = [];
  try {
    validateConfig(parsed.document ?? {}, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    more = err.problems;
  }
  const explained = (field: string) => parsed.problems.some((p) => field === p.field || field.startsWith(`${p.field}.`) || field.startsWith(`${p.field}[`));
  throw new ConfigError(file, [...parsed.problems, ...more.filter((p) => !explained(p.field))]);
}
