/**
 * What the provider module, its typed call and the configuration validator share, without cdktf:
 * the AWS names the module makes from its inputs (its defaults are the input specs', inputs.ts).
 */
import { ALARM_NAME, AwsNameRule, LOAD_BALANCER_NAME, TARGET_GROUP_NAME } from "../private/aws-rules";

/** The folder name of the published module, beside the other two. */
export const PROVIDER_MODULE = "kafka-privatelink-provider";

/**
 * The AWS names the module makes from its inputs: main.tf.json spells its names with these, and
 * the checks before it (the configuration validator, the call's props) derive the same names.
 */
export const loadBalancerName = (name: string) => `${name}-nlb`;
/** A target group name carries what replaces the group (target port and type), so old and new never clash. */
export const targetGroupName = (name: string, group: string, suffix: string) => `${name}-${group}-${suffix}`;
export const BOOTSTRAP_GROUP = "boot";
export const brokerGroup = (id: string | number) => `b${id}`;
export const bootstrapAlarmName = (name: string) => `${name}-bootstrap-unhealthy`;
export const brokerAlarmName = (name: string, id: string | number) => `${name}-broker-${id}-unhealthy`;

/** What the module's AWS names are made of. */
export interface NameInputs {
  readonly name: string;
  readonly brokerIds: ReadonlyArray<string | number>;
  readonly brokerTargetPort: number;
  readonly targetType: string;
  readonly alarms: boolean;
}

/** Every AWS name the module makes from these inputs, with AWS's rule for it. */
export function providerAwsNames(i: NameInputs): Array<{ rule: AwsNameRule; name: string }> {
  const suffix = `${i.brokerTargetPort}${i.targetType === "instance" ? "i" : ""}`;
  return [
    { rule: LOAD_BALANCER_NAME, name: loadBalancerName(i.name) },
    { rule: TARGET_GROUP_NAME, name: targetGroupName(i.name, BOOTSTRAP_GROUP, suffix) },
    ...i.brokerIds.map((id) => ({ rule: TARGET_GROUP_NAME, name: targetGroupName(i.name, brokerGroup(id), suffix) })),
    ...(i.alarms
      ? [{ rule: ALARM_NAME, name: bootstrapAlarmName(i.name) }, ...i.brokerIds.map((id) => ({ rule: ALARM_NAME, name: brokerAlarmName(i.name, id) }))]
      : []),
  ];
}
