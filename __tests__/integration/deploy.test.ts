/**
 * The deploy rehearsal: the real cdktf CLI deploys, diffs and destroys the example's stacks (the
 * provider stack with health alarms to an SNS topic of the emulated account, then its consumer)
 * against moto, the AWS API emulator, with the real terraform and AWS provider; what was deployed
 * is read back through the AWS API (emulator/inventory.ts), never from the synthesized JSON.
 * Right after the first deploy, the Kafka rehearsal runs on that deployment: HAProxy built from
 * the NLB listeners, target groups and registered targets read back through the API, the client
 * resolving the read-back alias record, real brokers over TLS, the doctor (rehearsal/deployed.ts).
 * Everything runs in a temporary project folder and on loopback.
 *
 * Needs the emulator (npm run emulator:install) and Terraform with the provider mirror, and for
 * the Kafka step the rehearsal's prerequisites (root, Java, HAProxy, the Kafka jars): skipped
 * with the reason without them, required in CI. Costs 5-6 minutes here (Route 53 waits
 * dominate; the Kafka step 12-30 s), so it runs one consumer.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AcceptVpcEndpointConnectionsCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateHostedZoneCommand, GetHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import { terraformUnavailable } from "../../emulator/terraform";
import { EXAMPLE_CONFIG } from "../../config/load";
import type { Config, ConfigInput } from "../../config/schema";
import {
  createAccount,
  createVpc,
  EmulatedProject,
  emulatedConfig,
  Emulator,
  emulatorHandlesEc2Action,
  emulatorUnavailable,
  readConfigDocument,
  RunResult,
  sdkConfig,
  startEmulator,
} from "../../emulator/emulator";
import { Inventory, readInventory } from "../../emulator/inventory";
import { plannedChanges } from "../../emulator/plan-text";
import { brokerPort as allocatedPort } from "../../modules/kafka-broker-ports/allocation";
import { rehearseDeployment } from "../../rehearsal/deployed";
import { missingPrerequisites } from "../../rehearsal/rehearsal";
import { dependentSteps, itNeeds } from "../support/requirements";
import { PlanWorkshop } from "../support/saved-plans";
import { reviewOf, summarize } from "../support/plan-review";

const noEmulator = emulatorUnavailable();
const itEmulates = itNeeds("the AWS API emulator", noEmulator);
const missing = noEmulator ?? terraformUnavailable();
const itDeploys = itNeeds("the AWS API emulator and Terraform", missing);
const noKafka = missingPrerequisites().join("; ") || undefined;
const itRehearses = itNeeds("the AWS API emulator, Terraform and the Kafka rehearsal's prerequisites", missing ?? noKafka);

/** Per cdktf command; a deploy of both stacks takes about 2 minutes here. */
const COMMAND_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 480_000;

/**
 * Whether a resource address is about one broker: its for_each key ends in the broker's ID (`"4"`,
 * `"broker-4"`) or names the broker's port (`"10.20.0.0/16:6004"`), whatever else the key holds.
 */
function namesBroker(address: string, id: number, port: number): boolean {
  const key = /\["([^"]*)"\]$/.exec(address)?.[1];
  if (key === undefined) return false;
  const numbers = key.split(/[^0-9]+/).filter(Boolean);
  return numbers.includes(String(port)) || numbers.at(-1) === String(id);
}

const brokerPort = (config: Config, id: number) => config.cluster.brokerPortBase + id;
const normalDns = (name: string | undefined) => (name ?? "").toLowerCase().replace(/\.$/, "");

