import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { portPlanErrors } from "../modules/broker-ports/allocation";
import { Config, configSchema } from "./schema";

/** One violated rule: the field (a path such as `cluster.brokers[2].target`), its value and the rule. */
export interface ConfigProblem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(
      `${source}: invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"})\n` +
        problems.map((p) => `  ${describeProblem(p)}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

export function describeProblem({ field, value, rule }: ConfigProblem): string {
  const shown = value === undefined ? "(missing)" : JSON.stringify(value);
  return `${field}: ${shown} ${rule}`;
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined), input);
}

/** Turns zod's issues into field/value/rule problems worded for the person editing the file. */
function schemaProblems(input: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const value = valueAt(input, issue.path);
    const field = fieldPath(issue.path);
    switch (issue.code) {
      case "unrecognized_keys":
        return issue.keys.map((key) => ({
          field: fieldPath([...issue.path, key]),
          value: valueAt(input, [...issue.path, key]),
          rule: "is not a known field (see the configuration reference in README.md)",
        }));
      case "invalid_type":
        return [{ field, value, rule: value === undefined ? "is required" : `must be ${issue.expected === "int" ? "an integer" : `a${/^[aeiou]/.test(issue.expected) ? "n" : ""} ${issue.expected}`}` }];
      case "too_small":
        return [{ field, value, rule: issue.origin === "array" ? `must list at least ${issue.minimum}` : issue.origin === "string" ? "must not be empty" : issue.message }];
      case "too_big":
        return [{ field, value, rule: issue.origin === "string" ? `must be at most ${issue.maximum} characters` : issue.message }];
      case "invalid_value":
        return [{ field, value, rule: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
      default:
        return [{ field, value, rule: issue.message }];
    }
  });
}

const PRIVATE_RANGES = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10";

function privateIpv4Problem(target: string): string | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(target)) {
    return "must be an IPv4 address (targetType ip)";
  }
  const range = ipaddr.IPv4.parse(target).range();
  return range === "private" || range === "carrierGradeNat"
    ? undefined
    : `is not a private address (${PRIVATE_RANGES}); PrivateLink for Kafka needs a private-network cluster`;
}

function cidrProblem(cidr: string, allowAnyCidr: boolean): string | undefined {
  if (!ipaddr.IPv4.isValidCIDR(cidr) || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) {
    return "must be an IPv4 CIDR block such as 10.20.0.0/16";
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (`${network}/${cidr.split("/")[1]}` !== cidr) {
    return `has host bits set; write the network address ${network}/${cidr.split("/")[1]}`;
  }
  if (cidr === "0.0.0.0/0" && !allowAnyCidr) {
    return "opens the bootstrap and broker ports to every address; list the client CIDRs, or set policy.allowAnyCidr: true to allow it";
  }
  return undefined;
}

/** Rules that span fields or need the defaults filled in: ports, regions, targets, principals, CIDRs. */
function crossFieldProblems(config: Config): ConfigProblem[] {
  const { cluster, consumers, policy } = config;
  const problems: ConfigProblem[] = [];
  const add = (field: string, value: unknown, rule: string | undefined) => {
    if (rule) problems.push({ field, value, rule });
  };
  const deniedRule = (region: string) =>
    policy.deniedRegions.includes(region)
      ? "is in policy.deniedRegions (PrivateLink for Kafka is not offered there by default); edit policy.deniedRegions to allow it"
      : undefined;

  add("cluster.region", cluster.region, deniedRule(cluster.region));

  for (const error of portPlanErrors({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  })) {
    add(`cluster.${error.field}`, error.value, error.rule);
  }

  const longestGroup = `${cluster.name}-b${Math.max(...cluster.brokers.map((b) => b.id))}-${cluster.brokerTargetPort}${cluster.targetType === "instance" ? "i" : ""}`;
  if (longestGroup.length > 32) {
    add("cluster.name", cluster.name, `makes the target group name "${longestGroup}" ${longestGroup.length} characters long; AWS allows 32: use a shorter name`);
  }

  cluster.brokers.forEach((b, i) => {
    const field = `cluster.brokers[${i}].target`;
    if (cluster.targetType === "ip") {
      add(field, b.target, privateIpv4Problem(b.target));
    } else if (!/^i-[0-9a-f]{8,17}$/.test(b.target)) {
      add(field, b.target, "must be an EC2 instance ID such as i-0123456789abcdef0 (targetType instance)");
    }
  });
  const targets = new Map<string, number>();
  cluster.brokers.forEach((b, i) => {
    const first = targets.get(b.target);
    if (first !== undefined) {
      add(`cluster.brokers[${i}].target`, b.target, `is also the target of cluster.brokers[${first}]; each broker needs its own target`);
    }
    targets.set(b.target, i);
  });

  const endpoints = new Set<string>();
  cluster.acceptEndpoints.forEach((id, i) => {
    const field = `cluster.acceptEndpoints[${i}]`;
    add(field, id, endpoints.has(id) ? "is listed twice" : undefined);
    endpoints.add(id);
    if (i === 0 && !cluster.acceptanceRequired) {
      add(field, id, "cannot be accepted: cluster.acceptanceRequired is false, so every connection is accepted without approval; remove cluster.acceptEndpoints or set acceptanceRequired: true");
    }
  });

  const topics = new Set<string>();
  cluster.alarms?.actions.forEach((arn, i) => {
    const field = `cluster.alarms.actions[${i}]`;
    const topicRegion = arn.split(":")[3];
    // CloudWatch only notifies SNS topics in the alarm's own region.
    add(field, arn, topicRegion === cluster.region ? undefined : `is a topic in ${topicRegion}; the alarms are in cluster.region "${cluster.region}" and CloudWatch only notifies topics in its own region`);
    add(field, arn, topics.has(arn) ? "is listed twice" : undefined);
    topics.add(arn);
  });

  cluster.allowedPrincipals.forEach((p, i) => {
    if (p === "*" && !policy.allowAnyPrincipal) {
      add(`cluster.allowedPrincipals[${i}]`, p, "lets every AWS account connect; list the principals, or set policy.allowAnyPrincipal: true to allow it");
    }
  });

  const names = new Map<string, number>();
  consumers.forEach((c, i) => {
    const at = `consumers[${i}]`;
    const first = names.get(c.name);
    add(`${at}.name`, c.name, first === undefined ? undefined : `is also the name of consumers[${first}]; each consumer becomes its own stack and needs a unique name`);
    names.set(c.name, i);
    add(`${at}.region`, c.region, deniedRule(c.region));
    if (c.region !== cluster.region && !policy.allowCrossRegion) {
      add(
        `${at}.region`,
        c.region,
        `differs from cluster.region "${cluster.region}"; cross-region PrivateLink is off by default: set policy.allowCrossRegion: true to allow it`,
      );
    }
    c.allowedCidrs.forEach((cidr, j) => add(`${at}.allowedCidrs[${j}]`, cidr, cidrProblem(cidr, policy.allowAnyCidr)));
    const seen = new Set<string>();
    c.allowedCidrs.forEach((cidr, j) => {
      add(`${at}.allowedCidrs[${j}]`, cidr, seen.has(cidr) ? "is listed twice" : undefined);
      seen.add(cidr);
    });
  });
  return problems;
}

/**
 * Validates a parsed configuration document and fills in the defaults. Throws a `ConfigError`
 * listing every problem; `source` names the file in the message.
 */
export function validateConfig(input: unknown, source = "configuration"): Config {
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(source, schemaProblems(input, parsed.error.issues));
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) {
    throw new ConfigError(source, problems);
  }
  return parsed.data;
}
