/**
 * The Kafka client side of the rehearsal, run by the orchestrator inside the client network
 * namespace, where the advertised hostname resolves to the load balancer and no route leads to a
 * broker. Reads a ClientPlan (JSON) from the environment variable REHEARSAL_CLIENT_PLAN and prints
 * one ClientReport (JSON) line on stdout.
 *
 * The checks of what a client finds (metadata, advertised ports, which broker each port reaches,
 * TLS) are the doctor's (doctor/doctor.ts), run here as `npm run doctor` would run them in a
 * client VPC. What only a rehearsal can do is added around them: no direct path to a broker, many
 * fresh bootstraps, and produce/consume on partitions led by every broker (kafkajs, with the same
 * client settings: TLS verifying the CA and the hostname).
 *
 * Every step is bounded in time and its failure is recorded rather than thrown, so one run
 * reports everything that is wrong.
 */
import * as net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, type RetryOptions } from "kafkajs";
import { kafkaConfig } from "../doctor/connect";
import { runDoctor, type DoctorOptions, type DoctorReport, type DoctorTarget } from "../doctor/doctor";
import type { ClientSettings } from "../doctor/properties";
import { isEntry } from "../job/is-entry";

export interface ClientPlan {
  /** What the doctor checks: the cluster as configured. */
  readonly target: DoctorTarget;
  /** The client's settings (from the consumer stack's client_config output and the rehearsal CA). */
  readonly settings: ClientSettings;
  /** The doctor's settings, when they are not the client's (a wrong password, say). */
  readonly doctorSettings?: ClientSettings;
  /** The doctor's options (`via`: as `--bootstrap` through a tunnel). */
  readonly doctorOptions?: DoctorOptions;
  /** The brokers expected to be running, by ascending ID: the metadata must list exactly these before the checks start. */
  readonly running: readonly number[];
  /** The whole client rehearsal after the doctor (without it: only the doctor). */
  readonly full?: {
    /** The brokers' own addresses: the client must not be able to reach them directly. */
    readonly brokerTargets: readonly { readonly id: number; readonly address: string; readonly port: number }[];
    readonly topic: string;
    /** Create the topic with this replica assignment (first replica = preferred leader). */
    readonly createTopic?: { partition: number; replicas: number[] }[];
    /** How many independent clients bootstrap through the bootstrap port. */
    readonly bootstraps: number;
  };
}

export interface ClientReport {
  readonly passed: string[];
  readonly failures: string[];
  /** The doctor's report, when it ran. */
  doctor?: DoctorReport;
}

/** Small, bounded retries: a wrong mapping must fail in seconds, not after kafkajs' default 30 s backoff. */
const RETRY: RetryOptions = { retries: 3, initialRetryTime: 200, maxRetryTime: 1_500 };
const WAIT_MS = 30_000;
const CONSUME_MS = 30_000;

function kafka(plan: ClientPlan, clientId: string): Kafka {
  const { hostname, bootstrapPort } = plan.target;
  return new Kafka(
    kafkaConfig(plan.settings, `${hostname}:${bootstrapPort}`, { clientId, timeouts: { connectionMs: 3_000, requestMs: 10_000 }, retry: RETRY }),
  );
}

/** Where broker `id` advertises itself. */
function advertised(target: DoctorTarget, id: number): string {
  return `${target.hostname}:${target.brokers.find((b) => b.id === id)?.port}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function poll<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) {
        return value;
      }
    } catch (err) {
      last = `: ${message(err)}`;
    }
    await sleep(250);
  }
  throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}${last}`);
}

