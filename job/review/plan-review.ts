/**
 * The Kafka reading of a real `terraform plan`: every resource change of a saved plan (as
 * `terraform show -json PLANFILE` prints it) with what Kafka clients will see, at one of five
 * levels. It reads the plans of the deployable stacks and of any plain-Terraform root that calls
 * the published modules, under any module name and nesting: a module instance is recognised by
 * the source of its call (the published folder's name) or, failing that, by the resources only
 * these modules have. Everything else in the plan is listed as `unknown`, never dropped.
 */
import { ReviewLevel, REVIEW_LEVELS } from "../../modules/private/input-spec";

/** The levels, lowest first (the input specs' review levels are these). */
export const LEVELS = REVIEW_LEVELS;
export type Level = ReviewLevel;
export type Reviewed = Level | "unknown";

export interface BrokerRef {
  readonly id: string;
  /** Its listener port (after the change), where the plans show it. */
  readonly port?: number;
  /** The port it moves from, when the change moves it. */
  readonly from?: number;
}

export interface ReviewedChange {
  /** The plan file it comes from, as given. */
  readonly plan: string;
  readonly address: string;
  readonly actions: readonly string[];
  readonly level: Reviewed;
  readonly brokers: readonly BrokerRef[];
  readonly consumers: readonly string[];
  readonly cidrs: readonly string[];
  /** What clients will see, and why: in place or replaced, and what forces a replacement. */
  readonly reason: string;
}

/** A plan that cannot be read as one: the review says so in one line and exits 1. */
export class PlanReadError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = "PlanReadError";
  }
}

type Json = Record<string, unknown>;
/** A JSON object (not null, not a list). */
export const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The JSON plan formats this review reads: `terraform show -json` 1.x (Terraform ≥ 1.0, OpenTofu). */
const SUPPORTED_FORMAT = /^1\.\d+$/;

interface ResourceChange {
  readonly address: string;
  readonly module_address?: string;
  readonly previous_address?: string;
  readonly mode: string;
  readonly type: string;
  readonly name: string;
  readonly index?: string | number;
  readonly action_reason?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before: unknown;
    readonly after: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: ReadonlyArray<ReadonlyArray<string | number>>;
  };
}

/** The AWS account and region a plan applies in, as its provider configuration says. */
export interface AwsTarget {
  readonly plan: string;
  /** `aws`, or `aws.<alias>`. */
  readonly provider: string;
  readonly region?: string;
  readonly profile?: string;
  readonly assumeRoleArn?: string;
}

export interface Plan {
  readonly file: string;
  readonly changes: readonly ResourceChange[];
  /** Module instance address ("" for the root) → the source of its call, from the plan's configuration. */
  readonly sources: ReadonlyMap<string, string>;
  /** Where each AWS provider configuration applies: a change of account shows here, not in any resource. */
  readonly aws: readonly AwsTarget[];
}

/** A constant of the plan's configuration; a value computed from variables or references reads as such. */
function constant(expression: unknown): string | undefined {
  if (!isObject(expression)) return undefined;
  if ("constant_value" in expression)
    return typeof expression.constant_value === "string" ? expression.constant_value : JSON.stringify(expression.constant_value);
  return Array.isArray(expression.references) ? `(from ${expression.references.filter((r) => typeof r === "string").join(", ")})` : undefined;
}

function awsTargets(configuration: unknown, file: string): AwsTarget[] {
  const providers = isObject(configuration) && isObject(configuration.provider_config) ? configuration.provider_config : {};
  return Object.entries(providers).flatMap(([key, p]) => {
    if (!isObject(p) || p.name !== "aws" || !isObject(p.expressions)) return [];
    const e = p.expressions;
    const role = Array.isArray(e.assume_role) && isObject(e.assume_role[0]) ? constant(e.assume_role[0].role_arn) : undefined;
    return [{ plan: file, provider: key, region: constant(e.region), profile: constant(e.profile), assumeRoleArn: role }];
  });
}

