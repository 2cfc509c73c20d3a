import * as fs from "node:fs";
import * as path from "node:path";
import { terraform, terraformInit } from "../../emulator/terraform";

/** A run's planned changes as Terraform reports them: `address` → actions, no-ops left out. */
export type PlannedChanges = Record<string, string>;

/**
 * Runs `test` (a `.tftest.hcl` text, usually apply-then-plan runs against `mock_provider "aws"`)
 * in `dir` and returns each plan run's `resource_changes` from Terraform's own JSON plan
 * (`terraform test -json -verbose`): real plans against mock-applied state.
 */
export function plannedChanges(dir: string, test: string): Record<string, PlannedChanges> {
  fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
  const file = path.join(dir, "tests", "plans.tftest.hcl");
  fs.writeFileSync(file, test);
  try {
    terraformInit(dir);
    const run = terraform(dir, ["test", "-json", "-verbose", "-no-color", "-filter", path.join("tests", "plans.tftest.hcl")]);
    const messages = run.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    if (run.status !== 0) {
      const diagnostics = messages.filter((m) => m.type === "diagnostic").map((m) => `${m["@message"]}\n${m.diagnostic?.detail ?? ""}`);
      throw new Error(`terraform test failed in ${dir}:\n${diagnostics.join("\n")}\n${run.stderr}`);
    }
    const plans: Record<string, PlannedChanges> = {};
    for (const m of messages) {
      if (m.type !== "test_plan") continue;
      const changes: PlannedChanges = {};
      for (const rc of m.test_plan.resource_changes ?? []) {
        const actions = rc.change.actions.join(",");
        if (actions !== "no-op" && actions !== "read") changes[rc.address] = actions;
      }
      plans[m["@testrun"]] = changes;
    }
    return plans;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** `{ address: "create" }` for each address. */
export const creates = (addresses: readonly string[]): PlannedChanges => Object.fromEntries(addresses.map((a) => [a, "create"]));
export const deletes = (addresses: readonly string[]): PlannedChanges => Object.fromEntries(addresses.map((a) => [a, "delete"]));
