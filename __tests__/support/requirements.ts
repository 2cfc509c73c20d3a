/**
 * Tests that need a tool this machine may lack (terraform and its provider mirror, the AWS
 * emulator, Kafka). Where the tool is missing they are reported as skipped, with the reason in the
 * test's name, in jest's own skip count; in CI (CI=true) they are required and fail instead.
 */
const inCi = process.env.CI === "true";

type TestFn = (name: string, fn?: jest.ProvidesCallback, timeout?: number) => void;

/**
 * `it` when `missing` is undefined; otherwise a skipped test (laptop) or a failing one (CI) that
 * names what is missing.
 */
export function itNeeds(what: string, missing: string | undefined): TestFn {
  if (missing === undefined) return it;
  if (inCi) {
    return (name) =>
      it(name, () => {
        throw new Error(`${what} is required in CI but cannot run here: ${missing}`);
      });
  }
  const skip: TestFn = it.skip;
  return (name, fn, timeout) => skip(`${name} [skipped: ${what} unavailable: ${missing}]`, fn, timeout);
}

/**
 * Tests that build on each other (a deploy, then a change to it, then a destroy): after one fails,
 * the rest fail at once ("not run") instead of spending minutes on steps that cannot tell
 * anything. `step` records its failure; `readOnly` reads what the steps built and does not stop
 * the steps after it.
 */
export function dependentSteps(needs: TestFn, timeoutMs: number) {
  let failed: string | undefined;
  const guard = () => {
    if (failed) throw new Error(`not run: an earlier step failed ("${failed}")`);
  };
  return {
    step: (name: string, body: () => Promise<void>, test: TestFn = needs) =>
      test(
        name,
        async () => {
          guard();
          try {
            await body();
          } catch (err) {
            failed = name;
            throw err;
          }
        },
        timeoutMs,
      ),
    readOnly: (name: string, body: () => Promise<void>, test: TestFn = needs) =>
      test(
        name,
        async () => {
          guard();
          await body();
        },
        timeoutMs,
      ),
  };
}
