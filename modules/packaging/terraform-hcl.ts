/**
 * Terraform's native syntax (HCL) for this project's modules and examples, rendered from the
 * Terraform JSON that the constructs synthesize: one source, two forms. cdktf's own HCL output is
 * not used: it leaves quotes unescaped inside strings.
 *
 * A JSON object in a resource body can be a nested block or an attribute whose value is an object;
 * only the provider schema tells them apart. It comes from the constructs themselves: the cdktf
 * bindings were generated from the provider schema and mark each argument `isBlock`
 * (`blockSchemas`). In JSON syntax a string is a template (`"${var.x}"`): an interpolation-only
 * string becomes a bare expression, any other a quoted template; descriptions, defaults and
 * module sources are literal strings.
 */
import { TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { hclAttributes, hclObject, TfJson } from "./terraform-json";

/** The nested blocks of a resource or data source body, each with its own nested blocks. */
export interface BlockSchema {
  readonly [key: string]: BlockSchema;
}

/** `resource.<type>` / `data.<type>` → its nested blocks. */
export type Schemas = Record<string, BlockSchema>;

/** Comments (the constructs' whys) by address: `resource.<type>.<name>`, `data.<type>.<name>`. */
export type Comments = Record<string, string>;

const comments = new WeakMap<IConstruct, string>();
const skips = new WeakMap<IConstruct, CheckSkip[]>();

/**
 * Attaches a comment to a construct's block in the module's HCL (`# …` lines above it): the why
 * that a reader of the module needs, which the JSON form cannot carry.
 */
export function why(construct: IConstruct, text: string): void {
  comments.set(construct, text);
}

/** A check of the field's scanner (checkov) that does not apply to a resource, and why. */
export interface CheckSkip {
  readonly check: string;
  readonly reason: string;
}

/**
 * Skips a checkov check on a construct's resource, with the reason, as checkov reads it in the
 * module code (`#checkov:skip=<check>:<reason>` inside the block). Only for a check that does not
 * apply: the README's security section lists every skip.
 */
export function skipCheck(construct: IConstruct, check: string, reason: string): void {
  skips.set(construct, [...(skips.get(construct) ?? []), { check, reason }]);
}

/** What `attach` (`why`, `skipCheck`) attached to a stack's constructs, by their address in `json` (the stack's synthesized JSON). */
function byAddress<V>(store: WeakMap<IConstruct, V>, attach: string, stack: TerraformStack, json: TfJson): Record<string, V> {
  const out: Record<string, V> = {};
  for (const construct of stack.node.findAll()) {
    const value = store.get(construct);
    if (value === undefined) continue;
    const address = addressOf(construct, json);
    if (!address) throw new Error(`${attach}(): ${construct.node.path} has no block in the synthesized JSON`);
    out[address] = value;
  }
  return out;
}

/** The skipped checks of a stack's constructs, by their address in `json`. */
export const stackSkips = (stack: TerraformStack, json: TfJson): Record<string, CheckSkip[]> => byAddress(skips, "skipCheck", stack, json);

/** The comments attached to a stack's constructs, by their address in `json`. */
export const stackComments = (stack: TerraformStack, json: TfJson): Comments => byAddress(comments, "why", stack, json);

interface Addressed {
  terraformResourceType?: string;
  friendlyUniqueId?: string;
  toHclTerraform?: () => unknown;
}

/** The address of a resource's or data source's block in the JSON (`resource.aws_lb.this`): only those carry comments and skips. */
function addressOf(construct: IConstruct, json: TfJson): string | undefined {
  const { terraformResourceType: type, friendlyUniqueId: id } = construct as unknown as Addressed;
  const kind = type && id ? ["resource", "data"].find((k) => json[k]?.[type]?.[id]) : undefined;
  return kind && `${kind}.${type}.${id}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The nested blocks of a body in the bindings' HCL form, where each argument is `{ value, isBlock }`. */
function blocksOf(args: Record<string, unknown>): Record<string, BlockSchema> {
  const out: Record<string, Record<string, BlockSchema>> = {};
  for (const [key, arg] of Object.entries(args)) {
    if (!isObject(arg) || !arg.isBlock || !("value" in arg)) continue;
    const items = (Array.isArray(arg.value) ? arg.value : [arg.value]).filter(isObject);
    out[key] = Object.assign({}, ...items.map(blocksOf));
  }
  return out;
}

/** The nested blocks of every resource and data source in the stack, from the bindings' view of the provider schema. */
export function blockSchemas(stack: TerraformStack): Schemas {
  const out: Record<string, Record<string, BlockSchema>> = {};
  for (const construct of stack.node.findAll()) {
    const c = construct as unknown as Addressed;
    if (!c.terraformResourceType || typeof c.toHclTerraform !== "function") continue;
    const hcl = c.toHclTerraform() as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
    for (const kind of ["resource", "data"]) {
      for (const [type, byName] of Object.entries(hcl[kind] ?? {})) {
        for (const body of Object.values(byName)) out[`${kind}.${type}`] = { ...(out[`${kind}.${type}`] ?? {}), ...blocksOf(body) };
      }
    }
  }
  return out;
}

/** The end of the expression that starts at `i` (after `${`): the index of its closing `}`. */
function expressionEnd(s: string, i: number): number {
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const ch = s[j];
    if (ch === '"') j = quotedEnd(s, j + 1);
    else if (ch === "{") depth++;
    else if (ch === "}") {
      if (depth === 0) return j;
      depth--;
    }
  }
  throw new Error(`unterminated interpolation in ${JSON.stringify(s)}`);
}

/** The index of the `"` that closes a quoted template starting at `i`. */
function quotedEnd(s: string, i: number): number {
  for (let j = i; j < s.length; j++) {
    if (s[j] === "\\") j++;
    else if (s.startsWith("$${", j) || s.startsWith("%%{", j)) j += 2;
    else if (s.startsWith("${", j) || s.startsWith("%{", j)) j = expressionEnd(s, j + 2);
    else if (s[j] === '"') return j;
  }
  throw new Error(`unterminated string in ${JSON.stringify(s)}`);
}

const escapeLiteral = (text: string) => text.replace(/[\\"\n\r\t]/g, (c) => JSON.stringify(c).slice(1, -1));

/** A literal string (a description, a default, a source): `${` and `%{` escaped, so nothing is interpolated. */
function literalString(value: string): string {
  return `"${escapeLiteral(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{")}"`;
}

/**
 * A JSON-syntax template string as an HCL expression: bare when it is one interpolation, else a
 * quoted template (literal text escaped, escapes `$${` and `%%{` and interpolations kept).
 */
function templateExpression(value: string): string {
  let quoted = "";
  for (let i = 0; i < value.length; i++) {
    if (value.startsWith("$${", i) || value.startsWith("%%{", i)) {
      quoted += value.slice(i, i + 3);
      i += 2;
    } else if (value.startsWith("${", i)) {
      const end = expressionEnd(value, i + 2);
      if (i === 0 && end === value.length - 1) return value.slice(2, end).trim();
      quoted += value.slice(i, end + 1);
      i = end;
    } else if (value.startsWith("%{", i)) {
      throw new Error(`template directives are not rendered: ${JSON.stringify(value)}`);
    } else {
      quoted += escapeLiteral(value[i]);
    }
  }
  return `"${quoted}"`;
}

/** A value in expression position: strings are templates (or literals, with `literal`). */
function expression(value: unknown, indent: string, literal = false): string {
  const inner = `${indent}  `;
  if (value === null) return "null";
  if (typeof value === "string") return literal ? literalString(value) : templateExpression(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => expression(v, inner, literal));
    const line = `[${items.join(", ")}]`;
    if (!items.some((i) => i.includes("\n")) && line.length + indent.length <= 100) return line;
    return `[\n${items.map((i) => `${inner}${i},`).join("\n")}\n${indent}]`;
  }
  if (typeof value === "object") return hclObject(value, indent, (v, inner) => expression(v, inner, literal));
  throw new Error(`cannot render ${String(value)}`);
}

/** A traversal written as a string in JSON (`depends_on`, `ignore_changes`, `moved`): bare. */
const traversal = (value: unknown) => String(value).replace(/^\$\{(.*)\}$/s, "$1");

interface BodyRules {
  /** Nested blocks of this body, by key. */
  readonly blocks?: BlockSchema;
  /** Keys whose string values are literal, not templates. */
  readonly literal?: readonly string[];
  /** Keys whose values are traversals (or lists of them). */
  readonly traversals?: readonly string[];
  /** Rules of nested meta-blocks (lifecycle, validation, …). */
  readonly meta?: Record<string, BodyRules>;
  /** Attributes written first, in this order. */
  readonly first?: readonly string[];
}

const CONDITION: BodyRules = { first: ["condition", "error_message"] };
const LIFECYCLE: BodyRules = {
  traversals: ["ignore_changes", "replace_triggered_by"],
  meta: { precondition: CONDITION, postcondition: CONDITION },
};
/** Meta-arguments first, then the arguments, then nested blocks, then lifecycle: as terraform-aws-modules order a body. */
const LEADING = ["count", "for_each", "provider", "source", "version"];
const TRAILING = ["depends_on"];

/** A block body: attributes aligned as `terraform fmt` aligns them, nested blocks after them. */
function body(doc: Record<string, unknown>, rules: BodyRules, indent: string): string[] {
  const isBlock = (k: string) => k in (rules.blocks ?? {}) || k in (rules.meta ?? {});
  const first = rules.first ?? [];
  // Within each part of the body: `first`, then the document's order.
  const keys = [...first.filter((k) => k in doc), ...Object.keys(doc).filter((k) => !first.includes(k))];
  const render = (k: string): readonly [string, string] => {
    const v = doc[k];
    if (rules.traversals?.includes(k)) return [k, Array.isArray(v) ? `[${v.map(traversal).join(", ")}]` : traversal(v)];
    return [k, expression(v, indent, rules.literal?.includes(k) ?? false)];
  };
  const attributes = (keep: (k: string) => boolean) => hclAttributes(keys.filter((k) => !isBlock(k) && keep(k)).map(render), indent);
  const leading = attributes((k) => LEADING.includes(k));
  const rest = attributes((k) => !LEADING.includes(k) && !TRAILING.includes(k));
  const lines = [...leading, ...(leading.length > 0 && rest.length > 0 ? [""] : []), ...rest];
  const blocks = keys
    .filter(isBlock)
    .flatMap((k) => (Array.isArray(doc[k]) ? doc[k] : [doc[k]]).map((item) => block(k, [], item, rules.meta?.[k] ?? { blocks: rules.blocks?.[k] }, indent)));
  const trailing = keys.filter((k) => TRAILING.includes(k)).map((k) => hclAttributes([render(k)], indent));
  for (const part of [...blocks, ...trailing]) {
    if (lines.length > 0) lines.push("");
    lines.push(...part);
  }
  return lines;
}

/** A comment's `# …` lines. */
const commented = (comment: string | undefined, indent: string) => comment?.split("\n").map((l) => `${indent}# ${l}`.trimEnd()) ?? [];

function block(
  type: string,
  labels: readonly string[],
  doc: Record<string, unknown>,
  rules: BodyRules,
  indent: string,
  comment?: string,
  skipped: readonly CheckSkip[] = [],
): string[] {
  const head = [type, ...labels.map((l) => JSON.stringify(l))].join(" ");
  const skipLines = skipped.map((s) => `${indent}  #checkov:skip=${s.check}:${s.reason}`);
  const inner = [...skipLines, ...(skipLines.length > 0 ? [""] : []), ...body(doc, rules, `${indent}  `)];
  return [...commented(comment, indent), ...(inner.length === 0 ? [`${indent}${head} {}`] : [`${indent}${head} {`, ...inner, `${indent}}`])];
}

const OUTPUT: BodyRules = { literal: ["description"], meta: { precondition: CONDITION } };
const MODULE_CALL: BodyRules = { literal: ["source", "version"], traversals: ["depends_on"] };
const TERRAFORM: BodyRules = {
  literal: ["required_version"],
  meta: { required_providers: { literal: ["source", "version"] } },
};

/** A variable: description, type (a type expression, bare), default and flags, then its validations, as terraform-aws-modules write one. */
function variableBody(doc: Record<string, unknown>, indent: string): string[] {
  const attributes: Array<readonly [string, string]> = [];
  if (doc.description !== undefined) attributes.push(["description", literalString(String(doc.description))]);
  if (doc.type !== undefined) attributes.push(["type", String(doc.type)]);
  if ("default" in doc) attributes.push(["default", expression(doc.default, indent, true)]);
  for (const flag of ["nullable", "sensitive", "ephemeral"]) if (doc[flag] !== undefined) attributes.push([flag, String(doc[flag])]);
  const lines = hclAttributes(attributes, indent);
  for (const validation of (doc.validation ?? []) as Array<Record<string, unknown>>) lines.push("", ...block("validation", [], validation, CONDITION, indent));
  return lines;
}

/**
 * A Terraform JSON document (`*.tf.json`) as HCL (`*.tf`): `schemas` tells nested blocks from
 * object attributes in resources and data sources, `comments` go above their blocks.
 */
export function renderHcl(doc: TfJson, schemas: Schemas = {}, comments: Comments = {}, skipped: Record<string, readonly CheckSkip[]> = {}): string {
  const out: string[][] = [];
  const names = (kind: string) => Object.entries((doc[kind] ?? {}) as Record<string, Record<string, unknown>>);
  if (doc.terraform) out.push(block("terraform", [], doc.terraform, TERRAFORM, ""));
  for (const [name, provider] of names("provider")) {
    for (const config of Array.isArray(provider) ? provider : [provider]) out.push(block("provider", [name], config as Record<string, unknown>, {}, ""));
  }
  for (const [name, v] of names("variable")) out.push([`variable ${JSON.stringify(name)} {`, ...variableBody(v, "  "), "}"]);
  if (doc.locals)
    out.push([
      "locals {",
      ...hclAttributes(
        names("locals").map(([name, value]) => [name, expression(value, "  ")]),
        "  ",
      ),
      "}",
    ]);
  for (const [name, call] of names("module")) out.push(block("module", [name], call, MODULE_CALL, ""));
  for (const kind of ["data", "resource"]) {
    for (const [type, byName] of names(kind)) {
      for (const [name, b] of Object.entries(byName as Record<string, Record<string, unknown>>)) {
        const rules: BodyRules = { blocks: schemas[`${kind}.${type}`] ?? {}, traversals: ["depends_on", "provider"], meta: { lifecycle: LIFECYCLE } };
        out.push(block(kind, [type, name], b, rules, "", comments[`${kind}.${type}.${name}`], skipped[`${kind}.${type}.${name}`]));
      }
    }
  }
  for (const [name, o] of names("output")) out.push(block("output", [name], o, OUTPUT, ""));
  return `${out.map((lines) => lines.join("\n")).join("\n\n")}\n`;
}