/** Parses `terraform show -json` output; throws PlanReadError naming what is wrong. */
export function parsePlan(text: string, file: string): Plan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PlanReadError(
      file,
      `not JSON (${(err as Error).message}); save a plan with \`terraform plan -out=plan.tfplan\` and pass \`terraform show -json plan.tfplan\``,
    );
  }
  if (!isObject(doc) || typeof doc.format_version !== "string" || !("planned_values" in doc || "resource_changes" in doc)) {
    throw new PlanReadError(
      file,
      "not a Terraform plan (no format_version and planned_values): pass what `terraform show -json PLANFILE` prints, not a state or another document",
    );
  }
  if (!SUPPORTED_FORMAT.test(doc.format_version)) {
    throw new PlanReadError(file, `plan format_version ${JSON.stringify(doc.format_version)} is not supported (this review reads format 1.x)`);
  }
  const changes = doc.resource_changes ?? [];
  if (
    !Array.isArray(changes) ||
    !changes.every(
      (c) =>
        isObject(c) &&
        typeof c.address === "string" &&
        typeof c.type === "string" &&
        isObject(c.change) &&
        Array.isArray(c.change.actions) &&
        c.change.actions.every((a) => typeof a === "string") &&
        (c.change.replace_paths === undefined || (Array.isArray(c.change.replace_paths) && c.change.replace_paths.every(Array.isArray))),
    )
  ) {
    throw new PlanReadError(file, "resource_changes is not a list of resource changes with an address, a type, actions (strings) and replace_paths (lists)");
  }
  const sources = new Map<string, string>();
  const walk = (module: unknown, prefix: string) => {
    if (!isObject(module) || !isObject(module.module_calls)) return;
    for (const [name, call] of Object.entries(module.module_calls)) {
      if (!isObject(call)) continue;
      const address = `${prefix}module.${name}`;
      if (typeof call.source === "string") sources.set(address, call.source);
      walk(call.module, `${address}.`);
    }
  };
  walk(isObject(doc.configuration) ? doc.configuration.root_module : undefined, "");
  return { file, changes: changes as ResourceChange[], sources, aws: awsTargets(doc.configuration, file) };
}

type ModuleKind = "provider" | "consumer" | "broker-ports";

/** `module.a["x"].module.b[0]` → `module.a.module.b`: the configuration knows calls, not instances. */
const callAddress = (instance: string) => instance.replace(/\[[^\]]*\]/g, "");

/** The published modules by their folder's name. A Map: a call's source is the user's text. */
const KINDS = new Map<string, ModuleKind>([
  ["kafka-privatelink-provider", "provider"],
  ["kafka-privatelink-consumer", "consumer"],
  ["kafka-broker-ports", "broker-ports"],
]);

