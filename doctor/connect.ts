/**
 * How the doctor's Kafka clients (kafkajs) connect: with the client's security settings, and
 * optionally pinned to one address (the bootstrap, through a tunnel given with --bootstrap, or one
 * broker port): every connection goes there, whatever address it names, while TLS still verifies
 * the advertised hostname.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { logLevel, type KafkaConfig, type RetryOptions, type SASLOptions } from "kafkajs";
import { isTls, type ClientSettings } from "./properties";

/** Few, short retries: a wrong mapping must show in seconds, not after kafkajs' default 30 s of backoff. */
const RETRY: RetryOptions = { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 };

/**
 * A kafkajs configuration for `settings`, bootstrapping from `seed`. With `pin`, every connection
 * goes to `pin.host:pin.port` and TLS verifies `pin.servername` (SNI and hostname verification use
 * the name the cluster advertised, never where a tunnel ends); without, kafkajs connects where the
 * cluster says.
 */
export function kafkaConfig(
  settings: ClientSettings,
  seed: string,
  options: {
    clientId: string;
    pin?: { host: string; port: number; servername: string };
    timeouts: { connectionMs: number; requestMs: number };
    retry?: RetryOptions;
  },
): KafkaConfig {
  const { pin } = options;
  return {
    clientId: options.clientId,
    brokers: [seed],
    // Without a CA of its own (undefined), Node verifies against the system's.
    ssl: isTls(settings) ? { ca: settings.ca } : undefined,
    // kafkajs names the mechanisms in lower case.
    sasl: settings.sasl && ({ ...settings.sasl, mechanism: settings.sasl.mechanism.toLowerCase() } as SASLOptions),
    // kafkajs' own socket factory, but to the pinned address.
    socketFactory:
      pin &&
      (({ ssl, onConnect }) => {
        const socket = ssl ? tls.connect({ ...ssl, ...pin }, onConnect) : net.connect(pin, onConnect);
        socket.setKeepAlive(true, 60_000);
        return socket;
      }),
    connectionTimeout: options.timeouts.connectionMs,
    authenticationTimeout: options.timeouts.connectionMs,
    requestTimeout: options.timeouts.requestMs,
    retry: options.retry ?? RETRY,
    logLevel: logLevel.NOTHING,
  };
}
