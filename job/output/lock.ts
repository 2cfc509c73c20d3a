import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The start time of a process (field 22 of /proc/<pid>/stat, counted after the command name, which
 * may hold spaces and parentheses): with the PID it names one process, even once the PID is reused.
 * Undefined where there is no /proc (macOS) or no such process.
 */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This run, as its locks name it: `<pid> <start time, or - without /proc> <nonce>`. */
const SELF = `${process.pid} ${startTime(process.pid) ?? "-"} ${randomBytes(8).toString("hex")}`;

/** Whether process `pid` has ended (one of another user's is running: EPERM). */
export function ended(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "EPERM";
  }
}

/** True while the run a lock names may still be running. What this tool did not write counts as running: it is never taken over. */
function running(owner: string): boolean {
  if (!/^\d+ (\d+|-) [0-9a-f]+$/.test(owner)) return true;
  const [pid, started] = owner.split(" ");
  // Our PID in another run's lock: that run has ended, and the PID was reused for us.
  if (Number(pid) === process.pid) return owner === SELF;
  if (ended(Number(pid))) return false;
  const now = startTime(Number(pid));
  return started === "-" || now === undefined || now === started;
}

/** Creates the lock `file` for this run; false when it exists. */
function create(file: string): boolean {
  try {
    fs.symlinkSync(SELF, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Who holds `file`: undefined when nobody does. */
function owner(file: string): string | undefined {
  try {
    return fs.readlinkSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EINVAL") return "not a lock this tool wrote";
    throw err;
  }
}

/**
 * Takes the lock `file`, or says who holds it. A lock is a symbolic link whose target names its
 * owner: creating it is atomic, contents included, and fails when it exists. A lock whose owner
 * has ended (a killed run) is taken over, but only by a run that holds `<file>.break` and has read
 * the lock again: of two runs that found the same ended owner, one removes that lock and takes a
 * new one, and the other then finds the new lock, its owner running, and gives way instead of
 * removing it. A `.break` a killed run left is taken over the same way (through `.break.break`).
 */
export function acquire(file: string): { held: true } | { held: false; holder: string } {
  for (;;) {
    if (create(file)) {
      sweep(file);
      return { held: true };
    }
    const holder = owner(file);
    if (holder === undefined) continue;
    if (running(holder)) return { held: false, holder: `${file}, ${/^\d+ /.test(holder) ? `held by process ${holder.split(" ")[0]}` : holder}` };
    const breaking = `${file}.break`;
    const breaker = acquire(breaking);
    if (!breaker.held) return breaker;
    try {
      if (owner(file) === holder) fs.rmSync(file, { force: true });
    } finally {
      release(breaking);
    }
  }
}

/**
 * Removes the `.break` locks of ended runs beside `file`, which this run now holds (a run killed as
 * it released one leaves it). With `file` held by a running process no run removes it, whatever
 * becomes of its `.break`: a run that reads it to take it over finds no ended owner.
 */
function sweep(file: string): void {
  const dir = path.dirname(file);
  for (const name of fs.readdirSync(dir).filter((n) => n.startsWith(`${path.basename(file)}.break`))) {
    const holder = owner(path.join(dir, name));
    if (holder !== undefined && !running(holder)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Removes the lock `file` if this run holds it. */
export function release(file: string): void {
  if (owner(file) === SELF) fs.unlinkSync(file);
}
