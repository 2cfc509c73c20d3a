/**
 * OpenTofu, the fork many Terraform users moved to, judges the same artifacts: every published
 * module passes `tofu init` (providers from the mirror, under OpenTofu's own registry host),
 * `tofu validate` and `tofu test`; a broken validation fails its test under tofu as it does under
 * terraform; and the deployable stacks deploy into the AWS API emulator with tofu as cdktf's
 * binary (`TERRAFORM_BINARY_NAME`), and destroy.
 *
 * OpenTofu is built from the Go module proxy by toolchain/opentofu.sh (≈ 9 CPU-minutes, once per
 * machine; `.ci/run` builds it). Without the binary the tests are skipped with the reason; in CI
 * they fail instead. Costs ≈ 1.5 minutes for the modules and ≈ 3-4 minutes for the deploy.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLE_CONFIG } from "../../config/load";
import {
  createAccount,
  EmulatedProject,
  emulatedConfig,
  Emulator,
  emulatorUnavailable,
  readConfigDocument,
  RunResult,
  startEmulator,
} from "../../emulator/emulator";
import { readInventory } from "../../emulator/inventory";
import { inPool, OPENTOFU_VERSION, terraformAsync, tofuBinary, tofuUnavailable } from "../../terraform/run";
import { useJsonForm } from "../../modules/packaging";
import { writeModules } from "../../stacks/examples";
import { dependentSteps, itNeeds } from "../support/requirements";

const missing = tofuUnavailable();
const itTofu = itNeeds(`OpenTofu ${OPENTOFU_VERSION} with the AWS provider mirror`, missing);
const tofu = (dir: string, args: readonly string[]) => terraformAsync(dir, args, { binary: tofuBinary() });

describe("OpenTofu judges the published modules", () => {
  let work: string;
  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-opentofu-"));
    writeModules(path.join(work, "modules"));
  });
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  itTofu(
    "every module passes tofu init (the mirror, under registry.opentofu.org), tofu validate and tofu test",
    async () => {
      const modules = fs.readdirSync(path.join(work, "modules"));
      expect(modules).toHaveLength(3);
      const results = await inPool(
        modules.map((m) => async () => {
          const dir = path.join(work, "modules", m);
          const init = await tofu(dir, ["init", "-input=false", "-no-color", "-backend=false"]);
          if (init.status !== 0) return `${m}: tofu init failed\n${init.stderr}`;
          const validate = await tofu(dir, ["validate", "-no-color"]);
          if (validate.status !== 0) return `${m}: tofu validate failed\n${validate.stderr}`;
          const test = await tofu(dir, ["test", "-no-color"]);
          return test.status === 0 && /Success! \d+ passed, 0 failed/.test(test.stdout) ? "" : `${m}: tofu test failed\n${test.stdout}\n${test.stderr}`;
        }),
      );
      expect(results.filter((r) => r !== "")).toEqual([]);
      // The AWS provider came from the mirror under OpenTofu's own registry host.
      expect(fs.readFileSync(path.join(work, "modules", "kafka-privatelink-provider", ".terraform.lock.hcl"), "utf8")).toContain(
        'provider "registry.opentofu.org/hashicorp/aws"',
      );
    },
    300_000,
  );

  itTofu(
    "the module tests can fail under tofu: with one validation condition replaced by true, tofu test fails on that rule",
    async () => {
      const dir = path.join(work, "broken", "kafka-broker-ports");
      fs.cpSync(path.join(work, "modules", "kafka-broker-ports"), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
      useJsonForm(dir, "kafka-broker-ports");
      const file = path.join(dir, "variables.tf.json");
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      expect(doc.variable.broker_ids.validation[0].error_message).toMatch(/fits 1 to 49/);
      doc.variable.broker_ids.validation[0].condition = "${var.broker_ids != null}";
      fs.writeFileSync(file, JSON.stringify(doc, null, 2));
      expect((await tofu(dir, ["init", "-input=false", "-no-color", "-backend=false"])).status).toBe(0);
      const test = await tofu(dir, ["test", "-no-color"]);
      expect(test.status).not.toBe(0);
      expect(test.stdout).toMatch(/run "refuses_50_brokers"\.\.\. fail/);
    },
    120_000,
  );
});

const deployMissing = missing ?? emulatorUnavailable();
const itDeploys = itNeeds(`OpenTofu ${OPENTOFU_VERSION} and the AWS API emulator`, deployMissing);

/** The emulated project with tofu as the binary cdktf runs. */
class TofuProject extends EmulatedProject {
  env(): NodeJS.ProcessEnv {
    return { ...super.env(), TERRAFORM_BINARY_NAME: tofuBinary() };
  }
}

describe("the deployable stacks deploy with OpenTofu (cdktf's TERRAFORM_BINARY_NAME) into the AWS API emulator", () => {
  let emulator: Emulator | undefined;
  let dir: string | undefined;
  let project: TofuProject;
  let stacks: string[];
  let regions: string[];
  const { step } = dependentSteps(itDeploys, 420_000);
  const ok = (run: RunResult, what: string) => {
    if (run.status !== 0) throw new Error(`${what} failed (exit ${run.status}) after ${run.seconds.toFixed(0)} s:\n${run.output.slice(-6000)}`);
    return run;
  };

  beforeAll(async () => {
    if (deployMissing) return;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-tofu-deploy-"));
    emulator = await startEmulator();
    const example = readConfigDocument(EXAMPLE_CONFIG);
    const base = { ...example, consumers: (example.consumers ?? []).slice(0, 1) };
    const document = emulatedConfig(base, await createAccount(emulator.endpoint, base));
    project = new TofuProject(dir, emulator.endpoint, path.basename(EXAMPLE_CONFIG));
    stacks = [...project.writeConfig(document).stacks];
    regions = [document.cluster.region, ...(document.consumers ?? []).map((c) => c.region)];
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  step(
    "cdktf deploy with tofu makes the NLB with one listener per broker plus the bootstrap, the endpoint service, the consumer's endpoint and zone",
    async () => {
      ok(await project.cdktf(["deploy", ...stacks, "--auto-approve", "--skip-provider-lock"], 600_000), "cdktf deploy (tofu)");
      // tofu, not terraform, wrote the state: its lock file names OpenTofu's registry host.
      const lock = fs.readFileSync(path.join(project.dir, "cdktf.out", "stacks", stacks[0], ".terraform.lock.hcl"), "utf8");
      expect(lock).toContain("registry.opentofu.org/hashicorp/aws");
      const deployed = await readInventory(emulator!.endpoint, regions);
      const brokers = readConfigDocument(EXAMPLE_CONFIG).cluster.brokers.length;
      expect(deployed.loadBalancers.map((lb) => lb.listeners.length)).toEqual([brokers + 1]);
      expect(deployed.endpointServices).toHaveLength(1);
      expect(deployed.endpoints).toHaveLength(1);
      expect(deployed.hostedZones).toHaveLength(1);
    },
  );

  step("cdktf destroy with tofu removes it all", async () => {
    ok(await project.cdktf(["destroy", ...stacks, "--auto-approve", "--skip-provider-lock"], 600_000), "cdktf destroy (tofu)");
    const after = await readInventory(emulator!.endpoint, regions);
    expect(after.loadBalancers).toEqual([]);
    expect(after.endpoints).toEqual([]);
  });
});
