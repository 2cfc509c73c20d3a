import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { acquire, ended, release } from "./lock";

/** In every folder this tool writes: only such a folder may be replaced by a later run. */
export const OUTPUT_MARKER = ".kafka-privatelink-output";

/** The outputs of a run, as the user named them on the command line. */
export interface OutputPaths {
  /** `--out`: replaced whole, and only when this tool marked it. */
  readonly out: string;
  /**
   * `--modules-out`: published, so a run writes exactly its own files there and removes only those
   * the previous run wrote (the marker of --out says which); whatever else it holds stays in place.
   */
  readonly modulesOut: string;
  /** The port lock: replaced by one rename. */
  readonly lockFile: string;
}

type Output = keyof OutputPaths;
/** For messages, and the order of the commit: the lock first, never missing, never half-written. */
const LABELS: Record<Output, string> = { lockFile: "port lock", modulesOut: "--modules-out", out: "--out" };
const OUTPUTS = Object.keys(LABELS) as Output[];

/**
 * Files Terraform or OpenTofu reads as part of a module, a test or an example root: a foreign one
 * would change what is published (OpenTofu reads `x.tofu` in place of `x.tf`).
 */
const TERRAFORM_FILE = /\.(tf|tf\.json|tftest\.hcl|tftest\.json|tofu|tofu\.json|tofutest\.hcl|tofutest\.json)$/;

/** An output that must not be written (it would destroy something), or a busy one. */
export class OutputError extends Error {
  constructor(output: Output, target: string, rule: string) {
    super(`${LABELS[output]}: ${JSON.stringify(target)} ${rule}. Nothing was replaced.`);
    this.name = "OutputError";
  }
}

/** Moving the outputs into place failed part-way: says exactly which were replaced. */
export class CommitError extends Error {
  constructor(paths: OutputPaths, replaced: number, cause: Error) {
    const list = (os: Output[]) => os.map((o) => `${LABELS[o]} (${paths[o]})`).join(", ");
    super(
      `${cause.message}\n` +
        (replaced ? `Replaced: ${list(OUTPUTS.slice(0, replaced))}. ` : "Nothing was replaced. ") +
        `Not replaced: ${list(OUTPUTS.slice(replaced))}. ` +
        "The outputs are derived from the configuration and the port lock: run again to bring them all up to date.",
    );
    this.name = "CommitError";
  }
}

/** A name beside an output: its lock, its new contents being staged (`new`), its previous contents being swapped out (`old`). */
const beside = (target: string, kind: "lock" | "new" | "old") => path.join(path.dirname(target), `.${path.basename(target)}.${kind}`);

const isWithin = (child: string, parent: string) => {
  const rel = path.relative(parent, child);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
};

/**
 * A path as the file system sees it, for containment checks: its deepest existing folder with
 * symbolic links followed, and the rest as named (`link/out/new` → `/real/out/new`).
 */
function real(p: string): string {
  const rest: string[] = [];
  let head = p;
  while (!fs.existsSync(head) && path.dirname(head) !== head) {
    rest.unshift(path.basename(head));
    head = path.dirname(head);
  }
  return path.join(fs.existsSync(head) ? fs.realpathSync(head) : head, ...rest);
}

/**
 * A run's outputs. They are derived from the configuration and the port lock, so the design only
 * has to keep the lock whole and never touch what this tool did not write:
 * - the run locks each output once, before anything else (job/output/lock.ts), and holds the locks
 *   to the end: one run at a time writes an output, and what it finds beside one (`new`, `old`) a
 *   killed run left, so it is removed;
 * - the new contents are staged beside each output (`.<name>.new`) and renamed into place: the
 *   port lock, then the files of --modules-out, then --out. Nothing is ever put back: after a kill
 *   the next run regenerates the outputs from the configuration and the lock.
 */
export class Outputs {
  readonly paths: OutputPaths;
  /** What killed runs had left beside the outputs, removed by this run. */
  readonly cleanedUp: string[] = [];
  private readonly locks: string[] = [];
  /** Folders this run created to hold an output, each as [the first one created, the deepest]. */
  private readonly created: Array<[string, string]> = [];
  private published?: { files: ReadonlyMap<string, string>; previous: readonly string[] };

