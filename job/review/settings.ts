import { Config, DEFAULT_DENIED_REGIONS, stateKey } from "../../config/schema";
import { PortPlan } from "../../modules/kafka-broker-ports/allocation";
import { CONSUMER_INPUTS } from "../../modules/kafka-privatelink-consumer/inputs";
import { PROVIDER_INPUTS } from "../../modules/kafka-privatelink-provider/inputs";
import { InputSpec, ReviewSpec, specValues } from "../../modules/private/input-spec";
import { isObject, Level } from "./plan-review";

/**
 * Every setting a plan reviewer must see when it changes, as one synth produced them. The port
 * lock records them beside the configuration (committed with it), so REVIEW.md says what changed
 * since the lock, or since the lock at a git ref (`--base`): a fresh checkout in CI has a baseline.
 */
export interface ReviewSettings {
  readonly version: typeof SETTINGS_VERSION;
  readonly cluster: Record<string, Value>;
  /** Broker ID → its port and target. */
  readonly brokers: Record<string, { readonly port: number; readonly target: string }>;
  /** Consumer name → its settings. */
  readonly consumers: Record<string, Record<string, Value>>;
  /** The policy exceptions in effect, one sentence each. */
  readonly policyExceptions: readonly string[];
  /** Where the stacks keep their state. */
  readonly state: string;
}

type Value = string | number | boolean | null | readonly string[] | Readonly<Record<string, string>>;

export const SETTINGS_VERSION = 1;

/**
 * The order 0.2 wrote the cluster's settings in: the lock is committed, so the same settings keep
 * the same text. Settings added since follow, in their specs' order.
 */
const CLUSTER_ORDER_0_2 = [
  "name",
  "region",
  "profile",
  "assumeRoleArn",
  "vpcId",
  "subnetIds",
  "advertisedHostname",
  "bootstrapPort",
  "brokerTargetPort",
  "targetType",
  "allowedPrincipals",
  "acceptanceRequired",
  "acceptEndpoints",
  "deletionProtection",
  "tcpIdleTimeoutSeconds",
  "deregistrationDelaySeconds",
  "listenerName",
  "listenerSecurityProtocol",
  "alarms.actions",
  "tags",
];
const CONSUMER_ORDER_0_2 = ["region", "profile", "assumeRoleArn", "vpcId", "subnetIds", "allowedCidrs", "serviceName", "hostedZoneId", "tags"];
const inOrder = (settings: Record<string, Value>, order: readonly string[]) => {
  const at = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => at(a) - at(b)));
};
/** An input spec's settings as the configuration holds them; an unset optional one as null. */
const specSettings = (specs: Record<string, InputSpec>, section: object): Record<string, Value> =>
  Object.fromEntries(Object.entries(specValues(specs, section as Record<string, Value | undefined>)).map(([k, v]) => [k, v ?? null]));

export function reviewSettings(config: Config, ports: PortPlan): ReviewSettings {
  const { cluster, consumers, state } = config;
  const targets = new Map(cluster.brokers.map((b) => [b.id, b.target]));
  return {
    version: SETTINGS_VERSION,
    cluster: inOrder(
      {
        region: cluster.region,
        // The account the stack deploys into: a change moves the whole stack to another account.
        profile: cluster.profile ?? null,
        assumeRoleArn: cluster.assumeRoleArn ?? null,
        bootstrapPort: ports.bootstrapPort,
        allowedPrincipals: cluster.allowedPrincipals,
        "alarms.actions": cluster.alarms?.actions ?? null,
        tags: cluster.tags,
        ...specSettings(PROVIDER_INPUTS, cluster),
      },
      CLUSTER_ORDER_0_2,
    ),
    brokers: Object.fromEntries([...ports.brokerPorts].map(([id, port]) => [String(id), { port, target: targets.get(id) ?? "" }])),
    consumers: Object.fromEntries(
      consumers.map((c) => [
        c.name,
        inOrder(
          {
            region: c.region,
            profile: c.profile ?? null,
            assumeRoleArn: c.assumeRoleArn ?? null,
            allowedCidrs: c.allowedCidrs,
            serviceName: c.serviceName ?? null,
            tags: c.tags,
            ...specSettings(CONSUMER_INPUTS, c),
          },
          CONSUMER_ORDER_0_2,
        ),
      ]),
    ),
    policyExceptions: policyExceptions(config),
    state: state
      ? `s3://${state.s3.bucket}/${stateKey(state.s3, "<stack>")} (${state.s3.region}${state.s3.useLockfile ? ", lock file" : ", no locking"})`
      : "local files",
  };
}

