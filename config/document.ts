/**
 * From a configuration file to a plain value, refusing what would hang, exhaust memory or be
 * silently misread: anything but a regular file, a file over MAX_CONFIG_BYTES, bytes that are not
 * UTF-8, YAML aliases that refer to themselves, more than MAX_CONFIG_VALUES values (aliases
 * counted as often as they are expanded), keys that are not strings or numbers, two keys that
 * mean the same string (`1` and `"1"`), and the key `__proto__` (JavaScript objects cannot hold it
 * as data).
 */
import { Alias, isAlias, isMap, isNode, isScalar, isSeq, Node, parseDocument, visit } from "yaml";
import { ConfigProblem, quoteShort } from "./problems";
import { readRegularFile } from "./regular-file";

/** A configuration is a few kilobytes; 49 brokers and dozens of consumers fit in far less. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Values in one document, aliases expanded: far above any real configuration, far below a hang. */
export const MAX_CONFIG_VALUES = 20_000;

const FILE = "(file)";

/** The text of a configuration file, or the one problem that refuses it. */
export function readConfigText(file: string): { text: string } | { problem: ConfigProblem } {
  const refused = (rule: string) => ({ problem: { field: FILE, value: file, rule } });
  const read = readRegularFile(file, { maxBytes: MAX_CONFIG_BYTES, what: "a configuration", expected: "a YAML or JSON file" });
  if ("refused" in read) return refused(read.refused);
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(read.bytes) };
  } catch {
    const at = firstInvalidUtf8(read.bytes);
    return refused(`is not UTF-8 text (invalid byte 0x${read.bytes[at].toString(16).padStart(2, "0")} at offset ${at}); save it as UTF-8`);
  }
}

/**
 * Where the first sequence that is not valid UTF-8 starts. Decoded leniently, it is the first
 * U+FFFD that the bytes do not spell (EF BF BD): every character before it is as the bytes wrote it.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let at = 0;
  for (const char of new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes)) {
    if (char === "\ufffd" && !(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
    at += Buffer.byteLength(char);
  }
  return bytes.length - 1;
}

/**
 * Parses YAML (or JSON) into plain values. A document that is not YAML has no value; otherwise the
 * value leaves out what `problems` refuses, so the rest can still be checked.
 */
export function parseConfigText(text: string): { document: unknown; problems: ConfigProblem[] } | { problems: ConfigProblem[] } {
  // Duplicate keys are found below, in one pass: the parser's own check compares every key with
  // every other, minutes for a mapping of 100,000 keys.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        field: FILE,
        value: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : undefined,
        // The parser recurses per level and reports running out of stack as its own error.
        rule: /Maximum call stack size exceeded/.test(e.message)
          ? "nests lists or mappings too deeply; a configuration needs four levels"
          : `is not valid YAML or JSON: ${e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}`,
      })),
    };
  }
  const problems: ConfigProblem[] = [];
  let values = 0;
  const onPath = new Set<Node>();

  // Alias.resolve() searches the whole document each time: a chain of thousands of aliases would
  // take hours. An alias names the last anchor of its name before it, so one pass in document
  // order (visit's) resolves them all.
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node | undefined>();
  visit(doc, (_key, node) => {
    if (isAlias(node)) targets.set(node, anchors.get(node.source));
    else if (isNode(node) && node.anchor) anchors.set(node.anchor, node);
  });

  const convert = (node: unknown, path: readonly (string | number)[]): unknown => {
    if (++values > MAX_CONFIG_VALUES) {
      if (values === MAX_CONFIG_VALUES + 1) {
        problems.push({
          field: "(document)",
          valueless: true,
          rule: `has more than ${MAX_CONFIG_VALUES} values (aliases counted each time they are used); a configuration needs a few hundred`,
        });
      }
      return undefined;
    }
    if (isAlias(node)) {
      const target = targets.get(node);
      if (target === undefined) return undefined;
      if (onPath.has(target)) {
        problems.push({ field: fieldOf(path), value: `*${node.source}`, rule: "is a YAML alias that contains itself; a configuration must be finite" });
        return undefined;
      }
      return convert(target, path);
    }
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
      problems.push({
        field: fieldOf(path),
        value: String(node.source ?? v),
        rule: `is a YAML ${node.tag ?? "special"} value; use a string, number, boolean, list or mapping`,
      });
      return undefined;
    }
    if (isSeq(node)) {
      onPath.add(node);
      const list: unknown[] = [];
      for (const item of node.items) {
        if (values > MAX_CONFIG_VALUES) break;
        list.push(convert(item, [...path, list.length]));
      }
      onPath.delete(node);
      return list;
    }
    if (isMap(node)) {
      onPath.add(node);
      const object: Record<string, unknown> = {};
      // Each key as it was first written: 1 and "1" are the same key.
      const firstWritten = new Map<string, unknown>();
      for (const pair of node.items) {
        if (values > MAX_CONFIG_VALUES) break;
        const keyNode = isAlias(pair.key) ? targets.get(pair.key) : pair.key;
        const written = isScalar(keyNode) ? keyNode.value : undefined;
        if (typeof written !== "string" && typeof written !== "number") {
          problems.push({ field: fieldOf(path), value: String(pair.key), rule: "has a key that is not a string or a number" });
          continue;
        }
        const key = String(written);
        if (key === "__proto__") {
          problems.push({ field: fieldOf([...path, key]), valueless: true, rule: "is a key JavaScript cannot hold as data; rename it" });
          continue;
        }
        if (firstWritten.has(key)) {
          const first = firstWritten.get(key);
          problems.push({
            field: fieldOf([...path, key]),
            valueless: true,
            rule:
              first === written
                ? "is given twice"
                : `is given twice (as ${JSON.stringify(first)} and ${JSON.stringify(written)}); keys are strings, so both name the same field`,
          });
          continue;
        }
        firstWritten.set(key, written);
        object[key] = convert(pair.value, [...path, key]);
      }
      onPath.delete(node);
      return object;
    }
    // An empty document, or a key without a value (`key:`).
    return node === undefined || node === null ? null : undefined;
  };

  return { document: convert(doc.contents, []), problems };
}

/** The same field names the schema's problems use: `cluster.brokers[2].target`, `tags["a b"]`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  const field = path.reduce<string>((acc, key) => {
    if (typeof key === "number") return `${acc}[${key}]`;
    const name = String(key);
    if (/^[A-Za-z_][A-Za-z0-9_-]{0,59}$/.test(name)) return acc ? `${acc}.${name}` : name;
    return `${acc}[${quoteShort(name)}]`;
  }, "");
  return field || "(document)";
}
