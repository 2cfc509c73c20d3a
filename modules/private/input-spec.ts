/**
 * One spec per module input that the configuration passes to its module as it is: its Terraform
 * type, description, default, rule and what a change of it means to a plan reviewer. Without
 * cdktf, so the configuration reads the same table the modules are written from. From each entry:
 * - the module variable, snake_case of the key (`specVariables`, modules/private/variables.ts);
 * - the typed call's prop (`SpecProps`, the module's call.ts) and its mapping (module-call.ts `moduleInputs`);
 * - the configuration field (`specFields`, config/schema.ts) and the stacks' mapping (stacks/inputs.ts);
 * - the review setting and its consequence (job/review/settings.ts).
 * __tests__/input-specs.test.ts holds each of those for every entry.
 */
import { InputRule, minItemsRule, OneOfRule, ruleProblem, RULES } from "./input-rules";

/** A plan review's levels, lowest first (job/review/plan-review.ts reads its changes at these). */
export const REVIEW_LEVELS = ["none", "additive", "client-visible", "disruptive", "outage"] as const;
export type ReviewLevel = (typeof REVIEW_LEVELS)[number];

/** What a change of the setting does; a list setting may say what removing an element does apart. */
export interface ReviewSpec {
  readonly level: ReviewLevel;
  readonly why?: string;
  readonly removed?: { readonly level: ReviewLevel; readonly why: string };
}

export interface InputSpec {
  readonly type: "string" | "number" | "bool" | "list(string)";
  readonly description: string;
  /** Leave out for a required input; `null` for an optional one that is null when unset. */
  readonly default?: string | number | boolean | null | readonly string[];
  /** The rule on the value (on each element of a list), from input-rules.ts `RULES`. */
  readonly rule?: InputRule;
  /** A list's own rules: how many elements at the least, whether one may stand twice; `item` names an element. */
  readonly list?: { readonly item: string; readonly min?: number; readonly unique?: boolean };
  readonly review: ReviewSpec;
}

/** What every module's `subnetIds` spec holds besides its description and review: subnet IDs, at least one, none twice. */
export const SUBNET_IDS = { type: "list(string)", rule: RULES.subnetId, list: { item: "subnet", min: 1, unique: true } } as const;

/** The TypeScript type of an input's value. */
export type ValueOf<S> = S extends { readonly rule: OneOfRule<infer T> }
  ? T
  : S extends { readonly type: "number" }
    ? number
    : S extends { readonly type: "bool" }
      ? boolean
      : S extends { readonly type: "list(string)" }
        ? string[]
        : string;

type Optional<T> = { [K in keyof T]: T[K] extends { readonly default: unknown } ? K : never }[keyof T];

/** A module call's props of these inputs: those with a default are optional. */
export type SpecProps<T extends Record<string, InputSpec>> = { readonly [K in Exclude<keyof T, Optional<T>>]: ValueOf<T[K]> } & {
  readonly [K in Optional<T>]?: ValueOf<T[K]>;
};

/** The module variable's name of an input. */
export const snakeCase = (camel: string) => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The values of these inputs in `from` (a configuration section with every default filled in), each as it is. */
export function specValues<T extends Record<string, InputSpec>, F extends { readonly [K in keyof T]?: unknown }>(
  specs: T,
  from: F,
): Pick<F, keyof T & keyof F> {
  return Object.fromEntries(Object.keys(specs).map((k) => [k, from[k as keyof F]])) as Pick<F, keyof T & keyof F>;
}

/**
 * The indexes of the list's values that an earlier element already holds: a set, not indexOf, so a
 * long list (a direct caller's lists have no size cap) costs linear time.
 */
export function repeats(list: readonly unknown[]): number[] {
  const seen = new Set<unknown>();
  const repeated: number[] = [];
  list.forEach((v, i) => {
    if (seen.has(v)) repeated.push(i);
    seen.add(v);
  });
  return repeated;
}

/**
 * The rules of these inputs on a call's props, one problem each (prop, value, rule); a token (a
 * reference Terraform resolves) is left to the module's validation.
 */
export function specProblems(specs: Record<string, InputSpec>, props: object, isToken: (v: unknown) => boolean): string[] {
  return Object.entries(specs).flatMap(([key, spec]) => {
    const value = (props as Record<string, unknown>)[key];
    if (value === undefined) return "default" in spec ? [] : [`${key}: undefined ${spec.rule?.rule ?? "is required"}`];
    if (isToken(value)) return [];
    const list = Array.isArray(value) ? value : [];
    const { rule } = spec;
    // A list input's rule is on each element; a value that is no list is judged whole.
    const checked: Array<[at: string, v: unknown]> =
      spec.type === "list(string)" && Array.isArray(value) ? list.map((v, i) => [`${key}[${i}]`, v]) : [[key, value]];
    return [
      ...checked.flatMap(([at, v]) => {
        const problem = rule === undefined || isToken(v) ? undefined : ruleProblem(rule, v);
        return problem === undefined ? [] : [`${at}: ${JSON.stringify(v)} ${problem}`];
      }),
      ...(spec.list?.min !== undefined && list.length < spec.list.min
        ? [`${key}: ${JSON.stringify(value)} ${minItemsRule(spec.list.min, spec.list.item)}`]
        : []),
      ...(spec.list?.unique ? repeats(list).map((i) => `${key}[${i}]: ${JSON.stringify(list[i])} is listed twice`) : []),
    ];
  });
}
