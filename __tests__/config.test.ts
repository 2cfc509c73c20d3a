import * as fs from "node:fs";
import { EXAMPLE_CONFIG, loadConfig } from "../config/load";
import { MAX_PROBLEMS_SHOWN } from "../config/problems";
import { ConfigError, validateConfig } from "../config/validate";
import { configInput, writeConfigFile } from "./support/configs";

/** The messages of a configuration that must be refused. */
function problems(input: unknown): string[] {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError)
      return err.message
        .split("\n")
        .slice(1)
        .map((l) => l.trim());
    throw err;
  }
  throw new Error("configuration was accepted");
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("configuration", () => {
  it("loads the shipped example with the documented defaults", () => {
    const config = loadConfig(EXAMPLE_CONFIG);
    expect(config.cluster).toMatchObject({ bootstrapPort: 9091, brokerPortBase: 6000, targetType: "ip", acceptanceRequired: true, tcpIdleTimeoutSeconds: 600 });
    expect(config.policy).toEqual({ deniedRegions: ["us-west-1", "af-south-1"], allowCrossRegion: false, allowAnyPrincipal: false, allowAnyCidr: false });
    expect(config.consumers).toHaveLength(1);
  });

  it("reads JSON as well as YAML", () => {
    const { dir, file } = writeConfigFile(JSON.stringify(configInput()), "cluster.json");
    try {
      expect(loadConfig(file).cluster.brokers).toHaveLength(3);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it.each<[string, unknown, string]>([
    ["50 brokers", configInput(ids(50)), "cluster.brokers: 50 brokers given; one NLB fits at most 49 (50 listeners, one is the bootstrap)"],
    ["a denied region", configInput([1], { cluster: { region: "us-west-1" } }), 'cluster.region: "us-west-1" is in policy.deniedRegions'],
    [
      "a consumer in a denied region",
      configInput([1], { consumers: [{ ...configInput().consumers![0], region: "af-south-1" }], policy: { allowCrossRegion: true } }),
      'consumers[0].region: "af-south-1" is in policy.deniedRegions',
    ],
    [
      "a public IP target",
      configInput([1], { cluster: { brokers: [{ id: 1, target: "54.12.1.9" }] } }),
      'cluster.brokers[0].target: "54.12.1.9" is not a private address',
    ],
    [
      "a target that is not an IP",
      configInput([1], { cluster: { brokers: [{ id: 1, target: "broker-1.internal" }] } }),
      'cluster.brokers[0].target: "broker-1.internal" must be an IPv4 address',
    ],
    ["a duplicate broker ID", configInput([1, 2, 2]), "cluster.brokers[2].id: 2 duplicates brokers[1].id; broker IDs must be unique"],
    [
      "an ID whose port is the bootstrap port",
      configInput([1, 3091]),
      "cluster.brokers[1].id: 3091 gives port 9091 (brokerPortBase 6000 + ID), which is the bootstrap port",
    ],
    ["a negative ID", configInput([-1]), "cluster.brokers[0].id: -1 must be a non-negative integer"],
    ["an unknown key", { ...configInput(), clutser: {} }, "clutser: {} is not a known field"],
    ["a misspelt optional key", configInput([1], { cluster: { bootstapPort: 9092 } as never }), "cluster.bootstapPort: 9092 is not a known field"],
    ["a missing field", { ...configInput(), cluster: { ...configInput().cluster, vpcId: undefined } }, "cluster.vpcId: (missing) is required"],
    ["a bad VPC ID", configInput([1], { cluster: { vpcId: "vpc-1" } }), 'cluster.vpcId: "vpc-1" must be a VPC ID'],
    [
      "an idle timeout out of range",
      configInput([1], { cluster: { tcpIdleTimeoutSeconds: 30 } }),
      "cluster.tcpIdleTimeoutSeconds: 30 must be an integer from 60 to 6000",
    ],
    [
      "a fraction where a port belongs (the rule says which integers)",
      configInput([1], { cluster: { bootstrapPort: 9091.5 } }),
      "cluster.bootstrapPort: 9091.5 must be an integer from 1024 to 65535",
    ],
    ["a fractional broker ID", configInput([1.5]), "cluster.brokers[0].id: 1.5 must be a non-negative integer"],
    [
      "an invalid CIDR",
      configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["10.20.0.0/33"] }] }),
      'consumers[0].allowedCidrs[0]: "10.20.0.0/33" must be an IPv4 CIDR block',
    ],
    [
      "a CIDR with host bits",
      configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["10.20.1.0/16"] }] }),
      'consumers[0].allowedCidrs[0]: "10.20.1.0/16" has host bits set; write the network address 10.20.0.0/16',
    ],
    [
      "0.0.0.0/0 without opt-in",
      configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["0.0.0.0/0"] }] }),
      'consumers[0].allowedCidrs[0]: "0.0.0.0/0" opens the bootstrap and broker ports to every address',
    ],
    [
      "a principal * without opt-in",
      configInput([1], { cluster: { allowedPrincipals: ["*"] } }),
      'cluster.allowedPrincipals[0]: "*" lets every AWS account connect',
    ],
    [
      "a consumer name used twice",
      configInput([1], { consumers: [configInput().consumers![0], configInput().consumers![0]] }),
      'consumers[1].name: "analytics" is also the name of consumers[0]',
    ],
    [
      "a cross-region consumer",
      configInput([1], { consumers: [{ ...configInput().consumers![0], region: "us-east-2" }] }),
      'consumers[0].region: "us-east-2" differs from cluster.region "us-east-1"',
    ],
    [
      "a target group name over AWS's 32 characters",
      configInput([10000], { cluster: { name: "abcdefghijklmnopqrst", brokerPortBase: 0, brokerTargetPort: 19094 } }),
      'cluster.name: "abcdefghijklmnopqrst" makes the target group name "abcdefghijklmnopqrst-b10000-19094" 33 characters long; AWS allows 32',
    ],
    [
      "an endpoint ID that is not one",
      configInput([1], { cluster: { acceptEndpoints: ["vpce-svc-0123456789abcdef0"] } }),
      'cluster.acceptEndpoints[0]: "vpce-svc-0123456789abcdef0" must be an interface endpoint ID',
    ],
    [
      "an endpoint listed twice",
      configInput([1], { cluster: { acceptEndpoints: ["vpce-0123456789abcdef0", "vpce-0123456789abcdef0"] } }),
      'cluster.acceptEndpoints[1]: "vpce-0123456789abcdef0" is listed twice',
    ],
    [
      "accepting endpoints when acceptance is not required",
      configInput([1], { cluster: { acceptanceRequired: false, acceptEndpoints: ["vpce-0123456789abcdef0"] } }),
      'cluster.acceptEndpoints[0]: "vpce-0123456789abcdef0" cannot be accepted: cluster.acceptanceRequired is false',
    ],
    [
      "an alarm action that is not an SNS topic",
      configInput([1], { cluster: { alarms: { actions: ["arn:aws:sqs:us-east-1:111122223333:oncall"] } } }),
      'cluster.alarms.actions[0]: "arn:aws:sqs:us-east-1:111122223333:oncall" must be an SNS topic ARN',
    ],
    ["alarms without an action", configInput([1], { cluster: { alarms: { actions: [] } } }), "cluster.alarms.actions: [] must list at least 1"],
    [
      "an alarm topic in another region",
      configInput([1], { cluster: { alarms: { actions: ["arn:aws:sns:eu-west-1:111122223333:oncall"] } } }),
      'cluster.alarms.actions[0]: "arn:aws:sns:eu-west-1:111122223333:oncall" is a topic in eu-west-1; the alarms are in cluster.region "us-east-1"',
    ],
    [
      "a cluster name too long for AWS names",
      configInput([1], { cluster: { name: "a-very-long-cluster-name" } }),
      'cluster.name: "a-very-long-cluster-name" must be 1-20 characters',
    ],
  ])("refuses %s, naming field, value and rule", (_what, input, message) => {
    expect(problems(input)).toContainEqual(expect.stringContaining(message));
  });

  const consumer = (overrides: Record<string, unknown>) => ({ ...configInput().consumers![0], ...overrides });
  const withCidrs = (allowedCidrs: string[]) => configInput([1], { consumers: [consumer({ allowedCidrs })] });
  const withPrincipal = (principal: string) => configInput([1], { cluster: { allowedPrincipals: [principal] } });
  const withTags = (tags: Record<string, string>) => configInput([1], { cluster: { tags } });

  it.each<[string, unknown, string]>([
    [
      "a consumer with more CIDRs than security groups fit on its endpoint",
      withCidrs(["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"]),
      'consumers[0].allowedCidrs: a list of 6 holds more than 5 CIDR blocks; each gets its own security group on the endpoint (1 + one rule per broker, within AWS\'s 60 inbound rules per security group), and AWS allows 5 security groups per network interface by default (quota "Security groups per network interface")',
    ],
    [
      "two consumers in one VPC (two private zones for one name: ConflictingDomainExists)",
      configInput([1], { consumers: [consumer({}), consumer({ name: "billing", allowedCidrs: ["10.30.0.0/16"] })] }),
      'consumers[1].vpcId: "vpc-0f1e2d3c4b5a69788" is also the VPC of consumers[0]; a VPC resolves orders.kafka.example.internal through one private zone and one record, so a second consumer there fails at apply (a second zone: ConflictingDomainExists; a shared zone: the record exists)',
    ],
    [
      "two consumers in one VPC that share an existing zone (the second record exists)",
      configInput([1], {
        consumers: [consumer({ hostedZoneId: "Z0123456789ABCDEFGHIJ" }), consumer({ name: "billing", hostedZoneId: "Z0123456789ABCDEFGHIJ" })],
      }),
      'consumers[1].vpcId: "vpc-0f1e2d3c4b5a69788" is also the VPC of consumers[0]',
    ],
    [
      "a cluster name that makes every consumer's security group names begin with sg-, before the first consumer",
      { ...configInput([1], { cluster: { name: "sg" } }), consumers: [] },
      'cluster.name: "sg" makes the security group name "sg-clients-kafka-10.20.0.0/16", which begins with "sg-"; AWS refuses that prefix in security group names (the consumer example\'s; every consumer\'s would begin so)',
    ],
    [
      "two consumers in two VPCs that share an existing zone (a zone is global: the second record exists)",
      configInput([1], {
        consumers: [
          consumer({ hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
          consumer({ name: "billing", vpcId: "vpc-0f1e2d3c4b5a69799", allowedCidrs: ["10.30.0.0/16"], hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
        ],
      }),
      'consumers[1].hostedZoneId: "Z0123456789ABCDEFGHIJ" is also the zone of consumers[0]; each consumer writes the record for orders.kafka.example.internal into its zone, so the second fails at apply (the record exists)',
    ],
    [
      "a serviceName in another region than the cluster's service",
      configInput([1], { consumers: [consumer({ serviceName: "com.amazonaws.vpce.us-east-2.vpce-svc-0123456789abcdef0" })] }),
      'consumers[0].serviceName: "com.amazonaws.vpce.us-east-2.vpce-svc-0123456789abcdef0" names a service in region us-east-2, but the cluster\'s endpoint service is in cluster.region us-east-1',
    ],
    [
      "a made-up cluster region",
      configInput([1], { cluster: { region: "us-east-9" } }),
      'cluster.region: "us-east-9" is not an AWS region (known regions: the partition data of @aws-sdk/util-endpoints',
    ],
    [
      "a made-up consumer region",
      configInput([1], { consumers: [consumer({ region: "xx-fake-1" })] }),
      'consumers[0].region: "xx-fake-1" is not an AWS region',
    ],
    ["a made-up denied region", configInput([1], { policy: { deniedRegions: ["us-wset-1"] } }), 'policy.deniedRegions[0]: "us-wset-1" is not an AWS region'],
    [
      "a consumer in another partition",
      configInput([1], { consumers: [consumer({ region: "cn-north-1" })], policy: { allowCrossRegion: true } }),
      'consumers[0].region: "cn-north-1" is in partition "aws-cn", but cluster.region us-east-1 is in "aws"; PrivateLink does not cross partitions',
    ],
    [
      "two halves of the address space ([0.0.0.0/1, 128.0.0.0/1])",
      withCidrs(["0.0.0.0/1", "128.0.0.0/1"]),
      'consumers[0].allowedCidrs: ["0.0.0.0/1","128.0.0.0/1"] together cover every IPv4 address, as 0.0.0.0/0 does',
    ],
    ["blocks that overlap and cover every address", withCidrs(["0.0.0.0/2", "0.0.0.0/1", "64.0.0.0/2", "128.0.0.0/1"]), "together cover every IPv4 address"],
    ["a CIDR listed twice", withCidrs(["10.20.0.0/16", "10.21.0.0/16", "10.20.0.0/16"]), 'consumers[0].allowedCidrs[2]: "10.20.0.0/16" is listed twice'],
    [
      "a principal listed twice",
      configInput([1], { cluster: { allowedPrincipals: ["arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"] } }),
      'cluster.allowedPrincipals[1]: "arn:aws:iam::111122223333:root" is listed twice',
    ],
    [
      "a CIDR with a leading zero in an octet",
      withCidrs(["10.020.0.0/16"]),
      'consumers[0].allowedCidrs[0]: "10.020.0.0/16" has leading zeros; write 10.20.0.0/16',
    ],
    [
      "a CIDR with a leading zero in the prefix",
      withCidrs(["10.20.0.0/016"]),
      'consumers[0].allowedCidrs[0]: "10.20.0.0/016" has leading zeros; write 10.20.0.0/16',
    ],
    [
      "a broker target with a leading zero",
      configInput([1], { cluster: { brokers: [{ id: 1, target: "10.0.0.011" }] } }),
      'cluster.brokers[0].target: "10.0.0.011" has leading zeros; write 10.0.0.11',
    ],
    [
      "a role name with a space",
      withPrincipal("arn:aws:iam::111122223333:role/my role"),
      'cluster.allowedPrincipals[0]: "arn:aws:iam::111122223333:role/my role" must be "*" or an IAM principal ARN',
    ],
    [
      "a wildcard role",
      withPrincipal("arn:aws:iam::111122223333:role/*"),
      'cluster.allowedPrincipals[0]: "arn:aws:iam::111122223333:role/*" must be "*" or an IAM principal ARN',
    ],
    [
      "an unknown partition",
      withPrincipal("arn:aws-xx:iam::111122223333:root"),
      'cluster.allowedPrincipals[0]: "arn:aws-xx:iam::111122223333:root" is in partition "aws-xx", but cluster.region us-east-1 is in partition "aws"',
    ],
    [
      "another partition's principal",
      withPrincipal("arn:aws-cn:iam::111122223333:root"),
      'is in partition "aws-cn", but cluster.region us-east-1 is in partition "aws"; IAM principals do not cross partitions',
    ],
    [
      "an assumed role in another partition",
      configInput([1], { cluster: { assumeRoleArn: "arn:aws-us-gov:iam::111122223333:role/deploy" } }),
      'cluster.assumeRoleArn: "arn:aws-us-gov:iam::111122223333:role/deploy" is in partition "aws-us-gov"',
    ],
    [
      "51 tags",
      withTags(Object.fromEntries(ids(51).map((i) => [`k${i}`, "v"]))),
      "cluster.tags: a mapping of 51 keys must hold at most 50 tags (AWS's limit per resource)",
    ],
    [
      "a tag key of 129 characters",
      withTags({ ["k".repeat(129)]: "v" }),
      `cluster.tags["${"k".repeat(60)}"… (129 characters)]: "${"k".repeat(60)}"… (129 characters) as a key must be a tag key of 1-128 characters`,
    ],
    [
      "a tag value of 257 characters",
      withTags({ k: "v".repeat(257) }),
      `cluster.tags.k: "${"v".repeat(60)}"… (257 characters) must be a tag value of at most 256 characters`,
    ],
    [
      "a tag key with AWS's prefix",
      configInput([1], { consumers: [consumer({ tags: { "AWS:owner": "me" } })] }),
      'consumers[0].tags["AWS:owner"]: "AWS:owner" as a key starts with aws:, which AWS reserves for its own tags',
    ],
    ["a newline in a tag value", withTags({ k: "a\nb" }), 'cluster.tags.k: "a\\nb" may hold only letters, digits, spaces and _ . : / = + - @'],
    ["a NUL in a tag key", withTags({ "a\u0000b": "v" }), 'cluster.tags["a\\u0000b"]: "a\\u0000b" as a key may hold only letters, digits, spaces'],
    [
      "a Terraform interpolation in a tag",
      withTags({ k: "${path.cwd}" }),
      'cluster.tags.k: "${path.cwd}" may hold only letters, digits, spaces and _ . : / = + - @',
    ],
    ["a Terraform directive in a tag", withTags({ k: "%{ if true }x%{ endif }" }), 'cluster.tags.k: "%{ if true }x%{ endif }" may hold only'],
    ["a cdktf token in a tag", withTags({ k: "${TfToken[TOKEN.5]}" }), 'cluster.tags.k: "${TfToken[TOKEN.5]}" may hold only'],
    [
      "a Terraform function in a profile",
      configInput([1], { cluster: { profile: '${file("/etc/passwd")}' } }),
      'cluster.profile: "${file(\\"/etc/passwd\\")}" holds ${, %{, #{ or &{, which Terraform or cdktf would read as an expression instead of text',
    ],
    [
      "a cdktf string token as a profile",
      configInput([1], { consumers: [consumer({ profile: "${TfToken[TOKEN.5]}" })] }),
      'consumers[0].profile: "${TfToken[TOKEN.5]}" holds ${, %{, #{ or &{',
    ],
    [
      "a cdktf list token as a profile",
      configInput([1], { cluster: { profile: "#{TfToken[TOKEN.1]}" } }),
      'cluster.profile: "#{TfToken[TOKEN.1]}" holds ${, %{, #{ or &{',
    ],
    [
      "a profile with a newline",
      configInput([1], { cluster: { profile: "dev\nprod" } }),
      'cluster.profile: "dev\\nprod" must be printable ASCII without spaces',
    ],
    ["200,000 brokers", configInput(Array.from({ length: 200_000 }, (_, i) => i)), "cluster.brokers: 200000 brokers given; one NLB fits at most 49"],
    [
      "an infinite idle timeout",
      configInput([1], { cluster: { tcpIdleTimeoutSeconds: Infinity } }),
      "cluster.tcpIdleTimeoutSeconds: Infinity must be a finite number",
    ],
    ["a NaN delay", configInput([1], { cluster: { deregistrationDelaySeconds: NaN } }), "cluster.deregistrationDelaySeconds: NaN must be a finite number"],
    ["a document that is a list", [configInput()], "(document): a list of 1 must be a mapping (key: value)"],
    [
      "a huge value",
      configInput([1], { cluster: { vpcId: "vpc-" + "0".repeat(1_000_000) } }),
      `cluster.vpcId: "vpc-${"0".repeat(56)}"… (1000004 characters) must be a VPC ID`,
    ],
  ])("refuses %s, naming field, value and rule", (_what, input, message) => {
    expect(problems(input)).toContainEqual(expect.stringContaining(message));
  });

  it("reports every problem at once, an unknown key among them", () => {
    const input = {
      ...configInput([1], { cluster: { region: "us-east-9" }, consumers: [consumer({ allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })] }),
      extra: 1,
    };
    expect(problems(input).map((p) => p.split(":")[0])).toEqual(["cluster.region", "extra"]);
    const onlyUnknown = { ...configInput([1], { consumers: [consumer({ allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] })] }), extra: 1 };
    expect(problems(onlyUnknown).map((p) => p.split(":")[0])).toEqual(["extra", "consumers[0].allowedCidrs"]);
  });

  it("keeps every message on one line and the list of problems short", () => {
    const input = configInput([1], { cluster: { tags: Object.fromEntries(ids(100).map((i) => [`k${i}\n`, "v"])) } });
    const message = (() => {
      try {
        validateConfig(input);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error("accepted");
    })();
    const lines = message.split("\n");
    expect(lines[0]).toBe("configuration: invalid configuration (100 problems)");
    expect(lines).toHaveLength(1 + MAX_PROBLEMS_SHOWN + 1);
    expect(lines[MAX_PROBLEMS_SHOWN + 1]).toBe("  … and 50 more");
    expect(lines[1]).toBe('  cluster.tags["k1\\n"]: "k1\\n" as a key may hold only letters, digits, spaces and _ . : / = + - @ (AWS\'s tag characters)');
  });

  it("accepts AWS's tag characters in any script, and every listed region of every partition", () => {
    const tags = { Kostenstelle: "Müller/42", チーム: "ストリーミング", "a.b:c/d=e+f-g@h_i": "x y" };
    expect(validateConfig(withTags(tags)).cluster.tags).toEqual(tags);
    for (const region of ["me-central-1", "mx-central-1", "ap-southeast-5"]) {
      expect(validateConfig(configInput([1], { cluster: { region }, consumers: [consumer({ region })] })).cluster.region).toBe(region);
    }
    expect(
      validateConfig(
        configInput([1], { cluster: { region: "cn-north-1", allowedPrincipals: ["arn:aws-cn:iam::111122223333:role/team/kafka-clients"] }, consumers: [] }),
      ).cluster.region,
    ).toBe("cn-north-1");
  });

  it("accepts what the policy explicitly opts into", () => {
    const input = configInput([1], {
      cluster: { region: "us-west-1", allowedPrincipals: ["*"] },
      consumers: [{ ...configInput().consumers![0], region: "us-east-2", allowedCidrs: ["0.0.0.0/0"] }],
      policy: { deniedRegions: [], allowCrossRegion: true, allowAnyPrincipal: true, allowAnyCidr: true },
    });
    expect(validateConfig(input).policy.allowCrossRegion).toBe(true);
  });

  it("lists every problem of a file in one message", () => {
    const input = configInput([1, 1], {
      cluster: {
        region: "af-south-1",
        brokers: [
          { id: 1, target: "10.0.0.11" },
          { id: 1, target: "8.8.8.8" },
        ],
      },
    });
    expect(problems(input).map((p) => p.split(":")[0])).toEqual([
      "cluster.region",
      "cluster.brokers[1].id",
      "cluster.brokers[1].target",
      "consumers[0].region",
    ]);
  });

  it("refuses a file that is not YAML, naming the file", () => {
    const { dir, file } = writeConfigFile("cluster: [unclosed");
    try {
      expect(() => loadConfig(file)).toThrow(`${file}: invalid configuration`);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
