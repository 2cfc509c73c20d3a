import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeModules } from "../packaging";
import { config } from "./support/configs";
import { snapshotTree } from "./support/tree";

const NAMES = ["kafka-broker-ports", "kafka-privatelink-consumer", "kafka-privatelink-provider"];

function generate(cfg: ReturnType<typeof config>): { dir: string; files: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-modules-"));
  writeModules(dir, cfg);
  return { dir, files: snapshotTree(dir) };
}
const json = (files: Record<string, string>, file: string) => JSON.parse(files[file]);

describe("publishable modules", () => {
  const a = generate(config([1, 2, 3]));
  const b = generate(
    config([4, 9, 17, 30], {
      cluster: { name: "payments", region: "eu-west-1", advertisedHostname: "pay.kafka.corp.example", bootstrapPort: 9000, brokerPortBase: 7100, tags: { env: "prod" } },
      consumers: [{ name: "ledger", region: "eu-west-1", vpcId: "vpc-0aaaaaaaaaaaaaaaa", subnetIds: ["subnet-0aaaaaaaaaaaaaaaa"], allowedCidrs: ["10.9.0.0/16"] }],
    }),
  );
  const { files } = a;
  afterAll(() => [a.dir, b.dir].forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it("writes the three modules, each a folder with main, variables, outputs, versions, README and an example", () => {
    expect(fs.readdirSync(a.dir).sort()).toEqual(NAMES);
    for (const name of NAMES) {
      for (const file of ["main.tf.json", "variables.tf.json", "outputs.tf.json", "versions.tf.json", "README.md"]) {
        expect(files[`${name}/${file}`]).toBeDefined();
      }
      expect(Object.keys(files).some((f) => f.startsWith(`${name}/examples/`) && f.endsWith("/main.tf.json"))).toBe(true);
    }
  });

  it("are identical whatever configuration the main job ran on (examples aside)", () => {
    const generic = (f: Record<string, string>) => Object.fromEntries(Object.entries(f).filter(([p]) => !p.includes("/examples/")));
    expect(generic(b.files)).toEqual(generic(files));
    expect(b.files["kafka-privatelink-provider/examples/complete/main.tf.json"]).not.toEqual(files["kafka-privatelink-provider/examples/complete/main.tf.json"]);
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
      expect(json(files, `${name}/versions.tf.json`).terraform.required_providers).toEqual({ aws: { source: "hashicorp/aws", version: ">= 5.83" } });
    }
  });

  it("type and describe every variable and describe every output, and list them all in the README", () => {
    for (const name of NAMES) {
      const readme = files[`${name}/README.md`];
      for (const [v, block] of Object.entries<any>(json(files, `${name}/variables.tf.json`).variable)) {
        expect(block.type).toEqual(expect.any(String));
        expect(block.description).toEqual(expect.any(String));
        expect(readme).toContain(`| ${v} | `);
      }
      for (const [o, block] of Object.entries<any>(json(files, `${name}/outputs.tf.json`).output)) {
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
    for (const v of ["name", "vpc_id", "subnet_ids", "advertised_hostname", "allowed_principals", "tags", "bootstrap_port", "broker_port_base"]) expect(vars[v]).toBeDefined();
    const consumerVars = json(files, "kafka-privatelink-consumer/variables.tf.json").variable;
    for (const v of ["service_name", "allowed_cidrs", "broker_ids", "hosted_zone_id", "service_region"]) expect(consumerVars[v]).toBeDefined();
  });

  it("call kafka-broker-ports through a relative source instead of repeating the port rule", () => {
    for (const name of ["kafka-privatelink-provider", "kafka-privatelink-consumer"]) {
      const main = json(files, `${name}/main.tf.json`);
      expect(main.module.broker_ports.source).toBe("../kafka-broker-ports");
      expect(files[`${name}/main.tf.json`]).not.toContain("broker_port_base + ");
    }
    const listeners = json(files, "kafka-privatelink-provider/main.tf.json").resource.aws_lb_listener;
    expect(listeners.broker.for_each).toBe("${module.broker_ports.broker_ports}");
    expect(listeners.broker.port).toBe("${each.value}");
    const rules = json(files, "kafka-privatelink-consumer/main.tf.json").resource.aws_vpc_security_group_ingress_rule.client;
    expect(rules.for_each).toContain("module.broker_ports.broker_ports");
  });

  it("enforce the broker-ports rules in Terraform itself", () => {
    const conditions = json(files, "kafka-broker-ports/variables.tf.json").variable.broker_ids.validation.map((v: any) => v.error_message);
    expect(conditions).toEqual([
      expect.stringContaining("1 to 49 brokers"),
      expect.stringContaining("non-negative integer"),
      expect.stringContaining("unique"),
      expect.stringContaining("from 1024 to 65535"),
      expect.stringContaining("equals bootstrap_port"),
      expect.stringContaining("inside the broker port range"),
    ]);
  });

  it("key the AZ check's subnets by position, so subnets known only after apply still plan", () => {
    const subnets = json(files, "kafka-privatelink-consumer/main.tf.json").data.aws_subnet.endpoint;
    expect(subnets.for_each).toBe("${{ for i, s in var.subnet_ids : tostring(i) => s }}");
  });

  it("check in Terraform what the configuration checks: duplicate targets and CIDRs, instance IDs, target group name length", () => {
    const messages = (module: string, variable: string) =>
      json(files, `${module}/variables.tf.json`).variable[variable].validation.map((v: any) => v.error_message).join("\n");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("each broker needs its own target");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("EC2 instance ID");
    expect(messages("kafka-privatelink-provider", "brokers")).toContain("exceed AWS's 32 characters");
    expect(messages("kafka-privatelink-consumer", "allowed_cidrs")).toContain("must not list a CIDR block twice");
  });

  it("carry every setting of a non-default configuration into the examples", () => {
    const cfg = config([1, 2], {
      cluster: { name: "payments-platform", listenerSecurityProtocol: "SASL_SSL", listenerName: "PL", tcpIdleTimeoutSeconds: 900, deregistrationDelaySeconds: 45, allowedPrincipals: ["*"] },
      consumers: [
        { name: "ledger-eu", region: "eu-west-1", vpcId: "vpc-0aaaaaaaaaaaaaaaa", subnetIds: ["subnet-0aaaaaaaaaaaaaaaa"], allowedCidrs: ["0.0.0.0/0"], hostedZoneId: "Z0123456789ABCDEFGHIJ", tags: { app: "ledger" } },
      ],
      policy: { allowCrossRegion: true, allowAnyPrincipal: true, allowAnyCidr: true },
    });
    const c = generate(cfg);
    try {
      const provider = json(c.files, "kafka-privatelink-provider/examples/complete/main.tf.json").module.kafka;
      expect(provider).toMatchObject({
        listener_security_protocol: "SASL_SSL",
        listener_name: "PL",
        tcp_idle_timeout_seconds: 900,
        deregistration_delay_seconds: 45,
        allow_any_principal: true,
        allowed_principals: ["*"],
        supported_regions: ["eu-west-1"],
      });
      const consumer = json(c.files, "kafka-privatelink-consumer/examples/complete/main.tf.json").module.kafka;
      expect(consumer).toMatchObject({
        name: "payments-platform-ledger-eu",
        service_region: "us-east-1",
        allow_any_cidr: true,
        hosted_zone_id: "Z0123456789ABCDEFGHIJ",
        security_protocol: "SASL_SSL",
        tcp_idle_timeout_seconds: 900,
        tags: { app: "ledger" },
      });
      // The consumer module's own name rule admits the example's name.
      expect(consumer.name).toMatch(/^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$/);
    } finally {
      fs.rmSync(c.dir, { recursive: true, force: true });
    }
  });

  it("ship examples that are root modules: a provider block and a call of the module with this cluster's values", () => {
    const example = json(files, "kafka-privatelink-provider/examples/complete/main.tf.json");
    expect(example.provider.aws.region).toBe("us-east-1");
    expect(example.module.kafka.source).toBe("../..");
    expect(example.module.kafka.brokers).toEqual({ "1": { target: "10.0.0.11" }, "2": { target: "10.0.0.12" }, "3": { target: "10.0.0.13" } });
    const consumer = json(files, "kafka-privatelink-consumer/examples/complete/main.tf.json");
    expect(consumer.module.kafka).toMatchObject({ source: "../..", broker_ids: [1, 2, 3], allowed_cidrs: ["10.20.0.0/16"], service_name: "${var.service_name}" });
  });
});
