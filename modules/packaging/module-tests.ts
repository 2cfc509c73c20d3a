/**
 * The native tests shipped inside each published module (`tests/*.tftest.hcl`): a plain-Terraform
 * user runs `terraform test` in the module folder, with no AWS account (`mock_provider "aws"`).
 * They assert the plan's shape and that every validation refuses what it should.
 */
import { BROKER_PORTS_MODULE } from "../kafka-broker-ports";
import { CONSUMER_MODULE } from "../kafka-privatelink-consumer/rules";
import { PROVIDER_MODULE } from "../kafka-privatelink-provider/rules";
import { hclAssignments, toHcl } from "./terraform-json";

export interface TestRun {
  readonly name: string;
  /** `apply` runs against the mock provider (computed values are mocked); `plan` is the default. */
  readonly command?: "plan" | "apply";
  /** Variables of this run, on top of the file's. */
  readonly variables?: Record<string, unknown>;
  /** [condition, error message] */
  readonly asserts?: ReadonlyArray<readonly [string, string]>;
  /** Inputs whose validation must refuse this run's variables (`var.<name>`). */
  readonly expectFailures?: readonly string[];
  /** Resources whose precondition must fail in this run (their address). */
  readonly expectConditionFailures?: readonly string[];
  /** Data sources read with other values in this run than the mock provider's. */
  readonly overrideData?: ReadonlyArray<{ readonly target: string; readonly values: Record<string, unknown> }>;
}

export interface TestFile {
  readonly file: string;
  /** HCL blocks before the runs (mock providers). */
  readonly preamble: string;
  readonly variables: Record<string, unknown>;
  readonly runs: readonly TestRun[];
}

/**
 * `mock_provider "aws"` for a plan in `region` (also what the synthesized stacks are evaluated
 * with, terraform/evaluate.ts). The AWS provider checks ARN syntax even against a mock:
 * give ARNs a valid shape. `more`: further mock blocks inside it.
 */
export function mockProvider(region: string, more: readonly string[] = []): string {
  const ARN = `arn:aws:elasticloadbalancing:${region}:111122223333`;
  return `mock_provider "aws" {
  mock_resource "aws_lb" {
    defaults = { arn = "${ARN}:loadbalancer/net/orders-nlb/0123456789abcdef" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "${ARN}:targetgroup/orders/0123456789abcdef" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = {
      dns_entry = [{ dns_name = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.${region}.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }]
    }
  }
  mock_data "aws_region" {
    defaults = { id = "${region}", name = "${region}" }
  }
  mock_data "aws_vpc" {
    defaults = { enable_dns_support = true, enable_dns_hostnames = true }
  }
  mock_data "aws_vpc_endpoint_service" {
    defaults = { availability_zones = ["${region}a", "${region}b", "${region}c"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "${region}a" }
  }
${more.map((block) => `${block}\n`).join("")}}
`;
}
const MOCK_PROVIDER = mockProvider("us-east-1");

const ENDPOINTS = ["vpce-0fedcba9876543210", "vpce-0123456789abcdef0"];
const ONCALL_TOPIC = "arn:aws:sns:us-east-1:111122223333:kafka-oncall";
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const brokersMap = (ids: readonly number[], target = (id: number) => `10.0.${Math.floor(id / 200)}.${(id % 200) + 10}`) =>
  Object.fromEntries(ids.map((id) => [String(id), { target: target(id) }]));

/** A run whose variables the validation of `input` (by default the run's one variable) must refuse: `refuses_<what>`. */
const refuses = (what: string, variables: Record<string, unknown>, input = Object.keys(variables)[0]): TestRun => ({
  name: `refuses_${what}`,
  variables,
  expectFailures: [input],
});

