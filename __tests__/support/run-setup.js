// What a test run sets up once, before the workers start (jest.config.js: globalSetup and
// globalTeardown), and ends when the run ends:
// - its temporary folder: the workers inherit TMPDIR, and the folder is removed with whatever the
//   tests and their processes left in it;
// - one AWS provider process per mirrored version, which the runs of `terraform test` and
//   `validate` attach to instead of each starting its own (terraform/shared-provider.ts); the
//   workers inherit PRIVATELINK_SHARED_PROVIDERS, which names them.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { SHARED_PROVIDERS_VARIABLE, terraformUnavailable } = require("../../terraform/run");
const { startSharedProviders } = require("../../terraform/shared-provider");

let providers;

module.exports = async () => {
  const dir = process.env.KPL_TEST_TMPDIR;
  if (dir === undefined) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-jest-"));
    // As /tmp is: tests run processes as another user (launch.test.ts), which need a TMPDIR too.
    fs.chmodSync(made, 0o1777);
    process.env.KPL_TEST_TMPDIR = process.env.TMPDIR = made;
    // Without terraform and the mirror the tests that would attach are skipped. A provider that
    // does not start as a server costs the run its speed, not its Terraform verdicts: each run
    // starts its own (run-tmpdir.test.ts fails, naming the processes that are missing).
    if (terraformUnavailable() === undefined) {
      try {
        providers = await startSharedProviders();
        process.env[SHARED_PROVIDERS_VARIABLE] = JSON.stringify(providers.entries);
      } catch (err) {
        console.warn(`The shared AWS provider processes did not start (${err.message}); each terraform run starts its own.`);
      }
    }
  } else {
    providers?.stop();
    delete process.env[SHARED_PROVIDERS_VARIABLE];
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.KPL_TEST_TMPDIR;
  }
};
