import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, TerraformStack } from "cdktf";
import { Config } from "../../config/schema";
import { BrokerPortsModuleStack, ConsumerModuleStack, MODULE_NAMES, ProviderModuleStack } from "../../stacks/module-stacks";
import { portPlanFor } from "../../stacks";
import { crossRegionConsumerRegions } from "../../stacks/provider-stack";
import { MODULE_TESTS, renderTestFile, SAMPLE_CONNECTION } from "./module-tests";
import { ModuleDoc, renderModuleReadme } from "./readme";
import { renderJson, TfJson, withoutMetadata } from "./terraform-json";

/** The oldest releases with every argument the modules use (supported_regions, service_region; cross-variable validation). */
export const MIN_AWS_PROVIDER = ">= 5.83";
export const MIN_TERRAFORM = ">= 1.9";

interface ModuleSpec {
  readonly stack: (app: App) => TerraformStack;
  readonly usesAws: boolean;
  readonly doc: Omit<ModuleDoc, "requirements">;
  readonly examples: (config: Config) => Record<string, TfJson>;
}

const awsProviderBlock = (region: string) => ({
  terraform: { required_version: MIN_TERRAFORM, required_providers: { aws: { source: "hashicorp/aws", version: MIN_AWS_PROVIDER } } },
  provider: { aws: { region } },
});

function outputsOf(moduleName: string, names: readonly string[]): TfJson {
  return Object.fromEntries(names.map((n) => [n, { description: `Output ${n} of the module`, value: `\${module.${moduleName}.${n}}` }]));
}

