/**
 * The layout's layers (README "How it is built"): each folder imports only from its own layer and
 * the ones below it, so the published modules never depend on a configuration file, and the main
 * job and the tools never leak into what generates Terraform.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");

/** Lowest first: a folder may import from its own layer and any layer before it. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ["modules"],
  ["config"],
  ["stacks"],
  ["job", "port-lock"],
  ["main.ts", "terraform", "emulator", "rehearsal", "doctor", "bench"],
];

const layerOf = (relative: string) => LAYERS.findIndex((folders) => folders.includes(relative.split(path.sep)[0]));

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "baseline" ? [] : sources(rel);
    return e.name.endsWith(".ts") ? [rel] : [];
  });
}

/** Relative imports of a file, resolved to paths from the repository root. */
function imports(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:from|import|require\()\s*["'](\.{1,2}\/[^"']*)["']/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(ROOT, path.resolve(path.join(ROOT, path.dirname(file)), s)));
}

describe("layers", () => {
  const files = [
    ...LAYERS.flat()
      .filter((f) => !f.endsWith(".ts"))
      .flatMap(sources),
    "main.ts",
  ];

  it("finds the sources of every layer", () => {
    for (const folders of LAYERS) expect(files.some((f) => folders.includes(f.split(path.sep)[0]))).toBe(true);
  });

  it("never imports from a higher layer: modules from nothing above them, config from modules only, stacks not from the job or the tools", () => {
    const violations = files.flatMap((file) =>
      imports(file)
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} imports ${target} (layer ${LAYERS[layerOf(target)].join("/")} is above ${LAYERS[layerOf(file)].join("/")})`),
    );
    expect(violations).toEqual([]);
  });

  it("gives modules/ one meaning: one folder per published module, plus their shared private code and packaging", () => {
    const folders = fs
      .readdirSync(path.join(ROOT, "modules"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(["kafka-broker-ports", "kafka-privatelink-consumer", "kafka-privatelink-provider", "packaging", "private"]);
    expect(
      fs
        .readdirSync(path.join(ROOT, "dist", "modules"))
        .filter((n) => !n.startsWith("."))
        .sort(),
    ).toEqual(["kafka-broker-ports", "kafka-privatelink-consumer", "kafka-privatelink-provider"]);
  });

  it("can fail: a module importing the configuration is a violation", () => {
    expect(layerOf(path.join("config", "schema.ts"))).toBeGreaterThan(layerOf(path.join("modules", "kafka-broker-ports", "index.ts")));
  });
  // What each entry loads at run time, not what the sources say: a value import of a construct
  // file anywhere below would pull cdktf in. Reading a configuration (every command) and the
  // doctor stay free of cdktf and the AWS provider bindings.
  it.each(["config/load", "doctor/doctor"])("loads no cdktf, constructs or provider bindings with %s", (entry) => {
    const script = `require("./${entry}"); console.log(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules\\/(cdktf|@cdktf|constructs)\\//.test(k))))`;
    const run = spawnSync(process.execPath, ["--require", "tsx/cjs", "-e", script], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual([]);
  });
});
