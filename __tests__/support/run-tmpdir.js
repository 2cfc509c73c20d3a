// The run's temporary folder (jest.config.js): made before the workers start, which inherit TMPDIR,
// and removed with whatever the tests and their processes left in it when the run ends.
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

module.exports = async () => {
  const dir = process.env.KPL_TEST_TMPDIR;
  if (dir === undefined) {
    const made = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-jest-"));
    // As /tmp is: tests run processes as another user (launch.test.ts), which need a TMPDIR too.
    fs.chmodSync(made, 0o1777);
    process.env.KPL_TEST_TMPDIR = process.env.TMPDIR = made;
  } else {
    fs.rmSync(dir, { recursive: true, force: true });
    delete process.env.KPL_TEST_TMPDIR;
  }
};
