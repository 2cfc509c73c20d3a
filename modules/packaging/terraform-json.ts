/** A Terraform JSON document (`*.tf.json`), loosely typed: the module files and their examples. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one loosely typed home: tests and readers walk Terraform JSON by path, Terraform checks its shape
export type TfJson = Record<string, any>;

export interface VariableBlock {
  type?: string;
  description?: string;
  default?: unknown;
  nullable?: boolean;
  validation?: Array<{ condition: string; error_message: string }>;
}

export interface OutputBlock {
  description?: string;
  value: unknown;
  sensitive?: boolean;
}

export function renderJson(doc: TfJson): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * `key = value` lines aligned as `terraform fmt` aligns them: the `=` of consecutive one-line
 * attributes line up; an attribute whose value spans lines stands alone.
 */
export function hclAttributes(entries: ReadonlyArray<readonly [string, string]>, indent: string): string[] {
  const lines: string[] = [];
  let group: Array<readonly [string, string]> = [];
  const flush = () => {
    const width = Math.max(...group.map(([k]) => k.length));
    for (const [k, v] of group) lines.push(`${indent}${k.padEnd(width)} = ${v}`);
    group = [];
  };
  for (const entry of entries) {
    const multiline = entry[1].includes("\n");
    if (multiline && group.length > 0) flush();
    group.push(entry);
    if (multiline) flush();
  }
  if (group.length > 0) flush();
  return lines;
}

/** `key = value` lines of plain values (`toHcl`), aligned: the test files' variables, the README usage. */
export const hclAssignments = (values: Record<string, unknown>, indent: string): string[] =>
  hclAttributes(
    Object.entries(values).map(([k, v]) => [k, toHcl(v, indent)] as const),
    indent,
  );

/** An object key in HCL: bare when it is an identifier. */
const hclKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k));

/** An object in HCL: `{}`, or one aligned `key = value` line per entry, each value rendered by `render`. */
export function hclObject(value: object, indent: string, render: (v: unknown, indent: string) => string): string {
  const inner = `${indent}  `;
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${hclAttributes(
    entries.map(([k, v]) => [hclKey(k), render(v, inner)] as const),
    inner,
  ).join("\n")}\n${indent}}`;
}

/** An HCL rendering of a plain value, for README usage snippets and the modules' test files. */
export function toHcl(value: unknown, indent = ""): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object" || v === null)) return `[${value.map((v) => toHcl(v)).join(", ")}]`;
    return `[\n${value.map((v) => `${inner}${toHcl(v, inner)},`).join("\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") return hclObject(value, indent, toHcl);
  if (value === null) return "null";
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}
