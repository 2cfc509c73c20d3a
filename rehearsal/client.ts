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
  /** The brokers expected to be running: the metadata must list exactly these before the checks start. */
  readonly running: readonly number[];
  /** Only the doctor, or the whole client rehearsal. */
  readonly mode: "doctor" | "full";
  /** The brokers' own addresses: the client must not be able to reach them directly. */
  readonly brokerTargets: readonly { readonly id: number; readonly address: string; readonly port: number }[];
  readonly topic: string;
  /** Create the topic with this replica assignment (first replica = preferred leader). */
  readonly createTopic?: readonly { readonly partition: number; readonly replicas: number[] }[];
  /** How many independent clients bootstrap through the bootstrap port. */
  readonly bootstraps: number;
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

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function poll<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
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
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
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

export async function runClientChecks(plan: ClientPlan): Promise<ClientReport> {
  const report: ClientReport = { passed: [], failures: [] };
  const expectedIds = [...plan.running].sort((a, b) => a - b);
  const portOf = new Map(plan.target.brokers.map((b) => [b.id, b.port]));
  const advertised = (id: number) => `${plan.target.hostname}:${portOf.get(id)}`;
  const { hostname, bootstrapPort } = plan.target;

  if (plan.mode === "full") {
    for (const target of plan.brokerTargets) {
      const outcome = await connectOutcome(target.address, target.port);
      if (outcome === "connected") {
        report.failures.push(`the client reached broker ${target.id} directly at ${target.address}:${target.port}`);
      } else {
        report.passed.push(`no direct path to broker ${target.id} at ${target.address}:${target.port} (${outcome})`);
      }
    }
  }

  const admin = kafka(plan, "rehearsal-admin").admin();
  // Names the step an unexpected error comes from.
  let step = `bootstrap through ${hostname}:${bootstrapPort}`;
  try {
    await admin.connect();
    // Wait until the cluster lists exactly the running brokers (registration after start-up,
    // fencing after a stop): the doctor checks a settled cluster, as it would in production.
    await poll(`metadata listing brokers ${expectedIds.join(", ")}`, async () => {
      const described = await admin.describeCluster();
      const ids = described.brokers.map((b) => b.nodeId).sort((a, b) => a - b);
      return ids.join() === expectedIds.join() ? described : undefined;
    });
    step = "doctor";
    report.doctor = await runDoctor(plan.target, plan.doctorSettings ?? plan.settings, plan.doctorOptions);
    if (plan.mode === "doctor") {
      return report;
    }

    step = "bootstraps";
    await checkBootstraps(plan, report);

    step = `topic ${plan.topic}`;
    if (plan.createTopic) {
      await admin.createTopics({
        topics: [{ topic: plan.topic, replicaAssignment: plan.createTopic.map((p) => ({ ...p })) }],
        timeout: 10_000,
      });
    }
    const leaders = await poll(`every partition of ${plan.topic} to have a running leader`, async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: [plan.topic] });
      const partitions = metadata.topics[0].partitions;
      return partitions.length > 0 && partitions.every((p) => expectedIds.includes(p.leader))
        ? new Map(partitions.map((p) => [p.partitionId, p.leader] as const).sort(([a], [b]) => a - b))
        : undefined;
    });
    const leading = new Set(leaders.values());
    const idle = plan.createTopic ? expectedIds.filter((id) => !leading.has(id)) : [];
    if (idle.length > 0) {
      report.failures.push(`brokers ${idle.join(", ")} lead no partition of ${plan.topic}`);
    }
    report.passed.push(`${plan.topic} leaders: ${[...leaders].map(([p, l]) => `partition ${p} → broker ${l} (${advertised(l)})`).join(", ")}`);

    step = "producer";
    const produced = await produceToEveryPartition(plan, leaders, advertised, report);
    if (produced.size === leaders.size) {
      await consumeEveryPartition(plan, produced, report);
    }
  } catch (err) {
    report.failures.push(`${step}: ${message(err)}`);
  } finally {
    await admin.disconnect();
  }
  return report;
}

/** Fresh clients, each connecting through the bootstrap listener (which load-balances over every broker). */
async function checkBootstraps(plan: ClientPlan, report: ClientReport): Promise<void> {
  let ok = 0;
  for (let i = 0; i < plan.bootstraps; i += 1) {
    const admin = kafka(plan, `rehearsal-bootstrap-${i}`).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      ok += 1;
    } catch (err) {
      report.failures.push(`bootstrap ${i + 1} of ${plan.bootstraps} failed: ${message(err)}`);
    } finally {
      await admin.disconnect();
    }
  }
  report.passed.push(`${ok} of ${plan.bootstraps} fresh clients bootstrapped through port ${plan.target.bootstrapPort}`);
}

async function produceToEveryPartition(
  plan: ClientPlan,
  leaders: ReadonlyMap<number, number>,
  advertised: (id: number) => string,
  report: ClientReport,
): Promise<Map<number, string>> {
  const producer = kafka(plan, "rehearsal-producer").producer({ retry: RETRY });
  const produced = new Map<number, string>();
  try {
    await producer.connect();
    for (const [partition, leader] of leaders) {
      const value = `${plan.topic}/${partition}/${Date.now()}`;
      try {
        await producer.send({ topic: plan.topic, acks: -1, messages: [{ partition, value }] });
        produced.set(partition, value);
      } catch (err) {
        report.failures.push(`produce to partition ${partition} (leader: broker ${leader} at ${advertised(leader)}) failed: ${message(err)}`);
      }
    }
  } finally {
    await producer.disconnect();
  }
  if (produced.size > 0) {
    report.passed.push(`produced to partitions ${[...produced.keys()].sort().join(", ")}`);
  }
  return produced;
}

async function consumeEveryPartition(plan: ClientPlan, produced: ReadonlyMap<number, string>, report: ClientReport): Promise<void> {
  const consumer = kafka(plan, "rehearsal-consumer").consumer({
    groupId: `rehearsal-${plan.topic}-${Date.now()}`,
    retry: RETRY,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 200,
  });
  const missing = new Set(produced.keys());
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: plan.topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let lastError = "";
      const timer = setTimeout(
        () => reject(new Error(`consumed nothing from partitions ${[...missing].join(", ")} within ${CONSUME_MS} ms${lastError}`)),
        CONSUME_MS,
      );
      // kafkajs restarts a consumer after a retriable error (a group coordinator that is still
      // loading after a broker stopped, say), as applications rely on; the deadline above bounds it.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        lastError = ` (last error: ${payload.error.message})`;
        if (!payload.restart) {
          clearTimeout(timer);
          reject(payload.error);
        }
      });
      consumer
        .run({
          eachMessage: async ({ partition, message: record }) => {
            if (record.value?.toString() === produced.get(partition)) {
              missing.delete(partition);
            }
            if (missing.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch((err: unknown) => {
          clearTimeout(timer);
          reject(err);
        });
    });
    report.passed.push(`consumed the produced message from every partition (${[...produced.keys()].sort().join(", ")})`);
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