const SPECS: Record<string, ModuleSpec> = {
  [MODULE_NAMES.brokerPorts]: {
    stack: (app) => new BrokerPortsModuleStack(app),
    usesAws: false,
    doc: {
      name: MODULE_NAMES.brokerPorts,
      summary:
        "Broker ID → stable NLB listener port (`broker_port_base + ID`), with the allocation rules enforced by Terraform: at most 49 brokers (an NLB has 50 listeners; one is the bootstrap), unique non-negative integer IDs, ports from 1024 to 65535, no broker port on the bootstrap port. The provider module calls it and hands the ports to consumers in its `connection` output, so provider and consumers cannot disagree on a port.",
      usage: { broker_ids: [1, 2, 3] },
      notes: ["A broker's port depends only on its ID: adding or removing a broker never moves another broker's port."],
    },
    examples: (config) => ({
      basic: {
        terraform: { required_version: MIN_TERRAFORM },
        module: {
          broker_ports: {
            source: "../..",
            broker_ids: config.cluster.brokers.map((b) => b.id),
            bootstrap_port: config.cluster.bootstrapPort,
            broker_port_base: config.cluster.brokerPortBase,
          },
        },
        output: outputsOf("broker_ports", ["broker_ports", "ports"]),
      },
    }),
  },
  [MODULE_NAMES.provider]: {
    stack: (app) => new ProviderModuleStack(app),
    usesAws: true,
    doc: {
      name: MODULE_NAMES.provider,
      summary:
        "The provider half of Kafka over AWS PrivateLink: one internal Network Load Balancer (cross-zone on) with a bootstrap listener forwarding to every broker and one TCP listener per broker forwarding to only that broker, and a VPC endpoint service (acceptance required by default) for the allowed principals.",
      usage: {
        name: "orders",
        vpc_id: "vpc-0a1b2c3d4e5f60718",
        subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
        advertised_hostname: "orders.kafka.example.internal",
        brokers: { "1": { target: "10.0.1.11" }, "2": { target: "10.0.2.12" }, "3": { target: "10.0.3.13" } },
        allowed_principals: ["arn:aws:iam::111122223333:root"],
      },
      notes: [
        "Per-broker resources are keyed by broker ID (`aws_lb_listener.broker[\"3\"]`), so a plan that adds or removes a broker touches only that broker.",
        "Every broker must advertise its output `advertised_listeners` entry on a dedicated listener bound to `broker_target_port`; output `broker_config` has the `server.properties` lines. If the listener uses TLS, the broker certificate's SANs must cover `advertised_hostname`.",
        "With `acceptance_required` (the default) a consumer's endpoint waits in `pendingAcceptance` until it is accepted: list its ID (the consumer module's output `endpoint_id`) in `accept_endpoints` and apply. Each acceptance is keyed by endpoint ID; removing an ID rejects that endpoint's connection.",
        "With `alarms`, a broker whose own target group has no healthy target raises `<name>-broker-<ID>-unhealthy` (and the bootstrap group `<name>-bootstrap-unhealthy`): such a broker is a partition leader that PrivateLink clients cannot reach while clients inside the VPC still can, so no client-side metric in the brokers' VPC shows it. The alarms read `AWS/NetworkELB` `HealthyHostCount` (minimum over two one-minute periods; missing data counts as unhealthy) and notify the actions on alarm and on recovery.",
        "The NLB is created without security groups (an NLB can only get them at creation); access is controlled by the consumers' endpoint security groups and the allowed principals. The brokers' own security groups must allow `broker_target_port` from the NLB subnets' CIDRs (forwarded traffic and health checks come from the NLB's private addresses).",
      ],
    },
    examples: (config) => {
      const { cluster, policy } = config;
      return {
        complete: {
          ...awsProviderBlock(cluster.region),
          module: {
            kafka: {
              source: "../..",
              name: cluster.name,
              vpc_id: cluster.vpcId,
              subnet_ids: cluster.subnetIds,
              advertised_hostname: cluster.advertisedHostname,
              bootstrap_port: cluster.bootstrapPort,
              broker_port_base: cluster.brokerPortBase,
              broker_target_port: cluster.brokerTargetPort,
              target_type: cluster.targetType,
              brokers: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), { target: b.target }])),
              allowed_principals: cluster.allowedPrincipals,
              allow_any_principal: policy.allowAnyPrincipal,
              acceptance_required: cluster.acceptanceRequired,
              deletion_protection: cluster.deletionProtection,
              supported_regions: crossRegionConsumerRegions(config),
              tcp_idle_timeout_seconds: cluster.tcpIdleTimeoutSeconds,
              deregistration_delay_seconds: cluster.deregistrationDelaySeconds,
              listener_name: cluster.listenerName,
              listener_security_protocol: cluster.listenerSecurityProtocol,
              accept_endpoints: cluster.acceptEndpoints,
              alarms: cluster.alarms ?? null,
              tags: cluster.tags,
            },
          },
          output: outputsOf("kafka", ["endpoint_service_name", "bootstrap_address", "broker_ports", "broker_config", "connection"]),
        },
      };
    },
  },
  [MODULE_NAMES.consumer]: {
    stack: (app) => new ConsumerModuleStack(app),
    usesAws: true,
    doc: {
      name: MODULE_NAMES.consumer,
      summary:
        "The consumer half of Kafka over AWS PrivateLink, for one client VPC: an interface VPC endpoint to the provider's service, one security group per client CIDR (at most 5) that admits exactly that CIDR on exactly the bootstrap and broker ports, and a Route 53 private hosted zone named exactly the advertised hostname with an alias record to the endpoint.",
      usage: {
        name: "orders-analytics",
        vpc_id: "vpc-0f1e2d3c4b5a69788",
        subnet_ids: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"],
        connection: SAMPLE_CONNECTION,
        allowed_cidrs: ["10.20.0.0/16"],
      },
      notes: [
        "`connection` is the provider module's output of the same name: in the same configuration pass `connection = module.kafka.connection` (see [`examples/same-account`](examples/same-account)); from another account pass the same object as a value (the cluster's team hands it over). The consumer then cannot disagree with the provider on the broker set, a port, the hostname or the protocol. When `connection.region` is not this endpoint's region, the endpoint is cross-region (`service_region`), and the provider must list this region in `supported_regions`.",
        "The VPC needs `enableDnsSupport` and `enableDnsHostnames`. The zone is named exactly the advertised hostname so it does not shadow the rest of its parent domain in this VPC; with `hosted_zone_id` the record goes into an existing zone instead (associate it with the VPC yourself).",
        "For a same-region service the plan checks that every endpoint subnet is in an availability zone where the service is offered (a precondition on `aws_vpc_endpoint.this`).",
      ],
    },
    examples: (config) => {
      const { cluster, policy } = config;
      // The configuration's first consumer, or a placeholder client VPC when it has none.
      const consumer = config.consumers[0];
      const region = consumer?.region ?? cluster.region;
      const ports = portPlanFor(config);
      const consumerInputs = {
        name: `${cluster.name}-${consumer?.name ?? "clients"}`,
        vpc_id: consumer?.vpcId ?? "vpc-0f1e2d3c4b5a69788",
        subnet_ids: consumer?.subnetIds ?? ["subnet-0f1e2d3c4b5a69781"],
      };
      const consumerOptions = {
        allowed_cidrs: consumer?.allowedCidrs ?? ["10.20.0.0/16"],
        allow_any_cidr: policy.allowAnyCidr,
        hosted_zone_id: consumer?.hostedZoneId ?? null,
        tags: consumer?.tags ?? {},
      };
      return {
        // Another account: the provider's `connection` output handed over as a value.
        complete: {
          ...awsProviderBlock(region),
          variable: {
            service_name: { type: "string", description: "Output endpoint_service_name of the provider module (from the cluster's team)." },
          },
          module: {
            kafka: {
              source: "../..",
              ...consumerInputs,
              connection: {
                service_name: consumer?.serviceName ?? "${var.service_name}",
                region: cluster.region,
                advertised_hostname: cluster.advertisedHostname,
                bootstrap_port: ports.bootstrapPort,
                broker_ports: Object.fromEntries([...ports.brokerPorts].map(([id, port]) => [String(id), port])),
                security_protocol: cluster.listenerSecurityProtocol,
                tcp_idle_timeout_seconds: cluster.tcpIdleTimeoutSeconds,
              },
              ...consumerOptions,
            },
          },
          output: outputsOf("kafka", ["endpoint_id", "zone_id", "client_config"]),
        },
        // One configuration, one account: the provider module's output passed as is.
        "same-account": {
          ...awsProviderBlock(cluster.region),
          module: {
            provider: {
              source: `../../../${MODULE_NAMES.provider}`,
              name: cluster.name,
              vpc_id: cluster.vpcId,
              subnet_ids: cluster.subnetIds,
              advertised_hostname: cluster.advertisedHostname,
              bootstrap_port: cluster.bootstrapPort,
              broker_port_base: cluster.brokerPortBase,
              brokers: Object.fromEntries(cluster.brokers.map((b) => [String(b.id), { target: b.target }])),
              allowed_principals: cluster.allowedPrincipals,
              allow_any_principal: policy.allowAnyPrincipal,
            },
            kafka: {
              source: "../..",
              ...consumerInputs,
              connection: "${module.provider.connection}",
              ...consumerOptions,
            },
          },
          output: outputsOf("kafka", ["endpoint_id", "zone_id", "client_config"]),
        },
      };
    },
  },
};

