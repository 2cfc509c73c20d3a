/** What every module with AWS resources writes alike: its tags input and their use. */
import { TerraformLocal, TerraformStack } from "cdktf";
import { MAX_TAG_KEY, MAX_TAG_VALUE, MAX_TAGS, MODULE_TAGS, tagsValidations } from "./aws-rules";
import { moduleVariable } from "./variables";

/**
 * The `tags` input every module with AWS resources takes, and the tags every taggable resource
 * gets: null when none are given, as the stacks of 0.1 wrote no `tags` at all. Some resources
 * (`aws_vpc_security_group_ingress_rule`) would plan `{}` against a null in the state as an
 * update, and moving a deployment into the module must change nothing.
 */
export function resourceTags(stack: TerraformStack): Record<string, string> {
  moduleVariable(stack, "tags", {
    type: "map(string)",
    description: `Tags for every resource that takes tags: at most ${MAX_TAGS - MODULE_TAGS}, keys of 1-${MAX_TAG_KEY} and values of 0-${MAX_TAG_VALUE} characters (letters, digits, spaces and _ . : / = + - @), no key beginning with aws:.`,
    default: {},
    validation: tagsValidations(),
  });
  const local = new TerraformLocal(stack, "tags-local", "${length(var.tags) > 0 ? var.tags : null}");
  local.overrideLogicalId("tags");
  return local.asStringMap;
}
