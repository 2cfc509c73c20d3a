/**
 * The resource changes and moves a plan lists, read from its text as the cdktf CLI prints it (a
 * `cdktf diff`, or the plan `terraform apply` prints in a `cdktf deploy`) or from a saved plan's
 * JSON: the deploy test checks that a day-two change did only what it should, and that a new
 * layout only moves what an older one deployed.
 */

export type Action = "create" | "destroy" | "update" | "replace";
export interface PlannedChange {
  readonly address: string;
  readonly action: Action;
}

const ACTIONS: Record<string, Action> = {
  "will be created": "create",
  "will be destroyed": "destroy",
  "will be updated in-place": "update",
  "must be replaced": "replace",
};

/**
 * The resource changes in terraform's plan text (`# <address> will be created`, …; cdktf writes the
 * construct path after the resource name: `# aws_lb_listener.broker (kafka/broker-listener)["4"]`),
 * checked against the plan's own count so that a line the pattern misses cannot pass unseen.
 */
export function plannedChanges(output: string): PlannedChange[] {
  const found = new Map<string, Action>();
  const line = /#\s+([^\s(]+)(?:\s+\([^)]*\))?(\[[^\]]*\])?\s+(will be created|will be destroyed|will be updated in-place|must be replaced)/g;
  for (const m of output.matchAll(line)) found.set(`${m[1]}${m[2] ?? ""}`, ACTIONS[m[3]]);
  const changes = [...found].map(([address, action]) => ({ address, action })).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  const summary = /Plan: (\d+) to add, (\d+) to change, (\d+) to destroy/.exec(output);
  const counted = summary ? Number(summary[1]) + Number(summary[2]) + Number(summary[3]) : /no changes/i.test(output) ? 0 : undefined;
  if (counted === undefined) throw new Error(`no plan summary in the cdktf diff output:\n${output.slice(-4000)}`);
  // A replacement counts once to add and once to destroy.
  const listed = changes.reduce((n, c) => n + (c.action === "replace" ? 2 : 1), 0);
  if (listed !== counted) throw new Error(`the plan counts ${counted} changes, the pattern found ${listed}:\n${output.slice(-4000)}`);
  return changes;
}

/**
 * The resource changes of a saved plan's JSON (`terraform show -json`), in plannedChanges' terms:
 * reads and no-ops are not changes, and a deletion and creation of one instance is a replacement.
 */
export function savedPlanChanges(json: string): PlannedChange[] {
  const doc = JSON.parse(json) as { resource_changes?: Array<{ address: string; change: { actions: string[] } }> };
  const of = (actions: string[]): Action | undefined => {
    if (actions.includes("delete") && actions.includes("create")) return "replace";
    return ({ create: "create", delete: "destroy", update: "update" } as Record<string, Action>)[actions[0]];
  };
  return (doc.resource_changes ?? [])
    .flatMap((c) => {
      const action = of(c.change.actions);
      return action ? [{ address: c.address, action }] : [];
    })
    .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export interface PlannedMove {
  readonly from: string;
  readonly to: string;
}

/** An address as the plan text prints it, with the construct path cdktf may write after the resource name. */
const ADDRESS = String.raw`([^\s(]+)(?:\s+\([^)]*\))?(\[[^\]]*\])?`;

/**
 * The resource instances the plan moves (`moved` blocks), sorted by their new address: a move
 * alone prints `# <from> has moved to <to>`, a move with a change prints the change's line for the
 * new address, then `# (moved from <from>)`. Moves are not changes: plannedChanges leaves them out,
 * and the plan's summary does not count them.
 */
export function plannedMoves(output: string): PlannedMove[] {
  const moves = new Map<string, string>();
  for (const m of output.matchAll(new RegExp(String.raw`#\s+${ADDRESS}\s+has moved to\s+(\S+)`, "g"))) moves.set(m[3], `${m[1]}${m[2] ?? ""}`);
  const changed = new RegExp(String.raw`#\s+${ADDRESS}\s+(?:will be|must be)[^\n]*\n[^\n]*#\s+\(moved from\s+(\S+?)\)`, "g");
  for (const m of output.matchAll(changed)) moves.set(`${m[1]}${m[2] ?? ""}`, m[3]);
  return [...moves].map(([to, from]) => ({ from, to })).sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/**
 * Each stack's part of the output of a `cdktf deploy` of several stacks, in the order of `stacks`:
 * cdktf starts each chunk of a stack's output with the stack's name and indents the chunk's other
 * lines; its progress lines ("1 Stack deploying     1 Stack done …") start at the margin and end
 * the chunk. `terraform apply` prints its plan before it applies it, so plannedChanges reads each
 * stack's applied changes from its part.
 */
export function stackSections(output: string, stacks: readonly string[]): string[] {
  const sections = stacks.map((): string[] => []);
  let current = -1;
  for (const line of output.split("\n")) {
    const starts = stacks.findIndex((stack) => line.startsWith(`${stack} `));
    if (starts !== -1) current = starts;
    else if (/^\S/.test(line)) current = -1;
    if (current !== -1) sections[current].push(line);
  }
  return sections.map((lines) => lines.join("\n"));
}
