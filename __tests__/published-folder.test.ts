/**
 * What the main job writes into a published folder (`--modules-out`, dist/modules): the modules
 * only, the same whatever the configuration, and never at the cost of a file it did not write.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { runSynth } from "../job/job";
import { OUTPUT_MARKER, OutputError, RECORD_0_2 } from "../job/output/transaction";
import { configInput } from "./support/configs";
import { snapshotTree } from "./support/tree";

const OTHER_CLUSTER = configInput([4, 9, 17], {
  cluster: {
    name: "payments",
    region: "eu-west-1",
    vpcId: "vpc-0ddddddddddddddd1",
    subnetIds: ["subnet-0ddddddddddddddd2"],
    advertisedHostname: "pay.kafka.corp.example",
    allowedPrincipals: ["arn:aws:iam::444455556666:root"],
  },
  consumers: [{ name: "ledger", region: "eu-west-1", vpcId: "vpc-0eeeeeeeeeeeeeee3", subnetIds: ["subnet-0eeeeeeeeeeeeeee4"], allowedCidrs: ["10.9.0.0/16"] }],
});
/** Values of OTHER_CLUSTER that are nowhere in the modules' sample values. */
const OTHER_VALUES = [
  "vpc-0ddddddddddddddd1",
  "subnet-0ddddddddddddddd2",
  "pay.kafka.corp.example",
  "444455556666",
  "vpc-0eeeeeeeeeeeeeee3",
  "10.9.0.0/16",
  "payments",
];

