import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { mirroredAwsProviders, SHARED_PROVIDERS_VARIABLE, terraformUnavailable } from "../terraform/run";
import { itNeeds } from "./support/requirements";

describe("a test run's temporary files", () => {
  it("go into the run's own folder (jest.config.js), which the run removes when it ends, cdktf's synth folders among them", () => {
    const runDir = os.tmpdir();
    expect(path.basename(runDir)).toMatch(/^kpl-jest-/);
    expect(process.env.KPL_TEST_TMPDIR).toBe(runDir);
    Testing.synthScope(() => undefined);
    expect(fs.readdirSync(runDir).some((f) => f.startsWith("cdktf.outdir."))).toBe(true);
  });
});

describe("a test run's shared AWS provider processes (support/run-setup.js, terraform/shared-provider.ts)", () => {
  itNeeds("terraform with the AWS provider mirror", terraformUnavailable())(
    "run, one per mirrored version, named to the workers in PRIVATELINK_SHARED_PROVIDERS with the socket they serve in the run's folder",
    () => {
      const entries = JSON.parse(process.env[SHARED_PROVIDERS_VARIABLE] ?? "{}") as Record<string, { Pid: number; Addr: { String: string } }>;
      expect(Object.keys(entries)).toEqual(mirroredAwsProviders());
      for (const { Pid, Addr } of Object.values(entries)) {
        expect(() => process.kill(Pid, 0)).not.toThrow();
        expect(path.dirname(Addr.String)).toBe(os.tmpdir());
      }
    },
  );
});
