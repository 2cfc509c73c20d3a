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

/** Sends `signal` to the process group `pid` leads (a child spawned with `detached: true`); a group already gone is left be. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

const cleanups = new Set<() => void>();
let hooked = false;

/**
 * Runs `cleanup` once when this process ends: at its exit, or on SIGINT, SIGTERM or SIGHUP, after
 * which the process ends as the signal ends it (another listener may exit first; the cleanups have
 * run then too). For what a Ctrl-C would leave behind: a detached process group, a temporary
 * folder. Returns the function that cancels it, for when the thing is gone anyway.
 */
export function atExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    process.on("exit", runCleanups);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
      process.once(signal, () => {
        runCleanups();
        // The default action, now that what this process leaves is gone.
        process.kill(process.pid, signal);
      });
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

function runCleanups(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: the process is ending, and every other cleanup still runs.
    }
  }
}

/** The machine image's mirror: the folder that holds `registry.terraform.io`. */
export const DEFAULT_MIRROR = "/opt/tf-plugins";

/** Where providers come from: `PRIVATELINK_TF_MIRROR`, or the machine image's mirror. */
export function mirrorRoot(): string {
  return path.resolve(process.env.PRIVATELINK_TF_MIRROR || DEFAULT_MIRROR);
}

/** The terraform binary: `PRIVATELINK_TERRAFORM`, or `terraform` on the PATH. */
export function terraformBinary(): string {
  return process.env.PRIVATELINK_TERRAFORM || "terraform";
}

/** The OpenTofu version the project builds and tests (toolchain/opentofu.sh). */
export const OPENTOFU_VERSION = "1.10.10";

/** The project's folder `name` in the user's cache (XDG_CACHE_HOME, else ~/.cache). */
export const cacheDir = (name: string) => path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kafka-privatelink", name);

/** The OpenTofu binary: `PRIVATELINK_TOFU`, else the one toolchain/opentofu.sh built (once per machine), else `tofu` on the PATH. */
export function tofuBinary(): string {
  const built = path.join(process.env.OPENTOFU_CACHE || cacheDir("opentofu"), `v${OPENTOFU_VERSION}`, "tofu");
  return process.env.PRIVATELINK_TOFU || (fs.existsSync(built) ? built : "tofu");
}

/** Why the CLI `binary` cannot run here (`binary version` fails: `fix` says what to do) or finds no provider in the mirror, or undefined when it can. */
function cliUnavailable(binary: string, name: string, fix: string, mirrorHint = ""): string | undefined {
  const version = spawnSync(binary, ["version", "-json"], { encoding: "utf8", timeout: 30_000 });
  if (version.error || version.status !== 0) return `no ${name} binary (${binary}: ${version.error?.message ?? version.stderr.trim()}); ${fix}`;
  if (mirroredAwsProviders().length === 0) return `no AWS provider in the filesystem mirror ${mirrorRoot()}${mirrorHint}`;
  return undefined;
}

/** Why OpenTofu cannot run here, or undefined when it can (with the provider mirror). */
export const tofuUnavailable = () =>
  cliUnavailable(tofuBinary(), "OpenTofu", "build it with toolchain/opentofu.sh (≈ 9 CPU-minutes, once per machine) or set PRIVATELINK_TOFU");

/** Why Terraform cannot judge here (a missing binary or mirror), or undefined when it can. */
export const terraformUnavailable = () =>
  cliUnavailable(
    terraformBinary(),
    "terraform",
    "install terraform >= 1.9 or set PRIVATELINK_TERRAFORM",
    ` (expected ${path.join(mirrorRoot(), AWS_IN_MIRROR)}/<version>/); set PRIVATELINK_TF_MIRROR to the folder that holds registry.terraform.io`,
  );

export const AWS_IN_MIRROR = path.join("registry.terraform.io", "hashicorp", "aws");
/** The registry hosts a CLI resolves `hashicorp/aws` under: Terraform's, and OpenTofu's own. */
const REGISTRY_HOSTS = ["registry.terraform.io", "registry.opentofu.org"] as const;

/**
 * The AWS provider versions in the mirror (unpacked layout, `<version>/<os>_<arch>/`), oldest
 * first: the versions __tests__/integration/terraform-judges.test.ts proves. Placing another version there tests it too.
 */
