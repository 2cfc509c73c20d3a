/**
 * Plans that a reviewer reads touch only what changed, as Terraform itself plans them: each
 * deployable stack (a thin root calling the published module as `module.kafka`, beside the
 * module folders it calls) and each published module is applied with brokers 1-3 against the
 * mock AWS provider, then planned with broker 4 added, applied, and planned with broker 3
 * removed; a consumer stack likewise with a client CIDR added and one removed. The changes are
 * Terraform's JSON plan `resource_changes` (`terraform test -json -verbose`), not our reading of
 * the synthesized JSON. Cost here: ≈ 1.5-2.5 min, depending on the load of the machine.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { terraformUnavailable } from "../../terraform/run";
import { renderTestFile, TestFile } from "../support/test-files";
import { configInput } from "../support/configs";
import { synthInto } from "../support/main-job";
import { itNeeds } from "../support/requirements";
import { creates, deletes, plannedChanges } from "../support/terraform-plans";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);

const CONSUMERS = [
  {
    name: "analytics",
    region: "us-east-1",
    vpcId: "vpc-0f1e2d3c4b5a69788",
    subnetIds: ["subnet-0f1e2d3c4b5a69781"],
    allowedCidrs: ["10.20.0.0/16", "10.21.0.0/16"],
  },
  { name: "billing", region: "us-east-1", vpcId: "vpc-0b1b2b3b4b5b6b7b8", subnetIds: ["subnet-0b1b2b3b4b5b6b7b1"], allowedCidrs: ["172.16.8.0/24"] },
];
/** Health alarms on: a broker's alarm is one of its own instances. */
const ALARMS = { actions: ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"] };
const configFor = (ids: number[], analyticsCidrs = CONSUMERS[0].allowedCidrs) =>
  configInput(ids, { consumers: [{ ...CONSUMERS[0], allowedCidrs: analyticsCidrs }, CONSUMERS[1]], cluster: { alarms: ALARMS } });
/** What a deployable stack's plan calls the module's resources. */
const inStack = (addresses: readonly string[]) => addresses.map((a) => `module.kafka.${a}`);

const providerInstances = (id: number) => [
  `aws_cloudwatch_metric_alarm.broker["${id}"]`,
  `aws_lb_listener.broker["${id}"]`,
  `aws_lb_target_group.broker["${id}"]`,
  `aws_lb_target_group_attachment.bootstrap["${id}"]`,
  `aws_lb_target_group_attachment.broker["${id}"]`,
];
/** The analytics consumer's third CIDR, added on day two. */
const NEW_CIDR = "10.22.0.0/16";
const ruleInstances = (cidrs: readonly string[], port: number) => cidrs.map((c) => `aws_vpc_security_group_ingress_rule.client["${c}:${port}"]`);

/** The mock provider of the published module tests: valid ARN shapes, DNS-enabled VPCs. */
const MOCK = (modulePath: string) => {
  const text = fs.readFileSync(path.join(modulePath, "tests", fs.readdirSync(path.join(modulePath, "tests"))[0]), "utf8");
  const start = text.indexOf('mock_provider "aws" {');
  return text.slice(start, text.indexOf("\n}\n", start) + 2);
};

/** apply 1-3, plan 1-4, apply 1-4, plan 1,2,4: the runs' names are the keys of the result. */
const dayTwo = (runs: { base: object; add4: object; remove3: object }, extra: (run: "base" | "add4" | "remove3") => object = () => ({})) => [
  { name: "base", command: "apply" as const, ...runs.base, ...extra("base") },
  { name: "add4", command: "plan" as const, ...runs.add4, ...extra("add4") },
  { name: "applied4", command: "apply" as const, ...runs.add4, ...extra("add4") },
  { name: "remove3", command: "plan" as const, ...runs.remove3, ...extra("remove3") },
];

describe("minimal plan diffs, planned by Terraform", () => {
  let work: string;
  const synths: Record<string, { out: string; modules: string }> = {};

  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-plans-"));
    for (const [key, ids] of Object.entries({ s123: [1, 2, 3], s1234: [1, 2, 3, 4], s124: [1, 2, 4] }))
      synths[key] = synthInto(path.join(work, key), configFor(ids));
    synths.cidrAdded = synthInto(path.join(work, "cidrAdded"), configFor([1, 2, 3], [...CONSUMERS[0].allowedCidrs, NEW_CIDR]));
    synths.cidrRemoved = synthInto(path.join(work, "cidrRemoved"), configFor([1, 2, 3], [CONSUMERS[0].allowedCidrs[0], NEW_CIDR]));
  }, 120_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  /**
   * A folder holding the synths' output folders side by side (each stack calls the module folders
   * beside it, `../../modules/…`); the runs switch between one stack's synths and share one state
   * (`state_key`), as one deployment updated twice. `synthsOf`: the synth each day-two step uses.
   */
  function stackPlans(stack: string, preamble: string, synthsOf = { base: "s123", add4: "s1234", remove3: "s124" }): Record<string, Record<string, string>> {
    const dir = path.join(work, "stacks", `${stack}-${Object.values(synthsOf).join("-")}`);
    for (const key of new Set(Object.values(synthsOf))) fs.cpSync(synths[key].out, path.join(dir, key), { recursive: true });
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws" } } } }));
    const source = (run: string) => `./${synthsOf[run === "applied4" ? "add4" : (run as keyof typeof synthsOf)]}/stacks/${stack}`;
    const body = dayTwo({ base: {}, add4: {}, remove3: {} })
      .map((r) => `run "${r.name}" {\n  command   = ${r.command}\n  state_key = "stack"\n  module {\n    source = "${source(r.name)}"\n  }\n}`)
      .join("\n\n");
    return plannedChanges(dir, `${preamble}\n\n${body}\n`);
  }

  /** The mock provider, and the provider stack's output that a consumer stack reads (a plan here has no provider state). */
  function consumerPreamble(stack: string): string {
    const doc = JSON.parse(fs.readFileSync(path.join(synths.s123.out, "stacks", stack, "cdk.tf.json"), "utf8"));
    const [, remote, output] = /data\.terraform_remote_state\.([\w-]+)\.outputs\.([\w-]+)/.exec(JSON.stringify(doc.module.kafka))!;
    return [
      MOCK(path.join(synths.s123.modules, "kafka-privatelink-consumer")),
      `override_data {\n  target = data.terraform_remote_state.${remote}\n  values = { outputs = { ${JSON.stringify(output)} = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0" } }\n}`,
    ].join("\n\n");
  }

  itTf(
    "provider stack: adding broker 4 creates exactly its listener, group, attachments and alarm; removing broker 3 deletes exactly its own",
    () => {
      const plans = stackPlans("orders-provider", MOCK(path.join(synths.s123.modules, "kafka-privatelink-provider")));
      expect(plans.add4).toEqual(creates(inStack(providerInstances(4))));
      expect(plans.remove3).toEqual(deletes(inStack(providerInstances(3))));
    },
    180_000,
  );

  itTf(
    "consumer stacks: adding broker 4 creates exactly its rule for each CIDR; removing broker 3 deletes exactly its rules",
    () => {
      for (const consumer of CONSUMERS) {
        const stack = `orders-consumer-${consumer.name}`;
        const plans = stackPlans(stack, consumerPreamble(stack));
        expect(plans.add4).toEqual(creates(inStack(ruleInstances(consumer.allowedCidrs, 6004))));
        expect(plans.remove3).toEqual(deletes(inStack(ruleInstances(consumer.allowedCidrs, 6003))));
      }
    },
    240_000,
  );

  itTf(
    "consumer stack: adding a CIDR creates exactly its security group and rules (and attaches the group to the endpoint); removing one deletes exactly its own",
    () => {
      const stack = "orders-consumer-analytics";
      const [kept, removed] = CONSUMERS[0].allowedCidrs;
      const plans = stackPlans(stack, consumerPreamble(stack), { base: "s123", add4: "cidrAdded", remove3: "cidrRemoved" });
      const ownInstances = (cidr: string) => [
        `aws_security_group.endpoint["${cidr}"]`,
        ...[9091, 6001, 6002, 6003].flatMap((port) => ruleInstances([cidr], port)),
      ];
      // The endpoint's list of security groups is the one thing the CIDRs share: updated in place, never replaced.
      const endpoint = { "module.kafka.aws_vpc_endpoint.this": "update" };
      expect(plans.add4).toEqual({ ...creates(inStack(ownInstances(NEW_CIDR))), ...endpoint });
      expect(plans.remove3).toEqual({ ...deletes(inStack(ownInstances(removed))), ...endpoint });
      expect(Object.keys(plans.remove3).some((a) => a.includes(kept))).toBe(false);
    },
    180_000,
  );

  itTf(
    "provider module: the same, for brokers given as module inputs",
    () => {
      const dir = path.join(work, "modules");
      fs.cpSync(synths.s123.modules, dir, { recursive: true });
      const module = path.join(dir, "kafka-privatelink-provider");
      const brokers = (ids: number[]) => ({ brokers: Object.fromEntries(ids.map((id) => [String(id), { target: `10.0.0.${id + 10}` }])) });
      const test: TestFile = {
        file: "plans.tftest.hcl",
        preamble: MOCK(module),
        variables: {
          name: "orders",
          vpc_id: "vpc-0a1b2c3d4e5f60718",
          subnet_ids: ["subnet-0a1b2c3d4e5f60711"],
          advertised_hostname: "orders.kafka.example.internal",
          allowed_principals: ["arn:aws:iam::111122223333:root"],
          alarms: ALARMS,
        },
        runs: dayTwo({ base: { variables: brokers([1, 2, 3]) }, add4: { variables: brokers([1, 2, 3, 4]) }, remove3: { variables: brokers([1, 2, 4]) } }),
      };
      const plans = plannedChanges(module, renderTestFile(test));
      expect(plans.add4).toEqual(creates(providerInstances(4)));
      expect(plans.remove3).toEqual(deletes(providerInstances(3)));
    },
    180_000,
  );

  itTf(
    "consumer module: the same, for broker ports given in the connection input",
    () => {
      const module = path.join(work, "modules", "kafka-privatelink-consumer");
      if (!fs.existsSync(module)) fs.cpSync(synths.s123.modules, path.join(work, "modules"), { recursive: true });
      const cidrs = ["10.20.0.0/16", "10.21.0.0/16"];
      const connection = (ids: number[]) => ({
        connection: {
          service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
          region: "us-east-1",
          advertised_hostname: "orders.kafka.example.internal",
          bootstrap_port: 9091,
          broker_ports: Object.fromEntries(ids.map((id) => [String(id), 6000 + id])),
          security_protocol: "SSL",
          tcp_idle_timeout_seconds: 600,
        },
      });
      const test: TestFile = {
        file: "plans.tftest.hcl",
        preamble: MOCK(module),
        variables: { name: "orders-analytics", vpc_id: "vpc-0f1e2d3c4b5a69788", subnet_ids: ["subnet-0f1e2d3c4b5a69781"], allowed_cidrs: cidrs },
        runs: dayTwo({
          base: { variables: connection([1, 2, 3]) },
          add4: { variables: connection([1, 2, 3, 4]) },
          remove3: { variables: connection([1, 2, 4]) },
        }),
      };
      const plans = plannedChanges(module, renderTestFile(test));
      expect(plans.add4).toEqual(creates(ruleInstances(cidrs, 6004)));
      expect(plans.remove3).toEqual(deletes(ruleInstances(cidrs, 6003)));
    },
    180_000,
  );

  itTf(
    "can tell: moving the port base updates every broker listener in the plan",
    () => {
      const moved = synthInto(path.join(work, "moved"), configInput([1, 2, 3], { consumers: CONSUMERS, cluster: { brokerPortBase: 7000, alarms: ALARMS } }));
      const dir = path.join(work, "stacks", "moved");
      fs.cpSync(synths.s123.out, path.join(dir, "before"), { recursive: true });
      fs.cpSync(moved.out, path.join(dir, "after"), { recursive: true });
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws" } } } }));
      const run = (name: string, command: string, source: string) =>
        `run "${name}" {\n  command   = ${command}\n  state_key = "stack"\n  module {\n    source = "${source}"\n  }\n}`;
      const plans = plannedChanges(
        dir,
        [
          MOCK(path.join(synths.s123.modules, "kafka-privatelink-provider")),
          run("base", "apply", "./before/stacks/orders-provider"),
          run("moved", "plan", "./after/stacks/orders-provider"),
        ].join("\n\n"),
      );
      expect(Object.entries(plans.moved).filter(([address]) => address.startsWith("module.kafka.aws_lb_listener.broker"))).toEqual([
        ['module.kafka.aws_lb_listener.broker["1"]', "update"],
        ['module.kafka.aws_lb_listener.broker["2"]', "update"],
        ['module.kafka.aws_lb_listener.broker["3"]', "update"],
      ]);
    },
    180_000,
  );
});
