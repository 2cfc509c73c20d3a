import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { MAX_BROKERS, portPlanErrors } from "../modules/kafka-broker-ports/allocation";
import { INBOUND_RULES_PER_SECURITY_GROUP, SECURITY_GROUPS_PER_INTERFACE, securityGroupNameProblem } from "../modules/kafka-privatelink-consumer/rules";
import { providerAwsNames } from "../modules/kafka-privatelink-provider/rules";
import { awsNamesProblems, COVERS_EVERY_ADDRESS_RULE, coversEveryAddress, PRINCIPAL_ARN, ROLE_ARN } from "../modules/private/aws-rules";
import { fieldOf } from "./document";
import { ConfigError, ConfigProblem } from "./problems";
import { OCTET, privateIpv4Problem, ruleProblem, RULES } from "../modules/private/input-rules";
import { partitionOf } from "../modules/private/regions";
import { Config, configSchema, consumerResourceName, placeholderConsumer, SERVICE_NAME } from "./schema";

export { ConfigError } from "./problems";

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === "object" && Object.hasOwn(value, key) ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
}

const TYPE_NAMES: Record<string, string> = {
  object: "a mapping (key: value)",
  array: "a list",
  int: "an integer",
  string: "a string",
  number: "a number",
  boolean: "true or false",
};

/** Turns zod's issues into field/value/rule problems worded for the person editing the file. */
function schemaProblems(input: unknown, issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue): ConfigProblem[] => {
    const value = valueAt(input, issue.path);
    const field = fieldOf(issue.path);
    switch (issue.code) {
      case "unrecognized_keys":
        return issue.keys.map((key) => ({
          field: fieldOf([...issue.path, key]),
          value: valueAt(input, [...issue.path, key]),
          rule: "is not a known field (see the configuration reference in README.md)",
        }));
      case "invalid_type":
        if (typeof value === "number" && !Number.isFinite(value)) return [{ field, value, rule: "must be a finite number" }];
        // A fraction where an integer belongs: the field's own rule, which says which integers.
        if (typeof value === "number" && issue.expected === "int") return [{ field, value, rule: issue.message }];
        return [{ field, value, rule: value === undefined ? "is required" : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}` }];
      case "invalid_key":
        // The path ends with the key itself.
        return issue.issues.map((inner) => ({ field, value: issue.path.at(-1), rule: `as a key ${inner.message}` }));
      case "too_small":
        return [
          {
            field,
            value,
            rule: issue.origin === "array" ? `must list at least ${issue.minimum}` : issue.origin === "string" ? "must not be empty" : issue.message,
          },
        ];
      case "too_big":
        return [{ field, value, rule: issue.origin === "string" ? `must be at most ${issue.maximum} characters` : issue.message }];
      case "invalid_value":
        return [{ field, value, rule: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` }];
      default:
        return [{ field, value, rule: issue.message }];
    }
  });
}

const CIDR = new RegExp(`^(${OCTET}(?:\\.${OCTET}){3})/(3[0-2]|[12]?\\d)$`);

function cidrProblem(cidr: string, allowAnyCidr: boolean): string | undefined {
  const m = CIDR.exec(cidr);
  if (!m) {
    // The numbers written again without leading zeros: a CIDR block then, it had them.
    const numbers = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,3})$/.exec(cidr)?.slice(1).map(Number);
    const plain = numbers && `${numbers.slice(0, 4).join(".")}/${numbers[4]}`;
    return plain && CIDR.test(plain)
      ? `has leading zeros; write ${plain} (a leading 0 reads as octal in some tools)`
      : "must be an IPv4 CIDR block such as 10.20.0.0/16";
  }
  const prefix = Number(m[2]);
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== m[1]) {
    return `has host bits set; write the network address ${network}/${prefix}`;
  }
  if (prefix === 0 && !allowAnyCidr) {
    return "opens the bootstrap and broker ports to every address; list the client CIDRs, or set policy.allowAnyCidr: true to allow it";
  }
  return undefined;
}