export function mirroredAwsProviders(): string[] {
  const dir = path.join(mirrorRoot(), AWS_IN_MIRROR);
  if (!fs.existsSync(dir)) return [];
  const versions = fs.readdirSync(dir).filter((v) => /^\d+\.\d+\.\d+$/.test(v) && fs.statSync(path.join(dir, v)).isDirectory());
  return versions.sort(compareVersions);
}

/** Orders `x.y.z` versions by their numbers. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** Whether `version` satisfies a constraint of `>=`, `>`, `<=`, `<`, `=` and `!=` terms (`, `-separated). */
export function satisfies(version: string, constraint: string): boolean {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`cannot compare the version ${JSON.stringify(version)}: expected x.y.z`);
  return constraint.split(",").every((term) => {
    const m = /^\s*(>=|<=|>|<|!=|=)?\s*(\d+(?:\.\d+){0,2})\s*$/.exec(term);
    if (!m) throw new Error(`cannot read the version constraint term ${JSON.stringify(term)}`);
    const bound = [...m[2].split("."), "0", "0"].slice(0, 3).join(".");
    const c = compareVersions(version, bound);
    return { ">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0, "!=": c !== 0, "=": c === 0 }[m[1] ?? "="]!;
  });
}

/**
 * A mirror for the project's CLI configuration, made in `dir` from the machine's: the AWS provider
 * `versions` (default: all) under both registry hosts, since OpenTofu resolves `hashicorp/aws`
 * under its own. Each `<host>/hashicorp/aws/<version>/` is a real folder whose platform folders
 * link into the machine's mirror (OpenTofu does not follow a linked host or version folder).
 */
export function buildMirror(dir: string, versions: readonly string[] = mirroredAwsProviders()): string {
  const source = path.join(mirrorRoot(), AWS_IN_MIRROR);
  for (const version of versions) {
    for (const host of REGISTRY_HOSTS) {
      const target = path.join(dir, host, "hashicorp", "aws", version);
      fs.mkdirSync(target, { recursive: true });
      for (const platform of fs.readdirSync(path.join(source, version))) {
        // Made anew (a link into another mirror, or a broken one, goes) and placed in one rename: runs share this folder.
        const tmp = path.join(target, `${platform}.${process.pid}.tmp`);
        fs.rmSync(tmp, { force: true });
        fs.symlinkSync(path.join(source, version, platform), tmp);
        fs.renameSync(tmp, path.join(target, platform));
      }
    }
  }
  return dir;
}

const configs = new Map<string, string>();

/**
 * The project's CLI configuration: providers from a mirror of the machine's (`versions` of the AWS
 * provider, default all), for Terraform and OpenTofu, nothing from the network.
 */
function cliConfigFile(versions?: readonly string[]): string {
  const key = versions?.join(",") ?? "";
  const known = configs.get(key);
  if (known && fs.existsSync(known)) return known;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-terraform-cli-"));
  const file = path.join(dir, "terraform.rc");
  fs.writeFileSync(file, cliConfigText(buildMirror(path.join(dir, "mirror"), versions)));
  atExit(() => fs.rmSync(dir, { recursive: true, force: true }));
  configs.set(key, file);
  return file;
}

