import * as fs from "node:fs";
import * as path from "node:path";
import { Config, DEFAULT_DENIED_REGIONS } from "../../config/schema";
import { PortPlan } from "../../modules/kafka-broker-ports/allocation";
import { stateKey } from "../../stacks/aws-access";

/**
 * Every setting a plan reviewer must see when it changes, as one synth produced them. The synth
 * writes it beside REVIEW.md (`review-settings.json`), and the next synth into the same folder
 * compares against it: REVIEW.md then says what this synth changes, not only what it contains.
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

export const SETTINGS_FILE = "review-settings.json";
const SETTINGS_VERSION = 1;

export function reviewSettings(config: Config, ports: PortPlan): ReviewSettings {
  const { cluster, consumers, state } = config;
  const targets = new Map(cluster.brokers.map((b) => [b.id, b.target]));
  return {
    version: SETTINGS_VERSION,
    cluster: {
      name: cluster.name,
      region: cluster.region,
      vpcId: cluster.vpcId,
      subnetIds: cluster.subnetIds,
      advertisedHostname: cluster.advertisedHostname,
      bootstrapPort: ports.bootstrapPort,
      brokerTargetPort: cluster.brokerTargetPort,
      targetType: cluster.targetType,
      allowedPrincipals: cluster.allowedPrincipals,
      acceptanceRequired: cluster.acceptanceRequired,
      acceptEndpoints: cluster.acceptEndpoints,
      deletionProtection: cluster.deletionProtection,
      tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
      deregistrationDelaySeconds: cluster.deregistrationDelaySeconds,
      listenerName: cluster.listenerName,
      listenerSecurityProtocol: cluster.listenerSecurityProtocol,
      "alarms.actions": cluster.alarms?.actions ?? null,
      tags: cluster.tags,
    },
    brokers: Object.fromEntries([...ports.brokerPorts].map(([id, port]) => [String(id), { port, target: targets.get(id) ?? "" }])),
    consumers: Object.fromEntries(
      consumers.map((c) => [
        c.name,
        {
          region: c.region,
          vpcId: c.vpcId,
          subnetIds: c.subnetIds,
          allowedCidrs: c.allowedCidrs,
          serviceName: c.serviceName ?? null,
          hostedZoneId: c.hostedZoneId ?? null,
          tags: c.tags,
        },
      ]),
    ),
    policyExceptions: policyExceptions(config),
    state: state ? `s3://${state.s3.bucket}/${stateKey(state.s3, "<stack>")} (${state.s3.region}${state.s3.useLockfile ? ", lock file" : ", no locking"})` : "local files",
  };
}

/** What this configuration allows beyond the default policy, as used (not merely permitted). */
export function policyExceptions({ cluster, consumers, policy }: Config): string[] {
  const found: string[] = [];
  if (cluster.allowedPrincipals.includes("*")) {
    found.push('`cluster.allowedPrincipals` has `"*"`: every AWS account may create an endpoint to the service (`policy.allowAnyPrincipal`).');
  }
  if (!cluster.acceptanceRequired) {
    found.push("`cluster.acceptanceRequired` is false: every allowed principal's endpoint connects without the provider's approval.");
  }
  for (const c of consumers) {
    if (c.allowedCidrs.includes("0.0.0.0/0")) {
      found.push(`Consumer \`${c.name}\` admits \`0.0.0.0/0\`: the Kafka ports are open to every address in its VPC's reach (\`policy.allowAnyCidr\`).`);
    }
    if (c.region !== cluster.region) {
      found.push(`Consumer \`${c.name}\` is in ${c.region}, the cluster in ${cluster.region}: cross-region PrivateLink (\`policy.allowCrossRegion\`).`);
    }
  }
  const regions = [{ what: "The cluster", region: cluster.region }, ...consumers.map((c) => ({ what: `Consumer \`${c.name}\``, region: c.region }))];
  for (const { what, region } of regions) {
    if (DEFAULT_DENIED_REGIONS.includes(region) && !policy.deniedRegions.includes(region)) {
      found.push(`${what} is in ${region}, denied by default (\`policy.deniedRegions\` lifts it).`);
    }
  }
  return found;
}

