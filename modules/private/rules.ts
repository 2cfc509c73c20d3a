/**
 * Validation rules that more than one module applies to its inputs, as Terraform expressions
 * (`label` names the input in the message, `value` is the expression that holds it).
 */
import { TerraformLocal, TerraformStack, TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { AwsNameRule, awsNameCondition, awsNameRuleWords, MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS, MODULE_TAGS, tagsValidations } from "./aws-rules";
import { namePrefix, ruleCondition, RULES, ruleValidation } from "./input-rules";
import { moduleVariable } from "./variables";

export interface NameRule {
  readonly description: string;
  readonly rule: { condition: string; errorMessage: string };
}

/** `max` characters of a-z, 0-9 and '-': the name prefixes AWS names with their own limits. */
export function nameRule(max: number, why: string): NameRule {
  const rule = namePrefix(max);
  return {
    description: `Prefix of the AWS resource names (1-${max} characters of a-z, 0-9, '-').`,
    rule: { condition: `\${${ruleCondition(rule, "var.name")}}`, errorMessage: `name: "\${var.name}" ${rule.rule}${why}.` },
  };
}

/** A validation that `name` (a Terraform string expression built from the module's inputs) keeps AWS's rule for such names. */
export function derivedNameRule(rule: AwsNameRule, name: string, label: string): TerraformVariableValidationConfig {
  return {
    condition: `\${${awsNameCondition(rule, name)}}`,
    errorMessage: `${label} makes the ${rule.what} name \${jsonencode(${name})}, which breaks ${awsNameRuleWords(rule)}.`,
  };
}

export const hostnameRule = (label: string, value: string) => ruleValidation(RULES.hostname, label, value);
export const idleTimeoutRule = (label: string, value: string) => ruleValidation(RULES.tcpIdleTimeoutSeconds, label, value);
export const protocolRule = (label: string, value: string) => ruleValidation(RULES.securityProtocol, label, value);

/**
 * A module's `name` written out (where the configuration shapes it). `derivedNames`: validations
 * that check the AWS names the module makes from it against AWS's rules for them (aws-rules.ts).
 */
export function nameVariable(stack: TerraformStack, name: NameRule, derivedNames: readonly TerraformVariableValidationConfig[] = []): TerraformVariable {
  return moduleVariable(stack, "name", { type: "string", description: name.description, validation: [name.rule, ...derivedNames] });
}

/** The `tags` input every module with AWS resources takes. */
export function tagsVariable(stack: TerraformStack): TerraformVariable {
  return moduleVariable(stack, "tags", {
    type: "map(string)",
    description: `Tags for every resource that takes tags: at most ${MAX_TAGS - MODULE_TAGS}, keys of 1-${MAX_TAG_KEY} and values of 0-${MAX_TAG_VALUE} characters (letters, digits, spaces and _ . : / = + - @), no key beginning with aws:.`,
    default: {},
    validation: tagsValidations("var.tags"),
  });
}

/**
 * The tags every taggable resource gets: null when none are given, as the stacks of 0.1 wrote no
 * `tags` at all. Some resources (`aws_vpc_security_group_ingress_rule`) would plan `{}` against a
 * null in the state as an update, and moving a deployment into the module must change nothing.
 */
export function resourceTags(stack: TerraformStack, tags: TerraformVariable): Record<string, string> {
  const local = new TerraformLocal(stack, "tags-local", `\${length(var.${tags.friendlyUniqueId}) > 0 ? var.${tags.friendlyUniqueId} : null}`);
  local.overrideLogicalId("tags");
  return local.asStringMap;
}
