import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";

const ROOT = path.join(__dirname, "..", "..");

/**
 * Runs the main job as a user does (`npm run synth -- --config … --out … --modules-out …`, as its
 * own process) on `config` written as YAML into `dir`, and returns the output folders.
 */
export function synthInto(dir: string, config: unknown, name = "cluster.yaml"): { out: string; modules: string } {
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, name);
  fs.writeFileSync(configFile, stringify(config));
  const out = path.join(dir, "out");
  const modules = path.join(dir, "modules");
  const run = spawnSync(
    process.execPath,
    [
      path.join(ROOT, "job", "launch.js"),
      path.join(ROOT, "job", "cli.ts"),
      "--config",
      configFile,
      "--out",
      out,
      "--modules-out",
      modules,
      "--allow-port-change",
    ],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 120_000,
    },
  );
  if (run.status !== 0) throw new Error(`npm run synth failed (${run.status}):\n${run.stderr}\n${run.stdout}`);
  return { out, modules };
}

/** Every folder under `dir` (itself included) that holds Terraform code (`*.tf`, `*.tf.json`). */
export function terraformFolders(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    const entries = fs.readdirSync(d, { withFileTypes: true });
    if (entries.some((e) => e.isFile() && (e.name.endsWith(".tf") || e.name.endsWith(".tf.json")))) found.push(d);
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith(".")) walk(path.join(d, e.name));
  };
  walk(dir);
  return found.sort();
}
