/**
 * `npm run review` as a user starts it, through the launcher: what the command line does in
 * process is __tests__/plan-review.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { reviewOf } from "../support/plan-review";

describe("npm run review, as a process", () => {
  let dir: string;
  beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-review-"))));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };

  it("through npm run review's entry point: --help answers, a file that is not a plan exits 1 with one line and no stack trace", () => {
    const help = reviewOf(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("Exit status: 0 reviewed; 1 an input it cannot read; 2 bad command line; 3 a change at or above");
    const notPlan = reviewOf(["--plan", file("state.json", JSON.stringify({ version: 4, resources: [] }))]);
    expect({ status: notPlan.status, stderr: notPlan.stderr.trim().split("\n"), stdout: notPlan.stdout }).toEqual({
      status: 1,
      stderr: [
        `${path.join(dir, "state.json")}: not a Terraform plan (no format_version and planned_values): pass what \`terraform show -json PLANFILE\` prints, not a state or another document`,
      ],
      stdout: "",
    });
  });
});
