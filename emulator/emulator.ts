/**
 * An emulated AWS account for trying and testing `cdktf deploy` without AWS: moto (the AWS API
 * emulator) on a free loopback port, a provider VPC and one VPC per consumer with subnets in three
 * AZs, and a cdktf project folder whose configuration uses their real IDs. `npm run emulator`
 * (emulator/cli.ts) and the deploy test use this same code.
 *
 * The synthesized stacks are deployed unchanged: the emulator is reached through the environment
 * (AWS_ENDPOINT_URL and test credentials), which the AWS provider reads and which survives cdktf's
 * own synth, unlike a file placed beside a stack that cdktf replaces.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, ModifyVpcAttributeCommand } from "@aws-sdk/client-ec2";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { ConfigInput } from "../config/schema";
import { runSynth, SynthResult } from "../job/job";
import { atExit, killGroup, terraformEnv } from "../terraform/run";

const REPO = path.resolve(__dirname, "..");
const LAUNCHER = path.join(__dirname, "launcher.py");
/** moto's default account: every ARN the emulator returns carries it. */
export const EMULATED_ACCOUNT_ID = "123456789012";
const CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

/** The Python that runs the launcher: `PRIVATELINK_EMULATOR_PYTHON`, or the virtual environment where `npm run emulator:install` puts moto. */
const emulatorPython = () => process.env.PRIVATELINK_EMULATOR_PYTHON || path.join(REPO, ".venv-emulator", "bin", "python");

const runPython = (code: string) => spawnSync(emulatorPython(), ["-c", code], { encoding: "utf8", timeout: 60_000 });

/** Why the emulator cannot start here (no Python, no moto), or undefined when it can. */
export function emulatorUnavailable(): string | undefined {
  const probe = runPython("import moto.server, flask; print(moto.__version__)");
  if (probe.error) return `no Python at ${emulatorPython()} (${probe.error.message}); run npm run emulator:install or set PRIVATELINK_EMULATOR_PYTHON`;
  if (probe.status !== 0) {
    return `moto[server] is not importable by ${emulatorPython()} (${probe.stderr.trim().split("\n").pop()}); run npm run emulator:install`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Processes: each in its own process group, killed as a group, whatever ends this process.

/** Starts `command` as the leader of a new process group that is killed when this process ends; its stdout and stderr go to `onOutput`. */
function spawnGroup(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
  onOutput: (text: string) => void,
): ChildProcess {
  const child = spawn(command, [...args], { ...options, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout!, child.stderr!]) stream.setEncoding("utf8").on("data", onOutput);
  if (child.pid !== undefined) {
    const pid = child.pid;
    const cancelKill = atExit(() => killGroup(pid, "SIGKILL"));
    child.once("exit", () => {
      // The leader is gone; anything it started in its group goes with it.
      killGroup(pid, "SIGKILL");
      cancelKill();
    });
  }
  return child;
}

/** Ends a process group: SIGTERM, then SIGKILL after 5 s. Resolves once the leader has exited. */
function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const force = setTimeout(() => killGroup(pid, "SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    killGroup(pid, "SIGTERM");
  });
}

export interface RunResult {
  readonly status: number;
  /** stdout and stderr, interleaved, without terminal colour and cursor codes. */
  readonly output: string;
  readonly seconds: number;
}

/** Runs a command in its own process group; after `timeoutMs` the whole group is killed and the run fails. */
export async function runBounded(
  command: string,
  args: readonly string[],
  { cwd, env, timeoutMs }: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  const started = Date.now();
  let output = "";
  const child = spawnGroup(command, args, { cwd, env }, (text) => (output += text));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopGroup(child);
  }, timeoutMs);
  const status = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code ?? 1));
  }).finally(() => clearTimeout(timer));
  // Without ANSI colour and cursor sequences: the cdktf CLI draws spinners even when not on a terminal.
  // eslint-disable-next-line no-control-regex -- ESC (\x1b) opens every sequence this removes
  const clean = output.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
  if (timedOut) throw new Error(`${command} ${args.join(" ")} did not finish within ${timeoutMs / 1000} s; stopped. Output:\n${clean.slice(-4000)}`);
  return { status, output: clean, seconds: (Date.now() - started) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// The emulator.

export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Settles when moto has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** Stops moto and everything in its process group. */
  stop(): Promise<void>;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto through the launcher on a free 127.0.0.1 port and waits (at most a minute) until it answers. */
export async function startEmulator(): Promise<Emulator> {
  const timeoutMs = 60_000;
  const missing = emulatorUnavailable();
  if (missing) throw new Error(`the AWS API emulator cannot start: ${missing}`);
  // Another process may take the port between our probe and moto's bind: try a few.
  let lastFailure = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    // moto logs every request: keep only the tail, for the message when it fails.
    let log = "";
    const child = spawnGroup(emulatorPython(), [LAUNCHER, "-H", "127.0.0.1", "-p", String(port)], { cwd: REPO }, (text) => (log = (log + text).slice(-8_000)));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const endpoint = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      try {
        await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
        return { endpoint, exited, stop: () => stopGroup(child) };
      } catch {
        await sleep(200);
      }
    }
    await stopGroup(child);
    lastFailure = `moto on ${endpoint} ${child.exitCode !== null ? `exited (${child.exitCode})` : `did not answer within ${timeoutMs / 1000} s`}: ${log.trim().slice(-2000)}`;
    if (!/address already in use/i.test(log)) break;
  }
  throw new Error(`the AWS API emulator did not start: ${lastFailure}`);
}

