import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import { OUTPUT_MARKER, readJson } from "../job/output/transaction";
import { Config } from "../config/schema";
import { MAX_BROKERS, MAX_PORT, MIN_PORT, PortPlan } from "../modules/kafka-broker-ports/allocation";
import { ReviewSettings, reviewSettings, settingsProblems } from "../job/review/settings";

/**
 * What running clients depend on, as the last run synthesized it: kept beside the configuration
 * and committed with it, so a later run that would move a port (or the name clients resolve, or
 * the endpoint service they connect to) has to say so.
 */
export interface PortLock {
  /** The cluster name: renaming it replaces the NLB and the endpoint service. */
  readonly cluster: string;
  readonly advertisedHostname: string;
  readonly bootstrapPort: number;
  /** Broker ID → port. */
  readonly brokers: Readonly<Record<string, number>>;
  /**
   * Every reviewable setting as that run synthesized it: the baseline REVIEW.md compares with
   * (absent from locks written before it was recorded).
   */
  readonly settings?: ReviewSettings;
}

export interface PortChanges {
  /** False when there was no lock yet: everything is new, nothing moved. */
  readonly hadLock: boolean;
  readonly added: ReadonlyArray<{ broker: string; port: number }>;
  readonly removed: ReadonlyArray<{ broker: string; port: number }>;
  readonly moved: ReadonlyArray<{ broker: string; from: number; to: number }>;
  readonly bootstrapMoved?: { from: number; to: number };
  readonly hostnameChanged?: { from: string; to: string };
  readonly clusterRenamed?: { from: string; to: string };
}

/**
 * `orders.yaml` → `orders.ports.lock.json`, in the folder of the file itself: a configuration
 * reached through a symbolic link has the lock of the file it links to.
 */
export function lockPathFor(configFile: string): string {
  const parsed = path.parse(fs.existsSync(configFile) ? fs.realpathSync(configFile) : path.resolve(configFile));
  return path.join(parsed.dir, `${parsed.name}.ports.lock.json`);
}

export function renderLock(lock: PortLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** A lock file that cannot be read as one: refused, never silently replaced. */
export class PortLockError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}. Fix it (it is meant to be committed, so see its history) or delete it to start a new lock. Nothing was replaced.`);
    this.name = "PortLockError";
  }
}

const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= MIN_PORT && (v as number) <= MAX_PORT;
const PORT_RULE = `must be an integer port ${MIN_PORT}-${MAX_PORT}`;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every way a lock document breaks the rules a lock written by this tool keeps. */
function lockProblems(doc: unknown): string[] {
  if (!isObject(doc)) return ["(top level): must be an object"];
  const problems: string[] = [];
  const fields = ["cluster", "advertisedHostname", "bootstrapPort", "brokers"];
  // Object.keys, not `in`: JSON.parse makes "__proto__" an own key, and it must not pass unseen.
  for (const key of Object.keys(doc)) if (![...fields, "settings"].includes(key)) problems.push(`${JSON.stringify(key)}: unknown field`);
  if (Object.hasOwn(doc, "settings")) problems.push(...settingsProblems(doc.settings));
  for (const key of fields) if (!Object.hasOwn(doc, key)) problems.push(`${key}: missing`);
  for (const key of ["cluster", "advertisedHostname"]) {
    if (key in doc && (typeof doc[key] !== "string" || doc[key] === "")) problems.push(`${key}: ${JSON.stringify(doc[key])} must be a non-empty string`);
  }
  if ("bootstrapPort" in doc && !isPort(doc.bootstrapPort)) problems.push(`bootstrapPort: ${JSON.stringify(doc.bootstrapPort)} ${PORT_RULE}`);
  if (Object.hasOwn(doc, "brokers")) {
    const brokers = doc.brokers;
    if (!isObject(brokers)) {
      problems.push(`brokers: ${JSON.stringify(brokers)} must be an object of broker ID → port`);
    } else {
      const ids = Object.keys(brokers);
      if (ids.length === 0 || ids.length > MAX_BROKERS) problems.push(`brokers: ${ids.length} given; a cluster has 1-${MAX_BROKERS} brokers`);
      const seen = new Map<number, string>();
      for (const id of ids) {
        const port = brokers[id];
        const at = `brokers.${JSON.stringify(id)}`;
        // A broker ID as this tool writes it: "01" or "1.0" would be a second key for broker 1.
        if (!/^(0|[1-9]\d{0,8})$/.test(id)) problems.push(`${at}: not a broker ID (a non-negative integer without leading zeros)`);
        if (!isPort(port)) problems.push(`${at}: ${JSON.stringify(port)} ${PORT_RULE}`);
        else if (seen.has(port)) problems.push(`${at}: port ${port} is also broker ${seen.get(port)}'s`);
        else if (port === doc.bootstrapPort) problems.push(`${at}: port ${port} is the bootstrap port`);
        if (isPort(port)) seen.set(port, id);
      }
    }
  }
  return problems;
}

