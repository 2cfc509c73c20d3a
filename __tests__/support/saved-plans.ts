/**
 * Real saved plans of a deployed project: a configuration variant is synthesized by the main job
 * into a folder of its own, beside copies of the deployed states, and each named stack is planned
 * by terraform with the real AWS provider against the emulator (`terraform plan -out`, then
 * `terraform show -json`), as a pull request's CI would plan it. The workshop (`PlanWorkshop`)
 * never changes the deployment: each variant has a folder of its own, so variants are planned side
 * by side, and the workshop copies the deployed states, configuration and port lock when it is
 * made, so the project may be deployed again while its plans run. `savePlan` and `applySavedPlan`
 * plan the deployment itself and apply that saved plan, as a pipeline does once the plan is reviewed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { ConfigInput } from "../../config/schema";
import { EmulatedProject, runBounded } from "../../emulator/emulator";
import { runSynth } from "../../job/job";
import { lockPathFor } from "../../port-lock/port-lock";
import { sharedProviderEnv } from "../../terraform/run";

const TIMEOUT_MS = 180_000;

/** `terraform <args>` in `cwd` with the project's environment and its own data folder; throws unless it exits 0. */
async function terraformIn(project: EmulatedProject, cwd: string, dataDir: string, args: readonly string[]): Promise<string> {
  // `show` attaches to the run's shared AWS provider process (terraform/run.ts, sharedProviderEnv).
  const env = { ...project.env(), TF_DATA_DIR: dataDir, ...sharedProviderEnv(cwd, args, dataDir) };
  const run = await runBounded("terraform", args, { cwd, env, timeoutMs: TIMEOUT_MS });
  if (run.status !== 0) throw new Error(`terraform ${args.join(" ")} in ${cwd} failed (exit ${run.status}):\n${run.output.slice(-4000)}`);
  return run.output;
}

/** A plan saved by `terraform plan -out` of the stack folder `dir`, its JSON (`terraform show -json`), and the data folder it was planned with. */
export interface SavedPlan {
  readonly dir: string;
  readonly dataDir: string;
  readonly planFile: string;
  readonly json: string;
}

/**
 * Plans a stack folder of the deployment itself (refreshed, its state locked) and saves the plan
 * and its JSON in `where`; `applySavedPlan` then applies exactly that plan: what a pull request's
 * pipeline runs once the plan is reviewed.
 */
export async function savePlan(project: EmulatedProject, dir: string, name: string, where: string): Promise<SavedPlan> {
  const dataDir = path.join(where, `.terraform-${name}`);
  await terraformIn(project, dir, dataDir, ["init", "-input=false", "-no-color"]);
  const planFile = path.join(where, `${name}.tfplan`);
  await terraformIn(project, dir, dataDir, ["plan", "-input=false", "-no-color", `-out=${planFile}`]);
  const json = path.join(where, `${name}.json`);
  fs.writeFileSync(json, await terraformIn(project, dir, dataDir, ["show", "-json", planFile]));
  return { dir, dataDir, planFile, json };
}

/** Applies a plan `savePlan` saved, as saved. */
export async function applySavedPlan(project: EmulatedProject, plan: SavedPlan): Promise<void> {
  await terraformIn(project, plan.dir, plan.dataDir, ["apply", "-input=false", "-no-color", plan.planFile]);
}

export class PlanWorkshop {
  readonly dir: string;
  /** The project's states, configuration file and port lock as they were when the workshop was made. */
  readonly deployed: string;
  /** The deployed configuration file (in `deployed`); its port lock is beside it. */
  readonly configFile: string;
  private readonly initialized = new Set<string>();

  constructor(private readonly project: EmulatedProject) {
    this.dir = path.join(project.dir, "review");
    this.deployed = path.join(this.dir, "deployed");
    fs.mkdirSync(this.deployed, { recursive: true });
    this.configFile = path.join(this.deployed, path.basename(project.configFile));
    fs.copyFileSync(project.configFile, this.configFile);
    fs.copyFileSync(lockPathFor(project.configFile), lockPathFor(this.configFile));
    for (const state of fs.readdirSync(project.dir).filter((f) => /^terraform\..*\.tfstate$/.test(f))) {
      fs.copyFileSync(path.join(project.dir, state), path.join(this.deployed, state));
    }
  }

  /** A deployed stack's state file (a copy). */
  stateFile(stack: string): string {
    return path.join(this.deployed, `terraform.${stack}.tfstate`);
  }

  private terraform(cwd: string, dataDir: string, args: readonly string[]): Promise<string> {
    return terraformIn(this.project, cwd, dataDir, args);
  }

  /** Plans `dir` (a root module) with its own data folder; returns the path of the plan's JSON. */
  async planFolder(dir: string, name: string): Promise<string> {
    const dataDir = path.join(this.dir, `.terraform-${name}`);
    if (!this.initialized.has(dataDir)) {
      await this.terraform(dir, dataDir, ["init", "-input=false", "-no-color"]);
      this.initialized.add(dataDir);
    }
    const planFile = path.join(this.dir, `${name}.tfplan`);
    // -refresh=false: the deployed state is what moto holds (the deploy test reads it back); -lock=false: the state is a copy.
    await this.terraform(dir, dataDir, ["plan", "-input=false", "-no-color", "-refresh=false", "-lock=false", `-out=${planFile}`]);
    const json = path.join(this.dir, `${name}.json`);
    fs.writeFileSync(json, await this.terraform(dir, dataDir, ["show", "-json", planFile]));
    return json;
  }

  /** The modules a variant's synth wrote (`plan`), as a plain-Terraform root would copy them. */
  modulesOf(name: string): string {
    return path.join(this.dir, name, "modules");
  }

  /**
   * Synthesizes `document` into a folder of its own (`name`), with the deployed port lock as its
   * lock, beside copies of the deployed states, and plans `stacks` side by side; returns each
   * plan's JSON file, by stack.
   */
  async plan(
    name: string,
    document: ConfigInput,
    stacks: readonly string[],
    {
      allowPortChange = false,
      stateOf = {},
    }: { allowPortChange?: boolean; /** Stack → the deployed stack whose state it starts from (a renamed stack). */ stateOf?: Record<string, string> } = {},
  ): Promise<Record<string, string>> {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir);
    const configFile = path.join(dir, path.basename(this.configFile));
    fs.writeFileSync(configFile, stringify(document));
    fs.copyFileSync(lockPathFor(this.configFile), lockPathFor(configFile));
    for (const state of fs.readdirSync(this.deployed).filter((f) => /^terraform\..*\.tfstate$/.test(f))) {
      fs.copyFileSync(path.join(this.deployed, state), path.join(dir, state));
    }
    for (const [stack, from] of Object.entries(stateOf)) {
      fs.copyFileSync(this.stateFile(from), path.join(dir, `terraform.${stack}.tfstate`));
    }
    const out = path.join(dir, "synth");
    runSynth({ configFile, outDir: out, modulesOutDir: this.modulesOf(name), allowPortChange });
    const files = await Promise.all(stacks.map((stack) => this.planFolder(path.join(out, "stacks", stack), `${name}-${stack}`)));
    return Object.fromEntries(stacks.map((stack, i) => [stack, files[i]]));
  }
}
