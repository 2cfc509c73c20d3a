/**
 * `npm run doctor` as a user runs it (a whole process), and reading a JKS truststore through the
 * JDK's keytool. ≈ 3 s. The doctor against real Kafka runs in the rehearsal (rehearsal.test.ts).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { readClientProperties } from "../../doctor/properties";
import { createCertificateAuthority } from "../../rehearsal/tls";
import { itNeeds } from "../support/requirements";

const REPO = path.resolve(__dirname, "..", "..");

function doctor(args: string[]) {
  const started = Date.now();
  const run = spawnSync("npm", ["run", "-s", "doctor", "--", ...args], { cwd: REPO, encoding: "utf8", timeout: 60_000 });
  return { ...run, ms: Date.now() - started };
}

/**
 * The doctor as `npm run doctor` starts it (package.json: node job/launch.js doctor/cli.ts), killed
 * after `timeoutMs` rather than hanging the suite, and in 2 GB of address space, so that a reader
 * without a size cap dies at once instead of taking the machine's memory.
 */
function boundedDoctor(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const started = Date.now();
  const run = spawnSync(
    "sh",
    ["-c", 'ulimit -v 2000000 && exec "$@"', "sh", process.execPath, path.join(REPO, "job", "launch.js"), path.join(REPO, "doctor", "cli.ts"), ...args],
    {
      cwd: REPO,
      encoding: "utf8",
      timeout: options.timeoutMs ?? 15_000,
      killSignal: "SIGKILL",
      env: options.env ?? process.env,
    },
  );
  return { ...run, ms: Date.now() - started };
}

