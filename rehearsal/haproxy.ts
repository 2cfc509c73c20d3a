/**
 * HAProxy (TCP mode) standing in for the NLB: one frontend per load balancer listener, whose
 * backend holds exactly that listener's targets. It takes a plain description of the listeners
 * and knows nothing about where it came from (the deployed NLB read back through the AWS API, see
 * deployed.ts, or the synthesized Terraform, see `listenersFromStack` in rehearsal.ts), so a wrong
 * listener → target mapping in the source sends clients to the wrong broker here too.
 */

/** One load balancer listener: its port and the targets it forwards to. */
export interface LoadBalancerListener {
  readonly port: number;
  readonly targets: readonly { readonly address: string; readonly port: number }[];
  /** Where the listener was read from (a resource address, an ARN), for messages. */
  readonly source: string;
}

/**
 * How many times HAProxy's log says a server at `address` (any port, any backend) went `state`,
 * e.g. "[WARNING]  (1) : Server listener3/10.0.3.13:9094 is DOWN, reason: ...".
 */
export function stateChanges(log: string, address: string, state: "UP" | "DOWN"): number {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return log.match(new RegExp(`Server [^/\\s]+/${escaped}:\\d+ is ${state}\\b`, "g"))?.length ?? 0;
}

export function haproxyConfig(listeners: readonly LoadBalancerListener[], bindAddress: string): string {
  const sections = listeners.map((listener, index) => {
    if (listeners.findIndex((l) => l.port === listener.port) < index) {
      throw new Error(`two listeners use port ${listener.port} (second: ${listener.source})`);
    }
    if (listener.targets.length === 0) {
      throw new Error(`${listener.source} (port ${listener.port}) forwards to no target`);
    }
    const name = `listener${index}`;
    return [
      `# ${listener.source}`,
      `frontend ${name}`,
      `  bind ${bindAddress}:${listener.port}`,
      `  default_backend ${name}`,
      `backend ${name}`,
      "  balance roundrobin",
      // Each server is named after its address and port, which HAProxy's state-change lines then name.
      ...listener.targets.map(({ address, port }) => `  server ${address}:${port} ${address}:${port}`),
    ].join("\n");
  });
  return [
    "global",
    "  maxconn 1024",
    "defaults",
    "  mode tcp",
    "  timeout connect 3s",
    // Longer than Kafka clients' connections.max.idle.ms (9 min), like the product's NLB idle timeout.
    "  timeout client 10m",
    "  timeout server 10m",
    // NLB target groups health-check every target over TCP on the traffic port; faster here so a
    // stopped broker leaves the bootstrap group within a second.
    "  default-server check inter 500ms fall 2 rise 1",
    ...sections,
    "",
  ].join("\n");
}
