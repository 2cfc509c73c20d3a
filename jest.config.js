/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  // Jest's default on this 2-core machine is one worker. The integration tests mostly wait on
  // other processes (terraform, the AWS emulator, Kafka), so two run side by side; the suite's
  // measured time is in the README (Performance).
  maxWorkers: 2,
  // swc strips types without checking them (≈30x faster than ts-jest here); `npm test` runs
  // `tsc --noEmit` once for the whole project instead.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
};
