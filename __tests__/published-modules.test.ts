import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeModules } from "../stacks/examples";
import { snapshotTree } from "./support/tree";

const ROOT = path.join(__dirname, "..");
const PUBLISHED = path.join(ROOT, "dist", "modules");

/**
 * The module files as git publishes them: no terraform working files (`terraform init` in a module
 * folder leaves them there, and they are git-ignored). Examples included: they hold sample values,
 * the same whatever configuration was synthesized.
 */
const published = (tree: Record<string, string>) =>
  Object.fromEntries(Object.entries(tree).filter(([file]) => !file.split(path.sep).some((part) => part.startsWith(".terraform"))));

describe("the published modules (dist/modules, consumed as git::…//dist/modules/…?ref=<tag>)", () => {
  it("are committed as npm run synth writes them (run it and commit dist/modules after changing the generator)", () => {
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-published-"));
    try {
      writeModules(fresh);
      const expected = published(snapshotTree(fresh));
      const committed = published(snapshotTree(PUBLISHED));
      expect(Object.keys(committed).sort()).toEqual(Object.keys(expected).sort());
      for (const file of Object.keys(expected)) expect(`${file}\n${committed[file]}`).toBe(`${file}\n${expected[file]}`);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it("are not ignored by git, so a tag carries them", () => {
    const files = ["dist/modules/kafka-privatelink-provider/main.tf", "dist/modules/kafka-broker-ports/tests/allocation.tftest.hcl"];
    const check = spawnSync("git", ["check-ignore", "--no-index", "-v", ...files], { cwd: ROOT, encoding: "utf8" });
    // exit status 1: none of them is ignored
    expect(`${check.status} ${check.stdout}`).toBe("1 ");
  });

  it("are called with a git source pinned to a tag in the README", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const sources = [...readme.matchAll(/source\s+=\s+"(git::[^"]+)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) expect(source).toMatch(/^git::https:\/\/\S+\.git\/\/dist\/modules\/kafka-[a-z-]+\?ref=v\d+\.\d+\.\d+$/);
  });
});