/** A local path, `git::…//dist/modules/x?ref=v0.2.0` or a registry address (`acme/x/aws`): one of its segments names the module. */
const kindOfSource = (source: string | undefined) =>
  source
    ?.replace(/[?#].*$/, "")
    .split(/\/+/)
    .map((s) => KINDS.get(s))
    .find(Boolean);

/** A key of a for_each resource, as the plan writes it. */
const keyOf = (c: ResourceChange) => (c.index === undefined ? undefined : String(c.index));

const values = (v: unknown): Json => (isObject(v) ? v : {});

/** Top-level attributes whose planned value differs (an unknown planned value counts as a change). */
function changedAttributes(c: ResourceChange): string[] {
  const [before, after, unknown] = [c.change.before, c.change.after, c.change.after_unknown].map(values);
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...keys].filter((k) => unknown[k] === true || JSON.stringify(before[k] ?? null) !== JSON.stringify(after[k] ?? null)).sort();
}

type Action = "create" | "delete" | "update" | "replace" | "moved" | "forget" | "unrecognised";

// A Map: a plan is a file the user gives, and its actions are looked up by their text.
const ACTIONS = new Map<string, Action>([
  ["create", "create"],
  ["delete", "delete"],
  ["update", "update"],
  ["delete,create", "replace"],
  ["create,delete", "replace"],
  // A replacement under `lifecycle { destroy = false }`: the new object is created, the old one left unmanaged.
  ["create,forget", "replace"],
  ["forget", "forget"],
]);

const wasMoved = (c: ResourceChange) => Boolean(c.previous_address && c.previous_address !== c.address);

/** What a change does; undefined: nothing (no-op). Actions this review does not know are listed, never dropped. */
function actionOf(c: ResourceChange): Action | undefined {
  const a = c.change.actions.join(",");
  return a === "no-op" ? (wasMoved(c) ? "moved" : undefined) : (ACTIONS.get(a) ?? "unrecognised");
}

/** Attributes whose change alone is bookkeeping: no client sees it. */
const BOOKKEEPING = new Set(["tags", "tags_all", "description", "comment", "alarm_description", "force_destroy"]);

interface Judgement {
  readonly level: Level;
  readonly what: string;
}

/** What one resource of a published module means to clients when created, updated, replaced or destroyed. */
interface Rule {
  /** What it is, for the reason column. */
  readonly is: (key: string | undefined) => string;
  /** @default additive */
  readonly create?: Level;
  readonly remove: Judgement;
  /** An update in place, given the attributes that change; default: client-visible unless only bookkeeping changes. */
  readonly update?: (changed: readonly string[], c: ResourceChange) => Judgement | undefined;
  /** What clients see when one of these attributes changes in place (client-visible). */
  readonly visible?: { readonly when: readonly string[]; readonly what: string };
}

const listDiff = (c: ResourceChange, attr: string) => {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const [was, now] = [c.change.before, c.change.after].map((v) => list(values(v)[attr]));
  return { added: now.filter((x) => !was.includes(x)), removed: was.filter((x) => !now.includes(x)) };
};

const portMove = (changed: readonly string[], c: ResourceChange, who: string): Judgement | undefined =>
  changed.includes("port")
    ? {
        level: "disruptive",
        what: `${who} port moved ${values(c.change.before).port} → ${values(c.change.after).port ?? "(known after apply)"}: clients that bootstrapped keep using the old port`,
      }
    : undefined;

const MONITORING = { create: "none", remove: { level: "none", what: "monitoring only" } } as const;

/**
 * The review's table. Levels follow what AWS does with open connections (README "Reviewing a pull
 * request" says where a level is a judgement): a listener, target group or attachment that goes
 * away cuts the connections through it; the NLB, the endpoint service, a consumer's endpoint, zone
 * or alias going away cuts every client of that side.
 */
const RULES: Record<ModuleKind, Record<string, Rule>> = {
  provider: {
    "aws_lb.this": {
      is: () => "the NLB",
      remove: { level: "outage", what: "every listener goes with it: every client loses the cluster, and the endpoint service must follow the new NLB" },
      visible: { when: ["subnets", "subnet_mapping"], what: "the NLB's subnets change: the zones that serve clients change" },
    },
    "aws_lb_listener.bootstrap": {
      is: () => "the bootstrap listener",
      remove: { level: "disruptive", what: "new clients cannot bootstrap until it is back; connections already made to brokers stay" },
      update: (changed, c) => portMove(changed, c, "bootstrap"),
    },
    "aws_lb_listener.broker": {
      is: (k) => `broker ${k}'s listener`,
      remove: { level: "disruptive", what: "the broker is unreachable through PrivateLink for that window; clients whose partition leader it is stall" },
      update: (changed, c) => portMove(changed, c, `broker ${keyOf(c)}`),
    },
    "aws_lb_target_group.bootstrap": {
      is: () => "the bootstrap target group",
      remove: { level: "disruptive", what: "bootstrap connections through the old group are cut (new group first: clients retry and bootstrap again)" },
      visible: { when: ["deregistration_delay"], what: "deregistration delay: how long a leaving broker keeps its bootstrap connections" },
    },
    "aws_lb_target_group.broker": {
      is: (k) => `broker ${k}'s target group`,
      remove: {
        level: "disruptive",
        what: "connections to the broker through its port are cut (new group first): the broker is unreachable through PrivateLink for that window",
      },
      visible: { when: ["deregistration_delay"], what: "deregistration delay: how long a leaving broker keeps its connections" },
    },
    "aws_lb_target_group_attachment.broker": {
      is: (k) => `broker ${k}'s registration in its own group`,
      remove: { level: "disruptive", what: "the broker's port reaches no broker until it is registered again" },
    },
    "aws_lb_target_group_attachment.bootstrap": {
      is: (k) => `broker ${k} in the bootstrap target set`,
      // Additive when created: a new target serves bootstrap connections only once its health check passes.
      remove: { level: "client-visible", what: "the broker leaves the bootstrap target set: bootstrap connections go to the other brokers" },
    },
    "aws_cloudwatch_metric_alarm.bootstrap": { is: () => "the bootstrap health alarm", ...MONITORING },
    "aws_cloudwatch_metric_alarm.broker": { is: (k) => `broker ${k}'s health alarm`, ...MONITORING },
    "aws_vpc_endpoint_service.this": {
      is: () => "the endpoint service",
      remove: { level: "outage", what: "the service name changes: every consumer endpoint must be re-created and re-pointed" },
      update: (changed, c) => {
        if (changed.includes("acceptance_required"))
          return {
            level: "client-visible",
            what: `acceptance required: ${values(c.change.before).acceptance_required} → ${values(c.change.after).acceptance_required} (whether new endpoints wait for approval)`,
          };
        const principals = listDiff(c, "allowed_principals");
        if (principals.removed.length)
          return {
            level: "client-visible",
            what: `principals removed: ${principals.removed.join(", ")} can create no new endpoint (existing connections stay)`,
          };
        if (changed.includes("supported_regions")) return { level: "client-visible", what: "supported regions change: which regions' consumers can connect" };
        if (changed.includes("network_load_balancer_arns"))
          return { level: "disruptive", what: "the service moves to another NLB: connections through the old one end (the service name stays)" };
        if (principals.added.length) return { level: "additive", what: `principals added: ${principals.added.join(", ")}` };
        return undefined;
      },
    },
    "aws_vpc_endpoint_connection_accepter.this": {
      is: (k) => `the acceptance of endpoint ${k}`,
      remove: { level: "outage", what: "the endpoint's connection is rejected: that consumer's clients lose the cluster" },
    },
  },
  consumer: {
    "aws_vpc_endpoint.this": {
      is: () => "the consumer's interface endpoint",
      remove: { level: "outage", what: "the consumer's clients lose the cluster until a new endpoint is accepted and the alias follows it" },
      update: (changed, c) => {
        const subnets = listDiff(c, "subnet_ids");
        if (subnets.removed.length)
          return { level: "client-visible", what: `endpoint leaves subnets ${subnets.removed.join(", ")}: connections through those zones are cut` };
        if (changed.includes("security_group_ids"))
          return { level: "client-visible", what: "the endpoint's security groups change (see the groups' own lines)" };
        return undefined;
      },
    },
    "aws_security_group.endpoint": {
      is: (k) => `the security group of CIDR ${k}`,
      remove: { level: "disruptive", what: "clients in that CIDR lose access to the bootstrap and every broker port" },
    },
    "aws_vpc_security_group_ingress_rule.client": {
      is: (k) => `the rule ${k}`,
      remove: { level: "disruptive", what: "clients in that CIDR lose that port" },
    },
    "aws_route53_zone.this": {
      is: () => "the private hosted zone of the advertised hostname",
      remove: { level: "outage", what: "the advertised hostname stops resolving in the consumer's VPC" },
      visible: { when: ["vpc"], what: "the zone's VPC associations change: where the hostname resolves" },
    },
    "aws_route53_record.this": {
      is: () => "the alias record of the advertised hostname",
      remove: { level: "outage", what: "the advertised hostname stops resolving to the endpoint" },
      visible: { when: ["alias"], what: "the hostname resolves to another endpoint: new connections go there" },
    },
  },
  "broker-ports": {},
};

/** The resources of a published module that the review has a rule for, for the test that every module resource has one. */
export const REVIEWED_RESOURCES: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...KINDS].map(([folder, kind]) => [folder, Object.keys(RULES[kind])]),
);

