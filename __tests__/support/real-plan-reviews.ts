/**
 * Plan review against real plans: changes to a deployment in the AWS API emulator are planned by
 * terraform with the real AWS provider (support/saved-plans.ts) and read by `npm run review` as a
 * user runs it; the levels, brokers, consumers and CIDRs must be exactly the ones expected from
 * what AWS and the provider do. Run by integration/deploy.test.ts on its deployment, the example
 * with health alarms and two client CIDRs: eight changes planned from copies of its states
 * (`reviewRealPlans`), and the two broker steps' own saved plans before they are applied
 * (`expectBrokerReview`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Config, ConfigInput } from "../../config/schema";
import type { EmulatedProject, EmulatedVpc } from "../../emulator/emulator";
import { reviewOf, summarize } from "./plan-review";
import { inPool } from "../../terraform/run";
import { PlanWorkshop } from "./saved-plans";

export interface Deployment {
  readonly project: EmulatedProject;
  /** The configuration as deployed (emulated VPC IDs), and as validated. */
  readonly document: ConfigInput;
  readonly config: Config;
  /** Provider stack first, then the consumer's. */
  readonly stacks: readonly string[];
  /** A VPC of the emulated account that no stack uses: a consumer added by a plan goes there. */
  readonly spareVpc: EmulatedVpc;
}

const brokerPort = (config: Config, id: number) => config.cluster.brokerPortBase + id;

const k = (address: string) => `module.kafka.${address}`;
const sorted = <T extends { address: string }>(xs: T[]) => [...xs].sort((x, y) => x.address.localeCompare(y.address));

/** `npm run review`'s arguments for `plans` (stack → plan JSON). */
const planArgs = (plans: Record<string, string>) => Object.values(plans).flatMap((p) => ["--plan", p]);

/** `npm run review --format json` of `plans`, which must exit 0 and print nothing on stderr. */
function review(plans: Record<string, string>, ...args: string[]) {
  const run = reviewOf([...planArgs(plans), "--format", "json", ...args]);
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
  return summarize(run.stdout);
}

/** A broker as the review names it; `from` a port base it moved from (its port then 1000 higher). */
const brokerRef = (config: Config, id: number, from?: number) => ({
  id: String(id),
  port: brokerPort(config, id) + (from === undefined ? 0 : 1000),
  ...(from === undefined ? {} : { from }),
});

/** The review's lines for broker `id`'s own provider resources, all made or removed (`actions`) at `level`. */
function ownChanges(config: Config, id: number, level: string, actions: string) {
  const line = (address: string, lineLevel = level) => ({
    address: k(address),
    actions,
    level: lineLevel,
    brokers: [brokerRef(config, id)],
    consumers: [],
    cidrs: [],
  });
  return [
    line(`aws_lb_listener.broker["${id}"]`),
    line(`aws_lb_target_group.broker["${id}"]`),
    line(`aws_lb_target_group_attachment.broker["${id}"]`),
    line(`aws_lb_target_group_attachment.bootstrap["${id}"]`, level === "disruptive" ? "client-visible" : level),
    line(`aws_cloudwatch_metric_alarm.broker["${id}"]`, "none"),
  ];
}

/** The review's line for the client rule of `cidr` to `port` in consumer `name`'s stack. */
const ruleChange = (name: string, cidr: string, port: number, actions: string, level: string, broker?: { id: string; port: number }) => ({
  address: k(`aws_vpc_security_group_ingress_rule.client["${cidr}:${port}"]`),
  actions,
  level,
  brokers: broker ? [broker] : [],
  consumers: [name],
  cidrs: [cidr],
});

/**
 * The review of a broker step's own saved plans (integration/deploy.test.ts: broker 4 added, broker
 * 3 removed; `plans` is stack → plan JSON), read by `npm run review`: exactly that broker's
 * resources and its client rules. An added broker is additive; a removed one is disruptive
 * (unreachable through PrivateLink), so `--fail-on disruptive` exits 3 and `--fail-on outage` 0.
 */