/**
 * The keys written twice in one object of a JSON text, with their paths. JSON.parse keeps the last
 * value silently, so a lock with broker 1 twice would be read as whichever came last.
 */
function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  // JSON is YAML: the YAML parser keeps every key of an object, in order.
  const walk = (node: unknown, at: readonly (string | number)[]): void => {
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...at, i]));
    if (!isMap(node)) return;
    const keys = new Set<string>();
    for (const pair of node.items) {
      const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
      // Named as the other lock problems are: the top-level field bare, the keys inside it quoted.
      if (keys.has(key)) found.push([...at, key].map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${JSON.stringify(p)}`)).join(""));
      keys.add(key);
      walk(pair.value, [...at, key]);
    }
  };
  walk(parseDocument(text, { uniqueKeys: false }).contents, []);
  return found;
}

/** A lock document, checked: refused with every problem named, never repaired. */
function parseLock(text: string, file: string): PortLock {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PortLockError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const problems = [...duplicateKeys(text).map((key) => `${key}: written twice (JSON keeps only the last; say each key once)`), ...lockProblems(doc)];
  if (problems.length > 0) throw new PortLockError(file, `is not a port lock: ${problems.join("; ")}`);
  const { cluster, advertisedHostname, bootstrapPort, brokers, settings } = doc as PortLock;
  return { cluster, advertisedHostname, bootstrapPort, brokers: { ...brokers }, ...(settings && { settings }) };
}

export function readLock(file: string): PortLock | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new PortLockError(file, `cannot be read (${(err as Error).message})`);
  }
  return parseLock(text, file);
}

/**
 * The marker of an output folder, its one record of the run that wrote it: the allocation the
 * folder was built from (a run whose configuration has no lock beside it, copied or moved, is
 * checked against it) and, from the main job, which files it wrote into which published folder
 * (the next run may remove those: previousPublished in job/output/transaction.ts).
 */
export function renderOutputMarker(builtFrom: PortLock, published?: { readonly modulesOut: string; readonly files: readonly string[] }): string {
  return `${JSON.stringify({ writtenBy: "kafka-privatelink; this folder is replaced whole on every run", builtFrom, published }, null, 2)}\n`;
}

/** What a run is checked against: the lock, else an output folder built for the same cluster. */
export interface PreviousAllocation {
  readonly lock: PortLock;
  /** The file it was read from, for messages. */
  readonly source: string;
}

/**
 * The lock beside the configuration when there is one. Without it (a new, copied or moved
 * configuration), the allocation an output folder of the same cluster was built from: its stacks
 * hold the ports that were deployed. Another cluster's folder is not: its stacks are other stacks.
 */
export function previousAllocation(lockFile: string, outputDirs: readonly string[], cluster: string): PreviousAllocation | undefined {
  const lock = readLock(lockFile);
  if (lock) return { lock, source: lockFile };
  for (const dir of outputDirs) {
    // The allocation recorded in the folder's marker (none in a marker written before markers recorded it).
    const source = path.join(dir, OUTPUT_MARKER);
    const builtFrom = readJson(source)?.builtFrom;
    const record = builtFrom === undefined ? undefined : parseLock(JSON.stringify(builtFrom), `${source} (builtFrom)`);
    if (record?.cluster === cluster) return { lock: record, source };
  }
  return undefined;
}

const byId = (a: { broker: string }, b: { broker: string }) => Number(a.broker) - Number(b.broker);
/** The brokers of `ports` that `other` does not have, in ID order. */
const missingFrom = (ports: PortLock["brokers"], other: PortLock["brokers"]) =>
  Object.entries(ports)
    .filter(([id]) => !(id in other))
    .map(([broker, port]) => ({ broker, port }))
    .sort(byId);

export function comparePorts(lock: PortLock | undefined, next: PortLock): PortChanges {
  const before = lock?.brokers ?? {};
  const after = next.brokers;
  const changed = <T>(from: T | undefined, to: T) => (lock && from !== undefined && from !== to ? { from, to } : undefined);
  return {
    hadLock: lock !== undefined,
    added: missingFrom(after, before),
    removed: missingFrom(before, after),
    moved: Object.entries(after)
      .filter(([id, port]) => id in before && before[id] !== port)
      .map(([broker, to]) => ({ broker, from: before[broker], to }))
      .sort(byId),
    bootstrapMoved: changed(lock?.bootstrapPort, next.bootstrapPort),
    hostnameChanged: changed(lock?.advertisedHostname, next.advertisedHostname),
    clusterRenamed: changed(lock?.cluster, next.cluster),
  };
}

export class PortChangeError extends Error {
  constructor(
    readonly lockFile: string,
    readonly changes: PortChanges,
  ) {
    const { clusterRenamed: cluster, hostnameChanged: hostname, bootstrapMoved: bootstrap } = changes;
    const lines = [
      cluster && `  cluster: ${cluster.from} → ${cluster.to} (replaces the NLB and the endpoint service: every consumer endpoint must be re-created)`,
      hostname && `  advertised hostname: ${hostname.from} → ${hostname.to}`,
      bootstrap && `  bootstrap: ${bootstrap.from} → ${bootstrap.to}`,
      ...changes.moved.map((m) => `  broker ${m.broker}: ${m.from} → ${m.to}`),
    ].filter((line) => line !== undefined);
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
export function checkPortLock(
  config: Config,
  plan: PortPlan,
  previous: PreviousAllocation | undefined,
  allowChange: boolean,
): { next: PortLock; changes: PortChanges } {
  const next: PortLock = {
    cluster: config.cluster.name,
    advertisedHostname: config.cluster.advertisedHostname,
    bootstrapPort: plan.bootstrapPort,
    brokers: Object.fromEntries([...plan.brokerPorts].map(([id, port]) => [String(id), port])),
    settings: reviewSettings(config, plan),
  };
  const changes = comparePorts(previous?.lock, next);
  // What breaks clients that are already connected or configured.
  const { moved, bootstrapMoved, hostnameChanged, clusterRenamed } = changes;
  if (previous && !allowChange && (moved.length > 0 || bootstrapMoved || hostnameChanged || clusterRenamed)) {
    throw new PortChangeError(previous.source, changes);
  }
  return { next, changes };
}

/** What REVIEW.md compares with: one baseline for every section, so they never disagree. */
export interface Baseline {
  /** Undefined: nothing to compare with (a new configuration). */
  readonly lock?: PortLock;
  /** What it is, as Markdown: "the port lock `orders.ports.lock.json`", "… at `origin/main`". */
  readonly label: string;
}

/** A `--base` (or PRIVATELINK_REVIEW_BASE) that names no commit: a bad command line. */
export class BaseRefError extends Error {
  constructor(setting: string, ref: string, problem: string) {
    super(`${setting} ${ref}: ${problem}`);
    this.name = "BaseRefError";
  }
}

/**
 * The port lock as committed at a git ref (a pull request's merge base): the baseline of a fresh
 * CI checkout, where the lock in the working tree already holds the change under review.
 */
function lockAtRef(ref: string, lockFile: string, setting: string): Baseline {
  const dir = path.dirname(lockFile);
  const git = (args: string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 30_000, maxBuffer: 64 * 1024 * 1024 });
  const commit = git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (commit.error) throw new BaseRefError(setting, ref, `git cannot be run (${commit.error.message})`);
  if (commit.status !== 0)
    throw new BaseRefError(setting, ref, `not a commit in the git repository of ${dir} (fetch it first, e.g. \`git fetch origin main\`)`);
  const label = `the port lock at \`${ref}\``;
  const shown = git(["show", `${commit.stdout.trim()}:./${path.basename(lockFile)}`]);
  if (shown.status !== 0) return { label: `${label} (none there: the configuration is new)` };
  return { lock: parseLock(shown.stdout, `${ref}:${path.basename(lockFile)}`), label };
}

/** The baseline of a run: the lock at `--base` when given, else what the run is checked against. */
export function reviewBaseline(previous: PreviousAllocation | undefined, base: string | undefined, lockFile: string, setting = "--base"): Baseline {
  if (base !== undefined) return lockAtRef(base, lockFile, setting);
  if (!previous) return { label: "nothing (no port lock yet)" };
  return { lock: previous.lock, label: previous.source === lockFile ? `the port lock \`${path.basename(lockFile)}\`` : `the record \`${previous.source}\`` };
}
