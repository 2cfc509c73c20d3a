import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { PortLockCreateError, cdktfPortLock } from "../../port-lock/cdktf";
import { previousAllocation } from "../../port-lock/port-lock";
import { portPlanFor } from "../../stacks";
import { config, configInput, writeConfigFile } from "../support/configs";

const ROOT = path.join(__dirname, "..", "..");

describe("cdktf synth (main.ts)", () => {
  let dir: string;
  let file: string;
  beforeEach(() => ({ dir, file } = writeConfigFile(configInput())));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = (extra: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(ROOT, "job", "launch.js"), path.join(ROOT, "main.ts")], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, PRIVATELINK_CONFIG: file, CDKTF_OUTDIR: path.join(dir, "cdktf"), ...extra },
    });
  const review = () => fs.readFileSync(path.join(dir, "cdktf", "REVIEW.md"), "utf8");

  it("creates a missing port lock and says so, then writes REVIEW.md as the main job does, comparing with the lock it never rewrites", () => {
    const first = app();
    expect(first.status).toBe(0);
    expect(first.stderr).toContain(`Port lock: created ${path.join(dir, "cluster.ports.lock.json")} (no lock existed)`);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "cluster.ports.lock.json"), "utf8")).brokers).toEqual({ "1": 6001, "2": 6002, "3": 6003 });
    expect(review()).toContain("No baseline: nothing (no port lock yet). Every setting below is new.");
    expect(review()).toContain("No port lock to compare with");

    // a REVIEW.md of another configuration is replaced, never left stale
    const base = configInput();
    fs.writeFileSync(file, stringify({ ...base, cluster: { ...base.cluster, tcpIdleTimeoutSeconds: 900 } }));
    const second = app();
    expect(second.status).toBe(0);
    expect(second.stderr).not.toContain("Port lock: created");
    expect(review()).toContain("- **client-visible**: `cluster.tcpIdleTimeoutSeconds`: `600` → `900`");
    expect(review()).toContain("No broker was added, removed or moved since the port lock `cluster.ports.lock.json`.");
    // `cdktf diff` then `cdktf deploy` synthesize twice: the second page is the first one, not "nothing changed".
    const page = review();
    expect(app().status).toBe(0);
    expect(review()).toBe(page);
    // PRIVATELINK_REVIEW_BASE names a git ref; one that is not a commit is refused, saying so.
    const badBase = app({ PRIVATELINK_REVIEW_BASE: "no-such-ref" });
    expect(badBase.status).toBe(1);
    expect(badBase.stderr).toContain("PRIVATELINK_REVIEW_BASE no-such-ref: not a commit in the git repository of");
  });

  it("refuses, saying why, when the missing lock cannot be created", () => {
    const lockFile = path.join(dir, "no-such-folder", "cluster.ports.lock.json");
    const said: string[] = [];
    const cfg = config();
    expect(() =>
      cdktfPortLock(cfg, portPlanFor(cfg), lockFile, previousAllocation(lockFile, [], cfg.cluster.name), false, (l: string) => said.push(l)),
    ).toThrow(PortLockCreateError);
    expect(() =>
      cdktfPortLock(cfg, portPlanFor(cfg), lockFile, previousAllocation(lockFile, [], cfg.cluster.name), false, (l: string) => said.push(l)),
    ).toThrow(`${lockFile}: there is no port lock and it cannot be created (ENOENT`);
    expect(said).toEqual([]);
  });

  it("checks an existing lock without writing it, and leaves no temporary file", () => {
    const lockFile = path.join(dir, "cluster.ports.lock.json");
    const cfg = config();
    const said: string[] = [];
    cdktfPortLock(cfg, portPlanFor(cfg), lockFile, previousAllocation(lockFile, [], cfg.cluster.name), false, (l: string) => said.push(l));
    expect(said).toHaveLength(1);
    // with a lock, nothing is written and nothing said
    const before = fs.statSync(lockFile).mtimeMs;
    cdktfPortLock(cfg, portPlanFor(cfg), lockFile, previousAllocation(lockFile, [], cfg.cluster.name), false, (l: string) => said.push(l));
    expect(said).toHaveLength(1);
    expect(fs.statSync(lockFile).mtimeMs).toBe(before);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("."))).toEqual([]);
  });
});