/**
 * A module instance whose call's source does not name a published module (a vendored copy, a
 * renamed folder) is one only if it has the module's key resources and no resource the module
 * lacks: a user's own module with an `aws_vpc_endpoint.this` is not taken for the consumer module.
 */
const SIGNATURES: ReadonlyArray<readonly [ModuleKind, readonly string[]]> = [
  ["provider", ["aws_lb.this", "aws_vpc_endpoint_service.this"]],
  ["consumer", ["aws_vpc_endpoint.this", "aws_route53_record.this"]],
];

function replacement(c: ResourceChange): string {
  const paths = (c.change.replace_paths ?? []).map((p) => p.join("."));
  const reason = paths.length
    ? `replaced: \`${paths.join("`, `")}\` cannot change in place`
    : c.action_reason === "replace_by_request"
      ? "replaced on request (-replace)"
      : c.action_reason === "replace_because_tainted"
        ? "replaced: the object is tainted"
        : "replaced";
  return c.change.actions.includes("forget") ? `${reason}, the old object left in place unmanaged (\`lifecycle { destroy = false }\`)` : reason;
}

interface Context {
  /** Port → broker ID, from every provider listener in the plans. */
  readonly brokerOfPort: ReadonlyMap<number, string>;
  /** Broker ID → its port after the plans (before, for a broker they remove). */
  readonly portOfBroker: ReadonlyMap<string, number>;
}

