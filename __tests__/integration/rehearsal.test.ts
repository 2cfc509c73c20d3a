/**
 * The rehearsal (rehearsal/README.md): real Kafka brokers (SSL, the product's default) behind a
 * load balancer built from the listeners as Terraform evaluates the synthesized stacks and the
 * published modules they call, checked by the doctor, and a real client. The building blocks need
 * Terraform with the provider mirror; the rehearsal itself needs root, Java, Maven (or the cached
 * jars), openssl and HAProxy too. Without them it is reported as skipped, except in CI (CI=true),
 * where it is required. One cluster start serves every case of a protocol; each start and each
 * planted fault costs a Terraform evaluation (≈ 10-15 s here).
 * The rehearsal of the deployed state (load balancer read back through the AWS API) runs in the
 * deploy test, on its deployment; the negative cases stay here, on the synthesized path, where
 * they cost no deploy.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSynth } from "../../job/job";
import type { DoctorReport } from "../../doctor/doctor";
import { brokerPort } from "../../modules/kafka-broker-ports/allocation";
import { loadConfig } from "../../config/load";
import { terraformUnavailable } from "../../terraform/run";
import type { EvaluatedStack } from "../../terraform/evaluate";
import { brokerProperties, parseProperties } from "../../rehearsal/broker-config";
import { haproxyConfig, stateChanges } from "../../rehearsal/haproxy";
import { LOAD_BALANCER_ADDRESS } from "../../rehearsal/network";
import { itNeeds } from "../support/requirements";
import {
  DEFAULT_CONFIG,
  evaluateSynthesized,
  judgeDoctor,
  listenersFromStack,
  missingPrerequisites,
  otherHostname,
  Rehearsal,
  RehearsalFailure,
  swapBrokerTargets,
  withAdvertisedPort,
} from "../../rehearsal/rehearsal";

const SNIPPET = [
  "listeners=PRIVATELINK://0.0.0.0:9094",
  "advertised.listeners=PRIVATELINK://orders.kafka.example.internal:6001",
  "listener.security.protocol.map=PRIVATELINK:PLAINTEXT",
].join("\n");

const brokerInput = (snippet = SNIPPET) => ({
  id: 1,
  address: "10.0.1.11",
  voters: [
    { id: 1, address: "10.0.1.11" },
    { id: 2, address: "10.0.2.12" },
  ],
  snippet,
  logDir: "/tmp/data",
  replicationFactor: 2,
});

describe("rehearsal building blocks", () => {
  const noTerraform = terraformUnavailable();
  const itEvaluates = itNeeds("Terraform", noTerraform);
  let provider: EvaluatedStack;
  let consumers: EvaluatedStack[];
  let swapped: EvaluatedStack;
  let missing: unknown;

  beforeAll(async () => {
    if (noTerraform) return;
    // The rehearsal configuration through the real main job, into a temporary folder, then
    // through Terraform: as it is, and with brokers 1 and 2 swapped in the provider module.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-unit-"));
    try {
      const configFile = path.join(dir, path.basename(DEFAULT_CONFIG));
      fs.copyFileSync(DEFAULT_CONFIG, configFile);
      const out = path.join(dir, "out");
      const { config } = runSynth({ configFile, outDir: out, modulesOutDir: path.join(dir, "modules") });
      ({ provider, consumers } = await evaluateSynthesized(out, config));
      ({ provider: swapped } = await evaluateSynthesized(out, { ...config, consumers: [] }, { edit: swapBrokerTargets(1, 2) }));
      missing = await evaluateSynthesized(out, { ...config, consumers: [{ ...config.consumers[0], name: "ghost" }] }).catch((err: unknown) => err);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  itEvaluates("builds one HAProxy frontend per listener Terraform evaluates, backed by exactly its targets", () => {
    const config = haproxyConfig(listenersFromStack(provider), "169.254.213.1");
    const backends = config
      .split("\nbackend ")
      .slice(1)
      .map((section) => section.match(/server \S+ (\S+)/g));
    expect(config.match(/bind \S+/g)).toEqual(["bind 169.254.213.1:6001", "bind 169.254.213.1:6002", "bind 169.254.213.1:6003", "bind 169.254.213.1:9091"]);
    expect(backends).toEqual([
      ["server 10.0.1.11:9094 10.0.1.11:9094"],
      ["server 10.0.2.12:9094 10.0.2.12:9094"],
      ["server 10.0.3.13:9094 10.0.3.13:9094"],
      ["server 10.0.1.11:9094 10.0.1.11:9094", "server 10.0.2.12:9094 10.0.2.12:9094", "server 10.0.3.13:9094 10.0.3.13:9094"],
    ]);
  });

  itEvaluates("names a stack the main job did not write as the rehearsal's failure (one line, no stack trace)", () => {
    expect(missing).toBeInstanceOf(RehearsalFailure);
    expect((missing as Error).message).toMatch(/the main job wrote no stacks\/[a-z0-9-]+-ghost\/cdk\.tf\.json$/);
  });

  it("counts HAProxy's health-check state changes per broker address", () => {
    const log = [
      "[WARNING]  (7) : Server listener3/10.0.3.13:9094 is DOWN, reason: Layer4 connection problem",
      "[WARNING]  (7) : Server listener2/10.0.3.13:9094 is DOWN, reason: Layer4 connection problem",
      "[WARNING]  (7) : Server listener3/10.0.3.130:9094 is DOWN, reason: Layer4 connection problem",
      "[WARNING]  (7) : Server listener3/10.0.3.13:9094 is UP, reason: Layer4 check passed",
    ].join("\n");
    expect(stateChanges(log, "10.0.3.13", "DOWN")).toBe(2);
    expect(stateChanges(log, "10.0.3.13", "UP")).toBe(1);
    expect(stateChanges(log, "10.0.1.11", "DOWN")).toBe(0);
  });

  it("rejects listeners HAProxy could not serve", () => {
    const listener = { source: 'aws_lb_listener.broker["1"]', port: 6001, targets: [{ address: "10.0.1.11", port: 9094 }] };
    expect(() => haproxyConfig([listener, { ...listener, source: 'aws_lb_listener.broker["2"]' }], "169.254.213.1")).toThrow(
      'two listeners use port 6001 (second: aws_lb_listener.broker["2"])',
    );
    expect(() => haproxyConfig([{ ...listener, targets: [] }], "169.254.213.1")).toThrow('aws_lb_listener.broker["1"] (port 6001) forwards to no target');
  });

  itEvaluates("takes the brokers' config, the client's config and the alias record's name from the outputs and state Terraform evaluates", () => {
    const config = loadConfig(DEFAULT_CONFIG);
    const brokerConfig = provider.outputs.broker_config as Record<string, string>;
    expect(Object.keys(brokerConfig).sort()).toEqual(config.cluster.brokers.map((b) => String(b.id)).sort());
    expect(brokerConfig["2"]).toContain(
      `advertised.listeners=PRIVATELINK://${config.cluster.advertisedHostname}:${brokerPort(2, config.cluster.brokerPortBase)}`,
    );
    expect(consumers.map((c) => String(c.outputs.client_config).split("\n")[0])).toEqual(
      config.consumers.map(() => `bootstrap.servers=${config.cluster.advertisedHostname}:${config.cluster.bootstrapPort}`),
    );
    const records = consumers.flatMap((c) => c.resources.filter((r) => r.type === "aws_route53_record"));
    expect(records.map((r) => [r.address, r.values.name])).toEqual(
      config.consumers.map(() => ["module.kafka.aws_route53_record.this", config.cluster.advertisedHostname]),
    );
  });

  itEvaluates("a swap of two brokers' attachments planted in the provider module points their listeners at each other's broker", () => {
    const routes = listenersFromStack(swapped);
    const targetsOf = (port: number) => routes.find((r) => r.port === port)?.targets.map((t) => t.address);
    expect(targetsOf(6001)).toEqual(["10.0.2.12"]);
    expect(targetsOf(6002)).toEqual(["10.0.1.11"]);
    expect(targetsOf(6003)).toEqual(["10.0.3.13"]);
    expect(targetsOf(9091)?.sort()).toEqual(["10.0.1.11", "10.0.2.12", "10.0.3.13"]);
  });

  it("refuses to plant the swap in a module whose attachments it does not recognise", () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-swap-"));
    try {
      const file = path.join(tree, "modules", "kafka-privatelink-provider", "main.tf.json");
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(
        file,
        JSON.stringify({ resource: { aws_lb_target_group_attachment: { broker: { target_group_arn: "${aws_lb_target_group.other[each.key].arn}" } } } }),
      );
      expect(() => swapBrokerTargets(1, 2)(tree)).toThrow(
        "aws_lb_target_group_attachment.broker does not attach to ${aws_lb_target_group.broker[each.key].arn}",
      );
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });

  it("adds the generated PrivateLink listener to the broker's own listeners", () => {
    const props = parseProperties(brokerProperties(brokerInput()));
    expect(props.get("listeners")).toBe("REHEARSAL_INTERNAL://10.0.1.11:19092,REHEARSAL_CONTROLLER://10.0.1.11:19093,PRIVATELINK://0.0.0.0:9094");
    expect(props.get("advertised.listeners")).toBe("REHEARSAL_INTERNAL://10.0.1.11:19092,PRIVATELINK://orders.kafka.example.internal:6001");
    expect(props.get("listener.security.protocol.map")).toBe("REHEARSAL_INTERNAL:PLAINTEXT,REHEARSAL_CONTROLLER:PLAINTEXT,PRIVATELINK:PLAINTEXT");
    expect(props.get("controller.quorum.voters")).toBe("1@10.0.1.11:19093,2@10.0.2.12:19093");
    expect(props.get("node.id")).toBe("1");
  });

  it("passes a setting named like an object property (constructor, toString) through as an ordinary setting", () => {
    const props = parseProperties(brokerProperties(brokerInput(`${SNIPPET}\nconstructor=a\ntoString=b`)));
    expect([props.get("constructor"), props.get("toString")]).toEqual(["a", "b"]);
  });

  it("adds the rehearsal's keystore settings, and refuses ones that would override the generated config", () => {
    const keystore = new Map([["listener.name.privatelink.ssl.keystore.location", "/tmp/b1.p12"]]);
    expect(parseProperties(brokerProperties({ ...brokerInput(), listenerSettings: keystore })).get("listener.name.privatelink.ssl.keystore.location")).toBe(
      "/tmp/b1.p12",
    );
    expect(() => brokerProperties({ ...brokerInput(), listenerSettings: new Map([["listeners", "X://:1"]]) })).toThrow(
      "the rehearsal's listener setting listeners would override the generated or KRaft configuration",
    );
  });

  it("makes a broker advertise another port, and only the advertised one", () => {
    expect(withAdvertisedPort(SNIPPET, 6011).split("\n")).toEqual([
      "listeners=PRIVATELINK://0.0.0.0:9094",
      "advertised.listeners=PRIVATELINK://orders.kafka.example.internal:6011",
      "listener.security.protocol.map=PRIVATELINK:PLAINTEXT",
    ]);
    expect(() => withAdvertisedPort("listeners=PRIVATELINK://0.0.0.0:9094", 6011)).toThrow("no advertised.listeners port to change");
  });

  it("accepts doctor failures only when they concern stopped brokers alone, and requires the stopped broker's port", () => {
    const report = (checks: DoctorReport["checks"]): DoctorReport => ({ ok: false, checks });
    const port3 = {
      check: "port",
      status: "fail" as const,
      broker: 3,
      port: 6003,
      message: "port 6003 should reach broker 3 but no broker answers",
      brokers: [3],
    };
    const swapped = {
      check: "port",
      status: "fail" as const,
      broker: 1,
      port: 6001,
      message: "port 6001 should reach broker 1 but reaches broker 3",
      brokers: [1, 3],
    };
    expect(judgeDoctor(report([port3]), [3]).failures).toEqual([]);
    expect(judgeDoctor(report([port3, swapped]), [3]).failures).toEqual(["doctor: port 6001 should reach broker 1 but reaches broker 3"]);
    expect(judgeDoctor(report([]), [3]).failures).toEqual(["the doctor did not report stopped broker 3's port as failing"]);
    expect(judgeDoctor(report([port3]), []).failures).toEqual(["doctor: port 6003 should reach broker 3 but no broker answers"]);
  });

  it("refuses a generated broker config it cannot merge", () => {
    const withoutAdvertised = SNIPPET.split("\n")
      .filter((l) => !l.startsWith("advertised"))
      .join("\n");
    expect(() => brokerProperties(brokerInput(withoutAdvertised))).toThrow("broker 1: the generated broker config has no advertised.listeners");
    expect(() => brokerProperties(brokerInput(`${SNIPPET}\nnode.id=7`))).toThrow("sets node.id, which the rehearsal's KRaft setup owns");
    expect(() => brokerProperties(brokerInput(SNIPPET.replace(":9094", ":19092")))).toThrow("clashes with the rehearsal's own REHEARSAL_INTERNAL");
    expect(() => parseProperties("listeners")).toThrow('broker config snippet line "listeners" is not key=value');
  });
});

describe("rehearsal against real Kafka brokers", () => {
  const missing = missingPrerequisites();
  let rehearsal: Rehearsal | undefined;

  // Skipped with the reason where a prerequisite is missing; required (failing) in CI.
  const itRehearses = itNeeds("the Kafka rehearsal", missing.length === 0 ? undefined : missing.join("; "));

  beforeAll(async () => {
    if (missing.length === 0) {
      rehearsal = await Rehearsal.start();
    }
  }, 120_000);

  afterAll(() => rehearsal?.close());

  const failuresOf = async (run: Promise<unknown>): Promise<string> => {
    const error = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RehearsalFailure);
    return (error as RehearsalFailure).failures.join("\n");
  };

  itRehearses(
    "fails when two brokers' attachments are swapped in the provider module, the doctor naming both ports",
    async () => {
      const [a, b] = rehearsal!.config.cluster.brokers.map((broker) => broker.id);
      const failures = await failuresOf(rehearsal!.rehearse(await rehearsal!.listenersWith(swapBrokerTargets(a, b))));
      // The client sees what a real one would (produce requests reach a non-leader), and the
      // doctor names the listeners that reach the wrong broker.
      expect(failures).toMatch(new RegExp(`produce to partition \\d+ \\(leader: broker ${a} .*not the leader`));
      const { brokerPortBase } = rehearsal!.config.cluster;
      expect(failures).toContain(
        `doctor: port ${brokerPort(a, brokerPortBase)} should reach broker ${a} but reaches broker ${b}: its NLB listener forwards to the wrong target`,
      );
      expect(failures).toContain(
        `doctor: port ${brokerPort(b, brokerPortBase)} should reach broker ${b} but reaches broker ${a}: its NLB listener forwards to the wrong target`,
      );
      // It failed before stopping a broker, so the next test starts with the whole cluster.
      expect(rehearsal!.runningBrokers).toHaveLength(rehearsal!.config.cluster.brokers.length);
    },
    120_000,
  );

  itRehearses(
    "the doctor through a tunnel (--bootstrap to an address) still expects the advertised hostname, and passes",
    async () => {
      await rehearsal!.serve(rehearsal!.synthesizedListeners);
      const { bootstrapPort } = rehearsal!.target;
      const report = await rehearsal!.doctor(undefined, { via: { host: LOAD_BALANCER_ADDRESS, port: bootstrapPort } });
      expect(report.checks.filter((c) => c.status === "fail")).toEqual([]);
      expect(report.checks.filter((c) => c.status === "skip").map((c) => c.check)).toEqual(["resolve"]);
      expect(report.checks.filter((c) => c.check === "advertised" && c.status === "pass")).toHaveLength(rehearsal!.config.cluster.brokers.length);
      expect(report.checks.filter((c) => c.check === "port" && c.status === "pass")).toHaveLength(rehearsal!.config.cluster.brokers.length);
    },
    120_000,
  );

  itRehearses(
    "produces and consumes over TLS through every synthesized listener, and survives a broker stopping, the doctor naming its port",
    async () => {
      const ids = rehearsal!.config.cluster.brokers.map((broker) => broker.id);
      await expect(rehearsal!.rehearse(rehearsal!.synthesizedListeners)).resolves.toBeUndefined();
      const stopped = ids.filter((id) => !rehearsal!.runningBrokers.includes(id));
      expect(stopped).toHaveLength(1);
      const port = brokerPort(stopped[0], rehearsal!.config.cluster.brokerPortBase);
      const failed = rehearsal!.lastDoctorReport!.checks.filter((c) => c.status === "fail");
      expect(failed).toContainEqual(
        expect.objectContaining({
          check: "port",
          port,
          message: expect.stringMatching(new RegExp(`^port ${port} should reach broker ${stopped[0]} but no broker answers: `)),
        }),
      );
      expect(failed.every((c) => c.brokers?.join() === String(stopped[0]))).toBe(true);
      // Every running broker's certificate verified against the rehearsal CA and covers the hostname.
      const tls = rehearsal!.lastDoctorReport!.checks.filter((c) => c.check === "tls" && c.status === "pass");
      expect(tls.map((c) => c.port)).toEqual(
        expect.arrayContaining(rehearsal!.runningBrokers.map((id) => brokerPort(id, rehearsal!.config.cluster.brokerPortBase))),
      );
    },
    120_000,
  );

  itRehearses(
    "fails on a broker certificate for another hostname and on a broker advertising a port its listener lacks, the doctor naming each",
    async () => {
      const { cluster } = rehearsal!.config;
      const [, wrongCert, wrongPort] = cluster.brokers.map((broker) => broker.id);
      const allocated = brokerPort(wrongPort, cluster.brokerPortBase);
      // One restart round for both faults (the stopped broker starts again with its fault).
      await rehearsal!.restartBrokers(
        new Map([
          [wrongCert, { certificateHostname: otherHostname(cluster.advertisedHostname) }],
          [wrongPort, { advertisedPort: allocated + 10 }],
        ]),
      );
      const report = await rehearsal!.doctor();
      expect(report.ok).toBe(false);
      const failures = report.checks.filter((c) => c.status === "fail").map((c) => c.message);
      expect(failures).toContain(
        `port ${brokerPort(wrongCert, cluster.brokerPortBase)} (broker ${wrongCert}): the certificate's SANs (DNS:${otherHostname(cluster.advertisedHostname)}) do not cover ${cluster.advertisedHostname} (subject CN=broker ${wrongCert})`,
      );
      expect(failures).toContain(
        `broker ${wrongPort} advertises ${cluster.advertisedHostname}:${allocated + 10}, expected ${cluster.advertisedHostname}:${allocated} (its NLB listener port): clients would connect to the wrong place after bootstrap`,
      );
      // The faulty broker's port still reaches it: the doctor blames the advertised port, not the listener.
      expect(report.checks).toContainEqual(expect.objectContaining({ check: "port", broker: wrongPort, status: "pass" }));
    },
    120_000,
  );
});

describe("rehearsal with SASL_SSL listeners", () => {
  const missing = missingPrerequisites();
  let rehearsal: Rehearsal | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    if (missing.length === 0) {
      // The rehearsal configuration with the other TLS protocol the product supports.
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-sasl-"));
      const configFile = path.join(dir, "rehearsal-sasl.yaml");
      const yaml = fs.readFileSync(DEFAULT_CONFIG, "utf8").replace(/^( {2}advertisedHostname: .*)$/m, "$1\n  listenerSecurityProtocol: SASL_SSL");
      expect(yaml).toContain("listenerSecurityProtocol: SASL_SSL");
      fs.writeFileSync(configFile, yaml);
      rehearsal = await Rehearsal.start({ configFile });
    }
  }, 120_000);

  afterAll(() => {
    rehearsal?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const itRehearses = itNeeds("the Kafka rehearsal", missing.length === 0 ? undefined : missing.join("; "));

  itRehearses(
    "the doctor authenticates with the client's SASL PLAIN login over TLS, and a wrong password fails it",
    async () => {
      expect(missing).toEqual([]);
      await rehearsal!.serve(rehearsal!.synthesizedListeners);
      const ok = await rehearsal!.doctor();
      expect(ok.checks.filter((c) => c.status === "fail")).toEqual([]);
      expect(ok.checks.filter((c) => c.check === "port" && c.status === "pass")).toHaveLength(rehearsal!.config.cluster.brokers.length);
      const settings = rehearsal!.clientSettings;
      expect(settings.sasl?.mechanism).toBe("PLAIN");
      const denied = await rehearsal!.doctor({ ...settings, sasl: { ...settings.sasl!, password: "wrong" } });
      expect(denied.ok).toBe(false);
      expect(denied.checks.find((c) => c.check === "metadata")?.message).toMatch(/^no metadata through bootstrap .*SASL PLAIN authentication failed/);
    },
    120_000,
  );
});
