/**
 * A rehearsal broker's server.properties: the broker's own KRaft plumbing (controller and
 * inter-broker listeners on its private address) merged with the PrivateLink listener snippet the
 * product generated (the provider stack's `broker_config` output). The PrivateLink listener comes
 * only from that snippet, so a wrong advertised port in the product's output reaches the brokers.
 */

/** The rehearsal's own listeners, on ports that must not collide with the snippet's listener. */
const INTERNAL_LISTENER = { name: "REHEARSAL_INTERNAL", port: 19092 };
const CONTROLLER_LISTENER = { name: "REHEARSAL_CONTROLLER", port: 19093 };

export interface BrokerPropsInput {
  readonly id: number;
  /** The broker's private address (its NLB target). */
  readonly address: string;
  /** Every broker of the cluster (all of them are KRaft voters). */
  readonly voters: readonly { readonly id: number; readonly address: string }[];
  /** The product's snippet for this broker (`broker_config` output value). */
  readonly snippet: string;
  /** Settings the rehearsal adds for the generated listener (its keystore, with SSL); none may repeat the snippet's. */
  readonly listenerSettings?: ReadonlyMap<string, string>;
  readonly logDir: string;
  /** Replication factor for Kafka's internal topics. */
  readonly replicationFactor: number;
}

/** Parses `key=value` lines (the subset of the Java properties format the snippet uses). */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || /^[#!]/.test(line)) {
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) {
      throw new Error(`broker config snippet line ${JSON.stringify(raw)} is not key=value`);
    }
    const key = line.slice(0, eq).trim();
    if (props.has(key)) {
      throw new Error(`broker config snippet sets ${key} twice`);
    }
    props.set(key, line.slice(eq + 1).trim());
  }
  return props;
}

export function brokerProperties(input: BrokerPropsInput): string {
  const internal = `${INTERNAL_LISTENER.name}://${input.address}:${INTERNAL_LISTENER.port}`;
  const controller = `${CONTROLLER_LISTENER.name}://${input.address}:${CONTROLLER_LISTENER.port}`;
  // The keys whose values are comma-separated listener lists the snippet's entries are added to.
  const lists: Record<string, string[]> = {
    listeners: [internal, controller],
    "advertised.listeners": [internal],
    "listener.security.protocol.map": [`${INTERNAL_LISTENER.name}:PLAINTEXT`, `${CONTROLLER_LISTENER.name}:PLAINTEXT`],
  };
  const snippet = parseProperties(input.snippet);
  for (const key in lists) {
    if (!snippet.get(key)) {
      throw new Error(`broker ${input.id}: the generated broker config has no ${key}`);
    }
  }
  // Each generated listener is `NAME://host:port`.
  for (const entry of snippet.get("listeners")!.split(",")) {
    const [name, address = ""] = entry.trim().split("://");
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    for (const own of [INTERNAL_LISTENER, CONTROLLER_LISTENER]) {
      if (name === own.name || port === own.port) {
        throw new Error(`broker ${input.id}: the generated listener ${name} (port ${port}) clashes with the rehearsal's own ${own.name} (port ${own.port})`);
      }
    }
  }

  const rf = String(input.replicationFactor);
  const base = new Map(
    Object.entries({
      "process.roles": "broker,controller",
      "node.id": String(input.id),
      "controller.quorum.voters": input.voters.map((v) => `${v.id}@${v.address}:${CONTROLLER_LISTENER.port}`).join(","),
      "controller.listener.names": CONTROLLER_LISTENER.name,
      "inter.broker.listener.name": INTERNAL_LISTENER.name,
      "log.dirs": input.logDir,
      // Small and fast: a handful of partitions, no rebalance delay, few threads.
      "offsets.topic.replication.factor": rf,
      "offsets.topic.num.partitions": "3",
      "transaction.state.log.replication.factor": rf,
      "transaction.state.log.min.isr": "1",
      "group.initial.rebalance.delay.ms": "0",
      "num.network.threads": "2",
      "num.io.threads": "2",
      "background.threads": "2",
      "num.recovery.threads.per.data.dir": "1",
      "log.segment.bytes": String(16 * 1024 * 1024),
    }),
  );

  for (const [key, value] of snippet) {
    // Own keys only: `in` would take a setting named `constructor` or `toString` for a list.
    if (Object.hasOwn(lists, key)) {
      lists[key].push(value);
    } else if (base.has(key)) {
      throw new Error(`broker ${input.id}: the generated broker config sets ${key}, which the rehearsal's KRaft setup owns`);
    } else {
      base.set(key, value);
    }
  }
  for (const [key, value] of input.listenerSettings ?? []) {
    if (snippet.has(key) || base.has(key)) {
      throw new Error(`broker ${input.id}: the rehearsal's listener setting ${key} would override the generated or KRaft configuration`);
    }
    base.set(key, value);
  }
  const lines = [...base, ...Object.entries(lists).map(([key, values]) => [key, values.join(",")])];
  return `${lines.map(([key, value]) => `${key}=${value}`).join("\n")}\n`;
}
