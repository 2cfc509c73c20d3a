/**
 * AWS regions and partitions from the AWS SDK for JavaScript v3's partition data
 * (`@aws-sdk/util-endpoints`, generated from AWS's endpoint model and republished with every SDK
 * release), not from a hand-written list. The packages are pinned: a region AWS opens after that
 * release is refused until the pins are raised (together: util-endpoints reads core's table).
 */
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
