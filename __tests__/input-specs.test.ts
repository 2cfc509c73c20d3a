/**
 * Each input spec (modules/*\/inputs.ts) is the one home of its input: for every entry, the
 * module variable, the configuration field, the stacks' mapping, the typed call and the review
 * setting follow it. The tests iterate the tables, so a new entry is held to all of them.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import * as fc from "fast-check";
import { ConfigError } from "../config/problems";
import { Config } from "../config/schema";
import { validateConfig } from "../config/validate";
import { runSynth } from "../job/job";
import { compareSettings, reviewSettings } from "../job/review/settings";
import { allocatePorts } from "../modules/kafka-broker-ports/allocation";
import { KafkaPrivateLinkConsumer, KafkaPrivateLinkConsumerProps } from "../modules/kafka-privatelink-consumer/call";
import { CONSUMER_INPUTS } from "../modules/kafka-privatelink-consumer/inputs";
import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { KafkaPrivateLinkProvider } from "../modules/kafka-privatelink-provider/call";
import { PROVIDER_INPUTS } from "../modules/kafka-privatelink-provider/inputs";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { minItemsRule, minItemsValidation, ruleCondition, uniqueValidation } from "../modules/private/input-rules";
import { InputSpec, repeats, snakeCase } from "../modules/private/input-spec";
import { consumerProps, providerProps } from "../stacks/inputs";
import { configInput } from "./support/configs";
import { moduleJson } from "./support/module-json";

type Section = "cluster" | "consumers";
const SERVICE = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0";
const TABLES: ReadonlyArray<[Section, string, Record<string, InputSpec>]> = [
  ["cluster", PROVIDER_MODULE, PROVIDER_INPUTS],
  ["consumers", CONSUMER_MODULE, CONSUMER_INPUTS],
];
const ENTRIES = TABLES.flatMap(([section, module, specs]) => Object.entries(specs).map(([key, spec]) => ({ section, module, key, spec })));

/** What else a value needs to be valid: instance targets take EC2 instance IDs. */
const COMPANIONS: Record<string, (value: unknown) => object> = {
  targetType: (value) =>
    value === "instance" ? { brokers: configInput().cluster.brokers.map((b) => ({ id: b.id, target: `i-0123456789abcdef${b.id}` })) } : {},
};

/** The example configuration with `key` of the cluster (or of its one consumer) set to `value`. */
function withValue(section: Section, key: string, value: unknown) {
  const input = configInput();
  if (section === "cluster") return { ...input, cluster: { ...input.cluster, ...COMPANIONS[key]?.(value), [key]: value } };
  return { ...input, consumers: [{ ...input.consumers![0], [key]: value }] };
}
const valueIn = (config: Config, section: Section) => (section === "cluster" ? config.cluster : config.consumers[0]) as unknown as Record<string, unknown>;
/** The module inputs a configuration maps to (stacks/inputs.ts), as the module call writes them. */
function moduleInputsOf(config: Config, section: Section): Record<string, unknown> {
  const props = section === "cluster" ? providerProps(config) : consumerProps(config, config.consumers[0], SERVICE);
  const call = JSON.parse(
    Testing.synthScope((scope) =>
      section === "cluster"
        ? new KafkaPrivateLinkProvider(scope, "kafka", { source: "./p", ...providerProps(config) })
        : new KafkaPrivateLinkConsumer(scope, "kafka", { source: "./c", ...(props as Omit<KafkaPrivateLinkConsumerProps, "source">) }),
    ),
  );
  return call.module.kafka;
}

/** A value that keeps the spec's rule and differs from `than`: a list gets one element more. */
function anotherValue(spec: InputSpec, than: unknown): unknown {
  const rule = spec.rule;
  const taken = spec.type === "list(string)" ? (than as unknown[]) : [than];
  const one = (): unknown => {
    if (spec.type === "bool") return !than;
    if (rule?.kind === "oneOf") return rule.values.find((v) => !taken.includes(v));
    if (rule?.kind === "range") return than === rule.min ? rule.max : rule.min;
    if (rule?.kind === "pattern") {
      const kept = fc.stringMatching(new RegExp(rule.pattern)).filter((s) => s.length <= (rule.maxLength ?? Infinity) && !taken.includes(s));
      return fc.sample(kept, { numRuns: 1, seed: 42 })[0];
    }
    throw new Error("a spec without a rule needs its own case here");
  };
  return spec.type === "list(string)" ? [...taken, one()] : one();
}

