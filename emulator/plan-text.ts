/**
 * The resource changes a `cdktf diff` lists, read from its plan text: the deploy test checks what a
 * day-two change would do before it deploys it.
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