/** A CLI configuration (Terraform and OpenTofu read the same syntax) that installs providers from `mirror` only. */
export function cliConfigText(mirror: string): string {
  const hosts = REGISTRY_HOSTS.map((h) => JSON.stringify(`${h}/*/*`)).join(", ");
  return [
    "provider_installation {",
    "  filesystem_mirror {",
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = [${hosts}]`,
    "  }",
    `  direct { exclude = [${hosts}] }`,
    "}",
    "",
  ].join("\n");
}

/**
 * The environment for every terraform (and cdktf) run: the project's CLI config (AWS provider
 * `versions` from the mirror, default all), no prompts, no checkpoint calls.
 */
export function terraformEnv(extra: NodeJS.ProcessEnv = {}, versions?: readonly string[]): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfigFile(versions),
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    ...extra,
  };
}

/**
 * Names the AWS provider processes that runs attach to instead of starting their own
 * (terraform/shared-provider.ts): a JSON object, provider version → its reattach entry.
 */
export const SHARED_PROVIDERS_VARIABLE = "PRIVATELINK_SHARED_PROVIDERS";

/**
 * The commands that attach: they never configure the AWS provider (terraform/shared-provider.ts).
 * `show` reads the provider's schema only, to print a saved plan as JSON.
 */
const SHARED_COMMANDS = new Set(["test", "validate", "show"]);

/** The provider platform folder of this machine in a mirror or an install (`linux_amd64`). */
export const PLATFORM = `${process.platform}_${process.arch === "x64" ? "amd64" : process.arch}`;

/**
 * The environment that attaches `terraform <args>` in `cwd` to the shared process of the AWS
 * provider version `init` installed there, or nothing. It attaches only where the run would find
 * that same version without it: the version the folder's lock file selects, installed in its data
 * folder (`dataDir`, relative to `cwd`), so a folder whose install is missing or broken fails as it
 * would unattached.
 */
export function sharedProviderEnv(cwd: string, args: readonly string[], dataDir = ".terraform"): NodeJS.ProcessEnv {
  const shared = process.env[SHARED_PROVIDERS_VARIABLE];
  const lockFile = path.join(cwd, ".terraform.lock.hcl");
  if (!shared || !SHARED_COMMANDS.has(args[0]) || !fs.existsSync(lockFile)) return {};
  const lock = fs.readFileSync(lockFile, "utf8");
  const entries = JSON.parse(shared) as Record<string, unknown>;
  for (const host of REGISTRY_HOSTS) {
    const version = new RegExp(`provider "${host.replace(/\./g, "\\.")}/hashicorp/aws" \\{\\s*version\\s*=\\s*"([^"]+)"`).exec(lock)?.[1];
    if (version === undefined || entries[version] === undefined) continue;
    if (!fs.existsSync(path.resolve(cwd, dataDir, "providers", host, "hashicorp", "aws", version, PLATFORM))) continue;
    return { TF_REATTACH_PROVIDERS: JSON.stringify({ [`${host}/hashicorp/aws`]: entries[version] }) };
  }
  return {};
}

interface TerraformResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface TerraformOptions {
  readonly timeoutMs?: number;
  /** The CLI: terraform (default), or OpenTofu's binary (tofuBinary()). */
  readonly binary?: string;
  /** The AWS provider versions it may install from the mirror (default all: it picks the newest the constraint admits). */
  readonly versions?: readonly string[];
}

/** The process options of `terraform <args>` in `cwd`. */
const runOptions = (cwd: string, args: readonly string[], { timeoutMs = 300_000, versions }: TerraformOptions) =>
  ({
    cwd,
    env: terraformEnv(sharedProviderEnv(cwd, args), versions),
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
  }) as const;

/** Runs `terraform <args>` in `cwd`, bounded by `timeoutMs`; never throws on a non-zero exit. */
export function terraform(cwd: string, args: readonly string[], options: TerraformOptions = {}): TerraformResult {
  const run = spawnSync(options.binary ?? terraformBinary(), [...args], runOptions(cwd, args, options));
  if (run.error) throw new Error(`terraform ${args.join(" ")} in ${cwd}: ${run.error.message}`);
  return { status: run.status ?? 1, stdout: run.stdout, stderr: run.stderr };
}

/** Runs terraform and throws with its output unless it exits 0. */
export function terraformOk(cwd: string, args: readonly string[]): string {
  const result = terraform(cwd, args);
  if (result.status !== 0) {
    throw new Error(`terraform ${args.join(" ")} failed in ${cwd} (exit ${result.status}):\n${result.stderr}\n${result.stdout}`.trim());
  }
  return result.stdout;
}

/** `terraform init` from the mirror only, no backend, then the folder is ready to validate, test or plan. */
export function terraformInit(cwd: string): void {
  terraformOk(cwd, ["init", "-input=false", "-no-color", "-backend=false"]);
}

/** `terraform` without blocking the event loop, for running several folders side by side. */
export function terraformAsync(cwd: string, args: readonly string[], options: TerraformOptions = {}): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    execFile(options.binary ?? terraformBinary(), [...args], runOptions(cwd, args, options), (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(new Error(`terraform ${args.join(" ")} in ${cwd}: ${err.message}`));
      else resolve({ status: err ? Number(err.code) : 0, stdout, stderr });
    });
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
