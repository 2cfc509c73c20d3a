/**
 * The Kafka reading of a plan (job/review/plan-review.ts) on plans built here: how module
 * instances are recognised, the level of each kind of change, what is named, the lock cross-check,
 * and `npm run review`'s exit statuses. The same review of real plans, saved from a deployment in
 * the AWS API emulator, is in integration/deploy.test.ts.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { highestLevel, lockDisagreements, parsePlan, PlanReadError, REVIEWED_RESOURCES, reviewPlans } from "../job/review/plan-review";
import { reportMarkdown } from "../job/review/plan-report";
import { moduleJson } from "./support/module-json";
import { reviewIn } from "./support/plan-review";

interface Rc {
  address: string;
  module_address?: string;
  previous_address?: string;
  mode: string;
  type: string;
  name: string;
  index?: string;
  change: { actions: string[]; before: unknown; after: unknown; after_unknown?: unknown; replace_paths?: string[][] };
}

/** A resource change as `terraform show -json` writes it. */
function rc(module: string, resource: string, actions: string[], before: unknown, after: unknown, extra: Partial<Rc> = {}): Rc {
  const [, type, name, index] = /^([^.]+)\.([^[]+)(?:\["?([^"\]]*)"?\])?$/.exec(resource)!;
  return {
    address: `${module ? `${module}.` : ""}${resource}`,
    ...(module ? { module_address: module } : {}),
    mode: "managed",
    type,
    name,
    ...(index !== undefined ? { index } : {}),
    change: { actions, before, after },
    ...extra,
  };
}

const plan = (changes: Rc[], calls: Record<string, unknown> = { kafka: { source: "../../modules/kafka-privatelink-provider" } }) =>
  JSON.stringify({ format_version: "1.2", planned_values: {}, resource_changes: changes, configuration: { root_module: { module_calls: calls } } });

const review = (...texts: string[]) => reviewPlans(texts.map((t, i) => parsePlan(t, `plan${i}.json`)));
const brief = (texts: string[]) =>
  review(...texts).map((c) => ({ address: c.address, level: c.level, brokers: c.brokers, cidrs: c.cidrs, consumers: c.consumers }));

