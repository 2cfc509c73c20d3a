import { ConfigError, validateConfig } from "../config/validate";
import { config, configInput, synthDeploy } from "./support/configs";
import { TfJson } from "../modules/packaging/terraform-json";

const S3 = { bucket: "acme-tfstate", keyPrefix: "teams/streaming", region: "eu-west-1" };

describe("remote state (state.s3)", () => {
  const { stacks } = synthDeploy(config([1, 2], { state: { s3: S3 } }));
  const provider = stacks["orders-provider"];
  const consumer = stacks["orders-consumer-analytics"];

  it("gives every stack an S3 backend with a key of its own, encrypted and locked with a lock file", () => {
    expect(provider.terraform.backend).toEqual({
      s3: { bucket: "acme-tfstate", key: "teams/streaming/orders-provider.tfstate", region: "eu-west-1", encrypt: true, use_lockfile: true },
    });
    expect(consumer.terraform.backend.s3.key).toBe("teams/streaming/orders-consumer-analytics.tfstate");
    expect(consumer.terraform.backend.local).toBeUndefined();
  });

  it("reads the provider stack's state for the consumer's cross-stack reference from the same place", () => {
    const remote = Object.entries<TfJson>(consumer.data.terraform_remote_state);
    expect(remote).toHaveLength(1);
    const [name, state] = remote[0];
    const { use_lockfile: _locking, ...backend } = provider.terraform.backend.s3;
    expect(state).toMatchObject({ backend: "s3", config: backend });
    // The module call's service name is read through it, from an output the provider stack has.
    const reference = new RegExp(`^\\$\\{data\\.terraform_remote_state\\.${name}\\.outputs\\.([^}]+)\\}$`).exec(consumer.module.kafka.connection.service_name);
    expect(reference).not.toBeNull();
    expect(provider.output[reference![1]].value).toBe("${module.kafka.endpoint_service_name}");
  });

  it("defaults the key prefix and locking, and keeps the local backend without state", () => {
    const defaults = synthDeploy(config([1], { state: { s3: { bucket: "acme-tfstate", region: "us-east-1" } } })).stacks["orders-provider"];
    expect(defaults.terraform.backend.s3).toMatchObject({ key: "kafka-privatelink/orders-provider.tfstate", use_lockfile: true });
    const unlocked = synthDeploy(config([1], { state: { s3: { ...S3, useLockfile: false } } })).stacks["orders-provider"];
    expect(unlocked.terraform.backend.s3.use_lockfile).toBeUndefined();
    const local = synthDeploy(config([1])).stacks["orders-provider"];
    expect(Object.keys(local.terraform.backend)).toEqual(["local"]);
  });

  it.each<[string, object, string]>([
    ["a bucket name with capitals", { ...S3, bucket: "Acme-TFState" }, 'state.s3.bucket: "Acme-TFState" must be an S3 bucket name'],
    ["a key prefix with a leading slash", { ...S3, keyPrefix: "/streaming" }, 'state.s3.keyPrefix: "/streaming" must be an S3 key prefix'],
    ["a bad region", { ...S3, region: "Ireland" }, 'state.s3.region: "Ireland" is not an AWS region'],
    ["a missing bucket", { region: "eu-west-1" }, "state.s3.bucket: (missing) is required"],
    ["an unknown key", { ...S3, dynamodbTable: "locks" }, 'state.s3.dynamodbTable: "locks" is not a known field'],
  ])("refuses %s, naming field, value and rule", (_what, s3, message) => {
    let messages: string[] = [];
    try {
      validateConfig(configInput([1], { state: { s3 } as never }));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      messages = err.problems.map((p) => `${p.field}: ${p.value === undefined ? "(missing)" : JSON.stringify(p.value)} ${p.rule}`);
    }
    expect(messages).toContainEqual(expect.stringContaining(message));
  });
});
