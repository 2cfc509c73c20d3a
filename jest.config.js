/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Jest's default on this 2-core machine is one worker. The integration tests mostly wait on
  // other processes (terraform, the AWS emulator, Kafka) or on the AWS provider's fixed delays, so
  // three run side by side: measured on the same checkout, 787 s against 861 s with two (README,
  // Performance).
  maxWorkers: 3,
  // swc strips types without checking them (≈30x faster than ts-jest here); `npm test` runs
  // `tsc --noEmit` once for the whole project instead.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
};