describe("plan review", () => {
  it("has a rule for every resource the published modules declare", () => {
    for (const module of ["kafka-broker-ports", "kafka-privatelink-provider", "kafka-privatelink-consumer"]) {
      const resources = Object.entries<Record<string, unknown>>(moduleJson(module, "main.tf.json").resource ?? {}).flatMap(([type, named]) =>
        Object.keys(named).map((n) => `${type}.${n}`),
      );
      expect([...REVIEWED_RESOURCES[module]].sort()).toEqual(resources.sort());
    }
  });

  it("finds the provider module under any name and nesting, by its call's source (a git source with a ref too)", () => {
    const m = 'module.platform["eu"].module.orders_kafka';
    const text = plan([rc(m, 'aws_lb_listener.broker["7"]', ["delete"], { port: 6007 }, null)], {
      platform: {
        source: "./platform",
        module: {
          module_calls: { orders_kafka: { source: "git::https://git.example.com/kafka-privatelink.git//dist/modules/kafka-privatelink-provider?ref=v0.2.0" } },
        },
      },
    });
    expect(brief([text])).toEqual([
      { address: `${m}.aws_lb_listener.broker["7"]`, level: "disruptive", brokers: [{ id: "7", port: 6007 }], cidrs: [], consumers: [] },
    ]);
  });

  it("recognises a module instance by its resources when the source names no published folder, and lists what it does not know as unknown", () => {
    const text = plan(
      [
        rc("module.kafka", "aws_lb.this", ["no-op"], {}, {}),
        rc(
          "module.kafka",
          "aws_vpc_endpoint_service.this",
          ["delete", "create"],
          {},
          {},
          { change: { actions: ["delete", "create"], before: {}, after: {}, replace_paths: [["network_load_balancer_arns"]] } },
        ),
        rc("", "aws_db_instance.main", ["delete"], {}, null),
        // A user's own module with an endpoint named like the consumer module's is not taken for it.
        rc("module.endpoints", "aws_vpc_endpoint.this", ["delete"], {}, null),
        rc("module.endpoints", "aws_route53_record.this", ["delete"], {}, null),
        rc("module.endpoints", "aws_vpc_endpoint_policy.this", ["delete"], {}, null),
      ],
      { kafka: { source: "app.terraform.io/acme/kafka/aws" }, endpoints: { source: "./endpoints" } },
    );
    const [service, db, ...own] = review(text);
    expect(service).toMatchObject({ level: "outage", reason: expect.stringContaining("replaced: `network_load_balancer_arns` cannot change in place") });
    expect(db).toMatchObject({ address: "aws_db_instance.main", level: "unknown", reason: expect.stringMatching(/^not a resource of the published modules/) });
    expect(own.map((c) => c.level)).toEqual(["unknown", "unknown", "unknown"]);
    // unknown never raises the highest level: the review cannot judge it
    expect(highestLevel([db, ...own])).toBe("none");
  });

  it("says where a resource it does not know moved from, whether it only moved or changes too", () => {
    const text = plan([
      rc("", "aws_s3_bucket.logs", ["no-op"], {}, {}, { previous_address: "aws_s3_bucket.old_logs" }),
      rc("", "aws_db_instance.main", ["update"], { tags: {} }, { tags: { team: "orders" } }, { previous_address: "aws_db_instance.old" }),
    ]);
    expect(review(text).map((c) => c.reason)).toEqual([
      "not a resource of the published modules: review it yourself (moved from `aws_s3_bucket.old_logs`)",
      "not a resource of the published modules: review it yourself (moved from `aws_db_instance.old`)",
    ]);
  });

  it("takes a registry source that names the published module for it", () => {
    const text = plan([rc("module.kafka", 'aws_lb_listener.broker["1"]', ["create"], null, { port: 6001 })], {
      kafka: { source: "app.terraform.io/acme/kafka-privatelink-provider/aws" },
    });
    expect(review(text)[0]).toMatchObject({ level: "additive", brokers: [{ id: "1", port: 6001 }] });
  });

  it("levels updates in place by what changes: tags are none, a port is a move (disruptive), deregistration delay client-visible", () => {
    const k = "module.kafka";
    const changes = brief([
      plan([
        rc(k, "aws_lb.this", ["update"], { tags: { a: "1" }, name: "orders-nlb" }, { tags: { a: "2" }, name: "orders-nlb" }),
        rc(k, 'aws_lb_listener.broker["3"]', ["update"], { port: 6003 }, { port: 7003 }),
        rc(k, 'aws_lb_target_group.broker["3"]', ["update"], { deregistration_delay: "30" }, { deregistration_delay: "60" }),
        rc(k, 'aws_cloudwatch_metric_alarm.broker["3"]', ["delete"], {}, null),
        {
          ...rc(k, "aws_cloudwatch_metric_alarm.bootstrap", ["update"], { tags: null }, { tags: {} }),
          address: `${k}.aws_cloudwatch_metric_alarm.bootstrap[0]`,
          index: 0 as unknown as string,
        },
        rc(k, "aws_vpc_endpoint_service.this", ["update"], { allowed_principals: ["a", "b"] }, { allowed_principals: ["a"] }),
      ]),
    ]);
    expect(changes.map((c) => [c.address, c.level, c.brokers])).toEqual([
      ["module.kafka.aws_lb.this", "none", []],
      ['module.kafka.aws_lb_listener.broker["3"]', "disruptive", [{ id: "3", port: 7003, from: 6003 }]],
      ['module.kafka.aws_lb_target_group.broker["3"]', "client-visible", [{ id: "3", port: 7003 }]],
      ['module.kafka.aws_cloudwatch_metric_alarm.broker["3"]', "none", [{ id: "3", port: 7003 }]],
      // A count index is no broker ID.
      ["module.kafka.aws_cloudwatch_metric_alarm.bootstrap[0]", "none", []],
      ["module.kafka.aws_vpc_endpoint_service.this", "client-visible", []],
    ]);
  });

  it("names the consumer, the CIDR and the broker of a consumer rule, from the provider plan's listeners when given", () => {
    const consumer = plan(
      [
        rc("module.kafka", 'aws_security_group.endpoint["10.30.0.0/16"]', ["delete"], { name: "orders-analytics-kafka-10.30.0.0/16" }, null),
        rc(
          "module.kafka",
          'aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:6005"]',
          ["delete"],
          { description: "Kafka broker 5 from 10.30.0.0/16", from_port: 6005 },
          null,
        ),
        rc(
          "module.kafka",
          'aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:9091"]',
          ["delete"],
          { description: "Kafka bootstrap from 10.30.0.0/16", from_port: 9091 },
          null,
        ),
      ],
      { kafka: { source: "../../modules/kafka-privatelink-consumer" } },
    );
    expect(brief([consumer])).toEqual([
      {
        address: 'module.kafka.aws_security_group.endpoint["10.30.0.0/16"]',
        level: "disruptive",
        brokers: [],
        cidrs: ["10.30.0.0/16"],
        consumers: ["orders-analytics"],
      },
      {
        address: 'module.kafka.aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:6005"]',
        level: "disruptive",
        brokers: [{ id: "5", port: 6005 }],
        cidrs: ["10.30.0.0/16"],
        consumers: ["orders-analytics"],
      },
      {
        address: 'module.kafka.aws_vpc_security_group_ingress_rule.client["10.30.0.0/16:9091"]',
        level: "disruptive",
        brokers: [],
        cidrs: ["10.30.0.0/16"],
        consumers: ["orders-analytics"],
      },
    ]);
  });

  it("shows a moved resource as none and leaves out unchanged resources and data sources", () => {
    const text = plan([
      rc("module.kafka", "aws_lb.this", ["no-op"], {}, {}, { previous_address: "aws_lb.this" }),
      rc("module.kafka", "aws_lb_listener.bootstrap", ["no-op"], { port: 9091 }, { port: 9091 }),
      { ...rc("module.kafka", "aws_region.current", ["read"], null, {}), mode: "data" },
    ]);
    expect(review(text).map((c) => [c.address, c.level, c.reason])).toEqual([
      ["module.kafka.aws_lb.this", "none", "the NLB: moved from `aws_lb.this`, nothing changes"],
    ]);
  });

  it("cross-checks the plan with the port lock: a listener port the lock does not record, a lock port without its listener, a consumer port", () => {
    const text = plan([
      rc("module.kafka", "aws_lb.this", ["no-op"], { name: "orders-nlb" }, { name: "orders-nlb" }),
      rc("module.kafka", 'aws_lb_listener.broker["1"]', ["no-op"], { port: 6001 }, { port: 6001 }),
      rc("module.kafka", 'aws_lb_listener.broker["2"]', ["update"], { port: 6002 }, { port: 6099 }),
      rc("module.kafka", "aws_lb_listener.bootstrap", ["no-op"], { port: 9091 }, { port: 9091 }),
    ]);
    const lock = { cluster: "orders", bootstrapPort: 9091, brokers: { "1": 6001, "2": 6002, "3": 6003 } };
    expect(lockDisagreements([parsePlan(text, "p.json")], lock)).toEqual([
      "p.json: module.kafka: broker 2's listener is on port 6099, the port lock records 6002",
      "p.json: module.kafka: the port lock records broker 3 on port 6003, the plan leaves no listener for it",
    ]);
    // Another cluster's provider module is not this lock's.
    expect(lockDisagreements([parsePlan(text, "p.json")], { ...lock, cluster: "payments" })).toEqual([]);
  });

  it("names the account and region each plan applies in, from its AWS provider configuration", () => {
    const text = JSON.stringify({
      format_version: "1.2",
      planned_values: {},
      resource_changes: [],
      configuration: {
        provider_config: {
          aws: {
            name: "aws",
            expressions: { region: { constant_value: "eu-west-1" }, assume_role: [{ role_arn: { constant_value: "arn:aws:iam::444455556666:role/deploy" } }] },
          },
          "aws.peer": { name: "aws", alias: "peer", expressions: { profile: { references: ["var.profile"] } } },
        },
      },
    });
    const parsed = parsePlan(text, "p.json");
    expect(parsed.aws).toEqual([
      { plan: "p.json", provider: "aws", region: "eu-west-1", assumeRoleArn: "arn:aws:iam::444455556666:role/deploy" },
      { plan: "p.json", provider: "aws.peer", profile: "(from var.profile)" },
    ]);
    expect(reportMarkdown({ highest: "none", changes: [], aws: parsed.aws })).toContain(
      "- p.json: AWS provider `aws`: region `eu-west-1`, role `arn:aws:iam::444455556666:role/deploy`\n",
    );
  });

  it("lists every change whatever its actions: a replacement that keeps the old object (create, forget) as a replacement, actions it does not know as unknown", () => {
    const text = plan([
      rc(
        "module.kafka",
        "aws_lb.this",
        ["create", "forget"],
        { internal: true },
        { internal: true },
        { change: { actions: ["create", "forget"], before: {}, after: {}, replace_paths: [["name"]] } },
      ),
      rc("module.kafka", "aws_lb_listener.bootstrap", ["read", "update"], { port: 9091 }, { port: 9091 }),
      rc("", "aws_instance.mine", ["create", "forget"], {}, {}),
    ]);
    expect(review(text).map((c) => [c.address, c.level, c.reason])).toEqual([
      [
        "module.kafka.aws_lb.this",
        "outage",
        expect.stringMatching(
          /^the NLB: replaced: `name` cannot change in place, the old object left in place unmanaged \(`lifecycle \{ destroy = false \}`\); /,
        ),
      ],
      [
        "module.kafka.aws_lb_listener.bootstrap",
        "unknown",
        "the bootstrap listener: actions read, update, which this review does not know: review it yourself",
      ],
      ["aws_instance.mine", "unknown", "not a resource of the published modules: review it yourself"],
    ]);
    expect(reportMarkdown({ highest: "outage", changes: review(text), aws: [] })).toContain("| replace (the old one kept, unmanaged) |");
  });

  it("refuses what is not a plan, naming the file and the problem", () => {
    expect(() => parsePlan("{", "a.json")).toThrow(PlanReadError);
    expect(() => parsePlan("{", "a.json")).toThrow(/^a\.json: not JSON/);
    expect(() => parsePlan(JSON.stringify({ version: 4, terraform_version: "1.11.4", resources: [] }), "s.json")).toThrow(/^s\.json: not a Terraform plan/);
    expect(() => parsePlan(JSON.stringify({ format_version: "2.0", planned_values: {} }), "f.json")).toThrow(
      'f.json: plan format_version "2.0" is not supported (this review reads format 1.x)',
    );
    expect(() => parsePlan(JSON.stringify({ format_version: "1.2", resource_changes: [{ address: 1 }] }), "r.json")).toThrow(
      /^r\.json: resource_changes is not a list/,
    );
    const malformed = (change: object) => JSON.stringify({ format_version: "1.2", resource_changes: [{ address: "aws_lb.this", type: "aws_lb", change }] });
    expect(() => parsePlan(malformed({ actions: ["delete", "create"], replace_paths: "name" }), "p.json")).toThrow(
      "p.json: resource_changes is not a list of resource changes with an address, a type, actions (strings) and replace_paths (lists)",
    );
    expect(() => parsePlan(malformed({ actions: [1] }), "a.json")).toThrow(/^a\.json: resource_changes is not a list/);
  });

  it("writes Markdown for a pull request: the summary line with the highest level first, then a table per level, highest first", () => {
    const text = plan([
      rc("module.kafka", 'aws_lb_listener.broker["4"]', ["create"], null, { port: 6004 }),
      rc("module.kafka", 'aws_lb_listener.broker["3"]', ["delete"], { port: 6003 }, null),
      rc("", "aws_s3_bucket.logs", ["update"], {}, {}),
    ]);
    const changes = review(text);
    const md = reportMarkdown({ highest: highestLevel(changes), changes, aws: [] }).split("\n");
    expect(md[0]).toBe("**Kafka PrivateLink plan review: disruptive** (highest level) — 3 change(s) in 1 plan(s): 1 disruptive, 1 additive, 1 unknown.");
    expect(md.filter((l) => l.startsWith("### ")).map((l) => l.split(" — ")[0])).toEqual(["### disruptive", "### additive", "### unknown"]);
    expect(md).toContain(
      '| plan0.json | `module.kafka.aws_lb_listener.broker["3"]` | destroy | 3 (6003) |  |  | broker 3\'s listener: destroyed; the broker is unreachable through PrivateLink for that window; clients whose partition leader it is stall |',
    );
  });
});

