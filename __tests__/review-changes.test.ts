import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { configInput, writeConfigFile } from "./support/configs";

/** The bullets of one `## …` section of REVIEW.md, or its text when it has none. */
function section(review: string, title: string): string[] {
  const body = review.split(`## ${title}\n\n`)[1]?.split("\n## ")[0] ?? "";
  const lines = body.trim().split("\n");
  return lines.every((l) => l.startsWith("- ")) ? lines.map((l) => l.slice(2)) : [body.trim()];
}

describe("REVIEW.md says what this synth changes", () => {
  let dir: string;
  let file: string;
  const synth = (input: unknown) => {
    fs.writeFileSync(file, stringify(input));
    const result = runSynth({ configFile: file, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
    return fs.readFileSync(path.join(result.outDir, "REVIEW.md"), "utf8");
  };
  beforeEach(() => ({ dir, file } = writeConfigFile(configInput())));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("says first synth, then nothing changed, and always has a policy exceptions section", () => {
    const first = synth(configInput());
    expect(section(first, "What this synth changes")).toEqual(["First synth: no previous output in `out` to compare with."]);
    expect(section(first, "Policy exceptions")[0]).toMatch(/^None: /);
    const again = synth(configInput());
    expect(section(again, "What this synth changes")).toEqual(["No reviewable setting changed since the previous synth in this folder."]);
  });

  it("after changing a target, a CIDR and the principal policy lists exactly those three changes, and the policy exception on its own", () => {
    synth(configInput());
    const base = configInput();
    const review = synth({
      ...base,
      cluster: { ...base.cluster, brokers: [{ id: 1, target: "10.0.0.11" }, { id: 2, target: "10.0.0.22" }, { id: 3, target: "10.0.0.13" }], allowedPrincipals: ["*"] },
      consumers: [{ ...base.consumers![0], allowedCidrs: ["10.30.0.0/16"] }],
      policy: { allowAnyPrincipal: true },
    });
    const changes = section(review, "What this synth changes");
    expect(changes).toHaveLength(3);
    expect(changes).toEqual([
      expect.stringMatching(/^`cluster\.allowedPrincipals`: added `\*`; removed `arn:aws:iam::111122223333:root`/),
      expect.stringMatching(/^Broker 2 target: `10\.0\.0\.12` → `10\.0\.0\.22`/),
      expect.stringMatching(/^`consumers\.analytics\.allowedCidrs`: added `10\.30\.0\.0\/16`; removed `10\.20\.0\.0\/16`/),
    ]);
    expect(section(review, "Policy exceptions")).toEqual([expect.stringMatching(/^\*\*New in this synth:\*\* `cluster\.allowedPrincipals` has `"\*"`.*`policy\.allowAnyPrincipal`/)]);
  });

  it("lists every other reviewable setting: brokers, subnets, tags, idle timeout, deletion protection, alarms, accepted endpoints, consumers, state", () => {
    const base = configInput([1, 2, 3], { cluster: { acceptEndpoints: ["vpce-0123456789abcdef0"] } });
    synth(base);
    const review = synth({
      ...base,
      cluster: {
        ...base.cluster,
        brokers: [{ id: 1, target: "10.0.0.11" }, { id: 2, target: "10.0.0.12" }, { id: 4, target: "10.0.0.14" }],
        subnetIds: ["subnet-0a1b2c3d4e5f60711"],
        tags: { team: "streaming" },
        tcpIdleTimeoutSeconds: 900,
        deletionProtection: true,
        alarms: { actions: ["arn:aws:sns:us-east-1:111122223333:oncall"] },
        acceptEndpoints: ["vpce-0fedcba9876543210"],
        acceptanceRequired: true,
      },
      consumers: [...base.consumers!, { ...base.consumers![0], name: "billing", region: "us-east-2" }],
      policy: { allowCrossRegion: true },
      state: { s3: { bucket: "acme-tfstate", region: "us-east-1" } },
    });
    const changes = section(review, "What this synth changes").join("\n");
    for (const expected of [
      "`cluster.subnetIds`: removed `subnet-0a1b2c3d4e5f60722` (an NLB cannot leave a subnet",
      "`cluster.tags`: team (none) → `streaming`",
      "`cluster.tcpIdleTimeoutSeconds`: `600` → `900`",
      "`cluster.deletionProtection`: `false` → `true`",
      "`cluster.alarms.actions`: added `arn:aws:sns:us-east-1:111122223333:oncall`",
      "`cluster.acceptEndpoints`: accepts `vpce-0fedcba9876543210`",
      "`cluster.acceptEndpoints`: **rejects** `vpce-0123456789abcdef0`",
      "Broker 3 removed (was port 6003, target `10.0.0.13`)",
      "Broker 4 added: port 6004, target `10.0.0.14`",
      "Consumer `billing` added (us-east-2",
      "State: local files → s3://acme-tfstate/kafka-privatelink/<stack>.tfstate (us-east-1, lock file) (add `--migrate-state` to the next `cdktf deploy`, or run `terraform init -migrate-state` in each stack folder",
    ]) {
      expect(changes).toContain(expected);
    }
    expect(section(review, "Policy exceptions")).toEqual([expect.stringContaining("Consumer `billing` is in us-east-2, the cluster in us-east-1: cross-region PrivateLink")]);
  });
});
