/**
 * HAProxy (TCP mode) standing in for the NLB: one frontend per synthesized `aws_lb_listener`,
 * whose backend holds exactly the targets that listener's target group has attached. Built only
 * from the listener routes read out of the synthesized Terraform, so a wrong listener → target
 * group → attachment chain in the product's output sends clients to the wrong broker here too.
 */
import type { ListenerRoute } from "../synthesized/listener-routes";

export function haproxyConfig(routes: readonly ListenerRoute[], bindAddress: string): string {
  const ports = new Set<number>();
  const sections = routes.map((route, index) => {
    if (ports.has(route.port)) {
      throw new Error(`two listeners use port ${route.port} (second: ${route.address})`);
    }
    ports.add(route.port);
    if (route.targets.length === 0) {
      throw new Error(`${route.address} (port ${route.port}) forwards to a target group without targets`);
    }
    const name = `listener${index}`;
    return [
      `# ${route.address} → ${route.targetGroup}`,
      `frontend ${name}`,
      `  bind ${bindAddress}:${route.port}`,
      `  default_backend ${name}`,
      `backend ${name}`,
      "  balance roundrobin",
      ...route.targets.map((target, t) => `  server target${t} ${target.address}:${target.port}`),
    ].join("\n");
  });
  return [
    "global",
    "  maxconn 1024",
    "defaults",
    "  mode tcp",
    "  timeout connect 3s",
    // Longer than Kafka clients' connections.max.idle.ms (9 min), like the product's NLB idle timeout.
    "  timeout client 10m",
    "  timeout server 10m",
    // NLB target groups health-check every target over TCP on the traffic port; faster here so a
    // stopped broker leaves the bootstrap group within a second.
    "  default-server check inter 500ms fall 2 rise 1",
    ...sections,
    "",
  ].join("\n");
}
