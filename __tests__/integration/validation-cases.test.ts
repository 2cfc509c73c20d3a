/**
 * The shared table of accept/refuse cases (support/validation-cases.ts), the modules' half: each
 * case's configuration mapped to the three published modules' inputs (stacks/inputs.ts and the
 * modules' call.ts, as the deployable stacks call the modules) and planned by `terraform test`
 * (mock_provider "aws") against the module folders the packaging writes. Each case must get the
 * table's verdict from every layer: the configuration validator, and each module, which accepts
 * (a clean plan) or refuses with errors that name exactly the table's inputs, read from
 * `terraform test -json` (`expect_failures` cannot name the inputs of a module the module under
 * test calls, where the consumer's port checks are moving).
 *
 * A run the table expects to be refused gets a test file of its own: a refused run ends its file,
 * and one error can keep Terraform from evaluating other validations. The runs a module is
 * expected to accept are planned together, as calls of the module from one root, and planned one
 * by one only when that plan is not clean. Without terraform or the provider mirror this is
 * skipped with the reason (required in CI).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inPool, terraformAsync, terraformUnavailable } from "../../terraform/run";
import { useJsonForm } from "../../modules/packaging";
import { writeModules } from "../../stacks/examples";
import { mockProvider } from "../../terraform/evaluate";
import { renderTestFile } from "../support/test-files";
import { toHcl } from "../../modules/packaging/terraform-json";
import { itNeeds } from "../support/requirements";
import {
  CASES,
  caseDocument,
  MODULES,
  ModuleKey,
  ModuleRun,
  moduleRuns,
  validatedVariables,
  validatorDisagreement,
  validatorVerdict,
  ValidationCase,
} from "../support/validation-cases";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);

interface Diagnostic {
  readonly severity: string;
  readonly summary: string;
  readonly detail?: string;
  readonly range?: { readonly filename: string };
  readonly snippet?: { readonly code: string };
}

interface RunResult {
  status?: string;
  readonly diagnostics: Diagnostic[];
}

const LAYER: Record<ModuleKey, string> = {
  provider: `the provider module (${MODULES.provider})`,
  consumer: `the consumer module (${MODULES.consumer})`,
  brokerPorts: `the broker-ports module (${MODULES.brokerPorts})`,
};

/**
 * The module inputs a diagnostic holds responsible. A refused input of the module under test is
 * reported at its value in the test file (`name = value`); a refused input of a module it calls, at
 * the argument of that call, whose expression names the caller's inputs (`var.connection`).
 */
