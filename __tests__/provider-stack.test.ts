import * as fs from "node:fs";
import * as path from "node:path";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { config, synthDeploy } from "./support/configs";
import { moduleJson, movedOf, rootResources, withoutMetadata } from "./support/module-json";
import { TfJson } from "../modules/packaging/terraform-json";

const provider = (ids: number[], overrides = {}) => synthDeploy(config(ids, overrides)).stacks["orders-provider"];
const kafka = (stack: TfJson) => withoutMetadata(stack.module.kafka);
const FIXTURE = path.join(__dirname, "fixtures", "layout-0.1.0");

/** The blocks a thin root may hold besides its module call: none of them creates an AWS resource. */
const ROOT_BLOCKS = ["//", "module", "moved", "output", "provider", "terraform"];

describe("provider stack: a thin root calling the published provider module", () => {
  const stack = provider([1, 2, 5]);

  it("holds one module call and no resource or data source of its own", () => {
    expect(Object.keys(stack).filter((block) => !ROOT_BLOCKS.includes(block))).toEqual([]);
    expect(Object.keys(stack.module)).toEqual(["kafka"]);
  });

  it("calls the module folder published beside the stacks, by a relative source", () => {
    expect(stack.module.kafka.source).toBe(`../../modules/${PROVIDER_MODULE}`);
  });

  it("passes exactly the configuration's values, its defaults applied, brokers keyed by broker ID", () => {
    expect(kafka(stack)).toEqual({
      source: "../../modules/kafka-privatelink-provider",
      name: "orders",
      vpc_id: "vpc-0a1b2c3d4e5f60718",
      subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
      advertised_hostname: "orders.kafka.example.internal",
      bootstrap_port: 9091,
      broker_port_base: 6000,
      broker_target_port: 9094,
      target_type: "ip",
      brokers: { "1": { target: "10.0.0.11" }, "2": { target: "10.0.0.12" }, "5": { target: "10.0.0.15" } },
      allowed_principals: ["arn:aws:iam::111122223333:root"],
      allow_any_principal: false,
      acceptance_required: true,
      deletion_protection: false,
      supported_regions: [],
      tcp_idle_timeout_seconds: 600,
      deregistration_delay_seconds: 30,
      listener_name: "PRIVATELINK",
      listener_security_protocol: "SSL",
      accept_endpoints: [],
      tags: {},
    });
  });

  it("passes every setting of a non-default configuration, literally", () => {
    const topic = "arn:aws:sns:eu-central-1:111122223333:kafka-oncall";
    const custom = synthDeploy(
      config([4, 9], {
        cluster: {
          name: "payments",
          region: "eu-central-1",
          vpcId: "vpc-0aaaaaaaaaaaaaaaa",
          subnetIds: ["subnet-0aaaaaaaaaaaaaaaa"],
          advertisedHostname: "pay.kafka.corp.example",
          bootstrapPort: 9000,
          brokerPortBase: 7100,
          brokerTargetPort: 9095,
          targetType: "instance",
          brokers: [
            { id: 4, target: "i-0123456789abcdef0" },
            { id: 9, target: "i-0fedcba9876543210" },
          ],
          allowedPrincipals: ["*"],
          deletionProtection: true,
          tcpIdleTimeoutSeconds: 900,
          deregistrationDelaySeconds: 45,
          listenerName: "PL",
          listenerSecurityProtocol: "SASL_SSL",
          acceptEndpoints: ["vpce-0fedcba9876543210", "vpce-0123456789abcdef0"],
          alarms: { actions: [topic] },
          tags: { team: "payments", env: "prod" },
        },
        consumers: [
          { name: "ledger", region: "eu-west-1", vpcId: "vpc-0bbbbbbbbbbbbbbbb", subnetIds: ["subnet-0bbbbbbbbbbbbbbbb"], allowedCidrs: ["10.9.0.0/16"] },
          { name: "audit", region: "eu-central-1", vpcId: "vpc-0cccccccccccccccc", subnetIds: ["subnet-0cccccccccccccccc"], allowedCidrs: ["10.8.0.0/16"] },
        ],
        policy: { allowCrossRegion: true, allowAnyPrincipal: true },
      }),
    ).stacks["payments-provider"];
    expect(kafka(custom)).toEqual({
      source: "../../modules/kafka-privatelink-provider",
      name: "payments",
      vpc_id: "vpc-0aaaaaaaaaaaaaaaa",
      subnet_ids: ["subnet-0aaaaaaaaaaaaaaaa"],
      advertised_hostname: "pay.kafka.corp.example",
      bootstrap_port: 9000,
      broker_port_base: 7100,
      broker_target_port: 9095,
      target_type: "instance",
      brokers: { "4": { target: "i-0123456789abcdef0" }, "9": { target: "i-0fedcba9876543210" } },
      allowed_principals: ["*"],
      allow_any_principal: true,
      acceptance_required: true,
      deletion_protection: true,
      // Only the other regions: the module adds the service's own.
      supported_regions: ["eu-west-1"],
      tcp_idle_timeout_seconds: 900,
      deregistration_delay_seconds: 45,
      listener_name: "PL",
      listener_security_protocol: "SASL_SSL",
      accept_endpoints: ["vpce-0fedcba9876543210", "vpce-0123456789abcdef0"],
      alarms: { actions: [topic] },
      tags: { team: "payments", env: "prod" },
    });
    expect(custom.provider.aws).toEqual([{ region: "eu-central-1" }]);
  });

  it("passes every input the module declares; only an unset optional input whose default is null is left out", () => {
    const variables = moduleJson(PROVIDER_MODULE, "variables.tf.json").variable;
    const { source: _source, ...inputs } = kafka(stack);
    const left = Object.keys(variables).filter((v) => !(v in inputs));
    expect(Object.keys(inputs).filter((i) => !(i in variables))).toEqual([]);
    expect(left).toEqual(["alarms"]);
    expect(variables.alarms.default).toBeNull();
    const alarmed = kafka(provider([1], { cluster: { alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"] } } }));
    expect(
      Object.keys(alarmed)
        .filter((i) => i !== "source")
        .sort(),
    ).toEqual(Object.keys(variables).sort());
  });

  it("passes every output of the module on under the module's names and descriptions", () => {
    const outputs = moduleJson(PROVIDER_MODULE, "outputs.tf.json").output;
    for (const [name, { description }] of Object.entries<TfJson>(outputs)) {
      expect([name, stack.output[name]]).toEqual([name, { description, value: `\${module.kafka.${name}}` }]);
    }
    // Besides them only cdktf's own output, which the consumer stacks' cross-stack reference reads.
    const others = Object.keys(stack.output).filter((name) => !(name in outputs));
    expect(others).toEqual([expect.stringMatching(/^cross-stack-output-/)]);
    expect(stack.output[others[0]]).toEqual({ sensitive: true, value: "${module.kafka.endpoint_service_name}" });
  });

  it("moves every resource of the module from its root address (count resources to [0]), and no other", () => {
    const resources = moduleJson(PROVIDER_MODULE, "main.tf.json").resource;
    const expected: Record<string, string> = {};
    for (const [type, byName] of Object.entries<TfJson>(resources)) {
      for (const [name, body] of Object.entries<TfJson>(byName)) expected[`${type}.${name}`] = `module.kafka.${type}.${name}${"count" in body ? "[0]" : ""}`;
    }
    expect(movedOf(stack)).toEqual(expected);
    expect(movedOf(stack)).toMatchObject({
      "aws_lb_listener.broker": "module.kafka.aws_lb_listener.broker",
      "aws_cloudwatch_metric_alarm.bootstrap": "module.kafka.aws_cloudwatch_metric_alarm.bootstrap[0]",
    });
  });

  it("moves every resource a 0.1 provider stack deployed, keeping its instance keys", () => {
    const old = JSON.parse(fs.readFileSync(path.join(FIXTURE, "orders-provider", "cdk.tf.json"), "utf8"));
    const moved = movedOf(stack);
    const resources = moduleJson(PROVIDER_MODULE, "main.tf.json").resource;
    for (const address of rootResources(old)) {
      const [type, name] = address.split(".");
      const before = old.resource[type][name];
      const after = resources[type]?.[name];
      // for_each → for_each keeps the keys (broker IDs); a single resource becomes [0] of a count.
      const to = `module.kafka.${address}${"count" in (after ?? {}) ? "[0]" : ""}`;
      expect([address, moved[address]]).toEqual([address, to]);
      expect([address, "for_each" in before]).toEqual([address, "for_each" in after]);
    }
  });

  it("configures its own AWS provider and a local backend with a relative path", () => {
    expect(stack.provider.aws).toEqual([{ region: "us-east-1" }]);
    expect(stack.terraform.backend.local.path).toBe("../../../terraform.orders-provider.tfstate");
    const withRole = provider([1], { cluster: { profile: "kafka", assumeRoleArn: "arn:aws:iam::111122223333:role/deploy" } });
    expect(withRole.provider.aws).toEqual([{ region: "us-east-1", profile: "kafka", assume_role: [{ role_arn: "arn:aws:iam::111122223333:role/deploy" }] }]);
  });

  it("passes 49 brokers keyed by ID (the module's test `accepts_49_brokers` plans their 49 listeners + the bootstrap)", () => {
    const big = kafka(provider(Array.from({ length: 49 }, (_, i) => i + 1)));
    expect(Object.keys(big.brokers)).toEqual(Array.from({ length: 49 }, (_, i) => String(i + 1)));
  });
});

describe("the provider module the stack calls (kafka-privatelink-provider/main.tf.json)", () => {
  const main = moduleJson(PROVIDER_MODULE, "main.tf.json");
  const r = main.resource;
  const BY_BROKER_ID = "${module.broker_ports.broker_ports}";

  it("allocates the ports in kafka-broker-ports from the brokers' keys: broker ID → base + ID", () => {
    expect(main.module.broker_ports).toEqual({
      source: "../kafka-broker-ports",
      broker_ids: expect.stringMatching(/^\$\{\[for id in keys\(var\.brokers\) : tonumber\(id\)/),
      bootstrap_port: "${var.bootstrap_port}",
      broker_port_base: "${var.broker_port_base}",
    });
    expect(moduleJson("kafka-broker-ports", "outputs.tf.json").output.broker_ports.value).toBe(
      "${{ for id in var.broker_ids : tostring(id) => var.broker_port_base + id }}",
    );
  });

  it("routes the bootstrap port to a group holding every broker", () => {
    expect(r.aws_lb_listener.bootstrap).toMatchObject({
      port: "${var.bootstrap_port}",
      default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.bootstrap.arn}" }],
    });
    expect(r.aws_lb_listener.bootstrap.for_each).toBeUndefined();
    expect(r.aws_lb_target_group_attachment.bootstrap).toEqual({
      for_each: "${var.brokers}",
      target_group_arn: "${aws_lb_target_group.bootstrap.arn}",
      target_id: "${each.value.target}",
      port: "${var.broker_target_port}",
    });
  });

  it("routes each broker's port to its own group holding only that broker, everything keyed by broker ID", () => {
    expect(r.aws_lb_listener.broker).toMatchObject({
      for_each: BY_BROKER_ID,
      port: "${each.value}",
      default_action: [{ type: "forward", target_group_arn: "${aws_lb_target_group.broker[each.key].arn}" }],
    });
    expect(r.aws_lb_target_group.broker.for_each).toBe(BY_BROKER_ID);
    // var.brokers has the same keys: broker_ports is built from them.
    expect(r.aws_lb_target_group_attachment.broker).toEqual({
      for_each: "${var.brokers}",
      target_group_arn: "${aws_lb_target_group.broker[each.key].arn}",
      target_id: "${each.value.target}",
      port: "${var.broker_target_port}",
    });
  });

  it("makes an internal network load balancer with cross-zone load balancing on", () => {
    expect(r.aws_lb.this).toMatchObject({
      internal: true,
      load_balancer_type: "network",
      enable_cross_zone_load_balancing: true,
      enable_deletion_protection: "${var.deletion_protection}",
    });
  });

  it("uses TCP listeners with the idle timeout set, and TCP target groups with explicit health checks, deregistration delay and create-before-destroy", () => {
    for (const l of Object.values<TfJson>(r.aws_lb_listener))
      expect(l).toMatchObject({ protocol: "TCP", tcp_idle_timeout_seconds: "${var.tcp_idle_timeout_seconds}", load_balancer_arn: "${aws_lb.this.arn}" });
    for (const g of Object.values<TfJson>(r.aws_lb_target_group)) {
      expect(g).toMatchObject({
        protocol: "TCP",
        port: "${var.broker_target_port}",
        target_type: "${var.target_type}",
        proxy_protocol_v2: false,
        deregistration_delay: "${var.deregistration_delay_seconds}",
        health_check: { enabled: true, protocol: "TCP", port: "traffic-port", interval: 10, timeout: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
        lifecycle: { create_before_destroy: true },
      });
    }
  });

  it("names target groups after what replaces them (target port and type), so old and new can coexist", () => {
    expect(r.aws_lb_target_group.broker.name).toBe('${var.name}-b${each.key}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}');
    expect(r.aws_lb_target_group.bootstrap.name).toBe('${var.name}-boot-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}');
  });

  it("requires acceptance by default and lists the principals explicitly on the endpoint service over the NLB", () => {
    expect(r.aws_vpc_endpoint_service.this).toMatchObject({
      acceptance_required: "${var.acceptance_required}",
      allowed_principals: "${var.allowed_principals}",
      network_load_balancer_arns: ["${aws_lb.this.arn}"],
      supported_regions: "${length(var.supported_regions) > 0 ? distinct(concat([data.aws_region.current.id], var.supported_regions)) : null}",
    });
    expect(moduleJson(PROVIDER_MODULE, "variables.tf.json").variable.acceptance_required.default).toBe(true);
  });

  it("accepts the listed endpoint connections, keyed by endpoint ID", () => {
    expect(r.aws_vpc_endpoint_connection_accepter.this).toEqual({
      for_each: "${toset(var.accept_endpoints)}",
      vpc_endpoint_id: "${each.key}",
      vpc_endpoint_service_id: "${aws_vpc_endpoint_service.this.id}",
    });
  });

  it("alarms on request: one per broker's own target group keyed by broker ID, and one on the bootstrap group", () => {
    const { bootstrap, broker } = r.aws_cloudwatch_metric_alarm;
    const watch = {
      namespace: "AWS/NetworkELB",
      metric_name: "HealthyHostCount",
      statistic: "Minimum",
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      alarm_actions: "${var.alarms.actions}",
      ok_actions: "${var.alarms.actions}",
    };
    expect(bootstrap).toMatchObject({
      ...watch,
      count: "${var.alarms != null ? 1 : 0}",
      alarm_name: "${var.name}-bootstrap-unhealthy",
      dimensions: { LoadBalancer: "${aws_lb.this.arn_suffix}", TargetGroup: "${aws_lb_target_group.bootstrap.arn_suffix}" },
    });
    expect(broker).toMatchObject({
      ...watch,
      for_each: "${var.alarms != null ? module.broker_ports.broker_ports : {}}",
      alarm_name: "${var.name}-broker-${each.key}-unhealthy",
      // the alarm's key selects the broker's own group, as the listener's does
      dimensions: { LoadBalancer: "${aws_lb.this.arn_suffix}", TargetGroup: "${aws_lb_target_group.broker[each.key].arn_suffix}" },
    });
  });

  it("names no block with a construct-path hash", () => {
    for (const byName of Object.values<TfJson>(r)) for (const name of Object.keys(byName)) expect(name).toMatch(/^(this|bootstrap|broker)$/);
    expect(Object.keys(main.module)).toEqual(["broker_ports"]);
    expect(Object.keys(main.data.aws_region)).toEqual(["current"]);
    const names = [
      ...Object.keys(moduleJson(PROVIDER_MODULE, "variables.tf.json").variable),
      ...Object.keys(moduleJson(PROVIDER_MODULE, "outputs.tf.json").output),
    ];
    for (const name of names) expect(name).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it("outputs the service, the bootstrap address, the ports, per-broker listener config and the consumers' connection", () => {
    const o = moduleJson(PROVIDER_MODULE, "outputs.tf.json").output;
    expect(o.endpoint_service_name.value).toBe("${aws_vpc_endpoint_service.this.service_name}");
    expect(o.endpoint_service_id.value).toBe("${aws_vpc_endpoint_service.this.id}");
    expect(o.nlb_arn.value).toBe("${aws_lb.this.arn}");
    expect(o.bootstrap_address.value).toBe("${var.advertised_hostname}:${var.bootstrap_port}");
    expect(o.broker_ports.value).toBe(BY_BROKER_ID);
    expect(o.advertised_listeners.value).toBe('${{ for id, port in module.broker_ports.broker_ports : id => "${var.advertised_hostname}:${port}" }}');
    for (const line of [
      '"listeners=${var.listener_name}://0.0.0.0:${var.broker_target_port}"',
      '"advertised.listeners=${var.listener_name}://${var.advertised_hostname}:${port}"',
      '"listener.security.protocol.map=${var.listener_name}:${var.listener_security_protocol}"',
    ]) {
      expect(o.broker_config.value).toContain(line);
    }
    expect(o.connection.value).toEqual({
      service_name: "${aws_vpc_endpoint_service.this.service_name}",
      region: "${data.aws_region.current.id}",
      advertised_hostname: "${var.advertised_hostname}",
      bootstrap_port: "${var.bootstrap_port}",
      broker_ports: BY_BROKER_ID,
      security_protocol: "${var.listener_security_protocol}",
      tcp_idle_timeout_seconds: "${var.tcp_idle_timeout_seconds}",
    });
  });
});
