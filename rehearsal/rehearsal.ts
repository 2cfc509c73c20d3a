/**
 * The rehearsal: the product's synthesized Terraform against real systems, since no AWS account
 * and no terraform binary exist here.
 *
 *   1. the main job synthesizes the rehearsal configuration;
 *   2. a real 3-broker Apache Kafka cluster (KRaft) runs in network namespaces, each broker on its
 *      configured private address, its PrivateLink listener taken from the `broker_config` output;
 *   3. HAProxy stands in for the NLB, its frontends/backends read from the synthesized
 *      listener → target group → attachment chain;
 *   4. a kafkajs client in a namespace of its own, where the Route 53 record's name resolves to
 *      the load balancer and no route leads to a broker, bootstraps, checks every broker's
 *      advertised address, produces and consumes on partitions led by every broker;
 *   5. one broker stops; bootstrap and the remaining leaders must still work.
 * Everything it starts is stopped and removed in `close()`, whatever happened.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { runSynth } from "../cli/job";
import { Config } from "../config/schema";
import { loadConfig } from "../config/load";
import { allocatePorts } from "../modules/broker-ports/allocation";
import { lockPathFor } from "../review/port-lock";
import { consumerStackName, providerStackName } from "../stacks";
import type { TfJson } from "../synthesized/instances";
import { listenerRoutes } from "../synthesized/listener-routes";
import { brokerProperties } from "./broker-config";
import type { ClientPlan, ClientReport } from "./client";
import { haproxyConfig } from "./haproxy";
import { fetchKafkaJars, kafkaClassPath, kafkaJarsCached, REHEARSAL_DIR } from "./kafka-jars";
import {
  BrokerHost,
  createTempDir,
  createTopology,
  destroyRun,
  LOAD_BALANCER_ADDRESS,
  newRunPrefix,
  pidsIn,
  removeStaleRuns,
  sleepSync,
  Topology,
} from "./network";

export const REPO_ROOT = path.resolve(REHEARSAL_DIR, "..");
export const DEFAULT_CONFIG = path.join(REHEARSAL_DIR, "rehearsal.yaml");

const BROKER_START_TIMEOUT_MS = 60_000;
const BROKER_STOP_TIMEOUT_MS = 20_000;
const LOAD_BALANCER_START_TIMEOUT_MS = 10_000;
const CLIENT_TIMEOUT_MS = 120_000;
/** For the rehearsal topic and Kafka's internal topics: a stopped broker loses no partition. */
const REPLICATION_FACTOR = 3;
/** Each broker is a JVM: a small heap and the C1 compiler only, which starts fastest. */
const JVM_OPTIONS = ["-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"];

