import * as fs from "node:fs";
import * as path from "node:path";
import { claim, ownFile, release, runFiles } from "./claim";

/** In every folder this tool writes: only such a folder may be replaced by a later run. */
export const OUTPUT_MARKER = ".kafka-privatelink-output";

export interface OutputTarget {
  /** How the user named it, for messages: `--out`, `--modules-out`, `port lock`. */
  readonly label: string;
  readonly path: string;
  /**
   * `directory`: replaced whole (only one this tool marked); `file`: replaced by one rename;
   * `files`: a published folder, in which a run writes exactly its own files and removes only
   * those an earlier run wrote (its record says which): whatever else it holds stays in place.
   */
  readonly kind: "directory" | "file" | "files";
}

/** Files Terraform reads as part of a module, a test or an example root: a foreign one would change what is published. */
const TERRAFORM_FILE = /\.(tf|tf\.json|tftest\.hcl|tftest\.json)$/;

/** What a run writes into a `files` target, and what the previous run wrote there (relative paths). */
interface StagedFiles {
  readonly files: ReadonlyMap<string, string>;
  readonly previous: ReadonlySet<string>;
}

/** An output target that must not be written (it would destroy something), or a busy one. */
export class OutputError extends Error {
  constructor(label: string, target: string, rule: string) {
    super(`${label}: ${JSON.stringify(target)} ${rule}. Nothing was replaced.`);
    this.name = "OutputError";
  }
}

/** Moving the outputs into place failed part-way: says exactly which were replaced. */
export class CommitError extends Error {
  constructor(replaced: readonly OutputTarget[], notReplaced: readonly OutputTarget[], cause: Error) {
    const list = (ts: readonly OutputTarget[]) => ts.map((t) => `${t.label} (${t.path})`).join(", ");
    super(
      `${cause.message}\n` +
        (replaced.length ? `Replaced: ${list(replaced)}. ` : "Nothing was replaced. ") +
        (notReplaced.length ? `Not replaced: ${list(notReplaced)}. ` : "") +
        "The outputs are derived from the configuration and the port lock: run again to bring them all up to date.",
    );
    this.name = "CommitError";
  }
}

/** Leftovers beside a target: `new` staged contents, `old` a previous output being swapped out, `tmp` scratch (of earlier versions: a killed run of one may have left it). */
const RUN_FILE_KINDS = ["new", "old", "tmp"];

const isWithin = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
};

/** A path as the file system sees it (symbolic links followed), for containment checks. */
const real = (p: string) => {
  const absolute = path.resolve(p);
  return fs.existsSync(absolute) ? fs.realpathSync(absolute) : absolute;
};

/**
 * A run's outputs. The outputs are derived from the configuration and the port lock, so the design
 * only has to keep the lock whole and never touch what this tool did not write:
 * - every target is claimed before anything else (job/output/claim.ts), so one run at a time writes it;
 * - new contents are built beside each target (`.<name>.new-<run>`) and renamed into place, files
 *   first: the lock is replaced by one rename (never missing, never half-written), then each folder;
 * - whatever a killed run left beside a target is its own run file, removed by the next run that
 *   claims the target; nothing is ever put back, since the next run regenerates the outputs.
 */
export class Outputs {
  private readonly targets: readonly OutputTarget[];
  private readonly claimed: string[] = [];
  private readonly createdAncestors: string[] = [];
  private readonly stagedFiles = new Map<string, StagedFiles>();
  /** Run files of killed runs that this run removed. */
  readonly cleanedUp: string[] = [];

