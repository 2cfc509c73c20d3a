/**
 * What an (emulated) AWS account holds, read through the AWS API with the AWS SDK, not from
 * anything we generated: the deploy test compares it with what the configuration asks for.
 */
import {
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointServiceConfigurationsCommand,
  DescribeVpcEndpointServicePermissionsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  IpPermission,
} from "@aws-sdk/client-ec2";
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetHostedZoneCommand, ListHostedZonesCommand, ListResourceRecordSetsCommand, Route53Client } from "@aws-sdk/client-route-53";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { sdkConfig } from "./emulator";

export interface HostedZone {
  readonly id: string;
  readonly name: string;
  readonly private: boolean;
  readonly vpcIds: readonly string[];
  readonly records: ReadonlyArray<{ readonly name: string; readonly type: string; readonly aliasDnsName?: string; readonly aliasZoneId?: string }>;
}

/** Everything the stacks can create, as readInventory reads it. */
export type Inventory = Awaited<ReturnType<typeof readRegion>> & { readonly hostedZones: readonly HostedZone[] };

/**
 * Every (source, port) that ingress permissions admit, as `cidr:port`; a rule that admits by
 * something other than an IPv4 CIDR and TCP (IPv6, another group, a prefix list, UDP) shows as `other:…`.
 */
export function admittedBy(permissions: readonly IpPermission[]): Set<string> {
  const admits = new Set<string>();
  for (const p of permissions) {
    const allProtocols = p.IpProtocol === "-1";
    const from = allProtocols ? 0 : (p.FromPort ?? 0);
    const to = allProtocols ? 65535 : (p.ToPort ?? 65535);
    const sources = (p.IpRanges ?? []).map((r) => r.CidrIp!);
    const others = [
      ...(p.Ipv6Ranges ?? []).map((r) => `ipv6 ${r.CidrIpv6}`),
      ...(p.UserIdGroupPairs ?? []).map((g) => `group ${g.GroupId}`),
      ...(p.PrefixListIds ?? []).map((l) => `prefix list ${l.PrefixListId}`),
    ];
    if (!allProtocols && p.IpProtocol !== "tcp" && p.IpProtocol !== "6") {
      admits.add(`other:${p.IpProtocol} ${from}-${to} from ${[...sources, ...others].join(", ")}`);
      continue;
    }
    for (const other of others) admits.add(`other:${other} ${from}-${to}`);
    for (const cidr of sources) for (let port = from; port <= to; port++) admits.add(`${cidr}:${port}`);
  }
  return admits;
}

