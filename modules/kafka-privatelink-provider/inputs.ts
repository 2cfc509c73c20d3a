/**
 * The provider module's inputs that the configuration's `cluster` passes as they are, one spec
 * each (modules/private/input-spec.ts says what derives from an entry). The order is the
 * variables' order in the module. Inputs with rules across fields or values the configuration
 * shapes (brokers, ports, principals, regions, alarms, tags) are written out in index.ts,
 * call.ts, config/ and stacks/inputs.ts.
 */
import { InputSpec, SUBNET_IDS } from "../private/input-spec";
import { namePrefix, RULES } from "../private/input-rules";

export const PROVIDER_INPUTS = {
  name: {
    type: "string",
    description: "Prefix of the AWS resource names (1-20 characters of a-z, 0-9, '-').",
    rule: namePrefix(20, " (it prefixes target group names of at most 32 characters)"),
    review: {
      level: "outage",
      why: "renames the stacks: the new stacks start from empty state and create everything anew, and the old ones stay deployed until destroyed (where the state is carried over, as in a plain-Terraform root, the NLB and its target groups are replaced)",
    },
  },
  vpcId: {
    type: "string",
    description: "The brokers' VPC: the NLB and its target groups are created in it.",
    rule: RULES.vpcId,
    review: { level: "outage", why: "replaces the NLB, every target group and the endpoint service" },
  },
  subnetIds: {
    ...SUBNET_IDS,
    description: "Subnets of the NLB, one per availability zone that should serve clients.",
    review: {
      level: "client-visible",
      why: "the NLB serves from more zones",
      removed: {
        level: "outage",
        why: "an NLB cannot leave a subnet: removing one replaces the NLB and the endpoint service, and every consumer endpoint must be re-created",
      },
    },
  },
  advertisedHostname: {
    type: "string",
    description: "The one hostname every broker advertises (all brokers share it; the port tells them apart).",
    rule: RULES.hostname,
    review: {
      level: "outage",
      why: "every consumer's private zone and alias are replaced; brokers' advertised.listeners and clients' bootstrap.servers change together",
    },
  },
  tcpIdleTimeoutSeconds: {
    type: "number",
    description: "NLB TCP listener idle timeout in seconds (60-6000); clients should close idle connections before it.",
    // Above Kafka clients' default idle close (540 s), so the client, not the NLB, ends idle connections.
    default: 600,
    rule: RULES.tcpIdleTimeoutSeconds,
    review: { level: "client-visible", why: "clients' `connections.max.idle.ms` (client_config) follows it" },
  },
  targetType: {
    type: "string",
    description: "How brokers are registered: ip (private IPv4 addresses) or instance (EC2 instance IDs).",
    default: "ip",
    rule: RULES.targetType,
    review: { level: "disruptive", why: "replaces every target group (new ones first)" },
  },
  brokerTargetPort: {
    type: "number",
    description: "Port on each broker that the NLB forwards to: the broker's dedicated PrivateLink listener.",
    // A dedicated PrivateLink listener on each broker, clear of the usual 9092 (clients) and 9093 (controllers, TLS).
    default: 9094,
    rule: RULES.brokerTargetPort,
    review: { level: "disruptive", why: "replaces every target group (new ones first); each broker must listen on the new port" },
  },
  acceptanceRequired: {
    type: "bool",
    description: "Whether each endpoint connection waits for the provider to accept it.",
    default: true,
    review: { level: "client-visible", why: "whether new endpoint connections wait for approval" },
  },
  acceptEndpoints: {
    type: "list(string)",
    description:
      "Interface endpoint IDs (vpce-...) whose connections to the service are accepted (each consumer's output endpoint_id). Removing an ID later rejects that endpoint's connection. Needs acceptance_required.",
    default: [],
    rule: RULES.endpointId,
    list: { item: "endpoint ID", unique: true },
    review: {
      level: "additive",
      removed: {
        level: "outage",
        why: "no longer listed: the plan destroys its acceptance, and that endpoint's clients lose the cluster",
      },
    },
  },
  deletionProtection: {
    type: "bool",
    description: "Turn on the NLB's deletion protection: a destroy or replacement fails until it is turned off.",
    default: false,
    review: { level: "none", why: "whether AWS refuses to delete the NLB" },
  },
  deregistrationDelaySeconds: {
    type: "number",
    description: "Seconds a deregistering broker keeps its connections (0-3600).",
    // Long enough for in-flight requests during a rolling restart, short enough not to stall it.
    default: 30,
    rule: RULES.deregistrationDelaySeconds,
    review: { level: "client-visible", why: "how long a leaving broker keeps its connections" },
  },
  listenerName: {
    type: "string",
    description: "Kafka listener name used in the broker config snippets.",
    default: "PRIVATELINK",
    rule: RULES.listenerName,
    review: { level: "client-visible", why: "every broker's server.properties lines change" },
  },
  listenerSecurityProtocol: {
    type: "string",
    description: "Security protocol of the brokers' PrivateLink listener.",
    default: "SSL",
    rule: RULES.securityProtocol,
    review: { level: "client-visible", why: "every broker's and client's protocol changes" },
  },
} as const satisfies Record<string, InputSpec>;
