/**
 * The configuration contract (see README "Configuration reference"): one file describes a Kafka
 * cluster and the client VPCs that connect to it. Strict: an unknown key is an error, because a
 * misspelt optional key would otherwise silently fall back to its default.
 */
import { z } from "zod";
import { DEFAULT_BOOTSTRAP_PORT, DEFAULT_BROKER_PORT_BASE } from "../modules/kafka-broker-ports/allocation";
import { CONSUMER_INPUTS } from "../modules/kafka-privatelink-consumer/inputs";
import { PROVIDER_INPUTS } from "../modules/kafka-privatelink-provider/inputs";
import { MAX_TAGS, MODULE_TAGS, PRINCIPAL_ARN, PRINCIPAL_RULE, ROLE_ARN, TAG_COUNT_RULE, tagKeyProblem, tagValueProblem } from "../modules/private/aws-rules";
import { InputRule, namePrefix, PatternRule, RULES } from "../modules/private/input-rules";
import { InputSpec, repeats, ValueOf } from "../modules/private/input-spec";
import { partitionOf, REGION_DATA } from "../modules/private/regions";

/** Seed policy: the product PrivateLink for Kafka was founded on is not offered in these regions. */
export const DEFAULT_DENIED_REGIONS = ["us-west-1", "af-south-1"];
/** `com.amazonaws.vpce.<region>.vpce-svc-<id>`: the region is the service's (the first group). */
export const SERVICE_NAME = new RegExp(RULES.serviceName.pattern);
const DEFAULT_STATE_KEY_PREFIX = "kafka-privatelink";

const pattern = (re: RegExp, rule: string) => z.string().regex(re, { error: rule });
/** A rule of the table the modules' validations are written from too (modules/private/input-rules.ts). */
const ruled = (rule: PatternRule) =>
  z
    .string()
    .max(rule.maxLength ?? Infinity, { error: rule.rule })
    .regex(new RegExp(rule.pattern), { error: rule.rule });

const region = z.string().refine((r) => partitionOf(r) !== undefined, {
  error: `is not an AWS region (known regions: the partition data of ${REGION_DATA}), such as us-east-1`,
});
const integer = (min: number, max: number, rule: string) => z.number().int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });

/** The field of a rule on one value. */
function ruleField(rule: InputRule): z.ZodType {
  switch (rule.kind) {
    case "pattern":
      return ruled(rule);
    case "range":
      return integer(rule.min, rule.max, rule.rule);
    case "oneOf":
      return z.enum(rule.values);
  }
}

/** A list of `one`, with the spec's list rules: the least number of elements, and each element once. */
function listField(one: z.ZodType, rules: InputSpec["list"]): z.ZodType {
  const list = z.array(one).min(rules?.min ?? 0);
  if (!rules?.unique) return list;
  return list.superRefine((values, ctx) => repeats(values).forEach((i) => ctx.addIssue({ code: "custom", path: [i], message: "is listed twice" })));
}

/** The configuration field of an input spec (modules/private/input-spec.ts): its type, its rule, its default. */
function specField(spec: InputSpec): z.ZodType {
  const one = spec.rule !== undefined ? ruleField(spec.rule) : spec.type === "bool" ? z.boolean() : spec.type === "number" ? z.number() : z.string();
  const field = spec.type === "list(string)" ? listField(one, spec.list) : one;
  return spec.default === undefined ? field : spec.default === null ? field.optional() : field.default(spec.default);
}

type Typed<S> = z.ZodType<ValueOf<S>, ValueOf<S>>;
type SpecField<S> = S extends { readonly default: null }
  ? z.ZodOptional<Typed<S>>
  : S extends { readonly default: unknown }
    ? z.ZodDefault<Typed<S>>
    : Typed<S>;

/** The configuration fields of a module's input specs, typed as the specs say. */
const specFields = <T extends Record<string, InputSpec>>(specs: T) =>
  Object.fromEntries(Object.entries(specs).map(([k, spec]) => [k, specField(spec)])) as { [K in keyof T]: SpecField<T[K]> };

/** AWS's tag rules (modules/private/aws-rules.ts, which the modules' validations are written from too). */
const checked = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((s, ctx) => {
    const rule = problem(s);
    if (rule !== undefined) ctx.addIssue({ code: "custom", message: rule });
  });
const tags = z
  .record(checked(tagKeyProblem), checked(tagValueProblem))
  .refine((t) => Object.keys(t).length <= MAX_TAGS - MODULE_TAGS, { error: TAG_COUNT_RULE });

/**
 * Free text that reaches the Terraform files as a string. Terraform reads `${` and `%{` in any
 * string as a template, and cdktf reads `${TfToken[...]}`, `#{TfToken[...]}` and `&{TfToken[...]}`
 * as its own references: such a string would not arrive as written, so it is refused.
 */
