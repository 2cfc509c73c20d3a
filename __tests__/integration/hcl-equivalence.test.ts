/**
 * One source, two forms: the published modules are HCL rendered from the Terraform JSON the
 * constructs synthesize (modules/packaging/terraform-hcl.ts). The proof: for every module and every
 * example, Terraform's plan of the JSON form and of the HCL form are identical (`terraform test
 * -json -verbose` plans against `mock_provider "aws"`: resource changes, planned values and
 * outputs; the `configuration` section, which echoes the source text, aside). Needs terraform and
 * the provider mirror (skipped with the reason without them, required in CI). Costs ≈ 2 minutes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { terraform, terraformInit, terraformUnavailable } from "../../terraform/run";
import { HCL_FILE, moduleExamples, moduleJsonFiles } from "../../modules/packaging";
import { renderJson } from "../../modules/packaging/terraform-json";
import { moduleExampleDocs, SAMPLE_CONFIG, writeModules } from "../../stacks/examples";
import { itNeeds } from "../support/requirements";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);
const MODULES = ["kafka-broker-ports", "kafka-privatelink-provider", "kafka-privatelink-consumer"];
const SERVICE_NAME = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

/** The module's own test preamble (mock provider) and file-level variables: its shipped test file without its runs. */
function preamble(moduleDir: string): string {
  const tests = path.join(moduleDir, "tests");
  const text = fs.readFileSync(path.join(tests, fs.readdirSync(tests).sort()[0]), "utf8");
  const firstRun = text.indexOf('\nrun "');
  return firstRun < 0 ? text : text.slice(0, firstRun + 1);
}

const mockOnly = (moduleDir: string) => {
  const text = preamble(moduleDir);
  const start = text.indexOf('mock_provider "aws" {');
  return start < 0 ? "" : text.slice(start, text.indexOf("\n}\n", start) + 3);
};

/** Each plan run's plan (resource changes, planned values, output changes) from `terraform test -json -verbose`. */
function plans(dir: string, file: string, text: string): Record<string, unknown> {
  fs.writeFileSync(path.join(dir, "tests", file), text);
  try {
    // init after the test file is in place: it installs the modules its runs call.
    terraformInit(dir);
    const run = terraform(dir, ["test", "-json", "-verbose", "-no-color", "-filter", path.join("tests", file)]);
    const messages = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    if (run.status !== 0) {
      const diagnostics = messages.filter((m) => m.type === "diagnostic").map((m) => `${m["@message"]}\n${m.diagnostic?.detail ?? ""}`);
      throw new Error(`terraform test failed in ${dir}:\n${diagnostics.join("\n")}\n${run.stderr}`);
    }
    const out: Record<string, unknown> = {};
    for (const m of messages) {
      if (m.type !== "test_plan") continue;
      const { resource_changes, planned_values, output_changes, relevant_attributes } = m.test_plan;
      // relevant_attributes is a set: its order follows the order Terraform walked the configuration.
      const relevant = (relevant_attributes ?? []).map((a: unknown) => JSON.stringify(a)).sort();
      out[m["@testrun"]] = { resource_changes, planned_values, output_changes, relevant };
    }
    return out;
  } finally {
    fs.rmSync(path.join(dir, "tests", file), { force: true });
  }
}

describe("the published modules' HCL is the constructs' Terraform JSON in another syntax", () => {
  let work: string;
  const forms = { hcl: "", json: "" };

  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-hcl-equivalence-"));
    forms.hcl = path.join(work, "hcl");
    forms.json = path.join(work, "json");
    writeModules(forms.hcl);
    // The JSON form: the same folders, with the module code and the examples as Terraform JSON.
    writeModules(forms.json);
    const examples = moduleExampleDocs(SAMPLE_CONFIG);
    for (const module of MODULES) {
      const dir = path.join(forms.json, module);
      for (const [file, text] of Object.entries(moduleJsonFiles(module))) {
        fs.rmSync(path.join(dir, HCL_FILE[file]));
        fs.writeFileSync(path.join(dir, file), text);
      }
      for (const example of moduleExamples(module)) {
        fs.rmSync(path.join(dir, "examples", example, "main.tf"));
        fs.writeFileSync(path.join(dir, "examples", example, "main.tf.json"), renderJson(examples[module][example]));
      }
    }
  }, 60_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  itTf("no *.tf.json in the published folders: module code and examples are HCL", () => {
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    expect(walk(forms.hcl).filter((f) => f.endsWith(".tf.json"))).toEqual([]);
    for (const module of MODULES) for (const file of Object.values(HCL_FILE)) expect(fs.existsSync(path.join(forms.hcl, module, file))).toBe(true);
  });

  for (const module of MODULES) {
    itTf(
      `${module}: the module's plan and each example's plan are the same from the JSON form and the HCL form`,
      () => {
        const planned: Record<string, Record<string, unknown>> = {};
        for (const [form, root] of Object.entries(forms)) {
          const dir = path.join(root, module);
          const examples = moduleExamples(module)
            .map(
              (e) =>
                `run "example_${e.replace(/-/g, "_")}" {\n  command = plan\n\n  variables {\n    service_name = "${SERVICE_NAME}"\n  }\n\n  module {\n    source = "./examples/${e}"\n  }\n}\n`,
            )
            .join("\n");
          planned[form] = {
            ...plans(dir, "equivalence.tftest.hcl", `${preamble(dir)}\nrun "module" {\n  command = plan\n}\n`),
            ...plans(dir, "examples.tftest.hcl", `${mockOnly(dir)}\n${examples}`),
          };
        }
        expect(Object.keys(planned.hcl).sort()).toEqual(["module", ...moduleExamples(module).map((e) => `example_${e.replace(/-/g, "_")}`)].sort());
        for (const run of Object.keys(planned.json)) {
          expect(JSON.stringify(planned.json[run]).length).toBeGreaterThan(100);
          expect([run, planned.hcl[run]]).toEqual([run, planned.json[run]]);
        }
      },
      300_000,
    );
  }
});
