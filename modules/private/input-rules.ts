/**
 * The rules on single values that both the configuration (config/schema.ts, zod) and the modules'
 * variable validations (Terraform, at plan time) apply, each written once with its words: a
 * pattern (read alike by JavaScript and Terraform's RE2), an integer range, or a set of values.
 * Where a pattern cannot say the rule, the TypeScript check and the Terraform condition stand side
 * by side (the private address below; names, tags, principals and CIDR coverage in aws-rules.ts;
 * ports in kafka-broker-ports/allocation.ts). The shared table of validation cases
 * (__tests__/support/validation-cases.ts) runs each case through both layers.
 */
import * as ipaddr from "ipaddr.js";
import { MAX_PORT, MIN_PORT } from "../kafka-broker-ports/allocation";
import { SECURITY_PROTOCOLS } from "../kafka-broker-ports/kafka-config";
import { isReservedInEverySubnet, RESERVED_TARGET_RULE, tfString } from "./aws-rules";

export interface PatternRule {
  readonly kind: "pattern";
  readonly pattern: string;
  readonly maxLength?: number;
  readonly rule: string;
}
export interface RangeRule {
  readonly kind: "range";
  readonly min: number;
  readonly max: number;
  readonly rule: string;
}
export interface OneOfRule<T extends string = string> {
  readonly kind: "oneOf";
  readonly values: readonly [T, ...T[]];
  readonly rule: string;
}
export type InputRule = PatternRule | RangeRule | OneOfRule;

const pattern = (p: string, rule: string, maxLength?: number): PatternRule => ({ kind: "pattern", pattern: p, rule, maxLength });
const range = (min: number, max: number, why = ""): RangeRule => ({ kind: "range", min, max, rule: `must be an integer from ${min} to ${max}${why}` });
const oneOf = <T extends string>(values: readonly [T, ...T[]]): OneOfRule<T> => ({ kind: "oneOf", values, rule: `must be one of ${values.join(", ")}` });

/** A name prefix of at most `max` characters: the AWS names made from it have limits of their own (`why`). */
export const namePrefix = (max: number, why = "") =>
  pattern(`^[a-z](?:[a-z0-9-]{0,${max - 2}}[a-z0-9])?$`, `must be 1-${max} characters of a-z, 0-9 and '-', start with a letter and not end with '-'${why}`);

export const RULES = {
  hostname: pattern(
    "^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    "must be a lower-case DNS name with at least two labels, such as orders.kafka.example.internal",
    253,
  ),
  listenerName: pattern("^[A-Z][A-Z0-9_]{0,31}$", "must be an upper-case Kafka listener name such as PRIVATELINK"),
  vpcId: pattern("^vpc-[0-9a-f]{8,17}$", "must be a VPC ID such as vpc-0a1b2c3d4e5f60718"),
  subnetId: pattern("^subnet-[0-9a-f]{8,17}$", "must be a subnet ID such as subnet-0a1b2c3d4e5f60718"),
  instanceId: pattern("^i-[0-9a-f]{8,17}$", "must be an EC2 instance ID such as i-0123456789abcdef0"),
  endpointId: pattern("^vpce-[0-9a-f]{8,17}$", "must be an interface endpoint ID such as vpce-0123456789abcdef0"),
  serviceName: pattern(
    "^com\\.amazonaws\\.vpce\\.([a-z0-9-]+)\\.vpce-svc-[0-9a-f]{8,17}$",
    "must be a VPC endpoint service name such as com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
  ),
  hostedZoneId: pattern("^Z[A-Z0-9]{1,31}$", "must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ"),
  snsTopicArn: pattern(
    "^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$",
    "must be an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:kafka-oncall",
  ),
  tcpIdleTimeoutSeconds: range(60, 6000, " (NLB TCP listener idle timeout)"),
  deregistrationDelaySeconds: range(0, 3600),
  brokerTargetPort: range(1, MAX_PORT),
  bootstrapPort: range(MIN_PORT, MAX_PORT),
  brokerPortBase: range(0, MAX_PORT),
  targetType: oneOf(["ip", "instance"]),
  securityProtocol: oneOf(SECURITY_PROTOCOLS),
} as const;

