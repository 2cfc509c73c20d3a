/**
 * AWS's own rules on values the product sends it, each in one place for every layer that checks
 * them: the configuration validator (config/validate.ts, synth time), the typed module calls
 * (call.ts) and the published modules' variable validations (plan time). Each rule has a
 * TypeScript check that returns the broken rule's wording, and the same rule as a Terraform
 * expression; both are written from the constants here.
 */
/** A Terraform string literal: JSON's quoting, with `${` and `%{` escaped so Terraform reads no template. */
export const tfString = (text: string) =>
  JSON.stringify(text)
    .replace(/\$\{/g, () => "$${")
    .replace(/%\{/g, "%%{");

// ---------------------------------------------------------------------------------------------
// Names

export interface AwsNameRule {
  /** What AWS names with it (singular): "<what> name" in messages. */
  readonly what: string;
  readonly max: number;
  /** The characters AWS allows, as the body of a character class that JavaScript and RE2 read alike. */
  readonly characters: string;
  /** The same characters in words. */
  readonly charactersInWords: string;
  /** AWS refuses a name that begins or ends with '-'. */
  readonly noHyphenAtEnds: boolean;
  /** Prefixes AWS reserves (compared as AWS compares them: as written). */
  readonly reservedPrefixes: readonly string[];
}

/**
 * Elastic Load Balancing API reference, CreateLoadBalancer `Name`: "can have a maximum of 32
 * characters, must contain only alphanumeric characters or hyphens, must not begin or end with a
 * hyphen, and must not begin with "internal-"".
 */
export const LOAD_BALANCER_NAME: AwsNameRule = {
  what: "load balancer",
  max: 32,
  characters: "A-Za-z0-9-",
  charactersInWords: "letters, digits and '-'",
  noHyphenAtEnds: true,
  reservedPrefixes: ["internal-"],
};

/** CreateTargetGroup `Name`: "a maximum of 32 characters, ... only alphanumeric characters or hyphens, and must not begin or end with a hyphen". */
export const TARGET_GROUP_NAME: AwsNameRule = { ...LOAD_BALANCER_NAME, what: "target group", reservedPrefixes: [] };

/**
 * EC2 API reference, CreateSecurityGroup `GroupName`: "Up to 255 characters in length. Cannot start
 * with sg-. ... a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*" (VPC security groups).
 */
export const SECURITY_GROUP_NAME: AwsNameRule = {
  what: "security group",
  max: 255,
  characters: String.raw`A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*`,
  charactersInWords: "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*",
  noHyphenAtEnds: false,
  reservedPrefixes: ["sg-"],
};

/** CloudWatch API reference, PutMetricAlarm `AlarmName`: 1-255 characters, no ASCII control characters. */
export const ALARM_NAME: AwsNameRule = {
  what: "CloudWatch alarm",
  max: 255,
  characters: String.raw`^\x00-\x1f\x7f`,
  charactersInWords: "any character but ASCII control characters",
  noHyphenAtEnds: false,
  reservedPrefixes: [],
};

/** What is wrong with `name` as one of `rule`'s names: the words after the name in a message, or undefined. */
export function awsNameProblem(rule: AwsNameRule, name: string): string | undefined {
  const length = [...name].length;
  const named = `makes the ${rule.what} name ${JSON.stringify(name)}`;
  if (length < 1 || length > rule.max) return `${named} ${length} characters long; AWS allows ${rule.max}`;
  if (!new RegExp(`^[${rule.characters}]+$`, "u").test(name)) return `${named}, with characters AWS refuses there (${rule.charactersInWords})`;
  if (rule.noHyphenAtEnds && (name.startsWith("-") || name.endsWith("-")))
    return `${named}, which begins or ends with '-'; AWS refuses that in ${rule.what} names`;
  const prefix = rule.reservedPrefixes.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `${named}, which begins with "${prefix}"; AWS refuses that prefix in ${rule.what} names`;
  return undefined;
}

/** The first name that breaks each rule, as a problem of whatever names the prefix (one per rule: a longer list says nothing new). */
export function awsNamesProblems(names: ReadonlyArray<{ rule: AwsNameRule; name: string }>): string[] {
  const byRule = new Map<AwsNameRule, string>();
  for (const { rule, name } of names) {
    const problem = byRule.has(rule) ? undefined : awsNameProblem(rule, name);
    if (problem !== undefined) byRule.set(rule, problem);
  }
  return [...byRule.values()];
}

/** The same rule as a Terraform condition on the string expression `name`. */
export function awsNameCondition(rule: AwsNameRule, name: string): string {
  return [
    `length(${name}) <= ${rule.max}`,
    `can(regex(${tfString(`^[${rule.characters}]+$`)}, ${name}))`,
    ...(rule.noHyphenAtEnds ? [`!startswith(${name}, "-")`, `!endswith(${name}, "-")`] : []),
    ...rule.reservedPrefixes.map((p) => `!startswith(${name}, ${tfString(p)})`),
  ].join(" && ");
}

/** The rule in words, for a Terraform error message. */
export function awsNameRuleWords(rule: AwsNameRule): string {
  const parts = [`1-${rule.max} characters of ${rule.charactersInWords}`];
  if (rule.noHyphenAtEnds) parts.push("not beginning or ending with '-'");
  if (rule.reservedPrefixes.length > 0) parts.push(`not beginning with ${rule.reservedPrefixes.map((p) => `"${p}"`).join(" or ")}`);
  return `AWS's rule for ${rule.what} names: ${parts.join(", ")}`;
}

// ---------------------------------------------------------------------------------------------
// Tags

/**
 * AWS's tag rules for every service these modules tag (ELB, EC2, Route 53, CloudWatch; "Tag
 * naming limits and requirements" in the Tagging AWS Resources guide): at most 50 tags per
 * resource, keys 1-128 and values 0-256 Unicode characters of letters, digits, spaces and
 * `_ . : / = + - @`, no key beginning with `aws:` in any case (reserved for AWS). The modules add
 * no tags of their own, so all 50 are the caller's. Those characters also keep Terraform from
 * reading a tag as a template (`${`, `%{`).
 */
export const MAX_TAGS = 50;
/** Tags the modules add to every resource themselves: none (counted against MAX_TAGS, and to be named in TAG_COUNT_RULE, if that changes). */
export const MODULE_TAGS = 0;
export const MAX_TAG_KEY = 128;
export const MAX_TAG_VALUE = 256;
const TAG_CHARACTERS = String.raw`^[\p{L}\p{Zs}\p{N}_.:/=+\-@]*$`;
const TAG_CHARACTERS_RULE = "may hold only letters, digits, spaces and _ . : / = + - @ (AWS's tag characters)";
/**
 * `aws:` in any case. Spelled as classes, not case-insensitive: JavaScript's `i` and RE2's `(?i)`
 * fold other characters differently (RE2 takes `ſ` for `s`), and both layers must agree.
 */
const RESERVED_TAG_PREFIX = "^[Aa][Ww][Ss]:";

const characters = (s: string) => [...s].length;

/** A tag key's problem, or undefined. */
export function tagKeyProblem(key: string): string | undefined {
  if (characters(key) < 1 || characters(key) > MAX_TAG_KEY) return `must be a tag key of 1-${MAX_TAG_KEY} characters`;
  if (!new RegExp(TAG_CHARACTERS, "u").test(key)) return TAG_CHARACTERS_RULE;
  if (new RegExp(RESERVED_TAG_PREFIX).test(key)) return "starts with aws:, which AWS reserves for its own tags";
  return undefined;
}

/** A tag value's problem, or undefined. */
export function tagValueProblem(value: string): string | undefined {
  if (characters(value) > MAX_TAG_VALUE) return `must be a tag value of at most ${MAX_TAG_VALUE} characters`;
  if (!new RegExp(TAG_CHARACTERS, "u").test(value)) return TAG_CHARACTERS_RULE;
  return undefined;
}

export const TAG_COUNT_RULE = `must hold at most ${MAX_TAGS - MODULE_TAGS} tags (AWS's limit per resource)`;

/** Every problem of a tag map, one line each (for the typed module calls). */
export function tagsProblems(field: string, tags: Record<string, string> | undefined): string[] {
  if (!tags) return [];
  const entries = Object.entries(tags);
  return [
    ...(entries.length > MAX_TAGS - MODULE_TAGS ? [`${field}: ${entries.length} tags ${TAG_COUNT_RULE}`] : []),
    ...entries.flatMap(([k, v]) => {
      const keyRule = tagKeyProblem(k);
      const valueRule = typeof v === "string" ? tagValueProblem(v) : "must be a string";
      return [
        ...(keyRule ? [`${field}: key ${JSON.stringify(k)} ${keyRule}`] : []),
        ...(valueRule ? [`${field}[${JSON.stringify(k)}]: ${JSON.stringify(v)} ${valueRule}`] : []),
      ];
    }),
  ];
}

/**
 * The tag rules as validations of the `tags` variable. Keys and values are measured by RE2's `.`
 * (one Unicode code point), as the TypeScript checks count them, not by Terraform's length()
 * (grapheme clusters).
 */
export function tagsValidations(): Array<{ condition: string; errorMessage: string }> {
  const chars = tfString(TAG_CHARACTERS);
  const keyKept = `can(regex(${tfString(`^(?s:.{1,${MAX_TAG_KEY}})$`)}, k)) && can(regex(${chars}, k)) && !can(regex(${tfString(RESERVED_TAG_PREFIX)}, k))`;
  const valueKept = `can(regex(${tfString(`^(?s:.{0,${MAX_TAG_VALUE}})$`)}, v)) && can(regex(${chars}, v))`;
  const hold = TAG_CHARACTERS_RULE.replace(/^may hold/, "hold");
  return [
    { condition: `\${length(var.tags) <= ${MAX_TAGS - MODULE_TAGS}}`, errorMessage: `tags: \${length(var.tags)} tags given; tags ${TAG_COUNT_RULE}.` },
    {
      condition: `\${alltrue([for k, v in var.tags : ${keyKept}])}`,
      errorMessage: `tags: key \${join(", ", [for k, v in var.tags : jsonencode(k) if !(${keyKept})])} is not a tag key AWS takes: 1-${MAX_TAG_KEY} characters that ${hold}, not beginning with aws: (reserved for AWS).`,
    },
    {
      condition: `\${alltrue([for k, v in var.tags : ${valueKept}])}`,
      errorMessage: `tags: the value of \${join(", ", [for k, v in var.tags : jsonencode(k) if !(${valueKept})])} is not a tag value AWS takes: 0-${MAX_TAG_VALUE} characters that ${hold}.`,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Principals

/** IAM names: role and user names, and each segment of their path. */
const IAM_NAME = String.raw`[\w+=,.@-]{1,64}`;
const IAM_PATH = String.raw`(?:[\w+=,.@-]+/)*`;
/**
 * An IAM principal ARN as an endpoint service's allowed principal takes it (`arn:<partition>:iam::
 * <account>:root|role/...|user/...`); the first group is the partition. JavaScript and RE2 read it alike.
 */
const PRINCIPAL_ARN_PATTERN = String.raw`^arn:([a-z][a-z-]*):iam::\d{12}:(?:root|role/${IAM_PATH}${IAM_NAME}|user/${IAM_PATH}${IAM_NAME})$`;
export const PRINCIPAL_ARN = new RegExp(PRINCIPAL_ARN_PATTERN);
export const ROLE_ARN = new RegExp(String.raw`^arn:([a-z][a-z-]*):iam::\d{12}:role/${IAM_PATH}${IAM_NAME}$`);
export const PRINCIPAL_RULE =
  'must be "*" or an IAM principal ARN: arn:<partition>:iam::<12-digit account>:root, …:role/<name> or …:user/<name> (names: letters, digits and + = , . @ _ -)';

/** Terraform: the partition of the ARN `p`, or "" when `p` is not a principal ARN. */
export const principalPartition = (p: string) => `try(regex(${tfString(PRINCIPAL_ARN_PATTERN)}, ${p})[0], "")`;

// ---------------------------------------------------------------------------------------------
// Broker targets

/**
 * AWS reserves the first four addresses and the last address of every subnet ("Subnet CIDR
 * blocks", Amazon VPC User Guide), and a subnet is /16 to /28. Which subnet holds a target is not
 * known here, so a target is refused only when every subnet that could hold it reserves it:
 * - the /28 around it reserves offsets 0-3 and 15. An address whose offset in its /28 is 0-3 has
 *   low bits that can never be all ones in a larger block, so it is reserved in every block only as
 *   one of the first four, and that for the /16 too: its last 16 bits are 0-3.
 * - an offset of 15 can never be among the first four of a larger block, so it is reserved in every
 *   block only as the last address, the /16's too: its last 16 bits are all ones.
 * Hence: refused exactly when the address's last 16 bits are 0, 1, 2, 3 or 65535 (x.y.0.0-x.y.0.3,
 * x.y.255.255). Any other address is usable in some subnet (10.1.1.0 is the 257th of 10.1.0.0/16).
 */
const RESERVED_LOW_16_BITS = [0, 1, 2, 3, 65535] as const;
export const RESERVED_TARGET_RULE =
  "is reserved in every subnet that could hold it: AWS reserves the first four and the last address of every subnet (/16 to /28), and this address is one of those in each of them; use the broker's own address";

/** Whether a dotted IPv4 address is reserved in every subnet that could hold it. */
export function isReservedInEverySubnet(address: string): boolean {
  const octets = address.split(".").map(Number);
  return (RESERVED_LOW_16_BITS as readonly number[]).includes(octets[2] * 256 + octets[3]);
}

/** Terraform: the same, for the string expression `t` (false for anything that is not an address: another rule says so). */
export const reservedTargetCondition = (t: string) =>
  `try(contains([${RESERVED_LOW_16_BITS.join(", ")}], tonumber(split(".", ${t})[2]) * 256 + tonumber(split(".", ${t})[3])), false)`;

// ---------------------------------------------------------------------------------------------
// CIDR blocks

/** A canonical IPv4 CIDR block as the addresses it covers, [first, last]; undefined for anything else. */
function cidrRange(cidr: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) return undefined;
  const address = m.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(m[5]));
  return address % size === 0 ? [address, address + size - 1] : undefined;
}

/** True when the blocks together cover every IPv4 address, as 0.0.0.0/0 does. */
export function coversEveryAddress(cidrs: readonly string[]): boolean {
  const ranges = cidrs
    .map(cidrRange)
    .filter((r): r is [number, number] => r !== undefined)
    .sort((x, y) => x[0] - y[0]);
  let next = 0;
  for (const [first, last] of ranges) {
    if (first > next) return false;
    next = Math.max(next, last + 1);
  }
  return next === 2 ** 32;
}

export const COVERS_EVERY_ADDRESS_RULE = "together cover every IPv4 address, as 0.0.0.0/0 does, and open the bootstrap and broker ports to every address";

/**
 * Terraform: the blocks of the list expression `cidrs` cover every address. Aligned blocks are
 * either nested or apart, so the blocks inside no other one are apart, and they cover every
 * address exactly when their sizes add up to 2^32 (Terraform's numbers hold 2^32 exactly).
 * False when a block is not canonical (another rule says so).
 */
export function coversEveryAddressCondition(cidrs: string): string {
  const start = (c: string) => `sum([for i, o in split(".", split("/", ${c})[0]) : tonumber(o) * pow(256, 3 - i)])`;
  const size = (c: string) => `pow(2, 32 - tonumber(split("/", ${c})[1]))`;
  const inside = `anytrue([for b in distinct(${cidrs}) : b != a && ${start("b")} <= ${start("a")} && ${start("a")} + ${size("a")} <= ${start("b")} + ${size("b")}])`;
  return `try(sum(concat([0], [for a in distinct(${cidrs}) : ${size("a")} if !${inside}])) == pow(2, 32), false)`;
}
