import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { VpcEndpointService } from "@cdktf/provider-aws/lib/vpc-endpoint-service";
import { Testing } from "cdktf";
import { setupJest } from "cdktf/lib/testing/adapters/jest";
import { KafkaPrivateLinkProvider, KafkaPrivateLinkProviderProps } from "../modules/kafka-privatelink-provider";
import { listenerRoutes } from "../stacks/synthesized/listener-routes";
import { resourceInstances } from "../stacks/synthesized/instances";
import { config, synthDeploy } from "./support/configs";

const provider = (ids: number[], overrides = {}) => synthDeploy(config(ids, overrides)).stacks["orders-provider"];

describe("provider stack", () => {
  const stack = provider([1, 2, 5]);

  it("routes 9091 to all brokers and each broker port to exactly its broker (IDs 1, 2, 5)", () => {
    const routes = listenerRoutes(stack).map((r) => [r.port, r.targets.map((t) => `${t.address}:${t.port}`).sort()]);
    expect(routes).toEqual([
      [6001, ["10.0.0.11:9094"]],
      [6002, ["10.0.0.12:9094"]],
      [6005, ["10.0.0.15:9094"]],
      [9091, ["10.0.0.11:9094", "10.0.0.12:9094", "10.0.0.15:9094"]],
    ]);
  });

  it("keys every per-broker resource by broker ID, with readable addresses", () => {
    const addresses = resourceInstances(stack).map((i) => i.address);
    expect(addresses).toEqual([
      'aws_lb.this',
      'aws_lb_listener.bootstrap',
      'aws_lb_listener.broker["1"]',
      'aws_lb_listener.broker["2"]',
      'aws_lb_listener.broker["5"]',
      'aws_lb_target_group.bootstrap',
      'aws_lb_target_group.broker["1"]',
      'aws_lb_target_group.broker["2"]',
      'aws_lb_target_group.broker["5"]',
      'aws_lb_target_group_attachment.bootstrap["1"]',
      'aws_lb_target_group_attachment.bootstrap["2"]',
      'aws_lb_target_group_attachment.bootstrap["5"]',
      'aws_lb_target_group_attachment.broker["1"]',
      'aws_lb_target_group_attachment.broker["2"]',
      'aws_lb_target_group_attachment.broker["5"]',
      'aws_vpc_endpoint_service.this',
    ]);
  });

  it("makes an internal network load balancer with cross-zone load balancing on", () => {
    expect(stack.resource.aws_lb.this).toMatchObject({ internal: true, load_balancer_type: "network", enable_cross_zone_load_balancing: true, enable_deletion_protection: false });
    expect(provider([1], { cluster: { deletionProtection: true } }).resource.aws_lb.this.enable_deletion_protection).toBe(true);
  });

  it("uses TCP listeners with the idle timeout set, and TCP target groups with explicit health checks and deregistration delay", () => {
    for (const l of Object.values<any>(stack.resource.aws_lb_listener)) {
      expect(l).toMatchObject({ protocol: "TCP", tcp_idle_timeout_seconds: 600 });
    }
    for (const g of Object.values<any>(stack.resource.aws_lb_target_group)) {
      expect(g).toMatchObject({
        protocol: "TCP",
        port: 9094,
        target_type: "ip",
        proxy_protocol_v2: false,
        deregistration_delay: 30,
        health_check: { enabled: true, protocol: "TCP", port: "traffic-port", interval: 10, timeout: 5, healthy_threshold: 3, unhealthy_threshold: 3 },
      });
    }
  });

  it("requires acceptance and lists the principals explicitly on the endpoint service", () => {
    expect(stack.resource.aws_vpc_endpoint_service.this).toMatchObject({
      acceptance_required: true,
      allowed_principals: ["arn:aws:iam::111122223333:root"],
      network_load_balancer_arns: ["${aws_lb.this.arn}"],
    });
    expect(stack.resource.aws_vpc_endpoint_service.this.supported_regions).toBeUndefined();
  });

  it("outputs the service, the bootstrap address, the ports and per-broker listener config", () => {
    expect(stack.output.endpoint_service_name.value).toBe("${aws_vpc_endpoint_service.this.service_name}");
    expect(stack.output.endpoint_service_id.value).toBe("${aws_vpc_endpoint_service.this.id}");
    expect(stack.output.bootstrap_address.value).toBe("orders.kafka.example.internal:9091");
    expect(stack.output.broker_ports.value).toEqual({ "1": 6001, "2": 6002, "5": 6005 });
    expect(stack.output.advertised_listeners.value["5"]).toBe("orders.kafka.example.internal:6005");
    expect(stack.output.broker_config.value["2"]).toBe(
      [
        "listeners=PRIVATELINK://0.0.0.0:9094",
        "advertised.listeners=PRIVATELINK://orders.kafka.example.internal:6002",
        "listener.security.protocol.map=PRIVATELINK:SSL",
      ].join("\n"),
    );
  });

  it("configures its own AWS provider and a local backend with a relative path", () => {
    expect(stack.provider.aws).toEqual([{ region: "us-east-1" }]);
    expect(stack.terraform.backend.local.path).toBe("../../../terraform.orders-provider.tfstate");
    const withRole = provider([1], { cluster: { profile: "kafka", assumeRoleArn: "arn:aws:iam::111122223333:role/deploy" } });
    expect(withRole.provider.aws).toEqual([{ region: "us-east-1", profile: "kafka", assume_role: [{ role_arn: "arn:aws:iam::111122223333:role/deploy" }] }]);
  });

  it("accepts exactly the listed endpoint connections, keyed by endpoint ID", () => {
    expect(stack.resource.aws_vpc_endpoint_connection_accepter).toBeUndefined();
    const accepting = provider([1], { cluster: { acceptEndpoints: ["vpce-0fedcba9876543210", "vpce-0123456789abcdef0"] } });
    const accepted = resourceInstances(accepting).filter((i) => i.type === "aws_vpc_endpoint_connection_accepter");
    expect(accepted.map((i) => [i.address, i.attributes])).toEqual([
      ['aws_vpc_endpoint_connection_accepter.this["vpce-0123456789abcdef0"]', { vpc_endpoint_id: "vpce-0123456789abcdef0", vpc_endpoint_service_id: "${aws_vpc_endpoint_service.this.id}" }],
      ['aws_vpc_endpoint_connection_accepter.this["vpce-0fedcba9876543210"]', { vpc_endpoint_id: "vpce-0fedcba9876543210", vpc_endpoint_service_id: "${aws_vpc_endpoint_service.this.id}" }],
    ]);
  });

  it("alarms on request: one per broker's own target group keyed by broker ID, and one on the bootstrap group", () => {
    expect(stack.resource.aws_cloudwatch_metric_alarm).toBeUndefined();
    const topic = "arn:aws:sns:us-east-1:111122223333:kafka-oncall";
    const alarmed = provider([1, 2, 5], { cluster: { alarms: { actions: [topic] } } });
    const addresses = resourceInstances(alarmed).map((i) => i.address).filter((a) => a.startsWith("aws_cloudwatch_metric_alarm."));
    expect(addresses).toEqual([
      "aws_cloudwatch_metric_alarm.bootstrap",
      'aws_cloudwatch_metric_alarm.broker["1"]',
      'aws_cloudwatch_metric_alarm.broker["2"]',
      'aws_cloudwatch_metric_alarm.broker["5"]',
    ]);
    const { bootstrap, broker } = alarmed.resource.aws_cloudwatch_metric_alarm;
    const watch = { namespace: "AWS/NetworkELB", metric_name: "HealthyHostCount", comparison_operator: "LessThanThreshold", threshold: 1, alarm_actions: [topic], ok_actions: [topic] };
    expect(bootstrap).toMatchObject({ ...watch, alarm_name: "orders-bootstrap-unhealthy", dimensions: { LoadBalancer: "${aws_lb.this.arn_suffix}", TargetGroup: "${aws_lb_target_group.bootstrap.arn_suffix}" } });
    expect(broker).toMatchObject({
      ...watch,
      for_each: { "1": 6001, "2": 6002, "5": 6005 },
      alarm_name: "orders-broker-${each.key}-unhealthy",
      // the alarm's key selects the broker's own group, as the listener's does
      dimensions: { LoadBalancer: "${aws_lb.this.arn_suffix}", TargetGroup: "${aws_lb_target_group.broker[each.key].arn_suffix}" },
    });
  });

  it("synthesizes 49 brokers: 50 listeners", () => {
    const big = provider(Array.from({ length: 49 }, (_, i) => i + 1));
    expect(listenerRoutes(big)).toHaveLength(50);
  });

  it("names no resource with a construct-path hash", () => {
    for (const byName of Object.values<any>(stack.resource)) {
      for (const name of Object.keys(byName)) expect(name).toMatch(/^(this|bootstrap|broker)$/);
    }
  });

  it("registers instance targets with targetType instance", () => {
    const instances = provider([1], { cluster: { targetType: "instance", brokers: [{ id: 1, target: "i-0123456789abcdef0" }] } });
    expect(instances.resource.aws_lb_target_group.broker.target_type).toBe("instance");
    // A changed type replaces the groups: the name differs, so old and new can coexist.
    expect(instances.resource.aws_lb_target_group.broker.name).toBe("orders-b${each.key}-9094i");
    expect(stack.resource.aws_lb_target_group.broker.name).toBe("orders-b${each.key}-9094");
    expect(stack.resource.aws_lb_target_group.broker.lifecycle).toEqual({ create_before_destroy: true });
    expect(instances.resource.aws_lb_target_group_attachment.broker.for_each).toEqual({ "1": { target: "i-0123456789abcdef0" } });
  });
});

