import { Token } from "cdktf";
import { tfString } from "./aws-rules";

/**
 * Writes a Terraform expression that embeds other values: tokens (variables, module outputs,
 * resource attributes) as references, literals as HCL literals. cdktf has no for-expressions
 * beyond the simplest, and the constructs need them when their inputs are Terraform variables.
 */
export function hcl(strings: TemplateStringsArray, ...values: unknown[]): string {
  assertReferencesBeforeObjectClose(strings, values);
  const body = strings.reduce((acc, text, i) => acc + text + (i < values.length ? literal(values[i]) : ""), "");
  return `\${${body}}`;
}

function literal(value: unknown): string {
  // A token embedded in an expression renders as its bare reference; a literal string is quoted.
  if (Token.isUnresolved(value)) return Token.asString(value);
  if (typeof value === "string") return tfString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  throw new Error(`hcl: cannot embed ${JSON.stringify(value)}; pass a token, string, number, boolean or an array of them`);
}

/**
 * cdktf decides whether an embedded reference renders bare (`var.x`) or wrapped (`${var.x}`) by
 * scanning for `${` and `}`, and takes any `}` as the end of the expression: a reference after an
 * object or for-expression has closed would be wrapped, which is invalid inside an expression.
 * Refuse such a template instead of emitting broken Terraform; put the references first.
 */
function assertReferencesBeforeObjectClose(strings: TemplateStringsArray, values: unknown[]): void {
  const opened: string[] = [];
  strings.forEach((text, i) => {
    for (let j = 0; j < text.length; j++) {
      if (text[j] === "{") opened.push(text[j - 1] === "$" ? "${" : "{");
      if (text[j] === "}" && opened.pop() === "{" && values.slice(i).some((v) => typeof v !== "string" || Token.isUnresolved(v))) {
        throw new Error(`hcl: a reference follows a closed object or for-expression in \`${strings.join("…")}\`; cdktf would render it wrapped`);
      }
    }
  });
}