export interface SettingsComparison {
  /** Why there is nothing to compare with, when there is not. */
  readonly firstSynth?: string;
  /** One Markdown sentence per changed setting. */
  readonly changes: readonly string[];
  /** Exceptions in effect, each marked when the previous synth did not have it. */
  readonly exceptions: ReadonlyArray<{ readonly text: string; readonly isNew: boolean }>;
}

const code = (v: unknown) => (v === null || v === undefined ? "(none)" : `\`${typeof v === "string" ? v : JSON.stringify(v)}\``);
const isList = (v: Value | undefined): v is readonly string[] => Array.isArray(v);
const isMap = (v: Value | undefined): v is Readonly<Record<string, string>> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Why a reviewer should look twice at a setting's change: what the plan will do. */
const CONSEQUENCES: Record<string, string> = {
  "cluster.subnetIds": "an NLB cannot leave a subnet: removing one replaces the NLB and the endpoint service, and every consumer endpoint must be re-created",
  "cluster.vpcId": "replaces the NLB, every target group and the endpoint service",
  "cluster.targetType": "replaces every target group (new ones first)",
  "cluster.brokerTargetPort": "replaces every target group (new ones first); each broker must listen on the new port",
  "cluster.allowedPrincipals": "who may create endpoints to the service",
  "cluster.acceptanceRequired": "whether new endpoint connections wait for approval",
  "cluster.deletionProtection": "whether AWS refuses to delete the NLB",
  "cluster.tcpIdleTimeoutSeconds": "clients' `connections.max.idle.ms` (client_config) follows it",
  "cluster.listenerName": "every broker's server.properties lines change",
  "cluster.listenerSecurityProtocol": "every broker's and client's protocol changes",
  "consumers.allowedCidrs": "an added CIDR gets its own security group with a rule for every Kafka port, a removed one loses them, and the endpoint's security_group_ids is updated in place",
  "consumers.serviceName": "replaces the endpoint",
  "consumers.vpcId": "replaces the endpoint, its security group and the zone association",
};

function listChange(label: string, from: readonly string[], to: readonly string[]): string | undefined {
  const added = to.filter((x) => !from.includes(x));
  const removed = from.filter((x) => !to.includes(x));
  if (added.length + removed.length === 0) return undefined;
  const parts = [...(added.length ? [`added ${added.map(code).join(", ")}`] : []), ...(removed.length ? [`removed ${removed.map(code).join(", ")}`] : [])];
  return `${label}: ${parts.join("; ")}`;
}

function mapChange(label: string, from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>): string | undefined {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])].sort();
  const parts = keys.flatMap((k) => (from[k] === to[k] ? [] : [`${k} ${code(from[k])} → ${code(to[k])}`]));
  return parts.length ? `${label}: ${parts.join(", ")}` : undefined;
}

function fieldChange(label: string, from: Value | undefined, to: Value | undefined): string | undefined {
  if (isList(from) || isList(to)) return listChange(label, isList(from) ? from : [], isList(to) ? to : []);
  if (isMap(from) || isMap(to)) return mapChange(label, isMap(from) ? from : {}, isMap(to) ? to : {});
  return from === to ? undefined : `${label}: ${code(from)} → ${code(to)}`;
}

function withConsequence(sentence: string | undefined, key: string): string[] {
  if (!sentence) return [];
  const why = CONSEQUENCES[key];
  return [why ? `${sentence} (${why})` : sentence];
}

function brokerChanges(previous: ReviewSettings["brokers"], current: ReviewSettings["brokers"]): string[] {
  const ids = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort((a, b) => Number(a) - Number(b));
  return ids.flatMap((id) => {
    const [was, now] = [previous[id], current[id]];
    if (!was) return [`Broker ${id} added: port ${now.port}, target ${code(now.target)}`];
    if (!now) return [`Broker ${id} removed (was port ${was.port}, target ${code(was.target)})`];
    const out: string[] = [];
    if (was.target !== now.target) {
      out.push(`Broker ${id} target: ${code(was.target)} → ${code(now.target)} (replaces \`aws_lb_target_group_attachment.broker["${id}"]\` and \`…bootstrap["${id}"]\`: the broker's traffic moves to the new target)`);
    }
    if (was.port !== now.port) out.push(`Broker ${id} port: ${was.port} → ${now.port} (clients that bootstrapped keep using the old port)`);
    return out;
  });
}

