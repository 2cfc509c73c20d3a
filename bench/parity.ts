/**
 * The bench's parity check: a ratio only means something if both sides built the same resources.
 * Ours are what Terraform evaluates from the thin stacks and the published modules they call
 * (terraform/evaluate.ts: `terraform test` against a mocked AWS provider, ≈ 10-30 s per
 * broker count here); the baseline declares every instance as a literal block at its stacks'
 * roots, so each block is one instance.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateStacks, readStack } from "../terraform/evaluate";

/** How often each key occurs, by key, as JSON: `[["key", count], ...]`. */
function tally(keys: readonly string[]): string {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return JSON.stringify(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

const stacksIn = (outDir: string) => fs.readdirSync(path.join(outDir, "stacks")).sort();

/** Resource instances per type in every stack of the main job's output, as Terraform evaluates them. */
async function evaluatedCounts(outDir: string): Promise<string> {
  const stacks = await evaluateStacks(outDir, stacksIn(outDir));
  return tally(stacks.flatMap((stack) => stack.resources.map((r) => `${stack.name} ${r.type}`)));
}

/** Resource blocks per type in every stack of the baseline's output; refuses a block that would make several instances. */
function literalCounts(outDir: string): string {
  const instances: string[] = [];
  for (const stack of stacksIn(outDir)) {
    for (const [type, blocks] of Object.entries<Record<string, Record<string, unknown>>>(readStack(outDir, stack).resource ?? {})) {
      for (const [name, block] of Object.entries(blocks)) {
        if (block.for_each !== undefined || block.count !== undefined)
          throw new Error(`baseline ${stack}: ${type}.${name} has for_each or count; the parity check counts one instance per block`);
        instances.push(`${stack} ${type}`);
      }
    }
  }
  return tally(instances);
}

/** Throws unless the main job's output (`ours`) and the baseline's build the same resource instances. */
export async function assertSameResources(brokers: number, ours: string, baseline: string): Promise<void> {
  const a = await evaluatedCounts(ours);
  const b = literalCounts(baseline);
  if (a !== b) throw new Error(`${brokers} brokers: the baseline built other resources than the main job\n  main job: ${a}\n  baseline: ${b}`);
}