const TEMPLATE_SEQUENCE = /[$%#&]\{/;
const literalText = (max: number, what: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[\x21-\x7e]*$/, { error: `must be printable ASCII without spaces (${what})` })
    .refine((v) => !TEMPLATE_SEQUENCE.test(v), {
      error: "holds ${, %{, #{ or &{, which Terraform or cdktf would read as an expression instead of text",
    });

/** How a stack's AWS provider authenticates; both optional (the default credential chain). */
const awsAccess = {
  profile: literalText(128, "an AWS CLI profile name").optional(),
  assumeRoleArn: pattern(
    ROLE_ARN,
    "must be an IAM role ARN such as arn:aws:iam::111122223333:role/deploy (role names: letters, digits and + = , . @ _ -)",
  ).optional(),
};

const broker = z.strictObject({
  id: integer(0, Number.MAX_SAFE_INTEGER, "must be a non-negative integer"),
  target: z.string().min(1),
});

const clusterSchema = z.strictObject({
  region,
  bootstrapPort: integer(RULES.bootstrapPort.min, RULES.bootstrapPort.max, RULES.bootstrapPort.rule).default(DEFAULT_BOOTSTRAP_PORT),
  brokerPortBase: integer(RULES.brokerPortBase.min, RULES.brokerPortBase.max, RULES.brokerPortBase.rule).default(DEFAULT_BROKER_PORT_BASE),
  brokers: z.array(broker).min(1),
  allowedPrincipals: z.array(z.string().refine((p) => p === "*" || PRINCIPAL_ARN.test(p), { error: PRINCIPAL_RULE })).min(1),
  // CloudWatch alarm actions: SNS topics (the region rule is in validate.ts).
  alarms: z.strictObject({ actions: z.array(ruled(RULES.snsTopicArn)).min(1) }).optional(),
  tags: tags.default({}),
  ...specFields(PROVIDER_INPUTS),
  ...awsAccess,
});

const consumerSchema = z.strictObject({
  // Names end up in AWS names: `<cluster>-b<id>` target groups must fit AWS's 32 characters.
  name: ruled(namePrefix(20)),
  region,
  allowedCidrs: z.array(z.string()).min(1),
  serviceName: ruled(RULES.serviceName).optional(),
  tags: tags.default({}),
  ...specFields(CONSUMER_INPUTS),
  ...awsAccess,
});

const policySchema = z.strictObject({
  deniedRegions: z.array(region).default(DEFAULT_DENIED_REGIONS),
  allowCrossRegion: z.boolean().default(false),
  allowAnyPrincipal: z.boolean().default(false),
  allowAnyCidr: z.boolean().default(false),
});

/** Where the stacks keep their Terraform state; without it, local files beside the output folder. */
const stateSchema = z.strictObject({
  s3: z.strictObject({
    bucket: pattern(/^(?!xn--)(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name (3-63 characters of a-z, 0-9, '.', '-')"),
    /** Each stack's key is `<keyPrefix>/<stack>.tfstate`. */
    keyPrefix: pattern(
      /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/,
      "must be an S3 key prefix such as kafka-privatelink or teams/streaming (no leading, trailing or double '/')",
    ).default(DEFAULT_STATE_KEY_PREFIX),
    region,
    /** S3-native state locking (Terraform >= 1.10). */
    useLockfile: z.boolean().default(true),
  }),
});

export const configSchema = z.strictObject({
  cluster: clusterSchema,
  consumers: z.array(consumerSchema).default([]),
  // prefault: a missing policy is parsed as {}, so its fields get their own defaults.
  policy: policySchema.prefault({}),
  state: stateSchema.optional(),
});

/** A configuration as the user wrote it (optional fields may be missing). */
export type ConfigInput = z.input<typeof configSchema>;
/** A configuration with every default filled in; `validateConfig` also checked the cross-field rules. */
export type Config = z.output<typeof configSchema>;
export type ClusterConfig = Config["cluster"];
export type ConsumerConfig = Config["consumers"][number];
export type StateConfig = NonNullable<Config["state"]>;

/** The S3 key of a stack's state: one per stack, under the configured prefix. */
export const stateKey = (s3: StateConfig["s3"], stack: string) => `${s3.keyPrefix}/${stack}.tfstate`;

/** The AWS name prefix of a consumer's resources: the cluster's name and the consumer's. */
export const consumerResourceName = (cluster: ClusterConfig, consumer: Pick<ConsumerConfig, "name">) => `${cluster.name}-${consumer.name}`;

/**
 * A placeholder client VPC, in the cluster's region, for a configuration without consumers: the
 * consumer module's examples in `--out` call the module with it (stacks/examples.ts), and the
 * validator checks the names it makes as it checks a real consumer's.
 */
export const placeholderConsumer = (region: string): ConsumerConfig => ({
  name: "clients",
  region,
  vpcId: "vpc-0f1e2d3c4b5a69788",
  subnetIds: ["subnet-0f1e2d3c4b5a69781"],
  allowedCidrs: ["10.20.0.0/16"],
  tags: {},
});