/** A value that breaks the spec's rule. */
function breakingValue(spec: InputSpec): unknown {
  const rule = spec.rule!;
  const one = rule.kind === "range" ? rule.max + 1 : rule.kind === "oneOf" ? "not-one-of-them" : "!";
  return spec.type === "list(string)" ? [one] : one;
}

describe.each(ENTRIES)("input spec $key of $section", ({ section, module, key, spec }) => {
  const name = snakeCase(key);
  const example = validateConfig(configInput());

  it("is the module variable: its name in snake_case, type, description, default and rule", () => {
    const variable = moduleJson(module, "variables.tf.json").variable[name];
    expect(variable).toMatchObject({ type: spec.type, description: spec.description });
    expect(variable.default).toEqual(spec.default);
    if (spec.rule) {
      const conditions = (variable.validation ?? []).map((v: { condition: string }) => v.condition).join("\n");
      expect(conditions).toContain(ruleCondition(spec.rule, spec.type === "list(string)" ? "e" : `var.${name}`));
    }
  });

  it("is the configuration field: unset, it takes the spec's default; breaking the rule is refused, naming the field, the value and the rule", () => {
    if ("default" in spec) expect(valueIn(example, section)[key]).toEqual(spec.default ?? undefined);
    else expect(() => validateConfig(withValue(section, key, undefined))).toThrow(ConfigError);
    if (!spec.rule) return;
    const field = section === "cluster" ? `cluster.${key}` : `consumers[0].${key}`;
    let error: ConfigError | undefined;
    try {
      validateConfig(withValue(section, key, breakingValue(spec)));
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems.map((p) => p.field)).toEqual([spec.type === "list(string)" ? `${field}[0]` : field]);
    // The configuration quotes a set's values (YAML would read ip and "ip" alike).
    expect(error?.problems[0].rule).toBe(
      spec.rule.kind === "oneOf" ? `must be one of ${spec.rule.values.map((v) => JSON.stringify(v)).join(", ")}` : spec.rule.rule,
    );
  });

  it("reaches the module call as the configuration holds it, and a typed call refuses a value that breaks the rule", () => {
    const value = anotherValue(spec, valueIn(example, section)[key]);
    const config = validateConfig(withValue(section, key, value));
    expect(moduleInputsOf(config, section)[name]).toEqual(value);
    if (!spec.rule) return;
    const bad = breakingValue(spec);
    const build = () =>
      Testing.synthScope((scope) =>
        section === "cluster"
          ? new KafkaPrivateLinkProvider(scope, "kafka", { source: "./p", ...providerProps(example), [key]: bad })
          : new KafkaPrivateLinkConsumer(scope, "kafka", {
              source: "./c",
              ...consumerProps(example, example.consumers[0], SERVICE),
              [key]: bad,
            }),
      );
    expect(build).toThrow(
      `${spec.type === "list(string)" ? `${key}[0]` : key}: ${JSON.stringify(spec.type === "list(string)" ? (bad as unknown[])[0] : bad)} ${spec.rule.rule}`,
    );
  });

  it("is a review setting, and a change of it is reviewed at the spec's level", () => {
    const ports = (c: Config) =>
      allocatePorts({ brokerIds: c.cluster.brokers.map((b) => b.id), bootstrapPort: c.cluster.bootstrapPort, brokerPortBase: c.cluster.brokerPortBase });
    const settingsOf = (c: Config) => {
      const s = reviewSettings(c, ports(c));
      return section === "cluster" ? s.cluster : s.consumers[c.consumers[0].name];
    };
    expect(settingsOf(example)[key]).toEqual(valueIn(example, section)[key] ?? null);
    const changed = validateConfig(withValue(section, key, anotherValue(spec, valueIn(example, section)[key])));
    const { changes } = compareSettings(reviewSettings(example, ports(example)), reviewSettings(changed, ports(changed)));
    const label = section === "cluster" ? `\`cluster.${key}\`` : `\`consumers.${example.consumers[0].name}.${key}\``;
    // Only the companions' changes besides (COMPANIONS).
    expect(changes.filter((c) => !c.text.startsWith(label)).length).toBe(key in COMPANIONS ? changes.length - 1 : 0);
    expect(changes.filter((c) => c.text.startsWith(label)).map((c) => c.level)).toEqual([spec.review.level]);
    const { removed } = spec.review;
    // A baseline written before the input existed: the input at its default is no change.
    if ("default" in spec) {
      const baseline = reviewSettings(example, ports(example));
      const without = (settings: Record<string, unknown>) => Object.fromEntries(Object.entries(settings).filter(([k]) => k !== key));
      const older =
        section === "cluster"
          ? { ...baseline, cluster: without(baseline.cluster) }
          : { ...baseline, consumers: { [example.consumers[0].name]: without(baseline.consumers[example.consumers[0].name]) } };
      expect(compareSettings(older as typeof baseline, baseline).changes).toEqual([]);
      const fromOlder = compareSettings(older as typeof baseline, reviewSettings(changed, ports(changed))).changes;
      expect(fromOlder.filter((c) => c.text.startsWith(label)).map((c) => c.level)).toEqual([spec.review.level]);
    }
    // The element added above, removed again.
    if (removed)
      expect(compareSettings(reviewSettings(changed, ports(changed)), reviewSettings(example, ports(example))).changes.map((c) => c.level)).toEqual([
        removed.level,
      ]);
  });
});

