/**
 * The doctor: checks a live cluster through its PrivateLink endpoint the way a client sees it.
 * Used by `npm run doctor` (doctor/cli.ts) and by the rehearsal's client, so the rehearsal and a
 * production check share one implementation.
 *
 * Every network wait is bounded, and so is the whole run (DEFAULT_TIMEOUTS.runMs, `--deadline`).
 * A failure names the broker, the port, and what was expected versus seen. When the advertised
 * hostname does not resolve or the bootstrap port does not answer, nothing else can be checked:
 * the doctor stops there with that one reason.
 */
import * as dns from "node:dns";
import * as net from "node:net";
import * as tls from "node:tls";
import { ConfigResourceTypes, Kafka, type Admin, type RetryOptions } from "kafkajs";
import type { Config } from "../config/schema";
import { allocatePorts } from "../modules/kafka-broker-ports/allocation";
import { clientIdleMs } from "../modules/kafka-broker-ports/kafka-config";
import { inPool } from "../terraform/run";
import { kafkaConfig } from "./connect";
import { isTls, type ClientSettings } from "./properties";

/**
 * What the configuration says a client must find: every broker with its allocated NLB listener
 * port, by ascending ID.
 */
export function doctorTarget(config: Config) {
  const { cluster } = config;
  // The allocation the stacks use (stacks' portPlanFor), without loading cdktf into the doctor.
  const plan = allocatePorts({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  });
  return {
    hostname: cluster.advertisedHostname,
    bootstrapPort: plan.bootstrapPort,
    brokers: [...plan.brokerPorts].map(([id, port]) => ({ id, port })),
    tcpIdleTimeoutSeconds: cluster.tcpIdleTimeoutSeconds,
    listenerName: cluster.listenerName,
    listenerSecurityProtocol: cluster.listenerSecurityProtocol,
  };
}

export type DoctorTarget = ReturnType<typeof doctorTarget>;

export const DEFAULT_TIMEOUTS = {
  /** Resolving the advertised hostname. */
  dnsMs: 5_000,
  /** A TCP connect, and a TLS handshake. */
  connectMs: 5_000,
  /** One Kafka request. */
  requestMs: 10_000,
  /** One whole check that talks Kafka (connect, authenticate, retries, requests). */
  checkMs: 25_000,
  /** The whole run: what is unchecked by then fails as one `deadline` check. */
  runMs: 30_000,
} as const;

type Timeouts = Record<keyof typeof DEFAULT_TIMEOUTS, number>;

/** How many listeners are checked at once. */
const PARALLEL = 8;

export interface DoctorOptions {
  /**
   * Connect here instead of the advertised hostname (`--bootstrap HOST:PORT`): the bootstrap at
   * HOST:PORT, each broker at HOST:its port. The checks still expect the advertised hostname in
   * the metadata and in the certificates.
   */
  readonly via?: { readonly host: string; readonly port: number };
  readonly timeouts?: Partial<Timeouts>;
}

export type CheckStatus = "pass" | "fail" | "skip";

export interface CheckResult {
  /** resolve, bootstrap, protocol, idle-timeout, tls, metadata, bootstrap-connections, advertised, port or deadline. */
  readonly check: string;
  readonly status: CheckStatus;
  readonly message: string;
  /** The configured broker the check is about. */
  readonly broker?: number;
  /** The listener port the check is about. */
  readonly port?: number;
  readonly expected?: string;
  readonly seen?: string;
  /** On a failure: the configured brokers it concerns (a metadata failure may concern several). */
  readonly brokers?: readonly number[];
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
  /** Set when the doctor stopped early because nothing else could be checked. */
  readonly stopped?: string;
}

/** A check's result, its fields in the order the JSON report shows them. */
function result(check: string, status: CheckStatus, message: string, details: Partial<CheckResult> = {}): CheckResult {
  return { check, status, message, ...details };
}

function message(err: unknown): string {
  const e = err as { message?: string; code?: string };
  const text = e?.message ?? String(err);
  return e?.code && !text.includes(e.code) ? `${text} (${e.code})` : text;
}

/** Settles as `promise` does, unless it is still pending after `ms`: then as `late` returns or throws. */
function race<T>(ms: number, promise: Promise<T>, late: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms))).then(late);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Rejects with `what timed out after N ms` unless `promise` settles first. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return race(ms, promise, () => {
    throw new Error(`${what} timed out after ${ms} ms`);
  });
}

