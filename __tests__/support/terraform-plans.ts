import * as fs from "node:fs";
import * as path from "node:path";
import { terraform, terraformInit } from "../../terraform/run";

/** A run's planned changes as Terraform reports them: `address` → actions, no-ops left out. */
export type PlannedChanges = Record<string, string>;

/** One resource instance of a plan run, as Terraform's JSON plan `resource_changes` holds it. */
export interface ResourceChange {
  readonly address: string;
  /** The address the state held it under, when the plan moves it (a `moved` block). */
  readonly previousAddress?: string;
  readonly mode: "managed" | "data";
  /** `no-op`, `create`, `delete,create`, … */
  readonly actions: string;
}

/**
 * Runs `test` (a `.tftest.hcl` text, usually apply-then-plan runs against `mock_provider "aws"`)
 * in `dir` and returns each plan run's `resource_changes` from Terraform's own JSON plan
 * (`terraform test -json -verbose`): real plans against mock-applied state.
 */
export function planRuns(dir: string, test: string): Record<string, ResourceChange[]> {
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
    const plans: Record<string, ResourceChange[]> = {};
    for (const m of messages) {
      if (m.type !== "test_plan") continue;
      plans[m["@testrun"]] = (m.test_plan.resource_changes ?? []).map(
        (rc: { address: string; previous_address?: string; mode: "managed" | "data"; change: { actions: string[] } }) => ({
          address: rc.address,
          ...(rc.previous_address ? { previousAddress: rc.previous_address } : {}),
          mode: rc.mode,
          actions: rc.change.actions.join(","),
        }),
      );
    }
    return plans;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/** Each plan run's changes (planRuns), no-ops and reads left out: `address` → actions. */
export function plannedChanges(dir: string, test: string): Record<string, PlannedChanges> {
  const plans = planRuns(dir, test);
  return Object.fromEntries(
    Object.entries(plans).map(([name, changes]) => [
      name,
      Object.fromEntries(changes.filter((c) => c.actions !== "no-op" && c.actions !== "read").map((c) => [c.address, c.actions])),
    ]),
  );
}

/** `{ address: "create" }` for each address. */
export const creates = (addresses: readonly string[]): PlannedChanges => Object.fromEntries(addresses.map((a) => [a, "create"]));
export const deletes = (addresses: readonly string[]): PlannedChanges => Object.fromEntries(addresses.map((a) => [a, "delete"]));
