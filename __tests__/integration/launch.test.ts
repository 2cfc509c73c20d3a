import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { itNeeds } from "../support/requirements";

const LAUNCHER = path.join(__dirname, "..", "..", "job", "launch.js");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundlePathFor } = require(LAUNCHER) as { bundlePathFor: (entry: string) => string };

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

const launch = (entry: string, ...args: string[]): Run =>
  spawnSync(process.execPath, [LAUNCHER, entry, ...args], { cwd: path.dirname(entry), encoding: "utf8" });

/** Another user's run: one who can read the checkout but not write its node_modules/.cache. */
const NOBODY = 65534;
const launchAsNobody = (entry: string): Run =>
  spawnSync(process.execPath, [LAUNCHER, entry], {
    cwd: path.dirname(entry),
    encoding: "utf8",
    uid: NOBODY,
    gid: NOBODY,
    env: { ...process.env, HOME: path.dirname(entry) },
  });
const notRoot = process.getuid?.() === 0 ? undefined : "not root: cannot run as another user here";

const launchAsync = (entry: string, ...args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, entry, ...args], { cwd: path.dirname(entry) });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });

/** The bundle file's identity: a rebuild renames a new file into place. */
const identity = (bundle: string) => {
  const s = fs.statSync(bundle);
  return `${s.ino}:${s.mtimeMs}`;
};

const HELPER = `export const greeting = (): string => "hello";
export const where = (): string => __dirname;
export function fail(message: string): never {
  throw new Error(message);
}
`;

const ENTRY = `import { fail, greeting, where } from "./helper";
const args: string[] = process.argv.slice(2);
if (args[0] === "throw") fail("boom");
console.log(JSON.stringify({ greeting: greeting(), argv1: process.argv[1], args, main: require.main === module, dir: where(), file: __filename }));
process.exitCode = Number(args[0] ?? 0);
`;

