/**
 * Terraform itself judges what the main job generates: `terraform init` (providers from the
 * filesystem mirror only) and `terraform validate` on every published module, module example and
 * deployable stack, `terraform test` (the tests shipped inside each module) in a copy of the
 * modules taken elsewhere, and the thin deployable stacks applied against the mock AWS provider
 * (terraform/evaluate.ts): the resources they get from the module they call, with the
 * cluster's values. Without terraform or the mirror this is skipped with the reason (required in
 * CI). Cost here: ≈ 1 min alone, 1-2 min in the suite (its `terraform test` and `validate` runs
 * attach to the run's shared AWS provider process: terraform/shared-provider.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { brokerPort } from "../../modules/kafka-broker-ports/allocation";
import { toHcl } from "../../modules/packaging/terraform-json";
import { evaluateStacks } from "../../terraform/evaluate";
import { listenerRoutes } from "../../terraform/listener-routes";
import { inPool, mirroredAwsProviders, satisfies, terraformAsync, terraformBinary, terraformEnv, terraformUnavailable } from "../../terraform/run";
import { AWS_PROVIDER, useJsonForm } from "../../modules/packaging";
import { configInput } from "../support/configs";
import { synthInto, terraformFolders } from "../support/main-job";
import { itNeeds } from "../support/requirements";

const missing = terraformUnavailable();
const itTf = itNeeds("terraform with the AWS provider mirror", missing);

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
/** Every opt-in feature on, so validate sees them in the stacks. */
const LARGE = configInput(ids(49), {
  cluster: { alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"] }, acceptEndpoints: ["vpce-0123456789abcdef0"] },
  consumers: [
    { name: "analytics", region: "us-east-1", vpcId: "vpc-0f1e2d3c4b5a69788", subnetIds: ["subnet-0f1e2d3c4b5a69781"], allowedCidrs: ["10.20.0.0/16"] },
    { name: "billing", region: "us-east-1", vpcId: "vpc-0b1b2b3b4b5b6b7b8", subnetIds: ["subnet-0b1b2b3b4b5b6b7b1"], allowedCidrs: ["172.16.8.0/24"] },
    {
      name: "search",
      region: "us-east-1",
      vpcId: "vpc-0c1c2c3c4c5c6c7c8",
      subnetIds: ["subnet-0c1c2c3c4c5c6c7c1"],
      allowedCidrs: ["192.168.4.0/22"],
      serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    },
  ],
  state: { s3: { bucket: "acme-tfstate", keyPrefix: "streaming", region: "us-east-1" } },
});

/** init + validate in each folder, two at a time; returns the failures. */
async function validateAll(folders: readonly string[]): Promise<string[]> {
  const results = await inPool(
    folders.map((dir) => async () => {
      const init = await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"]);
      if (init.status !== 0) return `${dir}: terraform init failed\n${init.stderr}`;
      const validate = await terraformAsync(dir, ["validate", "-no-color"]);
      return validate.status === 0 ? "" : `${dir}: terraform validate failed\n${validate.stderr}${validate.stdout}`;
    }),
  );
  return results.filter((r) => r !== "");
}

const moduleFiles = (modules: string) =>
  Object.fromEntries(
    fs
      .readdirSync(modules, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap(({ name: m }) => ["main.tf", "variables.tf", "outputs.tf", "versions.tf"].map((f) => path.join(m, f)))
      .map((f) => [f, fs.readFileSync(path.join(modules, f), "utf8")]),
  );

describe("Terraform judges the generated Terraform", () => {
  let work: string;
  let example: { out: string; modules: string };
  let large: { out: string; modules: string };

  beforeAll(() => {
    if (missing) return;
    work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-terraform-"));
    example = synthInto(path.join(work, "example"), configInput());
    large = synthInto(path.join(work, "large"), LARGE);
  }, 120_000);
  afterAll(() => work && fs.rmSync(work, { recursive: true, force: true }));

  itTf(
    "every module, module example and deployable stack of the example configuration passes init (mirror only) and validate",
    async () => {
      const folders = [...terraformFolders(example.modules), ...terraformFolders(path.join(example.out, "stacks"))];
      // 3 modules, 4 examples, the provider stack and one consumer stack.
      expect(folders).toHaveLength(9);
      expect(await validateAll(folders)).toEqual([]);
    },
    300_000,
  );

  itTf(
    "so does the 49-broker, three-consumer configuration with alarms, endpoint acceptance and S3 state: its own examples (in the output folder) and stacks; its modules are the same files",
    async () => {
      expect(moduleFiles(large.modules)).toEqual(moduleFiles(example.modules));
      const folders = [...terraformFolders(path.join(large.out, "examples")), ...terraformFolders(path.join(large.out, "stacks"))];
      expect(folders).toHaveLength(4 + 4);
      expect(await validateAll(folders)).toEqual([]);
    },
    300_000,
  );

  itTf("a stack folder is deployable as written: no override file, the provider constraint admits the mirror's AWS provider", () => {
    for (const stack of terraformFolders(path.join(example.out, "stacks"))) {
      expect(fs.readdirSync(stack).filter((f) => f.includes("override"))).toEqual([]);
      const doc = JSON.parse(fs.readFileSync(path.join(stack, "cdk.tf.json"), "utf8"));
      expect(doc.terraform.required_providers.aws.version).toBe(AWS_PROVIDER);
    }
    // init ran against the mirror in the tests above and picked its newest version
    const lock = fs.readFileSync(path.join(example.out, "stacks", "orders-provider", ".terraform.lock.hcl"), "utf8");
    expect(lock).toContain(`version     = "${mirroredAwsProviders().at(-1)}"`);
  });

  itTf(
    "the thin stacks, applied by Terraform with the module they call, make every resource at module.kafka with the cluster's values",
    async () => {
      const { cluster, consumers = [] } = LARGE;
      const names = ["orders-provider", ...consumers.map((c) => `orders-consumer-${c.name}`)];
      const [provider, ...clients] = await evaluateStacks(large.out, names);
      for (const stack of [provider, ...clients]) {
        expect(stack.resources.filter((r) => r.module !== "module.kafka").map((r) => r.address)).toEqual([]);
      }
      const of = (type: string) => provider.resources.filter((r) => r.type === type);
      // Each broker's listener on its own port reaches that broker alone, on the target port; the bootstrap listener reaches all.
      const targets = cluster.brokers.map((b: { target: string }) => `${b.target}:9094`).sort();
      expect(listenerRoutes(provider.resources).map((r) => [r.address, r.port, r.targets.map((t) => `${t.address}:${t.port}`).sort()])).toEqual(
        [
          ...cluster.brokers.map((b: { id: number; target: string }) => [
            `module.kafka.aws_lb_listener.broker["${b.id}"]`,
            brokerPort(b.id),
            [`${b.target}:9094`],
          ]),
          ["module.kafka.aws_lb_listener.bootstrap", 9091, targets],
        ].sort((a, b) => Number(a[1]) - Number(b[1])),
      );
      expect(of("aws_lb").map((r) => [r.values.name, r.values.internal, r.values.enable_cross_zone_load_balancing, r.values.subnets])).toEqual([
        ["orders-nlb", true, true, cluster.subnetIds],
      ]);
      expect(of("aws_vpc_endpoint_service").map((r) => [r.values.allowed_principals, r.values.acceptance_required])).toEqual([
        [cluster.allowedPrincipals, true],
      ]);
      expect(of("aws_vpc_endpoint_connection_accepter").map((r) => r.values.vpc_endpoint_id)).toEqual(cluster.acceptEndpoints);
      expect(
        of("aws_cloudwatch_metric_alarm")
          .map((r) => r.address)
          .sort(),
      ).toEqual(
        [
          "module.kafka.aws_cloudwatch_metric_alarm.bootstrap[0]",
          ...cluster.brokers.map((b: { id: number }) => `module.kafka.aws_cloudwatch_metric_alarm.broker["${b.id}"]`),
        ].sort(),
      );
      expect(new Set(of("aws_cloudwatch_metric_alarm").flatMap((r) => r.values.alarm_actions))).toEqual(new Set(cluster.alarms?.actions));
      expect((provider.outputs.broker_ports as Record<string, number>)["49"]).toBe(brokerPort(49));

      const ports = [9091, ...cluster.brokers.map((b: { id: number }) => brokerPort(b.id))].sort();
      clients.forEach((client, i) => {
        const consumer = consumers[i];
        const own = (type: string) => client.resources.filter((r) => r.type === type);
        expect(own("aws_security_group").map((r) => [r.address, r.values.vpc_id])).toEqual(
          consumer.allowedCidrs.map((c: string) => [`module.kafka.aws_security_group.endpoint["${c}"]`, consumer.vpcId]),
        );
        expect(
          own("aws_vpc_security_group_ingress_rule")
            .map((r) => `${r.values.cidr_ipv4}:${r.values.from_port}-${r.values.to_port}`)
            .sort(),
        ).toEqual(consumer.allowedCidrs.flatMap((c: string) => ports.map((p) => `${c}:${p}-${p}`)).sort());
        const [endpoint] = own("aws_vpc_endpoint");
        expect([endpoint.values.vpc_endpoint_type, endpoint.values.vpc_id, endpoint.values.subnet_ids]).toEqual([
          "Interface",
          consumer.vpcId,
          consumer.subnetIds,
        ]);
        // A consumer without its own service name takes the provider stack's, through its state.
        expect(endpoint.values.service_name).toBe(consumer.serviceName ?? provider.outputs.endpoint_service_name);
        expect(own("aws_route53_zone").map((r) => [r.address, r.values.name])).toEqual([["module.kafka.aws_route53_zone.this[0]", cluster.advertisedHostname]]);
        expect(String(client.outputs.client_config).split("\n")[0]).toBe(`bootstrap.servers=${cluster.advertisedHostname}:9091`);
      });
    },
    300_000,
  );

  itTf(
    `one AWS provider range (${AWS_PROVIDER}) for modules and stacks, kept honest: it admits every version in the mirror, and its lower bound is one of them`,
    () => {
      const versions = mirroredAwsProviders();
      expect(versions.length).toBeGreaterThan(0);
      expect(versions.filter((v) => !satisfies(v, AWS_PROVIDER))).toEqual([]);
      const lower = /^>=\s*(\d+\.\d+\.\d+)/.exec(AWS_PROVIDER)?.[1];
      expect(versions).toContain(lower);
    },
  );

  // Each AWS provider version in the mirror, on its own: placing another one there tests it too.
  for (const version of mirroredAwsProviders().length > 0 ? mirroredAwsProviders() : ["(none mirrored)"]) {
    itTf(
      `with hashicorp/aws ${version}: terraform test passes in every published module, in a copy of the modules taken anywhere, and every module example validates`,
      async () => {
        const copy = path.join(work, `copied-${version}`, "modules");
        fs.cpSync(example.modules, copy, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
        const modules = fs
          .readdirSync(copy, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name);
        const results = await inPool([
          ...modules.map((m) => async () => {
            const dir = path.join(copy, m);
            expect(fs.readdirSync(path.join(dir, "tests")).length).toBeGreaterThan(0);
            const init = await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"], { versions: [version] });
            if (init.status !== 0) return `${m}: init failed\n${init.stderr}`;
            const test = await terraformAsync(dir, ["test", "-no-color"], { versions: [version] });
            return test.status === 0 && /Success! \d+ passed, 0 failed/.test(test.stdout) ? "" : `${m}: terraform test failed\n${test.stdout}\n${test.stderr}`;
          }),
          ...terraformFolders(copy)
            .filter((d) => d.includes(`${path.sep}examples${path.sep}`))
            .map((dir) => async () => {
              const init = await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"], { versions: [version] });
              if (init.status !== 0) return `${dir}: init failed\n${init.stderr}`;
              const validate = await terraformAsync(dir, ["validate", "-no-color"], { versions: [version] });
              return validate.status === 0 ? "" : `${dir}: validate failed\n${validate.stderr}`;
            }),
        ]);
        expect(results.filter((r) => r !== "")).toEqual([]);
        expect(fs.readFileSync(path.join(copy, "kafka-privatelink-provider", ".terraform.lock.hcl"), "utf8")).toContain(`version     = "${version}"`);
      },
      300_000,
    );
  }

  itTf(
    "the module tests can fail: with one validation condition replaced by true, terraform test fails on that rule",
    async () => {
      const dir = path.join(work, "broken", "kafka-broker-ports");
      fs.cpSync(path.join(example.modules, "kafka-broker-ports"), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
      // Edited as data in its JSON form, which plans the same (hcl-equivalence.test.ts).
      useJsonForm(dir, "kafka-broker-ports");
      const file = path.join(dir, "variables.tf.json");
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      // The first broker_ids rule: 1 to 49 brokers. Made always true (Terraform refuses a literal
      // `true`: a condition must refer to its variable).
      expect(doc.variable.broker_ids.validation[0].error_message).toMatch(/fits 1 to 49/);
      doc.variable.broker_ids.validation[0].condition = "${var.broker_ids != null}";
      fs.writeFileSync(file, JSON.stringify(doc, null, 2));
      expect((await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"])).status).toBe(0);
      const test = await terraformAsync(dir, ["test", "-no-color"]);
      expect(test.status).not.toBe(0);
      expect(test.stdout).toMatch(/run "refuses_50_brokers"\.\.\. fail/);
    },
    120_000,
  );

  itTf("README usage blocks (the project's and every module's) and the modules' test files are terraform fmt-clean", () => {
    const readmes = [
      path.join(__dirname, "..", "..", "README.md"),
      ...fs
        .readdirSync(example.modules, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => path.join(example.modules, e.name, "README.md")),
    ];
    let blocks = 0;
    for (const readme of readmes) {
      for (const [, block] of fs.readFileSync(readme, "utf8").matchAll(/```hcl\n([\s\S]*?)```/g)) {
        blocks++;
        const fmt = spawnSync(terraformBinary(), ["fmt", "-no-color", "-"], { input: block, encoding: "utf8", env: terraformEnv() });
        expect(fmt.stderr).toBe("");
        expect(`${readme}:\n${fmt.stdout}`).toBe(`${readme}:\n${block}`);
      }
    }
    expect(blocks).toBeGreaterThanOrEqual(4);
    // and the modules' own test files
    const tests = spawnSync(terraformBinary(), ["fmt", "-check", "-recursive", "-no-color", example.modules], { encoding: "utf8", env: terraformEnv() });
    expect(`${tests.stdout}${tests.stderr}`).toBe("");
    expect(tests.status).toBe(0);
  });

  itTf(
    "module errors name the input the caller set, the element at fault and its value",
    async () => {
      const cases: Array<{ module: string; variables: Record<string, unknown>; says: string[] }> = [
        { module: "kafka-broker-ports", variables: { broker_ids: [1, 2, 2] }, says: ["broker_ids: broker ID 2 is listed more than once"] },
        { module: "kafka-broker-ports", variables: { broker_ids: [1, 36], broker_port_base: 65500 }, says: ["broker_ids: broker 36 gets port 65536"] },
        {
          module: "kafka-privatelink-provider",
          variables: { brokers: { "1": { target: "8.8.8.8" }, "2": { target: "10.0.0.12" } } },
          says: ['brokers: broker 1 target "8.8.8.8" is not a private IPv4 address'],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { brokers: Object.fromEntries(ids(50).map((id) => [String(id), { target: `10.0.1.${id}` }])) },
          // The port rule's one home in Terraform is the broker-ports module, which the provider module calls.
          says: ['in module "broker_ports"', "broker_ids: 50 brokers given; one NLB fits 1 to 49"],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { bootstrap_port: 6002 },
          says: ['in module "broker_ports"', "broker_ids: broker 2 gets port 6002 (broker_port_base + ID), which is bootstrap_port"],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { brokers: { "1": { target: "10.0.0.11" }, "2": { target: "10.0.0.11" } } },
          says: ["brokers: brokers 1, 2 share target 10.0.0.11"],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { alarms: { actions: ["arn:aws:sqs:us-east-1:111122223333:oncall"] } },
          says: ['alarms.actions: "arn:aws:sqs:us-east-1:111122223333:oncall" is not an SNS topic ARN'],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { accept_endpoints: ["vpce-svc-0123456789abcdef0"] },
          says: ['accept_endpoints: "vpce-svc-0123456789abcdef0" is not an interface endpoint ID'],
        },
        {
          module: "kafka-privatelink-provider",
          variables: { acceptance_required: false, accept_endpoints: ["vpce-0123456789abcdef0"] },
          says: ["accept_endpoints: acceptance_required is false, so every connection is accepted without approval"],
        },
        {
          module: "kafka-privatelink-consumer",
          variables: { allowed_cidrs: ["10.20.0.0/16", "10.20.0.0/16"] },
          says: ["allowed_cidrs: 10.20.0.0/16 is listed more than once"],
        },
        {
          module: "kafka-privatelink-consumer",
          variables: { allowed_cidrs: ["10.20.0.1/16"] },
          says: ['allowed_cidrs: "10.20.0.1/16" is not an IPv4 CIDR block written as its network address'],
        },
      ];
      const dir = path.join(work, "messages");
      fs.cpSync(example.modules, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
      const byModule = new Map<string, typeof cases>();
      for (const c of cases) byModule.set(c.module, [...(byModule.get(c.module) ?? []), c]);
      const outputs = await inPool(
        [...byModule].map(([module, moduleCases]) => async () => {
          const moduleDir = path.join(dir, module);
          const shipped = fs.readdirSync(path.join(moduleDir, "tests"))[0];
          const shippedText = fs.readFileSync(path.join(moduleDir, "tests", shipped), "utf8");
          // The shipped file's mock provider and variables, one failing run per file (a failed run skips the rest of its file).
          const head = shippedText.slice(0, shippedText.indexOf("\nrun "));
          moduleCases.forEach((c, i) => {
            const vars = Object.entries(c.variables)
              .map(([k, v]) => `    ${k} = ${toHcl(v, "    ")}`)
              .join("\n");
            fs.writeFileSync(
              path.join(moduleDir, "tests", `message-${i}.tftest.hcl`),
              `${head}\nrun "refused" {\n  command = plan\n  variables {\n${vars}\n  }\n}\n`,
            );
          });
          fs.rmSync(path.join(moduleDir, "tests", shipped));
          await terraformAsync(moduleDir, ["init", "-input=false", "-no-color", "-backend=false"]);
          const run = await terraformAsync(moduleDir, ["test", "-no-color"]);
          return { module, text: `${run.stdout}${run.stderr}`.replace(/\s*\n\s*/g, " ") };
        }),
      );
      for (const { module, text } of outputs) {
        for (const c of byModule.get(module)!) for (const message of c.says) expect(`${module}: ${text}`).toContain(message);
      }
    },
    300_000,
  );
});
