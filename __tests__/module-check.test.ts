import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { checkModules, formatProblem } from "../checks/module-check";
import { EXAMPLE_CONFIG, loadConfig } from "../config/load";
import { writeModules } from "../packaging";
import type { TfJson } from "../packaging/terraform-json";

const PORTS = "kafka-broker-ports";
const PROVIDER = "kafka-privatelink-provider";
const CONSUMER = "kafka-privatelink-consumer";
const PROVIDER_EXAMPLE = `${PROVIDER}/examples/complete`;
const CONSUMER_EXAMPLE = `${CONSUMER}/examples/complete`;

const scratch: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-module-check-"));
  scratch.push(dir);
  return dir;
};

const generated = tempDir();
writeModules(generated, loadConfig(EXAMPLE_CONFIG));
afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Checks a copy of the generated modules in which one file has been written with `contents`. */
async function checkWritten(file: string, contents: (previous: string | undefined) => string): Promise<string[]> {
  const dir = tempDir();
  fs.cpSync(generated, dir, { recursive: true });
  const target = path.join(dir, file);
  fs.writeFileSync(target, contents(fs.existsSync(target) ? fs.readFileSync(target, "utf8") : undefined));
  return (await checkModules(dir)).problems.map(formatProblem);
}

/** Checks a copy of the generated modules in which `edit` has changed (or created) one JSON file. */
function checkEdited(file: string, edit: (doc: TfJson) => void): Promise<string[]> {
  return checkWritten(file, (previous) => {
    const doc: TfJson = previous === undefined ? {} : JSON.parse(previous);
    edit(doc);
    return JSON.stringify(doc, null, 2);
  });
}

