import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";

describe("a test run's temporary files", () => {
  it("go into the run's own folder (jest.config.js), which the run removes when it ends, cdktf's synth folders among them", () => {
    const runDir = os.tmpdir();
    expect(path.basename(runDir)).toMatch(/^kpl-jest-/);
    expect(process.env.KPL_TEST_TMPDIR).toBe(runDir);
    Testing.synthScope(() => undefined);
    expect(fs.readdirSync(runDir).some((f) => f.startsWith("cdktf.outdir."))).toBe(true);
  });
});
