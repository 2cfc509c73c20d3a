/**
 * A Kafka client's `.properties` file, read the way Kafka reads it (java.util.Properties), and
 * the few settings the doctor needs from it: the security protocol, the CA to verify brokers
 * with, the SASL mechanism and credentials, and the idle-connection limit.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { readRegularFile } from "../config/regular-file";

const CLIENT_PROTOCOLS = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] as const;
type ClientProtocol = (typeof CLIENT_PROTOCOLS)[number];
const SCRAM_LOGIN_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule";
/** The SASL mechanisms the doctor can authenticate with, and the login module that serves each. */
const LOGIN_MODULES = {
  PLAIN: "org.apache.kafka.common.security.plain.PlainLoginModule",
  "SCRAM-SHA-256": SCRAM_LOGIN_MODULE,
  "SCRAM-SHA-512": SCRAM_LOGIN_MODULE,
} as const;
type SaslMechanism = keyof typeof LOGIN_MODULES;
const SASL_MECHANISMS = Object.keys(LOGIN_MODULES) as SaslMechanism[];
/** Kafka's own default for `connections.max.idle.ms` (9 minutes). */
const KAFKA_DEFAULT_IDLE_MS = 540_000;
/** A client .properties file is a few hundred bytes. */
export const MAX_PROPERTIES_BYTES = 1024 * 1024;
/** A truststore holds a few CAs; the JDK's whole cacerts, or every public CA as PEM, is about 200 KB. */
export const MAX_TRUSTSTORE_BYTES = 4 * 1024 * 1024;
/** The environment variable keytool reads the truststore password from (`-storepass:env`). */
const STOREPASS_VARIABLE = "KAFKA_PRIVATELINK_DOCTOR_STOREPASS";

/** A setting the doctor cannot use; the message names the file, key, value and rule. */
export class ClientPropertiesError extends Error {
  constructor(source: string, key: string, value: string | undefined, rule: string) {
    super(`${source}: ${key}: ${value === undefined ? "(missing)" : JSON.stringify(value)} ${rule}`);
    this.name = "ClientPropertiesError";
  }
}

/** What the doctor (and the rehearsal's client) connect with; plain data, so it can cross a process boundary. */
export interface ClientSettings {
  readonly securityProtocol: ClientProtocol;
  /** PEM CA certificates to verify brokers with; absent: the system's CAs (as a Java client uses the JVM's). */
  readonly ca?: string;
  /** Where the CA came from, for messages. */
  readonly caSource: string;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  readonly idleMs: number;
  /** Where `idleMs` came from, for messages. */
  readonly idleSource: string;
}

export function isTls(settings: Pick<ClientSettings, "securityProtocol">): boolean {
  return settings.securityProtocol === "SSL" || settings.securityProtocol === "SASL_SSL";
}

const ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", f: "\f" };

function unescape(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => (c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (ESCAPES[c] ?? c)));
}

/**
 * java.util.Properties' text format: `#`/`!` comments, `key=value`, `key: value` or `key value`,
 * a line ending in an odd number of backslashes continues on the next (a comment line does not),
 * backslash escapes. A key set twice keeps its last value, as in Java.
 */
