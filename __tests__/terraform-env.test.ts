/**
 * `npm run terraform-env`: the CLI configuration with which Terraform and OpenTofu install the AWS
 * provider from a filesystem mirror only, under both registry hosts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLATFORM, satisfies, SHARED_PROVIDERS_VARIABLE, sharedProviderEnv } from "../terraform/run";

const ROOT = path.join(__dirname, "..");
const run = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "terraform", "env.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

describe("npm run terraform-env", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-terraform-env-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints a mirror-only CLI configuration for both registry hosts, whose mirror has real version folders linking each platform into the machine's mirror", () => {
    const machine = path.join(dir, "machine");
    for (const version of ["5.100.0", "6.25.0"]) {
      fs.mkdirSync(path.join(machine, "registry.terraform.io", "hashicorp", "aws", version, "linux_amd64"), { recursive: true });
      fs.writeFileSync(path.join(machine, "registry.terraform.io", "hashicorp", "aws", version, "linux_amd64", `terraform-provider-aws_v${version}_x5`), "");
    }
    const into = path.join(dir, "both-hosts");
    const result = run(["--mirror", machine, "--into", into]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`path    = ${JSON.stringify(into)}`);
    expect(result.stdout).toContain('include = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"]');
    expect(result.stdout).toContain('direct { exclude = ["registry.terraform.io/*/*", "registry.opentofu.org/*/*"] }');
    expect(result.stdout).toContain("hashicorp/aws 5.100.0, 6.25.0");
    for (const host of ["registry.terraform.io", "registry.opentofu.org"]) {
      for (const version of ["5.100.0", "6.25.0"]) {
        const folder = path.join(into, host, "hashicorp", "aws", version);
        expect(fs.lstatSync(folder).isSymbolicLink()).toBe(false);
        expect(fs.readlinkSync(path.join(folder, "linux_amd64"))).toBe(path.join(machine, "registry.terraform.io", "hashicorp", "aws", version, "linux_amd64"));
      }
    }
  });

  it("refuses a mirror without the AWS provider, naming it", () => {
    const result = run(["--mirror", dir, "--into", path.join(dir, "x")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`No AWS provider in the mirror ${dir}`);
  });
});

describe("satisfies: a provider version against a constraint", () => {
  it("compares x.y.z by numbers (5.100.0 is above 5.99.1), bounds padded with zeros, and refuses another version format", () => {
    expect(satisfies("5.100.0", ">= 5.99.1, < 6.0")).toBe(true);
    expect(satisfies("1.9.9", ">= 1.10")).toBe(false);
    expect(satisfies("6.0.0", "!= 6")).toBe(false);
    expect(() => satisfies("v1.0.0", ">= 2.0")).toThrow('cannot compare the version "v1.0.0": expected x.y.z');
    expect(() => satisfies("1.11.0-beta1", ">= 1.11")).toThrow("expected x.y.z");
  });
});

describe("sharedProviderEnv: which runs attach to the run's shared AWS provider processes", () => {
  const entry = (version: string) => ({
    Protocol: "grpc",
    ProtocolVersion: 5,
    Pid: 1,
    Test: true,
    Addr: { Network: "unix", String: `/tmp/plugin-${version}` },
  });
  let dir: string;
  const saved = process.env[SHARED_PROVIDERS_VARIABLE];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-shared-"));
    process.env[SHARED_PROVIDERS_VARIABLE] = JSON.stringify({ "5.100.0": entry("5.100.0"), "6.25.0": entry("6.25.0") });
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    if (saved === undefined) delete process.env[SHARED_PROVIDERS_VARIABLE];
    else process.env[SHARED_PROVIDERS_VARIABLE] = saved;
  });
  /** A folder as `init` leaves it: the lock file selecting `version` under `host`, and (unless `installed` is false) that version installed in `dataDir`. */
  const initialized = (name: string, version: string, { host = "registry.terraform.io", installed = true, dataDir = ".terraform" } = {}) => {
    const folder = path.join(dir, name);
    fs.mkdirSync(folder);
    fs.writeFileSync(
      path.join(folder, ".terraform.lock.hcl"),
      `provider "${host}/hashicorp/aws" {\n  version     = "${version}"\n  constraints = ">= 5.100.0, < 7.0.0"\n}\n`,
    );
    if (installed) fs.mkdirSync(path.join(folder, dataDir, "providers", host, "hashicorp", "aws", version, PLATFORM), { recursive: true });
    return folder;
  };
  const attached = (env: NodeJS.ProcessEnv) => (env.TF_REATTACH_PROVIDERS === undefined ? undefined : JSON.parse(env.TF_REATTACH_PROVIDERS));

  it("attaches test, validate and show to the process of the version the folder's lock file selects and init installed, under the lock's registry host", () => {
    expect(attached(sharedProviderEnv(initialized("terraform", "5.100.0"), ["test", "-json"]))).toEqual({
      "registry.terraform.io/hashicorp/aws": entry("5.100.0"),
    });
    expect(attached(sharedProviderEnv(initialized("tofu", "6.25.0", { host: "registry.opentofu.org" }), ["validate"]))).toEqual({
      "registry.opentofu.org/hashicorp/aws": entry("6.25.0"),
    });
    expect(attached(sharedProviderEnv(initialized("data-dir", "5.100.0", { dataDir: "data" }), ["test"], "data"))).toEqual({
      "registry.terraform.io/hashicorp/aws": entry("5.100.0"),
    });
    expect(attached(sharedProviderEnv(initialized("show", "5.100.0"), ["show", "-json", "plan.tfplan"]))).toEqual({
      "registry.terraform.io/hashicorp/aws": entry("5.100.0"),
    });
  });

  it("never attaches the commands that configure the provider (plan, apply), a folder whose install is missing or has no lock file, a version without a process, nor anything when no process runs", () => {
    const folder = initialized("ready", "5.100.0");
    for (const args of [["plan"], ["apply", "-auto-approve"], ["init"], ["destroy"]]) expect(sharedProviderEnv(folder, args)).toEqual({});
    // As unattached, such a run must fail: no provider installed where the lock says.
    expect(sharedProviderEnv(initialized("not-installed", "5.100.0", { installed: false }), ["test"])).toEqual({});
    expect(sharedProviderEnv(folder, ["test"], "elsewhere")).toEqual({});
    expect(sharedProviderEnv(dir, ["test"])).toEqual({});
    expect(sharedProviderEnv(initialized("unshared", "5.99.0"), ["test"])).toEqual({});
    delete process.env[SHARED_PROVIDERS_VARIABLE];
    expect(sharedProviderEnv(folder, ["test"])).toEqual({});
  });
});