function inputsNamed(d: Diagnostic): string[] {
  const code = d.snippet?.code ?? "";
  if (d.range?.filename.endsWith(".tftest.hcl")) {
    const attribute = /^\s*([A-Za-z_][\w-]*)\s*=/.exec(code);
    return attribute ? [attribute[1]] : [];
  }
  return [...new Set([...code.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map((m) => m[1]))];
}

const describeDiagnostic = (d: Diagnostic) => `${d.summary}: ${(d.detail ?? "").split("\n")[0]} [${inputsNamed(d).join(", ") || "no input named"}]`;

/** What is wrong with a module's verdict on a run, or undefined when it is the table's. */
function moduleDisagreement(run: ModuleRun, result: RunResult | undefined): string | undefined {
  const layer = `${LAYER[run.module]}, run "${run.run}"`;
  if (result?.status === undefined) return `${layer}: terraform test reported no result for the run`;
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (run.refusedBy.length === 0) {
    return result.status === "pass" && errors.length === 0
      ? undefined
      : `${layer} refuses it (${result.status}), the table says it accepts:\n    ${errors.map(describeDiagnostic).join("\n    ")}`;
  }
  if (result.status === "pass") return `${layer} accepts it, the table says ${run.refusedBy.join(", ")} refuse${run.refusedBy.length === 1 ? "s" : ""} it`;
  const unnamed = run.refusedBy.filter((input) => !errors.some((d) => inputsNamed(d).includes(input)));
  const unexpected = errors.filter((d) => !inputsNamed(d).some((input) => run.refusedBy.includes(input)));
  if (unnamed.length === 0 && unexpected.length === 0) return undefined;
  return `${layer} refuses it naming other inputs than the table's (${run.refusedBy.join(", ")}):\n    ${errors.map(describeDiagnostic).join("\n    ") || "(no diagnostic)"}`;
}

const regionOverride = (target: string, region: string | undefined) =>
  region === undefined ? "" : `\n\noverride_data {\n  target = ${target}\n  values = ${toHcl({ id: region, name: region }, "  ")}\n}`;

/** A run's test file: the module's mocks, the region it is planned in, its inputs. */
function testFile(run: ModuleRun): string {
  return renderTestFile({
    file: `${run.run}.tftest.hcl`,
    preamble: run.module === "brokerPorts" ? "" : `${mockProvider("us-east-1").trimEnd()}${regionOverride("data.aws_region.current", run.region)}`,
    variables: run.inputs,
    runs: [{ name: run.run, command: "plan" }],
  });
}

/** Reads `terraform test -json` output: results by run name, and errors outside any run. */
function readTestOutput(stdout: string, into: Map<string, RunResult>, fileErrors: string[]): void {
  for (const line of stdout.split("\n").filter((l) => l.startsWith("{"))) {
    const message = JSON.parse(line);
    const name: string | undefined = message["@testrun"];
    if (name === undefined) {
      if (message.type === "diagnostic" && message.diagnostic.severity === "error")
        fileErrors.push(`${message["@testfile"] ?? "terraform test"}: ${describeDiagnostic(message.diagnostic)}`);
      continue;
    }
    const result = into.get(name) ?? { diagnostics: [] };
    into.set(name, result);
    if (message.type === "test_run" && message.test_run.progress === "complete") result.status = message.test_run.status;
    if (message.type === "diagnostic") result.diagnostics.push(message.diagnostic);
  }
}

async function init(dir: string): Promise<void> {
  const result = await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"]);
  if (result.status !== 0) throw new Error(`terraform init in ${dir} failed:\n${result.stderr}`);
}

/** Test files per `terraform test` process, so that the pool gets even shares. */
const FILES_PER_PROCESS = 16;

/**
 * Plans runs one test file each (a refused run ends its file) in an initialised module folder;
 * results by run name. The files go to a test directory of their own: terraform test loads every
 * file of its directory, whatever `-filter` says, and each costs a start of the AWS provider.
 */
async function planEach(dir: string, runs: readonly ModuleRun[], fileErrors: string[]): Promise<Map<string, RunResult>> {
  const tests = fs.mkdtempSync(path.join(dir, "tests-"));
  for (const run of runs) fs.writeFileSync(path.join(tests, `${run.run}.tftest.hcl`), testFile(run));
  const test = await terraformAsync(dir, ["test", "-json", "-no-color", `-test-directory=${path.basename(tests)}`], { timeoutMs: 240_000 });
  const results = new Map<string, RunResult>();
  readTestOutput(test.stdout, results, fileErrors);
  if (results.size === 0) fileErrors.push(`terraform test in ${dir} reported no run (exit ${test.status}):\n${test.stderr}${test.stdout.slice(0, 4000)}`);
  return results;
}

/**
 * Plans runs the table expects a module to accept in one plan: a root module that calls the
 * module once per run. Sound only when the plan is clean (an error may keep Terraform from
 * evaluating other calls' validations), so any error answers nothing: then each is planned alone.
 */
async function planAccepted(modulesDir: string, module: ModuleKey, runs: readonly ModuleRun[], fileErrors: string[]): Promise<Map<string, RunResult>> {
  const dir = path.join(modulesDir, `accepted-${MODULES[module]}`);
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  const calls = Object.fromEntries(runs.map((r) => [r.run, { source: `../${MODULES[module]}`, ...r.inputs }]));
  // The provider block is the one the mock replaces; the modules take the root's default provider.
  const root = { terraform: { required_providers: { aws: { source: "hashicorp/aws" } } }, provider: { aws: { region: "us-east-1" } }, module: calls };
  fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(root, null, 2));
  const overrides = runs.map((r) => regionOverride(`module.${r.run}.data.aws_region.current`, r.region)).join("");
  fs.writeFileSync(
    path.join(dir, "tests", "accepted.tftest.hcl"),
    `${mockProvider("us-east-1").trimEnd()}${overrides}\n\nrun "accepted" {\n  command = plan\n}\n`,
  );
  await init(dir);
  const test = await terraformAsync(dir, ["test", "-json", "-no-color"], { timeoutMs: 240_000 });
  const batch = new Map<string, RunResult>();
  readTestOutput(test.stdout, batch, fileErrors);
  const result = batch.get("accepted");
  if (result?.status === "pass" && !result.diagnostics.some((d) => d.severity === "error")) return new Map(runs.map((r) => [r.run, result]));
  console.log(
    `${MODULES[module]}: the plan of the ${runs.length} runs expected to be accepted is not clean (${result?.status}); planning each alone\n  ${(result?.diagnostics ?? []).map(describeDiagnostic).join("\n  ")}`,
  );
  return planEach(path.join(modulesDir, MODULES[module]), runs, fileErrors);
}

