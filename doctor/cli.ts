/**
 * `npm run doctor -- --config FILE [--bootstrap HOST:PORT] [--client-properties FILE] [--deadline SECONDS] [--json]`
 * Exit status: 0 every check passed; 1 a check failed; 2 bad command line, configuration or
 * client properties (nothing was checked).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/load";
import { ConfigError } from "../config/validate";
import { DEFAULT_TIMEOUTS, doctorTarget, runDoctor } from "./doctor";
import { ClientPropertiesError, clientSettings, MAX_PROPERTIES_BYTES, MAX_TRUSTSTORE_BYTES, readClientProperties } from "./properties";
import { formatJson, formatText } from "./report";
import { isEntry } from "../job/is-entry";

const MAX_DEADLINE_SECONDS = 3600;
const MIB = 1024 * 1024;

const USAGE = `Usage: npm run doctor -- --config FILE [--bootstrap HOST:PORT] [--client-properties FILE] [--deadline SECONDS] [--json]

  --config FILE              the cluster's configuration (what npm run synth was given)
  --bootstrap HOST:PORT      connect to HOST:PORT instead of the advertised hostname's bootstrap
                             port, and to HOST:<broker port> for each broker (a tunnel); the checks
                             still expect the advertised hostname in metadata and certificates
  --client-properties FILE   a Kafka client .properties file: security.protocol,
                             ssl.truststore.location/.type (PEM; JKS/PKCS12 through keytool),
                             sasl.mechanism, sasl.jaas.config, connections.max.idle.ms
                             (default: the cluster's listener protocol, the system's CAs);
                             special files are refused, and files over ${MAX_PROPERTIES_BYTES / MIB} MiB (${MAX_TRUSTSTORE_BYTES / MIB} MiB a truststore)
  --deadline SECONDS         end the whole run after this long, failing what is not checked by
                             then (default ${DEFAULT_TIMEOUTS.runMs / 1000}); each single wait is bounded as well: ${DEFAULT_TIMEOUTS.dnsMs / 1000} s a
                             lookup, connect or TLS handshake, ${DEFAULT_TIMEOUTS.requestMs / 1000} s a request, ${DEFAULT_TIMEOUTS.checkMs / 1000} s one check
  --json                     print the results as JSON`;

/** `npm run doctor` runs from the package folder; paths are relative to where the user typed them. */
const USER_CWD = (process.env.npm_lifecycle_event === "doctor" && process.env.INIT_CWD) || process.cwd();

class UsageError extends Error {}

/** `--deadline`: whole seconds, from 1 to MAX_DEADLINE_SECONDS. */
function parseDeadline(value: string): number {
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_DEADLINE_SECONDS)) {
    throw new UsageError(`--deadline: ${JSON.stringify(value)} must be a whole number of seconds from 1 to ${MAX_DEADLINE_SECONDS}`);
  }
  return seconds;
}

/** `host:port` or `[ipv6]:port`. */
export function parseHostPort(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(value);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`--bootstrap: ${JSON.stringify(value)} must be HOST:PORT with a port from 1 to 65535, such as 127.0.0.1:9091`);
  }
  return { host: match[1] ?? match[2], port };
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        bootstrap: { type: "string" },
        "client-properties": { type: "string" },
        deadline: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.config) {
      throw new UsageError("--config FILE is required");
    }
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let report;
  try {
    const via = values.bootstrap === undefined ? undefined : parseHostPort(values.bootstrap);
    const runMs = values.deadline === undefined ? DEFAULT_TIMEOUTS.runMs : parseDeadline(values.deadline) * 1000;
    const target = doctorTarget(loadConfig(path.resolve(USER_CWD, values.config)));
    const properties = values["client-properties"];
    const settings = properties
      ? readClientProperties(path.resolve(USER_CWD, properties), target.listenerSecurityProtocol, USER_CWD)
      : clientSettings(new Map(), { source: "(no --client-properties)", baseDir: USER_CWD, defaultProtocol: target.listenerSecurityProtocol });
    // Never throws for what it finds: an error here is none of the refusals below.
    report = await runDoctor(target, settings, { via, timeouts: { runMs } });
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof ClientPropertiesError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  process.stdout.write(values.json ? formatJson(report) : formatText(report));
  return report.ok ? 0 : 1;
}

if (isEntry(__filename)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
