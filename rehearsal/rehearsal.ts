/**
 * The rehearsal: the product's synthesized Terraform against real systems, since no AWS account
 * exists here.
 *
 *   1. the main job synthesizes the rehearsal configuration, and Terraform evaluates the stacks
 *      with the published modules they call (terraform/evaluate.ts: `terraform test`
 *      against a mocked AWS provider), or, from a deployment, the outputs of the stacks
 *      `cdktf deploy` applied to the emulated account are read from their state (`fromDeployment`);
 *   2. a real 3-broker Apache Kafka cluster (KRaft) runs in network namespaces, each broker on its
 *      configured private address, its PrivateLink listener taken from the `broker_config` output
 *      (with SSL, the product's default: a keystore whose certificate a throwaway CA signed for
 *      the advertised hostname);
 *   3. HAProxy stands in for the NLB, built from a plain list of listeners (port → targets): read
 *      back through the AWS API from the deployed NLB, its target groups and registered targets
 *      (deployed.ts), or, without an emulator, from the listener → target group → attachment
 *      chain as Terraform evaluated the module (`listenersFromStack`), so a routing bug in the
 *      module reaches the brokers;
 *   4. in a namespace of its own, where the Route 53 record's name (the deployed alias record's,
 *      or the evaluated one's) resolves to the load balancer
 *      and no route leads to a broker, the doctor (doctor/) checks the cluster as a client sees it,
 *      and a kafkajs client produces and consumes on partitions led by every broker;
 *   5. one broker stops; bootstrap and the remaining leaders must still work, and the doctor must
 *      name the stopped broker's port.
 * Everything it starts is stopped and removed in `close()`, whatever happened.
 */
import { ChildProcess, execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { runSynth } from "../job/job";
import { useJsonForm } from "../modules/packaging";
import { Config } from "../config/schema";
import { loadConfig } from "../config/load";
import { doctorTarget, type DoctorOptions, type DoctorReport, type DoctorTarget } from "../doctor/doctor";
import { clientSettings, parseJavaProperties, type ClientSettings } from "../doctor/properties";
import { lockPathFor } from "../port-lock/port-lock";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { consumerStackName, providerStackName } from "../stacks";
import { MODULES_DIR } from "../stacks/module-call";
import { evaluateStacks, stackFile, type EvaluatedStack, type EvaluateOptions } from "../terraform/evaluate";
import { listenerRoutes } from "../terraform/listener-routes";
import { atExit, terraform, terraformUnavailable } from "../terraform/run";
import { brokerProperties } from "./broker-config";
import type { ClientPlan, ClientReport } from "./client";
import { haproxyConfig, stateChanges, type LoadBalancerListener } from "./haproxy";
import { fetchKafkaJars, KAFKA_CLASS_PATH, kafkaJarsCached, REHEARSAL_DIR } from "./kafka-jars";
import { createTempDir, createTopology, destroyRun, LOAD_BALANCER_ADDRESS, newRunPrefix, killAllIn, removeStaleRuns, Topology } from "./network";
import { brokerKeystore, createCertificateAuthority, KEYSTORE_PASSWORD, type CertificateAuthority } from "./tls";

const REPO_ROOT = path.resolve(REHEARSAL_DIR, "..");
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
  constructor(
    readonly failures: readonly string[],
    header = "rehearsal failed",
  ) {
    super(`${header}:\n${failures.map((f) => `  - ${f}`).join("\n")}`);
    this.name = new.target.name;
  }
}

export interface RehearsalOptions {
  readonly configFile?: string;
}

/** Why the rehearsal cannot run on this machine (empty: it can). */
export function missingPrerequisites(): string[] {
  const works = (command: string, ...args: string[]) => spawnSync(command, args, { stdio: "ignore", timeout: 10_000 }).status === 0;
  const missing: string[] = [];
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    missing.push("network namespaces need Linux and root (the rehearsal runs `ip netns add`)");
  } else if (!works("ip", "netns", "list")) {
    missing.push("iproute2 (`ip`) is not installed");
  } else {
    const probe = `${newRunPrefix()}-probe`;
    if (!works("ip", "netns", "add", probe)) {
      missing.push("this process may not create network namespaces (`ip netns add` failed)");
    }
    works("ip", "netns", "del", probe);
  }
  if (!works("java", "-version")) {
    missing.push("Java 17+ is not installed (`java` not found)");
  }
  if (!kafkaJarsCached() && !works("mvn", "-v")) {
    missing.push("Maven is not installed (`mvn` not found) and the Kafka jars are not cached in rehearsal/.cache");
  }
  if (!works("haproxy", "-v")) {
    missing.push("HAProxy is not installed (apt-get install haproxy)");
  }
  const noTerraform = terraformUnavailable();
  if (noTerraform) {
    missing.push(`Terraform evaluates the synthesized stacks: ${noTerraform}`);
  }
  return missing;
}

