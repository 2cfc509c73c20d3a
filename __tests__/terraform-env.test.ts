/**
 * terraform/run.ts's version checks and shared-provider attachment, in process; `npm run
 * terraform-env` as a process: integration/terraform-env-cli.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PLATFORM, satisfies, SHARED_PROVIDERS_VARIABLE, sharedProviderEnv } from "../terraform/run";

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