/** What this configuration allows beyond the default policy, as used (not merely permitted). */
function policyExceptions({ cluster, consumers, policy }: Config): string[] {
  const sides = [{ what: "The cluster", region: cluster.region }, ...consumers.map((c) => ({ what: `Consumer \`${c.name}\``, region: c.region }))];
  // Each exception where its condition holds.
  const found = [
    cluster.allowedPrincipals.includes("*") &&
      '`cluster.allowedPrincipals` has `"*"`: every AWS account may create an endpoint to the service (`policy.allowAnyPrincipal`).',
    !cluster.acceptanceRequired && "`cluster.acceptanceRequired` is false: every allowed principal's endpoint connects without the provider's approval.",
    ...consumers.flatMap((c) => [
      c.allowedCidrs.includes("0.0.0.0/0") &&
        `Consumer \`${c.name}\` admits \`0.0.0.0/0\`: the Kafka ports are open to every address in its VPC's reach (\`policy.allowAnyCidr\`).`,
      c.region !== cluster.region &&
        `Consumer \`${c.name}\` is in ${c.region}, the cluster in ${cluster.region}: cross-region PrivateLink (\`policy.allowCrossRegion\`).`,
    ]),
    ...sides.map(
      ({ what, region }) =>
        DEFAULT_DENIED_REGIONS.includes(region) &&
        !policy.deniedRegions.includes(region) &&
        `${what} is in ${region}, denied by default (\`policy.deniedRegions\` lifts it).`,
    ),
  ];
  return found.filter((text) => text !== false);
}

/** One reviewable change, at the plan review's level of what clients see. */
export interface SettingChange {
  readonly level: Level;
  readonly text: string;
}

export interface SettingsComparison {
  /** Why there is nothing to compare with, when there is not. */
  readonly firstSynth?: string;
  readonly changes: readonly SettingChange[];
  /** Exceptions in effect, each marked when the baseline did not have it. */
  readonly exceptions: ReadonlyArray<{ readonly text: string; readonly isNew: boolean }>;
}

const code = (v: unknown) => (v === null || v === undefined ? "(none)" : `\`${typeof v === "string" ? v : JSON.stringify(v)}\``);
/** The keys of either object. */
const keysOf = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])];
/** What a list setting gains and loses (a setting that is no list counts as an empty one). */
function listDiff(from: Value | undefined, to: Value | undefined) {
  const [was, now] = [from, to].map((v): readonly string[] => (Array.isArray(v) ? v : []));
  return { added: now.filter((x) => !was.includes(x)), removed: was.filter((x) => !now.includes(x)) };
}
const isMap = (v: Value | undefined): v is Readonly<Record<string, string>> => isObject(v);

const specReviews = (section: string, specs: Record<string, InputSpec>) =>
  Object.fromEntries(Object.entries(specs).map(([k, spec]) => [`${section}.${k}`, spec.review]));

const ACCOUNT = "moves the stack to another AWS account: the next plan creates every resource there and leaves the old ones orphaned in the old account";

/**
 * What a setting's change does, at which level. `removed`/`added` split a list setting where the
 * two directions differ (a CIDR removed cuts clients off, one added cuts no one).
 */
const CONSEQUENCES: Record<string, ReviewSpec> = {
  ...specReviews("cluster", PROVIDER_INPUTS),
  ...specReviews("consumers", CONSUMER_INPUTS),
  "cluster.region": { level: "outage", why: "replaces everything in another region" },
  "cluster.profile": { level: "outage", why: ACCOUNT },
  "cluster.assumeRoleArn": { level: "outage", why: ACCOUNT },
  "cluster.bootstrapPort": { level: "disruptive", why: "every client's bootstrap.servers must change" },
  "cluster.allowedPrincipals": {
    level: "additive",
    why: "who may create endpoints to the service",
    removed: { level: "client-visible", why: "a removed principal can create no new endpoint; existing connections stay" },
  },
  "cluster.alarms.actions": { level: "none" },
  "cluster.tags": { level: "none" },
  "consumers.region": { level: "outage", why: "replaces the consumer's endpoint, groups and zone in another region" },
  "consumers.profile": { level: "outage", why: ACCOUNT },
  "consumers.assumeRoleArn": { level: "outage", why: ACCOUNT },
  "consumers.allowedCidrs": {
    level: "additive",
    why: "an added CIDR gets its own security group with a rule for every Kafka port, and the endpoint's security_group_ids is updated in place",
    removed: { level: "disruptive", why: "clients in a removed CIDR lose access: its security group and rules are destroyed" },
  },
  "consumers.serviceName": { level: "outage", why: "replaces the endpoint" },
  "consumers.tags": { level: "none" },
};