/** The same, without blocking this process: for tests that serve the doctor from here. */
function doctorAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, "job", "launch.js"), path.join(REPO, "doctor", "cli.ts"), ...args], { cwd: REPO });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe("npm run doctor", () => {
  it("exits non-zero within 30 s with a one-line reason when the bootstrap does not answer", () => {
    const run = doctor(["--config", "examples/orders.yaml", "--bootstrap", "127.0.0.1:1"]);
    expect(run.status).toBe(1);
    expect(run.ms).toBeLessThan(30_000);
    const lines = run.stdout.trim().split("\n");
    expect(lines.filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL  bootstrap orders.kafka.example.internal:9091 (via 127.0.0.1:1) does not answer: connect ECONNREFUSED 127.0.0.1:1",
    ]);
    expect(lines[lines.length - 1]).toMatch(/^doctor: FAILED/);
  });

  it("prints machine-readable results with --json", () => {
    const run = doctor(["--config", "examples/orders.yaml", "--bootstrap", "127.0.0.1:1", "--json"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({
      ok: false,
      summary: { failed: 1 },
      checks: expect.arrayContaining([expect.objectContaining({ check: "bootstrap", status: "fail", port: 9091 })]),
    });
  });

  it("refuses a bad command line or client properties before connecting anywhere (exit 2)", () => {
    expect(doctor(["--bootstrap", "127.0.0.1:1"])).toMatchObject({ status: 2, stderr: expect.stringContaining("--config FILE is required") });
    expect(doctor(["--config", "examples/orders.yaml", "--bootstrap", "nowhere"])).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--bootstrap: "nowhere" must be HOST:PORT'),
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-cli-"));
    try {
      fs.writeFileSync(path.join(dir, "client.properties"), "security.protocol=SASL_SSL\n");
      const run = doctor(["--config", "examples/orders.yaml", "--client-properties", path.join(dir, "client.properties"), "--bootstrap", "127.0.0.1:1"]);
      expect(run).toMatchObject({ status: 2, stdout: "" });
      expect(run.stderr).toContain("sasl.mechanism: (missing) must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run doctor on hostile input", () => {
  let dir: string;
  beforeAll(() => {
    // Builds the launcher's bundle once, so that the time limits below are the doctor's own.
    expect(boundedDoctor(["--help"], { timeoutMs: 60_000 }).status).toBe(0);
  }, 60_000);
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-hostile-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("refuses a named pipe or a device as --client-properties or ssl.truststore.location at once, naming the key, the value and the rule (exit 2)", () => {
    const fifo = path.join(dir, "pipe");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const props = path.join(dir, "client.properties");
    const refused = (args: string[]) => {
      const run = boundedDoctor(["--config", "examples/orders.yaml", "--bootstrap", "127.0.0.1:1", ...args]);
      expect({ signal: run.signal, status: run.status, stdout: run.stdout }).toEqual({ signal: null, status: 2, stdout: "" });
      expect(run.ms).toBeLessThan(10_000);
      return run.stderr.trim();
    };
    expect(refused(["--client-properties", fifo])).toBe(
      `${fifo}: (file): ${JSON.stringify(fifo)} is not a regular file (a named pipe); give the path of a Kafka client .properties file`,
    );
    fs.writeFileSync(props, `security.protocol=SSL\nssl.truststore.location=${fifo}\n`);
    expect(refused(["--client-properties", props])).toBe(
      `${props}: ssl.truststore.location: ${JSON.stringify(fifo)} is not a regular file (a named pipe); give the path of a PEM, JKS or PKCS12 truststore`,
    );
    fs.writeFileSync(props, "security.protocol=SSL\nssl.truststore.location=/dev/zero\n");
    expect(refused(["--client-properties", props])).toBe(
      `${props}: ssl.truststore.location: "/dev/zero" is not a regular file (a device); give the path of a PEM, JKS or PKCS12 truststore`,
    );
  }, 60_000);

  it("refuses a truststore or client properties file over its size cap, naming the cap", () => {
    const props = path.join(dir, "client.properties");
    const big = path.join(dir, "ca.pem");
    fs.writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1, "A"));
    fs.writeFileSync(props, `ssl.truststore.location=${big}\n`);
    const run = boundedDoctor(["--config", "examples/orders.yaml", "--bootstrap", "127.0.0.1:1", "--client-properties", props]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`${props}: ssl.truststore.location: ${JSON.stringify(big)} is 4194305 bytes; a truststore may be at most 4194304 bytes`);
    fs.writeFileSync(props, Buffer.alloc(1024 * 1024 + 1, "#"));
    expect(boundedDoctor(["--config", "examples/orders.yaml", "--client-properties", props]).stderr.trim()).toBe(
      `${props}: (file): ${JSON.stringify(props)} is 1048577 bytes; a client properties file may be at most 1048576 bytes`,
    );
  }, 60_000);

  it("never puts the truststore password on keytool's command line: it passes it in keytool's environment (-storepass:env)", () => {
    const password = "s3cret-storepass-7d41";
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // A keytool that records the command line any local user could read (/proc/<pid>/cmdline) and
    // its environment, then prints a certificate.
    fs.writeFileSync(
      path.join(bin, "keytool"),
      [
        "#!/bin/sh",
        `tr '\\0' '\\n' < /proc/$$/cmdline > ${JSON.stringify(path.join(dir, "cmdline"))}`,
        `env > ${JSON.stringify(path.join(dir, "env"))}`,
        "printf -- '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n'",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    fs.writeFileSync(path.join(dir, "truststore.jks"), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]));
    const props = path.join(dir, "client.properties");
    fs.writeFileSync(
      props,
      ["security.protocol=SSL", `ssl.truststore.location=${path.join(dir, "truststore.jks")}`, `ssl.truststore.password=${password}`].join("\n"),
    );
    const run = boundedDoctor(["--config", "examples/orders.yaml", "--bootstrap", "127.0.0.1:1", "--client-properties", props], {
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    const cmdline = fs.readFileSync(path.join(dir, "cmdline"), "utf8").split("\n");
    expect(cmdline.join(" ")).not.toContain(password);
    const at = cmdline.indexOf("-storepass:env");
    expect(at).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, "env"), "utf8").split("\n")).toContain(`${cmdline[at + 1]}=${password}`);
  }, 60_000);

  it("ends a run against a server that accepts connections and never answers by its overall deadline (--deadline), naming what was left unchecked", async () => {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const run = await doctorAsync(["--config", "examples/orders.yaml", "--bootstrap", `127.0.0.1:${port}`, "--deadline", "4"]);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(1);
      expect(run.ms).toBeLessThan(10_000);
      const lines = run.stdout.trim().split("\n");
      expect(lines).toContain(`PASS  bootstrap orders.kafka.example.internal:9091 (via 127.0.0.1:${port}) accepts connections`);
      expect(lines.filter((l) => l.startsWith("FAIL  the run"))).toEqual([
        expect.stringMatching(
          /^FAIL {2}the run did not finish within its deadline of 4 s \(--deadline\): still waiting for .+; what is not listed above was not checked$/,
        ),
      ]);
      expect(lines[lines.length - 1]).toMatch(/^doctor: FAILED/);
    } finally {
      sockets.forEach((s) => s.destroy());
      server.close();
    }
  }, 60_000);

  it("states the overall deadline in --help and refuses one that is not a whole number of seconds (exit 2)", () => {
    expect(boundedDoctor(["--help"]).stdout).toMatch(/--deadline SECONDS +[^-]*\(default 30\)/);
    const run = boundedDoctor(["--config", "examples/orders.yaml", "--deadline", "0.5"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--deadline: "0.5" must be a whole number of seconds from 1 to 3600');
  }, 30_000);
});

const keytool = spawnSync("keytool", ["-help"]).error ? "keytool (JDK) not found" : undefined;
const openssl = spawnSync("openssl", ["version"]).status === 0 ? undefined : "openssl not found";

itNeeds("keytool and openssl", keytool ?? openssl)(
  "reads a JKS truststore through keytool, as a Java client's ssl.truststore.location",
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-jks-"));
    try {
      const ca = createCertificateAuthority(dir);
      const jks = path.join(dir, "truststore.jks");
      const imported = spawnSync(
        "keytool",
        ["-importcert", "-noprompt", "-alias", "ca", "-file", ca.certFile, "-keystore", jks, "-storetype", "JKS", "-storepass", "changeit"],
        { encoding: "utf8" },
      );
      expect(imported.status).toBe(0);
      const props = path.join(dir, "client.properties");
      fs.writeFileSync(props, ["security.protocol=SSL", "ssl.truststore.location=truststore.jks", "ssl.truststore.password=changeit"].join("\n"));
      const settings = readClientProperties(props, "SSL", dir);
      const pem = fs.readFileSync(ca.certFile, "utf8").trim();
      expect(settings.ca?.replace(/\s/g, "")).toBe(pem.replace(/\s/g, ""));
      fs.writeFileSync(props, ["ssl.truststore.location=truststore.jks", "ssl.truststore.password=wrong"].join("\n"));
      expect(() => readClientProperties(props, "SSL", dir)).toThrow(
        /is a JKS truststore the doctor could not read \(.*\); convert it once with `keytool -list -rfc/,
      );
      // A PKCS12 store without its password: keytool lists nothing, and the doctor says what is missing.
      const p12 = path.join(dir, "truststore.p12");
      const args = ["-importcert", "-noprompt", "-alias", "ca", "-file", ca.certFile, "-keystore", p12, "-storetype", "PKCS12", "-storepass", "changeit"];
      expect(spawnSync("keytool", args, { encoding: "utf8" }).status).toBe(0);
      fs.writeFileSync(props, "ssl.truststore.location=truststore.p12\n");
      expect(() => readClientProperties(props, "SSL", dir)).toThrow(
        '"truststore.p12" holds no certificate keytool could list (read as JKS); a PKCS12 truststore\'s certificates are read only with its password: set ssl.truststore.password',
      );
      fs.writeFileSync(props, "ssl.truststore.location=truststore.p12\nssl.truststore.password=changeit\n");
      expect(readClientProperties(props, "SSL", dir).ca?.replace(/\s/g, "")).toBe(pem.replace(/\s/g, ""));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  30_000,
);