function consumerChanges(previous: ReviewSettings["consumers"], current: ReviewSettings["consumers"]): string[] {
  const names = [...new Set([...Object.keys(previous), ...Object.keys(current)])].sort();
  return names.flatMap((name) => {
    const [was, now] = [previous[name], current[name]];
    if (!was) return [`Consumer \`${name}\` added (${now.region}, ${code(now.vpcId)}, CIDRs ${(now.allowedCidrs as string[]).map(code).join(", ")})`];
    if (!now) return [`Consumer \`${name}\` removed: its stack is no longer synthesized, but its endpoint, zone and rules stay deployed until destroyed (put it back, \`cdktf destroy\` its stack, then remove it)`];
    const fields = [...new Set([...Object.keys(was), ...Object.keys(now)])];
    return fields.flatMap((f) => withConsequence(fieldChange(`\`consumers.${name}.${f}\``, was[f], now[f]), `consumers.${f}`));
  });
}

function endpointsChange(from: Value | undefined, to: Value | undefined): string[] {
  const was = isList(from) ? from : [];
  const now = isList(to) ? to : [];
  const accepted = now.filter((e) => !was.includes(e));
  const rejected = was.filter((e) => !now.includes(e));
  return [
    ...(accepted.length ? [`\`cluster.acceptEndpoints\`: accepts ${accepted.map(code).join(", ")}`] : []),
    ...(rejected.length ? [`\`cluster.acceptEndpoints\`: **rejects** ${rejected.map(code).join(", ")} (no longer listed: the plan destroys its acceptance, and that endpoint's clients lose the cluster)`] : []),
  ];
}

/** The reviewable differences between the previous synth's settings and this one's. */
export function compareSettings(before: ReviewSettings | { readonly reason: string }, current: ReviewSettings): SettingsComparison {
  if ("reason" in before) return { firstSynth: before.reason, changes: [], exceptions: current.policyExceptions.map((text) => ({ text, isNew: false })) };
  const previous = before;
  const exceptions = current.policyExceptions.map((text) => ({ text, isNew: !previous.policyExceptions.includes(text) }));
  const clusterFields = [...new Set([...Object.keys(previous.cluster), ...Object.keys(current.cluster)])];
  const changes = [
    ...clusterFields.flatMap((f) =>
      f === "acceptEndpoints" ? endpointsChange(previous.cluster[f], current.cluster[f]) : withConsequence(fieldChange(`\`cluster.${f}\``, previous.cluster[f], current.cluster[f]), `cluster.${f}`),
    ),
    ...brokerChanges(previous.brokers, current.brokers),
    ...consumerChanges(previous.consumers, current.consumers),
    ...(previous.state === current.state ? [] : [`State: ${previous.state} → ${current.state} (add \`--migrate-state\` to the next \`cdktf deploy\`, or run \`terraform init -migrate-state\` in each stack folder, before the next plan)`]),
  ];
  const dropped = previous.policyExceptions.filter((text) => !current.policyExceptions.includes(text));
  changes.push(...dropped.map((text) => `Policy exception withdrawn: ${text}`));
  return { changes, exceptions };
}

/** The settings a previous synth left in `dir`, or why there are none to compare with. */
export function previousSettings(dir: string): ReviewSettings | { readonly reason: string } {
  const file = path.join(dir, SETTINGS_FILE);
  if (!fs.existsSync(file)) return { reason: `First synth: no previous output in \`${path.basename(dir)}\` to compare with.` };
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as ReviewSettings;
    if (parsed.version === SETTINGS_VERSION && parsed.cluster && parsed.brokers && parsed.consumers && Array.isArray(parsed.policyExceptions)) return parsed;
  } catch {
    // reported below: an unreadable file is never trusted
  }
  return { reason: `The previous output's \`${SETTINGS_FILE}\` cannot be read: the sections below show the settings as they are now, not what changed.` };
}
