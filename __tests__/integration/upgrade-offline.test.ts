/**
 * The upgrade proof without the emulator: Terraform applies the stacks layout 0.1.0 synthesized
 * (__tests__/fixtures/layout-0.1.0/, every resource at the stack root) against the mock AWS
 * provider, then plans the stacks the current main job synthesizes from the same configuration on
 * that same state (`state_key`): the plan must add, change and destroy nothing, and find each
 * resource in the state under its old address (`moved` blocks into the module call). The changes
 * are Terraform's own JSON plan (`terraform test -json -verbose`). The emulator test
 * (upgrade.test.ts) proves the same against the AWS API; this one needs only Terraform and the
 * provider mirror. Costs about 45 s (three terraform test runs of 15 s).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { terraformUnavailable } from "../../emulator/terraform";
import { readOldStacks } from "../../emulator/upgrade";
import { synthInto } from "../support/main-job";
import { itNeeds } from "../support/requirements";
import { planRuns, ResourceChange } from "../support/terraform-plans";

const FIXTURE = path.join(__dirname, "..", "fixtures", "layout-0.1.0");
const MODULE_PREFIX = "module.kafka.";
/** What the mocked provider state holds as the endpoint service's name, read by the consumer through the remote state. */
const SERVICE_NAME = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);

/** The published module's own mock provider (valid ARN shapes, DNS-enabled VPCs), from its shipped test. */
function mockProvider(moduleDir: string): string {
  const tests = path.join(moduleDir, "tests");
  const text = fs.readFileSync(path.join(tests, fs.readdirSync(tests).sort()[0]), "utf8");
  const start = text.indexOf('mock_provider "aws" {');
  if (start < 0) throw new Error(`no mock_provider "aws" in ${tests}`);
  return text.slice(start, text.indexOf("\n}\n", start) + 2);
}

/**
 * `override_data` blocks for a stack's cross-stack reads (`data.terraform_remote_state.<name>.outputs.<output>`):
 * a run here has no provider state to read, so each read output is the endpoint service's name.
 */
function remoteStateOverrides(stackText: string): string {
  const outputs = new Map<string, Set<string>>();
  for (const m of stackText.matchAll(/data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    outputs.set(m[1], (outputs.get(m[1]) ?? new Set()).add(m[2]));
  }
  return [...outputs]
    .map(([name, read]) => {
      const values = [...read].map((o) => `${JSON.stringify(o)} = ${JSON.stringify(SERVICE_NAME)}`).join(", ");
      return `  override_data {\n    target = data.terraform_remote_state.${name}\n    values = { outputs = { ${values} } }\n  }`;
    })
    .join("\n");
}

describe("upgrading a layout 0.1.0 deployment (resources at the stack root), planned by Terraform against the mock provider", () => {
  let work: string;
  let current: { out: string; modules: string };
  const oldStacks = readOldStacks(FIXTURE);

  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-upgrade-offline-"));
    current = synthInto(path.join(work, "current"), parse(fs.readFileSync(path.join(FIXTURE, "orders.yaml"), "utf8")), "orders.yaml");
  }, 120_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  /**
   * The current stack's plan on the state the 0.1.0 stack left (its managed resources), in a test
   * folder holding the old stack and the current output folder whole (its stacks call modules by
   * relative paths); the root is the old stack, as a deployment's folder was. `edit` changes the
   * current stack's document before the plan.
   */
  function upgradePlan(stack: string, name: string, edit: (doc: Record<string, unknown>) => void = () => {}): ResourceChange[] {
    const half = stack.includes("-consumer-") ? "consumer" : "provider";
    const oldText = oldStacks[stack];
    const dir = path.join(work, name);
    fs.mkdirSync(path.join(dir, "old"), { recursive: true });
    fs.writeFileSync(path.join(dir, "old", "cdk.tf.json"), oldText);
    fs.writeFileSync(path.join(dir, "main.tf.json"), oldText);
    fs.cpSync(current.out, path.join(dir, "current"), { recursive: true });
    const currentFile = path.join(dir, "current", "stacks", stack, "cdk.tf.json");
    const doc = JSON.parse(fs.readFileSync(currentFile, "utf8"));
    edit(doc);
    const currentText = JSON.stringify(doc, null, 2);
    fs.writeFileSync(currentFile, currentText);
    const run = (runName: string, command: string, source: string, text: string) =>
      `run "${runName}" {\n  command   = ${command}\n  state_key = "stack"\n  module {\n    source = "${source}"\n  }\n${remoteStateOverrides(text)}\n}`;
    const plans = planRuns(
      dir,
      [
        mockProvider(path.join(current.modules, `kafka-privatelink-${half}`)),
        run("old", "apply", "./old", oldText),
        run("current", "plan", `./current/stacks/${stack}`, currentText),
      ].join("\n\n"),
    );
    return plans.current.filter((c) => c.mode === "managed");
  }

  for (const stack of Object.keys(oldStacks)) {
    itTf(`${stack}: the current stack's plan on the 0.1.0 state adds, changes and destroys nothing and moves every resource into ${MODULE_PREFIX.slice(0, -1)}`, () => {
      const managed = upgradePlan(stack, stack);
      expect(managed.length).toBeGreaterThan(0);
      expect(managed.filter((c) => c.actions !== "no-op")).toEqual([]);
      // Every resource is found in the 0.1.0 state under its root address, and now sits in the module call.
      expect(managed.filter((c) => !c.address.startsWith(MODULE_PREFIX) || !c.previousAddress || c.previousAddress.startsWith("module."))).toEqual([]);
    }, 180_000);
  }

  itTf("can tell: without its moved blocks, the current provider stack's plan destroys every resource of the 0.1.0 state and creates it again", () => {
    const stack = Object.keys(oldStacks).find((s) => !s.includes("-consumer-"))!;
    const managed = upgradePlan(stack, "unmoved", (doc) => {
      expect((doc.moved as unknown[] | undefined)?.length ?? 0).toBeGreaterThan(0);
      delete doc.moved;
    });
    const old = JSON.parse(oldStacks[stack]).resource as Record<string, Record<string, unknown>>;
    const oldResources = Object.entries(old).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
    const deleted = new Set(managed.filter((c) => c.actions === "delete").map((c) => c.address.replace(/\[[^\]]*\]$/, "")));
    expect([...deleted].sort()).toEqual(oldResources.sort());
    expect(managed.filter((c) => c.actions !== "delete" && c.actions !== "create")).toEqual([]);
  }, 180_000);
});
