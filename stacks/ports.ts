import { Config } from "../config/schema";
import { allocatePorts, PortPlan } from "../modules/kafka-broker-ports/allocation";

/** The cluster's port allocation (the configuration was validated, so it cannot fail). */
export function portPlanFor({ cluster }: Config): PortPlan {
  return allocatePorts({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  });
}
