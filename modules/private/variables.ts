import { TerraformOutput, TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";
import { eachValidation, minItemsValidation, ruleCondition, ruleValidation, uniqueValidation } from "./input-rules";
import { InputSpec, snakeCase } from "./input-spec";

export interface VariableSpec {
  readonly type: string;
  readonly description: string;
  /** Leave out for a required variable. `null` makes an optional variable whose default is null. */
  readonly default?: unknown;
  readonly validation?: TerraformVariableValidationConfig[];
}

/**
 * A module input, named exactly `name` in the Terraform (the module's public interface), always
 * typed and described.
 */
export function moduleVariable(scope: Construct, name: string, spec: VariableSpec): TerraformVariable {
  const variable = new TerraformVariable(scope, name, {
    type: spec.type,
    description: spec.description,
    // cdktf cannot render a null default; it is set below.
    default: spec.default === null ? undefined : spec.default,
    // Only a variable whose default is null takes null; elsewhere null would skip the validations.
    nullable: spec.default === null,
    validation: spec.validation,
  });
  variable.overrideLogicalId(name);
  if (spec.default === null) variable.addOverride("default", null);
  return variable;
}

/**
 * The variable of an input spec (input-spec.ts): its name in snake_case, its type, description
 * and default, and a validation of its rule (of each element, for a list) before `more`.
 */
function specVariable(scope: Construct, key: string, spec: InputSpec, more: TerraformVariableValidationConfig[] = []): TerraformVariable {
  const name = snakeCase(key);
  const value = `var.${name}`;
  const rule = spec.rule === undefined ? [] : [spec.type === "list(string)" ? eachValidation(spec.rule, name, value) : ruleValidation(spec.rule, name, value)];
  // A null default: null means unset, and Terraform's || evaluates both sides.
  if (spec.rule !== undefined && spec.default === null)
    rule[0] = { ...rule[0], condition: `\${${value} == null || try(${ruleCondition(spec.rule, value)}, false)}` };
  const { list } = spec;
  if (list?.min !== undefined) rule.unshift(minItemsValidation(name, value, list.min, list.item));
  if (list?.unique) rule.push(uniqueValidation(name, value));
  return moduleVariable(scope, name, {
    type: spec.type,
    description: spec.description,
    default: spec.default,
    validation: rule.length + more.length > 0 ? [...rule, ...more] : undefined,
  });
}

/** The variables of a module's input specs, in the specs' order; `more`: validations across inputs, after each one's rule. */
export function specVariables<T extends Record<string, InputSpec>>(
  scope: Construct,
  specs: T,
  more: { readonly [K in keyof T]?: TerraformVariableValidationConfig[] } = {},
) {
  return Object.fromEntries(Object.entries(specs).map(([key, spec]) => [key, specVariable(scope, key, spec, more[key])])) as {
    [K in keyof T]: TerraformVariable;
  };
}

/** A module's outputs, each named exactly its key in the Terraform: [description, value]. */
export function moduleOutputs(scope: Construct, outputs: Record<string, [description: string, value: unknown]>): void {
  for (const [name, [description, value]] of Object.entries(outputs))
    new TerraformOutput(scope, `${name}-output`, { value, description }).overrideLogicalId(name);
}