describe.each(ENTRIES.filter((e) => e.spec.list !== undefined))("input spec $key of $section, a list", ({ section, module, key, spec }) => {
  const name = snakeCase(key);
  const example = validateConfig(configInput());

  it("as a list: too few elements and an element listed twice are refused by the variable, the configuration and the typed call", () => {
    const { min, unique, item } = spec.list!;
    const conditions = (moduleJson(module, "variables.tf.json").variable[name].validation ?? []).map((v: { condition: string }) => v.condition);
    expect(conditions.includes(minItemsValidation(name, `var.${name}`, min ?? 0, item).condition)).toBe(min !== undefined);
    expect(conditions.includes(uniqueValidation(name, `var.${name}`).condition)).toBe(unique === true);
    const field = section === "cluster" ? `cluster.${key}` : `consumers[0].${key}`;
    const problems = (value: unknown) => {
      try {
        validateConfig(withValue(section, key, value));
        return [];
      } catch (err) {
        return (err as ConfigError).problems.map((p) => `${p.field}: ${p.rule}`);
      }
    };
    const v = (anotherValue(spec, []) as string[])[0];
    expect(problems([])).toEqual(min ? [`${field}: must list at least ${min}`] : []);
    expect(problems([v, v])).toEqual(unique ? [`${field}[1]: is listed twice`] : []);
    const call = (value: unknown) => () =>
      Testing.synthScope((scope) =>
        section === "cluster"
          ? new KafkaPrivateLinkProvider(scope, "kafka", { source: "./p", ...providerProps(example), [key]: value })
          : new KafkaPrivateLinkConsumer(scope, "kafka", { source: "./c", ...consumerProps(example, example.consumers[0], SERVICE), [key]: value }),
      );
    if (min) expect(call([])).toThrow(`${key}: [] ${minItemsRule(min, item)}`);
    if (unique) expect(call([v, v])).toThrow(`${key}[1]: ${JSON.stringify(v)} is listed twice`);
  });
});

describe("the port lock's settings", () => {
  it("of a lock 0.2.0 wrote are written again byte for byte for the same configuration (the settings keep 0.2's order)", () => {
    const fixture = path.join(__dirname, "fixtures", "lock-0.2.0");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-lock-0.2-"));
    try {
      for (const f of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
      runSynth({ configFile: path.join(dir, "orders.yaml"), outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
      expect(fs.readFileSync(path.join(dir, "orders.ports.lock.json"), "utf8")).toBe(fs.readFileSync(path.join(fixture, "orders.ports.lock.json"), "utf8"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("repeats: the elements a list already held, which the unique list rules refuse", () => {
  it("gives the index of every element an earlier one equals, the first of each value kept", () => {
    expect(repeats(["a", "b", "a", "a", "c", "b"])).toEqual([2, 3, 5]);
    expect(repeats([])).toEqual([]);
  });

  it("agrees with the definition for any list: an element repeats when indexOf finds it earlier", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("a", "b", "c", "d", "e", "f")), (list) => {
        expect(repeats(list)).toEqual(list.flatMap((v, i) => (list.indexOf(v) < i ? [i] : [])));
      }),
    );
  });
});