const BROKER_PORTS: TestFile = {
  file: "allocation.tftest.hcl",
  preamble: "",
  variables: { broker_ids: [1, 2, 3] },
  runs: [
    {
      name: "ports_follow_broker_ids",
      asserts: [
        ['jsonencode(output.broker_ports) == jsonencode({ "1" = 6001, "2" = 6002, "3" = 6003 })', "broker N gets port 6000 + N"],
        ["jsonencode(output.ports) == jsonencode([9091, 6001, 6002, 6003])", "ports lists the bootstrap port, then the broker ports"],
      ],
    },
    {
      name: "a_port_depends_only_on_its_broker_id",
      variables: { broker_ids: [3, 17], broker_port_base: 7000, bootstrap_port: 9092 },
      asserts: [
        ['output.broker_ports["3"] == 7003 && output.broker_ports["17"] == 7017', "a broker's port is broker_port_base + its ID, whatever the other brokers"],
      ],
    },
    { name: "accepts_49_brokers", variables: { broker_ids: range(1, 49) }, asserts: [["length(output.broker_ports) == 49", "49 brokers fit one NLB"]] },
    refuses("50_brokers", { broker_ids: range(1, 50) }),
    refuses("no_broker", { broker_ids: [] }),
    refuses("duplicate_ids", { broker_ids: [1, 2, 2] }),
    refuses("negative_id", { broker_ids: [1, -2] }),
    refuses("fractional_id", { broker_ids: [1.5] }),
    refuses("port_above_65535", { broker_ids: [1, 36], broker_port_base: 65500 }, "broker_ids"),
    refuses("port_below_1024", { broker_ids: [1], broker_port_base: 100 }, "broker_ids"),
    refuses("port_equal_to_bootstrap", { broker_ids: [1, 2], bootstrap_port: 6002 }, "broker_ids"),
    refuses("bootstrap_inside_broker_range", { broker_ids: [1, 5], bootstrap_port: 6003 }, "broker_ids"),
    refuses("bootstrap_port_out_of_range", { bootstrap_port: 70000 }),
    refuses("port_base_out_of_range", { broker_port_base: -1 }),
  ],
};

/** The provider module's inputs in its tests (and, with other brokers, its README usage). */
export const PROVIDER_VARIABLES = {
  name: "orders",
  vpc_id: "vpc-0a1b2c3d4e5f60718",
  subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
  advertised_hostname: "orders.kafka.example.internal",
  brokers: brokersMap([1, 2, 3]),
  allowed_principals: ["arn:aws:iam::111122223333:root"],
};

