// @ts-check
// ESLint's recommended rules and typescript-eslint's recommended (not type-checked: those need the
// whole program and would run the compiler a second time; `tsc` in `npm test` already checks types).
const js = require("@eslint/js");
const tseslint = require("typescript-eslint");
const globals = require("globals");
const { defineConfig, globalIgnores } = require("eslint/config");

module.exports = defineConfig(
  globalIgnores(["dist/", "cdktf.out/", "node_modules/", ".venv-*/", ".devtmp*", "rehearsal/.cache/", ".bench/", "coverage/"]),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // jest.config.js, job/launch.js and this file are CommonJS scripts run by Node.
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    rules: {
      // Dropping a key by rest destructuring (`const { source: _source, ...inputs } = block`) is how
      // this code omits fields from a copy; tsc's noUnusedLocals accepts it too.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    linterOptions: { reportUnusedDisableDirectives: "error", reportUnusedInlineConfigs: "error" },
  },
);