describe("a published folder (--modules-out)", () => {
  let dir: string;
  const modules = () => path.join(dir, "modules");
  const synth = (config: unknown, name = "cluster") => {
    const configFile = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(configFile, stringify(config));
    return runSynth({ configFile, outDir: path.join(dir, `${name}-out`), modulesOutDir: modules() });
  };

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-published-folder-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("holds the same files whatever configuration was synthesized: none of the cluster's values, no record of the run; the cluster's examples and the record go to --out", () => {
    synth(configInput([1, 2, 3]), "orders");
    const first = snapshotTree(modules());
    const other = synth(OTHER_CLUSTER, "payments");
    const second = snapshotTree(modules());
    expect(second).toEqual(first);
    expect(Object.keys(second)).not.toContain(OUTPUT_MARKER);
    expect(Object.keys(second).some((f) => f.includes("/examples/"))).toBe(true);
    const all = Object.values(second).join("\n");
    for (const value of OTHER_VALUES) expect([value, all.includes(value)]).toEqual([value, false]);

    // The cluster's own examples, with its values, beside its stacks; the record names what went where.
    const example = fs.readFileSync(path.join(other.outDir, "examples", "kafka-privatelink-provider", "complete", "main.tf"), "utf8");
    expect(example).toContain("vpc-0ddddddddddddddd1");
    const record = JSON.parse(fs.readFileSync(path.join(other.outDir, OUTPUT_MARKER), "utf8")).published;
    expect(fs.existsSync(path.join(other.outDir, RECORD_0_2))).toBe(false);
    expect(record.modulesOut).toBe(modules());
    expect(record.files).toEqual(Object.keys(second).sort());
  });

  it("leaves in place what terraform init made in it (.terraform/, .terraform.lock.hcl) and any file that is not Terraform", () => {
    synth(configInput());
    const provider = path.join(modules(), "kafka-privatelink-provider");
    const theirs = {
      ".terraform/modules/modules.json": '{"Modules":[]}',
      ".terraform.lock.hcl": "# lock\n",
      "examples/complete/.terraform.lock.hcl": "# lock\n",
      "NOTES.txt": "mine\n",
    };
    for (const [file, text] of Object.entries(theirs)) {
      fs.mkdirSync(path.dirname(path.join(provider, file)), { recursive: true });
      fs.writeFileSync(path.join(provider, file), text);
    }
    synth(configInput([1, 2]));
    for (const [file, text] of Object.entries(theirs)) expect([file, fs.readFileSync(path.join(provider, file), "utf8")]).toEqual([file, text]);
  });

  it.each(["extra.tf", "extra.tofu", "main.tofu.json"])(
    "refuses, naming it, a Terraform or OpenTofu file it did not write (%s would be published as part of the module), and changes nothing",
    (name) => {
      synth(configInput());
      fs.writeFileSync(path.join(modules(), "kafka-privatelink-provider", name), 'output "x" {\n  value = 1\n}\n');
      const before = snapshotTree(modules());
      expect(() => synth(configInput([1, 2]))).toThrow(OutputError);
      expect(() => synth(configInput([1, 2]))).toThrow(`"kafka-privatelink-provider/${name}", which this tool did not write`);
      expect(snapshotTree(modules())).toEqual(before);
    },
  );

  it("refuses, before replacing anything, a file where a module's folder goes and a folder where a module's file goes", () => {
    fs.mkdirSync(modules(), { recursive: true });
    fs.writeFileSync(path.join(modules(), "kafka-privatelink-provider"), "notes\n");
    fs.mkdirSync(path.join(modules(), "kafka-broker-ports", "main.tf"), { recursive: true });
    const before = snapshotTree(modules());
    expect(() => synth(configInput())).toThrow(OutputError);
    expect(() => synth(configInput())).toThrow(
      `holds "kafka-broker-ports/main.tf", "kafka-privatelink-provider" where a module's files go, as another kind of entry (a file where a folder goes, a folder or a link where a file goes)`,
    );
    expect(snapshotTree(modules())).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(["cluster.yaml", "modules"]);
  });

  it("refuses to overwrite with other content a file of its own name that it did not write", () => {
    fs.mkdirSync(path.join(modules(), "kafka-broker-ports"), { recursive: true });
    fs.writeFileSync(path.join(modules(), "kafka-broker-ports", "README.md"), "# my own module\n");
    expect(() => synth(configInput())).toThrow('"kafka-broker-ports/README.md", which this tool did not write and would overwrite');
    expect(fs.readFileSync(path.join(modules(), "kafka-broker-ports", "README.md"), "utf8")).toBe("# my own module\n");
  });

  describe("in a fresh checkout of a repository that commits it (no record of the last run: --out is not committed)", () => {
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", ...args], { cwd: dir, stdio: "pipe" });
    const readme = () => path.join(modules(), "kafka-broker-ports", "README.md");
    /** The modules as an earlier release wrote them (one file's content differs), committed; --out gone. */
    const committedEarlierRelease = () => {
      synth(configInput());
      fs.writeFileSync(readme(), "# kafka-broker-ports, as an earlier release wrote it\n");
      fs.rmSync(path.join(dir, "cluster-out"), { recursive: true });
      git("init", "-q");
      git("add", "modules");
      git("commit", "-q", "-m", "modules");
    };

    it("replaces a file of its own name whose other content is committed unchanged in git: nothing is lost", () => {
      committedEarlierRelease();
      synth(configInput());
      expect(fs.readFileSync(readme(), "utf8")).toMatch(/^# kafka-broker-ports\n/);
      expect(git("status", "--porcelain", "--", "modules").toString()).toBe(" M modules/kafka-broker-ports/README.md\n");
    });

    it("refuses it when its content is not what is committed, and a Terraform file it did not write even when committed", () => {
      committedEarlierRelease();
      fs.appendFileSync(readme(), "my uncommitted notes\n");
      expect(() => synth(configInput())).toThrow('"kafka-broker-ports/README.md", which this tool did not write and would overwrite');
      expect(fs.readFileSync(readme(), "utf8")).toMatch(/my uncommitted notes\n$/);
      git("checkout", "-q", "--", "modules");
      fs.writeFileSync(path.join(modules(), "kafka-broker-ports", "extra.tf"), "# mine\n");
      git("add", "modules");
      git("commit", "-q", "-m", "extra");
      expect(() => synth(configInput())).toThrow('"kafka-broker-ports/extra.tf", which this tool did not write and would publish');
    });
  });

  type Published = { modulesOut: string; files: string[] };
  /** Where an earlier run recorded what it published: its marker now, or 0.2.0's own record file. */
  const recordIn: Record<string, (outDir: string, marker: { writtenBy: string; builtFrom: unknown }, published: Published) => void> = {
    "its marker": (outDir, marker, published) => fs.writeFileSync(path.join(outDir, OUTPUT_MARKER), JSON.stringify({ ...marker, published })),
    "release 0.2.0's record file": (outDir, marker, published) => {
      fs.writeFileSync(path.join(outDir, OUTPUT_MARKER), JSON.stringify(marker));
      fs.writeFileSync(path.join(outDir, RECORD_0_2), JSON.stringify(published));
    },
  };

  it.each(Object.keys(recordIn))(
    "removes the files an earlier run wrote that this one does not (its record, in %s, says which), with the folders left empty, and nothing else",
    (where) => {
      const first = synth(configInput());
      const stale = "kafka-broker-ports/examples/old/main.tf";
      fs.mkdirSync(path.join(modules(), path.dirname(stale)), { recursive: true });
      fs.writeFileSync(path.join(modules(), stale), "# an earlier version's example\n");
      fs.writeFileSync(path.join(modules(), "kafka-broker-ports", "examples", "keep.txt"), "mine\n");
      const { published, ...marker } = JSON.parse(fs.readFileSync(path.join(first.outDir, OUTPUT_MARKER), "utf8"));
      recordIn[where](first.outDir, marker, { ...published, files: [...published.files, stale] });
      synth(configInput());
      expect(fs.existsSync(path.join(modules(), stale))).toBe(false);
      expect(fs.existsSync(path.join(modules(), "kafka-broker-ports", "examples", "old"))).toBe(false);
      expect(fs.readFileSync(path.join(modules(), "kafka-broker-ports", "examples", "keep.txt"), "utf8")).toBe("mine\n");
    },
  );

  it("takes over a folder an earlier version replaced whole (its marker): removes that version's files and marker, keeps .terraform/", () => {
    const legacy = {
      [OUTPUT_MARKER]: '{"writtenBy":"kafka-privatelink; this folder is replaced whole on every run"}\n',
      "kafka-privatelink-provider/examples/complete/main.tf.json": "{}\n",
      "kafka-privatelink-provider/examples/gone/main.tf.json": "{}\n",
      "kafka-privatelink-provider/.terraform/terraform.tfstate": "{}\n",
    };
    for (const [file, text] of Object.entries(legacy)) {
      fs.mkdirSync(path.dirname(path.join(modules(), file)), { recursive: true });
      fs.writeFileSync(path.join(modules(), file), text);
    }
    synth(configInput());
    const after = snapshotTree(modules());
    expect(after[OUTPUT_MARKER]).toBeUndefined();
    // 0.1's JSON form is gone, the HCL in its place.
    expect(after[path.join("kafka-privatelink-provider", "examples", "complete", "main.tf.json")]).toBeUndefined();
    expect(after[path.join("kafka-privatelink-provider", "examples", "complete", "main.tf")]).toContain('module "kafka"');
    expect(after[path.join("kafka-privatelink-provider", "examples", "gone", "main.tf.json")]).toBeUndefined();
    expect(after[path.join("kafka-privatelink-provider", ".terraform", "terraform.tfstate")]).toBe("{}\n");
  });
});