/** A TCP connect that must fail: the client namespace has no route to the brokers. */
function connectOutcome(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    const done = (outcome: string) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(1_000, () => done("timeout"));
    socket.on("connect", () => done("connected"));
    socket.on("error", (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

async function runClientChecks(plan: ClientPlan): Promise<ClientReport> {
  const report: ClientReport = { passed: [], failures: [] };
  const { target, full, running } = plan;

  for (const { id, address, port } of full?.brokerTargets ?? []) {
    const outcome = await connectOutcome(address, port);
    if (outcome === "connected") {
      report.failures.push(`the client reached broker ${id} directly at ${address}:${port}`);
    } else {
      report.passed.push(`no direct path to broker ${id} at ${address}:${port} (${outcome})`);
    }
  }

  const admin = kafka(plan, "rehearsal-admin").admin();
  // Names the step an unexpected error comes from.
  let step = `bootstrap through ${target.hostname}:${target.bootstrapPort}`;
  try {
    await admin.connect();
    // Wait until the cluster lists exactly the running brokers (registration after start-up,
    // fencing after a stop): the doctor checks a settled cluster, as it would in production.
    await poll(`metadata listing brokers ${running.join(", ")}`, async () => {
      const described = await admin.describeCluster();
      const ids = described.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
      return ids.join() === running.join() ? described : undefined;
    });
    step = "doctor";
    report.doctor = await runDoctor(target, plan.doctorSettings ?? plan.settings, plan.doctorOptions);
    if (!full) {
      return report;
    }

    step = "bootstraps";
    await checkBootstraps(plan, full.bootstraps, report);

    const { topic, createTopic } = full;
    step = `topic ${topic}`;
    if (createTopic) {
      await admin.createTopics({ topics: [{ topic, replicaAssignment: createTopic }], timeout: 10_000 });
    }
    const leaders = await poll(`every partition of ${topic} to have a running leader`, async () => {
      const { partitions } = (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0];
      return partitions.length > 0 && partitions.every((p) => running.includes(p.leader))
        ? new Map(partitions.map((p) => [p.partitionId, p.leader] as const).sort(([a], [b]) => a - b))
        : undefined;
    });
    const leading = new Set(leaders.values());
    const idle = createTopic ? running.filter((id) => !leading.has(id)) : [];
    if (idle.length > 0) {
      report.failures.push(`brokers ${idle.join(", ")} lead no partition of ${topic}`);
    }
    report.passed.push(`${topic} leaders: ${[...leaders].map(([p, l]) => `partition ${p} → broker ${l} (${advertised(target, l)})`).join(", ")}`);

    step = "producer";
    const produced = await produceToEveryPartition(plan, topic, leaders, report);
    if (produced.size === leaders.size) {
      await consumeEveryPartition(plan, topic, produced, report);
    }
  } catch (err) {
    report.failures.push(`${step}: ${message(err)}`);
  } finally {
    await admin.disconnect();
  }
  return report;
}

/** Fresh clients, each connecting through the bootstrap listener (which load-balances over every broker). */
async function checkBootstraps(plan: ClientPlan, bootstraps: number, report: ClientReport): Promise<void> {
  let ok = 0;
  for (let i = 0; i < bootstraps; i += 1) {
    const admin = kafka(plan, `rehearsal-bootstrap-${i}`).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      ok += 1;
    } catch (err) {
      report.failures.push(`bootstrap ${i + 1} of ${bootstraps} failed: ${message(err)}`);
    } finally {
      await admin.disconnect();
    }
  }
  report.passed.push(`${ok} of ${bootstraps} fresh clients bootstrapped through port ${plan.target.bootstrapPort}`);
}

/** One message to each partition (in ascending order); the values produced, by partition. */
async function produceToEveryPartition(
  plan: ClientPlan,
  topic: string,
  leaders: ReadonlyMap<number, number>,
  report: ClientReport,
): Promise<Map<number, string>> {
  const producer = kafka(plan, "rehearsal-producer").producer({ retry: RETRY });
  const produced = new Map<number, string>();
  try {
    await producer.connect();
    for (const [partition, leader] of leaders) {
      const value = `${topic}/${partition}/${Date.now()}`;
      try {
        await producer.send({ topic, acks: -1, messages: [{ partition, value }] });
        produced.set(partition, value);
      } catch (err) {
        report.failures.push(`produce to partition ${partition} (leader: broker ${leader} at ${advertised(plan.target, leader)}) failed: ${message(err)}`);
      }
    }
  } finally {
    await producer.disconnect();
  }
  if (produced.size > 0) {
    report.passed.push(`produced to partitions ${[...produced.keys()].join(", ")}`);
  }
  return produced;
}

async function consumeEveryPartition(plan: ClientPlan, topic: string, produced: ReadonlyMap<number, string>, report: ClientReport): Promise<void> {
  const consumer = kafka(plan, "rehearsal-consumer").consumer({
    groupId: `rehearsal-${topic}-${Date.now()}`,
    retry: RETRY,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const missing = new Set(produced.keys());
  /** Why the consumer stopped for good. */
  let crashed: Error | undefined;
  let lastError = "";
  // kafkajs restarts a consumer after a retriable error (a group coordinator that is still
  // loading after a broker stopped, say), as applications rely on; the deadline bounds it.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    lastError = ` (last error: ${payload.error.message})`;
    if (!payload.restart) crashed = payload.error;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const deadline = Date.now() + CONSUME_MS;
    // Not awaited: the deadline bounds the group join too.
    consumer
      .run({
        eachMessage: async ({ partition, message: record }) => {
          if (record.value?.toString() === produced.get(partition)) missing.delete(partition);
        },
      })
      .catch((err: Error) => {
        crashed = err;
      });
    while (missing.size > 0) {
      if (crashed) throw crashed;
      if (Date.now() > deadline) {
        throw new Error(`consumed nothing from partitions ${[...missing].join(", ")} within ${CONSUME_MS} ms${lastError}`);
      }
      await sleep(100);
    }
    report.passed.push(`consumed the produced message from every partition (${[...produced.keys()].join(", ")})`);
  } catch (err) {
    report.failures.push(`consume: ${message(err)}`);
  } finally {
    await consumer.disconnect();
  }
}

if (isEntry(__filename)) {
  const plan = JSON.parse(process.env.REHEARSAL_CLIENT_PLAN ?? "") as ClientPlan;
  runClientChecks(plan).then(
    (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
    (err) => {
      process.stdout.write(`${JSON.stringify({ passed: [], failures: [`client crashed: ${message(err)}`] })}\n`);
    },
  );
}
