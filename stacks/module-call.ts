/**
 * What the thin deployable stacks share: where the published modules are beside them, their outputs
 * passed on, and the `moved` blocks that carry a deployment of the old layout (resources at the
 * stack root) into the module's addresses without replacing anything.
 */
import { TerraformHclModule, TerraformOutput, TerraformStack } from "cdktf";
import { moduleJsonFiles } from "../modules/packaging";
import { TfJson } from "../modules/packaging/terraform-json";

/** The name of each stack's module call: plan addresses read `module.kafka.<resource>`. */
export const MODULE_CALL = "kafka";

/** The output folder's subfolder with the published modules, beside `stacks/`. */
export const MODULES_DIR = "modules";

/** A module's source as a stack (`<out>/stacks/<stack>/`) sees it: the published folder itself. */
export const moduleSource = (module: string) => `../../${MODULES_DIR}/${module}`;

function moduleJson(module: string, file: string): TfJson {
  const files = moduleJsonFiles(module);
  if (!files[file]) throw new Error(`no ${file} in module ${module}`);
  return JSON.parse(files[file]) as TfJson;
}

/** Every output of the module, under the same name and description, at the stack's root. */
export function passOutputs(stack: TerraformStack, call: TerraformHclModule, module: string): void {
  const outputs = (moduleJson(module, "outputs.tf.json").output ?? {}) as Record<string, { description?: string }>;
  for (const [name, { description }] of Object.entries(outputs)) {
    new TerraformOutput(stack, `${name}-output`, { value: call.get(name), description }).overrideLogicalId(name);
  }
}

export interface Move {
  readonly from: string;
  readonly to: string;
}

/**
 * The moves from the root layout (0.1: the same resources, named alike, at the stack root) into
 * the module call `call`: one per resource of the module; a resource that has `count` in the
 * module (created on a condition) had none at the root, so it moves to its instance `[0]`.
 */
export function movesIntoModule(module: string, call: string): Move[] {
  const resources = (moduleJson(module, "main.tf.json").resource ?? {}) as Record<string, Record<string, { count?: unknown }>>;
  return Object.entries(resources).flatMap(([type, byName]) =>
    Object.entries(byName).map(([name, body]) => ({ from: `${type}.${name}`, to: `module.${call}.${type}.${name}${body.count !== undefined ? "[0]" : ""}` })),
  );
}

/**
 * The moves of a resource that had no key in 0.1.0 and is keyed now: the old instance moves to
 * the key `keeps` at the root first, then every key of the root layout (0.2's development stacks
 * had the keys already) moves into the module call. Two moves into one address would be refused
 * as ambiguous; a chain is not.
 */
export function movesOfKeyedResource(resource: string, call: string, keys: readonly string[], keeps: string): Move[] {
  const at = (key: string) => `${resource}[${JSON.stringify(key)}]`;
  return [{ from: resource, to: at(keeps) }, ...keys.map((key) => ({ from: at(key), to: `module.${call}.${at(key)}` }))];
}
