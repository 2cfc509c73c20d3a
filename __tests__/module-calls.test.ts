import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { Construct } from "constructs";
import { portPlanErrors } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer, KafkaPrivateLinkConsumerProps } from "../modules/kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { KafkaPrivateLinkProvider, KafkaPrivateLinkProviderProps } from "../modules/kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { moduleJson, withoutMetadata } from "./support/module-json";
import { EXAMPLE_CONFIG, loadConfig } from "../config/load";
import { consumerModuleInputs } from "../modules/kafka-privatelink-consumer";
import { providerModuleInputs } from "../modules/kafka-privatelink-provider";
import { moduleJsonFiles } from "../modules/packaging";
import { consumerProps, providerProps } from "../stacks/inputs";

const PROVIDER: KafkaPrivateLinkProviderProps = {
  source: "./modules/kafka-privatelink-provider",
  name: "logs",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnetIds: ["subnet-0a1b2c3d4e5f60711"],
  advertisedHostname: "logs.kafka.example.internal",
  brokers: { "7": { target: "10.1.0.7" }, "8": { target: "10.1.0.8" } },
  allowedPrincipals: ["arn:aws:iam::111122223333:role/clients"],
};

const CONSUMER: KafkaPrivateLinkConsumerProps = {
  source: "./modules/kafka-privatelink-consumer",
  name: "logs-search",
  vpcId: "vpc-0f1e2d3c4b5a69788",
  subnetIds: ["subnet-0f1e2d3c4b5a69781"],
  connection: {
    serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
    region: "us-east-1",
    advertisedHostname: "logs.kafka.example.internal",
    bootstrapPort: 9091,
    brokerPorts: { "7": 6007, "8": 6008 },
    securityProtocol: "SSL",
    tcpIdleTimeoutSeconds: 600,
  },
  allowedCidrs: ["10.20.0.0/16"],
};

