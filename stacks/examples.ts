/**
 * Runnable root modules that call the published modules, with the same inputs the deployable
 * stacks pass (stacks/inputs.ts):
 * - each published module's `examples/`, with fixed sample values (SAMPLE_CONFIG): a published
 *   folder is the same whatever configuration was synthesized, and carries no cluster's network;
 * - a cluster's own examples, with its values, in the output folder beside its stacks
 *   (`<out>/examples/<module>/<example>/`), which is not published.
 */
import * as path from "node:path";
import { Config, placeholderConsumer } from "../config/schema";
import { validateConfig } from "../config/validate";
import { BROKER_PORTS_MODULE } from "../modules/kafka-broker-ports";
import { consumerModuleInputs } from "../modules/kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { providerModuleInputs } from "../modules/kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { AWS_PROVIDER, MIN_TERRAFORM, moduleExamples, ModuleFolder, renderModules, writeModuleFolders } from "../modules/packaging";
import { renderHcl } from "../modules/packaging/terraform-hcl";
import { TfJson } from "../modules/packaging/terraform-json";
import { consumerProps, providerProps } from "./inputs";

const awsProviderBlock = (region: string) => ({
  terraform: { required_version: MIN_TERRAFORM, required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER } } },
  provider: { aws: { region } },
});

function outputsOf(moduleName: string, names: readonly string[]): TfJson {
  return Object.fromEntries(names.map((n) => [n, { description: `Output ${n} of the module`, value: `\${module.${moduleName}.${n}}` }]));
}

/**
 * The published examples' cluster: the sample values of the module READMEs (documentation
 * addresses: example VPC and subnet IDs, account 111122223333, example.internal).
 */
export const SAMPLE_CONFIG: Config = validateConfig(
  {
    cluster: {
      name: "orders",
      region: "us-east-1",
      vpcId: "vpc-0a1b2c3d4e5f60718",
      subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
      advertisedHostname: "orders.kafka.example.internal",
      brokerTargetPort: 9094,
      brokers: [
        { id: 1, target: "10.0.1.11" },
        { id: 2, target: "10.0.2.12" },
        { id: 3, target: "10.0.3.13" },
      ],
      allowedPrincipals: ["arn:aws:iam::111122223333:root"],
    },
    consumers: [
      { name: "analytics", region: "us-east-1", vpcId: "vpc-0f1e2d3c4b5a69788", subnetIds: ["subnet-0f1e2d3c4b5a69781"], allowedCidrs: ["10.20.0.0/16"] },
    ],
  },
  "the published examples' sample configuration",
);

/** Where an example of module `owner` finds `module`, relative to its folder. */
type SourceOf = (module: string, owner: string) => string;

/** In a published folder, `<module>/examples/<example>/`: its own module two folders up, as terraform-aws-modules write it. */
const publishedSource: SourceOf = (module, owner) => (module === owner ? "../.." : `../../../${module}`);