/** The attachment reference the swap fault rewrites: each broker in the group of its own key. */
const OWN_GROUP_ARN = "${aws_lb_target_group.broker[each.key].arn}";

/**
 * A routing bug planted in the copy of the provider module that Terraform evaluates: brokers `a`
 * and `b` are attached to each other's target group, so listener a → target group a → broker b's
 * address. The deliberately wrong mapping that the rehearsal must reject.
 */
export function swapBrokerTargets(a: number, b: number): NonNullable<EvaluateOptions["edit"]> {
  return (tree) => {
    const folder = path.join(tree, MODULES_DIR, PROVIDER_MODULE);
    const file = path.join(folder, "main.tf.json");
    // The published module is HCL: plant the fault in its JSON form, which plans the same.
    if (!fs.existsSync(file)) useJsonForm(folder, PROVIDER_MODULE);
    const module = JSON.parse(fs.readFileSync(file, "utf8"));
    const attachment = module.resource?.aws_lb_target_group_attachment?.broker;
    if (attachment?.target_group_arn !== OWN_GROUP_ARN) {
      throw new Error(`${PROVIDER_MODULE}: aws_lb_target_group_attachment.broker does not attach to ${OWN_GROUP_ARN}; the swap cannot be planted`);
    }
    attachment.target_group_arn = `\${aws_lb_target_group.broker[lookup({ "${a}" = "${b}", "${b}" = "${a}" }, each.key, each.key)].arn}`;
    fs.writeFileSync(file, JSON.stringify(module, null, 2));
  };
}

/** What the rehearsal takes from the product's stacks, evaluated or deployed. */
interface StackOutputs {
  /** The provider stack's `broker_config`: broker ID → server.properties lines. */
  readonly brokerConfig: Record<string, string>;
  /** The first consumer stack's `client_config` (without consumers: undefined). */
  readonly clientConfig?: string;
}

/** The outputs of the provider stack and of the first consumer stack (none without consumers). */
function stackOutputs(config: Config, provider: Record<string, unknown>, consumer?: Record<string, unknown>): StackOutputs {
  const brokerConfig = provider.broker_config;
  if (brokerConfig === null || typeof brokerConfig !== "object") {
    throw new RehearsalFailure([`the provider stack ${providerStackName(config)} has no broker_config output`]);
  }
  const clientConfig = consumer?.client_config;
  if (consumer && typeof clientConfig !== "string") {
    throw new RehearsalFailure([`the consumer stack ${consumerStackName(config, config.consumers[0].name)} has no client_config output`]);
  }
  return { brokerConfig: brokerConfig as Record<string, string>, clientConfig: clientConfig as string | undefined };
}

/** The synthesized stacks in `outDir` as Terraform evaluates them: the provider's, then each consumer's. */
export async function evaluateSynthesized(
  outDir: string,
  config: Config,
  options: EvaluateOptions = {},
): Promise<{ provider: EvaluatedStack; consumers: EvaluatedStack[] }> {
  const names = [providerStackName(config), ...config.consumers.map((c) => consumerStackName(config, c.name))];
  // Checked here too, though evaluateStacks would refuse it: the rehearsal's failure prints as one line.
  for (const name of names) {
    if (!fs.existsSync(stackFile(outDir, name))) {
      throw new RehearsalFailure([`the main job wrote no ${path.relative(outDir, stackFile(outDir, name))}`]);
    }
  }
  const [provider, ...consumers] = await evaluateStacks(outDir, names, options);
  return { provider, consumers };
}

/** The outputs of a stack that `cdktf deploy` applied (its state, through `terraform output`). */
function deployedOutputs(outDir: string, stack: string): Record<string, unknown> {
  const run = terraform(path.dirname(stackFile(outDir, stack)), ["output", "-json", "-no-color"], { timeoutMs: 60_000 });
  if (run.status !== 0) {
    throw new RehearsalFailure([`terraform output of the deployed stack ${stack} failed (exit ${run.status}): ${run.stderr.trim()}`]);
  }
  return Object.fromEntries(Object.entries<{ value: unknown }>(JSON.parse(run.stdout)).map(([name, o]) => [name, o.value]));
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
    await sleep(100);
  }
}

