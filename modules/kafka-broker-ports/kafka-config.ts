/**
 * The Kafka settings that must agree with the port plan: what each broker advertises and what a
 * client bootstraps from. Generated from the same allocation as the NLB listeners, so the
 * advertised port and the listener port cannot drift apart.
 */

export const SECURITY_PROTOCOLS = ["SSL", "SASL_SSL", "PLAINTEXT", "SASL_PLAINTEXT"] as const;
export const DEFAULT_SECURITY_PROTOCOL = "SSL";
export const DEFAULT_LISTENER_NAME = "PRIVATELINK";

export interface BrokerListenerProps {
  /** The Kafka listener dedicated to PrivateLink traffic, e.g. PRIVATELINK. */
  readonly listenerName: string;
  /** SSL, SASL_SSL, PLAINTEXT or SASL_PLAINTEXT. */
  readonly securityProtocol: string;
  /** The port the broker listens on; the NLB's target port. */
  readonly bindPort: number;
  readonly advertisedHostname: string;
  /** The broker's own NLB listener port. */
  readonly advertisedPort: number;
}

/**
 * The broker's PrivateLink listener as `server.properties` lines. Each value is the entry for the
 * PrivateLink listener only: add it to the broker's existing `listeners`,
 * `advertised.listeners` and `listener.security.protocol.map` lists.
 */
export function brokerListenerConfig(p: BrokerListenerProps): string {
  return [
    `listeners=${p.listenerName}://0.0.0.0:${p.bindPort}`,
    `advertised.listeners=${p.listenerName}://${p.advertisedHostname}:${p.advertisedPort}`,
    `listener.security.protocol.map=${p.listenerName}:${p.securityProtocol}`,
  ].join("\n");
}

/**
 * A client's idle-connection limit: 90% of the NLB idle timeout, so the client closes an idle
 * connection before the NLB silently drops it (Kafka's default, 540 s, is the cap).
 */
export function clientIdleMs(tcpIdleTimeoutSeconds: number): number {
  return Math.min(540_000, Math.floor(tcpIdleTimeoutSeconds * 0.9) * 1000);
}

export interface ClientConfigProps {
  readonly advertisedHostname: string;
  readonly bootstrapPort: number;
  readonly securityProtocol: string;
  readonly tcpIdleTimeoutSeconds: number;
}

/** Client `.properties` lines for connecting through the interface endpoint. */
export function clientConfig(p: ClientConfigProps): string {
  return [
    `bootstrap.servers=${p.advertisedHostname}:${p.bootstrapPort}`,
    `security.protocol=${p.securityProtocol}`,
    `connections.max.idle.ms=${clientIdleMs(p.tcpIdleTimeoutSeconds)}`,
  ].join("\n");
}