describe("offline module check", () => {
  it("passes the generated modules and their examples, resolving every reference in them", async () => {
    const report = await checkModules(generated);
    expect(report.problems.map(formatProblem)).toEqual([]);
    expect(report).toMatchObject({ modules: 3, examples: 3 });
    expect(report.references).toBeGreaterThan(150);
  });

  it("accepts for-expression and dynamic-block symbols in their scope, Terraform's built-in symbols, escapes, directives and quotes", async () => {
    const problems = await checkEdited(`${PORTS}/extra.tf.json`, (doc) => {
      doc.locals = {
        by_id: "${{ for i, id in var.broker_ids : tostring(id) => [for p in [var.broker_port_base + id] : p + i] if id >= 0 }}",
        grouped: "${{ for id, ports in local.by_id : length(ports) => id... }}",
        builtins: "${path.module}/${terraform.workspace}",
        escaped: "$${var.not_a_reference} %%{ not a directive }",
        directive: "%{ for id in var.broker_ids }${id},%{ endfor }",
        quoted: 'port "${var.bootstrap_port}"',
        splat: "${[{ port = var.bootstrap_port }][*].port}",
      };
      doc.resource = {
        terraform_data: {
          counted: { count: "${length(var.broker_ids)}", input: "${count.index}", depends_on: ["terraform_data.each"] },
          each: { for_each: "${local.by_id}", input: "${each.key}=${each.value[0]}", lifecycle: { ignore_changes: ["input"] } },
        },
        aws_security_group: {
          dynamic: {
            name: "ports",
            dynamic: {
              ingress: { for_each: "${var.broker_ids}", content: { from_port: "${var.broker_port_base + ingress.value}", to_port: "${ingress.key}" } },
              egress: { for_each: "${var.broker_ids}", iterator: "id", content: { from_port: "${id.value}" } },
            },
          },
        },
      };
    });
    expect(problems).toEqual([]);
  });

  it.each<[string, string, (doc: TfJson) => void, string | RegExp]>([
    [
      "a variable",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_lb.this.name = "${var.nme}-nlb"),
      `${PROVIDER}/main.tf.json aws_lb.this: "name" refers to var.nme, but no variable "nme" is declared in this module`,
    ],
    [
      // hcl2json's getReferencesInExpression never looks at a for-expression's key and value.
      "a variable in a for-expression's value",
      `${PROVIDER}/outputs.tf.json`,
      (doc) => (doc.output.advertised_listeners.value = '${{ for id, port in module.broker_ports.broker_ports : id => "${var.advertised_hostnam}:${port}" }}'),
      `${PROVIDER}/outputs.tf.json output.advertised_listeners: "value" refers to var.advertised_hostnam, but no variable "advertised_hostnam" is declared in this module`,
    ],
    [
      "a for-expression's symbol outside its for",
      `${PORTS}/outputs.tf.json`,
      (doc) => (doc.output.ports.value = "${concat([for id in var.broker_ids : var.broker_port_base + id], [id])}"),
      `${PORTS}/outputs.tf.json output.ports: "value" refers to id, but no such name is in scope (a for-expression's symbols exist only inside it)`,
    ],
    [
      "a dynamic block's iterator outside its content",
      `${PROVIDER}/main.tf.json`,
      (doc) => {
        doc.resource.aws_lb.this.dynamic = { subnet_mapping: { for_each: "${subnet_mapping.value}", content: { subnet_id: "${subnet_mapping.value}" } } };
      },
      `${PROVIDER}/main.tf.json aws_lb.this: "dynamic.subnet_mapping.for_each" refers to subnet_mapping.value, but no resource "subnet_mapping" "value" is declared in this module`,
    ],
    [
      "a local value",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_lb.this.tags = "${local.tags}"),
      `${PROVIDER}/main.tf.json aws_lb.this: "tags" refers to local.tags, but no local value "tags" is declared in this module`,
    ],
    [
      "a resource",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_lb_listener.bootstrap.load_balancer_arn = "${aws_lb.thus.arn}"),
      `${PROVIDER}/main.tf.json aws_lb_listener.bootstrap: "load_balancer_arn" refers to aws_lb.thus, but no resource "aws_lb" "thus" is declared in this module`,
    ],
    [
      "a resource in depends_on",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_vpc_endpoint_service.this.depends_on = ["aws_lb_listener.bootstrapp"]),
      `${PROVIDER}/main.tf.json aws_vpc_endpoint_service.this: "depends_on.0" refers to aws_lb_listener.bootstrapp, but no resource "aws_lb_listener" "bootstrapp" is declared in this module`,
    ],
    [
      "a data source",
      `${CONSUMER}/main.tf.json`,
      (doc) => (doc.resource.aws_vpc_endpoint.this.service_name = "${data.aws_vpc_endpoint_service.that.service_name}"),
      `${CONSUMER}/main.tf.json aws_vpc_endpoint.this: "service_name" refers to data.aws_vpc_endpoint_service.that, but no data "aws_vpc_endpoint_service" "that" is declared in this module`,
    ],
    [
      "a module call",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_lb_listener.broker.for_each = "${module.ports.broker_ports}"),
      `${PROVIDER}/main.tf.json aws_lb_listener.broker: "for_each" refers to module.ports, but no module call "ports" is declared in this module`,
    ],
    [
      "an output of the called module",
      `${PROVIDER}/outputs.tf.json`,
      (doc) => (doc.output.broker_ports.value = "${module.broker_ports.broker_portz}"),
      `${PROVIDER}/outputs.tf.json output.broker_ports: "value" refers to module.broker_ports.broker_portz, but module "broker_ports" (${PORTS}) has no output "broker_portz"`,
    ],
    [
      "an output of the called module, through a splat",
      `${PROVIDER}/outputs.tf.json`,
      (doc) => (doc.output.broker_ports.value = "${one(module.broker_ports[*].broker_portz)}"),
      `${PROVIDER}/outputs.tf.json output.broker_ports: "value" refers to module.broker_ports.broker_portz, but module "broker_ports" (${PORTS}) has no output "broker_portz"`,
    ],
    [
      "an output of the called module, through an index",
      `${PROVIDER}/outputs.tf.json`,
      (doc) => (doc.output.broker_ports.value = '${{ for k in ["a"] : k => module.broker_ports[k].broker_portz }}'),
      `${PROVIDER}/outputs.tf.json output.broker_ports: "value" refers to module.broker_ports.broker_portz, but module "broker_ports" (${PORTS}) has no output "broker_portz"`,
    ],
    [
      "a variable in an index",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.resource.aws_lb_target_group_attachment.broker.target_group_arn = "${aws_lb_target_group.broker[var.broker_id].arn}"),
      `${PROVIDER}/main.tf.json aws_lb_target_group_attachment.broker: "target_group_arn" refers to var.broker_id, but no variable "broker_id" is declared in this module`,
    ],
    [
      "an output of the module an example calls",
      `${PROVIDER_EXAMPLE}/main.tf.json`,
      (doc) => (doc.output.bootstrap_address.value = "${module.kafka.bootstrap_adress}"),
      `${PROVIDER_EXAMPLE}/main.tf.json output.bootstrap_address: "value" refers to module.kafka.bootstrap_adress, but module "kafka" (${PROVIDER}) has no output "bootstrap_adress"`,
    ],
    [
      "a variable of an example",
      `${CONSUMER_EXAMPLE}/main.tf.json`,
      (doc) => (doc.module.kafka.service_name = "${var.service}"),
      `${CONSUMER_EXAMPLE}/main.tf.json module.kafka: "service_name" refers to var.service, but no variable "service" is declared in this module`,
    ],
    [
      "a module source",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.module.broker_ports.source = "../kafka-broker-portz"),
      new RegExp(`^${PROVIDER}/main\\.tf\\.json module\\.broker_ports: source "\\.\\./kafka-broker-portz": no Terraform files in .*kafka-broker-portz$`),
    ],
  ])("fails on a reference to %s that does not resolve", async (_what, file, edit, expected) => {
    expect(await checkEdited(file, edit)).toEqual([typeof expected === "string" ? expected : expect.stringMatching(expected)]);
  });

  it.each<[string, string, (doc: TfJson) => void, string]>([
    [
      "an unknown argument in a module",
      `${PROVIDER}/main.tf.json`,
      (doc) => (doc.module.broker_ports.broker_count = 3),
      `${PROVIDER}/main.tf.json module.broker_ports: argument "broker_count" is not a variable of module "broker_ports" (${PORTS})`,
    ],
    [
      "an unknown argument in an example",
      `${CONSUMER_EXAMPLE}/main.tf.json`,
      (doc) => (doc.module.kafka.brokers = { "1": { target: "10.0.1.11" } }),
      `${CONSUMER_EXAMPLE}/main.tf.json module.kafka: argument "brokers" is not a variable of module "kafka" (${CONSUMER})`,
    ],
    [
      "a missing required argument in a module",
      `${PROVIDER}/main.tf.json`,
      (doc) => delete doc.module.broker_ports.broker_ids,
      `${PROVIDER}/main.tf.json module.broker_ports: missing required argument "broker_ids" (a variable of ${PORTS} without default)`,
    ],
    [
      "a missing required argument in an example",
      `${PROVIDER_EXAMPLE}/main.tf.json`,
      (doc) => delete doc.module.kafka.vpc_id,
      `${PROVIDER_EXAMPLE}/main.tf.json module.kafka: missing required argument "vpc_id" (a variable of ${PROVIDER} without default)`,
    ],
  ])("fails on a module call with %s", async (_what, file, edit, expected) => {
    expect(await checkEdited(file, edit)).toEqual([expected]);
  });

  it("takes a variable with a default, even a null one, as optional", async () => {
    const problems = await checkEdited(`${PORTS}/variables.tf.json`, (doc) => {
      doc.variable.rack = { type: "string", description: "Rack of the brokers; null: none.", default: null };
    });
    expect(problems).toEqual([]);
  });

  it.each<[string, string, (doc: TfJson) => void, string]>([
    ["an untyped variable", `${PORTS}/variables.tf.json`, (doc) => delete doc.variable.broker_ids.type, `${PORTS}/variables.tf.json variable.broker_ids: variable has no type`],
    [
      "an undescribed variable",
      `${CONSUMER}/variables.tf.json`,
      (doc) => (doc.variable.vpc_id.description = ""),
      `${CONSUMER}/variables.tf.json variable.vpc_id: variable has no description`,
    ],
    ["an undescribed output", `${PROVIDER}/outputs.tf.json`, (doc) => delete doc.output.nlb_arn.description, `${PROVIDER}/outputs.tf.json output.nlb_arn: output has no description`],
    [
      "a provider block in a module",
      `${PROVIDER}/versions.tf.json`,
      (doc) => (doc.provider = { aws: { region: "us-east-1" } }),
      `${PROVIDER}/versions.tf.json provider.aws: provider block in a module: the calling root module configures providers (only examples/ may have one)`,
    ],
    [
      "a backend block in a module",
      `${CONSUMER}/versions.tf.json`,
      (doc) => (doc.terraform.backend = { local: { path: "/home/me/terraform.tfstate" } }),
      `${CONSUMER}/versions.tf.json terraform.backend.local: backend in a module: only a root module chooses where state is stored`,
    ],
    [
      "a cloud block in a module",
      `${PORTS}/versions.tf.json`,
      (doc) => (doc.terraform.cloud = { organization: "example" }),
      `${PORTS}/versions.tf.json terraform.cloud: backend in a module: only a root module chooses where state is stored`,
    ],
  ])("fails on %s", async (_what, file, edit, expected) => {
    expect(await checkEdited(file, edit)).toEqual([expected]);
  });

  it("fails on an expression Terraform cannot parse: a reference wrapped in ${} inside an expression", async () => {
    // What the generator once wrote for the consumer's ingress rules.
    const problems = await checkEdited(`${CONSUMER}/main.tf.json`, (doc) => {
      doc.resource.aws_vpc_security_group_ingress_rule.client.for_each =
        '${{ for id, port in ${module.broker_ports.broker_ports} : "broker ${id}" => port }}';
    });
    expect(problems).toEqual([
      expect.stringMatching(/^kafka-privatelink-consumer\/main\.tf\.json aws_vpc_security_group_ingress_rule\.client: "for_each" is not valid HCL: line 1,\d+-\d+: Invalid character/),
    ]);
  });

  it("fails on a declaration Terraform would find twice in a module's files", async () => {
    const problems = await checkEdited(`${PORTS}/extra.tf.json`, (doc) => {
      doc.variable = { broker_ids: { type: "list(number)", description: "Broker IDs." } };
    });
    expect(problems).toEqual([`${PORTS}/variables.tf.json variable.broker_ids: declared again (first in extra.tf.json)`]);
  });

  it("fails on files it cannot read rather than passing a module it has not looked at", async () => {
    expect(await checkWritten(`${PORTS}/extra.tf.json`, () => '{ "output": ')).toEqual([expect.stringMatching(new RegExp(`^${PORTS}/extra\\.tf\\.json: not valid JSON: `))]);
    expect(await checkWritten(`${PORTS}/extra.tf`, () => 'output "x" {\n  value = 1\n}\n')).toEqual([
      `${PORTS}/extra.tf: HCL native syntax is not read by this check: write the module as *.tf.json or extend the check`,
    ]);
  });

  it("fails on a folder without modules rather than passing it", async () => {
    const empty = tempDir();
    const report = await checkModules(empty);
    expect(report.problems.map(formatProblem)).toEqual([`./: no module folders (with *.tf.json files) in ${empty}`]);
  });
});