/** Settles with what `onReady` reads off `socket` once it emits `ready`; the socket is closed whatever happens. */
function probe<T>(socket: net.Socket, ready: string, timeoutMs: number, timeoutMessage: string, onReady: () => T): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    socket.setTimeout(timeoutMs, () => reject(new Error(timeoutMessage)));
    socket.once(ready, () => resolve(onReady()));
    socket.once("error", reject);
  }).finally(() => socket.destroy());
}

export interface TlsSeen {
  readonly subject: string;
  readonly sans: string;
  /** Why the chain does not verify against the CA (undefined: it does). */
  readonly chainError?: string;
  /** Why the certificate does not cover the hostname (undefined: it does). */
  readonly nameError?: string;
}

/** A TLS handshake that accepts any certificate, so that what is wrong with it can be named. */
function tlsHandshake(to: { host: string; port: number }, servername: string, ca: string | undefined, timeoutMs: number): Promise<TlsSeen> {
  // Without a CA of its own (undefined), Node verifies against the system's.
  const socket = tls.connect({ ca, ...to, servername, rejectUnauthorized: false });
  return probe(socket, "secureConnect", timeoutMs, `no TLS handshake within ${timeoutMs} ms`, () => {
    const cert = socket.getPeerCertificate();
    return {
      subject: cert.subject
        ? Object.entries(cert.subject)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")
        : "(none)",
      sans: cert.subjectaltname ?? "(none)",
      // Node counts a hostname mismatch as an authorization error too; that one is nameError's.
      chainError: socket.authorized || String(socket.authorizationError) === "ERR_TLS_CERT_ALTNAME_INVALID" ? undefined : String(socket.authorizationError),
      nameError: tls.checkServerIdentity(servername, cert)?.message,
    };
  });
}

function brokerList(ids: readonly number[]): string {
  return ids.length === 1 ? `broker ${ids[0]}` : `brokers ${ids.join(", ")}`;
}

/** The client's own settings against the cluster: its protocol, and its idle limit against the NLB's. */
export function clientChecks(target: DoctorTarget, settings: ClientSettings): CheckResult[] {
  const protocolOk = settings.securityProtocol === target.listenerSecurityProtocol;
  const nlbIdleMs = target.tcpIdleTimeoutSeconds * 1000;
  // A negative limit: the client never closes an idle connection (Kafka's Selector).
  const idleOk = settings.idleMs >= 0 && settings.idleMs < nlbIdleMs;
  const idle = `client connections.max.idle.ms ${settings.idleMs} (${settings.idleSource}${settings.idleMs < 0 ? "; it never closes an idle connection" : ""})`;
  return [
    result(
      "protocol",
      protocolOk ? "pass" : "fail",
      protocolOk
        ? `client security.protocol ${settings.securityProtocol} is the ${target.listenerName} listener's`
        : `client security.protocol is ${settings.securityProtocol}, but the ${target.listenerName} listener expects ${target.listenerSecurityProtocol}`,
      { expected: target.listenerSecurityProtocol, seen: settings.securityProtocol },
    ),
    result(
      "idle-timeout",
      idleOk ? "pass" : "fail",
      idleOk
        ? `${idle} is below the NLB idle timeout (${target.tcpIdleTimeoutSeconds} s)`
        : `${idle} is not below the NLB idle timeout (${target.tcpIdleTimeoutSeconds} s): the NLB drops idle connections without telling the client; set it to ${clientIdleMs(target.tcpIdleTimeoutSeconds)}`,
      { expected: `< ${nlbIdleMs}`, seen: String(settings.idleMs) },
    ),
  ];
}

/** What a listener's certificate shows: whether its chain verifies against the CA and it covers `hostname`. */
export function certificateCheck(
  where: string,
  hostname: string,
  caSource: string,
  seen: TlsSeen,
): Pick<CheckResult, "status" | "message" | "expected" | "seen"> {
  const problems = [
    seen.chainError && `the certificate chain does not verify against ${caSource}: ${seen.chainError}`,
    seen.nameError && `the certificate's SANs (${seen.sans}) do not cover ${hostname}`,
  ].filter((p): p is string => Boolean(p));
  return problems.length > 0
    ? {
        status: "fail",
        message: `${where}: ${problems.join("; ")} (subject ${seen.subject})`,
        expected: `a certificate for ${hostname} signed by ${caSource}`,
        seen: `subject ${seen.subject}, SANs ${seen.sans}`,
      }
    : { status: "pass", message: `${where}: certificate (subject ${seen.subject}) verifies against ${caSource} and covers ${hostname}` };
}

