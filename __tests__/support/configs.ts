import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { stringify } from "yaml";
import { Config, ConfigInput } from "../../config/schema";
import { validateConfig } from "../../config/validate";
import { TfJson } from "../../modules/packaging/terraform-json";
import { addDeployStacks, DeployStacks } from "../../stacks";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<infer U> ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** A valid configuration: brokers with the given IDs (default 1, 2, 3) and one consumer. */
export function configInput(ids: readonly number[] = [1, 2, 3], overrides: DeepPartial<ConfigInput> = {}): ConfigInput {
  const base: ConfigInput = {
    cluster: {
      name: "orders",
      region: "us-east-1",
      vpcId: "vpc-0a1b2c3d4e5f60718",
      subnetIds: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
      advertisedHostname: "orders.kafka.example.internal",
      brokers: ids.map((id) => ({ id, target: `10.0.${Math.floor(id / 200)}.${(id % 200) + 10}` })),
      allowedPrincipals: ["arn:aws:iam::111122223333:root"],
    },
    consumers: [
      {
        name: "analytics",
        region: "us-east-1",
        vpcId: "vpc-0f1e2d3c4b5a69788",
        subnetIds: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"],
        allowedCidrs: ["10.20.0.0/16"],
      },
    ],
  };
  return {
    ...base,
    ...overrides,
    cluster: { ...base.cluster, ...(overrides.cluster as object) } as ConfigInput["cluster"],
    consumers: (overrides.consumers as ConfigInput["consumers"]) ?? base.consumers,
  } as ConfigInput;
}

export function config(ids?: readonly number[], overrides?: DeepPartial<ConfigInput>): Config {
  return validateConfig(configInput(ids, overrides));
}

export interface Synthesized {
  readonly deploy: DeployStacks;
  /** Stack name → synthesized Terraform JSON. */
  readonly stacks: Record<string, TfJson>;
}

/**
 * Synthesizes the deployable stacks of a configuration as `cdktf synth` does (a whole-app synth:
 * cross-stack references are only wired then) and reads them back.
 */
export function synthDeploy(cfg: Config): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-synth-"));
  try {
    const app = new App({ outdir });
    const deploy = addDeployStacks(app, cfg);
    app.synth();
    const stacks = Object.fromEntries(
      [deploy.provider, ...deploy.consumers].map((s) => [
        s.node.id,
        JSON.parse(fs.readFileSync(path.join(outdir, "stacks", s.node.id, "cdk.tf.json"), "utf8")),
      ]),
    );
    return { deploy, stacks };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** A temp folder holding `name` written as YAML; removed by the caller's cleanup. */
export function writeConfigFile(input: unknown, name = "cluster.yaml"): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-test-"));
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof input === "string" ? input : stringify(input));
  return { dir, file };
}
