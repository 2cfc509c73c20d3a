/**
 * `npm run check:modules [-- DIR]`: the offline module check (README.md beside this file) over
 * DIR (default dist/modules, where the main job writes the modules). Exit status 1 on any problem.
 */
import { checkModules, formatProblem } from "./module-check";

async function main(dir: string): Promise<number> {
  const report = await checkModules(dir);
  if (report.problems.length > 0) {
    for (const problem of report.problems) console.error(formatProblem(problem));
    console.error(`module check: ${report.problems.length} problem(s) in ${dir}`);
    return 1;
  }
  console.log(`module check OK: ${report.modules} modules, ${report.examples} examples, ${report.references} references resolved in ${dir}`);
  return 0;
}

main(process.argv[2] ?? "dist/modules").then(
  (status) => {
    process.exitCode = status;
  },
  (err: Error) => {
    console.error(`module check failed to run: ${err.stack ?? err.message}`);
    process.exitCode = 2;
  },
);
