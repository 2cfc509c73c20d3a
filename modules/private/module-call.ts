import { TerraformHclModule, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { PortAllocationError } from "../kafka-broker-ports/allocation";
import { snakeCase } from "./input-spec";

/** A prop that breaks the module's contract: names the prop, the value and the rule. */
class PropsError extends Error {
  constructor(construct: string, problems: readonly string[]) {
    super(`${construct}: invalid props (${problems.length} problem${problems.length === 1 ? "" : "s"})\n  ${problems.join("\n  ")}`);
    this.name = "PropsError";
  }
}

/** Problems of props every module call shares: each of `texts` must be a non-empty string, each of `lists` a list of them. */
export function requiredProblems(props: object, texts: readonly string[], lists: readonly string[] = []): string[] {
  const values = props as Record<string, unknown>;
  const isText = (v: unknown) => typeof v === "string" && v.length > 0;
  const isList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(isText);
  return [
    ...texts.filter((n) => !isText(values[n])).map((n) => `${n}: ${JSON.stringify(values[n])} must be a non-empty string`),
    ...lists.filter((n) => !isList(values[n])).map((n) => `${n}: ${JSON.stringify(values[n])} must list at least one non-empty string`),
  ];
}

/**
 * allocation.ts's problems named by the props that hold the values (`names`, by allocation.ts's
 * field: `brokers`, `bootstrapPort`, `brokerPortBase`; the field's own name where left out). Its
 * fields are the configuration's (`brokers[2].id`, a list position); a call's brokers are a map
 * keyed by ID, so a broker's problem is named `<brokers>["<ID>"]`.
 */
export function portRuleProblems(
  errors: readonly PortAllocationError[],
  names: Partial<Record<"brokers" | "bootstrapPort" | "brokerPortBase", string>> = {},
): string[] {
  return errors.map((e) =>
    /^brokers\[\d+\]\.id$/.test(e.field)
      ? `${names.brokers ?? "brokers"}[${JSON.stringify(String(e.value))}]: broker ID ${JSON.stringify(e.value)} ${e.rule}`
      : `${names[e.field as keyof typeof names] ?? e.field}: ${JSON.stringify(e.value)} ${e.rule}`,
  );
}

/**
 * A call's props as the module's input variables: each prop is the variable of its name in
 * snake_case, and so is each attribute of an object-typed prop (`connection.serviceName` →
 * `connection.service_name`); the maps in `dataMaps` are keyed by data (broker IDs, tag keys) and
 * passed as they are, as is a token (a reference Terraform resolves). Props left unset are left
 * out (the module's defaults apply).
 * __tests__/module-calls.test.ts holds that every variable of each module has its prop.
 */
export function moduleInputs(props: object, dataMaps: ReadonlySet<string>): Record<string, unknown> {
  const convert = (value: unknown, key: string): unknown =>
    value === null || typeof value !== "object" || Array.isArray(value) || dataMaps.has(key) || "resolve" in value
      ? value
      : Object.fromEntries(Object.entries(value).map(([k, v]) => [snakeCase(k), convert(v, k)]));
  return Object.fromEntries(
    Object.entries(props)
      .filter(([k, v]) => v !== undefined && k !== "source")
      .map(([k, v]) => [snakeCase(k), convert(v, k)]),
  );
}

/** Terraform's identifier rule: a module block's name, hence a call's construct ID, must follow it. */
const TERRAFORM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const claimed = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * A typed call of a published module: `module "<id>"` with the props as its input variables,
 * refused when constructed if the ID or a prop breaks the module's contract (`problems`, every one
 * at once). The call gets the block name `id` in its stack (`module.<id>.…` in every plan address,
 * wherever the construct sits in the tree), and a second call of that name in the stack, which
 * would otherwise silently replace the first, is refused.
 */
export abstract class ModuleCall extends TerraformHclModule {
  protected constructor(scope: Construct, id: string, construct: string, source: string, problems: string[], variables: Record<string, unknown>) {
    if (!TERRAFORM_NAME.test(id))
      problems.unshift(`id: ${JSON.stringify(id)} must be a Terraform name (a letter or _, then letters, digits, _ and -): it names the module block`);
    if (problems.length > 0) throw new PropsError(`${construct} "${id}"`, problems);
    super(scope, id, { source, skipAssetCreationFromLocalModules: true, variables });
    const stack = TerraformStack.of(this);
    const names = claimed.get(stack) ?? new Map<string, string>();
    claimed.set(stack, names);
    const first = names.get(id);
    if (first !== undefined) {
      throw new Error(`${this.node.path}: stack ${stack.node.id} already calls a module named "${id}" (${first}); give each module call its own construct ID`);
    }
    names.set(id, this.node.path);
    this.overrideLogicalId(id);
  }
}
