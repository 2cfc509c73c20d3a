import { TerraformVariable, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";

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