/** A broker as the metadata lists it. */
export interface ListedBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** The metadata against the configuration: exactly the configured brokers, each at hostname:its-own-port. */
export function metadataChecks(target: DoctorTarget, listed: readonly ListedBroker[]): CheckResult[] {
  const configured = new Map(target.brokers.map((b) => [b.id, b.port]));
  const configuredIds = [...configured.keys()];
  const listedIds = listed.map((b) => b.nodeId).sort((a, b) => a - b);
  const missing = configuredIds.filter((id) => !listedIds.includes(id));
  const unexpected = listed.filter((b) => !configured.has(b.nodeId)).sort((a, b) => a.nodeId - b.nodeId);
  const problems = [
    missing.length > 0 && `${missing.map((id) => `broker ${id} (port ${configured.get(id)})`).join(", ")} missing`,
    unexpected.length > 0 && `${unexpected.map((b) => `broker ${b.nodeId} (${b.host}:${b.port})`).join(", ")} not in the configuration`,
  ].filter(Boolean);
  const metadata =
    problems.length === 0
      ? result("metadata", "pass", `metadata lists ${brokerList(listedIds)}, as configured`)
      : result(
          "metadata",
          "fail",
          `metadata lists ${listedIds.length > 0 ? brokerList(listedIds) : "no broker"}, expected ${brokerList(configuredIds)}: ${problems.join("; ")}`,
          { expected: configuredIds.join(","), seen: listedIds.join(","), brokers: [...missing, ...unexpected.map((b) => b.nodeId)] },
        );
  const advertised = target.brokers.map(({ id, port }): CheckResult => {
    const entry = listed.find((b) => b.nodeId === id);
    if (!entry) {
      return { check: "advertised", status: "skip", broker: id, port, message: `broker ${id} advertises nothing: it is not in the metadata` };
    }
    const seen = `${entry.host}:${entry.port}`;
    const expected = `${target.hostname}:${port}`;
    return seen === expected
      ? { check: "advertised", status: "pass", broker: id, port, message: `broker ${id} advertises ${seen}` }
      : {
          check: "advertised",
          status: "fail",
          broker: id,
          port,
          message: `broker ${id} advertises ${seen}, expected ${expected} (its NLB listener port): clients would connect to the wrong place after bootstrap`,
          expected,
          seen,
          brokers: [id],
        };
  });
  return [metadata, ...advertised];
}

/**
 * Checks the cluster `target` describes, connecting with `settings`. Never throws for what it
 * finds. Ends by the run's deadline (`timeouts.runMs`) whatever the cluster does: the checks done
 * by then, and one failed `deadline` check naming the step still waiting.
 */
export async function runDoctor(target: DoctorTarget, settings: ClientSettings, options: DoctorOptions = {}): Promise<DoctorReport> {
  const run: Run = { t: { ...DEFAULT_TIMEOUTS, ...options.timeouts }, checks: [], waitingFor: "the first check" };
  return race(run.t.runMs, checkCluster(target, settings, options, run), () => {
    const seconds = run.t.runMs / 1000;
    const overdue = result(
      "deadline",
      "fail",
      `the run did not finish within its deadline of ${seconds} s (--deadline): still waiting for ${run.waitingFor}; what is not listed above was not checked`,
      { expected: `every check within ${seconds} s`, seen: `still waiting for ${run.waitingFor}` },
    );
    // A copy: the checks still under way end within their own bounds, unreported.
    return { ok: false, checks: [...run.checks, overdue] };
  });
}

/** A run's bounds, the checks done so far, and the step it is waiting for (named at the deadline). */
interface Run {
  readonly t: Timeouts;
  readonly checks: CheckResult[];
  waitingFor: string;
}