/** Splits a synthesized stack into a module's files: no provider, no backend, minimum versions. */
function moduleFiles(synthesized: TfJson, usesAws: boolean): Record<string, TfJson> {
  const { variable, output, resource, data, module, locals } = withoutMetadata(synthesized);
  const main: TfJson = {};
  if (locals) main.locals = locals;
  if (module) main.module = module;
  if (data) main.data = data;
  if (resource) main.resource = resource;
  const terraform: TfJson = { required_version: MIN_TERRAFORM };
  if (usesAws) terraform.required_providers = { aws: { source: "hashicorp/aws", version: MIN_AWS_PROVIDER } };
  return {
    "main.tf.json": main,
    "variables.tf.json": { variable: variable ?? {} },
    "outputs.tf.json": { output: output ?? {} },
    "versions.tf.json": { terraform },
  };
}

/**
 * Writes the publishable modules into `dir` (one folder each) and returns their names. Only the
 * `examples/` folders depend on `config`: they call the modules with this cluster's values.
 */
export function writeModules(dir: string, config: Config): string[] {
  const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-privatelink-modules-"));
  try {
    const app = new App({ outdir: synthDir, skipValidation: true });
    const stacks = Object.values(SPECS).map((spec) => ({ spec, stack: spec.stack(app) }));
    app.synth();
    for (const { spec, stack } of stacks) {
      const name = stack.node.id;
      const synthesized = JSON.parse(fs.readFileSync(path.join(synthDir, "stacks", name, "cdk.tf.json"), "utf8")) as TfJson;
      const files = moduleFiles(synthesized, spec.usesAws);
      const moduleDir = path.join(dir, name);
      fs.mkdirSync(moduleDir, { recursive: true });
      for (const [file, doc] of Object.entries(files)) fs.writeFileSync(path.join(moduleDir, file), renderJson(doc));
      const tests = MODULE_TESTS[name] ?? [];
      if (tests.length > 0) fs.mkdirSync(path.join(moduleDir, "tests"));
      for (const test of tests) fs.writeFileSync(path.join(moduleDir, "tests", test.file), renderTestFile(test));
      const examples = spec.examples(config);
      for (const [example, doc] of Object.entries(examples)) {
        fs.mkdirSync(path.join(moduleDir, "examples", example), { recursive: true });
        fs.writeFileSync(path.join(moduleDir, "examples", example, "main.tf.json"), renderJson(doc));
      }
      const requirements: Record<string, string> = { terraform: MIN_TERRAFORM, ...(spec.usesAws ? { "hashicorp/aws": MIN_AWS_PROVIDER } : {}) };
      fs.writeFileSync(
        path.join(moduleDir, "README.md"),
        renderModuleReadme({ ...spec.doc, requirements }, files["variables.tf.json"].variable, files["outputs.tf.json"].output, Object.keys(examples)),
      );
    }
    return stacks.map(({ stack }) => stack.node.id);
  } finally {
    fs.rmSync(synthDir, { recursive: true, force: true });
  }
}