describe("job/launch.js (runs a TypeScript entry point from a cached bundle)", () => {
  let dir: string;
  let entry: string;
  let helper: string;
  let bundle: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-launch-"));
    entry = path.join(dir, "entry.ts");
    helper = path.join(dir, "helper.ts");
    fs.writeFileSync(helper, HELPER);
    fs.writeFileSync(entry, ENTRY);
    bundle = bundlePathFor(entry);
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(bundle, { force: true });
  });
  const output = (run: Run) => {
    expect(run.stderr).toBe("");
    return JSON.parse(run.stdout) as {
      greeting: string;
      argv1: string;
      args: string[];
      main: boolean;
      entry: boolean;
      helperEntry: boolean;
      dir: string;
      file: string;
    };
  };

  it("runs the entry as node would: its arguments, exit code, process.argv, require.main, __dirname and __filename of each source", () => {
    const run = launch(entry, "3", "two words", "--flag");
    expect(run.status).toBe(3);
    expect(output(run)).toEqual({
      greeting: "hello",
      argv1: entry,
      args: ["3", "two words", "--flag"],
      main: true,
      dir,
      file: entry,
    });
    expect(launch(entry, "0").status).toBe(0);
  });

  it("tells the entry from the files it imports with isEntry (job/is-entry.ts): in a bundle require.main === module holds for every file", () => {
    const isEntryModule = JSON.stringify(path.join(__dirname, "..", "..", "job", "is-entry"));
    fs.writeFileSync(
      helper,
      `import { isEntry } from ${isEntryModule};\nexport const report = () => ({ main: require.main === module, entry: isEntry(__filename) });\n`,
    );
    fs.writeFileSync(
      entry,
      `import { isEntry } from ${isEntryModule};\nimport { report } from "./helper";\nconsole.log(JSON.stringify({ entry: isEntry(__filename), helper: report() }));\n`,
    );
    const run = launch(entry);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ entry: true, helper: { main: true, entry: false } });
  });

  it("reuses the bundle while its inputs are unchanged, touched or not", () => {
    launch(entry);
    const built = identity(bundle);
    expect(output(launch(entry)).greeting).toBe("hello");
    fs.utimesSync(helper, new Date(), new Date(Date.now() + 5000));
    expect(output(launch(entry)).greeting).toBe("hello");
    expect(identity(bundle)).toBe(built);
  });

  it("rebuilds when an imported file changes, even with the same size and an mtime as recent as the build", () => {
    // Whole seconds, so that the mtime can be set back exactly; recent (here: ahead), as a file
    // edited again in the same clock tick as the build read it.
    const mtime = Math.floor(Date.now() / 1000) + 60;
    fs.utimesSync(helper, mtime, mtime);
    launch(entry);
    const built = identity(bundle);
    fs.writeFileSync(helper, HELPER.replace('"hello"', '"howdy"'));
    fs.utimesSync(helper, mtime, mtime);
    expect(output(launch(entry)).greeting).toBe("howdy");
    expect(identity(bundle)).not.toBe(built);
  });

  it("rebuilds when a tsconfig.json appears beside the sources, or an input goes away", () => {
    launch(entry);
    const built = identity(bundle);
    fs.writeFileSync(path.join(dir, "tsconfig.json"), "{}\n");
    expect(output(launch(entry)).greeting).toBe("hello");
    expect(identity(bundle)).not.toBe(built);

    fs.rmSync(helper);
    const run = launch(entry);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Could not resolve "./helper"');
  });

  it("rebuilds when a new file changes what an import resolves to: a lib.ts beside the lib/ folder, a .tsx before the .ts", () => {
    const lib = path.join(dir, "lib");
    fs.mkdirSync(lib);
    fs.writeFileSync(path.join(lib, "index.ts"), 'export const greeting = (): string => "from the folder";\n');
    fs.writeFileSync(
      entry,
      ENTRY.replace('from "./helper"', 'from "./lib"')
        .replace("fail, greeting, where", "greeting")
        .replace('if (args[0] === "throw") fail("boom");\n', "")
        .replace("dir: where()", "dir: __dirname"),
    );
    expect(output(launch(entry)).greeting).toBe("from the folder");
    const built = identity(bundle);
    // Esbuild tries lib.tsx, lib.ts, … before lib/index.ts: the new file is what "./lib" means now.
    fs.writeFileSync(path.join(dir, "lib.ts"), 'export const greeting = (): string => "from lib.ts";\n');
    expect(output(launch(entry)).greeting).toBe("from lib.ts");
    expect(identity(bundle)).not.toBe(built);
    fs.writeFileSync(path.join(dir, "lib.tsx"), 'export const greeting = (): string => "from lib.tsx";\n');
    expect(output(launch(entry)).greeting).toBe("from lib.tsx");
  });

  it("never runs a bundle whose module text was altered after it was built: it is built anew", () => {
    launch(entry);
    const text = fs.readFileSync(bundle, "utf8");
    expect(text).toContain('"hello"');
    fs.writeFileSync(bundle, text.replace('"hello"', '"altered"'));
    const altered = identity(bundle);
    expect(output(launch(entry)).greeting).toBe("hello");
    expect(identity(bundle)).not.toBe(altered);
  });

  it("rebuilds a bundle that another node or esbuild version built", () => {
    launch(entry);
    for (const recorded of [/"node":"[^"]+"/, /"esbuild":"[^"]+"/]) {
      const text = fs.readFileSync(bundle, "utf8");
      const lastLine = text.lastIndexOf("\n", text.length - 2);
      expect(text.slice(lastLine)).toMatch(recorded);
      fs.writeFileSync(bundle, text.slice(0, lastLine) + text.slice(lastLine).replace(recorded, (m) => m.replace(/:"[^"]+"/, ':"0.0.1"')));
      const edited = identity(bundle);
      expect(output(launch(entry)).greeting).toBe("hello");
      expect(identity(bundle)).not.toBe(edited);
    }
  });

  it("refuses a syntax error with esbuild's message and a non-zero exit, and never runs the previous bundle for it", () => {
    launch(entry);
    const built = identity(bundle);
    fs.writeFileSync(helper, HELPER.replace('"hello";', '"hello" +;'));
    for (let i = 0; i < 2; i++) {
      const run = launch(entry);
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(/ERROR.*Unexpected ";"/);
      expect(run.stderr).toContain("helper.ts:1:");
    }
    expect(identity(bundle)).toBe(built);
    fs.writeFileSync(helper, HELPER.replace('"hello"', '"fixed"'));
    expect(output(launch(entry)).greeting).toBe("fixed");
  });

  it("names the .ts lines in the stack trace of an uncaught error", () => {
    const run = launch(entry, "throw");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("Error: boom");
    expect(run.stderr).toContain(`at fail (${helper}:4:9)`);
    expect(run.stderr).toContain(`${entry}:3:`);
  });

  itNeeds("root (to run as a user who cannot write node_modules/.cache)", notRoot)(
    "runs a missing or stale bundle from the sources when node_modules/.cache is not writable, says so in one line, and never runs the stale bundle",
    () => {
      fs.chmodSync(dir, 0o755);
      const missing = launchAsNobody(entry);
      expect(missing.stderr).toMatch(
        /^launch: cannot keep the bundle in .*node_modules\/\.cache\/launch \(EACCES\b.*\): running .*entry\.ts from its sources \(tsx\)/,
      );
      expect(missing.stderr.trim().split("\n")).toHaveLength(1);
      expect(missing.status).toBe(0);
      expect(JSON.parse(missing.stdout)).toMatchObject({ greeting: "hello", argv1: entry, main: true, dir, file: entry });
      expect(fs.existsSync(bundle)).toBe(false);

      launch(entry);
      const built = identity(bundle);
      // Up to date: the bundle another user built is run as it is, without a word.
      expect(launchAsNobody(entry)).toMatchObject({ status: 0, stderr: "" });
      fs.writeFileSync(helper, HELPER.replace('"hello"', '"howdy"'));
      const stale = launchAsNobody(entry);
      expect(stale.stderr).toContain("from its sources (tsx)");
      expect(JSON.parse(stale.stdout).greeting).toBe("howdy");
      expect(identity(bundle)).toBe(built);
    },
    30_000,
  );

  it("serves two first runs started at once", async () => {
    const runs = await Promise.all([launchAsync(entry, "0", "a"), launchAsync(entry, "0", "b")]);
    expect(runs.map((r) => r.status)).toEqual([0, 0]);
    expect(runs.map((r) => output(r).args)).toEqual([
      ["0", "a"],
      ["0", "b"],
    ]);
    expect(fs.readdirSync(path.dirname(bundle)).filter((f) => f.startsWith(`${path.basename(bundle)}.`))).toEqual([]);
  });
});
