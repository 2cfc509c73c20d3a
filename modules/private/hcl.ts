import { Token } from "cdktf";

/**
 * Writes a Terraform expression that embeds other values: tokens (variables, module outputs,
 * resource attributes) as references, literals as HCL literals. cdktf has no for-expressions
 * beyond the simplest, and the constructs need them when their inputs are Terraform variables.
 */
export function hcl(strings: TemplateStringsArray, ...values: unknown[]): string {
  const body = strings.reduce((acc, text, i) => acc + text + (i < values.length ? literal(values[i]) : ""), "");
  return `\${${body}}`;
}

function literal(value: unknown): string {
  if (typeof value === "string") {
    // A token embedded in an expression renders as its bare reference; a literal string is quoted.
    return Token.isUnresolved(value) ? value : JSON.stringify(value).replace(/\$\{/g, "$${").replace(/%\{/g, "%%{");
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return Token.isUnresolved(value) ? Token.asString(value) : String(value);
  }
  if (Token.isUnresolved(value)) {
    return Token.asString(value);
  }
  throw new Error(`hcl: cannot embed ${JSON.stringify(value)}; pass a token, string, number or boolean`);
}

/** True when a value is known at synth time (no token anywhere inside it). */
export function isKnown(value: unknown): boolean {
  if (Token.isUnresolved(value)) return false;
  if (Array.isArray(value)) return value.every(isKnown);
  if (value !== null && typeof value === "object") return Object.values(value).every(isKnown);
  return true;
}
