/**
 * The main job's record of what it wrote into the published folder (`--modules-out`). The record
 * lives in the output folder (`--out`), never in the published folder: what is published is the
 * modules and nothing about the run or the cluster.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { existingFiles, OUTPUT_MARKER } from "./transaction";

/** In `--out`: which files the run wrote into which published folder. */
export const PUBLISHED_RECORD = ".kafka-privatelink-published";

/**
 * What versions before 0.2.0 wrote into `--modules-out`, which they replaced whole and marked with
 * OUTPUT_MARKER: the module files, README, tests and examples of each module folder.
 */
const LEGACY_FILE = /^[^/]+\/((main|variables|outputs|versions)\.tf\.json|README\.md|tests\/[^/]+\.tftest\.hcl|examples\/[^/]+\/main\.tf\.json)$/;

export function renderPublishedRecord(modulesOut: string, files: Iterable<string>): string {
  return `${JSON.stringify({ writtenBy: "kafka-privatelink: the files the last run wrote into the published folder", modulesOut, files: [...files].sort() }, null, 2)}\n`;
}

/**
 * The files an earlier run wrote into `modulesOut`, which this run may remove: the output folder's
 * record when it names that folder; else, in a folder an earlier version replaced whole (its
 * marker is there), that version's files and the marker; else none.
 */
export function previousPublished(outDir: string, modulesOut: string): string[] {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(outDir, PUBLISHED_RECORD), "utf8")) as { modulesOut?: unknown; files?: unknown };
    if (record.modulesOut === modulesOut && Array.isArray(record.files) && record.files.every((f) => typeof f === "string" && !f.split("/").includes("..")))
      return record.files as string[];
  } catch {
    // No record, or not one this tool can read: fall through.
  }
  if (!fs.existsSync(path.join(modulesOut, OUTPUT_MARKER))) return [];
  return [OUTPUT_MARKER, ...existingFiles(modulesOut).filter((f) => LEGACY_FILE.test(f))];
}
