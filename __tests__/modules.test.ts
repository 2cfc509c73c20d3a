import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { AWS_PROVIDER, moduleJsonFiles } from "../modules/packaging";
import { clusterExamples, moduleExampleDocs, SAMPLE_CONFIG, writeModules } from "../stacks/examples";
import { config, configInput } from "./support/configs";
import { snapshotTree } from "./support/tree";
import { TfJson } from "../modules/packaging/terraform-json";

const NAMES = ["kafka-broker-ports", "kafka-privatelink-consumer", "kafka-privatelink-provider"];

function generate(): { dir: string; files: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-modules-"));
  writeModules(dir);
  return { dir, files: snapshotTree(dir) };
}
/**
 * A module's code in its JSON form (the HCL in the folder says the same: hcl-equivalence.test.ts),
 * or an example's document: `<module>/<file>.tf.json`, `<module>/examples/<example>/main.tf.json`.
 */
const json = (_files: Record<string, string>, file: string) => {
  const [module, ...rest] = file.split("/");
  if (rest[0] === "examples") return moduleExampleDocs(SAMPLE_CONFIG)[module][rest[1]];
  return JSON.parse(moduleJsonFiles(module)[rest.join("/")]);
};

describe("publishable modules", () => {
  const a = generate();
  const { files } = a;
  afterAll(() => fs.rmSync(a.dir, { recursive: true, force: true }));

  it("writes the three modules, each a folder with main, variables, outputs, versions, README and an example", () => {
    expect(fs.readdirSync(a.dir).sort()).toEqual(NAMES);
    for (const name of NAMES) {
      for (const file of ["main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"]) {
        expect(files[`${name}/${file}`]).toBeDefined();
      }
      expect(Object.keys(files).some((f) => f.startsWith(`${name}/examples/`) && f.endsWith("/main.tf"))).toBe(true);
      expect(Object.keys(files).filter((f) => f.endsWith(".tf.json"))).toEqual([]);
    }
  });

  it("contain no number token that leaked into a string", () => {
    // cdktf encodes number tokens as huge doubles; one interpolated without Token.asString shows as such.
    for (const [file, text] of Object.entries(files)) expect([file, text.match(/-?\d\.\d+e\+\d{3}/)]).toEqual([file, null]);
  });

  it("contain no provider block and no backend, and require a minimum AWS provider version", () => {
    for (const name of NAMES) {
      for (const file of ["main.tf.json", "variables.tf.json", "outputs.tf.json", "versions.tf.json"]) {
        const doc = json(files, `${name}/${file}`);
        expect(doc.provider).toBeUndefined();
        expect(doc.terraform?.backend).toBeUndefined();
        expect(JSON.stringify(doc)).not.toContain('"//"');
      }
      expect(json(files, `${name}/versions.tf.json`).terraform.required_version).toBe(">= 1.9");
    }
    for (const name of ["kafka-privatelink-provider", "kafka-privatelink-consumer"]) {
      expect(json(files, `${name}/versions.tf.json`).terraform.required_providers).toEqual({ aws: { source: "hashicorp/aws", version: AWS_PROVIDER } });
    }
  });

  it("type and describe every variable and describe every output, and list them all in the README", () => {
    for (const name of NAMES) {
      const readme = files[`${name}/README.md`];
      for (const [v, block] of Object.entries<TfJson>(json(files, `${name}/variables.tf.json`).variable)) {
        expect(block.type).toEqual(expect.any(String));
        expect(block.description).toEqual(expect.any(String));
        expect(readme).toContain(`| ${v} | `);
      }
      for (const [o, block] of Object.entries<TfJson>(json(files, `${name}/outputs.tf.json`).output)) {
        expect(block.description).toEqual(expect.any(String));
        expect(readme).toContain(`| ${o} | `);
      }
      expect(readme).toContain("## Inputs");
      expect(readme).toContain("## Outputs");
    }
  });

  it("make every cluster-specific value an input: brokers are a map keyed by broker ID", () => {
    const vars = json(files, "kafka-privatelink-provider/variables.tf.json").variable;
    expect(vars.brokers.type).toBe("map(object({ target = string }))");
    for (const v of ["name", "vpc_id", "subnet_ids", "advertised_hostname", "allowed_principals", "tags", "bootstrap_port", "broker_port_base"])
      expect(vars[v]).toBeDefined();
    const consumerVars = json(files, "kafka-privatelink-consumer/variables.tf.json").variable;
    expect(Object.keys(consumerVars).sort()).toEqual([
      "allow_any_cidr",
      "allowed_cidrs",
      "connection",
      "hosted_zone_id",
      "name",
      "subnet_ids",
      "tags",
      "vpc_id",
    ]);
  });

  it("hand the consumer everything it needs in one object: the provider's output connection is the consumer's input", () => {
    const output = json(files, "kafka-privatelink-provider/outputs.tf.json").output.connection.value;
    const input = json(files, "kafka-privatelink-consumer/variables.tf.json").variable.connection.type;
    const keys = Object.keys(output).sort();
    expect(keys).toEqual(["advertised_hostname", "bootstrap_port", "broker_ports", "region", "security_protocol", "service_name", "tcp_idle_timeout_seconds"]);
    for (const key of keys) expect(input).toMatch(new RegExp(`\\b${key}\\s+=`));
    expect(output.broker_ports).toBe("${module.broker_ports.broker_ports}");
    const sameAccount = json(files, "kafka-privatelink-consumer/examples/same-account/main.tf.json").module;
    expect(sameAccount.kafka.connection).toBe("${module.provider.connection}");
    expect(sameAccount.provider.source).toBe("../../../kafka-privatelink-provider");
  });

  it("allocate ports once: both halves call kafka-broker-ports beside them, and build their per-broker resources from its output", () => {
    for (const name of ["kafka-privatelink-provider", "kafka-privatelink-consumer"]) {
      expect(json(files, `${name}/main.tf.json`).module.broker_ports.source).toBe("../kafka-broker-ports");
      expect(files[`${name}/main.tf`]).not.toContain("broker_port_base + ");
    }
    const listeners = json(files, "kafka-privatelink-provider/main.tf.json").resource.aws_lb_listener;
    expect(listeners.broker.for_each).toBe("${module.broker_ports.broker_ports}");
    expect(listeners.broker.port).toBe("${each.value}");
    const consumer = json(files, "kafka-privatelink-consumer/main.tf.json");
    // The consumer checks the ports it was handed with the same module, then uses what it returns.
    expect(consumer.module.broker_ports.broker_ids).toContain("keys(var.connection.broker_ports)");
    expect(consumer.resource.aws_vpc_security_group_ingress_rule.client.for_each).toContain("module.broker_ports.broker_ports");
  });

  it("enforce the broker-ports rules in Terraform in one place: the kafka-broker-ports module", () => {
    const rules = [/fits 1 to 49/, /non-negative integer/, /unique/, /from 1024 to 65535/, /which is bootstrap_port/, /inside the broker port range/];
    const conditions = json(files, "kafka-broker-ports/variables.tf.json").variable.broker_ids.validation.map(
      (v: { condition: string; error_message: string }) => v.error_message,
    );
    expect(conditions).toEqual(rules.map((r) => expect.stringMatching(r)));
    for (const name of ["kafka-privatelink-provider", "kafka-privatelink-consumer"]) {
      const variables = JSON.stringify(json(files, `${name}/variables.tf.json`));
      for (const rule of rules.slice(3)) expect([name, rule.test(variables)]).toEqual([name, false]);
    }
    // The provider passes its port inputs on unchecked: the called module names them in its messages.
    const provider = json(files, "kafka-privatelink-provider/variables.tf.json").variable;
    expect([provider.bootstrap_port.validation, provider.broker_port_base.validation]).toEqual([undefined, undefined]);
  });

  it("key the AZ check's subnets by position, so subnets known only after apply still plan", () => {
    const subnets = json(files, "kafka-privatelink-consumer/main.tf.json").data.aws_subnet.endpoint;
    expect(subnets.for_each).toBe("${{ for i, s in var.subnet_ids : tostring(i) => s }}");
  });

  it("check in Terraform what the configuration checks: duplicate targets and CIDRs, instance IDs, target group name length", () => {
    const messages = (module: string, variable: string) =>
      json(files, `${module}/variables.tf.json`)
        .variable[variable].validation.map((v: { condition: string; error_message: string }) => v.error_message)
        .join("\n");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("each broker needs its own target");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("EC2 instance ID");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("breaks AWS's rule for target group names: 1-32 characters");
    expect(messages("kafka-privatelink-consumer", "allowed_cidrs")).toContain("is listed more than once");
  });

  it("carry every setting of a non-default configuration into the cluster's own examples (in the output folder)", () => {
    const cfg = config([1, 2], {
      cluster: {
        name: "payments-platform",
        alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:oncall"] },
        listenerSecurityProtocol: "SASL_SSL",
        listenerName: "PL",
        tcpIdleTimeoutSeconds: 900,
        deregistrationDelaySeconds: 45,
        allowedPrincipals: ["*"],
      },
      consumers: [
        {
          name: "ledger-eu",
          region: "eu-west-1",
          vpcId: "vpc-0aaaaaaaaaaaaaaaa",
          subnetIds: ["subnet-0aaaaaaaaaaaaaaaa"],
          allowedCidrs: ["0.0.0.0/0"],
          hostedZoneId: "Z0123456789ABCDEFGHIJ",
          tags: { app: "ledger" },
        },
      ],
      policy: { allowCrossRegion: true, allowAnyPrincipal: true, allowAnyCidr: true },
    });
    const examples = Object.fromEntries(
      Object.entries(moduleExampleDocs(cfg, (module) => `../../../modules/${module}`)).flatMap(([m, byExample]) =>
        Object.entries(byExample).map(([e, doc]) => [`${m}/${e}/main.tf.json`, JSON.stringify(doc)]),
      ),
    );
    expect(Object.keys(clusterExamples(cfg)).sort()).toEqual(
      Object.keys(examples)
        .map((f) => f.replace(/\.json$/, ""))
        .sort(),
    );
    {
      const provider = JSON.parse(examples["kafka-privatelink-provider/complete/main.tf.json"]).module.kafka;
      expect(provider).toMatchObject({
        listener_security_protocol: "SASL_SSL",
        listener_name: "PL",
        tcp_idle_timeout_seconds: 900,
        deregistration_delay_seconds: 45,
        allow_any_principal: true,
        allowed_principals: ["*"],
        supported_regions: ["eu-west-1"],
        alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:oncall"] },
      });
      const consumer = JSON.parse(examples["kafka-privatelink-consumer/complete/main.tf.json"]).module.kafka;
      expect(consumer).toMatchObject({
        name: "payments-platform-ledger-eu",
        allow_any_cidr: true,
        hosted_zone_id: "Z0123456789ABCDEFGHIJ",
        connection: { region: "us-east-1", security_protocol: "SASL_SSL", tcp_idle_timeout_seconds: 900, broker_ports: { "1": 6001, "2": 6002 } },
        tags: { app: "ledger" },
      });
      expect(JSON.parse(examples["kafka-privatelink-consumer/complete/main.tf.json"]).provider.aws.region).toBe("eu-west-1");
      // The consumer module's own name rule admits the example's name.
      expect(consumer.name).toMatch(/^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
      // They call the modules beside the stacks: <out>/examples/<module>/<example> → <out>/modules/<module>.
      expect(provider.source).toBe("../../../modules/kafka-privatelink-provider");
    }
  });

  it("ship examples that are root modules: a provider block and a call of the module with the README's sample values", () => {
    const example = json(files, "kafka-privatelink-provider/examples/complete/main.tf.json");
    expect(example.provider.aws.region).toBe("us-east-1");
    expect(example.module.kafka.source).toBe("../..");
    expect(example.module.kafka.brokers).toEqual({ "1": { target: "10.0.1.11" }, "2": { target: "10.0.2.12" }, "3": { target: "10.0.3.13" } });
    const consumer = json(files, "kafka-privatelink-consumer/examples/complete/main.tf.json");
    expect(consumer.module.kafka).toMatchObject({
      source: "../..",
      allowed_cidrs: ["10.20.0.0/16"],
      connection: { service_name: "${var.service_name}", bootstrap_port: 9091, broker_ports: { "1": 6001, "2": 6002, "3": 6003 } },
    });
  });

  it("ship native terraform tests in which every validated input is refused at least once", () => {
    for (const name of NAMES) {
      const tests = Object.keys(files).filter((f) => f.startsWith(`${name}/tests/`) && f.endsWith(".tftest.hcl"));
      expect(tests.length).toBeGreaterThan(0);
      const text = tests.map((f) => files[f]).join("\n");
      const validated = Object.entries<TfJson>(json(files, `${name}/variables.tf.json`).variable)
        .filter(([, v]) => (v.validation ?? []).length > 0)
        .map(([k]) => k);
      expect(validated.length).toBeGreaterThan(0);
      for (const variable of validated)
        expect(`${name}: ${text.includes(`expect_failures = [var.${variable}`) ? "refused" : "never refused"} var.${variable}`).toBe(
          `${name}: refused var.${variable}`,
        );
      if (name !== "kafka-broker-ports") expect(text).toContain('mock_provider "aws"');
    }
  });

  it("are the very folders the deployable stacks call: the main job writes the same bytes to <out>/modules and --modules-out", () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-one-artifact-"));
    try {
      const configFile = path.join(work, "cluster.yaml");
      fs.writeFileSync(configFile, stringify(configInput([1, 2, 5])));
      const result = runSynth({ configFile, outDir: path.join(work, "out"), modulesOutDir: path.join(work, "published") });
      const beside = snapshotTree(path.join(result.outDir, "modules"));
      const published = snapshotTree(result.modulesOutDir);
      expect(Object.keys(beside).length).toBeGreaterThan(0);
      expect(Object.keys(beside).sort()).toEqual(Object.keys(published).sort());
      for (const file of Object.keys(published)) expect(`${file}\n${beside[file]}`).toBe(`${file}\n${published[file]}`);
      // Each stack's source resolves to one of those folders.
      for (const stack of result.stacks) {
        const doc = JSON.parse(fs.readFileSync(path.join(result.outDir, "stacks", stack, "cdk.tf.json"), "utf8"));
        const folder = path.resolve(result.outDir, "stacks", stack, doc.module.kafka.source);
        expect(path.relative(result.outDir, folder)).toMatch(/^modules[\\/]kafka-privatelink-(provider|consumer)$/);
        expect(fs.existsSync(path.join(folder, "main.tf"))).toBe(true);
      }
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
