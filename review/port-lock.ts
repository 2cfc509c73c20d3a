import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { Config } from "../config/schema";
import { PortPlan } from "../modules/broker-ports/allocation";

/**
 * What running clients depend on, as the last run synthesized it: kept beside the configuration
 * and committed with it, so a later run that would move a port (or the name clients resolve, or
 * the endpoint service they connect to) has to say so.
 */
const lockSchema = z.strictObject({
  /** The cluster name: renaming it replaces the NLB and the endpoint service. */
  cluster: z.string(),
  advertisedHostname: z.string().optional(),
  bootstrapPort: z.number().int(),
  /** Broker ID → port. */
  brokers: z.record(z.string().regex(/^\d+$/), z.number().int()),
});
export type PortLock = z.infer<typeof lockSchema>;

export interface PortMove {
  readonly broker: string;
  readonly from: number;
  readonly to: number;
}

export interface PortChanges {
  /** False when there was no lock yet: everything is new, nothing moved. */
  readonly hadLock: boolean;
  readonly added: ReadonlyArray<{ broker: string; port: number }>;
  readonly removed: ReadonlyArray<{ broker: string; port: number }>;
  readonly moved: readonly PortMove[];
  readonly bootstrapMoved?: { from: number; to: number };
  readonly hostnameChanged?: { from: string; to: string };
  readonly clusterRenamed?: { from: string; to: string };
}

/** `orders.yaml` → `orders.ports.lock.json`, in the same folder. */
export function lockPathFor(configFile: string): string {
  const parsed = path.parse(configFile);
  return path.join(parsed.dir, `${parsed.name}.ports.lock.json`);
}

export function lockFromPlan(config: Config, plan: PortPlan): PortLock {
  return {
    cluster: config.cluster.name,
    advertisedHostname: config.cluster.advertisedHostname,
    bootstrapPort: plan.bootstrapPort,
    brokers: Object.fromEntries([...plan.brokerPorts].map(([id, port]) => [String(id), port])),
  };
}

export function renderLock(lock: PortLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** A lock file that cannot be read as one: refused, never silently replaced. */
export class PortLockError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}. Fix it (it is meant to be committed, so see its history) or delete it to start a new lock. Nothing was written.`);
    this.name = "PortLockError";
  }
}

export function readLock(file: string): PortLock | undefined {
  if (!fs.existsSync(file)) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new PortLockError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const parsed = lockSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PortLockError(file, `is not a port lock: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  return parsed.data;
}

const byId = (a: { broker: string }, b: { broker: string }) => Number(a.broker) - Number(b.broker);

export function comparePorts(lock: PortLock | undefined, next: PortLock): PortChanges {
  const before = lock?.brokers ?? {};
  const after = next.brokers;
  const changed = <T>(from: T | undefined, to: T) => (lock && from !== undefined && from !== to ? { from, to } : undefined);
  return {
    hadLock: lock !== undefined,
    added: Object.entries(after).filter(([id]) => !(id in before)).map(([broker, port]) => ({ broker, port })).sort(byId),
    removed: Object.entries(before).filter(([id]) => !(id in after)).map(([broker, port]) => ({ broker, port })).sort(byId),
    moved: Object.entries(after)
      .filter(([id, port]) => id in before && before[id] !== port)
      .map(([broker, to]) => ({ broker, from: before[broker], to }))
      .sort(byId),
    bootstrapMoved: changed(lock?.bootstrapPort, next.bootstrapPort),
    hostnameChanged: changed(lock?.advertisedHostname, next.advertisedHostname ?? ""),
    clusterRenamed: changed(lock?.cluster, next.cluster),
  };
}

/** True when the change breaks clients that are already connected or configured. */
export function breaksClients(c: PortChanges): boolean {
  return c.moved.length > 0 || c.bootstrapMoved !== undefined || c.hostnameChanged !== undefined || c.clusterRenamed !== undefined;
}

export class PortChangeError extends Error {
  constructor(
    readonly lockFile: string,
    readonly changes: PortChanges,
  ) {
    const lines = [
      ...(changes.clusterRenamed ? [`  cluster: ${changes.clusterRenamed.from} → ${changes.clusterRenamed.to} (replaces the NLB and the endpoint service: every consumer endpoint must be re-created)`] : []),
      ...(changes.hostnameChanged ? [`  advertised hostname: ${changes.hostnameChanged.from} → ${changes.hostnameChanged.to}`] : []),
      ...(changes.bootstrapMoved ? [`  bootstrap: ${changes.bootstrapMoved.from} → ${changes.bootstrapMoved.to}`] : []),
      ...changes.moved.map((m) => `  broker ${m.broker}: ${m.from} → ${m.to}`),
    ];
    super(
      `${lockFile}: this run would change what running clients use:\n${lines.join("\n")}\n` +
        "Clients that already bootstrapped keep connecting to the old ports and names and fail. Nothing was written.\n" +
        "If the change is intended (and the brokers' advertised.listeners change with it), run again with --allow-port-change " +
        "(for cdktf synth/deploy: PRIVATELINK_ALLOW_PORT_CHANGE=1).",
    );
    this.name = "PortChangeError";
  }
}

/** The lock check both entry points share: the next lock and what changed; throws PortChangeError unless allowed. */
export function checkPortLock(config: Config, plan: PortPlan, lockFile: string, allowChange: boolean): { next: PortLock; changes: PortChanges } {
  const next = lockFromPlan(config, plan);
  const changes = comparePorts(readLock(lockFile), next);
  if (breaksClients(changes) && !allowChange) {
    throw new PortChangeError(lockFile, changes);
  }
  return { next, changes };
}
