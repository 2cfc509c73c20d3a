import * as fs from "node:fs";
import * as path from "node:path";
import { PortPlan } from "../modules/broker-ports/allocation";

/**
 * The broker → port allocation a run synthesized, kept beside the configuration and committed
 * with it: a later run that would move a port a running client depends on has to say so.
 */
export interface PortLock {
  readonly cluster: string;
  readonly bootstrapPort: number;
  /** Broker ID → port. */
  readonly brokers: Readonly<Record<string, number>>;
}

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
}

/** `orders.yaml` → `orders.ports.lock.json`, in the same folder. */
export function lockPathFor(configFile: string): string {
  const parsed = path.parse(configFile);
  return path.join(parsed.dir, `${parsed.name}.ports.lock.json`);
}

export function lockFromPlan(cluster: string, plan: PortPlan): PortLock {
  return {
    cluster,
    bootstrapPort: plan.bootstrapPort,
    brokers: Object.fromEntries([...plan.brokerPorts].map(([id, port]) => [String(id), port])),
  };
}

export function renderLock(lock: PortLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

export function readLock(file: string): PortLock | undefined {
  if (!fs.existsSync(file)) return undefined;
  const lock = JSON.parse(fs.readFileSync(file, "utf8")) as PortLock;
  if (typeof lock?.bootstrapPort !== "number" || typeof lock.brokers !== "object" || lock.brokers === null) {
    throw new Error(`${file}: not a port lock (expected bootstrapPort and brokers); fix or delete it`);
  }
  return lock;
}

const byId = (a: { broker: string }, b: { broker: string }) => Number(a.broker) - Number(b.broker);

export function comparePorts(lock: PortLock | undefined, next: PortLock): PortChanges {
  const before = lock?.brokers ?? {};
  const after = next.brokers;
  return {
    hadLock: lock !== undefined,
    added: Object.entries(after).filter(([id]) => !(id in before)).map(([broker, port]) => ({ broker, port })).sort(byId),
    removed: Object.entries(before).filter(([id]) => !(id in after)).map(([broker, port]) => ({ broker, port })).sort(byId),
    moved: Object.entries(after)
      .filter(([id, port]) => id in before && before[id] !== port)
      .map(([broker, to]) => ({ broker, from: before[broker], to }))
      .sort(byId),
    bootstrapMoved: lock && lock.bootstrapPort !== next.bootstrapPort ? { from: lock.bootstrapPort, to: next.bootstrapPort } : undefined,
  };
}

export class PortChangeError extends Error {
  constructor(
    readonly lockFile: string,
    readonly changes: PortChanges,
  ) {
    const lines = [
      ...(changes.bootstrapMoved ? [`  bootstrap: ${changes.bootstrapMoved.from} → ${changes.bootstrapMoved.to}`] : []),
      ...changes.moved.map((m) => `  broker ${m.broker}: ${m.from} → ${m.to}`),
    ];
    super(
      `${lockFile}: this run would move ports that running clients use:\n${lines.join("\n")}\n` +
        "Clients that already bootstrapped keep connecting to the old ports and fail. Nothing was written.\n" +
        "If the move is intended (and the brokers' advertised.listeners change with it), run again with --allow-port-change.",
    );
    this.name = "PortChangeError";
  }
}

export function portsMoved(changes: PortChanges): boolean {
  return changes.moved.length > 0 || changes.bootstrapMoved !== undefined;
}