const PROVIDER: TestFile = {
  file: "provider.tftest.hcl",
  preamble: MOCK_PROVIDER,
  variables: PROVIDER_VARIABLES,
  runs: [
    {
      name: "one_listener_per_broker_on_its_own_port",
      command: "apply",
      asserts: [
        ["aws_lb_listener.bootstrap.port == 9091", "the bootstrap listener listens on bootstrap_port"],
        ["length(aws_lb_listener.broker) == length(var.brokers)", "one listener per broker"],
        ['alltrue([for id, l in aws_lb_listener.broker : l.port == 6000 + tonumber(id) && l.protocol == "TCP"])', "broker N's listener is TCP on 6000 + N"],
        [
          'aws_lb.this.internal && aws_lb.this.load_balancer_type == "network" && aws_lb.this.enable_cross_zone_load_balancing',
          "an internal NLB with cross-zone load balancing",
        ],
      ],
    },
    {
      name: "bootstrap_group_holds_every_broker_and_each_broker_group_exactly_one",
      command: "apply",
      asserts: [
        [
          "jsonencode(sort([for a in aws_lb_target_group_attachment.bootstrap : a.target_id])) == jsonencode(sort([for b in values(var.brokers) : b.target]))",
          "the bootstrap group holds every broker",
        ],
        [
          "length(aws_lb_target_group_attachment.broker) == length(var.brokers) && alltrue([for id, a in aws_lb_target_group_attachment.broker : a.target_id == var.brokers[id].target && a.port == 9094])",
          "each broker's group holds exactly that broker, on broker_target_port",
        ],
        [
          'alltrue([for g in aws_lb_target_group.broker : g.protocol == "TCP" && g.port == 9094 && !g.proxy_protocol_v2])',
          "broker groups are TCP on broker_target_port, without proxy protocol",
        ],
      ],
    },
    {
      name: "endpoint_service_requires_acceptance_for_the_principals",
      command: "apply",
      asserts: [
        ["aws_vpc_endpoint_service.this.acceptance_required", "acceptance is required by default"],
        [
          "jsonencode(sort(tolist(aws_vpc_endpoint_service.this.allowed_principals))) == jsonencode(sort(var.allowed_principals))",
          "exactly the allowed principals",
        ],
        ["length(aws_vpc_endpoint_connection_accepter.this) == 0", "no connection is accepted unless listed"],
      ],
    },
    {
      name: "accepts_exactly_the_listed_endpoints",
      command: "apply",
      variables: { accept_endpoints: ENDPOINTS },
      asserts: [
        [
          `jsonencode(sort(keys(aws_vpc_endpoint_connection_accepter.this))) == jsonencode([${[...ENDPOINTS]
            .sort()
            .map((e) => JSON.stringify(e))
            .join(", ")}])`,
          "one acceptance per endpoint, keyed by endpoint ID",
        ],
        [
          "alltrue([for id, a in aws_vpc_endpoint_connection_accepter.this : a.vpc_endpoint_id == id && a.vpc_endpoint_service_id == aws_vpc_endpoint_service.this.id])",
          "each accepts its own endpoint's connection to this service",
        ],
      ],
    },
    {
      name: "settings_reach_every_listener_and_group",
      variables: { tcp_idle_timeout_seconds: 900, deregistration_delay_seconds: 45, deletion_protection: true, broker_target_port: 9095 },
      asserts: [
        [
          "alltrue([for l in concat([aws_lb_listener.bootstrap], values(aws_lb_listener.broker)) : l.tcp_idle_timeout_seconds == 900])",
          "every listener has the idle timeout",
        ],
        [
          'alltrue([for g in concat([aws_lb_target_group.bootstrap], values(aws_lb_target_group.broker)) : g.deregistration_delay == "45" && g.port == 9095 && one(g.health_check).protocol == "TCP" && one(g.health_check).port == "traffic-port" && one(g.health_check).interval == 10 && one(g.health_check).timeout == 5])',
          "every group has the deregistration delay, the target port and a TCP health check on it",
        ],
        ["aws_lb.this.enable_deletion_protection", "deletion protection on request"],
        [
          'aws_lb_target_group.broker["2"].name == "orders-b2-9095" && aws_lb_target_group.bootstrap.name == "orders-boot-9095"',
          "group names carry the target port, so a new port makes new groups",
        ],
      ],
    },
    {
      name: "registers_instance_targets",
      variables: { target_type: "instance", brokers: brokersMap([1, 2], (id) => `i-0123456789abcdef${id}`) },
      asserts: [
        [
          'alltrue([for g in concat([aws_lb_target_group.bootstrap], values(aws_lb_target_group.broker)) : g.target_type == "instance"])',
          "the groups register instances",
        ],
        [
          'aws_lb_target_group.broker["1"].name == "orders-b1-9094i" && aws_lb_target_group.bootstrap.name == "orders-boot-9094i"',
          "group names change with the target type, so old and new groups coexist",
        ],
        [
          'aws_lb_target_group_attachment.broker["2"].target_id == "i-0123456789abcdef2" && length(aws_lb_target_group_attachment.bootstrap) == 2',
          "each broker's instance is its target",
        ],
      ],
    },
    {
      name: "cross_region_service_lists_its_own_region_too",
      variables: { supported_regions: ["eu-west-1"] },
      asserts: [
        ['aws_vpc_endpoint_service.this.supported_regions == toset(["us-east-1", "eu-west-1"])', "the other regions and the service's own, which AWS reports"],
      ],
    },
    refuses("endpoint_id_that_is_not_one", { accept_endpoints: ["vpce-svc-0123456789abcdef0"] }),
    refuses("endpoint_listed_twice", { accept_endpoints: [ENDPOINTS[0], ENDPOINTS[0]] }),
    refuses("accepting_when_acceptance_is_not_required", { acceptance_required: false, accept_endpoints: [ENDPOINTS[0]] }, "accept_endpoints"),
    {
      name: "connection_describes_the_cluster_for_consumers",
      command: "apply",
      asserts: [
        ["output.connection.bootstrap_port == 9091 && output.connection.advertised_hostname == var.advertised_hostname", "bootstrap port and hostname"],
        ['jsonencode(output.connection.broker_ports) == jsonencode({ "1" = 6001, "2" = 6002, "3" = 6003 })', "the allocated broker ports"],
        ['output.connection.region == "us-east-1" && output.connection.security_protocol == "SSL"', "region and protocol"],
        ['output.advertised_listeners["2"] == "orders.kafka.example.internal:6002"', "broker 2 advertises its own port"],
      ],
    },
    {
      name: "outputs_the_client_address_and_each_brokers_listener_config",
      asserts: [
        ['output.bootstrap_address == "orders.kafka.example.internal:9091"', "clients bootstrap on the hostname and the bootstrap port"],
        [
          'output.broker_config["2"] == "listeners=PRIVATELINK://0.0.0.0:9094\\nadvertised.listeners=PRIVATELINK://orders.kafka.example.internal:6002\\nlistener.security.protocol.map=PRIVATELINK:SSL"',
          "broker 2 listens on the target port and advertises the hostname with its own port",
        ],
      ],
    },
    {
      name: "no_alarms_unless_asked",
      asserts: [["length(aws_cloudwatch_metric_alarm.broker) == 0 && length(aws_cloudwatch_metric_alarm.bootstrap) == 0", "alarms are opt-in"]],
    },
    {
      name: "alarms_watch_each_broker_group_and_the_bootstrap_group",
      command: "apply",
      variables: { alarms: { actions: [ONCALL_TOPIC] } },
      asserts: [
        ["jsonencode(sort(keys(aws_cloudwatch_metric_alarm.broker))) == jsonencode(sort(keys(var.brokers)))", "one alarm per broker, keyed by broker ID"],
        [
          "alltrue([for id, a in aws_cloudwatch_metric_alarm.broker : a.dimensions.TargetGroup == aws_lb_target_group.broker[id].arn_suffix && a.dimensions.LoadBalancer == aws_lb.this.arn_suffix])",
          "broker N's alarm watches broker N's own target group on this NLB",
        ],
        [
          'alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.broker), aws_cloudwatch_metric_alarm.bootstrap) : a.namespace == "AWS/NetworkELB" && a.metric_name == "HealthyHostCount" && a.comparison_operator == "LessThanThreshold" && a.threshold == 1])',
          "HealthyHostCount < 1 on the NLB's metrics",
        ],
        [
          'aws_cloudwatch_metric_alarm.broker["2"].alarm_name == "orders-broker-2-unhealthy" && aws_cloudwatch_metric_alarm.bootstrap[0].alarm_name == "orders-bootstrap-unhealthy"',
          "alarm names say cluster and broker",
        ],
        ["aws_cloudwatch_metric_alarm.bootstrap[0].dimensions.TargetGroup == aws_lb_target_group.bootstrap.arn_suffix", "one alarm on the bootstrap group"],
        [
          `alltrue([for a in values(aws_cloudwatch_metric_alarm.broker) : jsonencode(sort(a.alarm_actions)) == jsonencode(["${ONCALL_TOPIC}"]) && jsonencode(sort(a.ok_actions)) == jsonencode(["${ONCALL_TOPIC}"])])`,
          "alarm and recovery notify the actions",
        ],
      ],
    },
    refuses("alarm_action_that_is_not_an_sns_topic", { alarms: { actions: ["arn:aws:sqs:us-east-1:111122223333:oncall"] } }),
    refuses("alarms_without_actions", { alarms: { actions: [] } }),
    refuses("alarm_topic_in_another_region", { alarms: { actions: ["arn:aws:sns:eu-west-1:111122223333:kafka-oncall"] } }),
    {
      name: "accepts_49_brokers",
      variables: { brokers: brokersMap(range(1, 49)) },
      asserts: [["length(aws_lb_listener.broker) == 49", "49 listeners plus the bootstrap: the NLB's 50"]],
    },
    refuses("key_that_is_not_a_broker_id", { brokers: { "1": { target: "10.0.1.11" }, "01": { target: "10.0.1.12" } } }),
    refuses("public_ip_target", { brokers: brokersMap([1, 2], (id) => (id === 1 ? "8.8.8.8" : "10.0.0.12")) }),
    refuses("shared_target", { brokers: brokersMap([1, 2], () => "10.0.0.11") }),
    refuses("bad_instance_id", { target_type: "instance", brokers: brokersMap([1], () => "10.0.0.11") }, "brokers"),
    refuses(
      "target_group_name_over_32_characters",
      { name: "orders-east-primary1", brokers: brokersMap([1, 12345]), broker_port_base: 1024, bootstrap_port: 65000, broker_target_port: 65535 },
      "brokers",
    ),
    refuses("any_principal", { allowed_principals: ["*"] }),
    refuses("principal_that_is_not_an_iam_arn", { allowed_principals: ["111122223333"] }),
    refuses("principal_in_another_partition", { allowed_principals: ["arn:aws-cn:iam::111122223333:root"] }),
    refuses("made_up_supported_region", { supported_regions: ["us-moon-1"] }),
    refuses("supported_region_in_another_partition", { supported_regions: ["cn-north-1"] }),
    refuses("name_that_makes_an_internal_nlb_name", { name: "internal" }),
    refuses("target_reserved_in_every_subnet", { brokers: brokersMap([1, 2], (id) => (id === 1 ? "10.1.0.3" : "10.0.0.12")) }),
    refuses("vpc_id_that_is_not_one", { vpc_id: "vpc-orders" }),
    refuses("subnet_id_that_is_not_one", { subnet_ids: ["subnet-a"] }),
    refuses("subnet_listed_twice", { subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60711"] }),
    refuses("51_tags", { tags: Object.fromEntries(range(1, 51).map((i) => [`k${i}`, "v"])) }),
    refuses("aws_tag_key", { tags: { "AWS:owner": "kafka" } }),
    {
      name: "accepts_any_principal_when_allowed",
      variables: { allowed_principals: ["*"], allow_any_principal: true },
      asserts: [['contains(aws_vpc_endpoint_service.this.allowed_principals, "*")', "the explicit opt-in"]],
    },
    refuses("no_principal", { allowed_principals: [] }),
    refuses("bad_hostname", { advertised_hostname: "Orders_Kafka" }),
    refuses("name_too_long", { name: "orders-with-a-long-name" }),
    refuses("no_subnet", { subnet_ids: [] }),
    refuses("idle_timeout_out_of_range", { tcp_idle_timeout_seconds: 59 }),
    refuses("unknown_target_type", { target_type: "alb" }),
    refuses("broker_target_port_out_of_range", { broker_target_port: 0 }),
    refuses("deregistration_delay_out_of_range", { deregistration_delay_seconds: 3601 }),
    refuses("lower_case_listener_name", { listener_name: "privatelink" }),
    refuses("unknown_security_protocol", { listener_security_protocol: "TLS" }),
  ],
};

/** A provider module's `connection` output for the example cluster. */
const SAMPLE_CONNECTION = {
  service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
  region: "us-east-1",
  advertised_hostname: "orders.kafka.example.internal",
  bootstrap_port: 9091,
  broker_ports: { "1": 6001, "2": 6002, "3": 6003 },
  security_protocol: "SSL",
  tcp_idle_timeout_seconds: 600,
};
const connection = (change: Partial<typeof SAMPLE_CONNECTION>) => ({ ...SAMPLE_CONNECTION, ...change });

/** The consumer module's inputs in its tests (and, with one CIDR, its README usage). */
export const CONSUMER_VARIABLES = {
  name: "orders-analytics",
  vpc_id: "vpc-0f1e2d3c4b5a69788",
  subnet_ids: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"],
  connection: SAMPLE_CONNECTION,
  allowed_cidrs: ["10.20.0.0/16", "10.21.0.0/16"],
};

const CONSUMER: TestFile = {
  file: "consumer.tftest.hcl",
  preamble: MOCK_PROVIDER,
  variables: CONSUMER_VARIABLES,
  runs: [
    {
      name: "rules_admit_exactly_the_kafka_ports_from_each_cidr",
      command: "apply",
      asserts: [
        [
          'jsonencode(sort([for r in aws_vpc_security_group_ingress_rule.client : "${r.cidr_ipv4} ${r.from_port}-${r.to_port}"])) == jsonencode(sort(flatten([for c in var.allowed_cidrs : [for p in concat([var.connection.bootstrap_port], values(var.connection.broker_ports)) : "${c} ${p}-${p}"]])))',
          "one TCP rule per CIDR and port: the bootstrap port and every broker port, nothing else",
        ],
        ['alltrue([for r in aws_vpc_security_group_ingress_rule.client : r.ip_protocol == "tcp"])', "TCP only"],
        [
          "alltrue([for r in aws_vpc_security_group_ingress_rule.client : r.security_group_id == aws_security_group.endpoint[r.cidr_ipv4].id]) && length(aws_security_group.endpoint) == length(var.allowed_cidrs)",
          "one security group per CIDR holds that CIDR's rules",
        ],
      ],
    },
    {
      name: "interface_endpoint_to_the_service",
      command: "apply",
      asserts: [
        [
          'aws_vpc_endpoint.this.vpc_endpoint_type == "Interface" && !aws_vpc_endpoint.this.private_dns_enabled',
          "an Interface endpoint without private DNS (the zone below resolves the hostname)",
        ],
        ["aws_vpc_endpoint.this.service_name == var.connection.service_name && local.service_region == null", "same region: no service_region"],
        ["jsonencode(sort(tolist(aws_vpc_endpoint.this.subnet_ids))) == jsonencode(sort(var.subnet_ids))", "in the consumer's subnets"],
      ],
    },
    {
      name: "alias_points_at_the_endpoint",
      command: "apply",
      asserts: [
        ["aws_route53_zone.this[0].name == var.connection.advertised_hostname", "a private zone named exactly the advertised hostname"],
        [
          'aws_route53_record.this.name == var.connection.advertised_hostname && aws_route53_record.this.type == "A" && one(aws_route53_record.this.alias).name == aws_vpc_endpoint.this.dns_entry[0].dns_name && one(aws_route53_record.this.alias).zone_id == aws_vpc_endpoint.this.dns_entry[0].hosted_zone_id',
          "an A alias record for the hostname to the endpoint's regional DNS name",
        ],
        [
          'startswith(output.client_config, "bootstrap.servers=orders.kafka.example.internal:9091\\n")',
          "the client config bootstraps on the hostname and the bootstrap port",
        ],
      ],
    },
    {
      name: "existing_zone_gets_the_record",
      command: "apply",
      variables: { hosted_zone_id: "Z0123456789ABCDEFGHIJ" },
      asserts: [['length(aws_route53_zone.this) == 0 && aws_route53_record.this.zone_id == "Z0123456789ABCDEFGHIJ"', "no zone is created"]],
    },
    {
      name: "service_in_another_region_is_cross_region",
      variables: { connection: connection({ region: "eu-west-1", service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0" }) },
      asserts: [['aws_vpc_endpoint.this.service_region == "eu-west-1"', "service_region names the service's region"]],
    },
    {
      name: "client_config_closes_idle_connections_before_the_nlb",
      asserts: [
        [
          'output.client_config == "bootstrap.servers=orders.kafka.example.internal:9091\\nsecurity.protocol=SSL\\nconnections.max.idle.ms=540000"',
          "Kafka's default idle close (540 s) is below the NLB's 600 s",
        ],
      ],
    },
    {
      name: "client_config_follows_a_shorter_idle_timeout",
      variables: { connection: connection({ tcp_idle_timeout_seconds: 350 }) },
      asserts: [['endswith(output.client_config, "\\nconnections.max.idle.ms=315000")', "90 % of a shorter NLB idle timeout"]],
    },
    {
      name: "refuses_vpc_without_dns_hostnames",
      overrideData: [{ target: "data.aws_vpc.this", values: { enable_dns_support: true, enable_dns_hostnames: false } }],
      expectConditionFailures: ["aws_vpc_endpoint.this"],
    },
    {
      name: "refuses_subnet_in_an_az_the_service_does_not_offer",
      overrideData: [{ target: "data.aws_subnet.endpoint", values: { availability_zone: "us-east-1f" } }],
      expectConditionFailures: ["aws_vpc_endpoint.this"],
    },
    {
      name: "cross_region_service_skips_the_az_check",
      variables: { connection: connection({ region: "eu-west-1", service_name: "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0" }) },
      overrideData: [{ target: "data.aws_subnet.endpoint", values: { availability_zone: "us-east-1f" } }],
      asserts: [['aws_vpc_endpoint.this.service_region == "eu-west-1"', "another region's AZs cannot be compared with this VPC's subnets"]],
    },
    refuses("any_cidr", { allowed_cidrs: ["0.0.0.0/0"] }),
    refuses("cidrs_covering_every_address", { allowed_cidrs: ["0.0.0.0/1", "128.0.0.0/1"] }),
    refuses("name_that_makes_security_group_names_start_sg", { name: "sg-orders" }),
    refuses("tag_value_over_256_characters", { tags: { team: "v".repeat(257) } }),
    {
      name: "accepts_any_cidr_when_allowed",
      command: "apply",
      variables: { allowed_cidrs: ["0.0.0.0/0"], allow_any_cidr: true },
      asserts: [["length(aws_vpc_security_group_ingress_rule.client) == 4", "the explicit opt-in"]],
    },
    refuses("duplicate_cidr", { allowed_cidrs: ["10.20.0.0/16", "10.20.0.0/16"] }),
    refuses("cidr_that_is_not_a_network_address", { allowed_cidrs: ["10.20.0.1/16"] }),
    refuses("no_cidr", { allowed_cidrs: [] }),
    refuses("six_cidrs_one_security_group_each", { allowed_cidrs: ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"] }),
    refuses("bad_hostname", { connection: connection({ advertised_hostname: "kafka" }) }),
    refuses("bad_service_name", { connection: connection({ service_name: "vpce-svc-0123456789abcdef0" }) }),
    refuses("bad_region", { connection: connection({ region: "US East" }) }),
    refuses("unknown_security_protocol", { connection: connection({ security_protocol: "TLS" }) }),
    refuses("key_that_is_not_a_broker_id", { connection: connection({ broker_ports: { "1": 6001, one: 6002 } as never }) }),
    refuses("ports_that_are_not_one_base_plus_id", { connection: connection({ broker_ports: { "1": 6001, "2": 6005 } as never }) }),
    refuses("idle_timeout_out_of_range", { connection: connection({ tcp_idle_timeout_seconds: 7000 }) }),
    refuses("bad_name", { name: "Orders" }),
    refuses("no_subnet", { subnet_ids: [] }),
    refuses("vpc_id_that_is_not_one", { vpc_id: "vpc-analytics" }),
    refuses("subnet_id_that_is_not_one", { subnet_ids: ["subnet-a"] }),
    refuses("subnet_listed_twice", { subnet_ids: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69781"] }),
    refuses("zone_id_that_is_not_one", { hosted_zone_id: "/hostedzone/Z0123456789ABCDEFGHIJ" }),
  ],
};

/** Each module's test files. */
export const MODULE_TESTS: Record<string, readonly TestFile[]> = {
  [BROKER_PORTS_MODULE]: [BROKER_PORTS],
  [PROVIDER_MODULE]: [PROVIDER],
  [CONSUMER_MODULE]: [CONSUMER],
};

function renderRun(run: TestRun): string {
  const lines = [`run "${run.name}" {`, `  command = ${run.command ?? "plan"}`];
  if (run.variables) {
    lines.push("", "  variables {", ...hclAssignments(run.variables, "    "), "  }");
  }
  for (const [condition, message] of run.asserts ?? []) {
    lines.push("", "  assert {", `    condition     = ${condition}`, `    error_message = ${JSON.stringify(message)}`, "  }");
  }
  for (const override of run.overrideData ?? []) {
    lines.push("", "  override_data {", `    target = ${override.target}`, `    values = ${toHcl(override.values, "    ")}`, "  }");
  }
  const failures = [...(run.expectFailures ?? []).map((v) => `var.${v}`), ...(run.expectConditionFailures ?? [])];
  if (failures.length > 0) lines.push("", `  expect_failures = [${failures.join(", ")}]`);
  lines.push("}");
  return lines.join("\n");
}

/** A test file's HCL, laid out as `terraform fmt` lays it out. */
export function renderTestFile(test: TestFile): string {
  const parts = ["# Generated by `npm run synth`; run with `terraform test` in the module folder (no AWS account needed)."];
  if (test.preamble) parts.push(test.preamble.trimEnd());
  parts.push(["variables {", ...hclAssignments(test.variables, "  "), "}"].join("\n"));
  for (const run of test.runs) parts.push(renderRun(run));
  return `${parts.join("\n\n")}\n`;
}