function fieldChanges(key: string, label: string, from: Value | undefined, to: Value | undefined): SettingChange[] {
  const c = CONSEQUENCES[key];
  const level = c?.level ?? "client-visible";
  const why = c?.why ? ` (${c.why})` : "";
  if (Array.isArray(from) || Array.isArray(to)) {
    const { added, removed } = listDiff(from, to);
    const [add, remove] = [`added ${added.map(code).join(", ")}`, `removed ${removed.map(code).join(", ")}`];
    if (c?.removed && removed.length) {
      return [{ level: c.removed.level, text: `${label}: ${remove} (${c.removed.why})` }, ...(added.length ? [{ level, text: `${label}: ${add}${why}` }] : [])];
    }
    const parts = [...(added.length ? [add] : []), ...(removed.length ? [remove] : [])];
    return parts.length ? [{ level, text: `${label}: ${parts.join("; ")}${why}` }] : [];
  }
  if (isMap(from) || isMap(to)) {
    const [was, now] = [isMap(from) ? from : {}, isMap(to) ? to : {}];
    const keys = keysOf(was, now).sort();
    const parts = keys.flatMap((k) => (was[k] === now[k] ? [] : [`${k} ${code(was[k])} → ${code(now[k])}`]));
    return parts.length ? [{ level, text: `${label}: ${parts.join(", ")}${why}` }] : [];
  }
  return (from ?? null) === (to ?? null) ? [] : [{ level, text: `${label}: ${code(from)} → ${code(to)}${why}` }];
}

function brokerChanges(previous: ReviewSettings["brokers"], current: ReviewSettings["brokers"]): SettingChange[] {
  const ids = keysOf(previous, current).sort((a, b) => Number(a) - Number(b));
  return ids.flatMap((id): SettingChange[] => {
    const [was, now] = [previous[id], current[id]];
    if (!was) return [{ level: "additive", text: `Broker ${id} added: port ${now.port}, target ${code(now.target)}` }];
    if (!now)
      return [
        {
          level: "disruptive",
          text: `Broker ${id} removed (was port ${was.port}, target ${code(was.target)}): its clients' connections through PrivateLink end`,
        },
      ];
    return [
      was.target !== now.target &&
        `Broker ${id} target: ${code(was.target)} → ${code(now.target)} (replaces \`aws_lb_target_group_attachment.broker["${id}"]\` and \`…bootstrap["${id}"]\`: the broker's traffic moves to the new target)`,
      was.port !== now.port && `Broker ${id} port: ${was.port} → ${now.port} (clients that bootstrapped keep using the old port)`,
    ].flatMap((text) => (text ? [{ level: "disruptive" as const, text }] : []));
  });
}

function consumerChanges(previous: ReviewSettings["consumers"], current: ReviewSettings["consumers"]): SettingChange[] {
  const names = keysOf(previous, current).sort();
  return names.flatMap((name): SettingChange[] => {
    const [was, now] = [previous[name], current[name]];
    if (!was)
      return [
        {
          level: "additive",
          text: `Consumer \`${name}\` added (${now.region}, ${code(now.vpcId)}, CIDRs ${(now.allowedCidrs as string[]).map(code).join(", ")})`,
        },
      ];
    if (!now) {
      return [
        {
          level: "none",
          text: `Consumer \`${name}\` removed: its stack is no longer synthesized, but its endpoint, zone and rules stay deployed until destroyed (put it back, \`cdktf destroy\` its stack, then remove it)`,
        },
      ];
    }
    return sectionChanges("consumers", `consumers.${name}`, was, now);
  });
}

/** The endpoints accepted and rejected, at the levels of the input's spec. */
function endpointsChange(from: Value | undefined, to: Value | undefined): SettingChange[] {
  const { added: accepted, removed: rejected } = listDiff(from, to);
  const { level, removed } = PROVIDER_INPUTS.acceptEndpoints.review;
  return [
    ...(accepted.length ? [{ level, text: `\`cluster.acceptEndpoints\`: accepts ${accepted.map(code).join(", ")}` }] : []),
    ...(rejected.length ? [{ level: removed.level, text: `\`cluster.acceptEndpoints\`: **rejects** ${rejected.map(code).join(", ")} (${removed.why})` }] : []),
  ];
}

