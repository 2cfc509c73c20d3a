// Terraform, OpenTofu and the AWS provider are Go programs, and most of the suite's CPU goes to them:
// each provider process builds the schema of every AWS resource before it does anything. Go collects
// garbage whenever the heap doubles (GOGC=100); at 400 the provider's start allocates the same and
// collects less: measured here, the provider module's 46 `terraform test` runs took 31-35 s of CPU
// instead of 39-45 s, at a peak of ≈ 460 MB per process instead of 370-450 MB. Every process the tests start
// inherits it (the workers, cdktf, terraform, the provider plugins); a GOGC set by the caller wins.
process.env.GOGC ??= "400";
// And one OS thread runs Go code at a time (GOMAXPROCS=1): a suite that keeps both cores busy gains
// nothing from a process's second thread, and each Go process then spends less CPU on its own
// coordination and parallel collection: measured here, a provider module's `terraform validate` took
// 2.2-2.4 s of CPU instead of 2.4-2.9 s. A GOMAXPROCS set by the caller wins.
process.env.GOMAXPROCS ??= "1";

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // cdktf's Testing makes a temporary folder per synth and never removes it (dozens a run), and a
  // killed worker never runs the exit handlers that remove others (terraform/run.ts): every
  // temporary file of a run, of its workers and of the processes they start goes into one folder,
  // removed when the run ends. The run also starts one AWS provider process per mirrored version,
  // which `terraform test` and `validate` attach to instead of each starting its own
  // (terraform/shared-provider.ts).
  globalSetup: "<rootDir>/__tests__/support/run-setup.js",
  globalTeardown: "<rootDir>/__tests__/support/run-setup.js",
  // Jest's default on this 2-core machine is one worker. The integration tests mostly wait on
  // other processes (terraform, the AWS emulator, Kafka) or on the AWS provider's fixed delays, so
  // four run side by side: in the first two minutes both emulator files mostly wait, and two more
  // keep the cores busy. Measured back to back on one checkout (README, Performance): 331 s with
  // four, 342 s with three (and, in an earlier round, 787 s with three against 861 s with two).
  maxWorkers: 4,
  // The longest files first, whether or not jest has the times of an earlier run.
  testSequencer: "<rootDir>/__tests__/support/longest-first.js",
  // swc strips types without checking them (≈30x faster than ts-jest here); `npm test` runs
  // `tsc --noEmit` once for the whole project instead.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
};