/** The one SASL user of a SASL_SSL rehearsal. */
const SASL_USER = "rehearsal";
const PLAIN_LOGIN_MODULE = "org.apache.kafka.common.security.plain.PlainLoginModule required";

/** The load balancer's listeners as Terraform evaluated the provider stack. */
export function listenersFromStack(stack: EvaluatedStack): LoadBalancerListener[] {
  return listenerRoutes(stack.resources).map((route) => ({ port: route.port, targets: route.targets, source: `${route.address} → ${route.targetGroup}` }));
}

/** A deliberate fault in one broker, for the negative cases. */
export interface BrokerFault {
  /** Serve a certificate (signed by the rehearsal CA) for this hostname instead of the advertised one. */
  readonly certificateHostname?: string;
  /** Advertise this port instead of the one in the product's `broker_config`. */
  readonly advertisedPort?: number;
}

/** The product's broker snippet with the PrivateLink listener advertising `port` instead. */
export function withAdvertisedPort(snippet: string, port: number): string {
  const changed = snippet.replace(/^(advertised\.listeners=[^\n]*:)\d+$/m, `$1${port}`);
  if (changed === snippet) {
    throw new Error(`the broker snippet has no advertised.listeners port to change:\n${snippet}`);
  }
  return changed;
}

/**
 * The doctor's findings as the rehearsal judges them: a failure is expected only when it concerns
 * stopped brokers alone, and the doctor must name each stopped broker's port.
 */
export function judgeDoctor(report: DoctorReport, stopped: readonly number[]): { passed: string[]; failures: string[] } {
  const passed: string[] = [];
  const failures: string[] = [];
  for (const check of report.checks) {
    if (check.status === "pass") {
      passed.push(`doctor: ${check.message}`);
    } else if (check.status === "skip") {
      passed.push(`doctor (skipped): ${check.message}`);
    } else if (check.brokers?.length && check.brokers.every((id) => stopped.includes(id))) {
      passed.push(`doctor, as expected with broker(s) ${stopped.join(", ")} stopped: ${check.message}`);
    } else {
      failures.push(`doctor: ${check.message}`);
    }
  }
  if (report.stopped) {
    failures.push(`doctor stopped early: ${report.stopped}`);
  }
  for (const id of stopped) {
    if (!report.checks.some((c) => c.check === "port" && c.broker === id && c.status === "fail")) {
      failures.push(`the doctor did not report stopped broker ${id}'s port as failing`);
    }
  }
  return { passed, failures };
}