/**
 * The changed settings of the cluster or of a consumer, each labelled `label.field`. A setting the
 * baseline does not have (its lock was written before the input existed) that holds the input's
 * default is left out: nothing changed for the deployment, so it is no change to review.
 */
function sectionChanges(section: "cluster" | "consumers", label: string, was: Record<string, Value>, now: Record<string, Value>): SettingChange[] {
  const specs: Record<string, InputSpec> = section === "cluster" ? PROVIDER_INPUTS : CONSUMER_INPUTS;
  const newAtDefault = (f: string) =>
    !(f in was) && specs[f] !== undefined && "default" in specs[f] && JSON.stringify(specs[f].default) === JSON.stringify(now[f]);
  return keysOf(was, now)
    .filter((f) => !newAtDefault(f))
    .flatMap((f) =>
      section === "cluster" && f === "acceptEndpoints" ? endpointsChange(was[f], now[f]) : fieldChanges(`${section}.${f}`, `\`${label}.${f}\``, was[f], now[f]),
    );
}

/** The reviewable differences between the baseline's settings and this synth's. */
export function compareSettings(previous: ReviewSettings | { readonly reason: string }, current: ReviewSettings): SettingsComparison {
  if ("reason" in previous) return { firstSynth: previous.reason, changes: [], exceptions: current.policyExceptions.map((text) => ({ text, isNew: false })) };
  const changes: SettingChange[] = [
    ...sectionChanges("cluster", "cluster", previous.cluster, current.cluster),
    ...brokerChanges(previous.brokers, current.brokers),
    ...consumerChanges(previous.consumers, current.consumers),
    ...(previous.state === current.state
      ? []
      : [
          {
            level: "none" as const,
            text: `State: ${previous.state} → ${current.state} (add \`--migrate-state\` to the next \`cdktf deploy\`, or run \`terraform init -migrate-state\` in each stack folder, before the next plan)`,
          },
        ]),
    ...previous.policyExceptions
      .filter((text) => !current.policyExceptions.includes(text))
      .map((text) => ({ level: "none" as const, text: `Policy exception withdrawn: ${text}` })),
  ];
  return { changes, exceptions: current.policyExceptions.map((text) => ({ text, isNew: !previous.policyExceptions.includes(text) })) };
}

/** The shape a lock's `settings` must have: anything else is not what this tool writes. */
export function settingsProblems(v: unknown): string[] {
  if (!isObject(v)) return ["settings: must be an object"];
  const problems: string[] = [];
  if (v.version !== SETTINGS_VERSION) problems.push(`settings.version: ${JSON.stringify(v.version)} must be ${SETTINGS_VERSION}`);
  for (const key of ["cluster", "brokers", "consumers"]) if (!isObject(v[key])) problems.push(`settings.${key}: must be an object`);
  // The values inside, as reviewSettings writes them (a Value each; a broker's port and target).
  const isValue = (x: unknown) =>
    x === null ||
    ["string", "number", "boolean"].includes(typeof x) ||
    (Array.isArray(x) && x.every((e) => typeof e === "string")) ||
    (isObject(x) && Object.values(x).every((e) => typeof e === "string"));
  const checkValues = (section: Record<string, unknown>, where: string) => {
    for (const [key, x] of Object.entries(section))
      if (!isValue(x)) problems.push(`${where}.${JSON.stringify(key)}: must be a string, number, boolean, null, list of strings or map of strings`);
  };
  if (isObject(v.cluster)) checkValues(v.cluster, "settings.cluster");
  for (const [id, b] of Object.entries(isObject(v.brokers) ? v.brokers : {}))
    if (!isObject(b) || typeof b.port !== "number" || typeof b.target !== "string")
      problems.push(`settings.brokers.${JSON.stringify(id)}: must be an object with a port (number) and a target (string)`);
  for (const [name, c] of Object.entries(isObject(v.consumers) ? v.consumers : {}))
    if (isObject(c)) checkValues(c, `settings.consumers.${JSON.stringify(name)}`);
    else problems.push(`settings.consumers.${JSON.stringify(name)}: must be an object`);
  if (!Array.isArray(v.policyExceptions) || !v.policyExceptions.every((e) => typeof e === "string"))
    problems.push("settings.policyExceptions: must be a list of strings");
  if (typeof v.state !== "string") problems.push("settings.state: must be a string");
  const known = ["version", "cluster", "brokers", "consumers", "policyExceptions", "state"];
  for (const key of Object.keys(v)) if (!known.includes(key)) problems.push(`settings.${JSON.stringify(key)}: unknown field`);
  return problems;
}
