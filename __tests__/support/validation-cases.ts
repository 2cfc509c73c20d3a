/**
 * One table of accept/refuse cases for both validating layers: the configuration validator
 * (synth time, config/validate.ts) and the published modules' variable validations (plan time).
 * `validation-cases.test.ts` runs every case through the validator as the main job loads a file;
 * `integration/validation-cases.test.ts` maps the same configuration to the modules' inputs
 * (stacks/inputs.ts, the modules' call.ts) and has `terraform test` plan each module with them.
 *
 * A case is a set of changes to the shipped example (examples/orders.yaml). The changes are
 * addressed by the field names the validator reports (`cluster.brokers[2].id`), so the same change
 * applies to the document as written (the validator's input) and to the example as the validator
 * parsed it, defaults filled in (the input of the module mapping, which needs a parsed
 * configuration even where the validator would refuse it).
 *
 * Rules of the configuration with no counterpart in the modules stay out of the table, because no
 * module input can carry what they judge or the module deliberately leaves it to its caller:
 * - unknown keys, wrong value types (YAML/zod): a module input has a Terraform type of its own;
 * - `cluster.region`/`consumers[].region` in `policy.deniedRegions`, and a consumer in another
 *   region without `policy.allowCrossRegion`: policy of the configuration; the modules take any
 *   region (the provider module has no region input; cross-region is the consumer module's
 *   feature);
 * - region partitions of role ARNs; `profile`, `assumeRoleArn`, `state`: the AWS provider and
 *   backend of a stack, not module inputs (the partitions of principals and of supported regions
 *   are in the table: the provider module checks them against its region's);
 * - consumer names used twice, two consumers in one VPC, a consumer name longer than 20
 *   characters or starting with a digit: stack names and one-zone-per-VPC are the job's; the
 *   consumer module's `name` is `<cluster>-<consumer>` and takes 1-64 characters (its character
 *   rule is in the table);
 * - `consumers[].serviceName` in a region other than the cluster's: the consumer module takes the
 *   service's region from `connection.region`;
 * - principals and alarm topics listed twice: the modules pass them to AWS as given (a set for
 *   principals).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseConfigText, readConfigText } from "../../config/document";
import { EXAMPLE_CONFIG, loadConfig } from "../../config/load";
import { ConfigError } from "../../config/problems";
import { Config } from "../../config/schema";
import { validateConfig } from "../../config/validate";
import { moduleJsonFiles } from "../../modules/packaging";
import { VariableBlock } from "../../modules/packaging/terraform-json";
import { consumerModuleInputs } from "../../modules/kafka-privatelink-consumer/call";
import { providerModuleInputs } from "../../modules/kafka-privatelink-provider/call";
import { consumerProps, providerProps } from "../../stacks/inputs";

/** The three published modules, as the table names them. */
export const MODULES = {
  provider: "kafka-privatelink-provider",
  consumer: "kafka-privatelink-consumer",
  brokerPorts: "kafka-broker-ports",
} as const;
export type ModuleKey = keyof typeof MODULES;

/** Per module, the variables that have a validation block, read from module folders written into `dir`. */
export function validatedVariables(dir: string): Record<ModuleKey, string[]> {
  const of = (module: string) => {
    // The module's code in its JSON form; `dir` holds the same code in HCL (hcl-equivalence.test.ts).
    if (!fs.existsSync(path.join(dir, module, "variables.tf"))) throw new Error(`no module ${module} in ${dir}`);
    const json = (file: string) => moduleJsonFiles(module)[file];
    const doc = JSON.parse(json("variables.tf.json")) as { variable: Record<string, VariableBlock> };
    const own = Object.entries(doc.variable)
      .filter(([, v]) => (v.validation ?? []).length > 0)
      .map(([name]) => name);
    // An input passed on to the port rule's module is validated there: its refusals name this input.
    const main = JSON.parse(json("main.tf.json")) as { module?: Record<string, Record<string, unknown>> };
    const passedOn = Object.values(main.module ?? {}).flatMap((call) => [...JSON.stringify(call).matchAll(/var\.([a-z_]+)/g)].map((m) => m[1]));
    return [...new Set([...own, ...passedOn])].sort();
  };
  return { provider: of(MODULES.provider), consumer: of(MODULES.consumer), brokerPorts: of(MODULES.brokerPorts) };
}

export interface Refusal {
  /** The configuration fields the validator names: every problem is about one of these, and each is named. */
  readonly fields: readonly string[];
  /**
   * Per module, the inputs whose validation refuses the case's inputs; a module left out
   * accepts them. The consumer module is judged once per consumer of the configuration.
   */
  readonly provider?: readonly string[];
  readonly consumer?: readonly string[];
  readonly brokerPorts?: readonly string[];
}