/** The TypeScript check: undefined when `value` keeps the rule, else the rule's words. */
export function ruleProblem(rule: InputRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case "pattern":
      return typeof value === "string" && new RegExp(rule.pattern).test(value) && value.length <= (rule.maxLength ?? Infinity) ? undefined : rule.rule;
    case "range":
      return Number.isInteger(value) && (value as number) >= rule.min && (value as number) <= rule.max ? undefined : rule.rule;
    case "oneOf":
      return rule.values.includes(value as string) ? undefined : rule.rule;
  }
}

/** The same check as a Terraform condition on `value`, an expression. */
export function ruleCondition(rule: InputRule, value: string): string {
  switch (rule.kind) {
    case "pattern":
      return `${rule.maxLength === undefined ? "" : `length(${value}) <= ${rule.maxLength} && `}can(regex(${tfString(rule.pattern)}, ${value}))`;
    case "range":
      return `floor(${value}) == ${value} && ${value} >= ${rule.min} && ${value} <= ${rule.max}`;
    case "oneOf":
      return `contains([${rule.values.map(tfString).join(", ")}], ${value})`;
  }
}

/** A Terraform validation of one value: `<label>: <value> <rule>.` */
export function ruleValidation(rule: InputRule, label: string, value: string): { condition: string; errorMessage: string } {
  const shown = rule.kind === "range" ? `\${${value}}` : `\${jsonencode(${value})}`;
  return { condition: `\${${ruleCondition(rule, value)}}`, errorMessage: `${label}: ${shown} ${rule.rule}.` };
}

/** A Terraform validation of every element of a list: names the elements that break the rule. */
export function eachValidation(rule: InputRule, label: string, list: string): { condition: string; errorMessage: string } {
  const kept = ruleCondition(rule, "e");
  return {
    condition: `\${alltrue([for e in ${list} : ${kept}])}`,
    errorMessage: `${label}: \${join(", ", [for e in ${list} : jsonencode(e) if !(${kept})])} ${rule.rule.replace(/^must be /, "is not ")}.`,
  };
}

/** The rule that a list has at least `min` elements (`item` names one). */
export const minItemsRule = (min: number, item: string) => `must list at least ${min === 1 ? "one" : min} ${item}${min === 1 ? "" : "s"}`;

/** The same as a Terraform validation of `list`. */
export const minItemsValidation = (label: string, list: string, min: number, item: string) => ({
  condition: `\${length(${list}) >= ${min}}`,
  errorMessage: `${label} ${minItemsRule(min, item)}.`,
});

/** A Terraform validation that `list` has no element twice: names the elements that are. */
export const uniqueValidation = (label: string, list: string) => ({
  condition: `\${length(distinct(${list})) == length(${list})}`,
  errorMessage: `${label}: \${join(", ", distinct([for e in ${list} : e if length([for o in ${list} : o if o == e]) > 1]))} is listed more than once.`,
});

// ---------------------------------------------------------------------------------------------
// A broker's private address (target type ip): the pair, side by side.

export const PRIVATE_RANGES = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10";
/** A decimal octet without leading zeros. */
export const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

export function privateIpv4Problem(target: string): string | undefined {
  // Dotted decimal without leading zeros: other tools read `010` as octal (8), ipaddr.js's parse() among them.
  if (!ipaddr.IPv4.isValidFourPartDecimal(target)) {
    return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(target) && target.split(".").every((o) => Number(o) <= 255)
      ? `has leading zeros; write ${target.split(".").map(Number).join(".")} (a leading 0 reads as octal in some tools)`
      : "must be an IPv4 address (targetType ip)";
  }
  const kind = ipaddr.IPv4.parse(target).range();
  if (kind !== "private" && kind !== "carrierGradeNat")
    return `is not a private address (${PRIVATE_RANGES}); PrivateLink for Kafka needs a private-network cluster`;
  return isReservedInEverySubnet(target) ? RESERVED_TARGET_RULE : undefined;
}

/** The Terraform condition for `ip` (reserved addresses are aws-rules.ts `reservedTargetCondition`). */
export const privateIpv4Condition = (ip: string) =>
  `can(regex(${tfString("^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.)")}, ${ip})) && try(cidrhost("\${${ip}}/32", 0) == ${ip}, false)`;