  /** `keep`: paths no output folder may contain (the working folders, the configuration). */
  constructor(paths: OutputPaths, keep: readonly string[]) {
    this.paths = { out: path.resolve(paths.out), modulesOut: path.resolve(paths.modulesOut), lockFile: path.resolve(paths.lockFile) };
    try {
      checkPaths(
        this.paths,
        keep.map((k) => real(path.resolve(k))),
      );
      for (const target of Object.values(this.paths)) {
        const first = fs.mkdirSync(path.dirname(target), { recursive: true });
        if (first) this.created.push([first, path.dirname(target)]);
      }
      for (const output of [...OUTPUTS].sort((a, b) => this.paths[a].localeCompare(this.paths[b]))) {
        const lock = beside(this.paths[output], "lock");
        const taken = acquire(lock);
        if (!taken.held) throw new OutputError(output, this.paths[output], `is being written by another run (${taken.holder}); wait for it to finish`);
        this.locks.push(lock);
      }
      checkExisting(this.paths);
      // With every lock held, what is staged or set aside beside the outputs is a killed run's.
      for (const f of this.leftovers()) {
        fs.rmSync(f, { recursive: true });
        this.cleanedUp.push(f);
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** The folder to build the new --out in. */
  stageOut(): string {
    const staged = beside(this.paths.out, "new");
    fs.mkdirSync(staged);
    return staged;
  }

  /**
   * Stages the files of --modules-out (relative path → content). Refuses, naming them, a file that
   * is not this tool's but would be overwritten with other content, and a Terraform file that is not
   * this tool's (it would change a published module); anything else the folder holds
   * (`.terraform/`, a lock file, notes) stays in place.
   */
  stageModules(files: ReadonlyMap<string, string>): void {
    const target = this.paths.modulesOut;
    const existing = existingEntries(target);
    const refuse = (found: string[], what: string) => {
      if (found.length > 0) {
        const list = found.map((f) => JSON.stringify(f)).join(", ");
        throw new OutputError(
          "modulesOut",
          target,
          `holds ${list}${what}; move ${found.length === 1 ? "it" : "them"} out of the folder, or choose another folder`,
        );
      }
    };
    // A file where a module's folder goes, a folder (or a link) where its file goes: moving the files
    // into place would fail half-way. Each file's path is checked down to its first entry that is
    // missing or of another kind.
    const clashes = [...files.keys()].flatMap((file) => {
      const parts = file.split("/");
      const at = parts.map((_, i) => parts.slice(0, i + 1).join("/")).find((p, i) => existing.get(p) !== (i < parts.length - 1 ? "folder" : "file"));
      return at !== undefined && existing.has(at) ? [at] : [];
    });
    refuse(
      [...new Set(clashes)].sort(),
      " where a module's files go, as another kind of entry (a file where a folder goes, a folder or a link where a file goes)",
    );
    const previous = previousPublished(this.paths.out, target);
    const differing = filesOf(existing).filter((file) => {
      if (previous.includes(file)) return false;
      if (files.has(file)) return fs.readFileSync(path.join(target, file), "utf8") !== files.get(file);
      return TERRAFORM_FILE.test(file);
    });
    // A file of its own name whose content is committed unchanged in git is an earlier release's,
    // checked out fresh (the record of the last run is in --out, which is not committed): replacing it
    // loses nothing, and git shows the change.
    const committed = differing.some((f) => files.has(f)) ? committedUnchanged(target, differing) : new Set<string>();
    const foreign = differing.filter((f) => !(files.has(f) && committed.has(f)));
    refuse(foreign, `, which this tool did not write and would ${foreign.some((f) => files.has(f)) ? "overwrite or " : ""}publish as part of a module`);
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(path.join(beside(target, "new"), file)), { recursive: true });
      fs.writeFileSync(path.join(beside(target, "new"), file), content);
    }
    this.published = { files, previous };
  }

  /** Writes the new port lock beside the old one, then moves every output into place; throws CommitError naming what was and was not replaced. */
  commit(lock: string): void {
    const { out, lockFile } = this.paths;
    fs.writeFileSync(beside(lockFile, "new"), lock);
    let replaced = 0;
    try {
      fs.renameSync(beside(lockFile, "new"), lockFile);
      replaced++;
      this.commitModules();
      replaced++;
      // A folder cannot be renamed over a non-empty one: the previous one is set aside first.
      if (fs.existsSync(out)) fs.renameSync(out, beside(out, "old"));
      try {
        fs.renameSync(beside(out, "new"), out);
      } catch (err) {
        if (fs.existsSync(beside(out, "old"))) fs.renameSync(beside(out, "old"), out);
        throw err;
      }
      replaced++;
    } catch (err) {
      throw new CommitError(this.paths, replaced, err as Error);
    }
  }

  /**
   * Each staged file renamed into place, then the files the previous run wrote and this one did
   * not are removed, with the folders that removal left empty. Nothing else is touched.
   */
  private commitModules(): void {
    const target = this.paths.modulesOut;
    const { files, previous } = this.published!;
    for (const file of files.keys()) {
      fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
      fs.renameSync(path.join(beside(target, "new"), file), path.join(target, file));
    }
    for (const file of previous.filter((f) => !files.has(f)).sort()) {
      fs.rmSync(path.join(target, file), { force: true });
      removeEmptyFolders(path.dirname(path.join(target, file)), target);
    }
  }

  /**
   * Removes this run's staged files and its locks, and the folders it created that stayed empty.
   * Never throws, so a failure here cannot hide how the run went: each step is tried (every lock
   * released), and what failed is returned; the next run removes what was left.
   */
  close(): string[] {
    const failed: string[] = [];
    const attempt = (step: () => unknown) => {
      try {
        step();
      } catch (err) {
        failed.push((err as Error).message);
      }
    };
    if (this.locks.length === OUTPUTS.length) for (const f of this.leftovers()) attempt(() => fs.rmSync(f, { recursive: true }));
    for (const lock of this.locks.splice(0)) attempt(() => release(lock));
    // Only while empty: never what appeared there meanwhile.
    for (const [first, deepest] of this.created.splice(0).reverse()) attempt(() => removeEmptyFolders(deepest, path.dirname(first)));
    return failed;
  }

  /**
   * What is staged or set aside beside the outputs (`new`, `old`), and what a killed run of 0.2 left
   * (its run files, named `.<name>.<kind>-<pid>-<nonce>`, whose process has ended).
   */
  private leftovers(): string[] {
    return Object.values(this.paths)
      .flatMap((p) => [beside(p, "new"), beside(p, "old"), ...runFiles0_2(p)])
      .filter((f) => fs.existsSync(f));
  }
}

/** 0.2's files beside `target` (staged, set aside, scratch, its claims) of runs that have ended. */
function runFiles0_2(target: string): string[] {
  const prefix = `.${path.basename(target)}.`;
  return fs
    .readdirSync(path.dirname(target))
    .sort()
    .filter((name) => {
      const run = name.startsWith(prefix) ? /^(new|old|tmp|claim|entering)-(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length)) : null;
      return run !== null && ended(Number(run[2]));
    })
    .map((name) => path.join(path.dirname(target), name));
}

