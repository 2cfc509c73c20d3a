/**
 * `--help` of every entry point prints its usage and does nothing else: no file written (in the
 * working folder or HOME), no tool started (PATH holds node only, so a Maven download, terraform
 * or moto would fail the run), exit 0. Each runs as the npm scripts start it, through
 * job/launch.js, whose bundle shares one `module` between all files (job/is-entry.ts). And
 * `npm run rehearse -- --deployed` without Terraform (and the emulator) names each missing tool once.
 */
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { emulatorUnavailable } from "../../emulator/emulator";
import { itNeeds } from "../support/requirements";

const ROOT = path.join(__dirname, "..", "..");
const ENTRIES = ["job/cli.ts", "job/review-cli.ts", "rehearsal/cli.ts", "doctor/cli.ts", "emulator/cli.ts", "bench/run.ts", "terraform/env.ts"];

/**
 * Runs an entry point as the npm scripts do, in a new empty folder that is also HOME, with node
 * alone on PATH (and `env`, given the folder); `check` sees the result and the folder before it goes.
 */
function inEmptyFolder<T>(entry: string, args: string[], env: (dir: string) => NodeJS.ProcessEnv, check: (run: SpawnSyncReturns<string>, dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-help-"));
  try {
    const run = spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, entry), ...args], {
      cwd: dir,
      env: { PATH: path.dirname(process.execPath), HOME: dir, TMPDIR: process.env.TMPDIR ?? os.tmpdir(), ...env(dir) },
      encoding: "utf8",
      timeout: 60_000,
    });
    return check(run, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("--help of every entry point", () => {
  it.each(ENTRIES)("%s prints its usage and has no side effects", (entry) => {
    inEmptyFolder(
      entry,
      ["--help"],
      () => ({}),
      (run, dir) => {
        expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
        expect(run.stdout).toMatch(/^usage: npm run /i);
        expect(fs.readdirSync(dir)).toEqual([]);
      },
    );
  });
});

describe("npm run opentofu -- --help (toolchain/opentofu.sh)", () => {
  it("prints its usage and builds nothing, with no OpenTofu cached", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-help-"));
    try {
      const run = (arg: string) =>
        spawnSync("bash", [path.join(ROOT, "toolchain", "opentofu.sh"), arg], {
          cwd: dir,
          env: { PATH: process.env.PATH, HOME: dir, OPENTOFU_CACHE: path.join(dir, "cache") },
          encoding: "utf8",
          timeout: 10_000,
        });
      const help = run("--help");
      expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: "" });
      expect(help.stdout).toMatch(/^usage: npm run opentofu /);
      const unknown = run("--version");
      expect({ status: unknown.status, stdout: unknown.stdout }).toEqual({ status: 2, stdout: "" });
      expect(unknown.stderr).toMatch(/^usage: npm run opentofu [^]*\nopentofu: unknown argument --version\n$/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("npm run rehearse -- --deployed on a machine without Terraform", () => {
  const refusal = (env: NodeJS.ProcessEnv) =>
    inEmptyFolder(
      "rehearsal/cli.ts",
      ["--deployed"],
      (dir) => ({ PRIVATELINK_TERRAFORM: path.join(dir, "terraform"), ...env }),
      (run) => {
        expect(run.status).toBe(1);
        expect(run.stderr).toMatch(/^rehearsal cannot run on this machine:\n/);
        // Terraform is one of the rehearsal's own prerequisites: named once, whatever else is missing.
        expect(run.stderr.match(/no terraform binary/g)).toHaveLength(1);
        return run.stderr;
      },
    );

  itNeeds("the AWS API emulator", emulatorUnavailable())("with the emulator: names Terraform once, and nothing about the emulator; exits 1", () => {
    expect(refusal({})).not.toContain("--deployed needs");
  });

  it("without the emulator either: names Terraform once and the emulator once; exits 1", () => {
    expect(refusal({ PRIVATELINK_EMULATOR_PYTHON: "/nonexistent/python" })).toContain(
      "  - --deployed needs the AWS API emulator: no Python at /nonexistent/python",
    );
  });
});
