/**
 * Broker ID → NLB listener port: the one rule both halves of the PrivateLink connection share.
 *
 * All brokers advertise the same hostname, so the port is the only thing that tells brokers
 * apart. A broker whose advertised port and NLB listener disagree is unreachable after
 * bootstrap, and a port that moves breaks running clients; hence a pure, stable function of
 * the broker ID, never of the broker's position in a list.
 */

/** An NLB has 50 listeners (not adjustable); one of them is the bootstrap listener. */
export const MAX_LISTENERS_PER_NLB = 50;
export const MAX_BROKERS = MAX_LISTENERS_PER_NLB - 1;
/** Ports below 1024 are privileged on the brokers' side and reserved by convention. */
export const MIN_PORT = 1024;
export const MAX_PORT = 65535;
export const DEFAULT_BOOTSTRAP_PORT = 9091;
export const DEFAULT_BROKER_PORT_BASE = 6000;

export interface PortPlan {
  /** The listener port that reaches any broker. */
  readonly bootstrapPort: number;
  /** Broker ID → its own listener port, in ascending broker ID order. */
  readonly brokerPorts: ReadonlyMap<number, number>;
}

export interface PortPlanProps {
  readonly brokerIds: readonly number[];
  /** @default 9091 */
  readonly bootstrapPort?: number;
  /** Broker port = brokerPortBase + broker ID. @default 6000 */
  readonly brokerPortBase?: number;
}

/** A violated allocation rule; `field` is relative to the cluster (e.g. `brokers[3].id`). */
export class PortAllocationError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly rule: string,
  ) {
    super(`${field}: ${JSON.stringify(value)} ${rule}`);
    this.name = "PortAllocationError";
  }
}

export function brokerPort(brokerId: number, brokerPortBase = DEFAULT_BROKER_PORT_BASE): number {
  return brokerPortBase + brokerId;
}

/** Every violated rule, in input order, so a user can fix them all in one edit. */
export function portPlanErrors(props: PortPlanProps): PortAllocationError[] {
  const bootstrapPort = props.bootstrapPort ?? DEFAULT_BOOTSTRAP_PORT;
  const base = props.brokerPortBase ?? DEFAULT_BROKER_PORT_BASE;
  const ids = props.brokerIds;
  const errors: PortAllocationError[] = [];
  const fail = (field: string, value: unknown, rule: string) => errors.push(new PortAllocationError(field, value, rule));
  const portRule = `must be an integer from ${MIN_PORT} to ${MAX_PORT}`;

  if (!Number.isInteger(bootstrapPort) || bootstrapPort < MIN_PORT || bootstrapPort > MAX_PORT) fail("bootstrapPort", bootstrapPort, portRule);
  if (!Number.isInteger(base) || base < 0 || base > MAX_PORT) fail("brokerPortBase", base, `must be an integer from 0 to ${MAX_PORT}`);
  if (ids.length === 0) fail("brokers", 0, "brokers given; a cluster needs at least one");
  if (ids.length > MAX_BROKERS) {
    fail("brokers", ids.length, `brokers given; one NLB fits at most ${MAX_BROKERS} (${MAX_LISTENERS_PER_NLB} listeners, one is the bootstrap)`);
    // The list must shrink before its IDs mean anything: 200,000 brokers are one problem, not 200,000.
    return errors;
  }
  const seen = new Map<number, number>();
  ids.forEach((id, index) => {
    const field = `brokers[${index}].id`;
    if (!Number.isInteger(id) || id < 0) fail(field, id, "must be a non-negative integer");
    else if (seen.has(id)) fail(field, id, `duplicates brokers[${seen.get(id)}].id; broker IDs must be unique`);
    else {
      seen.set(id, index);
      const port = base + id;
      if (port < MIN_PORT || port > MAX_PORT)
        fail(field, id, `gives port ${port} (brokerPortBase ${base} + ID); ${portRule.replace("must be", "ports must be")}`);
      else if (port === bootstrapPort) fail(field, id, `gives port ${port} (brokerPortBase ${base} + ID), which is the bootstrap port`);
    }
  });
  const ports = [...seen.keys()].map((id) => base + id);
  // Without brokers the range is empty: Math.min() is Infinity.
  const low = Math.min(...ports);
  const high = Math.max(...ports);
  if (bootstrapPort > low && bootstrapPort < high && !ports.includes(bootstrapPort)) {
    fail(
      "bootstrapPort",
      bootstrapPort,
      `is inside the broker port range ${low}-${high} (brokerPortBase + broker ID); a broker added later would collide with it`,
    );
  }
  return errors;
}

/**
 * Allocates every broker its port. Throws the first violated rule; use `portPlanErrors` to get
 * all of them.
 */
export function allocatePorts(props: PortPlanProps): PortPlan {
  const errors = portPlanErrors(props);
  if (errors.length > 0) throw errors[0];
  // `??`, as portPlanErrors checked them: a JavaScript caller may pass null.
  const base = props.brokerPortBase ?? DEFAULT_BROKER_PORT_BASE;
  return {
    bootstrapPort: props.bootstrapPort ?? DEFAULT_BOOTSTRAP_PORT,
    brokerPorts: new Map([...props.brokerIds].sort((a, b) => a - b).map((id) => [id, brokerPort(id, base)])),
  };
}

/** Terraform map keys that are broker IDs: non-negative integers without leading zeros. */
export const BROKER_ID_PATTERN = "^(0|[1-9][0-9]*)$";
export const BROKER_ID = new RegExp(BROKER_ID_PATTERN);