describe("npm run review", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-review-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it("exits 0 with the report, 3 at or above --fail-on, 1 on a file that is not a plan, 2 on a bad command line", () => {
    const good = file("good.json", plan([rc("module.kafka", 'aws_lb_listener.broker["3"]', ["delete"], { port: 6003 }, null)]));
    const ok = reviewIn(["--plan", good, "--format", "json"]);
    expect({ status: ok.status, stderr: ok.stderr, highest: JSON.parse(ok.stdout).highest }).toEqual({ status: 0, stderr: "", highest: "disruptive" });
    expect(reviewIn(["--plan", good, "--fail-on", "disruptive"]).status).toBe(3);
    expect(reviewIn(["--plan", good, "--fail-on", "outage"]).status).toBe(0);
    expect(reviewIn(["--plan", dir]).stderr.trim()).toBe(
      `${dir}: is not a regular file (a directory); give the path of a file holding \`terraform show -json PLANFILE\`'s output`,
    );
    // A named pipe would block a reader forever: refused at once.
    execFileSync("mkfifo", [path.join(dir, "fifo.json")]);
    expect(reviewIn(["--plan", path.join(dir, "fifo.json")])).toMatchObject({
      status: 1,
      stderr: expect.stringContaining("fifo.json: is not a regular file (a named pipe)"),
    });
    for (const args of [[], ["--plan", good, "--format", "yaml"], ["--plan", good, "--fail-on", "severe"], ["--plan", good, "--bogus"]]) {
      const run = reviewIn(args);
      expect({ args, status: run.status }).toEqual({ args, status: 2 });
      expect(run.stderr).toContain("Usage: npm run review");
    }
  });
});
