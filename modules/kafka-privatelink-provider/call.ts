import { Token } from "cdktf";
import { Construct } from "constructs";
import { BROKER_ID, portPlanErrors } from "../kafka-broker-ports/allocation";
import { awsNamesProblems, isReservedInEverySubnet, PRINCIPAL_ARN, PRINCIPAL_RULE, RESERVED_TARGET_RULE, tagsProblems } from "../private/aws-rules";
import { providerAwsNames } from "./rules";
import { PROVIDER_INPUTS } from "./inputs";
import { specProblems, SpecProps } from "../private/input-spec";
import { REGION_DATA, REGION_PARTITIONS } from "../private/regions";
import { ModuleCall, moduleInputs, portRuleProblems, requiredProblems } from "../private/module-call";

export interface BrokerTarget {
  /** A private IPv4 address (targetType ip) or an EC2 instance ID (targetType instance). */
  readonly target: string;
}

/** The props of the inputs the configuration passes as they are: one spec each, in inputs.ts. */
export interface KafkaPrivateLinkProviderProps extends SpecProps<typeof PROVIDER_INPUTS> {
  /** Where the module folder is, as Terraform takes a module source (relative to the calling stack's folder). */
  readonly source: string;
  /** Broker ID (as a string: Terraform map keys are strings) → its target. */
  readonly brokers: Record<string, BrokerTarget>;
  /** IAM principals allowed to create endpoints to the service. */
  readonly allowedPrincipals: string[];
  /** Port of the listener that forwards to any healthy broker. @default 9091 */
  readonly bootstrapPort?: number;
  /** Broker port = brokerPortBase + broker ID. @default 6000 */
  readonly brokerPortBase?: number;
  /** Allow "*" in allowedPrincipals. @default false */
  readonly allowAnyPrincipal?: boolean;
  /** Other regions whose VPCs may connect (cross-region PrivateLink). @default [] (same region only) */
  readonly supportedRegions?: string[];
  /** Health alarms notifying these SNS topics. @default none */
  readonly alarms?: { readonly actions: string[] };
  /** @default {} */
  readonly tags?: Record<string, string>;
}

/** Every problem of the props, one line each (field, value, rule); the port rule is allocation.ts's. */
function providerPropsProblems(props: KafkaPrivateLinkProviderProps): string[] {
  const problems = [...requiredProblems(props, ["source"], ["allowedPrincipals"]), ...specProblems(PROVIDER_INPUTS, props, (v) => Token.isUnresolved(v))];
  const brokers = props.brokers ?? {};
  const keys = Object.keys(brokers);
  const targetType = props.targetType ?? PROVIDER_INPUTS.targetType.default;
  // An unset port takes the module's default, in portPlanErrors as in the module.
  const errors = portPlanErrors({
    brokerIds: keys.filter((k) => BROKER_ID.test(k)).map(Number),
    bootstrapPort: props.bootstrapPort,
    brokerPortBase: props.brokerPortBase,
  });
  problems.push(
    ...keys.filter((k) => !BROKER_ID.test(k)).map((k) => `brokers: key ${JSON.stringify(k)} is not a broker ID (a non-negative integer without leading zeros)`),
    ...keys
      .filter((k) => typeof brokers[k]?.target !== "string" || brokers[k].target.length === 0)
      .map((k) => `brokers["${k}"].target: ${JSON.stringify(brokers[k]?.target)} must be a non-empty string`),
    ...portRuleProblems(errors),
  );
  if (typeof props.name === "string" && props.name.length > 0 && !Token.isUnresolved(props.name)) {
    const names = providerAwsNames({
      name: props.name,
      brokerIds: keys,
      brokerTargetPort: props.brokerTargetPort ?? PROVIDER_INPUTS.brokerTargetPort.default,
      targetType,
      alarms: props.alarms !== undefined,
    });
    problems.push(...awsNamesProblems(names).map((p) => `name: ${JSON.stringify(props.name)} ${p}`));
  }
  if (targetType === "ip") {
    const reserved = (t: unknown) => typeof t === "string" && !Token.isUnresolved(t) && /^\d{1,3}(?:\.\d{1,3}){3}$/.test(t) && isReservedInEverySubnet(t);
    problems.push(
      ...keys.filter((k) => reserved(brokers[k]?.target)).map((k) => `brokers["${k}"].target: ${JSON.stringify(brokers[k].target)} ${RESERVED_TARGET_RULE}`),
    );
  }
  (Array.isArray(props.allowedPrincipals) ? props.allowedPrincipals : []).forEach((p, i) => {
    if (typeof p !== "string" || Token.isUnresolved(p)) return;
    if (p === "*" ? !props.allowAnyPrincipal : !PRINCIPAL_ARN.test(p)) {
      problems.push(
        `allowedPrincipals[${i}]: ${JSON.stringify(p)} ${p === "*" ? "lets every AWS account connect; set allowAnyPrincipal: true to allow it" : PRINCIPAL_RULE}`,
      );
    }
  });
  (props.supportedRegions ?? []).forEach((r, i) => {
    if (typeof r === "string" && !Token.isUnresolved(r) && !Object.hasOwn(REGION_PARTITIONS, r)) {
      problems.push(`supportedRegions[${i}]: ${JSON.stringify(r)} is not an AWS region (known regions: ${REGION_DATA})`);
    }
  });
  if (props.tags !== undefined && !Token.isUnresolved(props.tags)) problems.push(...tagsProblems("tags", props.tags));
  return problems;
}

/** The module's input variables (snake_case, as in the module's variables.tf.json) for these props. */
export const providerModuleInputs = (props: Omit<KafkaPrivateLinkProviderProps, "source">) => moduleInputs(props, new Set(["brokers", "tags"]));

/**
 * A call of the published provider module: `module "<id>"` with typed inputs, checked when
 * constructed. Plan addresses are `module.<id>.aws_lb_listener.broker["3"]`; two calls in one
 * stack need two IDs, as two `module` blocks do.
 */
export class KafkaPrivateLinkProvider extends ModuleCall {
  constructor(scope: Construct, id: string, props: KafkaPrivateLinkProviderProps) {
    super(scope, id, "KafkaPrivateLinkProvider", props.source, providerPropsProblems(props), providerModuleInputs(props));
  }

  /** Output `endpoint_service_name`: the service consumers connect to. */
  get endpointServiceName(): string {
    return this.getString("endpoint_service_name");
  }
}
