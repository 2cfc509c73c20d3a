import * as fs from "node:fs";
import * as path from "node:path";

/** Written into every folder this tool writes: only such a folder may be replaced by a later run. */
export const OUTPUT_MARKER = ".kafka-privatelink-output";

export interface OutputTarget {
  /** How the user named it, for messages: `--out`, `--modules-out`, `port lock`. */
  readonly label: string;
  readonly path: string;
  readonly kind: "directory" | "file";
}

/** An output target that must not be written (it would destroy something), or a busy one. */
export class OutputError extends Error {
  constructor(label: string, target: string, rule: string) {
    super(`${label}: ${JSON.stringify(target)} ${rule}. Nothing was written.`);
    this.name = "OutputError";
  }
}

const isWithin = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
};

/** A path as the file system sees it (symbolic links followed), for containment checks. */
const real = (p: string) => {
  const absolute = path.resolve(p);
  return fs.existsSync(absolute) ? fs.realpathSync(absolute) : absolute;
};

/** True for a live process other than this one (a recycled PID of ours is a killed run's). */
const otherProcessAlive = (pid: number) => {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

interface Target extends OutputTarget {
  /** Beside the target: `.<name>.staging-<pid>` holds the new contents until commit. */
  readonly staging: string;
  /** `.<name>.writing`: the claim of the run writing the target. */
  readonly claim: string;
  readonly sibling: (suffix: string) => string;
}

/**
 * Writes a run's outputs beside their targets and moves them into place only once all of them are
 * complete. Before anything is written it claims every target (so two runs cannot interleave, and
 * what a killed run left is put back first) and refuses targets whose replacement would destroy
 * what this tool did not write. A failed run leaves every previous output as it was.
 */
export class OutputTransaction {
  private readonly targets: ReadonlyMap<string, Target>;
  private readonly createdAncestors: string[] = [];
  private readonly held: string[] = [];

  /** `keep`: paths no folder target may contain (the working folders, the configuration). */
  constructor(targets: readonly OutputTarget[], keep: readonly string[]) {
    const resolved = targets.map((t): Target => {
      const absolute = path.resolve(t.path);
      const sibling = (suffix: string) => path.join(path.dirname(absolute), `.${path.basename(absolute)}.${suffix}`);
      return { ...t, path: absolute, staging: sibling(`staging-${process.pid}`), claim: sibling("writing"), sibling };
    });
    this.targets = new Map(resolved.map((t) => [t.label, t]));
    try {
      checkTargets(resolved, keep.map(real));
      for (const t of resolved) this.hold(t);
      // Only now, with every claim held and a killed run's leftovers put back, is what is on disk
      // the previous output; check it as such.
      checkExisting(resolved);
    } catch (err) {
      this.rollback();
      throw err;
    }
  }

  /** A fresh folder to build a directory target's new contents in. */
  stageDirectory(label: string): string {
    const t = this.target(label, "directory");
    fs.mkdirSync(t.staging);
    fs.writeFileSync(path.join(t.staging, OUTPUT_MARKER), "Written by kafka-privatelink (npm run synth); replaced whole on every run.\n");
    return t.staging;
  }

  stageFile(label: string, contents: string): void {
    fs.writeFileSync(this.target(label, "file").staging, contents);
  }

  /**
   * Moves every staged output into place: first every previous output aside, then every new one
   * in, so an error in either phase can put everything back as it was. The caller rolls back.
   */
  commit(): void {
    const staged = [...this.targets.values()].filter((t) => fs.existsSync(t.staging));
    const movedAside: Array<{ target: string; previous: string }> = [];
    const placed: string[] = [];
    try {
      for (const t of staged) {
        if (fs.existsSync(t.path)) {
          const previous = t.sibling(`previous-${process.pid}`);
          fs.renameSync(t.path, previous);
          movedAside.push({ target: t.path, previous });
        }
      }
      for (const t of staged) {
        fs.renameSync(t.staging, t.path);
        placed.push(t.path);
      }
    } catch (err) {
      for (const target of placed.reverse()) fs.rmSync(target, { recursive: true, force: true });
      for (const { target, previous } of movedAside.reverse()) fs.renameSync(previous, target);
      throw err;
    }
    // The new outputs are in place: what is left is tidying, which a later run redoes if need be.
    for (const { previous } of movedAside) fs.rmSync(previous, { recursive: true, force: true });
    this.createdAncestors.length = 0;
    this.release();
  }

  /** Removes whatever was staged, the claims, and the parent folders this run created. */
  rollback(): void {
    for (const t of this.targets.values()) fs.rmSync(t.staging, { recursive: true, force: true });
    this.release();
    for (const dir of this.createdAncestors.splice(0).reverse()) {
      // Only if still empty: never remove what appeared there meanwhile.
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
  }

  private target(label: string, kind: OutputTarget["kind"]): Target {
    const t = this.targets.get(label);
    if (!t || t.kind !== kind) throw new Error(`no ${kind} output target "${label}"`);
    return t;
  }

  /**
   * Claims a target against concurrent runs. The claim appears whole (written aside, then linked
   * into place), so a reader never sees an empty one; a claim whose process is gone is taken over.
   */
  private hold(t: Target): void {
    this.ensureParent(path.dirname(t.path));
    const mine = t.sibling(`claim-${process.pid}`);
    fs.writeFileSync(mine, String(process.pid));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          fs.linkSync(mine, t.claim);
          this.held.push(t.claim);
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        }
        let owner: string;
        try {
          owner = fs.readFileSync(t.claim, "utf8");
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
          throw err;
        }
        const pid = Number(owner);
        if (!/^\d+$/.test(owner) || otherProcessAlive(pid)) {
          throw new OutputError(
            t.label,
            t.path,
            `is being written by another run (claim ${t.claim}${/^\d+$/.test(owner) ? `, process ${pid}` : ""}); wait for it, or delete the claim if no run is active`,
          );
        }
        restoreLeftovers(t, pid);
      }
      throw new OutputError(t.label, t.path, `could not be claimed (${t.claim} keeps changing); is another run starting?`);
    } finally {
      fs.rmSync(mine, { force: true });
    }
  }

  private release(): void {
    for (const claim of this.held.splice(0)) fs.rmSync(claim, { force: true });
  }

  private ensureParent(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    if (missing.length === 0) return;
    fs.mkdirSync(dir, { recursive: true });
    this.createdAncestors.push(...missing);
  }
}

