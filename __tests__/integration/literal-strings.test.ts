/**
 * Terraform itself reads the user strings of the synthesized stacks as the literal text the
 * configuration holds (no template evaluated): the provider blocks' profiles and the module
 * calls' tags as written, and the tags on the resources the module makes of them (the stacks
 * applied against the mock AWS provider, terraform/evaluate.ts); and it validates the
 * stacks that carry them. Needs terraform and the AWS provider mirror (terraform/run.ts);
 * about 20-30 s.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { terraformInit, terraformOk, terraformUnavailable } from "../../terraform/run";
import { runSynth } from "../../job/job";
import { evaluateStacks } from "../../terraform/evaluate";
import { configInput } from "../support/configs";
import { LITERAL_PROFILES, LITERAL_TAGS } from "../support/literal-strings";
import { itNeeds } from "../support/requirements";

const itWithTerraform = itNeeds("terraform", terraformUnavailable());

describe("user strings, as Terraform reads them", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-literal-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  itWithTerraform(
    "are the configured text, and the stacks that carry them validate",
    async () => {
      const [profile, consumerProfile] = LITERAL_PROFILES;
      const base = configInput([1, 2]);
      const file = path.join(dir, "cluster.yaml");
      fs.writeFileSync(
        file,
        stringify(
          configInput([1, 2], {
            cluster: { profile, tags: LITERAL_TAGS },
            consumers: [{ ...base.consumers![0], profile: consumerProfile, tags: LITERAL_TAGS }],
          }),
        ),
      );
      runSynth({ configFile: file, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
      const stackDir = (name: string) => path.join(dir, "out", "stacks", name);
      const stack = (name: string) => JSON.parse(fs.readFileSync(path.join(stackDir(name), "cdk.tf.json"), "utf8"));

      for (const name of ["orders-provider", "orders-consumer-analytics"]) {
        terraformInit(stackDir(name));
        expect(terraformOk(stackDir(name), ["validate", "-no-color"])).toContain("The configuration is valid.");
      }

      // The synthesized strings, exactly as written into the stacks, evaluated by Terraform as outputs.
      const provider = stack("orders-provider");
      const consumer = stack("orders-consumer-analytics");
      const probe = path.join(dir, "probe");
      fs.mkdirSync(probe);
      const carried = {
        provider_profile: provider.provider.aws[0].profile,
        consumer_profile: consumer.provider.aws[0].profile,
        provider_tags: provider.module.kafka.tags,
        consumer_tags: consumer.module.kafka.tags,
      };
      fs.writeFileSync(
        path.join(probe, "main.tf.json"),
        JSON.stringify({ output: Object.fromEntries(Object.entries(carried).map(([k, value]) => [k, { value }])) }),
      );
      terraformInit(probe);
      terraformOk(probe, ["apply", "-auto-approve", "-input=false", "-no-color"]);
      const outputs = JSON.parse(terraformOk(probe, ["output", "-json"]));
      expect(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, (v as { value: unknown }).value]))).toEqual({
        provider_profile: profile,
        consumer_profile: consumerProfile,
        provider_tags: LITERAL_TAGS,
        consumer_tags: LITERAL_TAGS,
      });

      // And on every resource the modules make of those inputs, as Terraform applies them.
      const evaluated = await evaluateStacks(path.join(dir, "out"), ["orders-provider", "orders-consumer-analytics"]);
      const tagged = evaluated.flatMap((s) => s.resources.filter((r) => r.values.tags !== undefined && r.values.tags !== null));
      expect(tagged.map((r) => r.address)).toEqual(expect.arrayContaining(["module.kafka.aws_lb.this", "module.kafka.aws_route53_zone.this[0]"]));
      for (const r of tagged) expect([r.address, r.values.tags]).toEqual([r.address, LITERAL_TAGS]);
    },
    120_000,
  );
});
