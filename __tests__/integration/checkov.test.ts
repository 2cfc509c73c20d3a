/**
 * The field's scanner judges what we publish and deploy: checkov (PyPI, pinned in
 * toolchain/checkov-requirements.txt, installed by `npm run checkov:install` into .venv-checkov)
 * over the published modules' HCL, and over real plans of the deployable stacks (Terraform's JSON
 * plan of each stack against the mock provider, as `terraform show -json` writes it). Both must
 * have no failed check and no parsing error. A check that does not apply is skipped in the module
 * code with its reason (modules/packaging/terraform-hcl.ts `skipCheck`); the plan scan skips the
 * same checks, and the README's security section lists every skip. Offline: `--skip-download`.
 * Needs checkov, terraform and the provider mirror (skipped with the reason without them,
 * required in CI). Costs ≈ 2 minutes (checkov starts in ≈ 25 s).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { terraform, terraformInit, terraformUnavailable } from "../../terraform/run";
import { checkovSkips } from "../../modules/packaging";
import { writeModules } from "../../stacks/examples";
import { configInput } from "../support/configs";
import { synthInto } from "../support/main-job";
import { itNeeds } from "../support/requirements";

const ROOT = path.join(__dirname, "..", "..");
const CHECKOV = process.env.PRIVATELINK_CHECKOV || path.join(ROOT, ".venv-checkov", "bin", "checkov");
const SERVICE_NAME = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

function checkovUnavailable(): string | undefined {
  const version = spawnSync(CHECKOV, ["--version"], { encoding: "utf8", timeout: 120_000 });
  if (version.error || version.status !== 0)
    return `no checkov at ${CHECKOV} (${version.error?.message ?? version.stderr.trim()}); run npm run checkov:install or set PRIVATELINK_CHECKOV`;
  return undefined;
}

const missing = checkovUnavailable() ?? terraformUnavailable();
const itScans = itNeeds("checkov, terraform and the provider mirror", missing);

interface Report {
  check_type: string;
  summary: { passed: number; failed: number; skipped: number; parsing_errors: number; resource_count: number };
  results?: {
    failed_checks?: Array<{ check_id: string; resource: string; file_path: string }>;
    skipped_checks?: Array<{ check_id: string; resource: string }>;
  };
}

function checkov(args: readonly string[]): Report[] {
  const run = spawnSync(CHECKOV, [...args, "--skip-download", "--compact", "-o", "json"], {
    encoding: "utf8",
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LOG_LEVEL: "ERROR" },
  });
  if (run.error) throw run.error;
  const parsed = JSON.parse(run.stdout) as Report | Report[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

interface Change {
  address: string;
  module_address?: string;
  mode: string;
  type: string;
  name: string;
  index?: unknown;
  provider_name: string;
  change: { actions: string[]; after: unknown; after_unknown?: unknown };
}

/**
 * `terraform test -json -verbose` reports a run's plan with its resource changes but without
 * `planned_values`, which checkov reads: laid out as `terraform show -json` writes a plan, each
 * changed resource's planned values (`change.after`) under its module.
 */
function showJson(plan: { resource_changes?: Change[] }, terraformVersion: string): Record<string, unknown> {
  const changes = (plan.resource_changes ?? []).filter((c) => c.mode === "managed" && !c.change.actions.includes("delete"));
  const resource = (c: Change) => ({
    address: c.address,
    mode: c.mode,
    type: c.type,
    name: c.name,
    ...(c.index !== undefined ? { index: c.index } : {}),
    provider_name: c.provider_name,
    values: c.change.after,
  });
  const modules = [...new Set(changes.map((c) => c.module_address).filter((m): m is string => m !== undefined))];
  return {
    format_version: "1.2",
    // checkov tells a plan from other JSON by this field.
    terraform_version: terraformVersion,
    planned_values: {
      root_module: {
        resources: changes.filter((c) => !c.module_address).map(resource),
        child_modules: modules.map((address) => ({ address, resources: changes.filter((c) => c.module_address === address).map(resource) })),
      },
    },
    resource_changes: plan.resource_changes ?? [],
  };
}

