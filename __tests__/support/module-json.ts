import { moduleJsonFiles } from "../../modules/packaging";
import { TfJson } from "../../modules/packaging/terraform-json";
import { Move } from "../../stacks/module-call";

/** A file of a published module in its JSON form (the same code, in HCL, that every stack calls). */
export function moduleJson(module: string, file: "main.tf.json" | "variables.tf.json" | "outputs.tf.json" | "versions.tf.json"): TfJson {
  const text = moduleJsonFiles(module)[file];
  if (text === undefined) throw new Error(`no ${file} in module ${module}`);
  return JSON.parse(text);
}

/** The synthesized stack without cdktf's metadata (`//`), as Terraform reads it. */
export function withoutMetadata<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutMetadata) as T;
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k]) => k !== "//")
        .map(([k, v]) => [k, withoutMetadata(v)]),
    ) as T;
  }
  return node;
}

/** Every resource address a stack of the 0.1 layout declared (type.name), read from its synthesized JSON. */
export function rootResources(stack: TfJson): string[] {
  return Object.entries<Record<string, unknown>>(stack.resource ?? {})
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
}

/** The `moved` blocks of a stack as from → to. */
export const movedOf = (stack: TfJson): Record<string, string> => Object.fromEntries((stack.moved as Move[]).map((m) => [m.from, m.to]));