function judge(kind: ModuleKind, c: ResourceChange, action: Action): { level: Reviewed; what: string } {
  const rule = RULES[kind][`${c.type}.${c.name}`];
  if (!rule) return { level: "unknown", what: `a ${kind} module resource the review has no rule for` };
  const it = rule.is(keyOf(c));
  switch (action) {
    case "moved":
      return { level: "none", what: `${it}: moved from \`${c.previous_address}\`, nothing changes` };
    case "forget":
      return { level: "none", what: `${it}: removed from the state only; the object stays` };
    case "create":
      return { level: rule.create ?? "additive", what: `${it}: created` };
    case "delete":
      return { level: rule.remove.level, what: `${it}: destroyed; ${rule.remove.what}` };
    case "replace":
      return { level: rule.remove.level, what: `${it}: ${replacement(c)}; ${rule.remove.what}` };
    case "unrecognised":
      return { level: "unknown", what: `${it}: actions ${c.change.actions.join(", ")}, which this review does not know: review it yourself` };
    case "update": {
      const changed = changedAttributes(c);
      if (rule.remove.level === "none") return { level: "none", what: `${it}: updated in place (${changed.join(", ")}); monitoring only` };
      if (changed.every((a) => BOOKKEEPING.has(a)))
        return { level: "none", what: `${it}: updated in place (${changed.join(", ") || "no attribute"}): bookkeeping only` };
      const specific =
        rule.update?.(changed, c) ?? (rule.visible?.when.some((a) => changed.includes(a)) ? { level: "client-visible", what: rule.visible.what } : undefined);
      return { level: specific?.level ?? "client-visible", what: `${it}: updated in place (${changed.join(", ")})${specific ? `; ${specific.what}` : ""}` };
    }
  }
}

const port = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);

