/**
 * The rehearsal's throwaway TLS material, made with openssl: a CA that exists for one run, and
 * per broker a PKCS12 keystore whose certificate the CA signed for a given hostname (the
 * advertised hostname, or another one for the wrong-certificate case). EC P-256 keys: generated
 * in milliseconds.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

/** The keystores' password: the keystores live in the run's temporary folder and die with it. */
export const KEYSTORE_PASSWORD = "rehearsal";

export interface CertificateAuthority {
  /** The CA certificate (PEM): what clients trust. */
  readonly certFile: string;
  readonly keyFile: string;
  readonly dir: string;
}

/** A new EC P-256 key, unencrypted, written to the file that follows. */
const NEW_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout"];

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
}

export function createCertificateAuthority(dir: string): CertificateAuthority {
  fs.mkdirSync(dir, { recursive: true });
  const certFile = path.join(dir, "ca.pem");
  const keyFile = path.join(dir, "ca.key");
  openssl(["req", "-x509", ...NEW_KEY, keyFile, "-out", certFile, "-days", "2", "-subj", "/CN=kafka-privatelink rehearsal CA"]);
  return { certFile, keyFile, dir };
}

/** A PKCS12 keystore for broker `id` whose certificate's only SAN is `hostname`. */
export function brokerKeystore(ca: CertificateAuthority, id: number, hostname: string): string {
  const base = path.join(ca.dir, `broker-${id}-${hostname}`);
  const ext = `${base}.ext`;
  fs.writeFileSync(ext, `subjectAltName=DNS:${hostname}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl(["req", ...NEW_KEY, `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=broker ${id}`]);
  openssl([
    "x509",
    "-req",
    "-in",
    `${base}.csr`,
    "-CA",
    ca.certFile,
    "-CAkey",
    ca.keyFile,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    ext,
    "-out",
    `${base}.pem`,
  ]);
  const keystore = `${base}.p12`;
  openssl([
    "pkcs12",
    "-export",
    "-in",
    `${base}.pem`,
    "-inkey",
    `${base}.key`,
    "-certfile",
    ca.certFile,
    "-name",
    "broker",
    "-out",
    keystore,
    "-passout",
    `pass:${KEYSTORE_PASSWORD}`,
  ]);
  return keystore;
}

/** The broker settings that give listener `listenerName` (the generated SSL listener) its keystore. */
export function listenerKeystoreSettings(listenerName: string, keystore: string): Map<string, string> {
  const prefix = `listener.name.${listenerName.toLowerCase()}.ssl`;
  return new Map([
    [`${prefix}.keystore.type`, "PKCS12"],
    [`${prefix}.keystore.location`, keystore],
    [`${prefix}.keystore.password`, KEYSTORE_PASSWORD],
  ]);
}
