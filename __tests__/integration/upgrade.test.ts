/**
 * The upgrade proof: a deployment made with release 0.1.0 (every resource at the stack root, one
 * security group per consumer; the stacks that version synthesized are checked in under
 * __tests__/fixtures/release-0.1.0/stacks/) is taken
 * over by the current version as a user upgrading would: write the configuration with the main job
 * (the port lock), then the cdktf CLI's diff and deploy. The plan may move resources (`moved`
 * blocks into the module call; the consumer's one group to its first CIDR's key) and must add,
 * change and destroy nothing; after the deploy the
 * state holds only the module's addresses and the AWS API shows the very same resources (ARNs,
 * IDs) as before: nothing was replaced.
 *
 * The old deployment is recreated in the AWS API emulator (moto) with the real terraform and AWS
 * provider: the old stacks get the emulated account's VPC and subnet IDs (__tests__/support/upgrade.ts) and
 * nothing else changes. Needs the emulator (npm run emulator:install) and Terraform with the
 * provider mirror: skipped with the reason without them, required in CI. Costs about 2-3 minutes
 * here (Route 53 waits of the consumer stack dominate).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import type { ConfigInput } from "../../config/schema";
import {
  createAccount,
  EmulatedProject,
  emulatedConfig,
  Emulator,
  emulatorUnavailable,
  readConfigDocument,
  RunResult,
  sdkConfig,
  startEmulator,
} from "../../emulator/emulator";
import { Inventory, readInventory } from "../../emulator/inventory";
import { plannedChanges, plannedMoves } from "../support/plan-text";
import { terraformUnavailable } from "../../terraform/run";
import { deployOldLayout, fitAccount, managedAddresses, readOldStacks, replaceInStacks, stackOutputs, valueReplacements } from "../support/upgrade";
import { dependentSteps, itNeeds } from "../support/requirements";

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

const missing = emulatorUnavailable() ?? terraformUnavailable();
const itUpgrades = itNeeds("the AWS API emulator and Terraform", missing);

const COMMAND_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 420_000;

/** Throws with the command's output unless it succeeded. */
function ok(run: RunResult, what: string): RunResult {
  if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}) after ${run.seconds.toFixed(0)} s:\n${run.output.slice(-6000)}`);
  return run;
}

describe("upgrading a deployment made with release 0.1.0 (resources at the stack root, one security group per consumer), against the AWS API emulator", () => {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  let project: EmulatedProject;
  let document: ConfigInput;
  let regions: string[];
  let empty: Inventory;
  let deployedOld: Inventory;
  /** Stack → the managed resource instances the 0.1.0 deploy left in its state. */
  const oldAddresses: Record<string, string[]> = {};
  /** Stack → its outputs after the 0.1.0 deploy, cdktf's own cross-stack outputs left out. */
  const oldOutputs: Record<string, Record<string, unknown>> = {};
  const userOutputs = (outputs: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(outputs).filter(([name]) => !name.startsWith("cross-stack-output-")));
  const timings: string[] = [];
  const { step } = dependentSteps(itUpgrades, STEP_TIMEOUT_MS);

  const timed = <T extends RunResult>(what: string, run: T): T => {
    timings.push(`${what}: ${run.seconds.toFixed(0)} s`);
    return run;
  };
  const cdktf = async (args: readonly string[]) =>
    timed(`cdktf ${args.filter((a) => !a.startsWith("-")).join(" ")}`, ok(await project.cdktf(args, COMMAND_TIMEOUT_MS), `cdktf ${args.join(" ")}`));
  const inventory = () => readInventory(emulator!.endpoint, regions);

  beforeAll(async () => {
    if (missing) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-upgrade-"));
    emulator = await startEmulator();
    document = emulatedConfig(OLD_CONFIG, fitAccount(await createAccount(emulator.endpoint, OLD_CONFIG), OLD_CONFIG));
    project = new EmulatedProject(dir, emulator.endpoint, CONFIG_NAME);
    regions = [document.cluster.region, ...(document.consumers ?? []).map((c) => c.region)];
    empty = await inventory();
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (timings.length > 0) console.log(`upgrade rehearsal timings:\n  ${timings.join("\n  ")}`);
  }, 30_000);

  step(
    "the 0.1.0 stacks, with the emulated account's VPC and subnet IDs, deploy with terraform: one NLB with its listeners, the endpoint service, the alarms, the consumer's endpoint and zone, all at the stacks' roots",
    async () => {
      expect(empty.loadBalancers).toEqual([]);
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
      for (const stack of STACKS) {
        oldAddresses[stack] = await managedAddresses(project, stack, COMMAND_TIMEOUT_MS);
        oldOutputs[stack] = userOutputs(await stackOutputs(project, stack, COMMAND_TIMEOUT_MS));
      }
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
    expect([...project.writeConfig(document).stacks].sort()).toEqual([...STACKS].sort());
    await cdktf(["synth"]);
  });

  // One stack at a time, provider first, as `cdktf deploy` orders them: a consumer's plan reads the
  // provider's outputs from its state, which the upgraded provider stack writes.
  for (const stack of STACKS) {
    step(
      `${stack}: cdktf diff adds, changes and destroys nothing and moves each resource the 0.1.0 deploy made into ${MODULE_PREFIX.slice(0, -1)}; after cdktf deploy its state holds exactly those moved addresses`,
      async () => {
        const diff = await cdktf(["diff", stack, "--skip-synth", "--skip-provider-lock"]);
        expect(plannedChanges(diff.output)).toEqual([]);
        const moves = plannedMoves(diff.output);
        expect(moves.map((m) => m.from).sort()).toEqual(oldAddresses[stack]);
        expect(moves.filter((m) => !m.to.startsWith(MODULE_PREFIX))).toEqual([]);

        // The provider stack is already upgraded when a consumer's turn comes.
        await cdktf(["deploy", stack, "--auto-approve", "--skip-synth", "--skip-provider-lock", "--ignore-missing-stack-dependencies"]);
        expect(await managedAddresses(project, stack, COMMAND_TIMEOUT_MS)).toEqual(moves.map((m) => m.to).sort());
      },
    );
  }

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
  // No destroy here: the upgraded stacks are the stacks the deploy test destroys (deploy.test.ts),
  // and the emulator's account goes with it (≈ 70 s saved).
});
