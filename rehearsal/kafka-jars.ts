/**
 * The Apache Kafka server jars, fetched from Maven Central with Maven (rehearsal/pom.xml) into a
 * git-ignored cache. Nothing is downloaded from anywhere else.
 *
 * `node --require tsx/cjs rehearsal/kafka-jars.ts` fetches them (what `.ci/run` does); the
 * rehearsal also fetches them itself when the cache is missing.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { isEntry } from "../job/is-entry";

export const REHEARSAL_DIR = __dirname;
const KAFKA_LIBS_DIR = path.join(REHEARSAL_DIR, ".cache", "kafka-libs");
const POM = path.join(REHEARSAL_DIR, "pom.xml");
/** A fetch that copied only part of the jars must not count as a cache: this file marks a complete one. */
const COMPLETE_MARKER = path.join(KAFKA_LIBS_DIR, ".complete");

export function kafkaJarsCached(): boolean {
  return fs.existsSync(COMPLETE_MARKER) && fs.statSync(COMPLETE_MARKER).mtimeMs >= fs.statSync(POM).mtimeMs;
}

/** Copies the jars into the cache unless it is complete and newer than the pom (Maven reuses ~/.m2). */
export function fetchKafkaJars(): void {
  if (kafkaJarsCached()) {
    return;
  }
  fs.rmSync(KAFKA_LIBS_DIR, { recursive: true, force: true });
  const mvn = spawnSync("mvn", ["-q", "-B", "-f", POM, "dependency:copy-dependencies", `-DoutputDirectory=${KAFKA_LIBS_DIR}`], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (mvn.status !== 0) {
    throw new Error(`fetching the Kafka jars with Maven failed (${mvn.error?.message ?? `exit ${mvn.status}`}):\n${mvn.stdout}${mvn.stderr}`);
  }
  fs.writeFileSync(COMPLETE_MARKER, "");
}

/** A JVM class path holding every cached jar. */
export const KAFKA_CLASS_PATH = `${KAFKA_LIBS_DIR}/*`;

if (isEntry(__filename)) {
  fetchKafkaJars();
}