export function parseJavaProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  const set = (line: string) => {
    // The key ends at the first unescaped '=', ':' or whitespace.
    const [, key, value] = /^((?:\\.|[^\\=:\s])*)\s*[=:]?\s*(.*)$/s.exec(line)!;
    props.set(unescape(key), unescape(value));
  };
  let pending: string | undefined;
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = (pending ?? "") + raw.replace(/^[ \t\f]+/, "");
    if (pending === undefined && /^([#!]|$)/.test(line)) continue;
    pending = /(?<!\\)(\\\\)*\\$/.test(line) ? line.slice(0, -1) : undefined;
    if (pending === undefined) set(line);
  }
  if (pending) set(pending);
  return props;
}

/** `sasl.jaas.config`: `<LoginModule> required username="..." password="...";` */
export function parseJaasConfig(value: string): { loginModule: string; options: Map<string, string> } | undefined {
  const head = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b([\s\S]*?);?\s*$/.exec(value);
  if (!head) {
    return undefined;
  }
  const options = new Map<string, string>();
  const option = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
  for (const m of head[3].matchAll(option)) {
    options.set(m[1], m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]);
  }
  return { loginModule: head[1], options };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/**
 * A JKS or PKCS12 truststore as PEM, through the JDK's keytool (what `keytool -list -rfc` prints
 * is every trusted certificate in PEM): the doctor's TLS stack (Node's) reads PEM only. keytool
 * reads a private copy of the bytes already checked (never the path again, which could have become
 * a named pipe since), and the password from its environment: a command line is readable by every
 * local user (`ps`, /proc/PID/cmdline), a process's environment only by its owner.
 */
function keystoreCertificates(source: string, file: string, bytes: Buffer, type: string, password: string | undefined): string[] {
  const conversion = `convert it once with \`keytool -list -rfc -keystore ${file} -storetype ${type} > ca.pem\` (it asks for the password) and set ssl.truststore.type=PEM, ssl.truststore.location=ca.pem`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-privatelink-doctor-"));
  const copy = path.join(dir, "truststore");
  let run;
  try {
    fs.writeFileSync(copy, bytes, { mode: 0o600 });
    run = spawnSync(
      "keytool",
      ["-list", "-rfc", "-keystore", copy, "-storetype", type, ...(password === undefined ? [] : ["-storepass:env", STOREPASS_VARIABLE])],
      {
        encoding: "utf8",
        timeout: 20_000,
        // Without a password keytool asks for one: an empty answer lists the certificates unverified.
        ...(password === undefined ? { input: "\n" } : { env: { ...process.env, [STOREPASS_VARIABLE]: password } }),
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (run.error || run.status !== 0) {
    const why =
      (run.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT"
        ? "keytool (from a JDK) is not installed"
        : (run.error?.message ?? (run.stdout + run.stderr).trim().split("\n").pop() ?? "").split(copy).join(file);
    throw new ClientPropertiesError(source, "ssl.truststore.location", file, `is a ${type} truststore the doctor could not read (${why}); ${conversion}`);
  }
  return pemCertificates(run.stdout);
}

function readTruststore(source: string, props: Map<string, string>, baseDir: string): { ca: string; caSource: string } | undefined {
  const inline = props.get("ssl.truststore.certificates");
  const location = props.get("ssl.truststore.location");
  const declared = props.get("ssl.truststore.type")?.toUpperCase();
  if (inline !== undefined) {
    const certs = pemCertificates(inline);
    if (certs.length === 0) {
      throw new ClientPropertiesError(source, "ssl.truststore.certificates", inline, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return { ca: certs.join("\n"), caSource: "ssl.truststore.certificates" };
  }
  if (location === undefined || location === "") {
    return undefined;
  }
  const file = path.resolve(baseDir, location);
  const read = readRegularFile(file, { maxBytes: MAX_TRUSTSTORE_BYTES, what: "a truststore", expected: "a PEM, JKS or PKCS12 truststore" });
  if ("refused" in read) {
    throw new ClientPropertiesError(source, "ssl.truststore.location", location, read.refused);
  }
  const text = read.bytes.toString("utf8");
  // Kafka's default truststore type is JKS; a PEM file is recognised by its content as well.
  const type = declared ?? (pemCertificates(text).length > 0 ? "PEM" : "JKS");
  if (!["PEM", "JKS", "PKCS12"].includes(type)) {
    throw new ClientPropertiesError(source, "ssl.truststore.type", declared, "must be PEM, JKS or PKCS12");
  }
  const password = props.get("ssl.truststore.password");
  const certs = type === "PEM" ? pemCertificates(text) : keystoreCertificates(source, file, read.bytes, type, password);
  if (certs.length === 0) {
    // keytool lists a PKCS12 store's certificates only with its password (they are encrypted); a JKS store's without.
    const hint =
      type !== "PEM" && password === undefined ? "; a PKCS12 truststore's certificates are read only with its password: set ssl.truststore.password" : "";
    throw new ClientPropertiesError(source, "ssl.truststore.location", location, `holds no certificate keytool could list (read as ${type})${hint}`);
  }
  return { ca: certs.join("\n"), caSource: `ssl.truststore.location ${location}` };
}

function readSasl(source: string, props: Map<string, string>): ClientSettings["sasl"] {
  const value = props.get("sasl.mechanism");
  const mechanism = SASL_MECHANISMS.find((m) => m === value);
  if (!mechanism) {
    throw new ClientPropertiesError(
      source,
      "sasl.mechanism",
      value,
      `must be one of ${SASL_MECHANISMS.join(", ")} for the doctor${value === undefined ? " (Kafka's default, GSSAPI, is not supported)" : ""}`,
    );
  }
  const jaas = props.get("sasl.jaas.config");
  const parsed = jaas === undefined ? undefined : parseJaasConfig(jaas);
  if (!parsed) {
    throw new ClientPropertiesError(source, "sasl.jaas.config", jaas, 'must be `<LoginModule> required username="..." password="...";`');
  }
  if (parsed.loginModule !== LOGIN_MODULES[mechanism]) {
    throw new ClientPropertiesError(
      source,
      "sasl.jaas.config",
      parsed.loginModule,
      `does not serve sasl.mechanism ${mechanism}; use ${LOGIN_MODULES[mechanism]}`,
    );
  }
  const username = parsed.options.get("username");
  const password = parsed.options.get("password");
  if (!username || password === undefined) {
    throw new ClientPropertiesError(source, "sasl.jaas.config", parsed.loginModule, "must set username and password");
  }
  return { mechanism, username, password };
}

/**
 * The doctor's client settings from a client's properties. `defaultProtocol` stands in for a
 * missing `security.protocol` (the doctor passes the cluster's listener protocol); relative paths
 * resolve against `baseDir`, as a Kafka client resolves them against its working directory.
 */
export function clientSettings(raw: Map<string, string>, options: { source: string; baseDir: string; defaultProtocol: string }): ClientSettings {
  const { source } = options;
  // Kafka's ConfigDef trims every value, and the protocol is read in any case (SecurityProtocol.forName).
  const props = new Map([...raw].map(([key, value]) => [key, value.trim()]));
  const protocol = props.get("security.protocol") ?? options.defaultProtocol;
  const securityProtocol = CLIENT_PROTOCOLS.find((p) => p === protocol.toUpperCase());
  if (!securityProtocol) {
    throw new ClientPropertiesError(source, "security.protocol", protocol, `must be one of ${CLIENT_PROTOCOLS.join(", ")}`);
  }
  const truststore = isTls({ securityProtocol }) ? readTruststore(source, props, options.baseDir) : undefined;
  const sasl = securityProtocol.startsWith("SASL_") ? readSasl(source, props) : undefined;
  const idle = props.get("connections.max.idle.ms");
  if (idle !== undefined && !/^-?\d+$/.test(idle)) {
    throw new ClientPropertiesError(
      source,
      "connections.max.idle.ms",
      idle,
      "must be a whole number of milliseconds (negative: never close an idle connection)",
    );
  }
  return {
    securityProtocol,
    ...(truststore ?? { caSource: "the system's CAs (no ssl.truststore.location)" }),
    ...(sasl ? { sasl } : {}),
    idleMs: idle === undefined ? KAFKA_DEFAULT_IDLE_MS : Number(idle),
    idleSource: idle === undefined ? "Kafka's default" : `connections.max.idle.ms in ${source}`,
  };
}

/**
 * Reads and interprets a client properties file (a regular file of at most MAX_PROPERTIES_BYTES);
 * relative paths in it resolve against `baseDir`.
 */
export function readClientProperties(file: string, defaultProtocol: string, baseDir = process.cwd()): ClientSettings {
  const read = readRegularFile(file, { maxBytes: MAX_PROPERTIES_BYTES, what: "a client properties file", expected: "a Kafka client .properties file" });
  if ("refused" in read) {
    throw new ClientPropertiesError(file, "(file)", file, read.refused);
  }
  return clientSettings(parseJavaProperties(read.bytes.toString("utf8")), { source: file, baseDir, defaultProtocol });
}
