/**
 * The upgrade proof without the emulator: Terraform applies what an earlier version deployed
 * against the mock AWS provider, then plans what the current version writes for the same
 * configuration on that same state (`state_key`): the plan must add, change and destroy nothing,
 * and find each resource in the state under its old address (`moved` blocks). Two old layouts:
 * - `release-0.1.0`: the 0.1.0 release, every resource at the stack root and one security group
 *   per consumer (since then one per CIDR: the first CIDR keeps the group);
 * - `layout-0.1.0`: a later development layout, every resource at the stack root, one group per CIDR.
 * And the plain-Terraform user of 0.1.0's published modules, who upgrades the module source and
 * adds the one `moved` block the CHANGELOG gives (the module cannot know the CIDR it moves to).
 * The changes are Terraform's own JSON plan (`terraform test -json -verbose`). The emulator test
 * (deploy.test.ts) proves the same against the AWS API; this one needs only Terraform and the
 * provider mirror. Costs ≈ 1 minute alone, 1-1.5 minutes in the suite.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { terraformUnavailable } from "../../terraform/run";
import { readOldStacks } from "../support/upgrade";
import { synthInto } from "../support/main-job";
import { itNeeds } from "../support/requirements";
import { planRuns, ResourceChange } from "../support/terraform-plans";

const FIXTURES = path.join(__dirname, "..", "fixtures");
const FIXTURE = path.join(FIXTURES, "layout-0.1.0");
const RELEASE = path.join(FIXTURES, "release-0.1.0");
const MODULE_PREFIX = "module.kafka.";
/** What the mocked provider state holds as the endpoint service's name, read by the consumer through the remote state. */
const SERVICE_NAME = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);

/** The published module's own mock provider (valid ARN shapes, DNS-enabled VPCs), from its shipped test. */
function mockProvider(moduleDir: string): string {
  const tests = path.join(moduleDir, "tests");
  const text = fs.readFileSync(path.join(tests, fs.readdirSync(tests).sort()[0]), "utf8");
  const start = text.indexOf('mock_provider "aws" {');
  if (start < 0) throw new Error(`no mock_provider "aws" in ${tests}`);
  return text.slice(start, text.indexOf("\n}\n", start) + 2);
}

/**
 * `override_data` blocks for a stack's cross-stack reads (`data.terraform_remote_state.<name>.outputs.<output>`):
 * a run here has no provider state to read, so each read output is the endpoint service's name.
 */
function remoteStateOverrides(stackText: string): string {
  const outputs = new Map<string, Set<string>>();
  for (const m of stackText.matchAll(/data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/g)) {
    outputs.set(m[1], (outputs.get(m[1]) ?? new Set()).add(m[2]));
  }
  return [...outputs]
    .map(([name, read]) => {
      const values = [...read].map((o) => `${JSON.stringify(o)} = ${JSON.stringify(SERVICE_NAME)}`).join(", ");
      return `  override_data {\n    target = data.terraform_remote_state.${name}\n    values = { outputs = { ${values} } }\n  }`;
    })
    .join("\n");
}

/** The old layouts whose stacks the current ones take over: name → folder of `<stack>/cdk.tf.json`. */
const OLD_LAYOUTS: Record<string, string> = { "release-0.1.0": path.join(RELEASE, "stacks"), "layout-0.1.0": FIXTURE };

