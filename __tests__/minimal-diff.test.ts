import { diffInstances, InstanceDiff } from "../synthesized/instances";
import { config, synthDeploy } from "./support/configs";

const consumers = {
  consumers: [
    { name: "analytics", region: "us-east-1", vpcId: "vpc-0f1e2d3c4b5a69788", subnetIds: ["subnet-0f1e2d3c4b5a69781"], allowedCidrs: ["10.20.0.0/16", "10.21.0.0/16"] },
    { name: "billing", region: "us-east-1", vpcId: "vpc-0b1b2b3b4b5b6b7b8", subnetIds: ["subnet-0b1b2b3b4b5b6b7b1"], allowedCidrs: ["172.16.8.0/24"] },
  ],
};
const stacksFor = (ids: number[]) => synthDeploy(config(ids, consumers)).stacks;

/** Plan-level diff of every stack, by instance address. */
function planDiff(before: Record<string, any>, after: Record<string, any>): Record<string, InstanceDiff> {
  expect(Object.keys(after)).toEqual(Object.keys(before));
  return Object.fromEntries(Object.keys(before).map((name) => [name, diffInstances(before[name], after[name])]));
}

const brokerInstances = (id: number, port: number) => ({
  "orders-provider": {
    added: [
      `aws_lb_listener.broker["${id}"]`,
      `aws_lb_target_group.broker["${id}"]`,
      `aws_lb_target_group_attachment.bootstrap["${id}"]`,
      `aws_lb_target_group_attachment.broker["${id}"]`,
    ],
    removed: [],
    changed: [],
  },
  "orders-consumer-analytics": {
    added: [`aws_vpc_security_group_ingress_rule.client["10.20.0.0/16:${port}"]`, `aws_vpc_security_group_ingress_rule.client["10.21.0.0/16:${port}"]`],
    removed: [],
    changed: [],
  },
  "orders-consumer-billing": { added: [`aws_vpc_security_group_ingress_rule.client["172.16.8.0/24:${port}"]`], removed: [], changed: [] },
});
const swap = (d: Record<string, InstanceDiff>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, { added: v.removed, removed: v.added, changed: v.changed }]));

describe("minimal plan diffs", () => {
  const s123 = stacksFor([1, 2, 3]);
  const s1234 = stacksFor([1, 2, 3, 4]);
  const s124 = stacksFor([1, 2, 4]);

  it("adding broker 4 adds only broker 4's resources, in every stack, and changes nothing else", () => {
    expect(planDiff(s123, s1234)).toEqual(brokerInstances(4, 6004));
  });

  it("then removing broker 3 removes only broker 3's resources", () => {
    expect(swap(planDiff(s1234, s124))).toEqual(brokerInstances(3, 6003));
  });

  it("can tell: moving the port base changes every broker listener", () => {
    const moved = planDiff(s123, synthDeploy(config([1, 2, 3], { ...consumers, cluster: { brokerPortBase: 7000 } })).stacks);
    expect(moved["orders-provider"].changed).toEqual(['aws_lb_listener.broker["1"]', 'aws_lb_listener.broker["2"]', 'aws_lb_listener.broker["3"]']);
  });
});