/** `ip args`, its stdout and stderr appended to `logFile`. */
function spawnLogged(args: string[], logFile: string): ChildProcess {
  const out = fs.openSync(logFile, "a");
  try {
    return spawn("ip", args, { stdio: ["ignore", out, out] });
  } finally {
    fs.closeSync(out);
  }
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** A progress line, on stderr. */
export const log = (line: string) => process.stderr.write(`[rehearsal] ${line}\n`);

/** Refuses a configuration the rehearsal cannot stand in for, saying why. */
function refuseUnrehearsable({ cluster }: Config): void {
  if (cluster.targetType !== "ip") {
    throw new RehearsalFailure(["the rehearsal needs targetType ip (each broker gets its target address)"]);
  }
  if (cluster.listenerSecurityProtocol === "SASL_PLAINTEXT") {
    throw new RehearsalFailure([
      "the rehearsal does not send SASL passwords in clear text: set cluster.listenerSecurityProtocol to SSL (the default), SASL_SSL or PLAINTEXT (it is SASL_PLAINTEXT)",
    ]);
  }
  // At least 3, so that the KRaft quorum (every broker is a controller too) survives the stop.
  if (cluster.brokers.length < 3 || cluster.brokers.length > 5) {
    throw new RehearsalFailure([`the rehearsal runs 3 to 5 brokers (one JVM each); the configuration has ${cluster.brokers.length}`]);
  }
}

/** The synthesized output folder and its load balancer's listeners as Terraform evaluated the provider stack. */
interface Synthesized {
  readonly outDir: string;
  readonly listeners: readonly LoadBalancerListener[];
}

export class Rehearsal {
  /** Broker ID → its process and current log file (one per start, so a restart's "started" line is its own). */
  private readonly brokers = new Map<number, { readonly process: ChildProcess; readonly logFile: string }>();
  private starts = 0;
  private loadBalancer?: ChildProcess;
  /** The listeners the load balancer serves. */
  private served: readonly LoadBalancerListener[] = [];
  private topics = 0;
  private closed = false;
  /** Cancels the close() at this process's exit or on a signal (terraform/run.ts `atExit`). */
  private cancelCloseAtExit?: () => void;

  private readonly prefix = newRunPrefix();
  private topology?: Topology;
  private ca?: CertificateAuthority;
  private readonly saslPassword = randomBytes(12).toString("hex");
  private readonly sasl: boolean;
  private settings?: ClientSettings;
  /** The doctor's report from the last client run. */
  lastDoctorReport?: DoctorReport;

  private constructor(
    readonly config: Config,
    /** The stacks' outputs: the brokers' `broker_config`, the clients' `client_config`. */
    private readonly outputs: StackOutputs,
    /** What the client resolves to the load balancer. */
    private readonly hostnames: readonly string[],
    /** None for a deployment: faults are planted in copies of the synthesized output. */
    private readonly synthesized: Synthesized | undefined,
    private readonly tempDir: string,
  ) {
    this.sasl = config.cluster.listenerSecurityProtocol.startsWith("SASL_");
  }

  /** The rehearsal client's settings (protocol, CA, SASL login). */
  get clientSettings(): ClientSettings {
    return this.settings!;
  }

  /** What the doctor checks: the configured cluster. */
  get target(): DoctorTarget {
    return doctorTarget(this.config);
  }

  private get synthesis(): Synthesized {
    if (!this.synthesized) throw new Error("a rehearsal of a deployment has no synthesized output");
    return this.synthesized;
  }

  /** The load balancer's listeners as Terraform evaluated the synthesized provider stack. */
  get synthesizedListeners(): readonly LoadBalancerListener[] {
    return this.synthesis.listeners;
  }

  /** The listeners Terraform evaluates from a copy of the synthesized output changed by `edit` (a planted fault). */
  async listenersWith(edit: NonNullable<EvaluateOptions["edit"]>): Promise<LoadBalancerListener[]> {
    const started = Date.now();
    const [provider] = await evaluateStacks(this.synthesis.outDir, [providerStackName(this.config)], { edit });
    log(`Terraform evaluated the changed provider stack in ${Date.now() - started} ms`);
    return listenersFromStack(provider);
  }

  /** Synthesizes the configuration and starts the Kafka cluster (not yet the load balancer). */
  static async start(options: RehearsalOptions = {}): Promise<Rehearsal> {
    const configFile = path.resolve(options.configFile ?? DEFAULT_CONFIG);
    removeStaleRuns();
    const config = loadConfig(configFile);
    refuseUnrehearsable(config);
    const tempDir = createTempDir();
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
      let started = Date.now();
      runSynth({ configFile: configCopy, outDir, modulesOutDir: path.join(synthDir, "modules") });
      log(`main job synthesized ${providerStackName(config)} and ${config.consumers.length} consumer stack(s) in ${Date.now() - started} ms`);
      started = Date.now();
      const { provider, consumers } = await evaluateSynthesized(outDir, config);
      log(`Terraform evaluated the stacks with the published modules in ${Date.now() - started} ms`);
      // The client resolves what the consumer stacks' alias records name (without consumers: the
      // advertised hostname), so a record for the wrong name fails the rehearsal too.
      const aliasRecords = consumers
        .flatMap((c) => c.resources)
        .filter((r) => r.type === "aws_route53_record" && Array.isArray(r.values.alias) && r.values.alias.length > 0);
      const hostnames = consumers.length > 0 ? aliasRecords.map((r) => String(r.values.name)) : [config.cluster.advertisedHostname];
      const outputs = stackOutputs(config, provider.outputs, consumers[0]?.outputs);
      return await new Rehearsal(config, outputs, hostnames, { outDir, listeners: listenersFromStack(provider) }, tempDir).launch();
    } catch (err) {
      // A failed launch has removed it already.
      fs.rmSync(tempDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Starts the Kafka cluster for a deployment: `outDir` is the cdktf output folder that
   * `cdktf deploy` applied (the brokers' `broker_config` and the clients' `client_config` are
   * its stacks' outputs in their state), `hostnames` the names the deployed Route 53 alias
   * records give the endpoint (see deployed.ts). The caller serves the load balancer read back
   * from the account.
   */
  static async fromDeployment({ config, outDir, hostnames }: DeploymentOptions & { hostnames: readonly string[] }): Promise<Rehearsal> {
    removeStaleRuns();
    refuseUnrehearsable(config);
    const consumer = config.consumers[0];
    const outputs = stackOutputs(
      config,
      deployedOutputs(outDir, providerStackName(config)),
      consumer && deployedOutputs(outDir, consumerStackName(config, consumer.name)),
    );
    return new Rehearsal(config, outputs, hostnames, undefined, createTempDir()).launch();
  }

  /** Prepares the client's security and starts the brokers; on failure removes the run. */
  private async launch(): Promise<Rehearsal> {
    try {
      if (this.hostnames.length === 0) {
        throw new RehearsalFailure(["the consumer stacks have no Route 53 alias record for the interface endpoint"]);
      }
      this.cancelCloseAtExit = atExit(() => this.close());
      this.prepareClientSecurity();
      fetchKafkaJars();
      await this.startBrokers();
      return this;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /**
   * With SSL: a throwaway CA; with SASL_SSL also a user with a random password (mechanism PLAIN).
   * The client settings are read the way `npm run doctor --client-properties` reads them: the
   * consumer stack's client_config plus the CA as a PEM truststore and the SASL login.
   */
  private prepareClientSecurity(): void {
    const protocol = this.config.cluster.listenerSecurityProtocol;
    const lines = [this.outputs.clientConfig ?? `security.protocol=${protocol}`];
    if (this.sasl) {
      lines.push("sasl.mechanism=PLAIN", `sasl.jaas.config=${PLAIN_LOGIN_MODULE} username="${SASL_USER}" password="${this.saslPassword}";`);
    }
    if (protocol.endsWith("SSL")) {
      const started = Date.now();
      this.ca = createCertificateAuthority(path.join(this.tempDir, "tls"));
      lines.push("ssl.truststore.type=PEM", `ssl.truststore.location=${this.ca.certFile}`);
      log(`throwaway CA created in ${Date.now() - started} ms`);
    }
    this.settings = clientSettings(parseJavaProperties(lines.join("\n")), {
      source: "the rehearsal's client properties",
      baseDir: this.tempDir,
      defaultProtocol: protocol,
    });
  }

  private get brokerHosts(): { id: number; address: string }[] {
    return this.config.cluster.brokers.map((b) => ({ id: b.id, address: b.target }));
  }

  /** Broker `id`'s private address (its NLB target). */
  private address(id: number): string {
    return this.config.cluster.brokers.find((b) => b.id === id)!.target;
  }

  private brokerDir(id: number): string {
    return path.join(this.tempDir, `broker-${id}`);
  }

  private java(id: number, mainClass: string, args: string[]): string[] {
    const log4j = `-Dlog4j2.configurationFile=${path.join(REHEARSAL_DIR, "log4j2.properties")}`;
    return ["netns", "exec", this.topology!.brokerNs.get(id)!, "java", ...JVM_OPTIONS, log4j, "-cp", KAFKA_CLASS_PATH, mainClass, ...args];
  }

  /** Writes broker `id`'s server.properties: the product's snippet (and keystore), with `fault` applied. */
  private writeBrokerProperties(id: number, fault: BrokerFault = {}): string {
    const generated = this.outputs.brokerConfig[String(id)];
    if (generated === undefined) {
      throw new RehearsalFailure([`broker_config has no entry for broker ${id}`]);
    }
    const { cluster } = this.config;
    const keystore = this.ca && brokerKeystore(this.ca, id, fault.certificateHostname ?? cluster.advertisedHostname);
    // Settings of the generated listener only: its keystore, and with SASL the one PLAIN user.
    const listenerSettings = {
      ...(keystore && { "ssl.keystore.type": "PKCS12", "ssl.keystore.location": keystore, "ssl.keystore.password": KEYSTORE_PASSWORD }),
      ...(this.sasl && {
        "sasl.enabled.mechanisms": "PLAIN",
        "plain.sasl.jaas.config": `${PLAIN_LOGIN_MODULE} user_${SASL_USER}="${this.saslPassword}";`,
      }),
    };
    const dir = this.brokerDir(id);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, "server.properties");
    const properties = brokerProperties({
      id,
      address: this.address(id),
      voters: this.brokerHosts,
      snippet: fault.advertisedPort === undefined ? generated : withAdvertisedPort(generated, fault.advertisedPort),
      listenerSettings: new Map(Object.entries(listenerSettings).map(([key, value]) => [`listener.name.${cluster.listenerName.toLowerCase()}.${key}`, value])),
      logDir: path.join(dir, "data"),
      replicationFactor: REPLICATION_FACTOR,
    });
    fs.writeFileSync(file, properties);
    return file;
  }

  private spawnBroker(id: number): void {
    this.starts += 1;
    const logFile = path.join(this.brokerDir(id), `kafka-${this.starts}.log`);
    this.brokers.set(id, { logFile, process: spawnLogged(this.java(id, "kafka.Kafka", [path.join(this.brokerDir(id), "server.properties")]), logFile) });
  }

  private async waitStarted(ids: readonly number[]): Promise<void> {
    await waitFor(
      `broker(s) ${ids.join(", ")} to start`,
      BROKER_START_TIMEOUT_MS,
      () => ids.every((id) => fs.readFileSync(this.brokers.get(id)!.logFile, "utf8").includes("Kafka Server started")),
      () => {
        const dead = ids.find((id) => exited(this.brokers.get(id)!.process));
        if (dead !== undefined) {
          throw new RehearsalFailure([`broker ${dead} exited during start-up:\n${tail(this.brokers.get(dead)!.logFile)}`]);
        }
      },
    );
  }

  private async startBrokers(): Promise<void> {
    const started = Date.now();
    const hosts = this.brokerHosts;
    this.topology = createTopology(this.prefix, hosts, this.hostnames);
    // Like Kafka's Uuid.randomUuid: never starting with "-", which kafka-storage would take for an option.
    const clusterId = randomBytes(16).toString("base64url").replace(/^-/, "A");
    // Formatting runs a short JVM per broker; in parallel, they take about one JVM start.
    await Promise.all(
      hosts.map(({ id }) =>
        promisify(execFile)("ip", this.java(id, "kafka.tools.StorageTool", ["format", "-t", clusterId, "-c", this.writeBrokerProperties(id)]), {
          timeout: BROKER_START_TIMEOUT_MS,
        }).catch((err: { stderr: string }) => {
          throw new RehearsalFailure([`formatting broker ${id}'s storage failed: ${err.stderr}`]);
        }),
      ),
    );
    hosts.forEach(({ id }) => this.spawnBroker(id));
    await this.waitStarted(hosts.map((h) => h.id));
    const { listenerName, listenerSecurityProtocol } = this.config.cluster;
    log(
      `${hosts.length} Kafka brokers started in ${Date.now() - started} ms (addresses ${hosts.map((h) => h.address).join(", ")}; ${listenerName} listener ${listenerSecurityProtocol})`,
    );
  }

  /**
   * (Re)starts brokers with a fault each (an empty fault: as the product generated them), for the
   * negative cases; brokers running are stopped first, the way a rolling restart does it.
   */
  async restartBrokers(faults: ReadonlyMap<number, BrokerFault>): Promise<void> {
    const started = Date.now();
    const ids = [...faults.keys()];
    const mark = this.loadBalancerLogMark();
    await Promise.all(ids.filter((id) => this.runningBrokers.includes(id)).map((id) => this.stopBroker(id)));
    for (const [id, fault] of faults) {
      if (fault.certificateHostname !== undefined && !this.ca) {
        throw new Error(`broker ${id}: a certificate fault needs the SSL listener protocol`);
      }
      this.writeBrokerProperties(id, fault);
      this.spawnBroker(id);
    }
    await this.waitStarted(ids);
    await Promise.all(ids.map((id) => this.waitForHealthChecks(id, "UP", mark)));
    log(`broker(s) ${[...faults].map(([id, fault]) => `${id} ${JSON.stringify(fault)}`).join(", ")} (re)started in ${Date.now() - started} ms`);
  }

  /** (Re)starts the load balancer with `listeners`. */
  async serve(listeners: readonly LoadBalancerListener[]): Promise<void> {
    const file = path.join(this.tempDir, "haproxy.cfg");
    fs.writeFileSync(file, haproxyConfig(listeners, LOAD_BALANCER_ADDRESS));
    const check = spawnSync("haproxy", ["-c", "-q", "-f", file], { encoding: "utf8", timeout: 10_000 });
    if (check.status !== 0) {
      throw new RehearsalFailure([`HAProxy rejected the configuration built from the listeners: ${check.stderr}`]);
    }
    const ns = this.topology!.loadBalancerNs;
    // HAProxy is the only process in its namespace.
    if (this.loadBalancer) killAllIn(ns);
    const lb = spawnLogged(["netns", "exec", ns, "haproxy", "-f", file], this.loadBalancerLog);
    this.loadBalancer = lb;
    this.served = listeners;
    const listening = () => {
      const ss = execFileSync("ip", ["netns", "exec", ns, "ss", "-Hltn"], { encoding: "utf8", timeout: 5_000 });
      return listeners.every((l) => ss.includes(`${LOAD_BALANCER_ADDRESS}:${l.port} `));
    };
    await waitFor("HAProxy to listen", LOAD_BALANCER_START_TIMEOUT_MS, listening, () => {
      if (exited(lb)) {
        throw new RehearsalFailure([`HAProxy exited: ${tail(this.loadBalancerLog)}`]);
      }
    });
    log(`HAProxy listening on ${listeners.map((l) => `${l.port} → ${l.targets.map((t) => `${t.address}:${t.port}`).join(" ")}`).join("; ")}`);
  }

  private get loadBalancerLog(): string {
    return path.join(this.tempDir, "haproxy.log");
  }

  /** Where the load balancer's log ends now: state changes are counted from there. */
  private loadBalancerLogMark(): number {
    return fs.statSync(this.loadBalancerLog, { throwIfNoEntry: false })?.size ?? 0;
  }

  /**
   * Waits until the load balancer's health checks have marked broker `id` `state` in every backend
   * that holds it, as an NLB's would before clients are checked (bounded).
   */
  private async waitForHealthChecks(id: number, state: "UP" | "DOWN", since: number): Promise<void> {
    const address = this.address(id);
    const backends = this.served.filter((l) => l.targets.some((t) => t.address === address)).length;
    if (!this.loadBalancer || exited(this.loadBalancer) || backends === 0) {
      return;
    }
    const changes = () => stateChanges(fs.readFileSync(this.loadBalancerLog).subarray(since).toString("utf8"), address, state);
    await waitFor(`the load balancer's health checks to mark broker ${id} ${state}`, LOAD_BALANCER_START_TIMEOUT_MS, () => changes() >= backends);
  }

  /** The brokers still running. */
  get runningBrokers(): number[] {
    return [...this.brokers]
      .filter(([, broker]) => !exited(broker.process))
      .map(([id]) => id)
      .sort((a, b) => a - b);
  }

  /** The configured brokers not running. */
  get stoppedBrokers(): number[] {
    const running = this.runningBrokers;
    return this.config.cluster.brokers.map((b) => b.id).filter((id) => !running.includes(id));
  }

  /**
   * The doctor alone, in the client namespace, against the listeners served last, once the
   * metadata lists exactly the running brokers (`settings`: the client's, unless given;
   * `options.via`: as through a tunnel). Its report, whatever it found.
   */
  async doctor(settings?: ClientSettings, options?: DoctorOptions): Promise<DoctorReport> {
    const report = await this.runClient({ doctorSettings: settings, doctorOptions: options });
    if (!report.doctor) {
      throw new RehearsalFailure(report.failures);
    }
    this.lastDoctorReport = report.doctor;
    return report.doctor;
  }

  /**
   * The client checks against the brokers still running: the doctor, then produce and consume;
   * creates `topic` when `create` is set, with one partition per broker, each led by a different
   * broker. Rejects with a RehearsalFailure listing everything that failed.
   */
  private async verify(topic: string, create: boolean): Promise<void> {
    const started = Date.now();
    // Stopped on purpose: taken before the run, so that a broker that dies during the checks is a failure.
    const stopped = this.stoppedBrokers;
    const { cluster } = this.config;
    const ids = cluster.brokers.map((b) => b.id);
    const report = await this.runClient({
      full: {
        brokerTargets: this.brokerHosts.map((host) => ({ ...host, port: cluster.brokerTargetPort })),
        topic,
        createTopic: create
          ? ids.map((_, partition) => ({ partition, replicas: [...ids.slice(partition), ...ids.slice(0, partition)].slice(0, REPLICATION_FACTOR) }))
          : undefined,
        // Twice round the bootstrap target group, so a dead target in it would be hit.
        bootstraps: 2 * ids.length,
      },
    });
    log(`client checks (${ids.length - stopped.length} brokers running) took ${Date.now() - started} ms`);
    this.lastDoctorReport = report.doctor ?? this.lastDoctorReport;
    const judged = report.doctor ? judgeDoctor(report.doctor, stopped) : { passed: [], failures: [] };
    for (const line of [...judged.passed, ...report.passed]) {
      log(`  ok: ${line}`);
    }
    const failures = [...judged.failures, ...report.failures];
    if (failures.length > 0) {
      throw new RehearsalFailure(failures);
    }
  }

  /** The client process, in the client namespace, against the running brokers: the doctor, and `more` of the plan. */
  private runClient(more: Partial<ClientPlan>): Promise<ClientReport> {
    const plan: ClientPlan = { target: this.target, settings: this.clientSettings, running: this.runningBrokers, ...more };
    return new Promise((resolve, reject) => {
      const args = ["netns", "exec", this.topology!.clientNs, process.execPath, "--require", "tsx/cjs", path.join(REHEARSAL_DIR, "client.ts")];
      const options = {
        cwd: REPO_ROOT,
        env: { ...process.env, REHEARSAL_CLIENT_PLAN: JSON.stringify(plan), KAFKAJS_NO_PARTITIONER_WARNING: "1" },
        timeout: CLIENT_TIMEOUT_MS,
        killSignal: "SIGKILL" as const,
        maxBuffer: Infinity,
      };
      execFile("ip", args, options, (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split("\n").pop()!) as ClientReport);
        } catch {
          reject(new RehearsalFailure([`the client process ended (${err?.signal ?? `exit ${err?.code ?? 0}`}) without a report: ${stderr || stdout}`]));
        }
      });
    });
  }

  /** Stops a broker the way a rolling restart does (SIGTERM: controlled shutdown), bounded. */
  private async stopBroker(id: number): Promise<void> {
    const child = this.brokers.get(id)?.process;
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
    log(`broker ${id} stopped in ${Date.now() - started} ms`);
  }

  /**
   * The rehearsal proper against `listeners` (the load balancer's description): serve them, check
   * everything with all brokers running, stop the last broker, check again. Rejects with a
   * RehearsalFailure on the first phase that fails.
   */
  async rehearse(listeners: readonly LoadBalancerListener[]): Promise<void> {
    this.topics += 1;
    const topic = `rehearsal-${this.topics}`;
    await this.serve(listeners);
    await this.verify(topic, true);
    const victim = this.runningBrokers[this.runningBrokers.length - 1];
    const mark = this.loadBalancerLogMark();
    await this.stopBroker(victim);
    await this.waitForHealthChecks(victim, "DOWN", mark);
    await this.verify(topic, false);
  }

  /** Stops every process and removes every namespace, hosts file and temporary file of this run. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.cancelCloseAtExit?.();
    destroyRun(this.prefix, this.tempDir);
  }
}

/** The hostname a wrong-certificate fault uses: a sibling of the advertised one. */
export function otherHostname(advertisedHostname: string): string {
  return `wrong-${advertisedHostname}`;
}

export interface RehearseOptions extends RehearsalOptions {
  /** Swap these two brokers' target group attachments in the provider module that Terraform evaluates. */
  readonly swap?: readonly [number, number];
  /** Give this broker a certificate for another hostname. */
  readonly wrongCertificate?: number;
  /** Make this broker advertise a port its NLB listener does not have (allocated + 10). */
  readonly wrongAdvertisedPort?: number;
}

/** A deployment to rehearse: `outDir` is the cdktf output folder that `cdktf deploy` applied. */
export interface DeploymentOptions {
  readonly config: Config;
  readonly outDir: string;
}

/** The whole rehearsal on one configuration, as `npm run rehearse` runs it. */
export async function rehearse(options: RehearseOptions = {}): Promise<void> {
  const rehearsal = await Rehearsal.start(options);
  try {
    const { brokers, hostname } = rehearsal.target;
    const broker = (flag: string, id: number) => {
      const found = brokers.find((b) => b.id === id);
      if (!found) {
        throw new RehearsalFailure([`${flag}: the configuration has no broker ${id}`]);
      }
      return found;
    };
    const faults = new Map<number, BrokerFault>();
    if (options.wrongCertificate !== undefined) {
      faults.set(broker("--wrong-certificate", options.wrongCertificate).id, { certificateHostname: otherHostname(hostname) });
    }
    if (options.wrongAdvertisedPort !== undefined) {
      const { id, port } = broker("--wrong-advertised-port", options.wrongAdvertisedPort);
      faults.set(id, { ...faults.get(id), advertisedPort: port + 10 });
    }
    if (faults.size > 0) {
      await rehearsal.restartBrokers(faults);
    }
    const [a, b] = options.swap?.map((id) => broker("--swap-targets", id).id) ?? [];
    await rehearsal.rehearse(options.swap ? await rehearsal.listenersWith(swapBrokerTargets(a, b)) : rehearsal.synthesizedListeners);
  } finally {
    rehearsal.close();
  }
}