/** Rules that span fields or need the defaults filled in: ports, regions, targets, principals, CIDRs. */
function crossFieldProblems(config: Config): ConfigProblem[] {
  const { cluster, consumers, policy } = config;
  const problems: ConfigProblem[] = [];
  // The rule when the value breaks it; undefined or false when it does not.
  const add = (field: string, value: unknown, rule: string | false | undefined) => {
    if (rule) problems.push({ field, value, rule });
  };
  const deniedRule = (region: string) =>
    policy.deniedRegions.includes(region) &&
    "is in policy.deniedRegions (PrivateLink for Kafka is not offered there by default); edit policy.deniedRegions to allow it";

  add("cluster.region", cluster.region, deniedRule(cluster.region));
  // The schema accepted only listed regions: each has its partition.
  const partition = partitionOf(cluster.region);
  const partitionRule = (arn: string, pattern: RegExp, region: string, regionField: string) => {
    const own = partitionOf(region);
    const given = pattern.exec(arn)?.[1];
    return (
      given !== undefined &&
      given !== own &&
      `is in partition "${given}", but ${regionField} ${region} is in partition "${own}"; IAM principals do not cross partitions`
    );
  };
  add(
    "cluster.assumeRoleArn",
    cluster.assumeRoleArn,
    cluster.assumeRoleArn && partitionRule(cluster.assumeRoleArn, ROLE_ARN, cluster.region, "cluster.region"),
  );

  for (const error of portPlanErrors({
    brokerIds: cluster.brokers.map((b) => b.id),
    bootstrapPort: cluster.bootstrapPort,
    brokerPortBase: cluster.brokerPortBase,
  })) {
    add(`cluster.${error.field}`, error.value, error.rule);
  }

  // A broker list over the NLB's limit is refused by its count alone (portPlanErrors): each
  // broker's checks wait until the list fits.
  const brokers = cluster.brokers.length > MAX_BROKERS ? [] : cluster.brokers;
  // Every AWS name the modules make from the cluster's name, against AWS's rule for it.
  const names = providerAwsNames({
    name: cluster.name,
    brokerIds: brokers.map((b) => b.id),
    brokerTargetPort: cluster.brokerTargetPort,
    targetType: cluster.targetType,
    alarms: cluster.alarms !== undefined,
  });
  for (const problem of awsNamesProblems(names)) add("cluster.name", cluster.name, problem);
  // The consumers' security groups are named <cluster>-<consumer>-kafka-<cidr>: a reserved prefix
  // there comes from the cluster's name. Without consumers yet, the placeholder of the cluster's
  // consumer example stands in: a name no consumer can have would otherwise surface only with the
  // first one, and renaming a cluster replaces its NLB.
  const sgProblem = (consumers.length > 0 ? consumers : [placeholderConsumer(cluster.region)])
    .map((c) => securityGroupNameProblem(consumerResourceName(cluster, c), c.allowedCidrs))
    .find((p) => p !== undefined);
  add("cluster.name", cluster.name, sgProblem && (consumers.length > 0 ? sgProblem : `${sgProblem} (the consumer example's; every consumer's would begin so)`));

  brokers.forEach((b, i) => {
    const field = `cluster.brokers[${i}].target`;
    if (cluster.targetType === "ip") {
      add(field, b.target, privateIpv4Problem(b.target));
    } else {
      const problem = ruleProblem(RULES.instanceId, b.target);
      if (problem !== undefined) add(field, b.target, `${problem} (targetType instance)`);
    }
  });
  const targets = new Map<string, number>();
  brokers.forEach((b, i) => {
    const first = targets.get(b.target);
    add(`cluster.brokers[${i}].target`, b.target, first !== undefined && `is also the target of cluster.brokers[${first}]; each broker needs its own target`);
    targets.set(b.target, i);
  });

  add(
    "cluster.acceptEndpoints[0]",
    cluster.acceptEndpoints[0],
    cluster.acceptEndpoints.length > 0 &&
      !cluster.acceptanceRequired &&
      "cannot be accepted: cluster.acceptanceRequired is false, so every connection is accepted without approval; remove cluster.acceptEndpoints or set acceptanceRequired: true",
  );

  const topics = new Set<string>();
  cluster.alarms?.actions.forEach((arn, i) => {
    const field = `cluster.alarms.actions[${i}]`;
    const topicRegion = arn.split(":")[3];
    // CloudWatch only notifies SNS topics in the alarm's own region.
    add(
      field,
      arn,
      topicRegion !== cluster.region &&
        `is a topic in ${topicRegion}; the alarms are in cluster.region "${cluster.region}" and CloudWatch only notifies topics in its own region`,
    );
    add(field, arn, topics.has(arn) && "is listed twice");
    topics.add(arn);
  });

  const principals = new Set<string>();
  cluster.allowedPrincipals.forEach((p, i) => {
    const field = `cluster.allowedPrincipals[${i}]`;
    add(
      field,
      p,
      p === "*" && !policy.allowAnyPrincipal && "lets every AWS account connect; list the principals, or set policy.allowAnyPrincipal: true to allow it",
    );
    if (p !== "*") add(field, p, partitionRule(p, PRINCIPAL_ARN, cluster.region, "cluster.region"));
    add(field, p, principals.has(p) && "is listed twice");
    principals.add(p);
  });

  const consumerNames = new Map<string, number>();
  const vpcs = new Map<string, number>();
  const zones = new Map<string, number>();
  consumers.forEach((c, i) => {
    const at = `consumers[${i}]`;
    const first = consumerNames.get(c.name);
    add(`${at}.name`, c.name, first !== undefined && `is also the name of consumers[${first}]; each consumer becomes its own stack and needs a unique name`);
    consumerNames.set(c.name, i);
    add(`${at}.region`, c.region, deniedRule(c.region));
    const consumerPartition = partitionOf(c.region);
    if (consumerPartition !== partition) {
      add(
        `${at}.region`,
        c.region,
        `is in partition "${consumerPartition}", but cluster.region ${cluster.region} is in "${partition}"; PrivateLink does not cross partitions`,
      );
    } else if (c.region !== cluster.region && !policy.allowCrossRegion) {
      add(
        `${at}.region`,
        c.region,
        `differs from cluster.region "${cluster.region}"; cross-region PrivateLink is off by default: set policy.allowCrossRegion: true to allow it`,
      );
    }
    add(`${at}.assumeRoleArn`, c.assumeRoleArn, c.assumeRoleArn && partitionRule(c.assumeRoleArn, ROLE_ARN, c.region, `${at}.region`));
    const serviceRegion = c.serviceName === undefined ? undefined : SERVICE_NAME.exec(c.serviceName)?.[1];
    add(
      `${at}.serviceName`,
      c.serviceName,
      serviceRegion !== undefined &&
        serviceRegion !== cluster.region &&
        `names a service in region ${serviceRegion}, but the cluster's endpoint service is in cluster.region ${cluster.region}; use the provider stack's output endpoint_service_name`,
    );
    const sameVpc = vpcs.get(`${c.region}/${c.vpcId}`);
    add(
      `${at}.vpcId`,
      c.vpcId,
      sameVpc !== undefined &&
        `is also the VPC of consumers[${sameVpc}]; a VPC resolves ${cluster.advertisedHostname} through one private zone and one record, so a second consumer there fails at apply (a second zone: ConflictingDomainExists; a shared zone: the record exists): list both CIDR sets in one consumer`,
    );
    vpcs.set(`${c.region}/${c.vpcId}`, i);
    // A zone is global: consumers in different VPCs that share one each write its record for the hostname.
    const sameZone = c.hostedZoneId === undefined ? undefined : zones.get(c.hostedZoneId);
    add(
      `${at}.hostedZoneId`,
      c.hostedZoneId,
      sameZone !== undefined &&
        sameVpc === undefined &&
        `is also the zone of consumers[${sameZone}]; each consumer writes the record for ${cluster.advertisedHostname} into its zone, so the second fails at apply (the record exists): give each consumer its own zone, or leave hostedZoneId out to create one`,
    );
    if (c.hostedZoneId !== undefined) zones.set(c.hostedZoneId, i);
    add(
      `${at}.allowedCidrs`,
      c.allowedCidrs,
      c.allowedCidrs.length > SECURITY_GROUPS_PER_INTERFACE &&
        `holds more than ${SECURITY_GROUPS_PER_INTERFACE} CIDR blocks; each gets its own security group on the endpoint (1 + one rule per broker, within AWS's ${INBOUND_RULES_PER_SECURITY_GROUP} inbound rules per security group), and AWS allows ${SECURITY_GROUPS_PER_INTERFACE} security groups per network interface by default (quota "Security groups per network interface"): list a wider block that covers several`,
    );
    c.allowedCidrs.forEach((cidr, j) => add(`${at}.allowedCidrs[${j}]`, cidr, cidrProblem(cidr, policy.allowAnyCidr)));
    add(
      `${at}.allowedCidrs`,
      c.allowedCidrs,
      !policy.allowAnyCidr &&
        !c.allowedCidrs.includes("0.0.0.0/0") &&
        coversEveryAddress(c.allowedCidrs) &&
        `${COVERS_EVERY_ADDRESS_RULE}; list the client CIDRs, or set policy.allowAnyCidr: true to allow it`,
    );
    const seen = new Set<string>();
    c.allowedCidrs.forEach((cidr, j) => {
      add(`${at}.allowedCidrs[${j}]`, cidr, seen.has(cidr) && "is listed twice");
      seen.add(cidr);
    });
  });
  return problems;
}

/** A copy of the input without the keys the schema does not know, so the other rules can still be checked. */
function withoutUnknownKeys(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(input);
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const parent = valueAt(copy, issue.path);
    if (parent !== null && typeof parent === "object") for (const key of issue.keys) delete (parent as Record<string, unknown>)[key];
  }
  return copy;
}

/**
 * Validates a parsed configuration document and fills in the defaults. Throws a `ConfigError`
 * listing every problem; `source` names the file in the message. An unknown key does not hide the
 * other problems: they are checked as if it were not there.
 */
export function validateConfig(input: unknown, source = "configuration"): Config {
  const parsed = configSchema.safeParse(input);
  if (parsed.success) {
    const problems = crossFieldProblems(parsed.data);
    if (problems.length > 0) throw new ConfigError(source, problems);
    return parsed.data;
  }
  const problems = schemaProblems(input, parsed.error.issues);
  if (parsed.error.issues.every((i) => i.code === "unrecognized_keys")) {
    const known = configSchema.safeParse(withoutUnknownKeys(input, parsed.error.issues));
    if (known.success) problems.push(...crossFieldProblems(known.data));
  }
  throw new ConfigError(source, problems);
}
