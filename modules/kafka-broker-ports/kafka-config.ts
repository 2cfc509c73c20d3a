/** The Kafka settings the modules and the doctor share: the listener's security protocols and a client's idle limit. */

export const SECURITY_PROTOCOLS = ["SSL", "SASL_SSL", "PLAINTEXT", "SASL_PLAINTEXT"] as const;

/**
 * A client's idle-connection limit: 90% of the NLB idle timeout, so the client closes an idle
 * connection before the NLB silently drops it (Kafka's default, 540 s, is the cap). The consumer
 * module's `client_config` output computes the same in Terraform.
 */
export function clientIdleMs(tcpIdleTimeoutSeconds: number): number {
  return Math.min(540_000, Math.floor(tcpIdleTimeoutSeconds * 0.9) * 1000);
}