/** The brokers, consumers and CIDRs one change concerns. */
function concerns(kind: ModuleKind, c: ResourceChange, ctx: Context, consumer: string | undefined) {
  const key = keyOf(c);
  const both = [values(c.change.before), values(c.change.after)];
  const brokers: BrokerRef[] = [];
  const cidrs: string[] = [];
  // Keyed by broker ID (a for_each key, a string; the bootstrap alarm's count index 0 is no broker): every
  // `broker` resource, and the bootstrap group's registration of each broker.
  const perBroker = c.name === "broker" || (c.type === "aws_lb_target_group_attachment" && c.name === "bootstrap");
  if (kind === "provider" && perBroker && typeof c.index === "string") {
    const [was, now] = c.type === "aws_lb_listener" ? both.map((v) => port(v.port)) : [];
    // Not a listener: the broker's port from the plans' listeners (the latest one where it moves).
    const at = now ?? was ?? ctx.portOfBroker.get(c.index);
    brokers.push({ id: c.index, port: at, from: was !== undefined && now !== undefined && was !== now ? was : undefined });
  }
  if (kind === "consumer" && key !== undefined && (c.type === "aws_security_group" || c.type === "aws_vpc_security_group_ingress_rule")) {
    const colon = key.lastIndexOf(":");
    const rulePort = c.type === "aws_vpc_security_group_ingress_rule" ? port(key.slice(colon + 1)) : undefined;
    cidrs.push(c.type === "aws_security_group" ? key : key.slice(0, colon));
    if (rulePort !== undefined) {
      // The rule's own description names the broker ("Kafka broker 3 from …"); the provider plans, its port.
      const described = both.map((v) => /^Kafka broker (\d+) from /.exec(String(v.description ?? ""))?.[1]).find(Boolean);
      const id = ctx.brokerOfPort.get(rulePort) ?? described;
      if (id !== undefined) brokers.push({ id, port: rulePort });
    }
  }
  return { brokers, consumers: consumer ? [consumer] : [], cidrs };
}

/** The name a module instance was called with, from the resources that carry it. */
function instanceName(kind: ModuleKind, changes: readonly ResourceChange[]): string | undefined {
  for (const c of changes) {
    // The consumer module names each CIDR's group `<name>-kafka-<cidr>`, the provider module its NLB `<name>-nlb`.
    const suffix =
      kind === "consumer" && c.type === "aws_security_group" && keyOf(c) ? `-kafka-${keyOf(c)}` : kind === "provider" && c.type === "aws_lb" ? "-nlb" : "";
    const name = [c.change.after, c.change.before].map((v) => values(v).name).find((n): n is string => typeof n === "string" && n !== "" && n.endsWith(suffix));
    if (suffix && name !== undefined) return name.slice(0, -suffix.length);
  }
  return undefined;
}

/** The published modules' instances in a plan, each with its `name` input where the plan shows it. */
function moduleInstances(plan: Plan) {
  const byModule = new Map<string, ResourceChange[]>();
  for (const c of plan.changes) if (c.mode === "managed") byModule.set(c.module_address ?? "", [...(byModule.get(c.module_address ?? "") ?? []), c]);
  return [...byModule].flatMap(([address, changes]) => {
    const resources = new Set(changes.map((c) => `${c.type}.${c.name}`));
    const signed = SIGNATURES.find(([kind, keys]) => keys.every((k) => resources.has(k)) && [...resources].every((r) => r in RULES[kind]));
    const kind = kindOfSource(plan.sources.get(callAddress(address))) ?? signed?.[0];
    return kind ? [{ plan: plan.file, address, kind, name: instanceName(kind, changes), changes }] : [];
  });
}

/** Every change of every plan, reviewed: unchanged resources and data sources are left out. */
export function reviewPlans(plans: readonly Plan[]): ReviewedChange[] {
  const instances = plans.flatMap(moduleInstances);
  const brokerOfPort = new Map<number, string>();
  const portOfBroker = new Map<string, number>();
  for (const c of instances.flatMap((i) => (i.kind === "provider" ? i.changes : []))) {
    const id = keyOf(c);
    if (c.type !== "aws_lb_listener" || c.name !== "broker" || id === undefined) continue;
    for (const p of [values(c.change.before).port, values(c.change.after).port].map(port)) {
      if (p === undefined) continue;
      brokerOfPort.set(p, id);
      portOfBroker.set(id, p);
    }
  }
  const instanceOf = new Map(instances.flatMap((i) => i.changes.map((c) => [c, i] as const)));
  return plans.flatMap((plan) =>
    plan.changes.flatMap((c): ReviewedChange[] => {
      const action = c.mode === "managed" ? actionOf(c) : undefined;
      if (!action) return [];
      const instance = instanceOf.get(c);
      // A module resource that only moved says so in its judgement already.
      const moved = wasMoved(c) && !(instance && action === "moved") ? ` (moved from \`${c.previous_address}\`)` : "";
      const { level, what, ...concerned } = instance
        ? {
            ...judge(instance.kind, c, action),
            ...concerns(instance.kind, c, { brokerOfPort, portOfBroker }, instance.kind === "consumer" ? (instance.name ?? instance.address) : undefined),
          }
        : { level: "unknown" as const, what: "not a resource of the published modules: review it yourself", brokers: [], consumers: [], cidrs: [] };
      return [{ plan: plan.file, address: c.address, actions: c.change.actions, level, ...concerned, reason: `${what}${moved}` }];
    }),
  );
}

