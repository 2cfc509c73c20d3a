/**
 * The benchmark's baseline: the same provider and consumer resources as the main job, written the
 * way the `cdktf init --template=typescript` project invites (namespace import of the prebuilt
 * provider, one resource per broker in a loop) and run the way its cdktf.json runs it (ts-node,
 * type-checking, with the template's tsconfig.json beside this file).
 */
import { Construct } from "constructs";
import { App, TerraformStack } from "cdktf";
// Deliberately the namespace import: this file is the stock-cdktf baseline the bench measures against.
import * as aws from "@cdktf/provider-aws";
import * as fs from "fs";

interface Broker {
  id: number;
  target: string;
}

interface Cluster {
  name: string;
  region: string;
  vpcId: string;
  subnetIds: string[];
  advertisedHostname: string;
  bootstrapPort: number;
  brokerPortBase: number;
  brokerTargetPort: number;
  brokers: Broker[];
  allowedPrincipals: string[];
  tags: Record<string, string>;
}

interface Consumer {
  name: string;
  region: string;
  vpcId: string;
  subnetIds: string[];
  allowedCidrs: string[];
}

interface Config {
  cluster: Cluster;
  consumers: Consumer[];
}

class KafkaProviderStack extends TerraformStack {
  public readonly serviceName: string;

  constructor(scope: Construct, id: string, cluster: Cluster) {
    super(scope, id);
    new aws.provider.AwsProvider(this, "aws", { region: cluster.region });
    const tags = cluster.tags;

    const nlb = new aws.lb.Lb(this, "nlb", {
      name: `${cluster.name}-nlb`,
      loadBalancerType: "network",
      internal: true,
      subnets: cluster.subnetIds,
      enableCrossZoneLoadBalancing: true,
      tags,
    });

    const targetGroup = (id: string, name: string) =>
      new aws.lbTargetGroup.LbTargetGroup(this, id, {
        name,
        port: cluster.brokerTargetPort,
        protocol: "TCP",
        targetType: "ip",
        vpcId: cluster.vpcId,
        proxyProtocolV2: false,
        deregistrationDelay: "30",
        healthCheck: { enabled: true, protocol: "TCP", port: "traffic-port", interval: 10, healthyThreshold: 3, unhealthyThreshold: 3 },
        tags,
      });
    const listener = (id: string, port: number, targetGroupArn: string) =>
      new aws.lbListener.LbListener(this, id, {
        loadBalancerArn: nlb.arn,
        port,
        protocol: "TCP",
        tcpIdleTimeoutSeconds: 600,
        defaultAction: [{ type: "forward", targetGroupArn }],
        tags,
      });

    const bootstrap = targetGroup("bootstrap-tg", `${cluster.name}-boot`);
    listener("bootstrap-listener", cluster.bootstrapPort, bootstrap.arn);
    for (const broker of cluster.brokers) {
      new aws.lbTargetGroupAttachment.LbTargetGroupAttachment(this, `bootstrap-attachment-${broker.id}`, {
        targetGroupArn: bootstrap.arn,
        targetId: broker.target,
        port: cluster.brokerTargetPort,
      });
      const own = targetGroup(`broker-tg-${broker.id}`, `${cluster.name}-b${broker.id}`);
      new aws.lbTargetGroupAttachment.LbTargetGroupAttachment(this, `broker-attachment-${broker.id}`, {
        targetGroupArn: own.arn,
        targetId: broker.target,
        port: cluster.brokerTargetPort,
      });
      listener(`broker-listener-${broker.id}`, cluster.brokerPortBase + broker.id, own.arn);
    }

    const service = new aws.vpcEndpointService.VpcEndpointService(this, "endpoint-service", {
      acceptanceRequired: true,
      networkLoadBalancerArns: [nlb.arn],
      allowedPrincipals: cluster.allowedPrincipals,
      tags,
    });
    this.serviceName = service.serviceName;
  }
}

class KafkaConsumerStack extends TerraformStack {
  constructor(scope: Construct, id: string, cluster: Cluster, consumer: Consumer, serviceName: string) {
    super(scope, id);
    new aws.provider.AwsProvider(this, "aws", { region: consumer.region });

    const sg = new aws.securityGroup.SecurityGroup(this, "endpoint-sg", {
      name: `${cluster.name}-${consumer.name}-kafka-endpoint`,
      description: "Kafka PrivateLink endpoint",
      vpcId: consumer.vpcId,
    });
    const ports = [cluster.bootstrapPort, ...cluster.brokers.map((b) => cluster.brokerPortBase + b.id)];
    for (const cidr of consumer.allowedCidrs) {
      for (const port of ports) {
        new aws.vpcSecurityGroupIngressRule.VpcSecurityGroupIngressRule(this, `ingress-${cidr}-${port}`, {
          securityGroupId: sg.id,
          ipProtocol: "tcp",
          cidrIpv4: cidr,
          fromPort: port,
          toPort: port,
        });
      }
    }

    const endpoint = new aws.vpcEndpoint.VpcEndpoint(this, "endpoint", {
      vpcId: consumer.vpcId,
      serviceName,
      vpcEndpointType: "Interface",
      privateDnsEnabled: false,
      subnetIds: consumer.subnetIds,
      securityGroupIds: [sg.id],
    });

    const zone = new aws.route53Zone.Route53Zone(this, "zone", {
      name: cluster.advertisedHostname,
      vpc: [{ vpcId: consumer.vpcId }],
    });
    new aws.route53Record.Route53Record(this, "alias", {
      zoneId: zone.zoneId,
      name: cluster.advertisedHostname,
      type: "A",
      alias: { name: endpoint.dnsEntry.get(0).dnsName, zoneId: endpoint.dnsEntry.get(0).hostedZoneId, evaluateTargetHealth: false },
    });
  }
}

const config: Config = JSON.parse(fs.readFileSync(process.env.PRIVATELINK_CONFIG!, "utf8"));
const app = new App();
const provider = new KafkaProviderStack(app, `${config.cluster.name}-provider`, config.cluster);
for (const consumer of config.consumers) {
  new KafkaConsumerStack(app, `${config.cluster.name}-consumer-${consumer.name}`, config.cluster, consumer, provider.serviceName);
}
app.synth();