export function expectBrokerReview(plans: Record<string, string>, config: Config, id: number, action: "create" | "delete"): void {
  const level = action === "create" ? "additive" : "disruptive";
  const [{ name, allowedCidrs }] = config.consumers;
  const rules = allowedCidrs.map((c) => ruleChange(`${config.cluster.name}-${name}`, c, brokerPort(config, id), action, level, brokerRef(config, id)));
  expect(review(plans)).toEqual({ highest: level, changes: sorted([...ownChanges(config, id, level, action), ...rules]) });
  if (action === "delete") {
    expect(reviewOf([...planArgs(plans), "--fail-on", "disruptive"]).status).toBe(3);
    expect(reviewOf([...planArgs(plans), "--fail-on", "outage"]).status).toBe(0);
  }
}

export async function reviewRealPlans({ project, document, config, stacks, spareVpc }: Deployment): Promise<void> {
  const workshop = new PlanWorkshop(project);
  const provider = stacks[0];
  const consumer = stacks[1];
  const analytics = `${config.cluster.name}-${config.consumers[0].name}`;
  const cidrs = config.consumers[0].allowedCidrs;
  const b = (id: number, from?: number) => brokerRef(config, id, from);
  const rule = (cidr: string, port: number, actions: string, level: string, broker?: { id: string; port: number }, name = analytics) =>
    ruleChange(name, cidr, port, actions, level, broker);
  const ids = config.cluster.brokers.map((x) => x.id);
  const [kept, dropped] = cidrs;
  const billing = { ...document.consumers![0], name: "billing", vpcId: spareVpc.vpcId, subnetIds: [...spareVpc.subnetIds], allowedCidrs: [spareVpc.cidr] };
  const renamedStack = `payments-provider`;

  // Every variant is planned, three at a time (each terraform process spends seconds of CPU loading
  // the AWS provider), before the reviews are checked in order. Three, not two: the review runs
  // beside the broker steps and should end with them, or the storyline waits for it (measured in the
  // suite when it made 13 plans: 87 s two at a time, 75 s three at a time).
  const [cidrRemoved, consumerAdded, moved, renamedHost, renamed, acceptance, tagged] = await inPool(
    [
      () => workshop.plan("remove-cidr", { ...document, consumers: [{ ...document.consumers![0], allowedCidrs: [kept] }] }, [consumer]),
      () => workshop.plan("add-consumer", { ...document, consumers: [...document.consumers!, billing] }, [`${config.cluster.name}-consumer-billing`]),
      () =>
        workshop.plan(
          "move-ports",
          { ...document, cluster: { ...document.cluster, brokerPortBase: config.cluster.brokerPortBase + 1000 } },
          [provider, consumer],
          {
            allowPortChange: true,
          },
        ),
      () =>
        workshop.plan(
          "hostname",
          { ...document, cluster: { ...document.cluster, advertisedHostname: `new.${config.cluster.advertisedHostname}` } },
          [consumer],
          {
            allowPortChange: true,
          },
        ),
      () =>
        workshop.plan("rename", { ...document, cluster: { ...document.cluster, name: "payments" } }, [renamedStack], {
          allowPortChange: true,
          stateOf: { [renamedStack]: provider },
        }),
      () => workshop.plan("acceptance", { ...document, cluster: { ...document.cluster, acceptanceRequired: !config.cluster.acceptanceRequired } }, [provider]),
      () => workshop.plan("tags", { ...document, cluster: { ...document.cluster, tags: { team: "payments" } } }, [provider]),
    ],
    3,
  );

  // One of two CIDRs removed (the consumer plan alone: brokers are named from the rules' own descriptions).
  expect(review(cidrRemoved)).toEqual({
    highest: "disruptive",
    changes: sorted([
      {
        address: k(`aws_security_group.endpoint["${dropped}"]`),
        actions: "delete",
        level: "disruptive",
        brokers: [],
        consumers: [analytics],
        cidrs: [dropped],
      },
      rule(dropped, config.cluster.bootstrapPort, "delete", "disruptive"),
      ...ids.map((id) => rule(dropped, brokerPort(config, id), "delete", "disruptive", b(id))),
      { address: k("aws_vpc_endpoint.this"), actions: "update", level: "client-visible", brokers: [], consumers: [analytics], cidrs: [] },
    ]),
  });

  // A consumer added: its own stack, all additive.
  const billingName = `${config.cluster.name}-billing`;
  const only = (address: string) => ({ address: k(address), actions: "create", level: "additive", brokers: [], consumers: [billingName], cidrs: [] });
  expect(review(consumerAdded)).toEqual({
    highest: "additive",
    changes: sorted([
      { ...only(`aws_security_group.endpoint["${spareVpc.cidr}"]`), cidrs: [spareVpc.cidr] },
      rule(spareVpc.cidr, config.cluster.bootstrapPort, "create", "additive", undefined, billingName),
      ...ids.map((id) => rule(spareVpc.cidr, brokerPort(config, id), "create", "additive", b(id), billingName)),
      only("aws_vpc_endpoint.this"),
      only("aws_route53_zone.this[0]"),
      only("aws_route53_record.this"),
    ]),
  });

  // Every broker port moved (--allow-port-change): listeners updated in place, rules replaced by port.
  expect(review(moved)).toEqual({
    highest: "disruptive",
    changes: sorted([
      ...ids.map((id) => ({
        address: k(`aws_lb_listener.broker["${id}"]`),
        actions: "update",
        level: "disruptive",
        brokers: [b(id, brokerPort(config, id))],
        consumers: [],
        cidrs: [],
      })),
      // The alarm's description names the port it watches.
      ...ids.map((id) => ({
        address: k(`aws_cloudwatch_metric_alarm.broker["${id}"]`),
        actions: "update",
        level: "none",
        brokers: [{ id: String(id), port: brokerPort(config, id) + 1000 }],
        consumers: [],
        cidrs: [],
      })),
      ...cidrs.flatMap((c) =>
        ids.flatMap((id) => [
          rule(c, brokerPort(config, id), "delete", "disruptive", { id: String(id), port: brokerPort(config, id) }),
          rule(c, brokerPort(config, id) + 1000, "create", "additive", { id: String(id), port: brokerPort(config, id) + 1000 }),
        ]),
      ),
    ]),
  });

  // The advertised hostname changed: the consumer's zone and alias are replaced (name is ForceNew): outage.
  expect(review(renamedHost)).toEqual({
    highest: "outage",
    changes: [
      { address: k("aws_route53_record.this"), actions: "delete,create", level: "outage", brokers: [], consumers: [analytics], cidrs: [] },
      { address: k("aws_route53_zone.this[0]"), actions: "delete,create", level: "outage", brokers: [], consumers: [analytics], cidrs: [] },
    ],
  });

  // The cluster renamed, its state carried over (as a plain-Terraform root does): the NLB is
  // replaced (outage), with it every listener and target group (disruptive).
  const replaced = (address: string, level: string, brokers: Array<{ id: string; port: number }> = [], actions = "delete,create") => ({
    address: k(address),
    actions,
    level,
    brokers,
    consumers: [],
    cidrs: [],
  });
  expect(review(renamed)).toEqual({
    highest: "outage",
    changes: sorted([
      replaced("aws_lb.this", "outage"),
      replaced("aws_lb_listener.bootstrap", "disruptive"),
      replaced("aws_lb_target_group.bootstrap", "disruptive", [], "create,delete"),
      replaced("aws_cloudwatch_metric_alarm.bootstrap[0]", "none"),
      ...ids.flatMap((id) => [
        replaced(`aws_lb_listener.broker["${id}"]`, "disruptive", [b(id)]),
        replaced(`aws_lb_target_group.broker["${id}"]`, "disruptive", [b(id)], "create,delete"),
        replaced(`aws_lb_target_group_attachment.broker["${id}"]`, "disruptive", [b(id)]),
        replaced(`aws_lb_target_group_attachment.bootstrap["${id}"]`, "client-visible", [b(id)]),
        replaced(`aws_cloudwatch_metric_alarm.broker["${id}"]`, "none", [b(id)]),
      ]),
      { ...replaced("aws_vpc_endpoint_service.this", "disruptive"), actions: "update" },
    ]),
  });

  // Acceptance toggled: the endpoint service updated in place; client-visible.
  expect(review(acceptance)).toEqual({
    highest: "client-visible",
    changes: [{ ...replaced("aws_vpc_endpoint_service.this", "client-visible"), actions: "update" }],
  });

  // Tags only: every tagged provider resource updated in place, none of it seen by clients.
  const tagReview = review(tagged);
  expect(tagReview.highest).toBe("none");
  expect(tagReview.changes.length).toBeGreaterThanOrEqual(10);
  expect(tagReview.changes.filter((c) => c.level !== "none" || c.actions !== "update")).toEqual([]);

  // A plain-Terraform root that calls the published provider module as module "orders_kafka" inside another module.
  const root = path.join(workshop.dir, "plain-root");
  fs.mkdirSync(path.join(root, "platform"), { recursive: true });
  fs.cpSync(workshop.modulesOf("tags"), path.join(root, "modules"), { recursive: true });
  const brokersHcl = ids.map((id) => `"${id}" = { target = "${config.cluster.brokers.find((x) => x.id === id)!.target}" }`).join(", ");
  fs.writeFileSync(
    path.join(root, "main.tf"),
    `provider "aws" {\n  region = "${config.cluster.region}"\n}\n\nmodule "platform" {\n  source = "./platform"\n}\n`,
  );
  fs.writeFileSync(
    path.join(root, "platform", "main.tf"),
    `module "orders_kafka" {\n  source              = "../modules/kafka-privatelink-provider"\n  name                = "plain"\n  vpc_id              = "${config.cluster.vpcId}"\n  subnet_ids          = ${JSON.stringify(config.cluster.subnetIds)}\n  advertised_hostname = "plain.kafka.example.internal"\n  brokers             = { ${brokersHcl} }\n  allowed_principals  = ${JSON.stringify(config.cluster.allowedPrincipals)}\n}\n`,
  );
  const plain = review({ root: await workshop.planFolder(root, "plain-root") });
  const m = (address: string) => `module.platform.module.orders_kafka.${address}`;
  const created = (address: string, brokers: Array<{ id: string; port: number }> = []) => ({
    address: m(address),
    actions: "create",
    level: "additive",
    brokers,
    consumers: [],
    cidrs: [],
  });
  expect(plain).toEqual({
    highest: "additive",
    changes: sorted([
      created("aws_lb.this"),
      created("aws_lb_listener.bootstrap"),
      created("aws_lb_target_group.bootstrap"),
      created("aws_vpc_endpoint_service.this"),
      ...ids.flatMap((id) => [
        created(`aws_lb_listener.broker["${id}"]`, [b(id)]),
        created(`aws_lb_target_group.broker["${id}"]`, [b(id)]),
        created(`aws_lb_target_group_attachment.broker["${id}"]`, [b(id)]),
        created(`aws_lb_target_group_attachment.bootstrap["${id}"]`, [b(id)]),
      ]),
    ]),
  });

  // A plan edited by hand to carry a listener port the lock does not record: exit 4, naming it.
  const edited = path.join(workshop.dir, "edited.json");
  const doc = JSON.parse(fs.readFileSync(acceptance[provider], "utf8"));
  const listener = doc.resource_changes.find((c: { address: string }) => c.address === k('aws_lb_listener.broker["2"]'));
  listener.change.after.port = 6099;
  fs.writeFileSync(edited, JSON.stringify(doc));
  expect(reviewOf(["--plan", acceptance[provider], "--config", workshop.configFile]).status).toBe(0);
  const disagree = reviewOf(["--plan", edited, "--config", workshop.configFile]);
  expect(disagree.status).toBe(4);
  expect(disagree.stderr).toContain(`broker 2's listener is on port 6099, the port lock records ${brokerPort(config, 2)}`);

  // A JSON file that is not a plan (a state file): exit 1, one line, no stack trace.
  const notPlan = reviewOf(["--plan", workshop.stateFile(provider)]);
  expect(notPlan.status).toBe(1);
  expect(notPlan.stderr.trim().split("\n")).toEqual([expect.stringMatching(/: not a Terraform plan \(no format_version and planned_values\)/)]);
}
