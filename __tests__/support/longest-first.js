// The order jest starts test files in (jest.config.js's testSequencer): the longest first, so that
// no long file starts last and runs alone at the end while the other workers idle.
//
// Jest's own order is by the times of the previous run, which it keeps in its cache; without them (a
// fresh clone: every CI run) it orders by file size, which started OpenTofu's 4-minute test after
// most of the suite (fresh-clone CI, Dec 5: the suite ended 260 s after the storyline did, with OpenTofu
// running nearly alone). The files below are in the order of their times in the fresh-clone CI run
// (`npm run bench -- --suite` prints the slowest); every other file follows in jest's own order.
const fs = require("node:fs");
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

const LONGEST_FIRST = [
  // Seconds in the fresh-clone CI of Dec 5, with the shared provider processes (README, Performance).
  "integration/deploy.test.ts", // 471
  "integration/opentofu.test.ts", // 209
  "integration/rehearsal.test.ts", // 148
  "integration/kill-injection.test.ts", // 118
  "integration/hcl-equivalence.test.ts", // 74
  "integration/terraform-judges.test.ts", // 49
  "integration/minimal-diff-plans.test.ts", // 48
  "integration/upgrade-offline.test.ts", // 48
  "integration/checkov.test.ts", // 35
  "integration/validation-cases.test.ts", // 23
  "integration/consumer-quota.test.ts", // 19
].map((name) => path.join(__dirname, "..", name));

// A renamed or removed file would silently drop out of the order.
const gone = LONGEST_FIRST.filter((file) => !fs.existsSync(file));
if (gone.length > 0) throw new Error(`__tests__/support/longest-first.js names test files that do not exist: ${gone.join(", ")}`);

class LongestFirst extends Sequencer {
  async sort(tests) {
    const rank = (test) => {
      const index = LONGEST_FIRST.indexOf(test.path);
      return index === -1 ? LONGEST_FIRST.length : index;
    };
    // Array.prototype.sort is stable: the files not named keep jest's order.
    return [...(await super.sort(tests))].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = LongestFirst;
