import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { BaseRefError, PortLockError } from "../port-lock/port-lock";
import { configInput, writeConfigFile } from "./support/configs";

/** The bullets of one `## …` section of REVIEW.md, or its text when it has none. */
function section(review: string, title: string): string[] {
  const body = review.split(`## ${title}\n\n`)[1]?.split("\n## ")[0] ?? "";
  return body
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (l.startsWith("- ") ? l.slice(2) : l));
}

/** The changes of the "What changes" section, without the line that names the baseline. */
const changesOf = (review: string) => section(review, "What changes").filter((l) => !l.startsWith("Since "));

describe("REVIEW.md says what changed since the port lock", () => {
  let dir: string;
  let file: string;
  const synth = (input: unknown, options: { allowPortChange?: boolean; base?: string } = {}) => {
    fs.writeFileSync(file, stringify(input));
    const result = runSynth({ configFile: file, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules"), ...options });
    return fs.readFileSync(path.join(result.outDir, "REVIEW.md"), "utf8");
  };
  beforeEach(() => ({ dir, file } = writeConfigFile(configInput())));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("says there is no baseline, then that nothing changed, and always has a policy exceptions section", () => {
    const first = synth(configInput());
    expect(section(first, "What changes")).toEqual(["No baseline: nothing (no port lock yet). Every setting below is new."]);
    expect(section(first, "Policy exceptions")[0]).toMatch(/^None: /);
    const again = synth(configInput());
    expect(section(again, "What changes")).toEqual(["No reviewable setting changed since the port lock `cluster.ports.lock.json`."]);
  });

  it("flags a removed client CIDR as disruptive (those clients lose access) and an added one as additive", () => {
    const base = configInput();
    synth({ ...base, consumers: [{ ...base.consumers![0], allowedCidrs: ["10.20.0.0/16", "10.30.0.0/16"] }] });
    const review = synth({ ...base, consumers: [{ ...base.consumers![0], allowedCidrs: ["10.20.0.0/16", "10.40.0.0/16"] }] });
    expect(changesOf(review)).toEqual([
      expect.stringMatching(/^\*\*disruptive\*\*: `consumers\.analytics\.allowedCidrs`: removed `10\.30\.0\.0\/16` \(clients in a removed CIDR lose access/),
      expect.stringMatching(/^\*\*additive\*\*: `consumers\.analytics\.allowedCidrs`: added `10\.40\.0\.0\/16`/),
    ]);
    expect(section(review, "What changes")[0]).toMatch(/^Since the port lock `cluster\.ports\.lock\.json`; highest level \*\*disruptive\*\*/);
  });

  it("names a change of account (profile or assumeRoleArn, on the cluster or a consumer) as an outage", () => {
    const base = configInput();
    synth(base);
    const review = synth({
      ...base,
      cluster: { ...base.cluster, assumeRoleArn: "arn:aws:iam::444455556666:role/kafka-deploy" },
      consumers: [{ ...base.consumers![0], profile: "analytics-prod" }],
    });
    expect(changesOf(review)).toEqual([
      expect.stringMatching(
        /^\*\*outage\*\*: `cluster\.assumeRoleArn`: \(none\) → `arn:aws:iam::444455556666:role\/kafka-deploy` \(moves the stack to another AWS account/,
      ),
      expect.stringMatching(/^\*\*outage\*\*: `consumers\.analytics\.profile`: \(none\) → `analytics-prod` \(moves the stack to another AWS account/),
    ]);
  });

  it("tells one story after a checkout of a configuration and its lock: both sections compare with the same lock", () => {
    const a = configInput();
    synth(a);
    const lockA = fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8");
    synth(configInput([1, 2, 3], { cluster: { brokerPortBase: 7000 } }), { allowPortChange: true });
    // `git checkout` of both files: the output folder still holds the moved ports' synth.
    fs.writeFileSync(path.join(dir, "cluster.ports.lock.json"), lockA);
    const review = synth(a);
    expect(section(review, "What changes")).toEqual(["No reviewable setting changed since the port lock `cluster.ports.lock.json`."]);
    expect(section(review, "Ports and brokers in the plan")).toEqual(["No broker was added, removed or moved since the port lock `cluster.ports.lock.json`."]);
  });

  it("with --base REF, compares with the lock as committed at REF: a fresh checkout of a pull request shows its changes", () => {
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { encoding: "utf8" });
    git("init", "-q", "-b", "main");
    const a = configInput();
    synth(a);
    git("add", "cluster.yaml", "cluster.ports.lock.json");
    git("commit", "-q", "-m", "merged state");
    // The pull request: a broker removed and a CIDR changed, synthesized and committed with its lock.
    git("checkout", "-q", "-b", "change");
    const b = configInput([1, 2]);
    synth({ ...b, consumers: [{ ...b.consumers![0], allowedCidrs: ["10.30.0.0/16"] }] });
    git("commit", "-q", "-am", "the change");
    // CI's fresh checkout: without --base the lock already holds the change; with it, the page shows it.
    const plain = synth({ ...b, consumers: [{ ...b.consumers![0], allowedCidrs: ["10.30.0.0/16"] }] });
    expect(section(plain, "What changes")).toEqual(["No reviewable setting changed since the port lock `cluster.ports.lock.json`."]);
    const review = synth({ ...b, consumers: [{ ...b.consumers![0], allowedCidrs: ["10.30.0.0/16"] }] }, { base: "main" });
    expect(section(review, "What changes")[0]).toBe(
      'Since the port lock at `main`; highest level **disruptive** (levels as `npm run review` gives them to the plan: README "Reviewing a pull request").',
    );
    expect(changesOf(review)).toEqual([
      expect.stringMatching(/^\*\*disruptive\*\*: Broker 3 removed \(was port 6003/),
      expect.stringMatching(/^\*\*disruptive\*\*: `consumers\.analytics\.allowedCidrs`: removed `10\.20\.0\.0\/16`/),
      expect.stringMatching(/^\*\*additive\*\*: `consumers\.analytics\.allowedCidrs`: added `10\.30\.0\.0\/16`/),
    ]);
    expect(section(review, "Ports and brokers in the plan")).toEqual([
      expect.stringMatching(
        /^Broker 3 removed \(was port 6003\); for it the plan destroys: .*`module\.kafka\.aws_vpc_security_group_ingress_rule\.client\["10\.20\.0\.0\/16:6003"\]` \(analytics\)\.$/,
      ),
      expect.stringMatching(/^A broker changes nothing else/),
    ]);
    // A ref that is not a commit is refused before anything is written; a ref without the lock is a new configuration.
    expect(() => synth(a, { base: "no-such-ref" })).toThrow(BaseRefError);
    const empty = git("commit-tree", git("hash-object", "-t", "tree", "-w", "/dev/null").trim(), "-m", "nothing").trim();
    expect(section(synth(b, { base: empty }), "What changes")).toEqual([
      `No baseline: the port lock at \`${empty}\` (none there: the configuration is new). Every setting below is new.`,
    ]);
  });

  it("refuses a lock that writes a key twice, naming it (JSON would keep the last value silently)", () => {
    synth(configInput());
    const lockFile = path.join(dir, "cluster.ports.lock.json");
    const text = fs.readFileSync(lockFile, "utf8").replace('"1": 6001,', '"1": 7001,\n    "1": 6001,');
    fs.writeFileSync(lockFile, text);
    expect(() => synth(configInput())).toThrow(PortLockError);
    expect(() => synth(configInput())).toThrow('is not a port lock: brokers."1": written twice');
    expect(fs.readFileSync(lockFile, "utf8")).toBe(text);
  });

  it("after changing a target, a CIDR and the principal policy lists exactly those changes, and the policy exception on its own", () => {
    synth(configInput());
    const base = configInput();
    const review = synth({
      ...base,
      cluster: {
        ...base.cluster,
        brokers: [
          { id: 1, target: "10.0.0.11" },
          { id: 2, target: "10.0.0.22" },
          { id: 3, target: "10.0.0.13" },
        ],
        allowedPrincipals: ["*"],
      },
      consumers: [{ ...base.consumers![0], allowedCidrs: ["10.30.0.0/16"] }],
      policy: { allowAnyPrincipal: true },
    });
    expect(changesOf(review)).toEqual([
      expect.stringMatching(/^\*\*client-visible\*\*: `cluster\.allowedPrincipals`: removed `arn:aws:iam::111122223333:root`/),
      expect.stringMatching(/^\*\*additive\*\*: `cluster\.allowedPrincipals`: added `\*`/),
      expect.stringMatching(/^\*\*disruptive\*\*: Broker 2 target: `10\.0\.0\.12` → `10\.0\.0\.22`/),
      expect.stringMatching(/^\*\*disruptive\*\*: `consumers\.analytics\.allowedCidrs`: removed `10\.20\.0\.0\/16`/),
      expect.stringMatching(/^\*\*additive\*\*: `consumers\.analytics\.allowedCidrs`: added `10\.30\.0\.0\/16`/),
    ]);
    expect(section(review, "Policy exceptions")).toEqual([
      expect.stringMatching(/^\*\*New in this synth:\*\* `cluster\.allowedPrincipals` has `"\*"`.*`policy\.allowAnyPrincipal`/),
    ]);
  });

  it("lists every other reviewable setting: brokers, subnets, tags, idle timeout, deletion protection, alarms, accepted endpoints, consumers, state", () => {
    const base = configInput([1, 2, 3], { cluster: { acceptEndpoints: ["vpce-0123456789abcdef0"] } });
    synth(base);
    const review = synth({
      ...base,
      cluster: {
        ...base.cluster,
        brokers: [
          { id: 1, target: "10.0.0.11" },
          { id: 2, target: "10.0.0.12" },
          { id: 4, target: "10.0.0.14" },
        ],
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
    const changes = changesOf(review).join("\n");
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
    expect(section(review, "Policy exceptions")).toEqual([
      expect.stringContaining("Consumer `billing` is in us-east-2, the cluster in us-east-1: cross-region PrivateLink"),
    ]);
  });
});
