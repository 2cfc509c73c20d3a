/**
 * `npm run terraform-env`, as a process through the launcher: the CLI configuration with which
 * Terraform and OpenTofu install the AWS provider from a filesystem mirror only, under both
 * registry hosts. Its functions in process: __tests__/terraform-env.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
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

  it("points an existing mirror folder at the machine's mirror it is given, whether its links lead to another one or nowhere", () => {
    const mirror = (name: string) => {
      const root = path.join(dir, name);
      fs.mkdirSync(path.join(root, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"), { recursive: true });
      return root;
    };
    const [first, second] = [mirror("first"), mirror("second")];
    const into = path.join(dir, "into");
    const link = path.join(into, "registry.opentofu.org", "hashicorp", "aws", "5.100.0", "linux_amd64");
    expect(run(["--mirror", first, "--into", into]).status).toBe(0);
    expect(fs.readlinkSync(link)).toBe(path.join(first, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"));
    expect(run(["--mirror", second, "--into", into]).status).toBe(0);
    expect(fs.readlinkSync(link)).toBe(path.join(second, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"));
    // The links now lead nowhere.
    fs.rmSync(second, { recursive: true });
    const again = run(["--mirror", first, "--into", into]);
    expect({ status: again.status, stderr: again.stderr }).toEqual({ status: 0, stderr: "" });
    expect(fs.readlinkSync(link)).toBe(path.join(first, "registry.terraform.io", "hashicorp", "aws", "5.100.0", "linux_amd64"));
    expect(fs.readdirSync(path.dirname(link))).toEqual(["linux_amd64"]);
  });

  it("refuses a mirror without the AWS provider, naming it", () => {
    const result = run(["--mirror", dir, "--into", path.join(dir, "x")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`No AWS provider in the mirror ${dir}`);
  });
});
