/**
 * The load balancer and the clients' name resolution as the AWS API reports them after
 * `cdktf deploy` (emulator/inventory.ts), for the rehearsal's HAProxy and client namespace: what
 * Terraform deployed, not our reading of the synthesized JSON. Every link of the chain a client
 * follows is taken from the account: the Route 53 alias record → the interface endpoint whose DNS
 * name it aliases → the endpoint service → its NLB → the NLB's listeners → their target groups →
 * the targets registered in them. A broken link fails here, naming it.
 */
import type { Inventory } from "../emulator/inventory";
import type { LoadBalancerListener } from "./haproxy";

export interface DeployedLoadBalancer {
  /** The NLB's listeners, each with the targets registered in the groups it forwards to. */
  readonly listeners: LoadBalancerListener[];
  /** The names of the alias records that lead to this NLB (through an endpoint to its endpoint service). */
  readonly hostnames: string[];
}

/** A link of the deployed chain is missing or not what the rehearsal can stand in for. */
export class DeployedStateError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the deployed state cannot be rehearsed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "DeployedStateError";
  }
}

const dnsName = (name: string | undefined) => (name ?? "").toLowerCase().replace(/\.$/, "");
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The one network load balancer `inventory` holds, as HAProxy listeners, and the names that lead to it. */
export function deployedLoadBalancer(inventory: Inventory): DeployedLoadBalancer {
  const nlbs = inventory.loadBalancers.filter((lb) => lb.type === "network");
  if (nlbs.length !== 1) {
    throw new DeployedStateError([`the account holds ${nlbs.length} network load balancers (${nlbs.map((lb) => lb.name).join(", ") || "none"}); the rehearsal stands in for exactly one`]);
  }
  const [nlb] = nlbs;
  const problems: string[] = [];
  const groups = new Map(inventory.targetGroups.map((g) => [g.arn, g]));

  const listeners = nlb.listeners.map((listener): LoadBalancerListener => {
    const targets = listener.targetGroupArns.flatMap((arn) => {
      const group = groups.get(arn);
      if (!group) {
        problems.push(`listener ${listener.arn} (port ${listener.port}) forwards to target group ${arn}, which DescribeTargetGroups does not list`);
        return [];
      }
      return group.targets.map((target) => {
        // Registered targets read back as `id:port`; with targetType ip the ID is the broker's address.
        const split = target.lastIndexOf(":");
        const address = target.slice(0, split);
        if (!IPV4.test(address)) {
          problems.push(`target group ${group.name} holds target ${target}, not an IPv4 address (the rehearsal needs targetType ip)`);
        }
        return { address, port: Number(target.slice(split + 1)) };
      });
    });
    const groupNames = listener.targetGroupArns.map((arn) => groups.get(arn)?.name ?? arn).join(", ");
    return { port: listener.port, targets, source: `listener ${listener.arn} → ${groupNames}` };
  });

  const services = inventory.endpointServices.filter((s) => s.nlbArns.includes(nlb.arn));
  const serviceNames = new Set(services.map((s) => s.name));
  const endpoints = inventory.endpoints.filter((e) => serviceNames.has(e.serviceName));
  const endpointNames = new Set(endpoints.flatMap((e) => e.dnsEntries.map((d) => dnsName(d.dnsName))));
  const hostnames = [
    ...new Set(
      inventory.hostedZones.flatMap((zone) =>
        zone.records.filter((r) => r.type === "A" && r.aliasDnsName !== undefined && endpointNames.has(dnsName(r.aliasDnsName))).map((r) => dnsName(r.name)),
      ),
    ),
  ].sort();
  if (services.length === 0) {
    problems.push(`no endpoint service fronts the load balancer ${nlb.arn}`);
  } else if (endpoints.length === 0) {
    problems.push(`no interface endpoint connects to ${[...serviceNames].join(", ")}`);
  } else if (hostnames.length === 0) {
    problems.push(`no Route 53 alias record points at the DNS name of an endpoint to ${[...serviceNames].join(", ")} (${[...endpointNames].join(", ") || "the endpoints have none"})`);
  }
  if (problems.length > 0) {
    throw new DeployedStateError(problems);
  }
  return { listeners, hostnames };
}
