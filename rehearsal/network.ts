/**
 * The rehearsal's private network: Linux network namespaces that this process creates and removes.
 *
 *   client ns ── veth ── lb ns (HAProxy) ── bridge ──┬── broker ns b<id> (address = the broker's `target`)
 *   169.254.213.2        169.254.213.1               ├── ...
 *                        169.254.214.1 (bridge)      └── ...
 *
 * - Each broker namespace owns exactly the private address the configuration gives as its NLB
 *   target, so the load balancer reaches it the way the NLB's target group attachment would.
 * - The client namespace has one link route (to the load balancer) and nothing else: it has no
 *   path to any broker address; the lb namespace does not forward packets (ip_forward=0).
 * - No namespace is connected to the machine's own network and none has a default route, so
 *   nothing the rehearsal sends can leave these namespaces.
 * - Plumbing addresses are link-local (169.254/16), which the configuration's private broker
 *   targets can never collide with.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The address the advertised hostname resolves to in the client namespace (the "interface endpoint"). */
export const LOAD_BALANCER_ADDRESS = "169.254.213.1";
const CLIENT_ADDRESS = "169.254.213.2";
const CLIENT_PREFIX = 30;
/** The load balancer's address towards the brokers (on the bridge). */
const LOAD_BALANCER_BROKER_SIDE = "169.254.214.1";

/** Every namespace, hosts-file folder and temporary folder of a run starts with this and the run's PID. */
const PREFIX = "krh";
const TEMP_PREFIX = "kafka-rehearsal-";
/** Where `ip netns exec` finds a namespace's own /etc files. */
const NETNS_ETC = "/etc/netns";

export interface BrokerHost {
  readonly id: number;
  /** The broker's private address (the NLB target). */
  readonly address: string;
}

export interface Topology {
  readonly loadBalancerNs: string;
  readonly clientNs: string;
  /** broker ID → its namespace */
  readonly brokerNs: ReadonlyMap<number, string>;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 });
}

function namespaces(): string[] {
  // `ip netns list` prints "name" or "name (id: N)".
  return ip("netns", "list")
    .split("\n")
    .map((line) => line.split(" ")[0])
    .filter((name) => name.length > 0);
}

function hostsDirs(): string[] {
  return fs.existsSync(NETNS_ETC) ? fs.readdirSync(NETNS_ETC) : [];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

let runCounter = 0;

/** A fresh name prefix for one run: `krh<pid>-<n>`. */
export function newRunPrefix(): string {
  runCounter += 1;
  return `${PREFIX}${process.pid}-${runCounter}`;
}

export function createTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`));
}

/** `hostnames` resolve to the load balancer in the client namespace. */
export function createTopology(prefix: string, brokers: readonly BrokerHost[], hostnames: readonly string[]): Topology {
  const lb = `${prefix}-lb`;
  const client = `${prefix}-client`;
  const brokerNs = new Map(brokers.map((b) => [b.id, `${prefix}-b${b.id}`]));
  const inLb = (...args: string[]) => ip("-n", lb, ...args);

  for (const ns of [lb, client, ...brokerNs.values()]) {
    ip("netns", "add", ns);
    ip("-n", ns, "link", "set", "lo", "up");
  }
  ip("netns", "exec", lb, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0");

  inLb("link", "add", "br0", "type", "bridge");
  inLb("addr", "add", `${LOAD_BALANCER_BROKER_SIDE}/32`, "dev", "br0");
  inLb("link", "set", "br0", "up");
  for (const broker of brokers) {
    const inBroker = (...args: string[]) => ip("-n", brokerNs.get(broker.id)!, ...args);
    const port = `b${broker.id}`;
    ip("link", "add", port, "netns", lb, "type", "veth", "peer", "name", "eth0", "netns", brokerNs.get(broker.id)!);
    inLb("link", "set", port, "master", "br0");
    inLb("link", "set", port, "up");
    inLb("route", "add", `${broker.address}/32`, "dev", "br0");
    inBroker("addr", "add", `${broker.address}/32`, "dev", "eth0");
    inBroker("link", "set", "eth0", "up");
    // Host routes only: the load balancer and the other brokers (controller quorum, replication).
    for (const address of [LOAD_BALANCER_BROKER_SIDE, ...brokers.filter((b) => b !== broker).map((b) => b.address)]) {
      inBroker("route", "add", `${address}/32`, "dev", "eth0");
    }
  }

  ip("link", "add", "client", "netns", lb, "type", "veth", "peer", "name", "eth0", "netns", client);
  inLb("addr", "add", `${LOAD_BALANCER_ADDRESS}/${CLIENT_PREFIX}`, "dev", "client");
  inLb("link", "set", "client", "up");
  ip("-n", client, "addr", "add", `${CLIENT_ADDRESS}/${CLIENT_PREFIX}`, "dev", "eth0");
  ip("-n", client, "link", "set", "eth0", "up");

  // `ip netns exec <ns>` bind-mounts /etc/netns/<ns>/hosts over /etc/hosts: the client resolves
  // these names to the load balancer as the consumer's Route 53 alias record would.
  const etc = path.join(NETNS_ETC, client);
  fs.mkdirSync(etc, { recursive: true });
  fs.writeFileSync(path.join(etc, "hosts"), ["127.0.0.1 localhost", ...hostnames.map((h) => `${LOAD_BALANCER_ADDRESS} ${h}`), ""].join("\n"));

  return { loadBalancerNs: lb, clientNs: client, brokerNs };
}

/**
 * Kills every process inside the run's namespaces (only the rehearsal's own processes live
 * there), then removes the namespaces (which removes their veths and bridge), the client's hosts
 * folder and the temporary folder. Synchronous and idempotent.
 */
export function destroyRun(prefix: string, tempDir?: string): void {
  const ours = (name: string) => name.startsWith(`${prefix}-`);
  const spaces = namespaces().filter(ours);
  spaces.forEach(killAllIn);
  for (const ns of spaces) {
    try {
      ip("netns", "del", ns);
    } catch {
      // Already gone.
    }
  }
  for (const dir of [
    ...hostsDirs()
      .filter(ours)
      .map((name) => path.join(NETNS_ETC, name)),
    ...(tempDir ? [tempDir] : []),
  ]) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function pidsIn(ns: string): number[] {
  try {
    return ip("netns", "pids", ns)
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** Kills every process in `ns` and waits (bounded) until none is left. */
export function killAllIn(ns: string): void {
  for (const pid of pidsIn(ns)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
  const deadline = Date.now() + 5_000;
  while (pidsIn(ns).length > 0 && Date.now() < deadline) {
    // Blocks the thread: teardown has to work from `process.on("exit")`, where nothing async runs.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
}

/**
 * Removes what an earlier run left behind when it was killed before its own cleanup ran
 * (SIGKILL, a crashed test worker): runs are named after their PID, and only those whose process
 * no longer exists are touched.
 */
export function removeStaleRuns(): void {
  // The run's prefix (what `pattern` matches) when its process no longer exists.
  const deadRun = (name: string, pattern: RegExp) => {
    const match = pattern.exec(name);
    return match && !isAlive(Number(match.groups!.pid)) ? match[0] : undefined;
  };
  const runs = [...namespaces(), ...hostsDirs()].map((name) => deadRun(name, new RegExp(`^${PREFIX}(?<pid>\\d+)-\\d+(?=-)`)));
  for (const prefix of new Set(runs)) {
    if (prefix) destroyRun(prefix);
  }
  for (const entry of fs.readdirSync(os.tmpdir())) {
    if (deadRun(entry, new RegExp(`^${TEMP_PREFIX}(?<pid>\\d+)-`))) {
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}
