/**
 * The emulator storyline, one deployment from start to end, as a user lives it: release 0.1.0's
 * stacks (every resource at the stack root, one security group per consumer; checked in under
 * __tests__/fixtures/release-0.1.0/stacks/) deployed with terraform, then taken over by the
 * current version as a user upgrading would (the main job writes the port lock, one cdktf deploy:
 * each stack's plan moves resources into the module call and adds, changes and destroys nothing;
 * the AWS API then shows the very same resources, nothing replaced, and every output kept); the
 * Kafka rehearsal on that deployment (HAProxy built from the NLB listeners, target groups and
 * registered targets read back through the AWS API, the client resolving the read-back alias
 * record, real brokers over TLS, the doctor: rehearsal/deployed.ts) while a second client CIDR is
 * added; a broker added and one removed as a reviewed pull request's pipeline does it (each stack
 * planned with `terraform plan -out`, the plans read by `npm run review`, then applied as saved),
 * while the plan review reads real plans of eight other changes to the deployment as it was before
 * them (planned from copies of its states); destroy. Each day-two plan (the one `terraform apply`
 * printed in a cdktf deploy, or the saved one) lists only that change: it is also the proof that
 * the previous apply left no drift. The real cdktf CLI, terraform and AWS provider
 * run against moto, the AWS API emulator; what was deployed is read back through the AWS API
 * (emulator/inventory.ts), never from the synthesized JSON. Everything runs in a temporary project
 * folder and on loopback.
 *
 * Needs the emulator (npm run emulator:install) and Terraform with the provider mirror, and for
 * the Kafka step the rehearsal's prerequisites (root, Java, HAProxy, the Kafka jars): skipped
 * with the reason without them, required in CI. Costs ≈ 4 minutes alone
 * (README, "cdktf deploy"): its terraform processes are most of the CPU, the AWS provider's fixed
 * NLB and Route 53 waits most of the rest (the 0.1.0 apply ≈ 110 s, the destroy ≈ 50 s; each
 * consumer stack adds about 40 s of them), so it runs one consumer.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AcceptVpcEndpointConnectionsCommand, CreateVpcCommand, EC2Client } from "@aws-sdk/client-ec2";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { CreateHostedZoneCommand, GetHostedZoneCommand, Route53Client } from "@aws-sdk/client-route-53";
import { terraformUnavailable } from "../../terraform/run";
import type { Config, ConfigInput } from "../../config/schema";
import {
  createAccount,
  createVpc,
  EmulatedProject,
  EmulatedVpc,
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
import { Action, plannedChanges, plannedMoves, savedPlanChanges, stackSections } from "../support/plan-text";
import { brokerPort as allocatedPort } from "../../modules/kafka-broker-ports/allocation";
import { rehearseDeployment, type DeployedRehearsal } from "../../rehearsal/deployed";
import { missingPrerequisites } from "../../rehearsal/rehearsal";
import { dependentSteps, itNeeds } from "../support/requirements";
import { expectBrokerReview, reviewRealPlans } from "../support/real-plan-reviews";
import { applySavedPlan, savePlan } from "../support/saved-plans";
import { deployOldLayout, fitAccount, managedAddresses, readOldStacks, replaceInStacks, stackOutputs, valueReplacements } from "../support/upgrade";

/** The 0.1.0 release (its one security group per consumer moves to the first CIDR's key). */
const FIXTURE = path.join(__dirname, "..", "fixtures", "release-0.1.0");
const CONFIG_NAME = "orders.yaml";
/** The module call every resource of a stack moves into. */
const MODULE_PREFIX = "module.kafka.";
const OLD_CONFIG = readConfigDocument(path.join(FIXTURE, CONFIG_NAME));
const CONSUMERS = OLD_CONFIG.consumers ?? [];
const OLD_STACKS = readOldStacks(path.join(FIXTURE, "stacks"));
/** In deploy order: the provider, then the consumers that read its state. */
const STACKS = [`${OLD_CONFIG.cluster.name}-provider`, ...CONSUMERS.map((c) => `${OLD_CONFIG.cluster.name}-consumer-${c.name}`)];
/** The client CIDR the storyline adds after the upgrade, so that a plan can remove one of two. */
const SECOND_CIDR = "10.30.0.0/16";

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
    nlb.listeners.map((l) => [
      l.port,
      { protocol: l.protocol, groups: l.targetGroupArns.map((arn) => ({ protocol: groups.get(arn)?.protocol, targets: groups.get(arn)?.targets })) },
    ]),
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
  const suffix = (arn: string) =>
    arn
      .split(":")
      .slice(5)
      .join(":")
      .replace(/^loadbalancer\//, "");
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

describe("one deployment in the AWS API emulator: release 0.1.0 deployed, upgraded, changed, rehearsed with Kafka, reviewed, destroyed", () => {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  let project: EmulatedProject;
  let document: ConfigInput;
  let config: Config;
  let stacks: readonly string[];
  let regions: string[];
  let before: Inventory;
  let spareVpc: EmulatedVpc;
  let deployedOld: Inventory;
  /** Stack → the managed resource instances the 0.1.0 deploy left in its state. */
  const oldAddresses: Record<string, string[]> = {};
  /** Stack → its outputs after the 0.1.0 deploy, cdktf's own cross-stack outputs left out. */
  const oldOutputs: Record<string, Record<string, unknown>> = {};
  const userOutputs = (outputs: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(outputs).filter(([name]) => !name.startsWith("cross-stack-output-")));
  const timings: string[] = [];
  /** The plan review, started by the broker-4 step: undefined when it passed, its error when it failed. */
  let reviewing: Promise<{ failed: unknown } | undefined> | undefined;
  /** The Kafka rehearsal, started by the second CIDR's step where its prerequisites are met. */
  let rehearsing: Promise<{ rehearsal: DeployedRehearsal } | { failed: unknown }> | undefined;
  const { step, readOnly } = dependentSteps(itDeploys, STEP_TIMEOUT_MS);

  const timed = <T extends RunResult>(what: string, run: T): T => {
    timings.push(`${what}: ${run.seconds.toFixed(0)} s`);
    return run;
  };
  const cdktf = async (args: readonly string[]) =>
    timed(`cdktf ${args.filter((a) => !a.startsWith("-")).join(" ")}`, ok(await project.cdktf(args, COMMAND_TIMEOUT_MS), `cdktf ${args.join(" ")}`));
  // Providers come from the filesystem mirror only: cdktf must not run `terraform providers lock`,
  // which asks the registry. Returns each stack's changes, in the order of `stacks`, as read from
  // the plan `terraform apply` printed before it applied it: what a day-two change did, without a
  // `cdktf diff` that would plan the same changes once more (≈ 20 s of CPU per step).
  const deployAll = async () => {
    const run = await cdktf(["deploy", ...stacks, "--auto-approve", "--skip-provider-lock"]);
    return stackSections(run.output, stacks).map(plannedChanges);
  };
  const inventory = () => readInventory(emulator!.endpoint, regions);
  /**
   * Changes the cluster to `brokers` as a reviewed pull request's pipeline does: every stack the main
   * job wrote is planned (`terraform plan -out`), the plans are reviewed, then applied as saved in
   * cdktf's order (provider first). Each plan must change something, and only by `action` on broker
   * `id`'s own resources and rules; `npm run review` of the plans must name exactly those; the AWS
   * API must then show what is configured.
   */
  const applyBrokerChange = async (id: number, action: Action, brokers: NonNullable<ConfigInput["cluster"]["brokers"]>) => {
    const port = brokerPort(config, id);
    reconfigure({ ...document, cluster: { ...document.cluster, brokers } });
    const where = fs.mkdtempSync(path.join(dir!, `broker-${id}-`));
    let started = Date.now();
    // The consumers' plans need not wait for the provider's apply: what they read from its state
    // (the endpoint service's name) a broker change leaves as it is.
    const plans = await Promise.all(stacks.map((stack) => savePlan(project, path.join(project.dir, "synth", "stacks", stack), stack, where)));
    timings.push(`terraform plan of ${stacks.length} stacks (broker ${id}): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const plan of plans) {
      const changes = savedPlanChanges(fs.readFileSync(plan.json, "utf8"));
      expect(changes.length).toBeGreaterThan(0);
      expect(changes.filter((c) => c.action !== action || !namesBroker(c.address, id, port))).toEqual([]);
    }
    expectBrokerReview(Object.fromEntries(stacks.map((stack, i) => [stack, plans[i].json])), config, id, action === "create" ? "create" : "delete");
    started = Date.now();
    for (const plan of plans) await applySavedPlan(project, plan);
    timings.push(`terraform apply of the saved plans (broker ${id}): ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expectDeployed(await inventory(), config);
  };
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
    // The 0.1.0 configuration (the shipped example with health alarms and one consumer: each
    // consumer stack adds about 40 s of Route 53 waits), in the emulated account.
    document = emulatedConfig(OLD_CONFIG, fitAccount(await createAccount(emulator.endpoint, OLD_CONFIG), OLD_CONFIG));
    project = new EmulatedProject(dir, emulator.endpoint, CONFIG_NAME);
    regions = [document.cluster.region, ...(document.consumers ?? []).map((c) => c.region)];
    // For the plan review's added consumer: made before the account is read, so destroy leaves it as it was.
    spareVpc = await createVpc(emulator.endpoint, document.cluster.region, "10.40.0.0/16");
    before = await inventory();
  }, 120_000);

  // A plan review still planning or a rehearsal still running (a step failed before they were
  // checked) ends first: the review's terraform runs use the emulator and the project folder (each
  // bounded, 3 minutes); the rehearsal stops its brokers and removes its namespaces when it ends.
  afterAll(async () => {
    await Promise.all([reviewing, rehearsing]);
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (timings.length > 0) console.log(`emulator storyline timings:\n  ${timings.join("\n  ")}`);
  }, 400_000);

  step(
    "the 0.1.0 stacks, with the emulated account's VPC and subnet IDs, deploy with terraform: one NLB with its listeners, the endpoint service, the alarms, the consumer's endpoint and zone, all at the stacks' roots",
    async () => {
      expect(before.loadBalancers).toEqual([]);
      expect(Object.keys(OLD_STACKS).sort()).toEqual([...STACKS].sort());
      // The old deployment's alarms notify a topic of the emulated account: its ARN must be the one
      // the old stacks hold, since only the VPC and subnet IDs are replaced.
      const sns = new SNSClient(sdkConfig(emulator!.endpoint, OLD_CONFIG.cluster.region));
      const topic = await sns.send(new CreateTopicCommand({ Name: `${OLD_CONFIG.cluster.name}-oncall` })).finally(() => sns.destroy());
      expect(OLD_CONFIG.cluster.alarms?.actions).toEqual([topic.TopicArn]);

      const texts = replaceInStacks(OLD_STACKS, valueReplacements(OLD_CONFIG, document));
      for (const { what, run } of await deployOldLayout(
        project,
        STACKS.map((s) => [s, texts[s]] as const),
        COMMAND_TIMEOUT_MS,
      )) {
        timed(`${what} (0.1.0)`, run);
      }
      // Read side by side (each is a terraform process reading a state).
      await Promise.all(
        STACKS.map(async (stack) => {
          const [addresses, outputs] = await Promise.all([
            managedAddresses(project, stack, COMMAND_TIMEOUT_MS),
            stackOutputs(project, stack, COMMAND_TIMEOUT_MS),
          ]);
          oldAddresses[stack] = addresses;
          oldOutputs[stack] = userOutputs(outputs);
        }),
      );
      deployedOld = await inventory();

      const { cluster } = document;
      expect(deployedOld.loadBalancers.map((lb) => ({ vpcId: lb.vpcId, listeners: lb.listeners.length }))).toEqual([
        { vpcId: cluster.vpcId, listeners: cluster.brokers.length + 1 },
      ]);
      expect(deployedOld.endpointServices).toHaveLength(1);
      expect(deployedOld.alarms).toHaveLength(cluster.brokers.length + 1);
      expect(deployedOld.endpoints.map((e) => e.vpcId)).toEqual(CONSUMERS.map((c) => document.consumers!.find((d) => d.name === c.name)!.vpcId));
      expect(deployedOld.hostedZones).toHaveLength(CONSUMERS.length);
      // Every stack's state holds its resources at the root: what the upgrade has to move.
      for (const stack of STACKS) {
        expect(oldAddresses[stack].length).toBeGreaterThan(0);
        expect(oldAddresses[stack].filter((a) => a.startsWith("module."))).toEqual([]);
      }
    },
  );

  step("the main job writes the emulated configuration and its port lock, for the stacks the 0.1.0 deployment has", async () => {
    reconfigure(document);
    expect([...stacks].sort()).toEqual([...STACKS].sort());
  });

  // One `cdktf deploy` of every stack, as a user upgrading runs it: cdktf deploys the provider stack
  // first (a consumer's plan reads the provider's outputs from its state, which the upgraded
  // provider stack writes). Each stack's plan is read from what `terraform apply` printed before
  // it applied it, the same text `cdktf diff` prints.
  step(
    `upgrade: cdktf deploy's plan of each stack adds, changes and destroys nothing and moves each resource the 0.1.0 deploy made into ${MODULE_PREFIX.slice(0, -1)}; afterwards each state holds exactly those moved addresses`,
    async () => {
      const run = await cdktf(["deploy", ...stacks, "--auto-approve", "--skip-provider-lock"]);
      const sections = stackSections(run.output, stacks);
      for (const [i, stack] of stacks.entries()) {
        expect({ stack, changes: plannedChanges(sections[i]) }).toEqual({ stack, changes: [] });
        const moves = plannedMoves(sections[i]);
        expect(moves.map((m) => m.from).sort()).toEqual(oldAddresses[stack]);
        expect(moves.filter((m) => !m.to.startsWith(MODULE_PREFIX))).toEqual([]);
        expect(await managedAddresses(project, stack, COMMAND_TIMEOUT_MS)).toEqual(moves.map((m) => m.to).sort());
      }
    },
  );

  step(
    "after the upgrade the AWS API shows the same resources with the same ARNs and IDs (nothing was replaced), and every output of the 0.1.0 stacks keeps its name and value",
    async () => {
      expect(await inventory()).toEqual(deployedOld);
      for (const stack of STACKS) {
        expect(Object.keys(oldOutputs[stack]).length).toBeGreaterThan(0);
        const outputs = await stackOutputs(project, stack, COMMAND_TIMEOUT_MS);
        // The one output renamed since 0.1.0 (CHANGELOG, Breaking): the one group is now the first CIDR's of the map.
        const { security_group_id: oneGroup, ...kept } = oldOutputs[stack];
        if (oneGroup !== undefined) {
          expect(outputs.security_group_ids).toEqual({ [CONSUMERS[0].allowedCidrs[0]]: oneGroup });
        }
        // Outputs may be added; those that reviewers, consumers and scripts read stay as they were.
        expect(outputs).toEqual(expect.objectContaining(kept));
      }
    },
  );

  step(
    `a second client CIDR (${SECOND_CIDR}): cdktf deploy's plan adds only its security group and rules and attaches the group to the endpoint; after the deploy the AWS API shows exactly the configured load balancer, endpoint service, alarms, endpoint, security groups and zone`,
    async () => {
      // The Kafka rehearsal (a later step checks it) runs on the deployment as the upgrade left it,
      // beside this deploy, which changes nothing it uses: the load balancer and the alias record
      // are read through the AWS API here, and the stacks' outputs from their states before
      // rehearseDeployment first awaits (Rehearsal.fromDeployment), so before cdktf synthesizes anew.
      if (!noKafka) {
        const started = Date.now();
        const rehearsal = { inventory: await inventory(), config, outDir: path.join(dir!, "cdktf.out") };
        rehearsing = rehearseDeployment(rehearsal)
          .then(
            (done) => ({ rehearsal: done }),
            (err: unknown) => ({ failed: err }),
          )
          .finally(() =>
            timings.push(`Kafka rehearsal of the deployed state (beside the second CIDR's deploy): ${((Date.now() - started) / 1000).toFixed(0)} s`),
          );
      }
      const [consumer] = document.consumers!;
      reconfigure({ ...document, consumers: [{ ...consumer, allowedCidrs: [...consumer.allowedCidrs, SECOND_CIDR] }] });
      const [providerChanges, consumerChanges] = await deployAll();
      expect(providerChanges).toEqual([]);
      expect(consumerChanges.filter((c) => c.action === "create").length).toBeGreaterThan(0);
      expect(
        consumerChanges.filter(
          (c) =>
            !(c.action === "create" && c.address.includes(`"${SECOND_CIDR}`)) &&
            !(c.action === "update" && c.address === `${MODULE_PREFIX}aws_vpc_endpoint.this`),
        ),
      ).toEqual([]);
      // Applied state reads back as configured, with no drift for the next plan: the next deploy's
      // plans (broker 4) must hold broker 4's changes and nothing else (the Route 53 private-zone
      // gap of the emulator would show there as a `vpc` change of the zone).
      expectDeployed(await inventory(), config);
    },
  );

  readOnly(
    "the deployed chain carries TLS Kafka traffic: HAProxy built from the NLB listeners, target groups and registered targets read back through the AWS API, the client resolving the read-back alias record; a broker stopped, the doctor names its port",
    async () => {
      if (rehearsing === undefined) throw new Error("not run: the rehearsal starts in the second CIDR's step");
      const result = await rehearsing;
      if ("failed" in result) throw result.failed;
      const { deployed, doctor, stopped } = result.rehearsal;
      // What the client resolved is the deployed record's name; what HAProxy served, the deployed listeners.
      expect(deployed.hostnames).toEqual([config.cluster.advertisedHostname]);
      expect(deployed.listeners.map((l) => l.port).sort()).toEqual(
        [config.cluster.bootstrapPort, ...config.cluster.brokers.map((b) => brokerPort(config, b.id))].sort(),
      );
      expect(deployed.listeners.every((l) => l.source.startsWith("listener arn:aws:elasticloadbalancing:"))).toBe(true);
      expect(stopped).toHaveLength(1);
      const port = allocatedPort(stopped[0], config.cluster.brokerPortBase);
      const failed = doctor.checks.filter((c) => c.status === "fail");
      expect(failed).toContainEqual(
        expect.objectContaining({
          check: "port",
          port,
          message: expect.stringMatching(new RegExp(`^port ${port} should reach broker ${stopped[0]} but no broker answers: `)),
        }),
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
    "day two, broker 4 added: each stack's saved plan lists only broker 4's resources and security group rules, and npm run review of the plans names exactly those, additive; applied as saved, the AWS API shows four brokers",
    async () => {
      // The plan review plans from copies of this deployment's states while brokers 4 and 3 are
      // deployed (their changes touch nothing its plans read from the emulator); a later step checks it.
      const started = Date.now();
      reviewing = reviewRealPlans({ project, document, config, stacks, spareVpc }).then(
        () => void timings.push(`plan review (9 real plans, beside the broker steps): ${((Date.now() - started) / 1000).toFixed(0)} s`),
        (err: unknown) => ({ failed: err }),
      );
      // The provider stack gets broker 4's listener, group and attachments, each consumer its rules.
      await applyBrokerChange(4, "create", [...document.cluster.brokers, { id: 4, target: "10.0.1.14" }]);
    },
  );

  step(
    "broker 3 removed: each stack's saved plan lists only broker 3's resources and rules to destroy, and npm run review names exactly those, disruptive (--fail-on disruptive exits 3); applied as saved, the AWS API shows brokers 1, 2 and 4",
    async () => {
      await applyBrokerChange(
        3,
        "destroy",
        document.cluster.brokers.filter((b) => b.id !== 3),
      );
    },
  );

  readOnly(
    "plan review: real plans of eight changes to the deployment with two client CIDRs, planned from copies of its states and read by npm run review, give exactly the expected levels, brokers, consumers and CIDRs; a hand-edited listener port exits 4, a file that is not a plan exits 1",
    async () => {
      if (reviewing === undefined) throw new Error("not run: the plan review starts in the broker-4 step");
      const result = await reviewing;
      if (result) throw result.failed;
    },
  );

  step("cdktf destroy of all stacks leaves the account as it was before the deploy", async () => {
    await cdktf(["destroy", ...stacks, "--auto-approve", "--skip-provider-lock"]);
    const after = await inventory();
    expect(after.loadBalancers).toEqual([]);
    expect(after.targetGroups).toEqual([]);
    expect(after.endpointServices).toEqual([]);
    expect(after.endpoints).toEqual([]);
    expect(after.hostedZones).toEqual([]);
    expect(after.alarms).toEqual([]);
    expect(after.securityGroups.map((g) => g.id).sort()).toEqual(before.securityGroups.map((g) => g.id).sort());
  });
});
