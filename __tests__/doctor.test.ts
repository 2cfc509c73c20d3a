/**
 * The doctor's parsing and check logic (doctor/README.md), fast: client properties, the checks'
 * judgements on what a cluster shows, and the network steps against local stand-ins (a closed
 * port, TLS servers with certificates from a throwaway CA). Against real Kafka it runs in the
 * rehearsal (__tests__/integration/rehearsal.test.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as tls from "node:tls";
import { parseHostPort } from "../doctor/cli";
import { certificateCheck, clientChecks, doctorTarget, metadataChecks, runDoctor, type DoctorTarget } from "../doctor/doctor";
import { ClientPropertiesError, clientSettings, parseJaasConfig, parseJavaProperties, type ClientSettings } from "../doctor/properties";
import { formatJson, formatText } from "../doctor/report";
import { loadConfig, EXAMPLE_CONFIG } from "../config/load";
import { brokerKeystore, createCertificateAuthority, KEYSTORE_PASSWORD } from "../rehearsal/tls";
import { itNeeds } from "./support/requirements";

const TARGET: DoctorTarget = {
  hostname: "orders.kafka.example.internal",
  bootstrapPort: 9091,
  brokers: [
    { id: 1, port: 6001 },
    { id: 2, port: 6002 },
    { id: 3, port: 6003 },
  ],
  tcpIdleTimeoutSeconds: 600,
  listenerName: "PRIVATELINK",
  listenerSecurityProtocol: "SSL",
};

const settings = (text: string, defaultProtocol = "SSL", baseDir = os.tmpdir()): ClientSettings =>
  clientSettings(parseJavaProperties(text), { source: "client.properties", baseDir, defaultProtocol });

describe("client properties, read as Kafka reads them", () => {
  it("parses the java.util.Properties format: separators, comments, continuations, escapes, last value wins", () => {
    const props = parseJavaProperties(
      [
        "# comment",
        "  ! another",
        "security.protocol = SASL_SSL",
        "sasl.mechanism:PLAIN",
        "key\\ with\\ spaces value",
        "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\",
        '    username="alice" \\',
        '    password="s3cr\\\\et";',
        "unicode=\\u00e9t\\u00e9",
        "connections.max.idle.ms=1",
        "connections.max.idle.ms=2",
      ].join("\n"),
    );
    expect(props.get("security.protocol")).toBe("SASL_SSL");
    expect(props.get("sasl.mechanism")).toBe("PLAIN");
    expect(props.get("key with spaces")).toBe("value");
    expect(props.get("sasl.jaas.config")).toBe('org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cr\\et";');
    expect(props.get("unicode")).toBe("été");
    expect(props.get("connections.max.idle.ms")).toBe("2");
  });

  it("reads the JAAS login module and its options, quoted or not", () => {
    const jaas = parseJaasConfig('org.apache.kafka.common.security.scram.ScramLoginModule required username=bob password="p\\"w;d";');
    expect(jaas?.loginModule).toBe("org.apache.kafka.common.security.scram.ScramLoginModule");
    expect(Object.fromEntries(jaas!.options)).toEqual({ username: "bob", password: 'p"w;d' });
    expect(parseJaasConfig("not a jaas config")).toBeUndefined();
  });

  it("defaults to the cluster's listener protocol, the system's CAs and Kafka's idle limit", () => {
    expect(settings("")).toEqual({
      securityProtocol: "SSL",
      caSource: "the system's CAs (no ssl.truststore.location)",
      idleMs: 540_000,
      idleSource: "Kafka's default",
    });
  });

  it("reads SASL_SSL with PLAIN or SCRAM credentials and a PEM truststore, relative to the client's folder", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-props-"));
    try {
      const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
      fs.writeFileSync(path.join(dir, "ca.pem"), `Bag Attributes\n${pem}\n`);
      const scram = settings(
        [
          "security.protocol=SASL_SSL",
          "ssl.truststore.type=PEM",
          "ssl.truststore.location=ca.pem",
          "sasl.mechanism=SCRAM-SHA-512",
          'sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="pw";',
          "connections.max.idle.ms=300000",
        ].join("\n"),
        "SSL",
        dir,
      );
      expect(scram).toEqual({
        securityProtocol: "SASL_SSL",
        ca: pem,
        caSource: "ssl.truststore.location ca.pem",
        sasl: { mechanism: "SCRAM-SHA-512", username: "alice", password: "pw" },
        idleMs: 300_000,
        idleSource: "connections.max.idle.ms in client.properties",
      });
      // A PEM file is recognised without ssl.truststore.type; inline certificates work too.
      expect(settings("ssl.truststore.location=ca.pem", "SSL", dir).ca).toBe(pem);
      expect(settings(`ssl.truststore.certificates=${pem.replace(/\n/g, "\\n")}`).caSource).toBe("ssl.truststore.certificates");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses settings it cannot use, naming the key, the value and the rule", () => {
    const refused = (text: string) => {
      try {
        settings(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ClientPropertiesError);
        return (err as Error).message;
      }
      throw new Error(`accepted: ${text}`);
    };
    expect(refused("security.protocol=TLS")).toBe('client.properties: security.protocol: "TLS" must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL');
    expect(refused("security.protocol=SASL_SSL")).toBe(
      "client.properties: sasl.mechanism: (missing) must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 for the doctor (Kafka's default, GSSAPI, is not supported)",
    );
    expect(
      refused(
        'security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";',
      ),
    ).toBe(
      'client.properties: sasl.jaas.config: "org.apache.kafka.common.security.scram.ScramLoginModule" does not serve sasl.mechanism PLAIN; use org.apache.kafka.common.security.plain.PlainLoginModule',
    );
    expect(
      refused(
        'security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="a";',
      ),
    ).toContain("must set username and password");
    expect(refused("connections.max.idle.ms=9 minutes")).toBe(
      'client.properties: connections.max.idle.ms: "9 minutes" must be a whole number of milliseconds (negative: never close an idle connection)',
    );
    expect(refused("ssl.truststore.location=/nonexistent/ca.pem")).toMatch(
      /^client\.properties: ssl\.truststore\.location: "\/nonexistent\/ca\.pem" cannot be read: ENOENT/,
    );
    expect(refused("ssl.truststore.certificates=none")).toBe(
      'client.properties: ssl.truststore.certificates: "none" holds no PEM certificate (-----BEGIN CERTIFICATE-----)',
    );
    expect(refused("ssl.truststore.location=/etc/hostname\nssl.truststore.type=BCFKS")).toBe(
      'client.properties: ssl.truststore.type: "BCFKS" must be PEM, JKS or PKCS12',
    );
  });
});

describe("the doctor's checks", () => {
  it("expects what the configuration allocates", () => {
    const target = doctorTarget(loadConfig(EXAMPLE_CONFIG));
    expect(target).toEqual({ ...TARGET, brokers: TARGET.brokers });
  });

  it("passes a client whose protocol is the listener's and whose idle limit is below the NLB's", () => {
    expect(clientChecks(TARGET, settings("")).map((c) => c.status)).toEqual(["pass", "pass"]);
  });

  it("reads values as Kafka does: trimmed, the protocol in any case", () => {
    const read = settings("security.protocol = ssl \nconnections.max.idle.ms= 300000 \n", "PLAINTEXT");
    expect([read.securityProtocol, read.idleMs]).toEqual(["SSL", 300000]);
    expect(clientChecks(TARGET, read).map((c) => c.status)).toEqual(["pass", "pass"]);
  });

  it("fails a client that never closes an idle connection (a negative connections.max.idle.ms)", () => {
    const [, idle] = clientChecks(TARGET, settings("connections.max.idle.ms=-1"));
    expect(idle.status).toBe("fail");
    expect(idle.message).toMatch(
      /^client connections\.max\.idle\.ms -1 \(connections\.max\.idle\.ms in client\.properties; it never closes an idle connection\) is not below the NLB idle timeout \(600 s\)/,
    );
  });

  it("fails a client with another protocol, or an idle limit the NLB would cut first", () => {
    const [protocol, idle] = clientChecks({ ...TARGET, tcpIdleTimeoutSeconds: 300 }, settings("security.protocol=PLAINTEXT\nconnections.max.idle.ms=300000"));
    expect(protocol.message).toBe("client security.protocol is PLAINTEXT, but the PRIVATELINK listener expects SSL");
    expect(idle.message).toBe(
      "client connections.max.idle.ms 300000 (connections.max.idle.ms in client.properties) is not below the NLB idle timeout (300 s): the NLB drops idle connections without telling the client; set it to 270000",
    );
    expect([protocol.status, idle.status]).toEqual(["fail", "fail"]);
  });

  it("passes metadata that lists exactly the configured brokers at hostname:their-own-port", () => {
    const listed = TARGET.brokers.map((b) => ({ nodeId: b.id, host: TARGET.hostname, port: b.port }));
    const checks = metadataChecks(TARGET, listed);
    expect(checks.map((c) => `${c.status} ${c.message}`)).toEqual([
      "pass metadata lists brokers 1, 2, 3, as configured",
      "pass broker 1 advertises orders.kafka.example.internal:6001",
      "pass broker 2 advertises orders.kafka.example.internal:6002",
      "pass broker 3 advertises orders.kafka.example.internal:6003",
    ]);
  });

  it("names missing and unconfigured brokers and every advertised address that is not the allocated one", () => {
    const checks = metadataChecks(TARGET, [
      { nodeId: 1, host: TARGET.hostname, port: 6001 },
      { nodeId: 2, host: TARGET.hostname, port: 6003 },
      { nodeId: 7, host: "b7.internal", port: 9092 },
    ]);
    expect(checks).toEqual([
      expect.objectContaining({
        check: "metadata",
        status: "fail",
        message: "metadata lists brokers 1, 2, 7, expected brokers 1, 2, 3: broker 3 (port 6003) missing; broker 7 (b7.internal:9092) not in the configuration",
        brokers: [3, 7],
      }),
      expect.objectContaining({ check: "advertised", broker: 1, status: "pass" }),
      expect.objectContaining({
        check: "advertised",
        broker: 2,
        port: 6002,
        status: "fail",
        message:
          "broker 2 advertises orders.kafka.example.internal:6003, expected orders.kafka.example.internal:6002 (its NLB listener port): clients would connect to the wrong place after bootstrap",
        expected: "orders.kafka.example.internal:6002",
        seen: "orders.kafka.example.internal:6003",
      }),
      expect.objectContaining({ check: "advertised", broker: 3, status: "skip", message: "broker 3 advertises nothing: it is not in the metadata" }),
    ]);
  });

  it("names both a certificate chain that does not verify and SANs that miss the hostname", () => {
    const seen = { subject: "CN=broker 2", sans: "DNS:other.internal", chainError: "SELF_SIGNED_CERT_IN_CHAIN", nameError: "mismatch" };
    expect(certificateCheck("port 6002 (broker 2)", TARGET.hostname, "ssl.truststore.location ca.pem", seen).message).toBe(
      "port 6002 (broker 2): the certificate chain does not verify against ssl.truststore.location ca.pem: SELF_SIGNED_CERT_IN_CHAIN; the certificate's SANs (DNS:other.internal) do not cover orders.kafka.example.internal (subject CN=broker 2)",
    );
    expect(certificateCheck("port 6001 (broker 1)", TARGET.hostname, "ca", { subject: "CN=broker 1", sans: `DNS:${TARGET.hostname}` }).status).toBe("pass");
  });

  it("parses --bootstrap as HOST:PORT or [IPv6]:PORT", () => {
    expect(parseHostPort("127.0.0.1:19091")).toEqual({ host: "127.0.0.1", port: 19091 });
    expect(parseHostPort("[::1]:9091")).toEqual({ host: "::1", port: 9091 });
    expect(() => parseHostPort("localhost")).toThrow('--bootstrap: "localhost" must be HOST:PORT with a port from 1 to 65535, such as 127.0.0.1:9091');
    expect(() => parseHostPort("localhost:0")).toThrow("must be HOST:PORT");
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the doctor on the network (loopback stand-ins)", () => {
  it("stops with one reason, within its timeout, when the bootstrap does not answer", async () => {
    const port = await closedPort();
    const started = Date.now();
    const report = await runDoctor(TARGET, settings(""), { via: { host: "127.0.0.1", port } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.status === "fail").map((c) => c.message)).toEqual([
      `bootstrap orders.kafka.example.internal:9091 (via 127.0.0.1:${port}) does not answer: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(formatText(report).trim().split("\n").pop()).toBe(
      "doctor: FAILED, stopped at the failure above: nothing else can be checked without it (0 passed, 1 failed, 1 skipped)",
    );
    expect(JSON.parse(formatJson(report))).toMatchObject({
      ok: false,
      summary: { passed: 0, failed: 1, skipped: 1 },
      checks: [
        { check: "resolve", status: "skip" },
        { check: "bootstrap", status: "fail", port: 9091 },
      ],
    });
  });

  const openssl = spawnSync("openssl", ["version"]).status === 0 ? undefined : "openssl not found";

  itNeeds("openssl", openssl)(
    "checks every listener's certificate through a tunnel, against the advertised hostname, and sends nothing where it is wrong",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-tls-"));
      const servers: tls.Server[] = [];
      try {
        const ca = createCertificateAuthority(dir);
        const serve = async (keystore: string, port: number) => {
          // Stands in for a broker: completes the TLS handshake, then hangs up on any request.
          const server = tls.createServer({ pfx: fs.readFileSync(keystore), passphrase: KEYSTORE_PASSWORD }, (socket) =>
            socket.once("data", () => socket.destroy()),
          );
          servers.push(server);
          await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
          return (server.address() as net.AddressInfo).port;
        };
        const good = brokerKeystore(ca, 1, TARGET.hostname);
        const bootstrapPort = await serve(good, 0);
        // Broker ports follow the allocation (base + ID): find a base whose two ports are free.
        let base = 0;
        for (let attempt = 0; attempt < 20 && base === 0; attempt += 1) {
          const candidate = 20_000 + Math.floor(Math.random() * 40_000);
          try {
            await serve(good, candidate + 1);
            await serve(brokerKeystore(ca, 2, "other.kafka.example.internal"), candidate + 2);
            base = candidate;
          } catch {
            while (servers.length > 1) servers.pop()!.close();
          }
        }
        const target: DoctorTarget = { ...TARGET, bootstrapPort, brokers: [1, 2].map((id) => ({ id, port: base + id })) };
        const client = settings(`ssl.truststore.location=${ca.certFile}`);
        const report = await runDoctor(target, client, {
          via: { host: "127.0.0.1", port: bootstrapPort },
          timeouts: { connectMs: 2_000, requestMs: 500, checkMs: 3_000 },
        });
        const line = (check: string, port: number) => report.checks.find((c) => c.check === check && c.port === port);
        expect(line("tls", bootstrapPort)?.status).toBe("pass");
        expect(line("tls", base + 1)).toMatchObject({
          status: "pass",
          message: `port ${base + 1} (broker 1): certificate (subject CN=broker 1) verifies against ssl.truststore.location ${ca.certFile} and covers ${TARGET.hostname}`,
        });
        expect(line("tls", base + 2)).toMatchObject({
          status: "fail",
          message: `port ${base + 2} (broker 2): the certificate's SANs (DNS:other.kafka.example.internal) do not cover ${TARGET.hostname} (subject CN=broker 2)`,
          brokers: [2],
        });
        // Not Kafka: no broker answers on port 1; port 2 is not asked at all (its certificate is wrong).
        expect(line("port", base + 1)).toMatchObject({
          status: "fail",
          message: expect.stringMatching(new RegExp(`^port ${base + 1} should reach broker 1 but no broker answers: `)),
        });
        expect(line("port", base + 2)?.status).toBe("skip");
        // A CA that did not sign them: every chain fails.
        const stranger = createCertificateAuthority(path.join(dir, "stranger"));
        const untrusting = await runDoctor(target, settings(`ssl.truststore.location=${stranger.certFile}`), {
          via: { host: "127.0.0.1", port: bootstrapPort },
          timeouts: { connectMs: 2_000, requestMs: 500, checkMs: 3_000 },
        });
        expect(untrusting.checks.find((c) => c.check === "tls" && c.port === base + 1)?.message).toContain(
          `the certificate chain does not verify against ssl.truststore.location ${stranger.certFile}: SELF_SIGNED_CERT_IN_CHAIN`,
        );
      } finally {
        for (const server of servers) server.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    20_000,
  );
});
