import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Writes a run's outputs beside their targets and moves them into place only once all of them are
 * complete: a failed run leaves every previous output as it was and no half-written folder.
 */
export class OutputTransaction {
  private readonly staged: Array<{ target: string; staging: string }> = [];
  private readonly createdAncestors: string[] = [];

  /** A fresh folder to build `targetDir`'s new contents in. */
  stageDirectory(targetDir: string): string {
    const staging = this.stagingPath(targetDir);
    fs.mkdirSync(staging);
    return staging;
  }

  /** Stages a file's new contents. */
  stageFile(targetFile: string, contents: string): void {
    fs.writeFileSync(this.stagingPath(targetFile), contents);
  }

  /** Moves every staged output into place, replacing what was there. */
  commit(): void {
    for (const { target, staging } of this.staged) {
      const previous = `${staging}.previous`;
      const existed = fs.existsSync(target);
      if (existed) fs.renameSync(target, previous);
      try {
        fs.renameSync(staging, target);
      } catch (err) {
        if (existed) fs.renameSync(previous, target);
        throw err;
      }
      if (existed) fs.rmSync(previous, { recursive: true, force: true });
    }
    this.staged.length = 0;
    this.createdAncestors.length = 0;
  }

  /** Removes whatever was staged, and the parent folders staging had to create. */
  rollback(): void {
    for (const { staging } of this.staged) fs.rmSync(staging, { recursive: true, force: true });
    this.staged.length = 0;
    for (const dir of this.createdAncestors.reverse()) fs.rmSync(dir, { recursive: true, force: true });
    this.createdAncestors.length = 0;
  }

  private stagingPath(target: string): string {
    const absolute = path.resolve(target);
    this.ensureParent(path.dirname(absolute));
    const staging = path.join(path.dirname(absolute), `.${path.basename(absolute)}.staging-${process.pid}`);
    fs.rmSync(staging, { recursive: true, force: true });
    this.staged.push({ target: absolute, staging });
    return staging;
  }

  private ensureParent(dir: string): void {
    const missing: string[] = [];
    for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
    if (missing.length === 0) return;
    fs.mkdirSync(dir, { recursive: true });
    this.createdAncestors.push(missing[0]);
  }
}