/** An AWS SDK v3 client configuration for the emulator. */
export function sdkConfig(endpoint: string, region: string) {
  // The SDK warns on Node 20 that versions published from 2027 need Node 22; ours are pinned.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // Bounded: a hung emulator fails the call instead of stalling it.
  return { endpoint, region, credentials: CREDENTIALS, maxAttempts: 2, requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 } };
}

// ---------------------------------------------------------------------------------------------
// The emulated account and the project folder.

export interface EmulatedVpc {
  readonly region: string;
  readonly vpcId: string;
  readonly cidr: string;
  readonly subnetIds: readonly string[];
}

export interface EmulatedAccount {
  readonly provider: EmulatedVpc;
  /** By consumer name. */
  readonly consumers: Readonly<Record<string, EmulatedVpc>>;
}

/** A VPC with DNS support and hostnames (the consumer stack's preconditions) and one /24 subnet in each of three AZs. */
export async function createVpc(endpoint: string, region: string, cidr: string): Promise<EmulatedVpc> {
  const ec2 = new EC2Client(sdkConfig(endpoint, region));
  try {
    const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
    const [a, b] = cidr.split(".");
    const subnetIds: string[] = [];
    for (const [i, zone] of ["a", "b", "c"].entries()) {
      const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `${a}.${b}.${i + 1}.0/24`, AvailabilityZone: `${region}${zone}` }));
      subnetIds.push(subnet.Subnet!.SubnetId!);
    }
    return { region, vpcId, cidr, subnetIds };
  } finally {
    ec2.destroy();
  }
}

/** Reads a configuration file as a document (not validated: the main job validates what we write). */
export function readConfigDocument(file: string): ConfigInput {
  return parseYaml(fs.readFileSync(file, "utf8")) as ConfigInput;
}

/**
 * Creates the networks `base` needs in the emulator: the cluster's VPC (10.0.0.0/16, like the
 * example's broker addresses) and one VPC per consumer (10.20.0.0/16, 10.21.0.0/16, …), each in
 * its configured region.
 */
export async function createAccount(endpoint: string, base: ConfigInput): Promise<EmulatedAccount> {
  const provider = await createVpc(endpoint, base.cluster.region, "10.0.0.0/16");
  const consumers: Record<string, EmulatedVpc> = {};
  for (const [i, consumer] of (base.consumers ?? []).entries()) {
    consumers[consumer.name] = await createVpc(endpoint, consumer.region, `10.${20 + i}.0.0/16`);
  }
  return { provider, consumers };
}

/**
 * `base` with the emulated account's VPC and subnet IDs. Settings that point at things the
 * emulator does not have (credentials profiles, roles, another app's endpoint service, an
 * existing hosted zone) are dropped.
 */