/** Refuses an output that is a symbolic link, an output folder holding something to keep or the port lock, and output folders inside one another. */
function checkPaths(paths: OutputPaths, keep: readonly string[]): void {
  for (const output of OUTPUTS) {
    if (fs.lstatSync(paths[output], { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw new OutputError(output, paths[output], "is a symbolic link; name the real path (replacing the link would leave its target stale)");
    }
  }
  for (const [output, other] of [
    ["out", "modulesOut"],
    ["modulesOut", "out"],
  ] as const) {
    const at = paths[output];
    const kept = keep.find((k) => isWithin(k, real(at)));
    if (kept) throw new OutputError(output, at, `contains ${JSON.stringify(kept)}; the output folder is replaced whole on every run`);
    if (isWithin(real(paths.lockFile), real(at)))
      throw new OutputError(output, at, `contains the port lock ${JSON.stringify(paths.lockFile)}, which must outlive the output`);
    if (isWithin(real(paths[other]), real(at)))
      throw new OutputError(output, at, `overlaps ${LABELS[other]} ${JSON.stringify(paths[other])}; each output needs a folder of its own`);
  }
}

/** `dir` and the folders above it, while they are empty, up to `above` (which stays). */
function removeEmptyFolders(dir: string, above: string): void {
  for (; dir !== above && fs.existsSync(dir) && fs.readdirSync(dir).length === 0; dir = path.dirname(dir)) fs.rmdirSync(dir);
}

/**
 * Which of `files` (paths inside `dir`) hold exactly what git's HEAD commit holds for them; none
 * where git is missing or `dir` is not in a work tree.
 */
function committedUnchanged(dir: string, files: readonly string[]): Set<string> {
  const git = (args: readonly string[]) => spawnSync("git", ["-C", dir, ...args], { encoding: "utf8", timeout: 30_000 });
  // `<mode> blob <hash>\t<path>`, the paths relative to `dir`; only regular files (not links).
  const tree = git(["ls-tree", "-r", "-z", "HEAD", "--", "."]);
  const hashed = git(["hash-object", "--", ...files]);
  if (tree.status !== 0 || hashed.status !== 0) return new Set();
  const inHead = new Map(
    tree.stdout
      .split("\0")
      .map((entry) => /^100(?:644|755) blob (\S+)\t(.*)$/s.exec(entry))
      .flatMap((m) => (m ? [[m[2], m[1]] as const] : [])),
  );
  const now = hashed.stdout.trim().split("\n");
  return new Set(files.filter((f, i) => inHead.get(f) === now[i]));
}

/** Refuses replacing what is not this tool's to replace. */
function checkExisting({ out, modulesOut, lockFile }: OutputPaths): void {
  const stat = (p: string) => fs.statSync(p, { throwIfNoEntry: false });
  if (stat(lockFile)?.isFile() === false) throw new OutputError("lockFile", lockFile, "exists and is not a file");
  if (stat(modulesOut)?.isDirectory() === false) throw new OutputError("modulesOut", modulesOut, "exists and is not a folder");
  const outStat = stat(out);
  if (outStat?.isDirectory() === false) throw new OutputError("out", out, "exists and is not a folder");
  if (outStat && fs.readdirSync(out).length > 0 && !fs.existsSync(path.join(out, OUTPUT_MARKER))) {
    throw new OutputError(
      "out",
      out,
      `is not empty and was not written by this tool (it has no ${OUTPUT_MARKER}); it is replaced whole on every run, so choose another folder or empty it`,
    );
  }
}

/**
 * Everything below `dir` (relative, `/`-separated) and what it is, folders whose name starts with
 * a dot (`.terraform`) left out. Walked in name order, not the file system's: the same folders are
 * read in the same order on every run (the kill test counts the calls).
 */
function existingEntries(dir: string): Map<string, "folder" | "file" | "other"> {
  const found = new Map<string, "folder" | "file" | "other">();
  if (!fs.existsSync(dir)) return found;
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const entry = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name.startsWith(".")) continue;
        found.set(entry, "folder");
        walk(entry);
      } else {
        found.set(entry, e.isFile() ? "file" : "other");
      }
    }
  };
  walk("");
  return found;
}

