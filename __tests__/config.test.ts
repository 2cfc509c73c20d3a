import * as fs from "node:fs";
import { EXAMPLE_CONFIG, loadConfig } from "../config/load";
import { ConfigError, validateConfig } from "../config/validate";
import { configInput, writeConfigFile } from "./support/configs";

/** The messages of a configuration that must be refused. */
function problems(input: unknown): string[] {
  try {
    validateConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split("\n").slice(1).map((l) => l.trim());
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
    ["a consumer in a denied region", configInput([1], { consumers: [{ ...configInput().consumers![0], region: "af-south-1" }], policy: { allowCrossRegion: true } }), 'consumers[0].region: "af-south-1" is in policy.deniedRegions'],
    ["a public IP target", configInput([1], { cluster: { brokers: [{ id: 1, target: "54.12.1.9" }] } }), 'cluster.brokers[0].target: "54.12.1.9" is not a private address'],
    ["a target that is not an IP", configInput([1], { cluster: { brokers: [{ id: 1, target: "broker-1.internal" }] } }), 'cluster.brokers[0].target: "broker-1.internal" must be an IPv4 address'],
    ["a duplicate broker ID", configInput([1, 2, 2]), "cluster.brokers[2].id: 2 duplicates brokers[1].id; broker IDs must be unique"],
    ["an ID whose port is the bootstrap port", configInput([1, 3091]), "cluster.brokers[1].id: 3091 gives port 9091 (brokerPortBase 6000 + ID), which is the bootstrap port"],
    ["a negative ID", configInput([-1]), "cluster.brokers[0].id: -1 must be a non-negative integer"],
    ["an unknown key", { ...configInput(), clutser: {} }, 'clutser: {} is not a known field'],
    ["a misspelt optional key", configInput([1], { cluster: { bootstapPort: 9092 } as never }), "cluster.bootstapPort: 9092 is not a known field"],
    ["a missing field", { ...configInput(), cluster: { ...configInput().cluster, vpcId: undefined } }, "cluster.vpcId: (missing) is required"],
    ["a bad VPC ID", configInput([1], { cluster: { vpcId: "vpc-1" } }), 'cluster.vpcId: "vpc-1" must be a VPC ID'],
    ["an idle timeout out of range", configInput([1], { cluster: { tcpIdleTimeoutSeconds: 30 } }), "cluster.tcpIdleTimeoutSeconds: 30 must be an integer from 60 to 6000"],
    ["an invalid CIDR", configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["10.20.0.0/33"] }] }), 'consumers[0].allowedCidrs[0]: "10.20.0.0/33" must be an IPv4 CIDR block'],
    ["a CIDR with host bits", configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["10.20.1.0/16"] }] }), 'consumers[0].allowedCidrs[0]: "10.20.1.0/16" has host bits set; write the network address 10.20.0.0/16'],
    ["0.0.0.0/0 without opt-in", configInput([1], { consumers: [{ ...configInput().consumers![0], allowedCidrs: ["0.0.0.0/0"] }] }), 'consumers[0].allowedCidrs[0]: "0.0.0.0/0" opens the bootstrap and broker ports to every address'],
    ["a principal * without opt-in", configInput([1], { cluster: { allowedPrincipals: ["*"] } }), 'cluster.allowedPrincipals[0]: "*" lets every AWS account connect'],
    ["a consumer name used twice", configInput([1], { consumers: [configInput().consumers![0], configInput().consumers![0]] }), 'consumers[1].name: "analytics" is also the name of consumers[0]'],
    ["a cross-region consumer", configInput([1], { consumers: [{ ...configInput().consumers![0], region: "us-east-2" }] }), 'consumers[0].region: "us-east-2" differs from cluster.region "us-east-1"'],
    [
      "a target group name over AWS's 32 characters",
      configInput([10000], { cluster: { name: "abcdefghijklmnopqrst", brokerPortBase: 0, brokerTargetPort: 19094 } }),
      'cluster.name: "abcdefghijklmnopqrst" makes the target group name "abcdefghijklmnopqrst-b10000-19094" 33 characters long; AWS allows 32',
    ],
    ["an endpoint ID that is not one", configInput([1], { cluster: { acceptEndpoints: ["vpce-svc-0123456789abcdef0"] } }), 'cluster.acceptEndpoints[0]: "vpce-svc-0123456789abcdef0" must be an interface endpoint ID'],
    ["an endpoint listed twice", configInput([1], { cluster: { acceptEndpoints: ["vpce-0123456789abcdef0", "vpce-0123456789abcdef0"] } }), 'cluster.acceptEndpoints[1]: "vpce-0123456789abcdef0" is listed twice'],
    [
      "accepting endpoints when acceptance is not required",
      configInput([1], { cluster: { acceptanceRequired: false, acceptEndpoints: ["vpce-0123456789abcdef0"] } }),
      'cluster.acceptEndpoints[0]: "vpce-0123456789abcdef0" cannot be accepted: cluster.acceptanceRequired is false',
    ],
    ["an alarm action that is not an SNS topic", configInput([1], { cluster: { alarms: { actions: ["arn:aws:sqs:us-east-1:111122223333:oncall"] } } }), 'cluster.alarms.actions[0]: "arn:aws:sqs:us-east-1:111122223333:oncall" must be an SNS topic ARN'],
    ["alarms without an action", configInput([1], { cluster: { alarms: { actions: [] } } }), "cluster.alarms.actions: [] must list at least 1"],
    [
      "an alarm topic in another region",
      configInput([1], { cluster: { alarms: { actions: ["arn:aws:sns:eu-west-1:111122223333:oncall"] } } }),
      'cluster.alarms.actions[0]: "arn:aws:sns:eu-west-1:111122223333:oncall" is a topic in eu-west-1; the alarms are in cluster.region "us-east-1"',
    ],
    ["a cluster name too long for AWS names", configInput([1], { cluster: { name: "a-very-long-cluster-name" } }), 'cluster.name: "a-very-long-cluster-name" must be 1-20 characters'],
  ])("refuses %s, naming field, value and rule", (_what, input, message) => {
    expect(problems(input)).toContainEqual(expect.stringContaining(message));
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
    const input = configInput([1, 1], { cluster: { region: "af-south-1", brokers: [{ id: 1, target: "10.0.0.1" }, { id: 1, target: "8.8.8.8" }] } });
    expect(problems(input).map((p) => p.split(":")[0])).toEqual(["cluster.region", "cluster.brokers[1].id", "cluster.brokers[1].target", "consumers[0].region"]);
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
