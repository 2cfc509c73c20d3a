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
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
};

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Writes a run's outputs beside their targets and moves them into place only once all of them are
 * complete. Before anything is written it refuses targets whose replacement would destroy what
 * this tool did not write (the working folder, the configuration, a folder of someone else's) and
 * targets another run is writing. A failed run leaves every previous output as it was.
 */
export class OutputTransaction {
  private readonly targets: ReadonlyMap<string, OutputTarget & { staging: string; busy: string }>;
  private readonly createdAncestors: string[] = [];
  private readonly held: string[] = [];

  /** `keep`: paths no folder target may contain (the working folder, the configuration). */
  constructor(targets: readonly OutputTarget[], keep: readonly string[]) {
    const resolved = targets.map((t) => {
      const absolute = path.resolve(t.path);
      const sibling = (suffix: string) => path.join(path.dirname(absolute), `.${path.basename(absolute)}.${suffix}`);
      return { ...t, path: absolute, staging: sibling(`staging-${process.pid}`), busy: sibling("writing") };
    });
    checkTargets(resolved, keep.map((k) => path.resolve(k)));
    this.targets = new Map(resolved.map((t) => [t.label, t]));
    try {
      for (const t of resolved) this.hold(t);
    } catch (err) {
      this.release();
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
   * in, so an error in either phase can put everything back as it was.
   */
  commit(): void {
    const staged = [...this.targets.values()].filter((t) => fs.existsSync(t.staging));
    const movedAside: Array<{ target: string; previous: string }> = [];
    const placed: string[] = [];
    try {
      for (const t of staged) {
        if (fs.existsSync(t.path)) {
          const previous = t.staging.replace(/staging-(\d+)$/, "previous-$1");
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
      this.rollback();
      throw err;
    }
    for (const { previous } of movedAside) fs.rmSync(previous, { recursive: true, force: true });
    this.createdAncestors.length = 0;
    this.release();
  }

  /** Removes whatever was staged, and the parent folders this run had to create. */
  rollback(): void {
    for (const t of this.targets.values()) fs.rmSync(t.staging, { recursive: true, force: true });
    this.release();
    for (const dir of this.createdAncestors.reverse()) {
      // Only if still empty: never remove what appeared there meanwhile.
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
    this.createdAncestors.length = 0;
  }

  private target(label: string, kind: OutputTarget["kind"]) {
    const t = this.targets.get(label);
    if (!t || t.kind !== kind) throw new Error(`no ${kind} output target "${label}"`);
    return t;
  }

  /** Claims a target against concurrent runs; a claim whose process is gone is taken over. */
  private hold(t: { label: string; path: string; staging: string; busy: string }): void {
    this.ensureParent(path.dirname(t.path));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(t.busy, String(process.pid), { flag: "wx" });
        this.held.push(t.busy);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const pid = Number(fs.readFileSync(t.busy, "utf8"));
        if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
          throw new OutputError(t.label, t.path, `is being written by another run (process ${pid}); wait for it to finish`);
        }
        this.removeLeftovers(t, pid);
      }
    }
  }

  /** What a killed run left beside a target: its claim, staging and set-aside previous output. */
  private removeLeftovers(t: { path: string; busy: string }, pid: number): void {
    fs.rmSync(t.busy, { force: true });
    const base = `.${path.basename(t.path)}.`;
    for (const name of fs.readdirSync(path.dirname(t.path))) {
      if (name === `${base}staging-${pid}`) fs.rmSync(path.join(path.dirname(t.path), name), { recursive: true, force: true });
      if (name === `${base}previous-${pid}` && !fs.existsSync(t.path)) fs.renameSync(path.join(path.dirname(t.path), name), t.path);
    }
  }

  private release(): void {
    for (const busy of this.held.splice(0)) fs.rmSync(busy, { force: true });
  }

  private ensureParent(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    if (missing.length === 0) return;
    fs.mkdirSync(dir, { recursive: true });
    this.createdAncestors.push(...missing);
  }
}

/** `cdktf synth` (main.ts) writes the same stacks without the marker: its manifest tells. */
function isCdktfOutput(dir: string): boolean {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    return typeof manifest.version === "string" && typeof manifest.stacks === "object";
  } catch {
    return false;
  }
}

/**
 * Refuses, in order of what would be lost: a target holding something to keep, targets inside one
 * another, and a target that is not this tool's to replace.
 */
function checkTargets(targets: readonly OutputTarget[], keep: readonly string[]): void {
  const folders = targets.filter((t) => t.kind === "directory");
  for (const t of folders) {
    for (const kept of keep) {
      if (isWithin(kept, t.path)) {
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
  for (const t of targets) {
    const stat = fs.existsSync(t.path) ? fs.statSync(t.path) : undefined;
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
