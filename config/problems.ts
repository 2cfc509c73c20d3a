/** One violated rule: the field (a path such as `cluster.brokers[2].target`), its value and the rule. */
export interface ConfigProblem {
  readonly field: string;
  /** Undefined: the value is missing (shown as such), unless the problem is valueless. */
  readonly value?: unknown;
  readonly rule: string;
  /** The rule is about the field as a whole (its size, its key), not about a value to show. */
  readonly valueless?: boolean;
}

/** A message lists this many problems and counts the rest: a hostile file must not print megabytes. */
export const MAX_PROBLEMS_SHOWN = 50;

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => `  ${describeProblem(p)}`);
    const hidden = problems.length - shown.length;
    super(
      `${oneLine(source)}: invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"})\n` +
        [...shown, ...(hidden > 0 ? [`  … and ${hidden} more`] : [])].join("\n"),
    );
    this.name = "ConfigError";
  }
}

/** `field: value rule`, on one line whatever the value holds. */
function describeProblem({ field, value, rule, valueless }: ConfigProblem): string {
  return oneLine(valueless ? `${field}: ${rule}` : `${field}: ${showValue(value)} ${rule}`);
}

/**
 * A value as the user would recognise it: strings quoted and cut to a short prefix, numbers as
 * JavaScript spells them (`Infinity`, `NaN`, which JSON would turn into `null`), lists and
 * mappings by their size when they are long.
 */
function showValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string") return quoteShort(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" || value === null) return String(value);
  if (typeof value !== "object") return quoteShort(String(value));
  try {
    const json = JSON.stringify(value, (_key, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
    // Undefined when a toJSON returns nothing.
    if (json !== undefined && json.length <= 80) return json;
  } catch {
    // Circular, too deep or holding a bigint: shown by its size.
  }
  return Array.isArray(value) ? `a list of ${value.length}` : `a mapping of ${Object.keys(value).length} keys`;
}

/** Control characters (a newline in a file name or a key) would split a problem over lines. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping the control characters is the point
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A string as JSON, cut to a short prefix: messages are one line each and never echo a huge value. */
export function quoteShort(text: string, max = 60): string {
  const chars = [...text];
  return chars.length <= max ? JSON.stringify(text) : `${JSON.stringify(chars.slice(0, max).join(""))}… (${chars.length} characters)`;
}
