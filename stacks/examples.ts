/**
 * The modules' `examples/` folders: runnable root modules that call the published modules with
 * this configuration's values, the same inputs the deployable stacks pass (stacks/inputs.ts).
 * They are the only part of the module folders that depends on the configuration.
 */
import * as path from "node:path";
import { Config, ConsumerConfig } from "../config/schema";
import { BROKER_PORTS_MODULE } from "../modules/kafka-broker-ports";
import { CONSUMER_MODULE, consumerModuleInputs } from "../modules/kafka-privatelink-consumer";
import { PROVIDER_MODULE, providerModuleInputs } from "../modules/kafka-privatelink-provider";
import { MIN_AWS_PROVIDER, MIN_TERRAFORM, moduleExamples, ModuleFolder, renderModules, writeModuleFolders } from "../modules/packaging";
import { renderJson, TfJson } from "../modules/packaging/terraform-json";
import { consumerProps, providerProps } from "./inputs";

const awsProviderBlock = (region: string) => ({
  terraform: { required_version: MIN_TERRAFORM, required_providers: { aws: { source: "hashicorp/aws", version: MIN_AWS_PROVIDER } } },
  provider: { aws: { region } },
});

function outputsOf(moduleName: string, names: readonly string[]): TfJson {
  return Object.fromEntries(names.map((n) => [n, { description: `Output ${n} of the module`, value: `\${module.${moduleName}.${n}}` }]));
}

/** A placeholder client VPC, in the cluster's region, for a configuration without consumers. */
const placeholderConsumer = (region: string): ConsumerConfig => ({
  name: "clients",
  region,
  vpcId: "vpc-0f1e2d3c4b5a69788",
  subnetIds: ["subnet-0f1e2d3c4b5a69781"],
  allowedCidrs: ["10.20.0.0/16"],
  tags: {},
});

/** Each module's examples (folder → main.tf.json) for this configuration. */
export function moduleExampleDocs(config: Config): Record<string, Record<string, TfJson>> {
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
            source: "../..",
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
        module: { kafka: { source: "../..", ...provider, alarms: provider.alarms ?? null } },
        output: outputsOf("kafka", ["endpoint_service_name", "bootstrap_address", "broker_ports", "broker_config", "connection"]),
      },
    },
    [CONSUMER_MODULE]: {
      complete: {
        ...awsProviderBlock(consumer.region),
        ...(consumer.serviceName ? {} : { variable: { service_name: { type: "string", description: "Output endpoint_service_name of the provider module (from the cluster's team)." } } }),
        module: { kafka: { source: "../..", ...handedOver, hosted_zone_id: handedOver.hosted_zone_id ?? null } },
        output: consumerOutputs,
      },
      // One configuration, one account: the provider module's output passed as is.
      "same-account": {
        ...awsProviderBlock(cluster.region),
        module: {
          provider: { source: `../../../${PROVIDER_MODULE}`, ...provider, alarms: provider.alarms ?? null },
          kafka: { source: "../..", ...consumerOwn, connection: "${module.provider.connection}", hosted_zone_id: consumerOwn.hosted_zone_id ?? null },
        },
        output: consumerOutputs,
      },
    },
  };
}

/**
 * The published modules for this configuration: each module's files, and its examples with this
 * cluster's values. The same folders go to `--modules-out` and beside the stacks that call them.
 */
export function publishedModules(config: Config): ReadonlyMap<string, ModuleFolder> {
  const examples = moduleExampleDocs(config);
  const folders = new Map<string, ModuleFolder>();
  for (const [name, files] of renderModules()) {
    const docs = examples[name] ?? {};
    const expected = moduleExamples(name);
    if (Object.keys(docs).sort().join() !== [...expected].sort().join()) throw new Error(`${name}: examples ${Object.keys(docs).join(", ")} differ from the README's ${expected.join(", ")}`);
    folders.set(name, { ...files, ...Object.fromEntries(Object.entries(docs).map(([example, doc]) => [path.posix.join("examples", example, "main.tf.json"), renderJson(doc)])) });
  }
  return folders;
}

/** Writes the published modules for this configuration into `dir` (one folder each); returns their names. */
export function writeModules(dir: string, config: Config): string[] {
  const folders = publishedModules(config);
  writeModuleFolders(dir, folders);
  return [...folders.keys()];
}
