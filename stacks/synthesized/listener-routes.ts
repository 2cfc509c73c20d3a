import { resourceInstances, TfJson } from "./instances";

export interface ListenerRoute {
  /** e.g. `aws_lb_listener.broker["1"]` */
  readonly address: string;
  readonly port: number;
  /** The target group the listener forwards to, e.g. `aws_lb_target_group.broker["1"]`. */
  readonly targetGroup: string;
  /** What that group's attachments register: broker address (or instance ID) and port. */
  readonly targets: ReadonlyArray<{ address: string; port: number }>;
}

const ARN_REF = /^\$\{(aws_lb_target_group\.[A-Za-z0-9_-]+(?:\["[^"]*"\])?)\.arn\}$/;

function groupOf(arn: unknown, where: string): string {
  const match = typeof arn === "string" ? ARN_REF.exec(arn) : null;
  if (!match) throw new Error(`${where}: target_group_arn ${JSON.stringify(arn)} is not a reference to a target group in this stack`);
  return match[1];
}

/**
 * The NLB's routing as the synthesized provider stack defines it: each listener port → its target
 * group → the targets attached to that group (at the attachment's port, else the group's).
 */
export function listenerRoutes(stack: TfJson): ListenerRoute[] {
  const instances = resourceInstances(stack);
  const groups = new Map(instances.filter((i) => i.type === "aws_lb_target_group").map((i) => [i.address, i]));
  const attachments = instances.filter((i) => i.type === "aws_lb_target_group_attachment");
  return instances
    .filter((i) => i.type === "aws_lb_listener")
    .map((listener) => {
      const actions = listener.attributes.default_action as Array<{ type: string; target_group_arn?: unknown }>;
      const forward = actions?.find((a) => a.type === "forward");
      if (!forward) throw new Error(`${listener.address}: no forward action`);
      const targetGroup = groupOf(forward.target_group_arn, listener.address);
      const group = groups.get(targetGroup);
      if (!group) throw new Error(`${listener.address}: forwards to ${targetGroup}, which is not in the stack`);
      const targets = attachments
        .filter((a) => groupOf(a.attributes.target_group_arn, a.address) === targetGroup)
        .map((a) => ({ address: String(a.attributes.target_id), port: Number(a.attributes.port ?? group.attributes.port) }));
      return { address: listener.address, port: Number(listener.attributes.port), targetGroup, targets };
    })
    .sort((a, b) => a.port - b.port);
}