/**
 * Plans every run of the table. Cases that give a module the same inputs share one plan; the runs
 * the table expects a module to refuse get a test file each (≈ 0.65 s of CPU a run: the mocked AWS
 * provider starts twice), those it expects to be accepted one plan together.
 */
async function planAll(
  modulesDir: string,
  runs: readonly ModuleRun[],
): Promise<{ results: Map<ModuleKey, Map<string, RunResult>>; fileErrors: string[]; plans: number; timings: string[] }> {
  const keys = Object.keys(MODULES) as ModuleKey[];
  const fileErrors: string[] = [];
  const results = new Map<ModuleKey, Map<string, RunResult>>();
  const jobs: Array<() => Promise<void>> = [];
  let plans = 0;
  const timings: string[] = [];
  const timed = (what: string, job: () => Promise<void>) => async () => {
    const started = Date.now();
    await job();
    timings.push(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  await inPool(keys.map((module) => () => init(path.join(modulesDir, MODULES[module]))));
  for (const module of keys) {
    const dir = path.join(modulesDir, MODULES[module]);
    const byInputs = new Map<string, ModuleRun[]>();
    for (const run of runs.filter((r) => r.module === module)) {
      const key = JSON.stringify([run.region, run.inputs]);
      byInputs.set(key, [...(byInputs.get(key) ?? []), run]);
    }
    const groups = [...byInputs.values()];
    const byRun = new Map<string, RunResult>();
    results.set(module, byRun);
    const share = (planned: Map<string, RunResult>) => {
      for (const group of groups) if (planned.has(group[0].run)) for (const run of group) byRun.set(run.run, planned.get(group[0].run)!);
    };
    // The broker-ports module has no provider to mock: its runs cost milliseconds each.
    const batched = module === "brokerPorts" ? [] : groups.filter((g) => g[0].refusedBy.length === 0).map((g) => g[0]);
    const each = groups.map((g) => g[0]).filter((r) => !batched.includes(r));
    plans += each.length + (batched.length > 0 ? 1 : 0);
    const processes = Math.ceil(each.length / FILES_PER_PROCESS);
    for (let i = 0; i < processes; i++) {
      const chunk = each.filter((_, j) => j % processes === i);
      jobs.push(timed(`${MODULES[module]}: ${chunk.length} expected refusals`, async () => share(await planEach(dir, chunk, fileErrors))));
    }
    if (batched.length > 0)
      jobs.push(
        timed(`${MODULES[module]}: ${batched.length} expected acceptances`, async () => share(await planAccepted(modulesDir, module, batched, fileErrors))),
      );
  }
  await inPool(jobs);
  return { results, fileErrors, plans, timings };
}

describe("the shared table of validation cases: the modules' validations", () => {
  let work: string;
  const runs = new Map<string, ModuleRun[]>(CASES.map((c) => [c.name, moduleRuns(c)]));
  const results = new Map<ModuleKey, Map<string, RunResult>>();
  const fileErrors: string[] = [];
  let validated: Record<ModuleKey, string[]>;

  beforeAll(async () => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-validation-cases-"));
    writeModules(work);
    validated = validatedVariables(work);
    const started = Date.now();
    const planned = await planAll(work, [...runs.values()].flat());
    planned.results.forEach((byRun, module) => results.set(module, byRun));
    fileErrors.push(...planned.fileErrors);
    console.log(
      `${CASES.length} cases: ${[...runs.values()].flat().length} module runs in ${planned.plans} plans, ${((Date.now() - started) / 1000).toFixed(1)} s\n  ${planned.timings.join("\n  ")}`,
    );
  }, 300_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  const layersDisagree = (c: ValidationCase) =>
    [
      validatorDisagreement(c, validatorVerdict(caseDocument(c))),
      ...runs.get(c.name)!.map((run) => moduleDisagreement(run, results.get(run.module)!.get(run.run))),
    ].filter((d): d is string => d !== undefined);

  for (const c of CASES) {
    itTf(`${c.name}: every layer gives the table's verdict`, () => {
      expect(`${c.name}: ${layersDisagree(c).join("\n  ")}`).toBe(`${c.name}: `);
    });
  }

  itTf("terraform test read every test file without an error of its own", () => {
    expect(fileErrors).toEqual([]);
  });

  itTf(
    "a module that accepts what the table refuses is reported as the layer that disagrees",
    async () => {
      // A copy of the modules without the provider's principal rules (a condition must refer to its
      // variable: Terraform refuses a literal true). Not the idle timeout: the AWS provider's own
      // schema refuses 59 s at plan time, and names the input too.
      const broken = path.join(work, "broken");
      for (const module of [MODULES.provider, MODULES.brokerPorts]) {
        fs.cpSync(path.join(work, module), path.join(broken, module), {
          recursive: true,
          filter: (src) => !src.includes(`${path.sep}.terraform`) && !src.includes(`${path.sep}tests`),
        });
      }
      useJsonForm(path.join(broken, MODULES.provider), MODULES.provider);
      const file = path.join(broken, MODULES.provider, "variables.tf.json");
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      doc.variable.allowed_principals.validation = [{ condition: "${var.allowed_principals != null}", error_message: "allowed_principals must be given." }];
      fs.writeFileSync(file, JSON.stringify(doc, null, 2));
      await init(path.join(broken, MODULES.provider));
      const run = moduleRuns(CASES.find((c) => c.name === "refuses_any_principal")!).find((r) => r.module === "provider")!;
      const errors: string[] = [];
      const result = (await planEach(path.join(broken, MODULES.provider), [run], errors)).get(run.run);
      expect(errors).toEqual([]);
      expect(moduleDisagreement(run, result)).toBe(`${LAYER.provider}, run "refuses_any_principal" accepts it, the table says allowed_principals refuses it`);
    },
    120_000,
  );

  itTf("every module variable with a validation block is refused by at least one case in Terraform", () => {
    for (const module of Object.keys(MODULES) as ModuleKey[]) {
      const refused = new Set([...results.get(module)!.values()].flatMap((r) => r.diagnostics.filter((d) => d.severity === "error").flatMap(inputsNamed)));
      expect({ module, unrefused: validated[module].filter((v) => !refused.has(v)) }).toEqual({ module, unrefused: [] });
    }
  });
});