/**
 * Puts back what a killed run left beside a target: its set-aside previous output replaces
 * whatever it had already moved in (the run never finished, so its outputs are not a whole), and
 * its staging goes. Then the stale claim is dropped.
 */
function restoreLeftovers(t: Target, pid: number): void {
  const previous = t.sibling(`previous-${pid}`);
  if (fs.existsSync(previous)) {
    fs.rmSync(t.path, { recursive: true, force: true });
    fs.renameSync(previous, t.path);
  }
  fs.rmSync(t.sibling(`staging-${pid}`), { recursive: true, force: true });
  fs.rmSync(t.claim, { force: true });
}

/** `cdktf synth` (main.ts) writes the same stacks without the marker: its manifest tells. */
function isCdktfOutput(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    return typeof manifest.version === "string" && typeof manifest.stacks === "object" && fs.statSync(path.join(dir, "stacks")).isDirectory();
  } catch {
    return false;
  }
}

/** Refuses a target holding something to keep, targets inside one another, and symbolic links. */
function checkTargets(targets: readonly Target[], keep: readonly string[]): void {
  for (const t of targets) {
    if (fs.lstatSync(t.path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new OutputError(t.label, t.path, "is a symbolic link; name the real path (replacing the link would leave its target stale)");
    }
  }
  const folders = targets.filter((t) => t.kind === "directory");
  for (const t of folders) {
    const at = real(t.path);
    for (const kept of keep) {
      if (isWithin(kept, at)) {
        throw new OutputError(t.label, t.path, `contains ${JSON.stringify(kept)}; the output folder is replaced whole on every run`);
      }
    }
  }
  for (const t of folders) {
    for (const other of targets) {
      if (other === t) continue;
      if (other.kind === "file" && isWithin(other.path, t.path)) {
        throw new OutputError(t.label, t.path, `contains the ${other.label} ${JSON.stringify(other.path)}, which must outlive the output`);
      }
      if (other.kind === "directory" && (isWithin(other.path, t.path) || isWithin(t.path, other.path))) {
        throw new OutputError(t.label, t.path, `overlaps ${other.label} ${JSON.stringify(other.path)}; each output needs a folder of its own`);
      }
    }
  }
}

/** Refuses replacing what is not this tool's to replace. */
function checkExisting(targets: readonly Target[]): void {
  for (const t of targets) {
    const stat = fs.statSync(t.path, { throwIfNoEntry: false });
    if (t.kind === "file") {
      if (stat?.isDirectory()) throw new OutputError(t.label, t.path, "is a folder; it must be a file");
    } else if (stat && !stat.isDirectory()) {
      throw new OutputError(t.label, t.path, "exists and is not a folder");
    } else if (stat && fs.readdirSync(t.path).length > 0 && !fs.existsSync(path.join(t.path, OUTPUT_MARKER)) && !isCdktfOutput(t.path)) {
      throw new OutputError(
        t.label,
        t.path,
        `is not empty and was not written by this tool (it has no ${OUTPUT_MARKER}); it is replaced whole on every run, so choose another folder or empty it`,
      );
    }
  }
}