/** Each module's examples (folder → main.tf.json) for this configuration. */
export function moduleExampleDocs(config: Config, sourceOf: SourceOf = publishedSource): Record<string, Record<string, TfJson>> {
  const { cluster } = config;
  const consumer = config.consumers[0] ?? placeholderConsumer(cluster.region);
  const provider = providerModuleInputs(providerProps(config));
  // Another account: the provider's `connection` output handed over as a value.
  const handedOver = consumerModuleInputs(consumerProps(config, consumer, consumer.serviceName ?? "${var.service_name}"));
  const { connection: _connection, ...consumerOwn } = handedOver;
  const consumerOutputs = outputsOf("kafka", ["endpoint_id", "zone_id", "client_config"]);
  return {
    [BROKER_PORTS_MODULE]: {
      basic: {
        terraform: { required_version: MIN_TERRAFORM },
        module: {
          broker_ports: {
            source: sourceOf(BROKER_PORTS_MODULE, BROKER_PORTS_MODULE),
            broker_ids: cluster.brokers.map((b) => b.id),
            bootstrap_port: cluster.bootstrapPort,
            broker_port_base: cluster.brokerPortBase,
          },
        },
        output: outputsOf("broker_ports", ["broker_ports", "ports"]),
      },
    },
    [PROVIDER_MODULE]: {
      complete: {
        ...awsProviderBlock(cluster.region),
        module: { kafka: { source: sourceOf(PROVIDER_MODULE, PROVIDER_MODULE), ...provider, alarms: provider.alarms ?? null } },
        output: outputsOf("kafka", ["endpoint_service_name", "bootstrap_address", "broker_ports", "broker_config", "connection"]),
      },
    },
    [CONSUMER_MODULE]: {
      complete: {
        ...awsProviderBlock(consumer.region),
        ...(consumer.serviceName
          ? {}
          : { variable: { service_name: { type: "string", description: "Output endpoint_service_name of the provider module (from the cluster's team)." } } }),
        module: { kafka: { source: sourceOf(CONSUMER_MODULE, CONSUMER_MODULE), ...handedOver, hosted_zone_id: handedOver.hosted_zone_id ?? null } },
        output: consumerOutputs,
      },
      // One configuration, one account: the provider module's output passed as is.
      "same-account": {
        ...awsProviderBlock(cluster.region),
        module: {
          provider: { source: sourceOf(PROVIDER_MODULE, CONSUMER_MODULE), ...provider, alarms: provider.alarms ?? null },
          kafka: {
            source: sourceOf(CONSUMER_MODULE, CONSUMER_MODULE),
            ...consumerOwn,
            connection: "${module.provider.connection}",
            hosted_zone_id: consumerOwn.hosted_zone_id ?? null,
          },
        },
        output: consumerOutputs,
      },
    },
  };
}

/** Example folders as files: `<module>/<example>/main.tf` (below `examples/` of each module, or of the output folder). */
function exampleFiles(docs: Record<string, Record<string, TfJson>>, module: string, prefix: string): ModuleFolder {
  return Object.fromEntries(Object.entries(docs[module] ?? {}).map(([example, doc]) => [path.posix.join(prefix, example, "main.tf"), renderHcl(doc)]));
}

/**
 * The published modules: each module's files and its examples with the sample values. The same
 * folders go to `--modules-out` and beside the stacks that call them, whatever the configuration.
 */
export function publishedModules(): ReadonlyMap<string, ModuleFolder> {
  const examples = moduleExampleDocs(SAMPLE_CONFIG);
  const folders = new Map<string, ModuleFolder>();
  for (const [name, files] of renderModules()) {
    const expected = moduleExamples(name);
    const given = Object.keys(examples[name] ?? {});
    if (given.sort().join() !== [...expected].sort().join())
      throw new Error(`${name}: examples ${given.join(", ")} differ from the README's ${expected.join(", ")}`);
    folders.set(name, { ...files, ...exampleFiles(examples, name, "examples") });
  }
  return folders;
}

/** The output folder's subfolder with this cluster's own examples: `<out>/examples/<module>/<example>/`. */
export const CLUSTER_EXAMPLES_DIR = "examples";

/**
 * This cluster's own examples, for the output folder (`<out>/examples/<module>/<example>/`): the
 * module examples with this configuration's values, calling the modules beside the stacks
 * (`<out>/modules/`). Files relative to `<out>/examples`.
 */
export function clusterExamples(config: Config): ModuleFolder {
  const docs = moduleExampleDocs(config, (module) => `../../../modules/${module}`);
  return Object.assign({}, ...Object.keys(docs).map((module) => exampleFiles(docs, module, module)));
}

/** Writes the published modules into `dir` (one folder each); returns their names. */
export function writeModules(dir: string): string[] {
  const folders = publishedModules();
  writeModuleFolders(dir, folders);
  return [...folders.keys()];
}