describe("upgrading a deployment of an earlier version, planned by Terraform against the mock provider", () => {
  let work: string;
  let current: { out: string; modules: string };

  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-upgrade-offline-"));
    current = synthInto(path.join(work, "current"), parse(fs.readFileSync(path.join(FIXTURE, "orders.yaml"), "utf8")), "orders.yaml");
  }, 120_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  const run = (runName: string, command: string, source: string, text = "") =>
    `run "${runName}" {\n  command   = ${command}\n  state_key = "stack"\n  module {\n    source = "${source}"\n  }\n${remoteStateOverrides(text)}\n}`;

  /**
   * The current stack's plan on the state the old stack left (its managed resources), in a test
   * folder holding the old stack and the current output folder whole (its stacks call modules by
   * relative paths); the root is the old stack, as a deployment's folder was. `edit` changes the
   * current stack's document before the plan.
   */
  function upgradePlan(oldText: string, stack: string, name: string, edit: (doc: Record<string, unknown>) => void = () => {}): ResourceChange[] {
    const half = stack.includes("-consumer-") ? "consumer" : "provider";
    const dir = path.join(work, name);
    fs.mkdirSync(path.join(dir, "old"), { recursive: true });
    fs.writeFileSync(path.join(dir, "old", "cdk.tf.json"), oldText);
    fs.writeFileSync(path.join(dir, "main.tf.json"), oldText);
    fs.cpSync(current.out, path.join(dir, "current"), { recursive: true });
    const currentFile = path.join(dir, "current", "stacks", stack, "cdk.tf.json");
    const doc = JSON.parse(fs.readFileSync(currentFile, "utf8"));
    edit(doc);
    const currentText = JSON.stringify(doc, null, 2);
    fs.writeFileSync(currentFile, currentText);
    const plans = planRuns(
      dir,
      [
        mockProvider(path.join(current.modules, `kafka-privatelink-${half}`)),
        run("old", "apply", "./old", oldText),
        run("current", "plan", `./current/stacks/${stack}`, currentText),
      ].join("\n\n"),
    );
    return plans.current.filter((c) => c.mode === "managed");
  }

  for (const [layout, folder] of Object.entries(OLD_LAYOUTS)) {
    const oldStacks = readOldStacks(folder);
    for (const stack of Object.keys(oldStacks)) {
      itTf(
        `${layout}, ${stack}: the current stack's plan on the old state adds, changes and destroys nothing and moves every resource into ${MODULE_PREFIX.slice(0, -1)}`,
        () => {
          const managed = upgradePlan(oldStacks[stack], stack, `${layout}-${stack}`);
          expect(managed.length).toBeGreaterThan(0);
          expect(managed.filter((c) => c.actions !== "no-op")).toEqual([]);
          // Every resource is found in the old state under its root address, and now sits in the module call.
          expect(managed.filter((c) => !c.address.startsWith(MODULE_PREFIX) || !c.previousAddress || c.previousAddress.startsWith("module."))).toEqual([]);
        },
        180_000,
      );
    }
  }

  itTf(
    "release-0.1.0: the consumer's one security group becomes the first CIDR's, with its 0.1.0 name; a second CIDR only adds its own group and rules",
    () => {
      const stack = "orders-consumer-analytics";
      const oldText = readOldStacks(OLD_LAYOUTS["release-0.1.0"])[stack];
      const oldGroup = JSON.parse(oldText).resource.aws_security_group.endpoint;
      expect(oldGroup.for_each).toBeUndefined();
      const managed = upgradePlan(oldText, stack, "release-second-cidr", (doc) => {
        const kafka = (doc.module as Record<string, Record<string, unknown>>).kafka;
        kafka.allowed_cidrs = [...(kafka.allowed_cidrs as string[]), "10.30.0.0/16"];
      });
      expect(managed.find((c) => c.address === 'module.kafka.aws_security_group.endpoint["10.20.0.0/16"]')).toEqual({
        address: 'module.kafka.aws_security_group.endpoint["10.20.0.0/16"]',
        previousAddress: "aws_security_group.endpoint",
        mode: "managed",
        actions: "no-op",
      });
      const changed = managed.filter((c) => c.actions !== "no-op");
      // The new CIDR's group and a rule per Kafka port (bootstrap and three brokers); the endpoint gets the group attached.
      expect(changed.map((c) => `${c.address} ${c.actions}`).sort()).toEqual(
        [
          'module.kafka.aws_security_group.endpoint["10.30.0.0/16"] create',
          ...["6001", "6002", "6003", "9091"].map((port) => `module.kafka.aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:${port}"] create`),
          "module.kafka.aws_vpc_endpoint.this update",
        ].sort(),
      );
    },
    180_000,
  );

  itTf(
    "can tell: without its moved blocks, the current provider stack's plan destroys every resource of the 0.1.0 state and creates it again",
    () => {
      const oldStacks = readOldStacks(FIXTURE);
      const stack = Object.keys(oldStacks).find((s) => !s.includes("-consumer-"))!;
      const managed = upgradePlan(oldStacks[stack], stack, "unmoved", (doc) => {
        expect((doc.moved as unknown[] | undefined)?.length ?? 0).toBeGreaterThan(0);
        delete doc.moved;
      });
      const old = JSON.parse(oldStacks[stack]).resource as Record<string, Record<string, unknown>>;
      const oldResources = Object.entries(old).flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`));
      const deleted = new Set(managed.filter((c) => c.actions === "delete").map((c) => c.address.replace(/\[[^\]]*\]$/, "")));
      expect([...deleted].sort()).toEqual(oldResources.sort());
      expect(managed.filter((c) => c.actions !== "delete" && c.actions !== "create")).toEqual([]);
    },
    180_000,
  );

  itTf(
    "can tell: with only the move into the module (no move to the first CIDR's key), the 0.1.0 consumer's security group is destroyed and created again",
    () => {
      const stack = "orders-consumer-analytics";
      const managed = upgradePlan(readOldStacks(OLD_LAYOUTS["release-0.1.0"])[stack], stack, "unkeyed", (doc) => {
        const moved = doc.moved as Array<{ from: string; to: string }>;
        doc.moved = [
          ...moved.filter((m) => !m.from.startsWith("aws_security_group.endpoint")),
          { from: "aws_security_group.endpoint", to: "module.kafka.aws_security_group.endpoint" },
        ];
      });
      expect(
        managed
          .filter((c) => c.address.includes("aws_security_group.endpoint") && c.actions !== "no-op")
          .map((c) => c.actions)
          .sort(),
      ).toEqual(["create", "delete"]);
    },
    180_000,
  );

  /**
   * A plain-Terraform user of 0.1.0's published modules: a root calling the 0.1.0 module with the
   * module README's sample values, applied; then the same root calling the current module, with
   * `extra` (the CHANGELOG's moved block) added, planned on that state.
   */
  function moduleUpgradePlan(module: string, inputs: Record<string, unknown>, extra: string): ResourceChange[] {
    const dir = fs.mkdtempSync(path.join(work, `module-${module}-`));
    for (const [which, from] of [
      ["old", path.join(RELEASE, "modules")],
      ["current", current.modules],
    ] as const) {
      fs.cpSync(from, path.join(dir, which, "modules"), { recursive: true });
      const root = path.join(dir, which, "root");
      fs.mkdirSync(root, { recursive: true });
      fs.writeFileSync(
        path.join(root, "main.tf.json"),
        JSON.stringify({ provider: { aws: { region: "us-east-1" } }, module: { kafka: { source: `../modules/${module}`, ...inputs } } }, null, 2),
      );
      if (which === "current") fs.writeFileSync(path.join(root, "moved.tf"), extra);
    }
    // The test's root only declares the provider that the mock stands in for.
    fs.writeFileSync(path.join(dir, "main.tf"), 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n');
    const plans = planRuns(
      dir,
      [mockProvider(path.join(current.modules, module)), run("old", "apply", "./old/root"), run("current", "plan", "./current/root")].join("\n\n"),
    );
    return plans.current.filter((c) => c.mode === "managed");
  }

  const SAMPLE_PROVIDER = {
    name: "orders",
    vpc_id: "vpc-0a1b2c3d4e5f60718",
    subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
    advertised_hostname: "orders.kafka.example.internal",
    brokers: { "1": { target: "10.0.1.11" }, "2": { target: "10.0.2.12" }, "3": { target: "10.0.3.13" } },
    allowed_principals: ["arn:aws:iam::111122223333:root"],
  };
  const SAMPLE_CONSUMER = {
    name: "orders-analytics",
    vpc_id: "vpc-0f1e2d3c4b5a69788",
    subnet_ids: ["subnet-0f1e2d3c4b5a69781"],
    connection: {
      service_name: SERVICE_NAME,
      region: "us-east-1",
      advertised_hostname: "orders.kafka.example.internal",
      bootstrap_port: 9091,
      broker_ports: { "1": 6001, "2": 6002, "3": 6003 },
      security_protocol: "SSL",
      tcp_idle_timeout_seconds: 600,
    },
    allowed_cidrs: ["10.20.0.0/16"],
  };
  /** The moved block the CHANGELOG's upgrade notes give a 0.1.0 consumer module's caller. */
  const CONSUMER_MOVED = 'moved {\n  from = module.kafka.aws_security_group.endpoint\n  to   = module.kafka.aws_security_group.endpoint["10.20.0.0/16"]\n}\n';

  /**
   * Module callers see in-place updates (0.1.0's modules wrote `tags = {}` where no tags were
   * given, the current ones null, as 0.1's stacks did), never a destroy or a create.
   */
  const replacedOrAdded = (managed: readonly ResourceChange[]) =>
    managed.filter((c) => c.actions !== "no-op" && c.actions !== "update").map((c) => `${c.address} ${c.actions}`);

  itTf(
    "a plain-Terraform caller of the 0.1.0 provider module upgrades to the current one with nothing destroyed or added",
    () => {
      const managed = moduleUpgradePlan("kafka-privatelink-provider", SAMPLE_PROVIDER, "");
      expect(managed.length).toBeGreaterThan(0);
      expect(replacedOrAdded(managed)).toEqual([]);
    },
    180_000,
  );

  itTf(
    "a plain-Terraform caller of the 0.1.0 consumer module with one CIDR upgrades with the CHANGELOG's moved block: nothing destroyed or added; without it the group is replaced",
    () => {
      const managed = moduleUpgradePlan("kafka-privatelink-consumer", SAMPLE_CONSUMER, CONSUMER_MOVED);
      expect(managed.length).toBeGreaterThan(0);
      expect(replacedOrAdded(managed)).toEqual([]);
      expect(managed.find((c) => c.address.startsWith("module.kafka.aws_security_group."))?.previousAddress).toBe("module.kafka.aws_security_group.endpoint");
      const without = moduleUpgradePlan("kafka-privatelink-consumer", SAMPLE_CONSUMER, "");
      expect(replacedOrAdded(without).sort()).toEqual(
        ['module.kafka.aws_security_group.endpoint["10.20.0.0/16"] create', "module.kafka.aws_security_group.endpoint delete"].sort(),
      );
    },
    240_000,
  );
});