export function emulatedConfig(base: ConfigInput, account: EmulatedAccount): ConfigInput {
  const { profile: _p, assumeRoleArn: _r, ...cluster } = base.cluster;
  return {
    ...base,
    cluster: { ...cluster, vpcId: account.provider.vpcId, subnetIds: [...account.provider.subnetIds] },
    consumers: (base.consumers ?? []).map(({ profile: _cp, assumeRoleArn: _cr, serviceName: _s, hostedZoneId: _z, ...consumer }) => {
      const vpc = account.consumers[consumer.name];
      if (!vpc) throw new Error(`no emulated VPC for consumer ${consumer.name}`);
      return { ...consumer, vpcId: vpc.vpcId, subnetIds: [...vpc.subnetIds] };
    }),
  };
}

/** A cdktf project folder outside the repo: the configuration, its port lock, cdktf.json, and (after a deploy) the state. */
export class EmulatedProject {
  readonly configFile: string;

  constructor(
    readonly dir: string,
    readonly endpoint: string,
    configName: string,
    private readonly providersFromMirror = true,
  ) {
    this.configFile = path.join(dir, configName);
    const app = ["node", path.join(REPO, "job", "launch.js"), path.join(REPO, "main.ts")].map((part) => JSON.stringify(part)).join(" ");
    const cdktfJson = {
      language: "typescript",
      app,
      output: "cdktf.out",
      projectId: "kafka-privatelink-emulated",
      sendCrashReports: "false",
      terraformProviders: [],
      terraformModules: [],
      context: {},
    };
    fs.writeFileSync(path.join(dir, "cdktf.json"), `${JSON.stringify(cdktfJson, null, 2)}\n`);
  }

  /**
   * Writes the configuration and records its ports with the main job (`npm run synth`), as a user
   * does before `cdktf deploy`: the cdktf app refuses ports the lock does not hold.
   */
  writeConfig(document: ConfigInput): SynthResult {
    fs.writeFileSync(this.configFile, stringifyYaml(document));
    return runSynth({ configFile: this.configFile, outDir: path.join(this.dir, "synth"), modulesOutDir: path.join(this.dir, "modules") });
  }

  /**
   * What the cdktf CLI needs set on top of the user's environment: the emulator, this
   * configuration and, with `providersFromMirror`, the project's Terraform CLI configuration
   * (providers from the filesystem mirror only).
   */
  ownEnv(): Record<string, string> {
    const terraformSettings = this.providersFromMirror
      ? Object.entries(terraformEnv()).filter(([name, value]) => value !== undefined && process.env[name] !== value)
      : [];
    return {
      ...(Object.fromEntries(terraformSettings) as Record<string, string>),
      // The emulator and nowhere else: no instance metadata lookups, and none of the user's own AWS
      // configuration (profiles, per-service endpoints, SSO) can send a request elsewhere.
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: path.join(this.dir, "no-aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(this.dir, "no-aws-credentials"),
      PRIVATELINK_CONFIG: this.configFile,
    };
  }

  /** The environment for the cdktf CLI: this process's, without any AWS_ setting of the user's, plus ownEnv(). */
  env(): NodeJS.ProcessEnv {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")));
    return { ...inherited, ...this.ownEnv() };
  }

  /** Runs the project's own cdktf CLI (node_modules/.bin/cdktf) in this folder. */
  cdktf(args: readonly string[], timeoutMs: number): Promise<RunResult> {
    return runBounded(path.join(REPO, "node_modules", ".bin", "cdktf"), args, { cwd: this.dir, env: this.env(), timeoutMs });
  }
}

/**
 * Whether the emulator's EC2 API handles `action` (as moto names it: `accept_vpc_endpoint_connections`);
 * moto answers an action it lacks with a bare HTTP 500, so the tests ask moto itself which gap it is.
 */
export function emulatorHandlesEc2Action(action: string): boolean {
  const probe = runPython(`from moto.ec2.responses import EC2Response; print(hasattr(EC2Response, ${JSON.stringify(action)}))`);
  if (probe.status !== 0) throw new Error(`cannot ask moto about ${action}: ${probe.stderr || probe.error?.message}`);
  return probe.stdout.trim() === "True";
}
