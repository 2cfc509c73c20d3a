/**
 * A Ctrl-C while Terraform evaluates the synthesized stacks (the rehearsal's first step): the
 * evaluation's `terraform test` runs detached, in its own process group, so the signal reaches only
 * our process, which must take that group with it and remove its temporary folders
 * (terraform/run.ts `atExit`).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runSynth } from "../../job/job";
import { providerStackName } from "../../stacks";
import { terraformUnavailable } from "../../terraform/run";
import { DEFAULT_CONFIG } from "../../rehearsal/rehearsal";
import { itNeeds } from "../support/requirements";

const ROOT = path.resolve(__dirname, "..", "..");
const itEvaluates = itNeeds("Terraform", terraformUnavailable());

/** The processes whose working folder is inside `dir`, with their command lines. */
function processesIn(dir: string): Array<{ pid: number; cmdline: string[] }> {
  return fs.readdirSync("/proc").flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== dir && !cwd.startsWith(`${dir}/`)) return [];
      return [{ pid: Number(entry), cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0") }];
    } catch {
      return []; // Gone meanwhile, or another user's.
    }
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const found = probe();
    if (found !== undefined) return found;
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

describe("Ctrl-C during Terraform's evaluation of the stacks", () => {
  let dir: string;
  beforeEach(() => (dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "kpl-evaluate-interrupt-")))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  itEvaluates(
    "ends the detached terraform test with the providers it started, and leaves no temporary folder",
    async () => {
      const configFile = path.join(dir, path.basename(DEFAULT_CONFIG));
      fs.copyFileSync(DEFAULT_CONFIG, configFile);
      const out = path.join(dir, "out");
      const { config } = runSynth({ configFile, outDir: out, modulesOutDir: path.join(dir, "modules") });
      const tmp = path.join(dir, "tmp");
      fs.mkdirSync(tmp);
      const code = `require(${JSON.stringify(path.join(ROOT, "terraform", "evaluate.ts"))}).evaluateStacks(${JSON.stringify(out)}, [${JSON.stringify(providerStackName(config))}]).then(() => console.log("evaluated"))`;
      const child = spawn(process.execPath, ["--import", "tsx", "-e", code], {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.setEncoding("utf8").on("data", (t: string) => (output += t));
      child.stderr.setEncoding("utf8").on("data", (t: string) => (output += t));
      const ended = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (status, signal) => resolve(signal ?? status)));

      await until("terraform test running", 90_000, () => processesIn(tmp).find((p) => p.cmdline.includes("test") && p.cmdline.includes("-json")));
      child.kill("SIGINT");

      expect(await ended).toBe("SIGINT");
      expect(output).not.toContain("evaluated");
      await until("every process of the evaluation gone", 10_000, () => (processesIn(tmp).length === 0 ? true : undefined)).catch(() => undefined);
      expect(processesIn(tmp).map((p) => p.cmdline.join(" "))).toEqual([]);
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith("kpl-"))).toEqual([]);
    },
    150_000,
  );
});
