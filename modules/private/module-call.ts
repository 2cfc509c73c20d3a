import { TerraformElement, TerraformStack } from "cdktf";
import { PortAllocationError } from "../kafka-broker-ports/allocation";

/** A prop that breaks the module's contract: names the prop, the value and the rule. */
export class PropsError extends Error {
  constructor(construct: string, problems: readonly string[]) {
    super(`${construct}: invalid props (${problems.length} problem${problems.length === 1 ? "" : "s"})\n  ${problems.join("\n  ")}`);
    this.name = "PropsError";
  }
}

/** Problems of props every module call shares. */
export function requiredText(props: object, names: readonly string[]): string[] {
  const values = props as Record<string, unknown>;
  return names
    .filter((n) => typeof values[n] !== "string" || (values[n] as string).length === 0)
    .map((n) => `${n}: ${JSON.stringify(values[n])} must be a non-empty string`);
}

export function requiredList(props: object, names: readonly string[]): string[] {
  const values = props as Record<string, unknown>;
  return names
    .filter(
      (n) =>
        !Array.isArray(values[n]) || (values[n] as unknown[]).length === 0 || (values[n] as unknown[]).some((v) => typeof v !== "string" || v.length === 0),
    )
    .map((n) => `${n}: ${JSON.stringify(values[n])} must list at least one non-empty string`);
}

/** Where a call's props hold what allocation.ts calls `brokers`, `bootstrapPort` and `brokerPortBase`. */
export interface PortProps {
  /** The map keyed by broker ID: a broker's problem is named `<brokers>["<ID>"]`. */
  readonly brokers: string;
  readonly bootstrapPort: string;
  readonly brokerPortBase: string;
}

/**
 * allocation.ts's problems named by the props that hold the values: its fields are the
 * configuration's (`brokers[2].id`, a list position), a call's brokers are a map keyed by ID.
 */
export function portRuleProblems(errors: readonly PortAllocationError[], props: PortProps): string[] {
  return errors.map((e) => {
    if (/^brokers\[\d+\]\.id$/.test(e.field)) return `${props.brokers}[${JSON.stringify(String(e.value))}]: broker ID ${JSON.stringify(e.value)} ${e.rule}`;
    const field =
      e.field === "brokers" ? props.brokers : e.field === "bootstrapPort" ? props.bootstrapPort : e.field === "brokerPortBase" ? props.brokerPortBase : e.field;
    return `${field}: ${JSON.stringify(e.value)} ${e.rule}`;
  });
}

/** Module inputs without the props left unset (the module's defaults apply). */
export function definedInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([, v]) => v !== undefined));
}

/** Terraform's identifier rule: a module block's name, hence a call's construct ID, must follow it. */
const TERRAFORM_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The construct ID's problem as a module block name, if any (it becomes `module.<id>` in every address). */
export function moduleNameProblems(id: string): string[] {
  return TERRAFORM_NAME.test(id)
    ? []
    : [`id: ${JSON.stringify(id)} must be a Terraform name (a letter or _, then letters, digits, _ and -): it names the module block`];
}

const claimed = new WeakMap<TerraformStack, Map<string, string>>();

/**
 * Gives a module call the block name `id` in its stack (`module.<id>.…` in every plan address,
 * wherever the construct sits in the tree), and refuses a second call of that name in the stack,
 * which would otherwise silently replace the first.
 */
export function claimModuleName(call: TerraformElement, id: string): void {
  const stack = TerraformStack.of(call);
  const names = claimed.get(stack) ?? new Map<string, string>();
  claimed.set(stack, names);
  const first = names.get(id);
  if (first !== undefined) {
    throw new Error(`${call.node.path}: stack ${stack.node.id} already calls a module named "${id}" (${first}); give each module call its own construct ID`);
  }
  names.set(id, call.node.path);
  call.overrideLogicalId(id);
}