/** Asserts that the account holds exactly what `config` asks for, read through the AWS API. */
function expectDeployed(inventory: Inventory, config: Config): void {
  const { cluster } = config;
  const ids = cluster.brokers.map((b) => b.id);
  const target = (id: number) => `${cluster.brokers.find((b) => b.id === id)!.target}:${cluster.brokerTargetPort}`;

  // The NLB: internal, cross-zone on, in the cluster's VPC.
  expect(inventory.loadBalancers).toHaveLength(1);
  const [nlb] = inventory.loadBalancers;
  expect({ type: nlb.type, scheme: nlb.scheme, vpcId: nlb.vpcId, crossZone: nlb.attributes["load_balancing.cross_zone.enabled"] }).toEqual({
    type: "network",
    scheme: "internal",
    vpcId: cluster.vpcId,
    crossZone: "true",
  });

  // Listeners: the bootstrap port → every broker; each broker's port → exactly that broker, all
  // on the target port; no other listener and no other target group.
  const groups = new Map(inventory.targetGroups.map((g) => [g.arn, g]));
  const routes = Object.fromEntries(
    nlb.listeners.map((l) => [l.port, { protocol: l.protocol, groups: l.targetGroupArns.map((arn) => ({ protocol: groups.get(arn)?.protocol, targets: groups.get(arn)?.targets })) }]),
  );
  const expectedRoutes = Object.fromEntries([
    [cluster.bootstrapPort, { protocol: "TCP", groups: [{ protocol: "TCP", targets: ids.map(target).sort() }] }],
    ...ids.map((id) => [brokerPort(config, id), { protocol: "TCP", groups: [{ protocol: "TCP", targets: [target(id)] }] }]),
  ]);
  expect(routes).toEqual(expectedRoutes);
  expect(inventory.targetGroups).toHaveLength(ids.length + 1);

  // The endpoint service: in front of this NLB, acceptance as configured, exactly the principals.
  expect(inventory.endpointServices).toHaveLength(1);
  const [service] = inventory.endpointServices;
  expect({ nlbArns: service.nlbArns, acceptanceRequired: service.acceptanceRequired, principals: service.principals }).toEqual({
    nlbArns: [nlb.arn],
    acceptanceRequired: cluster.acceptanceRequired,
    principals: [...cluster.allowedPrincipals].sort(),
  });

  // Health alarms: one per broker on its own group, one on the bootstrap group, each on the
  // deployed NLB's and group's ARN suffixes (what CloudWatch's AWS/NetworkELB dimensions hold).
  // An ARN's suffix as ELBv2 defines it: the resource part, without "loadbalancer/" for a load balancer.
  const suffix = (arn: string) => arn.split(":").slice(5).join(":").replace(/^loadbalancer\//, "");
  const groupOf = (port: number) => nlb.listeners.find((l) => l.port === port)!.targetGroupArns[0];
  const actions = [...(cluster.alarms?.actions ?? [])].sort();
  const expectedAlarms = cluster.alarms
    ? [
        { name: `${cluster.name}-bootstrap-unhealthy`, group: groupOf(cluster.bootstrapPort) },
        ...ids.map((id) => ({ name: `${cluster.name}-broker-${id}-unhealthy`, group: groupOf(brokerPort(config, id)) })),
      ].map(({ name, group }) => ({
        name,
        namespace: "AWS/NetworkELB",
        metricName: "HealthyHostCount",
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: 1,
        period: 60,
        evaluationPeriods: 2,
        treatMissingData: "breaching",
        dimensions: { LoadBalancer: suffix(nlb.arn), TargetGroup: suffix(group) },
        alarmActions: actions,
        okActions: actions,
      }))
    : [];
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  expect([...inventory.alarms].sort(byName)).toEqual(expectedAlarms.sort(byName));

  expect(inventory.endpoints).toHaveLength(config.consumers.length);
  for (const consumer of config.consumers) {
    // The interface endpoint to that service, in the consumer's subnets.
    const endpoints = inventory.endpoints.filter((e) => e.vpcId === consumer.vpcId);
    expect(endpoints).toHaveLength(1);
    const [endpoint] = endpoints;
    expect({ type: endpoint.type, serviceName: endpoint.serviceName, subnetIds: endpoint.subnetIds }).toEqual({
      type: "Interface",
      serviceName: service.name,
      subnetIds: [...consumer.subnetIds].sort(),
    });

    // Its security groups, all of them together, admit exactly the bootstrap and broker ports
    // from each client CIDR.
    expect(endpoint.groupIds.length).toBeGreaterThan(0);
    const admits = new Set(inventory.securityGroups.filter((g) => endpoint.groupIds.includes(g.id)).flatMap((g) => [...g.admits]));
    const ports = [cluster.bootstrapPort, ...ids.map((id) => brokerPort(config, id))];
    const expectedAdmits = consumer.allowedCidrs.flatMap((cidr) => ports.map((port) => `${cidr}:${port}`));
    expect([...admits].sort()).toEqual(expectedAdmits.sort());

    // The private zone named the advertised hostname, on the consumer's VPC, with an alias A
    // record to the endpoint's DNS name.
    const zones = inventory.hostedZones.filter((z) => normalDns(z.name) === cluster.advertisedHostname && z.vpcIds.includes(consumer.vpcId));
    expect(zones).toHaveLength(1);
    const [zone] = zones;
    expect(zone.private).toBe(true);
    const aliases = zone.records.filter((r) => r.type === "A" && normalDns(r.name) === cluster.advertisedHostname);
    expect(aliases.map((r) => ({ dnsName: normalDns(r.aliasDnsName), zoneId: r.aliasZoneId }))).toEqual([
      { dnsName: normalDns(endpoint.dnsEntries[0]?.dnsName), zoneId: endpoint.dnsEntries[0]?.hostedZoneId },
    ]);
  }
}

/** Throws with the command's output unless it succeeded. */
function ok(run: RunResult, what: string): RunResult {
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}) after ${run.seconds.toFixed(0)} s:\n${run.output.slice(-6000)}`);
  return run;
}

describe("the emulator's launcher", () => {
  itEmulates(
    "makes a hosted zone created with a VPC private and associated with that VPC, as AWS does (the AWS provider sends no PrivateZone flag)",
    async () => {
      const emulator = await startEmulator();
      const ec2 = new EC2Client(sdkConfig(emulator.endpoint, "us-east-1"));
      const route53 = new Route53Client(sdkConfig(emulator.endpoint, "us-east-1"));
      try {
        const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }))).Vpc!.VpcId!;
        const created = await route53.send(
          new CreateHostedZoneCommand({ Name: "launcher.example.internal", CallerReference: "launcher-check", VPC: { VPCId: vpcId, VPCRegion: "us-east-1" } }),
        );
        const zone = await route53.send(new GetHostedZoneCommand({ Id: created.HostedZone!.Id }));
        expect({ private: zone.HostedZone?.Config?.PrivateZone, vpcs: zone.VPCs }).toEqual({ private: true, vpcs: [{ VPCId: vpcId, VPCRegion: "us-east-1" }] });
      } finally {
        ec2.destroy();
        route53.destroy();
        await emulator.stop();
      }
    },
    90_000,
  );
});

describe("cdktf deploy, diff and destroy against the AWS API emulator", () => {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  let project: EmulatedProject;
  let document: ConfigInput;
  let config: Config;
  let stacks: readonly string[];
  let regions: string[];
  let before: Inventory;
  const timings: string[] = [];
  const { step, readOnly } = dependentSteps(itDeploys, STEP_TIMEOUT_MS);

  const cdktf = async (args: readonly string[]) => {
    const run = ok(await project.cdktf(args, COMMAND_TIMEOUT_MS), `cdktf ${args.join(" ")}`);
    timings.push(`cdktf ${args.filter((a) => !a.startsWith("-")).join(" ")}: ${run.seconds.toFixed(0)} s`);
    return run;
  };
  // Providers come from the filesystem mirror only: cdktf must not run `terraform providers lock`,
  // which asks the registry.
  const deployAll = () => cdktf(["deploy", ...stacks, "--auto-approve", "--skip-provider-lock"]);
  // `cdktf diff` takes one stack. The stacks' plans are independent, so they run side by side
  // on one synth (two synths at once would write the same output folder).
  const diffAll = async () => {
    await cdktf(["synth"]);
    return Promise.all(stacks.map(async (stack) => plannedChanges((await cdktf(["diff", stack, "--skip-synth", "--skip-provider-lock"])).output)));
  };
  const inventory = () => readInventory(emulator!.endpoint, regions);
  const reconfigure = (next: ConfigInput) => {
    document = next;
    const result = project.writeConfig(next);
    config = result.config;
    stacks = result.stacks;
  };

  beforeAll(async () => {
    if (missing) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-deploy-"));
    emulator = await startEmulator();
    // The shipped example with one consumer (each consumer stack adds about 40 s of Route 53 waits).
    const example = readConfigDocument(EXAMPLE_CONFIG);
    // Health alarms notify a topic of the emulated account, in the cluster's region.
    const sns = new SNSClient(sdkConfig(emulator.endpoint, example.cluster.region));
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: `${example.cluster.name}-oncall` })).finally(() => sns.destroy())).TopicArn!;
    // Two client CIDRs, so that a plan can remove one of them.
    const consumers = (example.consumers ?? []).slice(0, 1).map((c) => ({ ...c, allowedCidrs: [...c.allowedCidrs, "10.30.0.0/16"] }));
    const base = { ...example, cluster: { ...example.cluster, alarms: { actions: [topicArn] } }, consumers };
    expect(base.consumers).toHaveLength(1);
    const account = await createAccount(emulator.endpoint, base);
    project = new EmulatedProject(dir, emulator.endpoint, path.basename(EXAMPLE_CONFIG));
    reconfigure(emulatedConfig(base, account));
    regions = [config.cluster.region, ...config.consumers.map((c) => c.region)];
    before = await inventory();
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (timings.length > 0) console.log(`deploy rehearsal timings:\n  ${timings.join("\n  ")}`);
  }, 30_000);

  step(
    "deploys the provider stack, then the consumer stack; the AWS API shows exactly the configured load balancer, endpoint service, endpoint, security group and zone, and a diff finds nothing to change",
    async () => {
      expect(before.loadBalancers).toEqual([]);
      await deployAll();
      expectDeployed(await inventory(), config);
      // Applied state reads back as configured: no drift for the next plan (the Route 53
      // private-zone gap of the emulator would show here as a `vpc` change).
      expect(await diffAll()).toEqual(stacks.map(() => []));
    },
  );


  readOnly(
    "the deployed chain carries TLS Kafka traffic: HAProxy built from the NLB listeners, target groups and registered targets read back through the AWS API, the client resolving the read-back alias record; a broker stopped, the doctor names its port",
    async () => {
      const started = Date.now();
      // The stacks `cdktf deploy` applied (broker_config, client_config) are in the project's cdktf.out.
      const { deployed, doctor, stopped } = await rehearseDeployment({ inventory: await inventory(), config, outDir: path.join(dir!, "cdktf.out") }).finally(() =>
        timings.push(`Kafka rehearsal of the deployed state: ${((Date.now() - started) / 1000).toFixed(0)} s`),
      );
      // What the client resolved is the deployed record's name; what HAProxy served, the deployed listeners.
      expect(deployed.hostnames).toEqual([config.cluster.advertisedHostname]);
      expect(deployed.listeners.map((l) => l.port).sort()).toEqual([config.cluster.bootstrapPort, ...config.cluster.brokers.map((b) => brokerPort(config, b.id))].sort());
      expect(deployed.listeners.every((l) => l.source.startsWith("listener arn:aws:elasticloadbalancing:"))).toBe(true);
      expect(stopped).toHaveLength(1);
      const port = allocatedPort(stopped[0], config.cluster.brokerPortBase);
      const failed = doctor.checks.filter((c) => c.status === "fail");
      expect(failed).toContainEqual(
        expect.objectContaining({ check: "port", port, message: expect.stringMatching(new RegExp(`^port ${port} should reach broker ${stopped[0]} but no broker answers: `)) }),
      );
      expect(failed.every((c) => c.brokers?.join() === String(stopped[0]))).toBe(true);
      // Every running broker's certificate verified against the rehearsal CA for the advertised hostname.
      const running = config.cluster.brokers.map((b) => b.id).filter((id) => !stopped.includes(id));
      expect(doctor.checks.filter((c) => c.check === "tls" && c.status === "pass").map((c) => c.port)).toEqual(
        expect.arrayContaining(running.map((id) => allocatedPort(id, config.cluster.brokerPortBase))),
      );
    },
    itRehearses,
  );

  readOnly(
    "plan review: real plans of ten changes to the deployment, read by npm run review, give exactly the expected levels, brokers, consumers and CIDRs; a hand-edited listener port exits 4, a file that is not a plan exits 1",
    async () => {
      const started = Date.now();
      const workshop = new PlanWorkshop(project);
      const provider = stacks[0];
      const consumer = stacks[1];
      const analytics = "orders-analytics";
      const cidrs = config.consumers[0].allowedCidrs;
      const k = (address: string) => `module.kafka.${address}`;
      const review = (plans: Record<string, string>, ...args: string[]) => {
        const run = reviewOf([...Object.values(plans).flatMap((p) => ["--plan", p]), "--format", "json", ...args]);
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        return summarize(run.stdout);
      };
      const b = (id: number, from?: number) => ({ id: String(id), port: brokerPort(config, id) + (from === undefined ? 0 : 1000), ...(from === undefined ? {} : { from }) });
      const own = (id: number, level: string, actions: string, alarm: string, brokers = [b(id)]) => [
        { address: k(`aws_lb_listener.broker["${id}"]`), actions, level, brokers, consumers: [], cidrs: [] },
        { address: k(`aws_lb_target_group.broker["${id}"]`), actions, level, brokers, consumers: [], cidrs: [] },
        { address: k(`aws_lb_target_group_attachment.broker["${id}"]`), actions, level, brokers, consumers: [], cidrs: [] },
        { address: k(`aws_lb_target_group_attachment.bootstrap["${id}"]`), actions, level: level === "disruptive" ? "client-visible" : level, brokers, consumers: [], cidrs: [] },
        { address: k(`aws_cloudwatch_metric_alarm.broker["${id}"]`), actions: alarm, level: "none", brokers, consumers: [], cidrs: [] },
      ];
      const rule = (cidr: string, port: number, actions: string, level: string, broker?: { id: string; port: number }, name = analytics) => ({
        address: k(`aws_vpc_security_group_ingress_rule.client["${cidr}:${port}"]`),
        actions,
        level,
        brokers: broker ? [broker] : [],
        consumers: [name],
        cidrs: [cidr],
      });
      const sorted = <T extends { address: string }>(xs: T[]) => [...xs].sort((x, y) => x.address.localeCompare(y.address));
      const ids = config.cluster.brokers.map((x) => x.id);

      // Broker 4 added: its own resources and its rules, nothing else.
      const added = await workshop.plan("add-broker", { ...document, cluster: { ...document.cluster, brokers: [...document.cluster.brokers, { id: 4, target: "10.0.1.14" }] } }, [provider, consumer]);
      expect(review(added)).toEqual({
        highest: "additive",
        changes: sorted([...own(4, "additive", "create", "create"), ...cidrs.map((c) => rule(c, brokerPort(config, 4), "create", "additive", b(4)))]),
      });

      // Broker 3 removed: unreachable through PrivateLink (disruptive); its rules go.
      const removed = await workshop.plan("remove-broker", { ...document, cluster: { ...document.cluster, brokers: document.cluster.brokers.filter((x) => x.id !== 3) } }, [provider, consumer]);
      expect(review(removed)).toEqual({
        highest: "disruptive",
        changes: sorted([...own(3, "disruptive", "delete", "delete"), ...cidrs.map((c) => rule(c, brokerPort(config, 3), "delete", "disruptive", b(3)))]),
      });
      // --fail-on: at or above the highest level fails with 3, above it passes.
      expect(reviewOf([...Object.values(removed).flatMap((p) => ["--plan", p]), "--fail-on", "disruptive"]).status).toBe(3);
      expect(reviewOf([...Object.values(removed).flatMap((p) => ["--plan", p]), "--fail-on", "outage"]).status).toBe(0);

      // One of two CIDRs removed (the consumer plan alone: brokers are named from the rules' own descriptions).
      const [kept, dropped] = cidrs;
      const cidrRemoved = await workshop.plan("remove-cidr", { ...document, consumers: [{ ...document.consumers![0], allowedCidrs: [kept] }] }, [consumer]);
      expect(review(cidrRemoved)).toEqual({
        highest: "disruptive",
        changes: sorted([
          { address: k(`aws_security_group.endpoint["${dropped}"]`), actions: "delete", level: "disruptive", brokers: [], consumers: [analytics], cidrs: [dropped] },
          rule(dropped, config.cluster.bootstrapPort, "delete", "disruptive"),
          ...ids.map((id) => rule(dropped, brokerPort(config, id), "delete", "disruptive", b(id))),
          { address: k("aws_vpc_endpoint.this"), actions: "update", level: "client-visible", brokers: [], consumers: [analytics], cidrs: [] },
        ]),
      });

      // A consumer added: its own stack, all additive.
      const billingVpc = await createVpc(emulator!.endpoint, config.cluster.region, "10.40.0.0/16");
      const billing = { ...document.consumers![0], name: "billing", vpcId: billingVpc.vpcId, subnetIds: [...billingVpc.subnetIds], allowedCidrs: ["10.40.0.0/16"] };
      const consumerAdded = await workshop.plan("add-consumer", { ...document, consumers: [...document.consumers!, billing] }, [`${config.cluster.name}-consumer-billing`]);
      const billingName = `${config.cluster.name}-billing`;
      const only = (address: string) => ({ address: k(address), actions: "create", level: "additive", brokers: [], consumers: [billingName], cidrs: [] });
      expect(review(consumerAdded)).toEqual({
        highest: "additive",
        changes: sorted([
          { ...only('aws_security_group.endpoint["10.40.0.0/16"]'), cidrs: ["10.40.0.0/16"] },
          rule("10.40.0.0/16", config.cluster.bootstrapPort, "create", "additive", undefined, billingName),
          ...ids.map((id) => rule("10.40.0.0/16", brokerPort(config, id), "create", "additive", b(id), billingName)),
          only("aws_vpc_endpoint.this"),
          only("aws_route53_zone.this[0]"),
          only("aws_route53_record.this"),
        ]),
      });

      // Every broker port moved (--allow-port-change): listeners updated in place, rules replaced by port.
      const moved = await workshop.plan("move-ports", { ...document, cluster: { ...document.cluster, brokerPortBase: config.cluster.brokerPortBase + 1000 } }, [provider, consumer], {
        allowPortChange: true,
      });
      expect(review(moved)).toEqual({
        highest: "disruptive",
        changes: sorted([
          ...ids.map((id) => ({ address: k(`aws_lb_listener.broker["${id}"]`), actions: "update", level: "disruptive", brokers: [b(id, brokerPort(config, id))], consumers: [], cidrs: [] })),
          ...cidrs.flatMap((c) =>
            ids.flatMap((id) => [
              rule(c, brokerPort(config, id), "delete", "disruptive", { id: String(id), port: brokerPort(config, id) }),
              rule(c, brokerPort(config, id) + 1000, "create", "additive", { id: String(id), port: brokerPort(config, id) + 1000 }),
            ]),
          ),
        ]),
      });

      // The advertised hostname changed: the consumer's zone and alias are replaced (name is ForceNew): outage.
      const renamedHost = await workshop.plan("hostname", { ...document, cluster: { ...document.cluster, advertisedHostname: `new.${config.cluster.advertisedHostname}` } }, [consumer], {
        allowPortChange: true,
      });
      expect(review(renamedHost)).toEqual({
        highest: "outage",
        changes: [
          { address: k("aws_route53_record.this"), actions: "delete,create", level: "outage", brokers: [], consumers: [analytics], cidrs: [] },
          { address: k("aws_route53_zone.this[0]"), actions: "delete,create", level: "outage", brokers: [], consumers: [analytics], cidrs: [] },
        ],
      });

      // The cluster renamed, its state carried over (as a plain-Terraform root does): the NLB is
      // replaced (outage), with it every listener and target group (disruptive).
      const renamedStack = `payments-provider`;
      const renamed = await workshop.plan("rename", { ...document, cluster: { ...document.cluster, name: "payments" } }, [renamedStack], { allowPortChange: true, stateOf: { [renamedStack]: provider } });
      const replaced = (address: string, level: string, brokers: Array<{ id: string; port: number }> = [], actions = "delete,create") => ({ address: k(address), actions, level, brokers, consumers: [], cidrs: [] });
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
      const acceptance = await workshop.plan("acceptance", { ...document, cluster: { ...document.cluster, acceptanceRequired: !config.cluster.acceptanceRequired } }, [provider]);
      expect(review(acceptance)).toEqual({ highest: "client-visible", changes: [{ ...replaced("aws_vpc_endpoint_service.this", "client-visible"), actions: "update" }] });

      // Tags only: every tagged provider resource updated in place, none of it seen by clients.
      const tagged = await workshop.plan("tags", { ...document, cluster: { ...document.cluster, tags: { team: "payments" } } }, [provider]);
      const tagReview = review(tagged);
      expect(tagReview.highest).toBe("none");
      expect(tagReview.changes.length).toBeGreaterThanOrEqual(10);
      expect(tagReview.changes.filter((c) => c.level !== "none" || c.actions !== "update")).toEqual([]);

      // A plain-Terraform root that calls the published provider module as module "orders_kafka" inside another module.
      const root = path.join(workshop.dir, "plain-root");
      fs.mkdirSync(path.join(root, "platform"), { recursive: true });
      fs.cpSync(path.join(workshop.dir, "modules"), path.join(root, "modules"), { recursive: true });
      const brokersHcl = ids.map((id) => `"${id}" = { target = "${config.cluster.brokers.find((x) => x.id === id)!.target}" }`).join(", ");
      fs.writeFileSync(path.join(root, "main.tf"), `provider "aws" {\n  region = "${config.cluster.region}"\n}\n\nmodule "platform" {\n  source = "./platform"\n}\n`);
      fs.writeFileSync(
        path.join(root, "platform", "main.tf"),
        `module "orders_kafka" {\n  source              = "../modules/kafka-privatelink-provider"\n  name                = "plain"\n  vpc_id              = "${config.cluster.vpcId}"\n  subnet_ids          = ${JSON.stringify(config.cluster.subnetIds)}\n  advertised_hostname = "plain.kafka.example.internal"\n  brokers             = { ${brokersHcl} }\n  allowed_principals  = ${JSON.stringify(config.cluster.allowedPrincipals)}\n}\n`,
      );
      const plain = review({ root: await workshop.planFolder(root, "plain-root") });
      const m = (address: string) => `module.platform.module.orders_kafka.${address}`;
      const created = (address: string, brokers: Array<{ id: string; port: number }> = []) => ({ address: m(address), actions: "create", level: "additive", brokers, consumers: [], cidrs: [] });
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
      expect(reviewOf(["--plan", acceptance[provider], "--config", project.configFile]).status).toBe(0);
      const disagree = reviewOf(["--plan", edited, "--config", project.configFile]);
      expect(disagree.status).toBe(4);
      expect(disagree.stderr).toContain(`broker 2's listener is on port 6099, the port lock records ${brokerPort(config, 2)}`);

      // A JSON file that is not a plan (a state file): exit 1, one line, no stack trace.
      const notPlan = reviewOf(["--plan", path.join(project.dir, `terraform.${provider}.tfstate`)]);
      expect(notPlan.status).toBe(1);
      expect(notPlan.stderr.trim().split("\n")).toEqual([expect.stringMatching(/: not a Terraform plan \(no format_version and planned_values\)/)]);
      timings.push(`plan review (13 real plans): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    },
  );

  readOnly(
    "endpoint acceptance: the emulator lacks AcceptVpcEndpointConnections and DescribeVpcEndpointConnections (moto 5.2.5), so cluster.acceptEndpoints is not deployed here and the connection state cannot be read back",
    async () => {
      // When moto gains them, this fails: then deploy acceptEndpoints with the consumer's
      // endpoint_id (a provider redeploy after the consumer) and read the connection state back.
      expect(["accept_vpc_endpoint_connections", "describe_vpc_endpoint_connections"].filter((action) => emulatorHandlesEc2Action(action))).toEqual([]);
      const { endpointServices, endpoints } = await inventory();
      const ec2 = new EC2Client(sdkConfig(emulator!.endpoint, config.cluster.region));
      try {
        const call = ec2.send(new AcceptVpcEndpointConnectionsCommand({ ServiceId: endpointServices[0].id, VpcEndpointIds: [endpoints[0].id] }));
        await expect(call).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
      } finally {
        ec2.destroy();
      }
    },
  );

  step(
    "day two, broker 4 added: cdktf diff lists only broker 4's resources and security group rules; after the deploy the AWS API shows four brokers",
    async () => {
      const id = 4;
      reconfigure({ ...document, cluster: { ...document.cluster, brokers: [...document.cluster.brokers, { id, target: "10.0.1.14" }] } });
      const port = brokerPort(config, id);
      // The provider stack gets broker 4's listener, group and attachments, each consumer its rules.
      for (const changes of await diffAll()) {
        expect(changes.length).toBeGreaterThan(0);
        expect(changes.filter((c) => c.action !== "create" || !namesBroker(c.address, id, port))).toEqual([]);
      }
      await deployAll();
      expectDeployed(await inventory(), config);
    },
  );

  step(
    "broker 3 removed: cdktf diff lists only broker 3's resources and rules to destroy; after the deploy the AWS API shows brokers 1, 2 and 4",
    async () => {
      const id = 3;
      const port = brokerPort(config, id);
      reconfigure({ ...document, cluster: { ...document.cluster, brokers: document.cluster.brokers.filter((b) => b.id !== id) } });
      for (const changes of await diffAll()) {
        expect(changes.length).toBeGreaterThan(0);
        expect(changes.filter((c) => c.action !== "destroy" || !namesBroker(c.address, id, port))).toEqual([]);
      }
      await deployAll();
      expectDeployed(await inventory(), config);
    },
  );

  step(
    "cdktf destroy of all stacks leaves the account as it was before the deploy",
    async () => {
      await cdktf(["destroy", ...stacks, "--auto-approve", "--skip-provider-lock"]);
      const after = await inventory();
      expect(after.loadBalancers).toEqual([]);
      expect(after.targetGroups).toEqual([]);
      expect(after.endpointServices).toEqual([]);
      expect(after.endpoints).toEqual([]);
      expect(after.hostedZones).toEqual([]);
      expect(after.alarms).toEqual([]);
      expect(after.securityGroups.map((g) => g.id).sort()).toEqual(before.securityGroups.map((g) => g.id).sort());
    },
  );
});