/** The rehearsal found the product's output wrong (or could not run it); `failures` says what. */
export class RehearsalFailure extends Error {
  constructor(readonly failures: readonly string[]) {
    super(`rehearsal failed:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    this.name = "RehearsalFailure";
  }
}

export interface RehearsalOptions {
  readonly configFile?: string;
  /** Progress lines; default: stderr. */
  readonly log?: (line: string) => void;
}

/** Why the rehearsal cannot run on this machine (empty: it can). */
export function missingPrerequisites(): string[] {
  const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: "ignore", timeout: 10_000 }).status === 0;
  const missing: string[] = [];
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    missing.push("network namespaces need Linux and root (the rehearsal runs `ip netns add`)");
  } else if (!works("ip", ["netns", "list"])) {
    missing.push("iproute2 (`ip`) is not installed");
  } else {
    const probe = `${newRunPrefix()}-probe`;
    if (!works("ip", ["netns", "add", probe])) {
      missing.push("this process may not create network namespaces (`ip netns add` failed)");
    }
    works("ip", ["netns", "del", probe]);
  }
  if (!works("java", ["-version"])) {
    missing.push("Java 17+ is not installed (`java` not found)");
  }
  if (!kafkaJarsCached() && !works("mvn", ["-v"])) {
    missing.push("Maven is not installed (`mvn` not found) and the Kafka jars are not cached in rehearsal/.cache");
  }
  if (!works("haproxy", ["-v"])) {
    missing.push("HAProxy is not installed (apt-get install haproxy)");
  }
  return missing;
}

/**
 * A copy of the provider stack in which brokers `a` and `b` have each other's target group
 * attachment: listener a → target group a → broker b's address. The deliberately wrong mapping
 * that the rehearsal must reject.
 */
export function swapBrokerTargets(stack: TfJson, a: number, b: number): TfJson {
  const copy = structuredClone(stack);
  const forEach = copy.resource?.aws_lb_target_group_attachment?.broker?.for_each as Record<string, unknown> | undefined;
  if (!forEach || !(String(a) in forEach) || !(String(b) in forEach)) {
    throw new Error(`the stack has no aws_lb_target_group_attachment.broker instances for brokers ${a} and ${b}`);
  }
  [forEach[String(a)], forEach[String(b)]] = [forEach[String(b)], forEach[String(a)]];
  return copy;
}

function readStack(outDir: string, name: string): TfJson {
  const file = path.join(outDir, "stacks", name, "cdk.tf.json");
  if (!fs.existsSync(file)) {
    throw new RehearsalFailure([`the main job wrote no ${path.relative(outDir, file)}`]);
  }
  return JSON.parse(fs.readFileSync(file, "utf8")) as TfJson;
}

/** The names the consumer stacks' Route 53 alias records give the interface endpoint. */
function aliasRecordNames(stacks: readonly TfJson[]): string[] {
  return stacks.flatMap((stack) =>
    Object.values<TfJson>(stack.resource?.aws_route53_record ?? {})
      .filter((record) => record.alias !== undefined)
      .map((record) => String(record.name)),
  );
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitFor(what: string, timeoutMs: number, ready: () => boolean, check?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    check?.();
    if (Date.now() > deadline) {
      throw new RehearsalFailure([`timed out after ${timeoutMs} ms waiting for ${what}`]);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Like Kafka's Uuid.randomUuid: never starting with "-", which kafka-storage would take for an option. */
function newClusterId(): string {
  let id: string;
  do {
    id = randomBytes(16).toString("base64url");
  } while (id.startsWith("-"));
  return id;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export class Rehearsal {
  private readonly brokers = new Map<number, ChildProcess>();
  private loadBalancer?: ChildProcess;
  private topics = 0;
  private closed = false;
  private readonly onExit = () => this.close();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.close();
    process.kill(process.pid, signal);
  };

  private topology?: Topology;

  private constructor(
    readonly config: Config,
    /** The provider stack the main job synthesized. */
    readonly stack: TfJson,
    private readonly hostnames: readonly string[],
    private readonly prefix: string,
    private readonly tempDir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Synthesizes the configuration and starts the Kafka cluster (not yet the load balancer). */
  static async start(options: RehearsalOptions = {}): Promise<Rehearsal> {
    const configFile = path.resolve(options.configFile ?? DEFAULT_CONFIG);
    const log = options.log ?? ((line: string) => process.stderr.write(`[rehearsal] ${line}\n`));
    removeStaleRuns();
    const config = loadConfig(configFile);
    const { cluster } = config;
    if (cluster.targetType !== "ip") {
      throw new RehearsalFailure(["the rehearsal needs targetType ip (each broker gets its target address)"]);
    }
    if (cluster.listenerSecurityProtocol !== "PLAINTEXT") {
      throw new RehearsalFailure([
        `the rehearsal brokers have no TLS certificates or SASL users: set cluster.listenerSecurityProtocol to PLAINTEXT (it is ${cluster.listenerSecurityProtocol})`,
      ]);
    }
    // At least 3, so that the KRaft quorum (every broker is a controller too) survives the stop.
    if (cluster.brokers.length < 3 || cluster.brokers.length > 5) {
      throw new RehearsalFailure([`the rehearsal runs 3 to 5 brokers (one JVM each); the configuration has ${cluster.brokers.length}`]);
    }

    const tempDir = createTempDir();
    const prefix = newRunPrefix();
    let rehearsal: Rehearsal | undefined;
    try {
      // The main job runs on a copy of the configuration (and its port lock, if any) so that it
      // writes its lock and outputs into the temporary folder, never into the repository.
      const synthDir = path.join(tempDir, "synth");
      fs.mkdirSync(synthDir);
      const configCopy = path.join(synthDir, path.basename(configFile));
      fs.copyFileSync(configFile, configCopy);
      const lockFile = lockPathFor(configFile);
      if (fs.existsSync(lockFile)) {
        fs.copyFileSync(lockFile, lockPathFor(configCopy));
      }
      const outDir = path.join(synthDir, "out");
      const started = Date.now();
      runSynth({ configFile: configCopy, outDir, modulesOutDir: path.join(synthDir, "modules") });
      const stack = readStack(outDir, providerStackName(config));
      const consumerStacks = config.consumers.map((c) => readStack(outDir, consumerStackName(config, c.name)));
      // The client resolves what the consumer stacks' alias records name (without consumers: the
      // advertised hostname), so a record for the wrong name fails the rehearsal too.
      const hostnames = consumerStacks.length > 0 ? aliasRecordNames(consumerStacks) : [cluster.advertisedHostname];
      if (hostnames.length === 0) {
        throw new RehearsalFailure(["the consumer stacks have no Route 53 alias record for the interface endpoint"]);
      }
      log(`main job synthesized ${providerStackName(config)} and ${consumerStacks.length} consumer stack(s) in ${Date.now() - started} ms`);

      rehearsal = new Rehearsal(config, stack, hostnames, prefix, tempDir, log);
      process.once("exit", rehearsal.onExit);
      process.once("SIGINT", rehearsal.onSignal);
      process.once("SIGTERM", rehearsal.onSignal);
      fetchKafkaJars();
      await rehearsal.startBrokers();
      return rehearsal;
    } catch (err) {
      if (rehearsal) {
        rehearsal.close();
      } else {
        destroyRun(prefix, tempDir);
      }
      throw err;
    }
  }

  private get brokerHosts(): BrokerHost[] {
    return this.config.cluster.brokers.map((b) => ({ id: b.id, address: b.target }));
  }

  private brokerLog(id: number): string {
    return path.join(this.tempDir, `broker-${id}`, "kafka.log");
  }

  private async startBrokers(): Promise<void> {
    const started = Date.now();
    const hosts = this.brokerHosts;
    this.topology = createTopology(this.prefix, hosts, this.hostnames);
    const snippets = this.stack.output?.broker_config?.value as Record<string, string> | undefined;
    if (!snippets) {
      throw new RehearsalFailure(["the provider stack has no broker_config output"]);
    }
    const clusterId = newClusterId();
    const java = (id: number, mainClass: string, args: string[]) => [
      "netns", "exec", this.topology!.brokerNs.get(id)!, "java", ...JVM_OPTIONS,
      `-Dlog4j2.configurationFile=${path.join(REHEARSAL_DIR, "log4j2.properties")}`,
      "-cp", kafkaClassPath(), mainClass, ...args,
    ];

    const propsFiles = new Map<number, string>();
    for (const host of hosts) {
      const snippet = snippets[String(host.id)];
      if (snippet === undefined) {
        throw new RehearsalFailure([`broker_config has no entry for broker ${host.id}`]);
      }
      const dir = path.dirname(this.brokerLog(host.id));
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, "server.properties");
      fs.writeFileSync(
        file,
        brokerProperties({
          id: host.id,
          address: host.address,
          voters: hosts,
          snippet,
          logDir: path.join(dir, "data"),
          replicationFactor: REPLICATION_FACTOR,
        }),
      );
      propsFiles.set(host.id, file);
    }
    // Formatting runs a short JVM per broker; in parallel, they take about one JVM start.
    await Promise.all(
      hosts.map(
        (host) =>
          new Promise<void>((resolve, reject) => {
            const format = spawn("ip", java(host.id, "kafka.tools.StorageTool", ["format", "-t", clusterId, "-c", propsFiles.get(host.id)!]), {
              stdio: ["ignore", "ignore", "pipe"],
              timeout: BROKER_START_TIMEOUT_MS,
            });
            let stderr = "";
            format.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
            format.on("exit", (code) => (code === 0 ? resolve() : reject(new RehearsalFailure([`formatting broker ${host.id}'s storage failed: ${stderr}`]))));
          }),
      ),
    );
    for (const host of hosts) {
      const out = fs.openSync(this.brokerLog(host.id), "a");
      this.brokers.set(host.id, spawn("ip", java(host.id, "kafka.Kafka", [propsFiles.get(host.id)!]), { stdio: ["ignore", out, out] }));
      fs.closeSync(out);
    }
    await waitFor(
      "every broker to start",
      BROKER_START_TIMEOUT_MS,
      () => hosts.every((h) => fs.readFileSync(this.brokerLog(h.id), "utf8").includes("Kafka Server started")),
      () => {
        for (const [id, child] of this.brokers) {
          if (exited(child)) {
            throw new RehearsalFailure([`broker ${id} exited during start-up:\n${tail(this.brokerLog(id))}`]);
          }
        }
      },
    );
    this.log(`${hosts.length} Kafka brokers started in ${Date.now() - started} ms (addresses ${hosts.map((h) => h.address).join(", ")})`);
  }

  /** (Re)starts the load balancer with the listeners read from `stack` (a provider stack). */
  private async serve(stack: TfJson): Promise<void> {
    const routes = listenerRoutes(stack);
    const config = haproxyConfig(routes, LOAD_BALANCER_ADDRESS);
    const file = path.join(this.tempDir, "haproxy.cfg");
    fs.writeFileSync(file, config);
    const check = spawnSync("haproxy", ["-c", "-q", "-f", file], { encoding: "utf8", timeout: 10_000 });
    if (check.status !== 0) {
      throw new RehearsalFailure([`HAProxy rejected the configuration built from the listeners: ${check.stderr}`]);
    }
    this.stopLoadBalancer();
    const ns = this.topology!.loadBalancerNs;
    const logFile = path.join(this.tempDir, "haproxy.log");
    const out = fs.openSync(logFile, "a");
    const lb = spawn("ip", ["netns", "exec", ns, "haproxy", "-f", file], { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    this.loadBalancer = lb;
    const ports = routes.map((r) => r.port);
    const listening = () => {
      const ss = execFileSync("ip", ["netns", "exec", ns, "ss", "-Hltn"], { encoding: "utf8", timeout: 5_000 });
      return ports.every((port) => ss.includes(`${LOAD_BALANCER_ADDRESS}:${port} `));
    };
    await waitFor("HAProxy to listen", LOAD_BALANCER_START_TIMEOUT_MS, listening, () => {
      if (exited(lb)) {
        throw new RehearsalFailure([`HAProxy exited: ${tail(logFile)}`]);
      }
    });
    this.log(`HAProxy listening on ${routes.map((r) => `${r.port} → ${r.targets.map((t) => `${t.address}:${t.port}`).join(" ")}`).join("; ")}`);
  }

  private stopLoadBalancer(): void {
    const lb = this.loadBalancer;
    if (lb && !exited(lb)) {
      lb.kill("SIGKILL");
      const deadline = Date.now() + 5_000;
      while (pidsIn(this.topology!.loadBalancerNs).length > 0 && Date.now() < deadline) {
        sleepSync(50);
      }
    }
    this.loadBalancer = undefined;
  }

  /** The brokers still running. */
  get runningBrokers(): number[] {
    return [...this.brokers].filter(([, child]) => !exited(child)).map(([id]) => id);
  }

  /**
   * Runs the kafkajs checks in the client namespace against the brokers still running; creates
   * `topic` when `create` is set, with one partition per broker, each led by a different broker.
   * Rejects with a RehearsalFailure listing everything that failed.
   */
  private async verify(topic: string, create: boolean): Promise<void> {
    const { cluster } = this.config;
    const plan = allocatePorts({
      brokerIds: cluster.brokers.map((b) => b.id),
      bootstrapPort: cluster.bootstrapPort,
      brokerPortBase: cluster.brokerPortBase,
    });
    const running = this.runningBrokers;
    const ids = cluster.brokers.map((b) => b.id);
    const clientPlan: ClientPlan = {
      hostname: cluster.advertisedHostname,
      bootstrapPort: plan.bootstrapPort,
      listenerName: cluster.listenerName,
      brokerPorts: Object.fromEntries(running.map((id) => [id, plan.brokerPorts.get(id)!])),
      brokerTargets: cluster.brokers.map((b) => ({ id: b.id, address: b.target, port: cluster.brokerTargetPort })),
      topic,
      createTopic: create
        ? ids.map((_, partition) => ({ partition, replicas: [...ids.slice(partition), ...ids.slice(0, partition)].slice(0, REPLICATION_FACTOR) }))
        : undefined,
      // Twice round the bootstrap target group, so a dead target in it would be hit.
      bootstraps: 2 * ids.length,
    };
    const started = Date.now();
    const report = await this.runClient(clientPlan);
    this.log(`client checks (${running.length} brokers running) took ${Date.now() - started} ms`);
    for (const line of report.passed) {
      this.log(`  ok: ${line}`);
    }
    if (report.failures.length > 0) {
      throw new RehearsalFailure(report.failures);
    }
  }

  private runClient(plan: ClientPlan): Promise<ClientReport> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        "ip",
        ["netns", "exec", this.topology!.clientNs, process.execPath, "--require", "tsx/cjs", path.join(REHEARSAL_DIR, "client.ts")],
        {
          cwd: REPO_ROOT,
          env: { ...process.env, REHEARSAL_CLIENT_PLAN: JSON.stringify(plan), KAFKAJS_NO_PARTITIONER_WARNING: "1" },
          stdio: ["ignore", "pipe", "pipe"],
          timeout: CLIENT_TIMEOUT_MS,
          killSignal: "SIGKILL",
        },
      );
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code, signal) => {
        const last = stdout.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(last) as ClientReport);
        } catch {
          reject(new RehearsalFailure([`the client process ended (${signal ?? `exit ${code}`}) without a report: ${stderr || stdout}`]));
        }
      });
    });
  }

  /** Stops a broker the way a rolling restart does (SIGTERM: controlled shutdown), bounded. */
  private async stopBroker(id: number): Promise<void> {
    const child = this.brokers.get(id);
    if (!child || exited(child)) {
      throw new Error(`broker ${id} is not running`);
    }
    const started = Date.now();
    child.kill("SIGTERM");
    try {
      await waitFor(`broker ${id} to stop`, BROKER_STOP_TIMEOUT_MS, () => exited(child));
    } finally {
      if (!exited(child)) {
        child.kill("SIGKILL");
      }
    }
    this.log(`broker ${id} stopped in ${Date.now() - started} ms`);
  }

  /**
   * The rehearsal proper against `stack`: serve its listeners, check everything with all brokers
   * running, stop the last broker, check again. Rejects with a RehearsalFailure on the first
   * phase that fails.
   */
  async rehearse(stack: TfJson): Promise<void> {
    this.topics += 1;
    const topic = `rehearsal-${this.topics}`;
    await this.serve(stack);
    await this.verify(topic, true);
    const victim = this.runningBrokers[this.runningBrokers.length - 1];
    await this.stopBroker(victim);
    await this.verify(topic, false);
  }

  /** Stops every process and removes every namespace, hosts file and temporary file of this run. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    process.removeListener("exit", this.onExit);
    process.removeListener("SIGINT", this.onSignal);
    process.removeListener("SIGTERM", this.onSignal);
    destroyRun(this.prefix, this.tempDir);
  }
}

/** The whole rehearsal on one configuration, as `npm run rehearse` runs it. */
export async function rehearse(options: RehearsalOptions & { readonly swap?: readonly [number, number] } = {}): Promise<void> {
  const rehearsal = await Rehearsal.start(options);
  try {
    const stack = options.swap ? swapBrokerTargets(rehearsal.stack, ...options.swap) : rehearsal.stack;
    await rehearsal.rehearse(stack);
  } finally {
    rehearsal.close();
  }
}
