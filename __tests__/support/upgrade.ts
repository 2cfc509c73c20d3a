/**
 * Upgrade rehearsal: a deployment made by an earlier version of this project, recreated in the
 * emulated account from the stacks that version synthesized (checked in under
 * `__tests__/fixtures/layout-<version>/`), so that the current version's plan can be judged on a
 * state it did not write itself.
 *
 * The old stacks hold the IDs of the configuration they were synthesized from (VPCs, subnets); the
 * emulator hands out its own. The replacements are found by walking the old configuration and its
 * emulated copy side by side, so the old stacks get exactly the emulated configuration's values
 * without anyone re-synthesizing them with the old code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ConfigInput } from "../../config/schema";
import { EmulatedAccount, EmulatedProject, runBounded, RunResult } from "../../emulator/emulator";
import { terraformBinary } from "../../terraform/run";

/** A value of the old configuration, the emulated configuration's value in its place, and where it sits. */
export interface Replacement {
  readonly from: string;
  readonly to: string;
  readonly at: string;
}

/**
 * Every scalar that differs between `from` and `to`, two documents of the same shape (same keys,
 * same list lengths): what turns stacks synthesized from `from` into stacks synthesized from `to`.
 * Refuses documents of different shapes, a differing value that is not a string (a number or flag
 * cannot be told apart from other text in a stack), and one old value that would need two new ones.
 */
export function valueReplacements(from: unknown, to: unknown): Replacement[] {
  const found = new Map<string, Replacement>();
  const walk = (a: unknown, b: unknown, at: string): void => {
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) {
        throw new Error(`${at}: ${JSON.stringify(a)} and ${JSON.stringify(b)} differ in shape; the emulated configuration must keep the old one's lists`);
      }
      a.forEach((item, i) => walk(item, b[i], `${at}[${i}]`));
      return;
    }
    if (isObject(a) || isObject(b)) {
      if (!isObject(a) || !isObject(b)) throw new Error(`${at}: ${JSON.stringify(a)} and ${JSON.stringify(b)} differ in shape`);
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const key of keys) {
        if (!(key in a) || !(key in b)) throw new Error(`${at}.${key}: set in only one of the two configurations`);
        walk(a[key], b[key], at ? `${at}.${key}` : key);
      }
      return;
    }
    if (a === b) return;
    if (typeof a !== "string" || typeof b !== "string")
      throw new Error(`${at}: ${JSON.stringify(a)} → ${JSON.stringify(b)}: only string values can be replaced in the stacks`);
    const earlier = found.get(a);
    if (earlier && earlier.to !== b) throw new Error(`${at}: ${a} would become both ${earlier.to} (as at ${earlier.at}) and ${b}`);
    found.set(a, { from: a, to: b, at });
  };
  walk(from, to, "");
  return [...found.values()];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * `texts` (stack name → cdk.tf.json text) with every replacement applied to whole tokens (an ID
 * inside `toset([...])` is replaced, a longer ID that starts with it is not). Refuses a
 * replacement whose old value occurs in none of the stacks: the configuration and the stacks
 * would not belong together.
 */
export function replaceInStacks(texts: Readonly<Record<string, string>>, replacements: readonly Replacement[]): Record<string, string> {
  const out: Record<string, string> = { ...texts };
  for (const { from, to, at } of replacements) {
    const token = new RegExp(`(?<![\\w-])${from.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?![\\w-])`, "g");
    let occurrences = 0;
    for (const stack of Object.keys(out)) {
      out[stack] = out[stack].replace(token, () => {
        occurrences++;
        return to;
      });
    }
    if (occurrences === 0)
      throw new Error(`${at}: ${from} occurs in none of the stacks (${Object.keys(texts).join(", ")}); they were not synthesized from this configuration`);
  }
  return out;
}

/**
 * `account` cut down to the old configuration's subnet counts: `createAccount` makes three subnets
 * per VPC, the old configuration may use fewer, and both configurations must have one shape.
 */
export function fitAccount(account: EmulatedAccount, old: ConfigInput): EmulatedAccount {
  const fit = <T extends { subnetIds: readonly string[] }>(vpc: T, count: number, what: string): T => {
    if (vpc.subnetIds.length < count) throw new Error(`${what}: ${count} subnets configured, the emulated account has ${vpc.subnetIds.length}`);
    return { ...vpc, subnetIds: vpc.subnetIds.slice(0, count) };
  };
  return {
    provider: fit(account.provider, old.cluster.subnetIds.length, "cluster.subnetIds"),
    consumers: Object.fromEntries(
      (old.consumers ?? []).map((c, i) => {
        const vpc = account.consumers[c.name];
        if (!vpc) throw new Error(`consumers[${i}]: no emulated VPC for consumer ${c.name}`);
        return [c.name, fit(vpc, c.subnetIds.length, `consumers[${i}].subnetIds`)];
      }),
    ),
  };
}

/** The stack folders of an old layout: `<dir>/<stack>/cdk.tf.json`, stack name → text. */
export function readOldStacks(dir: string): Record<string, string> {
  const stacks: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, "cdk.tf.json");
    if (entry.isDirectory() && fs.existsSync(file)) stacks[entry.name] = fs.readFileSync(file, "utf8");
  }
  return stacks;
}

/** Runs terraform in `cwd` with the project's environment (the emulator, providers from the mirror only); throws unless it succeeds. */
async function projectTerraform(project: EmulatedProject, cwd: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  const run = await runBounded(terraformBinary(), [...args, "-no-color"], { cwd, env: project.env(), timeoutMs });
  if (run.status !== 0) throw new Error(`terraform ${args.join(" ")} failed in ${cwd} (exit ${run.status}):\n${run.output.slice(-6000)}`);
  return run;
}

/**
 * Deploys an old layout's stacks as that version's `cdktf deploy` did: each written to
 * `cdktf.out/stacks/<stack>/cdk.tf.json` of `project` (so that their local backends put the state
 * where the current version's stacks look for it), then `terraform init` and `apply`, in the
 * given order (the provider stack before the consumers that read its state).
 */
export async function deployOldLayout(
  project: EmulatedProject,
  stacks: ReadonlyArray<readonly [name: string, text: string]>,
  timeoutMs: number,
): Promise<Array<{ readonly what: string; readonly run: RunResult }>> {
  const runs: Array<{ what: string; run: RunResult }> = [];
  for (const [name, text] of stacks) {
    const dir = path.join(project.dir, "cdktf.out", "stacks", name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "cdk.tf.json"), text);
    for (const args of [
      ["init", "-input=false"],
      ["apply", "-auto-approve", "-input=false"],
    ]) {
      runs.push({ what: `terraform ${args[0]} ${name}`, run: await projectTerraform(project, dir, args, timeoutMs) });
    }
  }
  return runs;
}

/** The managed resource instances in a stack's state (`terraform state list` without data sources). */
export async function managedAddresses(project: EmulatedProject, stack: string, timeoutMs: number): Promise<string[]> {
  const run = await projectTerraform(project, path.join(project.dir, "cdktf.out", "stacks", stack), ["state", "list"], timeoutMs);
  return run.output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/(^|\.)data\./.test(line))
    .sort();
}

/** A stack's outputs from its state (`terraform output -json`): output name → value. */
export async function stackOutputs(project: EmulatedProject, stack: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const run = await projectTerraform(project, path.join(project.dir, "cdktf.out", "stacks", stack), ["output", "-json"], timeoutMs);
  const outputs = JSON.parse(run.output.slice(run.output.indexOf("{"))) as Record<string, { value: unknown }>;
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, o.value]));
}