async function readRegion(endpoint: string, region: string) {
  const elb = new ElasticLoadBalancingV2Client(sdkConfig(endpoint, region));
  const ec2 = new EC2Client(sdkConfig(endpoint, region));
  const cloudwatch = new CloudWatchClient(sdkConfig(endpoint, region));
  try {
    const loadBalancers = [];
    for (const lb of (await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? []) {
      const arn = lb.LoadBalancerArn!;
      const attributes = (await elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))).Attributes ?? [];
      const listeners = (await elb.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
      loadBalancers.push({
        arn,
        name: lb.LoadBalancerName!,
        type: lb.Type!,
        scheme: lb.Scheme!,
        vpcId: lb.VpcId!,
        attributes: Object.fromEntries(attributes.map((a) => [a.Key!, a.Value!])),
        listeners: listeners.map((l) => ({
          arn: l.ListenerArn!,
          port: l.Port!,
          protocol: l.Protocol!,
          targetGroupArns: (l.DefaultActions ?? []).flatMap((a) =>
            a.ForwardConfig?.TargetGroups?.length ? a.ForwardConfig.TargetGroups.map((g) => g.TargetGroupArn!) : a.TargetGroupArn ? [a.TargetGroupArn] : [],
          ),
        })),
      });
    }

    const targetGroups = [];
    for (const tg of (await elb.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? []) {
      const health = (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }))).TargetHealthDescriptions ?? [];
      targetGroups.push({
        arn: tg.TargetGroupArn!,
        name: tg.TargetGroupName!,
        protocol: tg.Protocol!,
        port: tg.Port!,
        // Registered targets as `id:port`.
        targets: health.map((h) => `${h.Target!.Id}:${h.Target!.Port}`).sort(),
      });
    }

    const endpointServices = [];
    for (const s of (await ec2.send(new DescribeVpcEndpointServiceConfigurationsCommand({}))).ServiceConfigurations ?? []) {
      const permissions = await ec2.send(new DescribeVpcEndpointServicePermissionsCommand({ ServiceId: s.ServiceId }));
      endpointServices.push({
        id: s.ServiceId!,
        name: s.ServiceName!,
        nlbArns: s.NetworkLoadBalancerArns ?? [],
        acceptanceRequired: s.AcceptanceRequired ?? false,
        principals: (permissions.AllowedPrincipals ?? []).map((p) => p.Principal!).sort(),
      });
    }

    // Endpoints not in the `deleted` state.
    const endpoints = ((await ec2.send(new DescribeVpcEndpointsCommand({}))).VpcEndpoints ?? [])
      .filter((e) => e.State?.toLowerCase() !== "deleted")
      .map((e) => ({
        id: e.VpcEndpointId!,
        type: e.VpcEndpointType!,
        // The SDK types the state as "Available", …; moto and the fixtures say "available".
        state: e.State as string,
        serviceName: e.ServiceName!,
        vpcId: e.VpcId!,
        subnetIds: [...(e.SubnetIds ?? [])].sort(),
        groupIds: (e.Groups ?? []).map((g) => g.GroupId!).sort(),
        dnsEntries: (e.DnsEntries ?? []).map((d) => ({ dnsName: d.DnsName!, hostedZoneId: d.HostedZoneId! })),
      }));

    const securityGroups = ((await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? []).map((g) => ({
      id: g.GroupId!,
      vpcId: g.VpcId!,
      name: g.GroupName!,
      // Every `cidr:port` its ingress rules admit (admittedBy).
      admits: admittedBy(g.IpPermissions ?? []),
    }));

    const alarms = ((await cloudwatch.send(new DescribeAlarmsCommand({}))).MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName!,
      namespace: a.Namespace!,
      metricName: a.MetricName!,
      statistic: a.Statistic!,
      comparisonOperator: a.ComparisonOperator!,
      threshold: a.Threshold!,
      period: a.Period!,
      evaluationPeriods: a.EvaluationPeriods!,
      treatMissingData: a.TreatMissingData!,
      dimensions: Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name!, d.Value!])),
      alarmActions: [...(a.AlarmActions ?? [])].sort(),
      okActions: [...(a.OKActions ?? [])].sort(),
    }));

    return { loadBalancers, targetGroups, endpointServices, endpoints, securityGroups, alarms };
  } finally {
    elb.destroy();
    ec2.destroy();
    cloudwatch.destroy();
  }
}

async function readHostedZones(endpoint: string): Promise<HostedZone[]> {
  // Route 53 is global: one endpoint, signed for us-east-1.
  const route53 = new Route53Client(sdkConfig(endpoint, "us-east-1"));
  try {
    const zones: HostedZone[] = [];
    for (const z of (await route53.send(new ListHostedZonesCommand({}))).HostedZones ?? []) {
      const id = z.Id!.replace(/^\/hostedzone\//, "");
      const detail = await route53.send(new GetHostedZoneCommand({ Id: id }));
      const records = (await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id }))).ResourceRecordSets ?? [];
      zones.push({
        id,
        name: z.Name!,
        private: z.Config?.PrivateZone ?? false,
        vpcIds: (detail.VPCs ?? []).map((v) => v.VPCId!).sort(),
        records: records.map((r) => ({ name: r.Name!, type: r.Type!, aliasDnsName: r.AliasTarget?.DNSName, aliasZoneId: r.AliasTarget?.HostedZoneId })),
      });
    }
    return zones;
  } finally {
    route53.destroy();
  }
}

/** Everything the stacks can create, in the given regions (Route 53 is global). */
export async function readInventory(endpoint: string, regions: readonly string[]): Promise<Inventory> {
  const perRegion = await Promise.all([...new Set(regions)].map((region) => readRegion(endpoint, region)));
  return {
    loadBalancers: perRegion.flatMap((r) => r.loadBalancers),
    targetGroups: perRegion.flatMap((r) => r.targetGroups),
    endpointServices: perRegion.flatMap((r) => r.endpointServices),
    endpoints: perRegion.flatMap((r) => r.endpoints),
    securityGroups: perRegion.flatMap((r) => r.securityGroups),
    hostedZones: await readHostedZones(endpoint),
    alarms: perRegion.flatMap((r) => r.alarms),
  };
}
