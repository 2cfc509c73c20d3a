/**
 * How the doctor's Kafka clients (kafkajs) connect: with the client's security settings, and
 * through a route that can send every connection somewhere other than the address it names
 * (a tunnel given with --bootstrap, or one broker port to pin a client to), while TLS still
 * verifies the advertised hostname.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { logLevel, type ISocketFactory, type KafkaConfig, type RetryOptions, type SASLOptions } from "kafkajs";
import type { ClientSettings } from "./properties";

/**
 * Where a connection to `host:port` (an address the cluster advertises) actually goes, and the TLS
 * server name to verify there (default: `host`, unless it is an IP address).
 */
export type Route = (host: string, port: number) => { readonly host: string; readonly port: number; readonly servername?: string };

/** Connect where the cluster says. */
const DIRECT: Route = (host, port) => ({ host, port });

/** Few, short retries: a wrong mapping must show in seconds, not after kafkajs' default 30 s of backoff. */
const RETRY: RetryOptions = { retries: 2, initialRetryTime: 200, maxRetryTime: 1_000 };

export function isTls(settings: ClientSettings): boolean {
  return settings.securityProtocol === "SSL" || settings.securityProtocol === "SASL_SSL";
}

/** TLS options that verify the chain against the client's CA and the certificate against `servername`. */
export function tlsOptions(settings: ClientSettings): tls.ConnectionOptions {
  return settings.ca === undefined ? {} : { ca: settings.ca };
}

function socketFactory(route: Route): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const to = route(host, port);
    // SNI and hostname verification use a name (by default the one the cluster advertised), never
    // where a tunnel ends.
    const servername = to.servername ?? (net.isIP(host) ? undefined : host);
    const socket = ssl
      ? tls.connect({ ...ssl, host: to.host, port: to.port, ...(servername === undefined ? {} : { servername }) }, onConnect)
      : net.connect({ host: to.host, port: to.port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}

/** A kafkajs configuration for `settings`, bootstrapping from `seed`, every connection through `route`. */
export function kafkaConfig(
  settings: ClientSettings,
  seed: string,
  options: { clientId: string; route?: Route; timeouts: { connectionMs: number; requestMs: number }; retry?: RetryOptions },
): KafkaConfig {
  return {
    clientId: options.clientId,
    brokers: [seed],
    ssl: isTls(settings) ? tlsOptions(settings) : undefined,
    // kafkajs names the mechanisms in lower case.
    sasl: settings.sasl && ({ ...settings.sasl, mechanism: settings.sasl.mechanism.toLowerCase() } as SASLOptions),
    socketFactory: socketFactory(options.route ?? DIRECT),
    connectionTimeout: options.timeouts.connectionMs,
    authenticationTimeout: options.timeouts.connectionMs,
    requestTimeout: options.timeouts.requestMs,
    retry: options.retry ?? RETRY,
    logLevel: logLevel.NOTHING,
  };
}
