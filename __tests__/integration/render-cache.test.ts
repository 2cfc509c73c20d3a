/**
 * The rendered modules depend only on the code and the modules' test files (whose text is part of
 * the cache's key: an edited test file is published at once), so a launcher bundle renders them once and keeps
 * them (modules/packaging cachedRender): what a cached run writes must be what a fresh render
 * writes, a damaged, emptied or altered cache must be rendered anew (its digest is checked on read),
 * and runs from the sources (tsx, jest) cache nothing.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderModules } from "../../modules/packaging";

const ROOT = path.join(__dirname, "..", "..");
const LAUNCHER = path.join(ROOT, "job", "launch.js");
const CACHE = path.join(ROOT, "node_modules", ".cache", "kafka-privatelink");

const digest = (folders: ReadonlyMap<string, Record<string, string>>) =>
  createHash("sha1")
    .update(JSON.stringify([...folders]))
    .digest("hex");

describe("the rendered modules' cache of a launcher bundle", () => {
  let dir: string;
  let entry: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-render-cache-"));
    entry = path.join(dir, "render.ts");
    fs.writeFileSync(
      entry,
      `import { createHash } from "node:crypto";
import { renderModules } from ${JSON.stringify(path.join(ROOT, "modules", "packaging"))};
console.log(createHash("sha1").update(JSON.stringify([...renderModules()])).digest("hex"));
// What job/launch.js gives the code as the bundle's identity (modules/packaging bundleIdentity).
console.log((globalThis as Record<symbol, unknown>)[Symbol.for("kafka-privatelink.launch-bundle")]);
`,
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = () => {
    const r = spawnSync(process.execPath, [LAUNCHER, entry], { cwd: dir, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const [rendered, buildId] = r.stdout.trim().split("\n");
    return { rendered, buildId };
  };
  const cacheFiles = (buildId: string) => (fs.existsSync(CACHE) ? fs.readdirSync(CACHE).filter((f) => f.startsWith(`modules-${buildId}-`)) : []);

  it("renders what the sources render, keeps it under the bundle's identity, and reads it back unchanged", () => {
    const fresh = digest(renderModules());
    const first = run();
    expect(first.buildId).toMatch(/^[0-9a-f]{64}$/);
    expect(first.rendered).toBe(fresh);
    expect(cacheFiles(first.buildId)).toHaveLength(1);
    const second = run();
    expect(second).toEqual(first);
  }, 60_000);

  it("renders anew, and keeps the fresh render, when the cache reads {}: content is checked against its digest, not trusted because it parses", () => {
    const { buildId } = run();
    const [file] = cacheFiles(buildId);
    fs.writeFileSync(path.join(CACHE, file), "{}");
    expect(run().rendered).toBe(digest(renderModules()));
    expect(run().rendered).toBe(digest(renderModules()));
  }, 60_000);

  it("never publishes module text altered in the cache: it is rendered anew", () => {
    const { buildId } = run();
    const [file] = cacheFiles(buildId);
    // Whatever an earlier test left there: the render this run keeps.
    fs.rmSync(path.join(CACHE, file));
    run();
    const text = fs.readFileSync(path.join(CACHE, file), "utf8");
    expect(text).toContain("kafka-broker-ports");
    fs.writeFileSync(path.join(CACHE, file), text.replace(/kafka-broker-ports/g, "kafka-broker-pirates"));
    expect(run().rendered).toBe(digest(renderModules()));
  }, 60_000);

  it("renders anew when the cache is damaged", () => {
    const { buildId } = run();
    const [file] = cacheFiles(buildId);
    fs.writeFileSync(path.join(CACHE, file), "{ not json");
    expect(run().rendered).toBe(digest(renderModules()));
    expect(JSON.parse(fs.readFileSync(path.join(CACHE, file), "utf8"))).toBeInstanceOf(Object);
  }, 60_000);
});
