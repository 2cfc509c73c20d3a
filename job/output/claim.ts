import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * One run's name in claim files: its PID (to tell whether it is still running; zero-padded, so
 * that names order as the numbers do) and a nonce (PIDs are reused).
 */
const RUN_ID = `${String(process.pid).padStart(10, "0")}-${randomBytes(4).toString("hex")}`;

/** How long a run waits for another one that is half-way into claiming the same path. */
const ENTERING_TIMEOUT_MS = 30_000;

/** Files beside `target` named `.<name>.<kind>-<pid>-<nonce>`. */
export function runFiles(target: string, kind: string): Array<{ file: string; id: string; pid: number }> {
  const prefix = `.${path.basename(target)}.${kind}-`;
  const dir = path.dirname(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+-[0-9a-f]+$/.test(n.slice(prefix.length)))
    .map((n) => {
      const id = n.slice(prefix.length);
      return { file: path.join(dir, n), id, pid: Number(id.split("-")[0]) };
    });
}

/** This run's file of `kind` beside `target`. */
export const ownFile = (target: string, kind: string) => path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${RUN_ID}`);

/** True while the run with this PID may still be running. */
function running(pid: number): boolean {
  // Our PID in another run's name: that run has ended (the PID was reused for us).
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Claims `target` for this run, or returns the file of the run that holds it.
 *
 * No file is ever removed while its run may still be running, so a kill needs no recovery: the
 * files of ended runs are ignored (and removed). Mutual exclusion follows from the order of events:
 * a run announces itself (`entering-<id>`) before it looks, and stays visible (entering, then
 * `claim-<id>`) until it releases the claim. It takes the claim only when it sees no other run's
 * file, and gives way to a claim or to an entering run with a smaller id. Two runs holding claims
 * at once would each have looked before the other announced itself: impossible, since each
 * announced itself before looking. Of two runs that see each other entering, the larger id gives
 * way while the smaller one waits for it to leave: exactly one proceeds.
 */
export function claim(target: string): { held: true } | { held: false; holder: string } {
  const entering = ownFile(target, "entering");
  fs.writeFileSync(entering, "");
  try {
    const deadline = Date.now() + ENTERING_TIMEOUT_MS;
    for (;;) {
      const others = [
        ...runFiles(target, "claim").map((f) => ({ ...f, claimed: true })),
        ...runFiles(target, "entering").map((f) => ({ ...f, claimed: false })),
      ];
      const live = [];
      for (const f of others.filter((o) => o.id !== RUN_ID)) {
        if (running(f.pid)) live.push(f);
        else fs.rmSync(f.file, { force: true });
      }
      const blocker = live.find((f) => f.claimed || f.id < RUN_ID);
      if (blocker) return { held: false, holder: blocker.file };
      if (live.length === 0) {
        fs.writeFileSync(ownFile(target, "claim"), "");
        return { held: true };
      }
      // Only runs with larger ids are entering: they give way to us as soon as they look.
      if (Date.now() > deadline) return { held: false, holder: live[0].file };
      sleep(5);
    }
  } finally {
    fs.rmSync(entering, { force: true });
  }
}

export function release(target: string): void {
  fs.rmSync(ownFile(target, "claim"), { force: true });
}
