/**
 * `--help` of every entry point prints its usage and does nothing else: no file written (in the
 * working folder or HOME), no tool started (PATH holds node only, so a Maven download, terraform
 * or moto would fail the run), exit 0. Each runs as the npm scripts start it, through
 * job/launch.js, whose bundle shares one `module` between all files (job/is-entry.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const ENTRIES = ["job/cli.ts", "job/review-cli.ts", "rehearsal/cli.ts", "doctor/cli.ts", "emulator/cli.ts", "bench/run.ts", "terraform/env.ts"];

describe("--help of every entry point", () => {
  it.each(ENTRIES)("%s prints its usage and has no side effects", (entry) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-help-"));
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, entry), "--help"], {
        cwd: dir,
        env: { PATH: path.dirname(process.execPath), HOME: dir, TMPDIR: process.env.TMPDIR ?? os.tmpdir() },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
      expect(run.stdout).toMatch(/^usage: npm run /i);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
