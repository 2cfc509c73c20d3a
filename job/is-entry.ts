import * as path from "node:path";

/**
 * Whether the file of `filename` (the caller's `__filename`) is the program's entry point, under
 * node, tsx and job/launch.js alike. Inside a launch.js bundle `require.main === module` holds for
 * every bundled file (they share the bundle's module), so a library file that runs itself "when
 * main" would run whenever any entry imports it.
 */
export const isEntry = (filename: string): boolean => process.argv[1] !== undefined && path.resolve(process.argv[1]) === filename;
