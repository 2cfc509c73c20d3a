/**
 * Terraform as the judge of what we generate: a terraform binary and the AWS provider from a
 * filesystem mirror, never downloaded. The project writes its own CLI configuration (the
 * machine's default TF_CLI_CONFIG_FILE may name a file that does not exist) that installs
 * providers from the mirror only.
 */
import { execFile, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The machine image's mirror: the folder that holds `registry.terraform.io`. */
export const DEFAULT_MIRROR = "/opt/tf-plugins";
/** The AWS provider the mirror holds here, and the one the tests prove. */
export const MIRRORED_AWS_PROVIDER = "5.100.0";

/** Where providers come from: `PRIVATELINK_TF_MIRROR`, or the machine image's mirror. */
export function mirrorRoot(): string {
  return path.resolve(process.env.PRIVATELINK_TF_MIRROR || DEFAULT_MIRROR);
}

/** The terraform binary: `PRIVATELINK_TERRAFORM`, or `terraform` on the PATH. */
export function terraformBinary(): string {
  return process.env.PRIVATELINK_TERRAFORM || "terraform";
}

/** Why Terraform cannot judge here (a missing binary or mirror), or undefined when it can. */
export function terraformUnavailable(): string | undefined {
  const version = spawnSync(terraformBinary(), ["version", "-json"], { encoding: "utf8", timeout: 30_000 });
  if (version.error || version.status !== 0) {
    return `no terraform binary (${terraformBinary()}: ${version.error?.message ?? version.stderr.trim()}); install terraform >= 1.9 or set PRIVATELINK_TERRAFORM`;
  }
  const aws = path.join(mirrorRoot(), "registry.terraform.io", "hashicorp", "aws");
  if (!fs.existsSync(aws)) {
    return `no AWS provider in the filesystem mirror ${mirrorRoot()} (expected ${aws}); set PRIVATELINK_TF_MIRROR to the folder that holds registry.terraform.io`;
  }
  return undefined;
}

let cliConfig: string | undefined;

/** The project's CLI configuration: providers from the mirror, nothing from the network. */
export function cliConfigFile(): string {
  if (cliConfig && fs.existsSync(cliConfig)) return cliConfig;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-terraform-cli-"));
  cliConfig = path.join(dir, "terraform.rc");
  fs.writeFileSync(cliConfig, cliConfigText(mirrorRoot()));
  process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
  return cliConfig;
}

export function cliConfigText(mirror: string): string {
  return [
    "provider_installation {",
    `  filesystem_mirror { path = ${JSON.stringify(mirror)} }`,
    '  direct { exclude = ["registry.terraform.io/*/*"] }',
    "}",
    "",
  ].join("\n");
}

/** The environment for every terraform (and cdktf) run: the project's CLI config, no prompts, no checkpoint calls. */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigFile(),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    ...extra,
  };
}

export interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `terraform <args>` in `cwd`, bounded by `timeoutMs`; never throws on a non-zero exit. */
export function terraform(cwd: string, args: readonly string[], { timeoutMs = 300_000, env = {} as NodeJS.ProcessEnv } = {}): TerraformResult {
  const run = spawnSync(terraformBinary(), [...args], {
    cwd,
    env: terraformEnv(env),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error) throw new Error(`terraform ${args.join(" ")} in ${cwd}: ${run.error.message}`);
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** Runs terraform and throws with its output unless it exits 0. */
export function terraformOk(cwd: string, args: readonly string[], options?: Parameters<typeof terraform>[2]): string {
  const result = terraform(cwd, args, options);
  if (result.status !== 0) {
    throw new Error(`terraform ${args.join(" ")} failed in ${cwd} (exit ${result.status}):\n${result.stderr}\n${result.stdout}`.trim());
  }
  return result.stdout;
}

/** `terraform init` from the mirror only (no backend unless asked), then the folder is ready to validate, test or plan. */
export function terraformInit(cwd: string, { backend = false } = {}): void {
  terraformOk(cwd, ["init", "-input=false", "-no-color", `-backend=${backend}`]);
}

/** `terraform` without blocking the event loop, for running several folders side by side. */
export function terraformAsync(cwd: string, args: readonly string[], { timeoutMs = 300_000 } = {}): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    execFile(
      terraformBinary(),
      [...args],
      { cwd, env: terraformEnv(), encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") reject(new Error(`terraform ${args.join(" ")} in ${cwd}: ${err.message}`));
        else resolve({ status: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Runs `jobs` with at most `width` at a time (this machine has 2 cores). */
export async function inPool<T>(jobs: ReadonlyArray<() => Promise<T>>, width = 2): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
  return results;
}