  /** `keep`: paths no folder target may contain (the working folders, the configuration). */
  constructor(targets: readonly OutputTarget[], keep: readonly string[]) {
    this.targets = targets.map((t) => ({ ...t, path: path.resolve(t.path) }));
    try {
      checkTargets(this.targets, keep.map(real));
      for (const t of [...this.targets].sort((a, b) => a.path.localeCompare(b.path))) {
        this.ensureParent(path.dirname(t.path));
        const result = claim(t.path);
        if (!result.held) throw new OutputError(t.label, t.path, `is being written by another run (${result.holder}); wait for it to finish`);
        this.claimed.push(t.path);
      }
      // With every claim held, what is on disk is no other run's work in progress.
      checkExisting(this.targets);
      for (const t of this.targets) {
        for (const kind of RUN_FILE_KINDS) {
          for (const leftover of runFiles(t.path, kind)) {
            fs.rmSync(leftover.file, { recursive: true, force: true });
            this.cleanedUp.push(leftover.file);
          }
        }
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** A fresh folder, marked with `marker`, to build a directory target's new contents in. */
  stageDirectory(label: string, marker: string): string {
    const staged = ownFile(this.target(label, "directory").path, "new");
    fs.mkdirSync(staged);
    fs.writeFileSync(path.join(staged, OUTPUT_MARKER), marker);
    return staged;
  }

  stageFile(label: string, contents: string): void {
    fs.writeFileSync(ownFile(this.target(label, "file").path, "new"), contents);
  }

  /**
   * Stages the files of a `files` target (relative path → content); `previous` lists what the last
   * run wrote there. Refuses, naming them, a file that is not this tool's but would be overwritten
   * with other content, and a Terraform file that is not this tool's (it would change a published
   * module); anything else the folder holds (`.terraform/`, a lock file, notes) stays in place.
   */
  stageFiles(label: string, files: ReadonlyMap<string, string>, previous: readonly string[]): void {
    const target = this.target(label, "files");
    const written = new Set(previous);
    const foreign = existingFiles(target.path).filter((file) => {
      if (written.has(file)) return false;
      if (files.has(file)) return fs.readFileSync(path.join(target.path, file), "utf8") !== files.get(file);
      return TERRAFORM_FILE.test(file);
    });
    if (foreign.length > 0) {
      throw new OutputError(
        target.label,
        target.path,
        `holds ${foreign.map((f) => JSON.stringify(f)).join(", ")}, which this tool did not write and would ${foreign.some((f) => files.has(f)) ? "overwrite or " : ""}publish as part of a module; move ${foreign.length === 1 ? "it" : "them"} out of the folder, or choose another folder`,
      );
    }
    const staged = ownFile(target.path, "new");
    fs.mkdirSync(staged);
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(path.join(staged, file)), { recursive: true });
      fs.writeFileSync(path.join(staged, file), content);
    }
    this.stagedFiles.set(target.path, { files, previous: written });
  }

  /** Moves every staged output into place, files (the lock) first; throws CommitError naming what was and was not replaced. */
  commit(): void {
    const order = { file: 0, files: 1, directory: 2 };
    const staged = this.targets.filter((t) => fs.existsSync(ownFile(t.path, "new"))).sort((a, b) => order[a.kind] - order[b.kind]);
    const replaced: OutputTarget[] = [];
    try {
      for (const t of staged) {
        const next = ownFile(t.path, "new");
        if (t.kind === "files") {
          this.commitFiles(t.path, next);
        } else if (t.kind === "file" || !fs.existsSync(t.path)) {
          fs.renameSync(next, t.path);
        } else {
          // A folder cannot be renamed over a non-empty one: set the previous one aside first.
          const old = ownFile(t.path, "old");
          fs.renameSync(t.path, old);
          try {
            fs.renameSync(next, t.path);
          } catch (err) {
            fs.renameSync(old, t.path);
            throw err;
          }
        }
        replaced.push(t);
      }
      for (const t of staged) fs.rmSync(ownFile(t.path, t.kind === "files" ? "new" : "old"), { recursive: true, force: true });
    } catch (err) {
      throw new CommitError(
        replaced,
        staged.filter((t) => !replaced.includes(t)),
        err as Error,
      );
    }
  }

  /**
   * Each staged file renamed into place, then the files the previous run wrote and this one did
   * not are removed, with the folders that removal left empty. Nothing else is touched.
   */
  private commitFiles(target: string, staged: string): void {
    const { files, previous } = this.stagedFiles.get(target)!;
    for (const file of files.keys()) {
      fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
      fs.renameSync(path.join(staged, file), path.join(target, file));
    }
    for (const file of [...previous].filter((f) => !files.has(f)).sort()) {
      fs.rmSync(path.join(target, file), { force: true });
      for (let dir = path.dirname(path.join(target, file)); isWithin(dir, target) && dir !== target; dir = path.dirname(dir)) {
        if (!fs.existsSync(dir) || fs.readdirSync(dir).length > 0) break;
        fs.rmdirSync(dir);
      }
    }
  }

  /** Removes this run's staged and scratch files, its claims, and the parent folders it created that stayed empty. */
  close(): void {
    for (const t of this.targets) for (const kind of RUN_FILE_KINDS) fs.rmSync(ownFile(t.path, kind), { recursive: true, force: true });
    for (const target of this.claimed.splice(0)) release(target);
    for (const dir of this.createdAncestors.splice(0).reverse()) {
      // Only if still empty: never remove what appeared there meanwhile.
      if (fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    }
  }

  private target(label: string, kind?: OutputTarget["kind"]): OutputTarget {
    const t = this.targets.find((x) => x.label === label);
    if (!t || (kind && t.kind !== kind)) throw new Error(`no ${kind ?? ""} output target "${label}"`);
    return t;
  }

  private ensureParent(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    if (missing.length === 0) return;
    fs.mkdirSync(dir, { recursive: true });
    this.createdAncestors.push(...missing);
  }
}

/** Refuses a target holding something to keep, targets inside one another, and symbolic links. */
function checkTargets(targets: readonly OutputTarget[], keep: readonly string[]): void {
  for (const t of targets) {
    if (fs.lstatSync(t.path, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new OutputError(t.label, t.path, "is a symbolic link; name the real path (replacing the link would leave its target stale)");
    }
  }
  const folders = targets.filter((t) => t.kind !== "file");
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
      if (other.kind !== "file" && (isWithin(other.path, t.path) || isWithin(t.path, other.path))) {
        throw new OutputError(t.label, t.path, `overlaps ${other.label} ${JSON.stringify(other.path)}; each output needs a folder of its own`);
      }
    }
  }
}

/** Refuses replacing what is not this tool's to replace. */
function checkExisting(targets: readonly OutputTarget[]): void {
  for (const t of targets) {
    const stat = fs.statSync(t.path, { throwIfNoEntry: false });
    if (t.kind === "file") {
      if (stat && !stat.isFile()) throw new OutputError(t.label, t.path, "exists and is not a file");
    } else if (stat && !stat.isDirectory()) {
      throw new OutputError(t.label, t.path, "exists and is not a folder");
    } else if (t.kind === "directory" && stat && fs.readdirSync(t.path).length > 0 && !fs.existsSync(path.join(t.path, OUTPUT_MARKER))) {
      throw new OutputError(
        t.label,
        t.path,
        `is not empty and was not written by this tool (it has no ${OUTPUT_MARKER}); it is replaced whole on every run, so choose another folder or empty it`,
      );
    }
  }
}

/**
 * Every file below `dir` (relative, `/`-separated), folders whose name starts with a dot
 * (`.terraform`) left out. Walked in name order, not the file system's: the same folders are read
 * in the same order on every run (the kill test counts the calls).
 */
export function existingFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const found: string[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const file = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!e.name.startsWith(".")) walk(file);
      } else {
        found.push(file);
      }
    }
  };
  walk("");
  return found.sort();
}
