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

/**
 * A new EC P-256 key (unencrypted) in `<base>.key` and its certificate for `subject` in
 * `<base>.pem`, valid two days: self-signed, unless `more` names a CA (`-CA`, `-CAkey`) to sign it.
 */
function newCertificate(base: string, subject: string, more: string[] = []): void {
  const key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout", `${base}.key`];
  openssl(["req", "-x509", ...key, "-out", `${base}.pem`, "-days", "2", "-subj", subject, ...more]);
}

function openssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
}

export function createCertificateAuthority(dir: string): CertificateAuthority {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, "ca");
  newCertificate(base, "/CN=kafka-privatelink rehearsal CA");
  return { certFile: `${base}.pem`, keyFile: `${base}.key`, dir };
}

/** A PKCS12 keystore for broker `id` whose certificate's only SAN is `hostname`. */
export function brokerKeystore(ca: CertificateAuthority, id: number, hostname: string): string {
  const base = path.join(ca.dir, `broker-${id}-${hostname}`);
  // -addext's basicConstraints takes the place of the CA:true that openssl's default x509 extensions set.
  const extensions = [`subjectAltName=DNS:${hostname}`, "extendedKeyUsage=serverAuth", "basicConstraints=CA:FALSE"];
  newCertificate(base, `/CN=broker ${id}`, ["-CA", ca.certFile, "-CAkey", ca.keyFile, ...extensions.flatMap((ext) => ["-addext", ext])]);
  const keystore = `${base}.p12`;
  const files = ["-in", `${base}.pem`, "-inkey", `${base}.key`, "-certfile", ca.certFile, "-out", keystore];
  openssl(["pkcs12", "-export", ...files, "-name", "broker", "-passout", `pass:${KEYSTORE_PASSWORD}`]);
  return keystore;
}