const failures = (reports: Report[]) => reports.flatMap((r) => (r.results?.failed_checks ?? []).map((f) => `${f.check_id} ${f.resource} (${f.file_path})`));

describe("checkov, the field's scanner", () => {
  let work: string;
  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-checkov-"));
  });
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  it("the README's security section lists every check skipped in the module code, with the resource", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Security scan"));
    expect(checkovSkips().length).toBeGreaterThan(0);
    for (const skip of checkovSkips()) expect(section).toContain(`| \`${skip.check}\` | \`${skip.module}\` \`${skip.address}\` |`);
  });

  itScans(
    "the published modules (HCL): no failed check, no parsing error; every skipped check is one the code skips with its reason",
    () => {
      const modules = path.join(work, "modules");
      writeModules(modules);
      const reports = checkov(["-d", modules, "--framework", "terraform"]);
      expect(failures(reports)).toEqual([]);
      expect(reports.map((r) => r.summary.parsing_errors)).toEqual(reports.map(() => 0));
      expect(reports.reduce((n, r) => n + r.summary.passed, 0)).toBeGreaterThan(20);
      const skipped = new Set(reports.flatMap((r) => (r.results?.skipped_checks ?? []).map((s) => s.check_id)));
      // Every skip checkov reports is one the code declares (a graph check that passes anyway is not reported).
      const declared = new Set(checkovSkips().map((s) => s.check));
      expect([...skipped].filter((c) => !declared.has(c))).toEqual([]);
      expect(skipped).toContain("CKV_AWS_91");
    },
    300_000,
  );

  itScans(
    "real plans of the deployable stacks (Terraform's plan against the mock provider, in terraform show -json's layout): no failed check, no parsing error",
    () => {
      const out = synthInto(
        path.join(work, "synth"),
        configInput([1, 2, 3], { cluster: { alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"] } } }),
      ).out;
      const mock = fs.readFileSync(path.join(out, "modules", "kafka-privatelink-provider", "tests", "provider.tftest.hcl"), "utf8");
      const mockProvider = mock.slice(mock.indexOf('mock_provider "aws" {'), mock.indexOf("\n}\n", mock.indexOf('mock_provider "aws" {')) + 3);
      const plans: string[] = [];
      const version = JSON.parse(terraform(out, ["version", "-json"]).stdout).terraform_version as string;
      for (const stack of fs.readdirSync(path.join(out, "stacks"))) {
        const dir = path.join(out, "stacks", stack);
        const text = fs.readFileSync(path.join(dir, "cdk.tf.json"), "utf8");
        const remote = [...new Set([...text.matchAll(/data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)].map((m) => `${m[1]}|${m[2]}`))];
        const overrides = remote
          .map((r) => r.split("|"))
          .map(
            ([name, output]) =>
              `  override_data {\n    target = data.terraform_remote_state.${name}\n    values = { outputs = { ${JSON.stringify(output)} = ${JSON.stringify(SERVICE_NAME)} } }\n  }`,
          )
          .join("\n");
        fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
        fs.writeFileSync(path.join(dir, "tests", "plan.tftest.hcl"), `${mockProvider}\nrun "plan" {\n  command = plan\n${overrides}\n}\n`);
        // The stack's local backend is not used by terraform test.
        terraformInit(dir);
        const run = terraform(dir, ["test", "-json", "-verbose", "-no-color"]);
        const plan = run.stdout
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l))
          .find((m) => m.type === "test_plan")?.test_plan;
        if (!plan) throw new Error(`no plan for ${stack}:\n${run.stdout.slice(-4000)}\n${run.stderr}`);
        const file = path.join(work, "plans", `${stack}.json`);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(showJson(plan, version)));
        plans.push(file);
      }
      expect(plans.length).toBe(2);
      const skip = [...new Set(checkovSkips().map((s) => s.check))].join(",");
      const reports = checkov([...plans.flatMap((f) => ["-f", f]), "--framework", "terraform_plan", "--skip-check", skip]);
      expect(failures(reports)).toEqual([]);
      expect(reports.map((r) => r.summary.parsing_errors)).toEqual(reports.map(() => 0));
      expect(reports.reduce((n, r) => n + r.summary.resource_count, 0)).toBeGreaterThan(10);
    },
    600_000,
  );
});