export const rank = (level: Reviewed) => LEVELS.indexOf(level as Level);

/** The highest of the five levels among the changes; `unknown` changes never raise it (the review cannot judge them). */
export function highestLevel(changes: ReadonlyArray<{ readonly level: Reviewed }>): Level {
  return changes.reduce<Level>((top, c) => (rank(c.level) > rank(top) ? (c.level as Level) : top), "none");
}

/** What a plan's listeners and consumer rules would leave in place, held against the port lock. */
export interface LockLike {
  readonly cluster: string;
  readonly bootstrapPort: number;
  readonly brokers: Readonly<Record<string, number>>;
}

/**
 * Where the plans and the port lock disagree: a listener port the lock does not record, a lock
 * port without its listener, a consumer rule for a port that is neither. Provider instances of
 * another cluster (by their `name`) are not this lock's; consumers are checked by port only.
 */
export function lockDisagreements(plans: readonly Plan[], lock: LockLike): string[] {
  const instances = plans.flatMap(moduleInstances);
  const providers = instances.filter((i) => i.kind === "provider");
  const ours = providers.filter((i) => i.name === lock.cluster);
  const checked = ours.length ? ours : providers.length === 1 && providers[0].name === undefined ? providers : [];
  const after = (c: ResourceChange) => (c.change.actions.includes("delete") && !c.change.actions.includes("create") ? undefined : values(c.change.after));
  const problems: string[] = [];
  for (const i of checked) {
    const where = `${i.plan}: ${i.address || "(root module)"}`;
    const listeners = new Map<string, number | undefined>();
    let bootstrap: number | undefined;
    for (const c of i.changes) {
      const v = after(c);
      if (!v || c.type !== "aws_lb_listener") continue;
      if (c.name === "broker" && keyOf(c) !== undefined) listeners.set(keyOf(c)!, port(v.port));
      if (c.name === "bootstrap") bootstrap = port(v.port);
    }
    for (const [id, p] of listeners) {
      const locked = lock.brokers[id];
      if (locked === undefined) problems.push(`${where}: broker ${id}'s listener on port ${p ?? "(known after apply)"} is not in the port lock`);
      else if (p !== locked) problems.push(`${where}: broker ${id}'s listener is on port ${p ?? "(known after apply)"}, the port lock records ${locked}`);
    }
    for (const [id, p] of Object.entries(lock.brokers))
      if (!listeners.has(id)) problems.push(`${where}: the port lock records broker ${id} on port ${p}, the plan leaves no listener for it`);
    if (bootstrap !== undefined && bootstrap !== lock.bootstrapPort)
      problems.push(`${where}: the bootstrap listener is on port ${bootstrap}, the port lock records ${lock.bootstrapPort}`);
  }
  const allowed = new Set([lock.bootstrapPort, ...Object.values(lock.brokers)]);
  for (const i of instances.filter((x) => x.kind === "consumer")) {
    for (const c of i.changes) {
      const v = after(c);
      const p = v && c.type === "aws_vpc_security_group_ingress_rule" ? port(v.from_port) : undefined;
      if (p !== undefined && !allowed.has(p))
        problems.push(`${i.plan}: ${c.address}: consumer ${i.name ?? i.address} admits port ${p}, which the port lock does not record`);
    }
  }
  return problems;
}