/** The entries that are not folders (files, links, …), sorted. */
const filesOf = (entries: ReadonlyMap<string, string>) => [...entries].flatMap(([entry, kind]) => (kind === "folder" ? [] : [entry])).sort();

/** Where 0.2 recorded, in `--out`, what it wrote into `--modules-out`; the marker records it now. */
export const RECORD_0_2 = ".kafka-privatelink-published";

/**
 * What versions before 0.2.0 wrote into `--modules-out`, which they replaced whole and marked with
 * OUTPUT_MARKER: the module files, README, tests and examples of each module folder.
 */
const FILE_0_1 = /^[^/]+\/((main|variables|outputs|versions)\.tf\.json|README\.md|tests\/[^/]+\.tftest\.hcl|examples\/[^/]+\/main\.tf\.json)$/;

/** What the marker of `--out` records of `--modules-out`: which files the run wrote into which folder. */
export interface PublishedRecord {
  readonly modulesOut: string;
  readonly files: readonly string[];
}

/** A JSON file's value; undefined when it cannot be read or parsed. */
export const readJson = (file: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/**
 * The files an earlier run wrote into `modulesOut`, which this run may remove: what the marker of
 * `outDir` (or 0.2's record beside it) names for that folder; else, in a folder 0.1 replaced whole
 * (its marker is there), 0.1's files and the marker; else none.
 */
function previousPublished(outDir: string, modulesOut: string): string[] {
  const record = (readJson(path.join(outDir, OUTPUT_MARKER))?.published ?? readJson(path.join(outDir, RECORD_0_2))) as Partial<PublishedRecord> | undefined;
  if (record?.modulesOut === modulesOut && Array.isArray(record.files) && record.files.every((f) => typeof f === "string" && !f.split("/").includes("..")))
    return [...record.files];
  if (!fs.existsSync(path.join(modulesOut, OUTPUT_MARKER))) return [];
  return [OUTPUT_MARKER, ...filesOf(existingEntries(modulesOut)).filter((f) => FILE_0_1.test(f))];
}
