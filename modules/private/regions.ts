/**
 * AWS regions and partitions from the AWS SDK for JavaScript v3's partition data
 * (`@aws-sdk/util-endpoints`, generated from AWS's endpoint model and republished with every SDK
 * release), not from a hand-written list. The packages are pinned: a region AWS opens after that
 * release is refused until the pins are raised (together: util-endpoints reads core's table).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { partition } from "@aws-sdk/util-endpoints";
import { version as CORE_VERSION } from "@aws-sdk/core/package.json";
import { version as SDK_VERSION } from "@aws-sdk/util-endpoints/package.json";

/** util-endpoints answers from the partition table that ships in @aws-sdk/core: both are pinned. */
export const REGION_DATA = `@aws-sdk/util-endpoints ${SDK_VERSION}, @aws-sdk/core ${CORE_VERSION}`;

/** The partition (`aws`, `aws-cn`, `aws-us-gov`, ...) of a region the data lists; undefined for any other name. */
export function partitionOf(region: string): string | undefined {
  // partition() answers every name with some partition; only a listed region comes with its description.
  // The data also lists pseudo-regions such as "aws-global", which are no place to deploy to.
  if (!/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(region)) return undefined;
  const info = partition(region) as { name: string; description?: string };
  return info.description === undefined ? undefined : info.name;
}

/**
 * Every region the data lists, with its partition: what the published modules check region inputs
 * against. util-endpoints offers no way to list the regions, so they are read from the table it
 * answers from (core's partitions.js, the same pinned data); each is kept only where partitionOf
 * agrees, so the two answers cannot differ.
 */
export const REGION_PARTITIONS: Readonly<Record<string, string>> = (() => {
  const file = path.join(path.dirname(require.resolve("@aws-sdk/core/package.json")), "dist-es/submodules/client/util-endpoints/lib/aws/partitions.js");
  const text = fs.readFileSync(file, "utf8");
  const json = /^export const partitionsInfo = (\{[\s\S]*\});\s*$/.exec(text);
  if (!json) throw new Error(`${file}: not the partition table this code reads (${REGION_DATA}); update modules/private/regions.ts`);
  const info = JSON.parse(json[1]) as { partitions: Array<{ id: string; regions: Record<string, unknown> }> };
  const regions = info.partitions.flatMap((p) =>
    Object.keys(p.regions)
      .filter((r) => partitionOf(r) === p.id)
      .map((r) => [r, p.id] as const),
  );
  return Object.fromEntries(regions.sort(([a], [b]) => a.localeCompare(b)));
})();
