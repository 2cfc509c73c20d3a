import { EvaluatedResource } from "./evaluate";

export interface ListenerRoute {
  /** e.g. `module.kafka.aws_lb_listener.broker["1"]` */
  readonly address: string;
  readonly port: number;
  /** The target group the listener forwards to, e.g. `module.kafka.aws_lb_target_group.broker["1"]`. */
  readonly targetGroup: string;
  /** What that group's attachments register: broker address (or instance ID) and port. */
  readonly targets: ReadonlyArray<{ address: string; port: number }>;
}

/**
 * The NLB's routing in an evaluated stack (evaluate.ts): each listener port → the target group
 * whose ARN its forward action names → the targets attached to that ARN (at the attachment's
 * port, else the group's). References are followed as Terraform resolved them, so a module that
 * wires a listener or an attachment to the wrong group shows here.
 */
export function listenerRoutes(resources: readonly EvaluatedResource[]): ListenerRoute[] {
  const groups = new Map(resources.filter((r) => r.type === "aws_lb_target_group").map((g) => [String(g.values.arn), g]));
  const attachments = resources.filter((r) => r.type === "aws_lb_target_group_attachment");
  return resources
    .filter((r) => r.type === "aws_lb_listener")
    .map((listener) => {
      const actions = (listener.values.default_action ?? []) as Array<{ type: string; target_group_arn?: string }>;
      const forward = actions.find((a) => a.type === "forward");
      if (!forward) throw new Error(`${listener.address}: no forward action`);
      const group = groups.get(String(forward.target_group_arn));
      if (!group) throw new Error(`${listener.address}: forwards to ${forward.target_group_arn}, which no target group of the stack has`);
      const targets = attachments
        .filter((a) => a.values.target_group_arn === group.values.arn)
        .map((a) => ({ address: String(a.values.target_id), port: Number(a.values.port ?? group.values.port) }));
      return { address: listener.address, port: Number(listener.values.port), targetGroup: group.address, targets };
    })
    .sort((a, b) => a.port - b.port);
}
