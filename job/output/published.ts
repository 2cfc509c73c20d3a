/**
 * What the main job wrote into the published folder (`--modules-out`), as the output folder's
 * marker records it (`published`, port-lock.ts renderOutputMarker): the record lives in `--out`,
 * never in the published folder, since what is published is the modules and nothing about the run
 * or the cluster.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { existingFiles, OUTPUT_MARKER } from "./transaction";

/** In `--out` of release 0.2.0: which files the run wrote into which published folder (now in the marker). */
export const LEGACY_RECORD = ".kafka-privatelink-published";

/**
 * What versions before 0.2.0 wrote into `--modules-out`, which they replaced whole and marked with
 * OUTPUT_MARKER: the module files, README, tests and examples of each module folder.
 */
const LEGACY_FILE = /^[^/]+\/((main|variables|outputs|versions)\.tf\.json|README\.md|tests\/[^/]+\.tftest\.hcl|examples\/[^/]+\/main\.tf\.json)$/;

/**
 * The files an earlier run wrote into `modulesOut`, which this run may remove: the output folder's
 * record when it names that folder (its marker's `published`, or release 0.2.0's own record file);
 * else, in a folder an earlier version replaced whole (its marker is there), that version's files
 * and the marker; else none.
 */
export function previousPublished(outDir: string, modulesOut: string): string[] {
  for (const [file, read] of [
    [OUTPUT_MARKER, (doc: { published?: unknown }) => doc.published],
    [LEGACY_RECORD, (doc: unknown) => doc],
  ] as const) {
    try {
      const record = read(JSON.parse(fs.readFileSync(path.join(outDir, file), "utf8"))) as { modulesOut?: unknown; files?: unknown } | undefined;
      if (record?.modulesOut === modulesOut && Array.isArray(record.files) && record.files.every((f) => typeof f === "string" && !f.split("/").includes("..")))
        return record.files as string[];
    } catch {
      // No record, or not one this tool can read: try the next.
    }
  }
  if (!fs.existsSync(path.join(modulesOut, OUTPUT_MARKER))) return [];
  return [OUTPUT_MARKER, ...existingFiles(modulesOut).filter((f) => LEGACY_FILE.test(f))];
}
