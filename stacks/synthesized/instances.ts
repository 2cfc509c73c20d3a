/**
 * Reads a synthesized stack (`cdk.tf.json`) the way `terraform plan` lists it: one instance per
 * `for_each` key, with `each.key` / `each.value` filled in. Only literal `for_each` maps expand
 * (the deployable stacks have nothing else); that is enough to compare two synths instance by
 * instance and to follow listener → target group → targets without a terraform binary.
 */
export type TfJson = Record<string, any>;

export interface ResourceInstance {
  /** Plan address, e.g. `aws_lb_listener.broker["3"]`. */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  /** The `for_each` key; undefined for a single-instance resource. */
  readonly key?: string;
  /** Arguments with each.key / each.value substituted and cdktf's metadata removed. */
  readonly attributes: Record<string, unknown>;
}

const WHOLE = /^\$\{\s*each\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_-]*)*)\s*\}$/;
const PART = /each\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_-]*)*)/g;

function eachValue(which: string, attrs: string, key: string, value: unknown): unknown {
  if (which === "key") return key;
  return attrs
    .split(".")
    .filter(Boolean)
    .reduce<unknown>((v, attr) => {
      if (v === null || typeof v !== "object" || !(attr in (v as object))) {
        throw new Error(`each.value${attrs}: no attribute "${attr}" in for_each value of key "${key}"`);
      }
      return (v as Record<string, unknown>)[attr];
    }, value);
}

function substitute(node: unknown, key: string, value: unknown): unknown {
  if (typeof node === "string") {
    const whole = WHOLE.exec(node);
    if (whole) return eachValue(whole[1], whole[2], key, value);
    // Inside a larger expression, a reference becomes a literal: `aws_x.y[each.key]` → `aws_x.y["3"]`.
    const literal = node.replace(/\$\{([^}]*)\}/g, (segment, inner: string) => {
      if (!PART.test(inner)) return segment;
      PART.lastIndex = 0;
      const replaced = inner.replace(PART, (_m, which: string, attrs: string) => JSON.stringify(eachValue(which, attrs, key, value)));
      // `${"3"}` in a template is just the text 3.
      const simple = /^\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?)\s*$/.exec(replaced);
      return simple ? String(JSON.parse(simple[1])) : `\${${replaced}}`;
    });
    return literal;
  }
  if (Array.isArray(node)) return node.map((n) => substitute(n, key, value));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substitute(v, key, value)]));
  }
  return node;
}

function withoutMeta(block: Record<string, unknown>): Record<string, unknown> {
  const { ["//"]: _meta, for_each: _forEach, ...rest } = block;
  return rest;
}

/** Every resource instance of a synthesized stack, in a stable order (type, name, key). */
export function resourceInstances(stack: TfJson): ResourceInstance[] {
  const out: ResourceInstance[] = [];
  for (const [type, byName] of Object.entries<Record<string, Record<string, unknown>>>(stack.resource ?? {})) {
    for (const [name, block] of Object.entries(byName)) {
      const forEach = block.for_each;
      if (forEach === undefined) {
        out.push({ address: `${type}.${name}`, type, name, attributes: withoutMeta(block) });
        continue;
      }
      if (forEach === null || typeof forEach !== "object" || Array.isArray(forEach)) {
        throw new Error(`${type}.${name}: for_each ${JSON.stringify(forEach)} is not a literal map; it cannot be expanded without Terraform`);
      }
      for (const [key, value] of Object.entries(forEach)) {
        out.push({ address: `${type}.${name}[${JSON.stringify(key)}]`, type, name, key, attributes: substitute(withoutMeta(block), key, value) as Record<string, unknown> });
      }
    }
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export interface InstanceDiff {
  readonly added: string[];
  readonly removed: string[];
  /** Instances present in both whose attributes differ. */
  readonly changed: string[];
}

/** What a plan between two synths would touch, by instance address. */
export function diffInstances(before: TfJson, after: TfJson): InstanceDiff {
  const index = (stack: TfJson) => new Map(resourceInstances(stack).map((i) => [i.address, JSON.stringify(i.attributes)]));
  const a = index(before);
  const b = index(after);
  return {
    added: [...b.keys()].filter((k) => !a.has(k)),
    removed: [...a.keys()].filter((k) => !b.has(k)),
    changed: [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)),
  };
}
