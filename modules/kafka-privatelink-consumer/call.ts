import { Token } from "cdktf";
import { Construct } from "constructs";
import { BROKER_ID, portPlanErrors } from "../kafka-broker-ports/allocation";
import { COVERS_EVERY_ADDRESS_RULE, coversEveryAddress, tagsProblems } from "../private/aws-rules";
import { SECURITY_GROUPS_PER_INTERFACE, securityGroupNameProblem } from "./rules";
import { CONSUMER_INPUTS } from "./inputs";
import { specProblems, SpecProps } from "../private/input-spec";
import { ModuleCall, moduleInputs, portRuleProblems, requiredProblems } from "../private/module-call";

/** The provider module's output `connection`: everything a consumer needs to know of the cluster. */
export interface Connection {
  /** The provider's VPC endpoint service name (may be a cross-stack reference). */
  readonly serviceName: string;
  /** The service's region. */
  readonly region: string;
  readonly advertisedHostname: string;
  readonly bootstrapPort: number;
  /** Broker ID (as a string) → its listener port. */
  readonly brokerPorts: Record<string, number>;
  readonly securityProtocol: string;
  readonly tcpIdleTimeoutSeconds: number;
}

/** The props of the inputs the configuration passes as they are: one spec each, in inputs.ts. */
export interface KafkaPrivateLinkConsumerProps extends SpecProps<typeof CONSUMER_INPUTS> {
  /** Where the module folder is, as Terraform takes a module source (relative to the calling stack's folder). */
  readonly source: string;
  /** Prefix of the AWS names (security groups `<name>-kafka-<cidr>`): 1-64 characters. */
  readonly name: string;
  /** The cluster, as the provider module's output `connection` describes it. */
  readonly connection: Connection;
  /** Client CIDR blocks allowed to reach the bootstrap and broker ports, at most 5 (one security group each). */
  readonly allowedCidrs: string[];
  /** Allow 0.0.0.0/0 in allowedCidrs. @default false */
  readonly allowAnyCidr?: boolean;
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** Every problem of the props, one line each (field, value, rule); the port rule is allocation.ts's. */
function consumerPropsProblems(props: KafkaPrivateLinkConsumerProps): string[] {
  const problems = [...requiredProblems(props, ["source", "name"], ["allowedCidrs"]), ...specProblems(CONSUMER_INPUTS, props, (v) => Token.isUnresolved(v))];
  const given = Array.isArray(props.allowedCidrs) ? props.allowedCidrs : [];
  if (given.length > SECURITY_GROUPS_PER_INTERFACE) {
    problems.push(
      `allowedCidrs: ${given.length} CIDR blocks given, at most ${SECURITY_GROUPS_PER_INTERFACE}: each gets its own security group on the endpoint, and AWS allows ${SECURITY_GROUPS_PER_INTERFACE} security groups per network interface by default`,
    );
  }
  const cidrs = given.filter((x) => typeof x === "string" && !Token.isUnresolved(x));
  if (!props.allowAnyCidr && cidrs.includes("0.0.0.0/0")) {
    problems.push('allowedCidrs: "0.0.0.0/0" opens the bootstrap and broker ports to every address; set allowAnyCidr: true to allow it');
  } else if (!props.allowAnyCidr && coversEveryAddress(cidrs)) {
    problems.push(`allowedCidrs: ${JSON.stringify(cidrs)} ${COVERS_EVERY_ADDRESS_RULE}; list the client CIDRs, or set allowAnyCidr: true to allow it`);
  }
  if (typeof props.name === "string" && props.name.length > 0 && !Token.isUnresolved(props.name)) {
    const problem = securityGroupNameProblem(props.name, cidrs);
    if (problem !== undefined) problems.push(`name: ${JSON.stringify(props.name)} ${problem}`);
  }
  if (props.tags !== undefined && !Token.isUnresolved(props.tags)) problems.push(...tagsProblems("tags", props.tags));
  const c = props.connection;
  if (c === undefined || c === null) return [...problems, "connection: undefined must be the provider module's output connection"];
  problems.push(...requiredProblems(c, ["serviceName", "region", "advertisedHostname", "securityProtocol"]).map((p) => `connection.${p}`));
  const ports = c.brokerPorts ?? {};
  const ids = Object.keys(ports).filter((k) => BROKER_ID.test(k));
  problems.push(
    ...Object.keys(ports)
      .filter((k) => !BROKER_ID.test(k))
      .map((k) => `connection.brokerPorts: key ${JSON.stringify(k)} is not a broker ID`),
  );
  // The allocation made every broker's port one base + its ID.
  const bases = [...new Set(ids.map((id) => ports[id] - Number(id)))];
  if (bases.length !== 1) {
    const rule =
      bases.length === 0
        ? "lists no broker"
        : `is not one base + broker ID for every broker (port bases ${bases.join(", ")}); pass the provider module's output connection as it is`;
    problems.push(`connection.brokerPorts: ${JSON.stringify(ports)} ${rule}`);
  } else if (!Token.isUnresolved(c.bootstrapPort)) {
    const errors = portPlanErrors({ brokerIds: ids.map(Number), bootstrapPort: c.bootstrapPort, brokerPortBase: bases[0] });
    // The base is implied by the ports (one base + ID each), so its problems are the ports'.
    problems.push(
      ...portRuleProblems(errors, { brokers: "connection.brokerPorts", bootstrapPort: "connection.bootstrapPort", brokerPortBase: "connection.brokerPorts" }),
    );
  }
  return problems;
}

/** The module's input variables (snake_case, as in the module's variables.tf.json) for these props. */
export const consumerModuleInputs = (props: Omit<KafkaPrivateLinkConsumerProps, "source">) => moduleInputs(props, new Set(["brokerPorts", "tags"]));

/**
 * A call of the published consumer module: `module "<id>"` with typed inputs, checked when
 * constructed. Plan addresses are `module.<id>.aws_vpc_endpoint.this`; two calls in one stack
 * need two IDs, as two `module` blocks do.
 */
export class KafkaPrivateLinkConsumer extends ModuleCall {
  constructor(scope: Construct, id: string, props: KafkaPrivateLinkConsumerProps) {
    super(scope, id, "KafkaPrivateLinkConsumer", props.source, consumerPropsProblems(props), consumerModuleInputs(props));
  }
}