async function checkCluster(target: DoctorTarget, settings: ClientSettings, options: DoctorOptions, run: Run): Promise<DoctorReport> {
  const { t, checks } = run;
  const { hostname, bootstrapPort } = target;
  const connectHost = options.via?.host ?? hostname;
  const bootstrap = options.via ?? { host: hostname, port: bootstrapPort };
  const bootstrapName = `bootstrap ${hostname}:${bootstrapPort}${options.via ? ` (via ${options.via.host}:${options.via.port})` : ""}`;
  // A client pinned to one listener: every connection it makes goes there, whatever broker
  // address the metadata names, so what it learns comes from that listener alone; TLS verifies
  // the advertised hostname there.
  const pinnedClient = (clientId: string, seedPort: number, to: { host: string; port: number }, retry?: RetryOptions) =>
    new Kafka(
      kafkaConfig(settings, `${hostname}:${seedPort}`, {
        clientId,
        pin: { ...to, servername: hostname },
        retry,
        timeouts: { connectionMs: t.connectMs, requestMs: t.requestMs },
      }),
    ).admin();
  const stop = (reason: string): DoctorReport => ({ ok: false, checks, stopped: reason });

  // 1. The name resolves (in a client VPC: through the consumer's Route 53 private zone).
  if (options.via) {
    checks.push(result("resolve", "skip", `${hostname} not resolved: connections go to ${options.via.host} (--bootstrap)`));
  } else {
    run.waitingFor = `the lookup of ${hostname}`;
    try {
      const addresses = await within(t.dnsMs, `resolving ${hostname}`, dns.promises.lookup(hostname, { all: true }));
      checks.push(result("resolve", "pass", `${hostname} resolves to ${addresses.map((a) => a.address).join(", ")}`));
    } catch (err) {
      const why = message(err);
      const fix = "from a client VPC, the consumer's Route 53 private zone answers it; elsewhere use --bootstrap";
      checks.push(result("resolve", "fail", `${hostname} does not resolve: ${why} (${fix})`, { expected: "an address", seen: why }));
      return stop(`${hostname} does not resolve`);
    }
  }

  // 2. The bootstrap listener answers at all.
  run.waitingFor = `a TCP connection to ${bootstrapName}`;
  try {
    await probe(net.connect(bootstrap), "connect", t.connectMs, `no answer within ${t.connectMs} ms`, () => undefined);
    checks.push(result("bootstrap", "pass", `${bootstrapName} accepts connections`, { port: bootstrapPort }));
  } catch (err) {
    const reason = `${bootstrapName} does not answer: ${message(err)}`;
    checks.push(result("bootstrap", "fail", reason, { port: bootstrapPort, expected: "a TCP connection", seen: message(err) }));
    return stop(reason);
  }

  // 3. The client speaks the listener's protocol, and closes idle connections before the NLB drops them.
  checks.push(...clientChecks(target, settings));

  // 4. With TLS: every listener's certificate chain verifies against the CA and covers the hostname.
  /** Ports whose certificate is wrong: no client there sends credentials or requests. */
  const badCertificate = new Set<number>();
  if (isTls(settings)) {
    run.waitingFor = "the TLS handshakes";
    /** The certificate at `port`: the bootstrap's, or broker `broker`'s. */
    const tlsCheck = (port: number, broker?: number) => async (): Promise<CheckResult> => {
      const where = broker === undefined ? bootstrapName : `port ${port} (broker ${broker})`;
      const common = { check: "tls", broker, port, ...(broker === undefined ? {} : { brokers: [broker] }) };
      try {
        const seen = await tlsHandshake(broker === undefined ? bootstrap : { host: connectHost, port }, hostname, settings.ca, t.connectMs);
        const verdict = certificateCheck(where, hostname, settings.caSource, seen);
        if (verdict.status === "fail") badCertificate.add(port);
        return { ...common, ...verdict };
      } catch (err) {
        return { ...common, status: "fail", message: `${where}: no TLS handshake: ${message(err)}`, expected: "a TLS handshake", seen: message(err) };
      }
    };
    checks.push(...(await inPool([tlsCheck(bootstrapPort), ...target.brokers.map((b) => tlsCheck(b.port, b.id))], PARALLEL)));
  } else {
    checks.push(result("tls", "skip", `no TLS to check (security.protocol ${settings.securityProtocol})`));
  }

  // 5. The metadata (through the bootstrap) lists exactly the configured brokers, each at hostname:its-own-port.
  // The bootstrap listener spreads connections over every broker, so one broker with a bad
  // certificate or a dead listener fails some of them: fresh connections are tried (within one
  // check's time) until one answers; that broker is named by its own port's checks.
  run.waitingFor = `the metadata through ${bootstrapName}`;
  let listed: ListedBroker[] | undefined;
  const attempts: string[] = [];
  const deadline = Date.now() + t.checkMs;
  const maxAttempts = Math.min(10, 2 * target.brokers.length + 1);
  while (!listed && attempts.length < maxAttempts && Date.now() < deadline) {
    const admin = pinnedClient("kafka-privatelink-doctor", bootstrapPort, bootstrap, { retries: 0 });
    const describe = async () => {
      await admin.connect();
      return (await admin.describeCluster()).brokers;
    };
    try {
      listed = await within(Math.max(1, deadline - Date.now()), `metadata through ${bootstrapName}`, describe());
    } catch (err) {
      attempts.push(message(err));
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const last = attempts.at(-1) ?? "no attempt";
  const tried = `${attempts.length} connection(s)`;
  if (!listed) {
    const message = `no metadata through ${bootstrapName} (${tried} tried): ${last}`;
    checks.push(result("metadata", "fail", message, { port: bootstrapPort, expected: "a metadata response", seen: last }));
  } else {
    if (attempts.length > 0) {
      const message = `${bootstrapName}: ${tried} failed before one answered (a broker behind it fails clients): ${last}`;
      checks.push(result("bootstrap-connections", "fail", message, { port: bootstrapPort, expected: "every connection answered", seen: last }));
    }
    checks.push(...metadataChecks(target, listed));
  }

  // 6. Each broker port reaches the broker with that ID: a client pinned to the port asks for that
  // broker's configuration, which only that broker describes.
  run.waitingFor = "the broker port checks";
  const portChecks = await inPool(
    target.brokers.map(({ id, port }) => async (): Promise<CheckResult> => {
      const common = { check: "port", broker: id, port };
      if (badCertificate.has(port)) {
        return {
          ...common,
          status: "skip",
          message: `port ${port} (broker ${id}): not checked, its certificate failed the TLS check (no credentials or requests over an unverified connection)`,
        };
      }
      const admin = pinnedClient(`kafka-privatelink-doctor-port-${port}`, port, { host: connectHost, port });
      try {
        const candidates = [id, ...target.brokers.map((b) => b.id).filter((other) => other !== id)];
        const seen = await within(t.checkMs, `checking port ${port}`, brokerBehind(admin, candidates));
        if (seen === id) {
          return { ...common, status: "pass", message: `port ${port} reaches broker ${id}` };
        }
        const reached = seen === undefined ? undefined : `broker ${seen}`;
        return {
          ...common,
          status: "fail",
          message: `port ${port} should reach broker ${id} but reaches ${reached ?? "a broker that is none of the configured ones"}: its NLB listener forwards to the wrong target`,
          expected: `broker ${id}`,
          seen: reached ?? "another broker",
          brokers: seen === undefined ? [id] : [id, seen],
        };
      } catch (err) {
        const denied = (err as { type?: string }).type === "CLUSTER_AUTHORIZATION_FAILED";
        return {
          ...common,
          status: "fail",
          message: denied
            ? `port ${port} (broker ${id}): a broker answers, but this client may not describe broker configurations, so which broker it is stays unknown (grant it DescribeConfigs on the cluster)`
            : `port ${port} should reach broker ${id} but no broker answers: ${message(err)}`,
          expected: `broker ${id}`,
          seen: denied ? "CLUSTER_AUTHORIZATION_FAILED" : message(err),
          brokers: [id],
        };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }),
    PARALLEL,
  );
  checks.push(...portChecks);

  return { ok: checks.every((c) => c.status !== "fail"), checks };
}

/**
 * The first of `candidates` that is the broker behind the admin's connection, if any: a broker
 * describes only its own configuration and answers INVALID_REQUEST for another broker's. A broker
 * missing from the metadata cannot be asked (kafkajs routes the request by ID): that is a no as well.
 */
async function brokerBehind(admin: Admin, candidates: readonly number[]): Promise<number | undefined> {
  await admin.connect();
  for (const id of candidates) {
    try {
      await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.BROKER, name: String(id), configNames: ["advertised.listeners"] }],
        includeSynonyms: false,
      });
      return id;
    } catch (err) {
      const e = err as { type?: string; name?: string };
      if (e.type !== "INVALID_REQUEST" && e.name !== "KafkaJSBrokerNotFound") throw err;
    }
  }
  return undefined;
}