export interface ValidationCase {
  /** Also the `run` name in Terraform: letters, digits and `_`. */
  readonly name: string;
  /** Field (as the validator names fields) → new value; a missing parent mapping is created. */
  readonly changes: Readonly<Record<string, unknown>>;
  /** Left out: every layer accepts the case. */
  readonly refused?: Refusal;
  /** Why the case is as it is, where the table alone does not say. */
  readonly note?: string;
}

const target = (id: number) => `10.0.${Math.floor(id / 200)}.${(id % 200) + 10}`;
const brokers = (ids: readonly number[], targetOf: (id: number) => string = target) => ids.map((id) => ({ id, target: targetOf(id) }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const cidrs = (n: number) => range(1, n).map((i) => `10.${i}.0.0/16`);
/** A valid hostname of `length` characters, 194-255: three labels of 63 (DNS's most) and the rest. */
const hostnameOf = (length: number) =>
  ["a", "b", "c"]
    .map((c) => c.repeat(63))
    .concat("d".repeat(length - 3 * 64))
    .join(".");
/** `n` tags: the example's team tag and numbered others. */
const tagsOf = (n: number) => Object.fromEntries(range(1, n).map((i) => (i === 1 ? ["team", "streaming"] : [`tag${i}`, `value${i}`])));
const TOPIC = "arn:aws:sns:us-east-1:111122223333:kafka-oncall";
const ENDPOINT = "vpce-0123456789abcdef0";
/** A 20-character cluster name (the most the configuration allows). */
const LONGEST_NAME = "orders-east-primary1";

export const CASES: readonly ValidationCase[] = [
  { name: "example_as_shipped", changes: {} },

  // Brokers: at most 49 (an NLB has 50 listeners, one is the bootstrap).
  { name: "accepts_49_brokers", changes: { "cluster.brokers": brokers(range(1, 49)) } },
  {
    name: "refuses_50_brokers",
    changes: { "cluster.brokers": brokers(range(1, 50)) },
    refused: { fields: ["cluster.brokers"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  {
    name: "refuses_no_broker",
    changes: { "cluster.brokers": [] },
    refused: { fields: ["cluster.brokers"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  {
    name: "refuses_duplicate_broker_id",
    changes: { "cluster.brokers[2].id": 2 },
    refused: { fields: ["cluster.brokers[2].id"], brokerPorts: ["broker_ids"] },
    note: "The provider and consumer modules key brokers by ID (a map): two brokers with one ID cannot reach them, the mapping keeps the last.",
  },
  {
    name: "refuses_negative_broker_id",
    changes: { "cluster.brokers[0].id": -1 },
    refused: { fields: ["cluster.brokers[0].id"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },

  // Ports: 1024-65535, broker port = brokerPortBase + ID, the bootstrap port outside the broker ports.
  { name: "accepts_bootstrap_port_1024", changes: { "cluster.bootstrapPort": 1024 } },
  { name: "accepts_bootstrap_port_65535", changes: { "cluster.bootstrapPort": 65535 } },
  { name: "accepts_broker_port_1024", changes: { "cluster.brokerPortBase": 0, "cluster.brokers": brokers([1024, 1025, 1026]) } },
  {
    name: "refuses_bootstrap_port_1023",
    changes: { "cluster.bootstrapPort": 1023 },
    refused: { fields: ["cluster.bootstrapPort"], provider: ["bootstrap_port"], consumer: ["connection"], brokerPorts: ["bootstrap_port"] },
  },
  {
    name: "refuses_bootstrap_port_65536",
    changes: { "cluster.bootstrapPort": 65536 },
    refused: { fields: ["cluster.bootstrapPort"], provider: ["bootstrap_port"], consumer: ["connection"], brokerPorts: ["bootstrap_port"] },
  },
  {
    name: "refuses_broker_port_1023",
    changes: { "cluster.brokerPortBase": 0, "cluster.brokers": brokers([1023, 1024, 1025]) },
    refused: { fields: ["cluster.brokers[0].id"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  { name: "accepts_broker_port_65535", changes: { "cluster.brokerPortBase": 65532 } },
  {
    name: "refuses_broker_port_65536",
    changes: { "cluster.brokerPortBase": 65533 },
    refused: { fields: ["cluster.brokers[2].id"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  {
    name: "refuses_broker_port_base_65536",
    changes: { "cluster.brokerPortBase": 65536 },
    refused: { fields: ["cluster.brokerPortBase"], provider: ["broker_port_base"], consumer: ["connection"], brokerPorts: ["broker_port_base"] },
    note: "Terraform skips the rules of other inputs that read an input already refused (the port rules of brokers read broker_port_base).",
  },
  {
    name: "refuses_broker_port_on_the_bootstrap_port",
    changes: { "cluster.bootstrapPort": 6002 },
    refused: { fields: ["cluster.brokers[1].id"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  { name: "accepts_bootstrap_port_just_below_the_broker_ports", changes: { "cluster.bootstrapPort": 6000 } },
  { name: "accepts_bootstrap_port_just_above_the_broker_ports", changes: { "cluster.bootstrapPort": 6004 } },
  {
    name: "refuses_bootstrap_port_inside_the_broker_ports",
    changes: { "cluster.brokers[2].id": 5, "cluster.bootstrapPort": 6003 },
    refused: { fields: ["cluster.bootstrapPort"], provider: ["brokers"], consumer: ["connection"], brokerPorts: ["broker_ids"] },
  },
  { name: "accepts_broker_target_port_1", changes: { "cluster.brokerTargetPort": 1 } },
  {
    name: "refuses_broker_target_port_0",
    changes: { "cluster.brokerTargetPort": 0 },
    refused: { fields: ["cluster.brokerTargetPort"], provider: ["broker_target_port"] },
  },

  // Listener and target group settings.
  { name: "accepts_idle_timeout_60", changes: { "cluster.tcpIdleTimeoutSeconds": 60 } },
  { name: "accepts_idle_timeout_6000", changes: { "cluster.tcpIdleTimeoutSeconds": 6000 } },
  {
    name: "refuses_idle_timeout_59",
    changes: { "cluster.tcpIdleTimeoutSeconds": 59 },
    refused: { fields: ["cluster.tcpIdleTimeoutSeconds"], provider: ["tcp_idle_timeout_seconds"], consumer: ["connection"] },
  },
  {
    name: "refuses_idle_timeout_6001",
    changes: { "cluster.tcpIdleTimeoutSeconds": 6001 },
    refused: { fields: ["cluster.tcpIdleTimeoutSeconds"], provider: ["tcp_idle_timeout_seconds"], consumer: ["connection"] },
  },
  { name: "accepts_deregistration_delay_3600", changes: { "cluster.deregistrationDelaySeconds": 3600 } },
  {
    name: "refuses_deregistration_delay_3601",
    changes: { "cluster.deregistrationDelaySeconds": 3601 },
    refused: { fields: ["cluster.deregistrationDelaySeconds"], provider: ["deregistration_delay_seconds"] },
  },
  {
    name: "refuses_lower_case_listener_name",
    changes: { "cluster.listenerName": "privatelink" },
    refused: { fields: ["cluster.listenerName"], provider: ["listener_name"] },
  },
  { name: "accepts_sasl_ssl", changes: { "cluster.listenerSecurityProtocol": "SASL_SSL" } },
  {
    name: "refuses_unknown_security_protocol",
    changes: { "cluster.listenerSecurityProtocol": "TLS" },
    refused: { fields: ["cluster.listenerSecurityProtocol"], provider: ["listener_security_protocol"], consumer: ["connection"] },
  },

  // Targets: private IPv4 addresses (targetType ip) or instance IDs, one broker each.
  { name: "accepts_carrier_grade_nat_target", changes: { "cluster.brokers[0].target": "100.64.0.11" } },
  { name: "accepts_last_carrier_grade_nat_target", changes: { "cluster.brokers[0].target": "100.127.255.254" } },
  {
    name: "refuses_target_past_carrier_grade_nat",
    changes: { "cluster.brokers[0].target": "100.128.0.11" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  { name: "accepts_last_172_16_12_target", changes: { "cluster.brokers[0].target": "172.31.255.254" } },
  {
    name: "refuses_target_past_172_16_12",
    changes: { "cluster.brokers[0].target": "172.32.0.11" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  {
    name: "refuses_public_ip_target",
    changes: { "cluster.brokers[0].target": "8.8.8.8" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  {
    name: "refuses_target_with_leading_zeros",
    changes: { "cluster.brokers[0].target": "10.0.01.11" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
    note: "Some tools read 010 as octal (8): the validator refuses leading zeros.",
  },
  // AWS reserves the first four and the last address of every subnet (/16-/28): refused only where
  // every subnet that could hold the target reserves it.
  {
    name: "refuses_target_first_of_every_subnet",
    changes: { "cluster.brokers[0].target": "10.1.0.0" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  {
    name: "refuses_target_fourth_of_every_subnet",
    changes: { "cluster.brokers[0].target": "10.1.0.3" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  {
    name: "refuses_target_last_of_every_subnet",
    changes: { "cluster.brokers[0].target": "172.16.255.255" },
    refused: { fields: ["cluster.brokers[0].target"], provider: ["brokers"] },
  },
  { name: "accepts_target_fifth_of_a_16", changes: { "cluster.brokers[0].target": "10.1.0.4" } },
  { name: "accepts_target_before_the_last_of_a_16", changes: { "cluster.brokers[0].target": "10.1.255.254" } },
  { name: "accepts_target_first_of_a_24_inside_a_16", changes: { "cluster.brokers[0].target": "10.1.1.0" } },
  { name: "accepts_target_last_of_a_24_inside_a_16", changes: { "cluster.brokers[0].target": "10.1.0.255" } },
  {
    name: "refuses_shared_target",
    changes: { "cluster.brokers[1].target": "10.0.1.11" },
    refused: { fields: ["cluster.brokers[1].target"], provider: ["brokers"] },
  },
  {
    name: "accepts_instance_targets",
    changes: { "cluster.targetType": "instance", "cluster.brokers": brokers([1, 2, 3], (id) => `i-0123456789abcdef${id}`) },
  },
  {
    name: "refuses_addresses_as_instance_targets",
    changes: { "cluster.targetType": "instance" },
    refused: { fields: ["cluster.brokers[0].target", "cluster.brokers[1].target", "cluster.brokers[2].target"], provider: ["brokers"] },
  },
  { name: "refuses_unknown_target_type", changes: { "cluster.targetType": "alb" }, refused: { fields: ["cluster.targetType"], provider: ["target_type"] } },

  // Names: 1-20 characters, and `<name>-b<id>-<brokerTargetPort>[i]` within AWS's 32 for target groups.
  { name: "accepts_20_character_name", changes: { "cluster.name": LONGEST_NAME } },
  { name: "refuses_21_character_name", changes: { "cluster.name": `${LONGEST_NAME}2` }, refused: { fields: ["cluster.name"], provider: ["name"] } },
  { name: "refuses_upper_case_name", changes: { "cluster.name": "Orders" }, refused: { fields: ["cluster.name"], provider: ["name"], consumer: ["name"] } },
  {
    name: "accepts_target_group_name_of_32",
    changes: { "cluster.name": LONGEST_NAME, "cluster.brokerPortBase": 1024, "cluster.brokers": brokers([12345]) },
  },
  {
    name: "refuses_target_group_name_of_33",
    changes: { "cluster.name": LONGEST_NAME, "cluster.brokerPortBase": 1024, "cluster.brokers": brokers([12345]), "cluster.brokerTargetPort": 19094 },
    refused: { fields: ["cluster.name"], provider: ["brokers"] },
  },
  { name: "refuses_upper_case_consumer_name", changes: { "consumers[0].name": "Analytics" }, refused: { fields: ["consumers[0].name"], consumer: ["name"] } },

  // AWS's own name rules on the names derived from the cluster's: an NLB name may not begin with
  // "internal-" (<name>-nlb), a security group name not with "sg-" (<cluster>-<consumer>-kafka-<cidr>).
  { name: "refuses_name_starting_internal", changes: { "cluster.name": "internal-kafka" }, refused: { fields: ["cluster.name"], provider: ["name"] } },
  { name: "refuses_name_making_the_nlb_name_internal", changes: { "cluster.name": "internal" }, refused: { fields: ["cluster.name"], provider: ["name"] } },
  { name: "accepts_name_starting_internal_without_hyphen", changes: { "cluster.name": "internalkafka" } },
  { name: "refuses_name_starting_sg", changes: { "cluster.name": "sg-orders" }, refused: { fields: ["cluster.name"], consumer: ["name"] } },
  { name: "refuses_name_making_security_group_names_start_sg", changes: { "cluster.name": "sg" }, refused: { fields: ["cluster.name"], consumer: ["name"] } },
  { name: "accepts_name_starting_sg_without_hyphen", changes: { "cluster.name": "sgorders" } },

  // The advertised hostname: a lower-case DNS name of at least two labels, at most 253 characters.
  { name: "accepts_hostname_of_253", changes: { "cluster.advertisedHostname": hostnameOf(253) } },
  {
    name: "refuses_hostname_of_254",
    changes: { "cluster.advertisedHostname": hostnameOf(254) },
    refused: { fields: ["cluster.advertisedHostname"], provider: ["advertised_hostname"], consumer: ["connection"] },
  },
  {
    name: "refuses_upper_case_hostname",
    changes: { "cluster.advertisedHostname": "Orders.kafka.example.internal" },
    refused: { fields: ["cluster.advertisedHostname"], provider: ["advertised_hostname"], consumer: ["connection"] },
  },

  // Who may connect.
  {
    name: "refuses_no_principal",
    changes: { "cluster.allowedPrincipals": [] },
    refused: { fields: ["cluster.allowedPrincipals"], provider: ["allowed_principals"] },
  },
  {
    name: "refuses_any_principal",
    changes: { "cluster.allowedPrincipals": ["*"] },
    refused: { fields: ["cluster.allowedPrincipals[0]"], provider: ["allowed_principals"] },
  },
  { name: "accepts_any_principal_when_allowed", changes: { "cluster.allowedPrincipals": ["*"], "policy.allowAnyPrincipal": true } },
  {
    name: "accepts_role_and_user_principals",
    changes: { "cluster.allowedPrincipals": ["arn:aws:iam::111122223333:role/teams/kafka-client", "arn:aws:iam::444455556666:user/ci"] },
  },
  {
    name: "refuses_principal_that_is_not_an_arn",
    changes: { "cluster.allowedPrincipals": ["111122223333"] },
    refused: { fields: ["cluster.allowedPrincipals[0]"], provider: ["allowed_principals"] },
  },
  {
    name: "refuses_principal_that_is_not_an_iam_arn",
    changes: { "cluster.allowedPrincipals": ["arn:aws:sts::111122223333:assumed-role/kafka/session"] },
    refused: { fields: ["cluster.allowedPrincipals[0]"], provider: ["allowed_principals"] },
  },
  {
    name: "refuses_principal_in_another_partition",
    changes: { "cluster.allowedPrincipals": ["arn:aws-cn:iam::111122223333:root"] },
    refused: { fields: ["cluster.allowedPrincipals[0]"], provider: ["allowed_principals"] },
  },
  {
    name: "accepts_principal_in_the_partition_of_the_region",
    changes: {
      "cluster.region": "us-gov-west-1",
      "consumers[0].region": "us-gov-west-1",
      "cluster.allowedPrincipals": ["arn:aws-us-gov:iam::111122223333:root"],
    },
  },
  { name: "refuses_no_subnet", changes: { "cluster.subnetIds": [] }, refused: { fields: ["cluster.subnetIds"], provider: ["subnet_ids"] } },
  {
    name: "refuses_consumer_without_subnet",
    changes: { "consumers[0].subnetIds": [] },
    refused: { fields: ["consumers[0].subnetIds"], consumer: ["subnet_ids"] },
  },

  // Accepting endpoint connections.
  { name: "accepts_listed_endpoints", changes: { "cluster.acceptEndpoints": [ENDPOINT] } },
  { name: "accepts_no_acceptance_without_endpoints", changes: { "cluster.acceptanceRequired": false } },
  {
    name: "refuses_endpoints_without_acceptance",
    changes: { "cluster.acceptanceRequired": false, "cluster.acceptEndpoints": [ENDPOINT] },
    refused: { fields: ["cluster.acceptEndpoints[0]"], provider: ["accept_endpoints"] },
  },
  {
    name: "refuses_endpoint_id_that_is_not_one",
    changes: { "cluster.acceptEndpoints": ["vpce-svc-0123456789abcdef0"] },
    refused: { fields: ["cluster.acceptEndpoints[0]"], provider: ["accept_endpoints"] },
  },
  {
    name: "refuses_endpoint_listed_twice",
    changes: { "cluster.acceptEndpoints": [ENDPOINT, ENDPOINT] },
    refused: { fields: ["cluster.acceptEndpoints[1]"], provider: ["accept_endpoints"] },
  },

  // Health alarms: SNS topics in the cluster's region.
  { name: "accepts_alarm_topic_in_the_cluster_region", changes: { "cluster.alarms": { actions: [TOPIC] } } },
  {
    name: "accepts_alarms_of_a_cluster_in_another_region",
    changes: { "cluster.region": "eu-west-1", "consumers[0].region": "eu-west-1", "cluster.alarms": { actions: [TOPIC.replace("us-east-1", "eu-west-1")] } },
  },
  {
    name: "refuses_alarm_topic_in_another_region",
    changes: { "cluster.alarms": { actions: [TOPIC.replace("us-east-1", "eu-west-1")] } },
    refused: { fields: ["cluster.alarms.actions[0]"], provider: ["alarms"] },
  },
  {
    name: "refuses_alarm_action_that_is_not_a_topic",
    changes: { "cluster.alarms": { actions: ["arn:aws:sqs:us-east-1:111122223333:oncall"] } },
    refused: { fields: ["cluster.alarms.actions[0]"], provider: ["alarms"] },
  },
  {
    name: "refuses_alarms_without_actions",
    changes: { "cluster.alarms": { actions: [] } },
    refused: { fields: ["cluster.alarms.actions"], provider: ["alarms"] },
  },

  // Client CIDR blocks: 1-5 (one security group each), network addresses, 0.0.0.0/0 only by opt-in.
  { name: "accepts_5_cidrs", changes: { "consumers[0].allowedCidrs": cidrs(5) } },
  {
    name: "refuses_6_cidrs",
    changes: { "consumers[0].allowedCidrs": cidrs(6) },
    refused: { fields: ["consumers[0].allowedCidrs"], consumer: ["allowed_cidrs"] },
  },
  { name: "refuses_no_cidr", changes: { "consumers[0].allowedCidrs": [] }, refused: { fields: ["consumers[0].allowedCidrs"], consumer: ["allowed_cidrs"] } },
  {
    name: "refuses_any_cidr",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/0"] },
    refused: { fields: ["consumers[0].allowedCidrs[0]"], consumer: ["allowed_cidrs"] },
  },
  { name: "accepts_any_cidr_when_allowed", changes: { "consumers[0].allowedCidrs": ["0.0.0.0/0"], "policy.allowAnyCidr": true } },
  {
    name: "refuses_cidr_listed_twice",
    changes: { "consumers[0].allowedCidrs": ["10.20.0.0/16", "10.20.0.0/16"] },
    refused: { fields: ["consumers[0].allowedCidrs[1]"], consumer: ["allowed_cidrs"] },
  },
  {
    name: "refuses_cidr_with_host_bits",
    changes: { "consumers[0].allowedCidrs": ["10.20.1.0/16"] },
    refused: { fields: ["consumers[0].allowedCidrs[0]"], consumer: ["allowed_cidrs"] },
  },
  {
    name: "refuses_cidr_with_leading_zeros",
    changes: { "consumers[0].allowedCidrs": ["10.020.0.0/16"] },
    refused: { fields: ["consumers[0].allowedCidrs[0]"], consumer: ["allowed_cidrs"] },
  },
  {
    name: "refuses_prefix_length_with_leading_zeros",
    changes: { "consumers[0].allowedCidrs": ["10.20.0.0/016"] },
    refused: { fields: ["consumers[0].allowedCidrs[0]"], consumer: ["allowed_cidrs"] },
  },

  {
    name: "refuses_cidrs_covering_every_address",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/1", "128.0.0.0/1"] },
    refused: { fields: ["consumers[0].allowedCidrs"], consumer: ["allowed_cidrs"] },
  },
  {
    name: "refuses_cidrs_covering_every_address_with_a_nested_block",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/1", "10.0.0.0/8", "128.0.0.0/2", "192.0.0.0/2"] },
    refused: { fields: ["consumers[0].allowedCidrs"], consumer: ["allowed_cidrs"] },
  },
  {
    name: "accepts_cidrs_covering_every_address_when_allowed",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/1", "128.0.0.0/1"], "policy.allowAnyCidr": true },
  },
  {
    name: "accepts_cidrs_leaving_one_block_uncovered",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5"] },
  },
  {
    name: "accepts_overlapping_cidrs_whose_sizes_add_up_to_every_address",
    changes: { "consumers[0].allowedCidrs": ["0.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"] },
    note: "Half the addresses are covered; a sum of block sizes that ignores nesting would count all of them.",
  },

  // Tags: AWS's limits, within the 50 tags a resource takes (the modules add none of their own).
  { name: "accepts_50_tags", changes: { "cluster.tags": tagsOf(50) } },
  { name: "refuses_51_tags", changes: { "cluster.tags": tagsOf(51) }, refused: { fields: ["cluster.tags"], provider: ["tags"] } },
  { name: "refuses_51_consumer_tags", changes: { "consumers[0].tags": tagsOf(51) }, refused: { fields: ["consumers[0].tags"], consumer: ["tags"] } },
  { name: "accepts_tag_key_of_128_and_empty_value", changes: { "cluster.tags": { ["k".repeat(128)]: "" } } },
  {
    name: "refuses_tag_key_of_129",
    changes: { "cluster.tags": { ["k".repeat(129)]: "x" } },
    refused: { fields: [`cluster.tags["${"k".repeat(60)}"… (129 characters)]`], provider: ["tags"] },
  },
  { name: "accepts_tag_value_of_256", changes: { "cluster.tags": { team: "v".repeat(256) } } },
  { name: "refuses_tag_value_of_257", changes: { "cluster.tags": { team: "v".repeat(257) } }, refused: { fields: ["cluster.tags.team"], provider: ["tags"] } },
  {
    name: "refuses_aws_tag_key",
    changes: { "consumers[0].tags": { "AWS:owner": "kafka" } },
    refused: { fields: ['consumers[0].tags["AWS:owner"]'], consumer: ["tags"] },
  },
  { name: "accepts_unicode_tag", changes: { "cluster.tags": { équipe: "flux données" } } },
  // `ſ` (long s) is a letter that case-insensitive matching in RE2, but not in JavaScript, takes for `s`.
  { name: "accepts_tag_key_like_aws_but_not_aws", changes: { "cluster.tags": { "awſ:team": "streaming" } } },
  {
    name: "refuses_aws_tag_key_in_mixed_case",
    changes: { "cluster.tags": { "aWs:team": "streaming" } },
    refused: { fields: ['cluster.tags["aWs:team"]'], provider: ["tags"] },
  },
  {
    name: "refuses_tag_with_a_character_aws_refuses",
    changes: { "cluster.tags": { team: "kafka#1" } },
    refused: { fields: ["cluster.tags.team"], provider: ["tags"] },
  },

  // Cross-region: the service's supported regions are real regions of its partition.
  {
    name: "refuses_made_up_supported_region",
    changes: { "consumers[0].region": "us-moon-1", "policy.allowCrossRegion": true },
    refused: { fields: ["consumers[0].region"], provider: ["supported_regions"] },
  },
  {
    name: "refuses_supported_region_in_another_partition",
    changes: { "consumers[0].region": "cn-north-1", "policy.allowCrossRegion": true },
    refused: { fields: ["consumers[0].region"], provider: ["supported_regions"] },
  },

  // The service a consumer connects to.
  { name: "accepts_cross_region_consumer_when_allowed", changes: { "consumers[0].region": "us-east-2", "policy.allowCrossRegion": true } },
  {
    name: "refuses_service_name_that_is_not_one",
    changes: { "consumers[0].serviceName": "vpce-svc-0123456789abcdef0" },
    refused: { fields: ["consumers[0].serviceName"], consumer: ["connection"] },
  },

  // The VPCs.
  {
    name: "refuses_cluster_vpc_id_that_is_not_one",
    changes: { "cluster.vpcId": "vpc-orders" },
    refused: { fields: ["cluster.vpcId"], provider: ["vpc_id"] },
  },
  {
    name: "refuses_consumer_vpc_id_that_is_not_one",
    changes: { "consumers[0].vpcId": "vpc-analytics" },
    refused: { fields: ["consumers[0].vpcId"], consumer: ["vpc_id"] },
  },

  // The subnets.
  {
    name: "refuses_cluster_subnet_id_that_is_not_one",
    changes: { "cluster.subnetIds": ["subnet-a"] },
    refused: { fields: ["cluster.subnetIds[0]"], provider: ["subnet_ids"] },
  },
  {
    name: "refuses_cluster_subnet_listed_twice",
    changes: { "cluster.subnetIds": ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60711"] },
    refused: { fields: ["cluster.subnetIds[1]"], provider: ["subnet_ids"] },
  },
  {
    name: "refuses_consumer_subnet_listed_twice",
    changes: { "consumers[0].subnetIds": ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69781"] },
    refused: { fields: ["consumers[0].subnetIds[1]"], consumer: ["subnet_ids"] },
  },

  // An existing private zone for the record.
  { name: "accepts_existing_hosted_zone", changes: { "consumers[0].hostedZoneId": "Z0123456789ABCDEFGHIJ" } },
  {
    name: "refuses_hosted_zone_id_that_is_not_one",
    changes: { "consumers[0].hostedZoneId": "/hostedzone/Z0123456789ABCDEFGHIJ" },
    refused: { fields: ["consumers[0].hostedZoneId"], consumer: ["hosted_zone_id"] },
  },
];

/** `cluster.brokers[2].id` → ["cluster", "brokers", 2, "id"]. */
function fieldPath(field: string): Array<string | number> {
  return [...field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] === undefined ? m[1] : Number(m[2])));
}

/** A copy of `document` with the case's changes made. */
export function withChanges<T>(document: T, changes: Readonly<Record<string, unknown>>): T {
  const copy = structuredClone(document) as unknown;
  for (const [field, value] of Object.entries(changes)) {
    const keys = fieldPath(field);
    let parent = copy as Record<string | number, unknown>;
    for (const [i, key] of keys.slice(0, -1).entries()) {
      if (parent[key] === undefined || parent[key] === null) parent[key] = typeof keys[i + 1] === "number" ? [] : {};
      parent = parent[key] as Record<string | number, unknown>;
    }
    parent[keys[keys.length - 1]] = structuredClone(value);
  }
  return copy as T;
}

/** The example configuration as written: the validator's input. */
function exampleDocument(): unknown {
  const read = readConfigText(EXAMPLE_CONFIG);
  if ("problem" in read) throw new Error(read.problem.rule);
  const parsed = parseConfigText(read.text);
  if (!("document" in parsed) || parsed.problems.length > 0) throw new Error(`${EXAMPLE_CONFIG} does not parse`);
  return parsed.document;
}

/** The document the validator judges for a case. */
export const caseDocument = (c: ValidationCase) => withChanges(exampleDocument(), c.changes);

/**
 * The configuration the modules are given for a case: the parsed example with the same changes,
 * not validated again (the point is to see what the modules make of it).
 */
const caseConfig = (c: ValidationCase): Config => withChanges(validateConfig(exampleDocument()), c.changes);

export type Verdict = { readonly accepted: true } | { readonly accepted: false; readonly fields: readonly string[]; readonly message: string };

/** The validator's verdict on a document, reached as the main job reaches it: a file read by loadConfig. */
export function validatorVerdict(document: unknown): Verdict {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-case-"));
  try {
    const file = path.join(dir, "cluster.yaml");
    fs.writeFileSync(file, stringify(document));
    loadConfig(file);
    return { accepted: true };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { accepted: false, fields: [...new Set(err.problems.map((p) => p.field))], message: err.message };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What is wrong with the validator's verdict for this case, or undefined when it is the expected one. */
export function validatorDisagreement(c: ValidationCase, verdict: Verdict): string | undefined {
  if (c.refused === undefined)
    return verdict.accepted ? undefined : `the configuration validator refuses it, the table says every layer accepts it:\n${verdict.message}`;
  if (verdict.accepted) return `the configuration validator accepts it, the table says it refuses ${c.refused.fields.join(", ")}`;
  const unexpected = verdict.fields.filter((f) => !c.refused!.fields.includes(f));
  const missing = c.refused.fields.filter((f) => !verdict.fields.includes(f));
  if (unexpected.length === 0 && missing.length === 0) return undefined;
  return `the configuration validator names ${verdict.fields.join(", ")}, the table says ${c.refused.fields.join(", ")}:\n${verdict.message}`;
}

export interface ModuleRun {
  readonly module: ModuleKey;
  /** The run's name: the case's, with the consumer's index for the consumer module. */
  readonly run: string;
  /** The region the module is planned in (the AWS provider's region in the stack that calls it). */
  readonly region?: string;
  readonly inputs: Record<string, unknown>;
  /** The inputs whose validation must refuse; empty: the module must accept. */
  readonly refusedBy: readonly string[];
}

/** A provider stack's service name in a region, as the consumer stacks get it (a cross-stack reference there). */
const serviceNameIn = (region: string) => `com.amazonaws.vpce.${region}.vpce-svc-0123456789abcdef0`;

/**
 * The module runs of a case: the provider module with the cluster, the consumer module with each
 * consumer, and the broker-ports module with the cluster's port plan: the broker IDs as listed,
 * the bootstrap port and the port base, what allocation.ts's `portPlanErrors` judges in the
 * validator (the other two modules hold the IDs as map keys, which cannot repeat).
 */
export function moduleRuns(c: ValidationCase): ModuleRun[] {
  const config = caseConfig(c);
  const { cluster } = config;
  const provider = providerModuleInputs(providerProps(config));
  return [
    { module: "provider", run: c.name, region: cluster.region, inputs: provider, refusedBy: c.refused?.provider ?? [] },
    ...config.consumers.map((consumer, i) => ({
      module: "consumer" as const,
      run: config.consumers.length === 1 ? c.name : `${c.name}_consumer_${i}`,
      region: consumer.region,
      inputs: consumerModuleInputs(consumerProps(config, consumer, consumer.serviceName ?? serviceNameIn(cluster.region))),
      refusedBy: c.refused?.consumer ?? [],
    })),
    {
      module: "brokerPorts",
      run: c.name,
      inputs: { broker_ids: cluster.brokers.map((b) => b.id), bootstrap_port: provider.bootstrap_port, broker_port_base: provider.broker_port_base },
      refusedBy: c.refused?.brokerPorts ?? [],
    },
  ];
}
