/**
 * What the consumer module, its typed call and the configuration validator share, without cdktf:
 * AWS's quotas on the endpoint's security groups and the names the module gives them.
 */
import { awsNameProblem, SECURITY_GROUP_NAME } from "../private/aws-rules";

/** The folder name of the published module, beside the other two. */
export const CONSUMER_MODULE = "kafka-privatelink-consumer";

/**
 * AWS's default quotas the endpoint's security groups must fit: "security groups per network
 * interface" (5) and "inbound rules per security group" (60), both adjustable only by a quota
 * request that an apply cannot count on. With one group per client CIDR, the groups per interface
 * bound the CIDRs per consumer; each group's 1 + 49 rules fit the rule quota.
 */
export const SECURITY_GROUPS_PER_INTERFACE = 5;
export const INBOUND_RULES_PER_SECURITY_GROUP = 60;

/** The name of the endpoint's security group for one client CIDR: main.tf.json and the checks before it derive it with this. */
export const securityGroupName = (name: string, cidr: string) => `${name}-kafka-${cidr}`;

/** The first security group name that breaks AWS's rule, as the words after the name prefix in a problem; undefined when all keep it. */
export const securityGroupNameProblem = (name: string, cidrs: readonly string[]) =>
  cidrs.map((cidr) => awsNameProblem(SECURITY_GROUP_NAME, securityGroupName(name, cidr))).find((p) => p !== undefined);
