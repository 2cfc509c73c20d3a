import { AwsTarget, Level, LEVELS, Reviewed, ReviewedChange } from "./plan-review";

/** What each level means, for the summary and the README. */
const LEVEL_MEANING: Record<Reviewed, string> = {
  outage: "every client of a side loses the cluster (NLB, endpoint service, consumer endpoint, zone or alias replaced or destroyed)",
  disruptive:
    "some clients lose a broker, a port or access for a window (a broker's listener, group or registration replaced or removed, a CIDR removed, a port moved)",
  "client-visible": "clients notice a changed behaviour, nothing is cut (bootstrap target set, idle timeout, deregistration delay, acceptance, principals)",
  additive: "something new that no client uses yet (a broker, a consumer, a CIDR)",
  none: "bookkeeping: tags, alarms, descriptions, moves in the state",
  unknown: "not a resource of the published modules: the review cannot judge it",
};

export interface ReviewReport {
  readonly highest: Level;
  readonly changes: readonly ReviewedChange[];
  /** The account (profile, role) and region each plan applies in: a change of account moves everything. */
  readonly aws: readonly AwsTarget[];
  /** Where the plans and the port lock disagree (with --config). */
  readonly lockDisagreements?: readonly string[];
}

const ORDER: readonly Reviewed[] = [...[...LEVELS].reverse(), "unknown"];
/** The order both reports list changes in: by level (highest first), plan and address. */
const ordered = (changes: readonly ReviewedChange[]) =>
  [...changes].sort((a, b) => ORDER.indexOf(a.level) - ORDER.indexOf(b.level) || a.plan.localeCompare(b.plan) || a.address.localeCompare(b.address));

export function reportJson(r: ReviewReport): string {
  return `${JSON.stringify(
    {
      highest: r.highest,
      changes: ordered(r.changes).map(({ plan, address, actions, level, brokers, consumers, cidrs, reason }) => ({
        plan,
        address,
        actions,
        level,
        brokers,
        consumers,
        cidrs,
        reason,
      })),
      aws: r.aws,
      lockDisagreements: r.lockDisagreements,
    },
    null,
    2,
  )}\n`;
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (s: string) => `\`${s}\``;
const ACTION: Record<string, string> = {
  create: "create",
  delete: "destroy",
  update: "update in place",
  "delete,create": "replace (destroy first)",
  "create,delete": "replace (create first)",
  "create,forget": "replace (the old one kept, unmanaged)",
  "no-op": "move",
  forget: "forget",
};

/** Markdown to paste as a pull-request comment: the summary line with the highest level first, then a table per level. */
export function reportMarkdown(r: ReviewReport): string {
  const changes = ordered(r.changes);
  const byLevel = ORDER.map((level) => [level, changes.filter((c) => c.level === level)] as const).filter(([, inLevel]) => inLevel.length > 0);
  const plans = new Set(r.changes.map((c) => c.plan)).size;
  const out: string[] = [];
  const summary =
    r.changes.length === 0
      ? "no change"
      : `${r.changes.length} change(s) in ${plans} plan(s): ${byLevel.map(([l, inLevel]) => `${inLevel.length} ${l}`).join(", ")}`;
  out.push(`**Kafka PrivateLink plan review: ${r.highest}** (highest level) — ${summary}.`, "");
  // Where each plan applies: a changed profile or role moves a whole stack to another account.
  for (const a of r.aws) {
    const where = [a.region && `region ${code(a.region)}`, a.profile && `profile ${code(a.profile)}`, a.assumeRoleArn && `role ${code(a.assumeRoleArn)}`]
      .filter(Boolean)
      .join(", ");
    out.push(`- ${cell(a.plan)}: AWS provider ${code(a.provider)}: ${where || "the environment's credentials and region"}`);
  }
  if (r.aws.length) out.push("");
  if (r.lockDisagreements?.length) {
    out.push("### The plan and the port lock disagree", "", ...r.lockDisagreements.map((d) => `- ${d}`), "");
  }
  for (const [level, inLevel] of byLevel) {
    out.push(
      `### ${level} — ${LEVEL_MEANING[level]}`,
      "",
      "| Plan | Address | Action | Brokers | Consumers | CIDRs | What clients see |",
      "|---|---|---|---|---|---|---|",
    );
    for (const c of inLevel) {
      const brokers = c.brokers.map((b) => (b.port === undefined ? b.id : `${b.id} (${b.from !== undefined ? `${b.from} → ` : ""}${b.port})`)).join(", ");
      out.push(
        `| ${cell(c.plan)} | ${cell(code(c.address))} | ${ACTION[c.actions.join(",")] ?? c.actions.join(", ")} | ${brokers} | ${cell(c.consumers.join(", "))} | ${cell(c.cidrs.join(", "))} | ${cell(c.reason)} |`,
      );
    }
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
