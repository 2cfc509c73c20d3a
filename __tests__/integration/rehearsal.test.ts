/**
 * The rehearsal (rehearsal/README.md): real Kafka brokers behind a load balancer built from the
 * synthesized listeners, and a real client. The building blocks are tested everywhere; the
 * rehearsal itself needs root, Java, Maven (or the cached jars) and HAProxy. Without them it is
 * reported as skipped, except in CI (CI=true), where it is required.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSynth } from "../../cli/job";
import { brokerPort } from "../../modules/broker-ports/allocation";
import { providerStackName } from "../../stacks";
import type { TfJson } from "../../synthesized/instances";
import { listenerRoutes } from "../../synthesized/listener-routes";
import { brokerProperties, parseProperties } from "../../rehearsal/broker-config";
import { haproxyConfig } from "../../rehearsal/haproxy";
import {
  DEFAULT_CONFIG,
  missingPrerequisites,
  Rehearsal,
  RehearsalFailure,
  swapBrokerTargets,
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
  let stack: TfJson;

  beforeAll(() => {
    // The rehearsal configuration through the real main job, into a temporary folder.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rehearsal-unit-"));
    try {
      const configFile = path.join(dir, path.basename(DEFAULT_CONFIG));
      fs.copyFileSync(DEFAULT_CONFIG, configFile);
      const result = runSynth({ configFile, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
      const file = path.join(dir, "out", "stacks", providerStackName(result.config), "cdk.tf.json");
      stack = JSON.parse(fs.readFileSync(file, "utf8"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("builds one HAProxy frontend per synthesized listener, backed by exactly its targets", () => {
    const config = haproxyConfig(listenerRoutes(stack), "169.254.213.1");
    const backends = config.split("\nbackend ").slice(1).map((section) => section.match(/server \S+ (\S+)/g));
    expect(config.match(/bind \S+/g)).toEqual([
      "bind 169.254.213.1:6001",
      "bind 169.254.213.1:6002",
      "bind 169.254.213.1:6003",
      "bind 169.254.213.1:9091",
    ]);
    expect(backends).toEqual([
      ["server target0 10.0.1.11:9094"],
      ["server target0 10.0.2.12:9094"],
      ["server target0 10.0.3.13:9094"],
      ["server target0 10.0.1.11:9094", "server target1 10.0.2.12:9094", "server target2 10.0.3.13:9094"],
    ]);
  });

  it("rejects listener routes HAProxy could not serve", () => {
    const route = { address: 'aws_lb_listener.broker["1"]', port: 6001, targetGroup: 'aws_lb_target_group.broker["1"]', targets: [{ address: "10.0.1.11", port: 9094 }] };
    expect(() => haproxyConfig([route, { ...route, address: 'aws_lb_listener.broker["2"]' }], "169.254.213.1")).toThrow(
      'two listeners use port 6001 (second: aws_lb_listener.broker["2"])',
    );
    expect(() => haproxyConfig([{ ...route, targets: [] }], "169.254.213.1")).toThrow("forwards to a target group without targets");
  });

  it("swapping two brokers' attachments points their listeners at each other's broker", () => {
    const routes = listenerRoutes(swapBrokerTargets(stack, 1, 2));
    const targetsOf = (port: number) => routes.find((r) => r.port === port)?.targets.map((t) => t.address);
    expect(targetsOf(6001)).toEqual(["10.0.2.12"]);
    expect(targetsOf(6002)).toEqual(["10.0.1.11"]);
    expect(targetsOf(6003)).toEqual(["10.0.3.13"]);
    expect(() => swapBrokerTargets(stack, 1, 9)).toThrow("no aws_lb_target_group_attachment.broker instances for brokers 1 and 9");
  });

  it("adds the generated PrivateLink listener to the broker's own listeners", () => {
    const props = parseProperties(brokerProperties(brokerInput()));
    expect(props.get("listeners")).toBe(
      "REHEARSAL_INTERNAL://10.0.1.11:19092,REHEARSAL_CONTROLLER://10.0.1.11:19093,PRIVATELINK://0.0.0.0:9094",
    );
    expect(props.get("advertised.listeners")).toBe("REHEARSAL_INTERNAL://10.0.1.11:19092,PRIVATELINK://orders.kafka.example.internal:6001");
    expect(props.get("listener.security.protocol.map")).toBe(
      "REHEARSAL_INTERNAL:PLAINTEXT,REHEARSAL_CONTROLLER:PLAINTEXT,PRIVATELINK:PLAINTEXT",
    );
    expect(props.get("controller.quorum.voters")).toBe("1@10.0.1.11:19093,2@10.0.2.12:19093");
    expect(props.get("node.id")).toBe("1");
  });

  it("refuses a generated broker config it cannot merge", () => {
    const withoutAdvertised = SNIPPET.split("\n").filter((l) => !l.startsWith("advertised")).join("\n");
    expect(() => brokerProperties(brokerInput(withoutAdvertised))).toThrow("broker 1: the generated broker config has no advertised.listeners");
    expect(() => brokerProperties(brokerInput(`${SNIPPET}\nnode.id=7`))).toThrow("sets node.id, which the rehearsal's KRaft setup owns");
    expect(() => brokerProperties(brokerInput(SNIPPET.replace(":9094", ":19092")))).toThrow("clashes with the rehearsal's own REHEARSAL_INTERNAL");
    expect(() => parseProperties("listeners")).toThrow('broker config snippet line "listeners" is not key=value');
  });
});

describe("rehearsal against real Kafka brokers", () => {
  const missing = missingPrerequisites();
  let rehearsal: Rehearsal | undefined;

  /** True when the rehearsal cannot run here and that is allowed (not CI); throws in CI. */
  function skipped(): boolean {
    if (missing.length === 0) {
      return false;
    }
    const reasons = missing.map((m) => `  - ${m}`).join("\n");
    if (process.env.CI === "true") {
      throw new Error(`the rehearsal is required in CI but cannot run:\n${reasons}`);
    }
    console.log(`REHEARSAL SKIPPED (set up Java, Maven, HAProxy and root to run it; required in CI):\n${reasons}`);
    return true;
  }

  beforeAll(async () => {
    if (missing.length === 0) {
      rehearsal = await Rehearsal.start();
    }
  }, 120_000);

  afterAll(() => rehearsal?.close());

  it("fails when two brokers' listeners are swapped in the synthesized Terraform", async () => {
    if (skipped()) {
      return;
    }
    const [a, b] = rehearsal!.config.cluster.brokers.map((broker) => broker.id);
    const error = await rehearsal!.rehearse(swapBrokerTargets(rehearsal!.stack, a, b)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RehearsalFailure);
    const failures = (error as RehearsalFailure).failures.join("\n");
    // The client sees what a real one would (produce requests reach a non-leader), and the
    // rehearsal names the listeners that reach the wrong broker.
    expect(failures).toMatch(new RegExp(`produce to partition \\d+ \\(leader: broker ${a} .*not the leader`));
    const { brokerPortBase } = rehearsal!.config.cluster;
    for (const id of [a, b]) {
      expect(failures).toContain(`port ${brokerPort(id, brokerPortBase)} (advertised by broker ${id}) does not reach broker ${id}`);
    }
    // It failed before stopping a broker, so the next test starts with the whole cluster.
    expect(rehearsal!.runningBrokers).toHaveLength(rehearsal!.config.cluster.brokers.length);
  }, 120_000);

  it("produces and consumes through every synthesized listener, and survives a broker stopping", async () => {
    if (skipped()) {
      return;
    }
    await expect(rehearsal!.rehearse(rehearsal!.stack)).resolves.toBeUndefined();
    expect(rehearsal!.runningBrokers).toHaveLength(rehearsal!.config.cluster.brokers.length - 1);
  }, 120_000);
});