describe("KafkaPrivateLinkProvider construct", () => {
  const props: KafkaPrivateLinkProviderProps = {
    name: "logs",
    vpcId: "vpc-0a1b2c3d4e5f60718",
    subnetIds: ["subnet-0a1b2c3d4e5f60711"],
    advertisedHostname: "logs.kafka.example.internal",
    bootstrapPort: 9092,
    brokers: { "7": { target: "10.1.0.7" } },
    brokerPorts: { "7": 7007 },
    brokerTargetPort: 9095,
    targetType: "ip",
    allowedPrincipals: ["arn:aws:iam::111122223333:role/clients"],
  };

  it("builds the same per-broker listeners when used on its own (Testing.synthScope)", () => {
    setupJest();
    const json = Testing.synthScope((scope) => {
      new KafkaPrivateLinkProvider(scope, "kafka", props);
    });
    expect(json).toHaveResourceWithProperties(LbListener, { port: 9092, protocol: "TCP" });
    expect(json).toHaveResourceWithProperties(LbListener, { for_each: { "7": 7007 }, port: "${each.value}" });
    expect(json).toHaveResourceWithProperties(VpcEndpointService, { acceptance_required: true });
  });

  it("refuses brokers and ports that describe different brokers", () => {
    expect(() =>
      Testing.synthScope((scope) => {
        new KafkaPrivateLinkProvider(scope, "kafka", { ...props, brokerPorts: { "8": 7008 } });
      }),
    ).toThrow("brokers (7) and brokerPorts (8) must have the same broker IDs");
  });
});