/** The stack's JSON as Terraform reads it (metadata removed). */
const synth = (build: (scope: Construct) => void) => withoutMetadata(JSON.parse(Testing.synthScope(build)));
const stackIn = () => new TerraformStack(Testing.app(), "direct");
/** The message a construct throws, or "" when it constructs. */
function refusal(build: () => unknown): string {
  try {
    build();
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The `@default` each optional prop documents (the first word after the tag; `none` is null), read
 * from the construct's source, as a reader of the typed API sees it.
 */
function documentedDefaults(file: string): Record<string, unknown> {
  const source = fs.readFileSync(path.join(__dirname, "..", "modules", file), "utf8");
  const out: Record<string, unknown> = {};
  for (const m of source.matchAll(/@default ([^\s:]+)[^*]*\*\/\s*readonly (\w+)\?/g)) {
    const snake = m[2].replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[snake] = m[1] === "none" ? null : JSON.parse(m[1]);
  }
  return out;
}

describe.each([
  // The props of the input specs (inputs.ts) have no JSDoc: input-specs.test.ts holds their defaults.
  ["KafkaPrivateLinkProvider", PROVIDER_MODULE, "kafka-privatelink-provider/call.ts", 6],
  ["KafkaPrivateLinkConsumer", CONSUMER_MODULE, "kafka-privatelink-consumer/call.ts", 2],
])("%s: the documented @defaults", (_construct, module, file, optional) => {
  it("are the module's defaults, so a prop left unset means what its documentation says", () => {
    const documented = documentedDefaults(file);
    expect(Object.keys(documented)).toHaveLength(optional);
    const variables = moduleJson(module, "variables.tf.json").variable;
    for (const [input, value] of Object.entries(documented)) expect([input, variables[input]?.default]).toEqual([input, value]);
  });
});

describe("KafkaPrivateLinkProvider: a typed call of the published provider module", () => {
  it("writes a module block named by the construct ID with the given props as the module's inputs; unset optional props are left to the module", () => {
    const json = synth((scope) => new KafkaPrivateLinkProvider(scope, "logs_kafka", PROVIDER));
    expect(json.module).toEqual({
      logs_kafka: {
        source: "./modules/kafka-privatelink-provider",
        name: "logs",
        vpc_id: "vpc-0a1b2c3d4e5f60718",
        subnet_ids: ["subnet-0a1b2c3d4e5f60711"],
        advertised_hostname: "logs.kafka.example.internal",
        brokers: { "7": { target: "10.1.0.7" }, "8": { target: "10.1.0.8" } },
        allowed_principals: ["arn:aws:iam::111122223333:role/clients"],
      },
    });
  });

  it("passes an optional prop when set, under the module's input name", () => {
    const json = synth(
      (scope) =>
        new KafkaPrivateLinkProvider(scope, "kafka", {
          ...PROVIDER,
          bootstrapPort: 9000,
          acceptanceRequired: false,
          alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:oncall"] },
        }),
    );
    expect(json.module.kafka).toMatchObject({
      bootstrap_port: 9000,
      acceptance_required: false,
      alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:oncall"] },
    });
    for (const input of Object.keys(json.module.kafka))
      if (input !== "source") expect(moduleJson(PROVIDER_MODULE, "variables.tf.json").variable[input]).toBeDefined();
  });

  it("keeps the construct ID as the block name wherever the construct sits in the tree", () => {
    const json = synth((scope) => new KafkaPrivateLinkProvider(new Construct(new Construct(scope, "platform"), "streaming"), "orders", PROVIDER));
    expect(Object.keys(json.module)).toEqual(["orders"]);
  });

  it("refuses invalid props in the constructor, every problem at once, naming prop, value and rule", () => {
    const stack = stackIn();
    const message = refusal(
      () =>
        new KafkaPrivateLinkProvider(stack, "kafka", {
          ...PROVIDER,
          name: "",
          subnetIds: [],
          brokers: { "7": { target: "" }, "07": { target: "10.1.0.9" } },
        }),
    );
    expect(message.split("\n")).toEqual([
      'KafkaPrivateLinkProvider "kafka": invalid props (4 problems)',
      "  name: \"\" must be 1-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (it prefixes target group names of at most 32 characters)",
      "  subnetIds: [] must list at least one subnet",
      '  brokers: key "07" is not a broker ID (a non-negative integer without leading zeros)',
      '  brokers["7"].target: "" must be a non-empty string',
    ]);
    // Refused before the block exists: nothing of it reaches the stack.
    expect(stack.node.tryFindChild("kafka")).toBeUndefined();
  });

  it.each<[string, Partial<KafkaPrivateLinkProviderProps>, string]>([
    [
      "a broker port on the bootstrap port",
      { brokers: { "1": { target: "10.1.0.11" }, "3091": { target: "10.1.0.12" } } },
      'brokers["3091"]: broker ID 3091 gives port 9091 (brokerPortBase 6000 + ID), which is the bootstrap port',
    ],
    [
      "the bootstrap port inside the broker port range",
      { bootstrapPort: 6005, brokers: { "1": { target: "10.1.0.11" }, "9": { target: "10.1.0.19" } } },
      "bootstrapPort: 6005 is inside the broker port range 6001-6009",
    ],
    [
      "a broker port above 65535",
      { brokerPortBase: 65000, brokers: { "600": { target: "10.1.0.11" } } },
      'brokers["600"]: broker ID 600 gives port 65600 (brokerPortBase 65000 + ID); ports must be an integer from 1024 to 65535',
    ],
    ["no broker", { brokers: {} }, "brokers: 0 brokers given; a cluster needs at least one"],
    [
      "50 brokers",
      { brokers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [String(i + 1), { target: `10.1.0.${i + 11}` }])) },
      "brokers: 50 brokers given; one NLB fits at most 49",
    ],
    ["a bootstrap port below 1024", { bootstrapPort: 80 }, "bootstrapPort: 80 must be an integer from 1024 to 65535"],
  ])("refuses %s with the port rule of allocation.ts, naming the prop", (_case, change, line) => {
    const props = { ...PROVIDER, ...change };
    const rules = portPlanErrors({
      brokerIds: Object.keys(props.brokers).map(Number),
      bootstrapPort: props.bootstrapPort,
      brokerPortBase: props.brokerPortBase,
    }).map((e) => e.rule);
    expect(rules).toHaveLength(1);
    const message = refusal(() => new KafkaPrivateLinkProvider(stackIn(), "kafka", props));
    expect(message).toContain(`\n  ${line}`);
    expect(message).toContain(rules[0]);
  });

  it.each<[string, Partial<KafkaPrivateLinkProviderProps>, string]>([
    [
      "a name that makes an NLB name beginning with internal-",
      { name: "internal" },
      'name: "internal" makes the load balancer name "internal-nlb", which begins with "internal-"; AWS refuses that prefix in load balancer names',
    ],
    [
      "a target reserved in every subnet that could hold it",
      { brokers: { "7": { target: "10.1.0.3" } } },
      'brokers["7"].target: "10.1.0.3" is reserved in every subnet that could hold it: AWS reserves the first four and the last address of every subnet',
    ],
    [
      "a principal that is not an IAM principal ARN",
      { allowedPrincipals: ["111122223333"] },
      'allowedPrincipals[0]: "111122223333" must be "*" or an IAM principal ARN',
    ],
    ["a made-up supported region", { supportedRegions: ["us-moon-1"] }, 'supportedRegions[0]: "us-moon-1" is not an AWS region'],
    ["a supported region named like an object property", { supportedRegions: ["constructor"] }, 'supportedRegions[0]: "constructor" is not an AWS region'],
    [
      "51 tags",
      { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"])) },
      "tags: 51 tags must hold at most 50 tags (AWS's limit per resource)",
    ],
    ["an aws: tag key", { tags: { "aws:owner": "kafka" } }, 'tags: key "aws:owner" starts with aws:, which AWS reserves for its own tags'],
  ])("refuses %s as the module would at plan time, naming prop, value and rule", (_case, change, line) => {
    expect(refusal(() => new KafkaPrivateLinkProvider(stackIn(), "kafka", { ...PROVIDER, ...change }))).toContain(`\n  ${line}`);
  });

  it("takes targets that some subnet leaves usable, and AWS regions as supported regions", () => {
    const props = {
      ...PROVIDER,
      brokers: { "7": { target: "10.1.0.4" }, "8": { target: "10.1.1.0" }, "9": { target: "10.1.255.254" } },
      supportedRegions: ["eu-west-1"],
    };
    expect(refusal(() => new KafkaPrivateLinkProvider(stackIn(), "kafka", props))).toBe("");
  });
});

describe("KafkaPrivateLinkConsumer: a typed call of the published consumer module", () => {
  it("writes a module block named by the construct ID with the connection as the module's object; unset optional props are left to the module", () => {
    const json = synth((scope) => new KafkaPrivateLinkConsumer(scope, "logs", CONSUMER));
    expect(json.module).toEqual({
      logs: {
        source: "./modules/kafka-privatelink-consumer",
        name: "logs-search",
        vpc_id: "vpc-0f1e2d3c4b5a69788",
        subnet_ids: ["subnet-0f1e2d3c4b5a69781"],
        allowed_cidrs: ["10.20.0.0/16"],
        connection: {
          service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
          region: "us-east-1",
          advertised_hostname: "logs.kafka.example.internal",
          bootstrap_port: 9091,
          broker_ports: { "7": 6007, "8": 6008 },
          security_protocol: "SSL",
          tcp_idle_timeout_seconds: 600,
        },
      },
    });
  });

  it("passes hostedZoneId, allowAnyCidr and tags when set", () => {
    const json = synth(
      (scope) =>
        new KafkaPrivateLinkConsumer(scope, "kafka", { ...CONSUMER, hostedZoneId: "Z0123456789ABCDEFGHIJ", allowAnyCidr: true, tags: { app: "logs" } }),
    );
    expect(json.module.kafka).toMatchObject({ hosted_zone_id: "Z0123456789ABCDEFGHIJ", allow_any_cidr: true, tags: { app: "logs" } });
  });

  it("takes a reference for the service name (the provider call's output) and writes it as one", () => {
    const json = synth((scope) => {
      const provider = new KafkaPrivateLinkProvider(scope, "provider", PROVIDER);
      new KafkaPrivateLinkConsumer(scope, "consumer", { ...CONSUMER, connection: { ...CONSUMER.connection, serviceName: provider.endpointServiceName } });
    });
    expect(json.module.consumer.connection.service_name).toBe("${module.provider.endpoint_service_name}");
  });

  it("refuses invalid props in the constructor, naming prop, value and rule", () => {
    const message = refusal(
      () =>
        new KafkaPrivateLinkConsumer(stackIn(), "kafka", {
          ...CONSUMER,
          vpcId: "",
          allowedCidrs: [],
          connection: { ...CONSUMER.connection, region: "", brokerPorts: { "7": 6007, "8": 6010, x: 1 } },
        }),
    );
    expect(message.split("\n")).toEqual([
      'KafkaPrivateLinkConsumer "kafka": invalid props (5 problems)',
      "  allowedCidrs: [] must list at least one non-empty string",
      '  vpcId: "" must be a VPC ID such as vpc-0a1b2c3d4e5f60718',
      '  connection.region: "" must be a non-empty string',
      '  connection.brokerPorts: key "x" is not a broker ID',
      '  connection.brokerPorts: {"7":6007,"8":6010,"x":1} is not one base + broker ID for every broker (port bases 6000, 6002); pass the provider module\'s output connection as it is',
    ]);
    expect(refusal(() => new KafkaPrivateLinkConsumer(stackIn(), "kafka", { ...CONSUMER, connection: undefined as never }))).toContain(
      "connection: undefined must be the provider module's output connection",
    );
  });

  it("refuses more CIDR blocks than security groups fit on one endpoint, naming the quota, and takes five", () => {
    const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `10.${i + 1}.0.0/16`);
    expect(refusal(() => new KafkaPrivateLinkConsumer(stackIn(), "kafka", { ...CONSUMER, allowedCidrs: cidrs(6) }))).toContain(
      "allowedCidrs: 6 CIDR blocks given, at most 5: each gets its own security group on the endpoint, and AWS allows 5 security groups per network interface by default",
    );
    expect(synth((scope) => new KafkaPrivateLinkConsumer(scope, "kafka", { ...CONSUMER, allowedCidrs: cidrs(5) })).module.kafka.allowed_cidrs).toHaveLength(5);
  });

  it.each<[string, Partial<KafkaPrivateLinkConsumerProps>, string]>([
    [
      "0.0.0.0/0",
      { allowedCidrs: ["0.0.0.0/0"] },
      'allowedCidrs: "0.0.0.0/0" opens the bootstrap and broker ports to every address; set allowAnyCidr: true to allow it',
    ],
    [
      "blocks that together cover every address",
      { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
      'allowedCidrs: ["0.0.0.0/1","128.0.0.0/1"] together cover every IPv4 address, as 0.0.0.0/0 does',
    ],
    [
      "a name that makes security group names beginning with sg-",
      { name: "sg-logs" },
      'name: "sg-logs" makes the security group name "sg-logs-kafka-10.20.0.0/16", which begins with "sg-"; AWS refuses that prefix in security group names',
    ],
    ["a tag value of 257 characters", { tags: { team: "v".repeat(257) } }, "must be a tag value of at most 256 characters"],
  ])("refuses %s as the module would at plan time, naming prop, value and rule", (_case, change, line) => {
    expect(refusal(() => new KafkaPrivateLinkConsumer(stackIn(), "kafka", { ...CONSUMER, ...change }))).toContain(line);
  });

  it("takes blocks that cover every address with allowAnyCidr", () => {
    expect(
      refusal(() => new KafkaPrivateLinkConsumer(stackIn(), "kafka", { ...CONSUMER, allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"], allowAnyCidr: true })),
    ).toBe("");
  });

  it.each<[string, Record<string, number>, number, string]>([
    [
      "a broker port on the bootstrap port",
      { "1": 6001, "3091": 9091 },
      9091,
      'connection.brokerPorts["3091"]: broker ID 3091 gives port 9091 (brokerPortBase 6000 + ID), which is the bootstrap port',
    ],
    [
      "the bootstrap port inside the broker port range",
      { "1": 6001, "9": 6009 },
      6005,
      "connection.bootstrapPort: 6005 is inside the broker port range 6001-6009",
    ],
    [
      "50 brokers",
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [String(i + 1), 6001 + i])),
      9091,
      "connection.brokerPorts: 50 brokers given; one NLB fits at most 49",
    ],
  ])("refuses %s in the connection with the port rule of allocation.ts, naming the prop", (_case, brokerPorts, bootstrapPort, line) => {
    const rules = portPlanErrors({ brokerIds: Object.keys(brokerPorts).map(Number), bootstrapPort, brokerPortBase: 6000 }).map((e) => e.rule);
    expect(rules).toHaveLength(1);
    const message = refusal(
      () => new KafkaPrivateLinkConsumer(stackIn(), "kafka", { ...CONSUMER, connection: { ...CONSUMER.connection, brokerPorts, bootstrapPort } }),
    );
    expect(message).toContain(`\n  ${line}`);
    expect(message).toContain(rules[0]);
  });
});

describe("module calls in one stack", () => {
  it("refuses a second call with the same ID, even from another parent construct, naming both", () => {
    const stack = stackIn();
    new KafkaPrivateLinkProvider(new Construct(stack, "team-a"), "kafka", PROVIDER);
    expect(refusal(() => new KafkaPrivateLinkConsumer(new Construct(stack, "team-b"), "kafka", CONSUMER))).toBe(
      'direct/team-b/kafka: stack direct already calls a module named "kafka" (direct/team-a/kafka); give each module call its own construct ID',
    );
    expect(refusal(() => new KafkaPrivateLinkProvider(new Construct(stack, "team-c"), "kafka", PROVIDER))).toContain('already calls a module named "kafka"');
  });

  it.each(["my kafka", "1kafka", "kafka.eu"])("refuses the ID %j, which is no Terraform block name", (id) => {
    const expected = `id: ${JSON.stringify(id)} must be a Terraform name (a letter or _, then letters, digits, _ and -): it names the module block`;
    expect(refusal(() => new KafkaPrivateLinkProvider(stackIn(), id, PROVIDER))).toContain(`\n  ${expected}`);
    expect(refusal(() => new KafkaPrivateLinkConsumer(stackIn(), id, CONSUMER))).toContain(`\n  ${expected}`);
  });

  it("keeps calls with different IDs apart, each with its own inputs", () => {
    const json = synth((scope) => {
      new KafkaPrivateLinkProvider(scope, "logs", PROVIDER);
      new KafkaPrivateLinkProvider(scope, "metrics", { ...PROVIDER, name: "metrics", advertisedHostname: "metrics.kafka.example.internal" });
      new KafkaPrivateLinkConsumer(scope, "logs_search", CONSUMER);
    });
    expect(Object.keys(json.module).sort()).toEqual(["logs", "logs_search", "metrics"]);
    expect([json.module.logs.name, json.module.metrics.name, json.module.logs_search.name]).toEqual(["logs", "metrics", "logs-search"]);
  });

  it("allows the same ID in two stacks: each stack has its own module namespace", () => {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    const b = new TerraformStack(app, "b");
    new KafkaPrivateLinkProvider(a, "kafka", PROVIDER);
    expect(refusal(() => new KafkaPrivateLinkProvider(b, "kafka", PROVIDER))).toBe("");
  });
});

describe("a call's props as the module's inputs (modules/private/module-call.ts moduleInputs)", () => {
  const config = loadConfig(EXAMPLE_CONFIG);
  const withAlarms = { ...config, cluster: { ...config.cluster, alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"] } } };
  const variables = (module: string) =>
    Object.keys((JSON.parse(moduleJsonFiles(module)["variables.tf.json"]) as { variable: Record<string, unknown> }).variable).sort();

  it.each([
    ["provider", PROVIDER_MODULE, providerModuleInputs(providerProps(withAlarms))],
    [
      "consumer",
      CONSUMER_MODULE,
      consumerModuleInputs(
        consumerProps(config, { ...config.consumers[0], hostedZoneId: "Z0123456789ABCDEFGHIJ" }, "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"),
      ),
    ],
  ])("maps every prop of a fully given %s call to its variable, and every variable has its prop", (_, module, inputs) => {
    expect(Object.keys(inputs).sort()).toEqual(variables(module));
  });

  it("converts the attributes of object-typed inputs and leaves maps keyed by data as they are", () => {
    const inputs = consumerModuleInputs(consumerProps(config, config.consumers[0], "svc"));
    expect(Object.keys(inputs.connection as object).sort()).toEqual([
      "advertised_hostname",
      "bootstrap_port",
      "broker_ports",
      "region",
      "security_protocol",
      "service_name",
      "tcp_idle_timeout_seconds",
    ]);
    expect(Object.keys((inputs.connection as { broker_ports: object }).broker_ports)).toEqual(config.cluster.brokers.map((b) => String(b.id)));
    expect(providerModuleInputs({ ...providerProps(config), tags: { costCenter: "x" } }).tags).toEqual({ costCenter: "x" });
  });
});
