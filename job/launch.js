"use strict";
/**
 * `node job/launch.js ENTRY.ts [ARGS...]`: runs a TypeScript entry point precompiled.
 *
 * Transpiling the sources at every start (tsx) cost about 0.2 s of the main job's 0.6 s. This
 * bundles the entry, the project files and the packages it imports once (esbuild) into
 * node_modules/.cache/launch/, and runs that bundle while none of its inputs changed: one file to
 * read instead of node resolving and loading ≈ 700 package files at each start (≈ 9,000 system
 * calls of the main job's start become ≈ 2,800). Plain CommonJS so that node runs it without any transform.
 *
 * The entry sees what `node ENTRY.ts ARGS...` would show it: process.argv [node, ENTRY, ARGS...],
 * require.main, __dirname and __filename of each source file, the environment, and the exit code
 * it sets. A build error prints esbuild's message and exits 1, leaving the previous bundle unused.
 * Where the cache cannot be written (a read-only image, another user's checkout), a missing or
 * stale bundle is not run: the entry runs from its sources through tsx instead, with a one-line note.
 */
const { createHash, randomBytes } = require("node:crypto");
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");

const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "launch");
const MANIFEST_PREFIX = "// launch-manifest ";
/**
 * A file modified this soon before a build may have been modified again after esbuild read it
 * without its mtime moving (coarse file-system clocks: 1-2 s on some), so its size and mtime
 * alone do not prove it unchanged: its content is compared instead.
 */
const RACY_MS = 2000;
/** esbuild's default loaders for the extensions that TypeScript sources import. */
const LOADERS = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".json": "json" };
/**
 * The packages a bundle leaves to node: esbuild's own (a native binary) and @aws-sdk/core, whose
 * files modules/private/regions.ts reads as data. Every other package is compiled into the bundle.
 */
const EXTERNAL_PACKAGES = ["esbuild", "@aws-sdk/core"];
const isPackageFile = (file) => file.split(path.sep).includes("node_modules");
/** The files besides the sources that change how esbuild compiles them. */
const CONFIG_NAMES = ["tsconfig.json", "jsconfig.json"];

const sha1 = (data) => createHash("sha1").update(data).digest("hex");
const sha256 = (data) => createHash("sha256").update(data).digest("hex");

/** Where the bundle of an entry point lives: one per entry path, so entries never share one. */
function bundlePathFor(entry) {
  const abs = path.resolve(entry);
  const name = `${path.basename(path.dirname(abs))}-${path.basename(abs, path.extname(abs))}`;
  return path.join(CACHE_DIR, `${name}-${sha1(abs).slice(0, 12)}.cjs`);
}

/** What else a bundle was built with: any change (this launcher's build options too) rebuilds. */
function buildKey(entry) {
  return { entry: path.resolve(entry), launcher: sha1(fs.readFileSync(__filename)), esbuild: require("esbuild/package.json").version, node: process.version };
}

/**
 * A file's content and its record in the manifest (size, mtime and content hash), read through one
 * descriptor; null when the file is absent.
 */
function readRecorded(file) {
  let fd;
  try {
    fd = fs.openSync(file, "r");
  } catch (err) {
    if (err.code === "ENOENT" || err.code === "ENOTDIR") return null;
    throw err;
  }
  try {
    const stat = fs.fstatSync(fd);
    const content = fs.readFileSync(fd);
    return { content, record: [stat.size, stat.mtimeMs, sha1(content)] };
  } finally {
    fs.closeSync(fd);
  }
}

/** What is at `file`: its stat, or null when nothing (no file, no folder) is; throws when that cannot be told. */
function statOf(file) {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    if (err.code === "ENOTDIR") return null;
    throw err;
  }
}

/**
 * The manifest of a bundle whose module text is the one it was built with (its digest is in the
 * manifest): a bundle altered or damaged since, or one that cannot be read, has none and is built anew.
 */
function readManifest(bundle) {
  try {
    const content = fs.readFileSync(bundle);
    const at = content.lastIndexOf(`\n${MANIFEST_PREFIX}`);
    const manifest = JSON.parse(content.subarray(at + 1 + MANIFEST_PREFIX.length).toString("utf8"));
    if (at >= 0 && manifest?.digest === sha256(content.subarray(0, at + 1))) return manifest;
  } catch {
    // Unreadable, or its last line is not a manifest.
  }
  return undefined;
}

/** Whether the bundle was built from the files as they are now, by this launcher, esbuild and node. */
function upToDate(manifest, key) {
  if (manifest === undefined || JSON.stringify(manifest.key) !== JSON.stringify(key)) return false;
  if (typeof manifest.files !== "object" || manifest.files === null) return false;
  return Object.entries(manifest.files).every(([file, recorded]) => {
    try {
      const stat = statOf(file);
      if (recorded === null || stat === null) return recorded === stat;
      const [size, mtimeMs, hash] = recorded;
      return stat.size === size && ((stat.mtimeMs === mtimeMs && mtimeMs < manifest.startedAt - RACY_MS) || sha1(fs.readFileSync(file)) === hash);
    } catch {
      // What cannot be told is not up to date.
      return false;
    }
  });
}

/**
 * esbuild compiles each source with the nearest tsconfig.json (or jsconfig.json) above it; the
 * manifest records each of those folders' candidates, absent ones too, so that one appearing,
 * changing or going away rebuilds. They are read after the build (esbuild does not report
 * them): an edit during the build itself shows only at the next change.
 */
function configFiles(sources) {
  const files = new Set();
  for (const dir of new Set(sources.map((s) => path.dirname(s)))) {
    for (let d = dir; ; d = path.dirname(d)) {
      const names = CONFIG_NAMES.map((n) => path.join(d, n));
      names.forEach((n) => files.add(n));
      if (names.some((n) => fs.existsSync(n)) || path.dirname(d) === d) break;
    }
  }
  return [...files];
}

/** esbuild's resolveExtensions by default, in its order, and the TypeScript rewrites of an import's extension. */
const RESOLVE_EXTENSIONS = [".tsx", ".ts", ".jsx", ".js", ".css", ".json"];
const REWRITTEN_EXTENSIONS = { ".js": [".ts", ".tsx"], ".jsx": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

/** The paths esbuild tries, in its order, for an import of the file or folder `base`. */
function resolutionCandidates(base) {
  const ext = path.extname(base);
  return [
    base,
    ...RESOLVE_EXTENSIONS.map((e) => base + e),
    ...(REWRITTEN_EXTENSIONS[ext] ?? []).map((e) => base.slice(0, -ext.length) + e),
    path.join(base, "package.json"),
    ...RESOLVE_EXTENSIONS.map((e) => path.join(base, `index${e}`)),
  ];
}

/**
 * Records, for each import of a project file, the paths esbuild tried before the one it resolved
 * and found absent: a new `stacks.ts` means `../stacks` is no longer `stacks/index.ts`, so one of
 * them appearing rebuilds. Recorded when tried, so that one appearing during the build rebuilds too.
 * Not for imports inside packages: those change only when the packages' own files do, which the
 * manifest records.
 */
function absentCandidatesPlugin(absent) {
  const self = {};
  return {
    name: "launch-absent-candidates",
    setup(build) {
      build.onResolve({ filter: /^(\.\.?(\/|$)|\/)/ }, async (args) => {
        if (args.pluginData === self || args.namespace !== "file" || isPackageFile(args.importer)) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: self });
        if (resolved.errors.length > 0 || resolved.external) return undefined;
        const candidates = resolutionCandidates(path.resolve(args.resolveDir, args.path));
        const at = candidates.indexOf(resolved.path);
        for (const candidate of at < 0 ? candidates : candidates.slice(0, at)) {
          try {
            if (!(candidate in absent) && statOf(candidate) === null) absent[candidate] = null;
          } catch {
            // Not known to be absent: not recorded.
          }
        }
        // esbuild resolves it again, as without this plugin, errors and all.
        return undefined;
      });
    },
  };
}

/**
 * Reads the sources for esbuild, so that the manifest records exactly what was compiled (a file
 * edited during the build rebuilds next time), and gives each file that uses them its own
 * __dirname and __filename: in the bundle they would otherwise name the cache folder.
 */
function recordingPlugin(records) {
  return {
    name: "launch-record",
    setup(build) {
      build.onLoad({ filter: /.*/, namespace: "file" }, (args) => {
        const loader = LOADERS[path.extname(args.path)];
        if (loader === undefined) return undefined;
        const read = readRecorded(args.path);
        // Gone since it was resolved: esbuild reports it as it would without this plugin.
        if (read === null) return undefined;
        records[args.path] = read.record;
        let contents = read.content.toString("utf8");
        if (loader !== "json") {
          // Kept on the first line, so the source map's line numbers stay those of the file.
          const locals = [];
          if (/\b__dirname\b/.test(contents)) locals.push(`__dirname = ${JSON.stringify(path.dirname(args.path))}`);
          if (/\b__filename\b/.test(contents)) locals.push(`__filename = ${JSON.stringify(args.path)}`);
          // After a "use strict" directive, which must stay the file's first statement.
          const directive = /^(["'])use strict\1;?/.exec(contents)?.[0] ?? "";
          if (locals.length > 0) contents = `${directive}const ${locals.join(", ")}; ${contents.slice(directive.length)}`;
        }
        return { contents, loader };
      });
    },
  };
}

/** Removes temporary files that a run killed while building left behind. */
function removeStaleTemporaries(bundle) {
  const prefix = `${path.basename(bundle)}.`;
  for (const name of fs.readdirSync(CACHE_DIR)) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const file = path.join(CACHE_DIR, name);
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > 10 * 60_000) fs.rmSync(file, { force: true });
    } catch {
      // Another run removed it first.
    }
  }
}

/**
 * Where the running bundle's identity (the SHA-256 of its module text, from its manifest) is
 * given to the code: what depends only on the code, such as the rendered modules
 * (modules/packaging `bundleIdentity`), can then be kept between runs of the same bundle. A global
 * of this process only: a child process started from the bundle does not inherit it.
 */
const BUNDLE_IDENTITY = Symbol.for("kafka-privatelink.launch-bundle");

/**
 * Builds the bundle: its text, the manifest (its last line) included. What it was built from is
 * recorded as esbuild reads it, and the SHA-256 of the module text, so that an altered bundle is never run.
 */
async function build(entry, bundle, key) {
  const esbuild = require("esbuild");
  const startedAt = Date.now();
  const records = {};
  const absent = {};
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [path.resolve(entry)],
      outfile: bundle,
      bundle: true,
      platform: "node",
      target: "node20",
      format: "cjs",
      external: EXTERNAL_PACKAGES,
      sourcemap: "inline",
      // Positions only: mapping a crash's trace (mapFatalTraces) needs no source text.
      sourcesContent: false,
      metafile: true,
      write: false,
      logLevel: "warning",
      plugins: [absentCandidatesPlugin(absent), recordingPlugin(records)],
    });
  } finally {
    await esbuild.stop();
  }
  const files = { ...absent, ...records };
  const sources = Object.keys(result.metafile.inputs).map((i) => path.resolve(i));
  for (const file of [...sources, ...configFiles(sources.filter((s) => !isPackageFile(s)))])
    if (!(file in files)) files[file] = readRecorded(file)?.record ?? null;
  const text = result.outputFiles[0].text;
  const digest = sha256(text);
  return { content: `${text}${MANIFEST_PREFIX}${JSON.stringify({ key, startedAt, digest, files })}\n`, digest };
}

/**
 * Writes the bundle to a temporary file and renames it into place, so a run started at the same
 * time reads either the previous bundle or this one, never half of it: one file, one rename.
 */
function save(bundle, content) {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  removeStaleTemporaries(bundle);
  const tmp = `${bundle}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, bundle);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Rewrites the bundle's positions in the stack of an error that ends the process into the .ts
 * files' lines. Done only then: node's --enable-source-maps would map every trace, but it costs
 * about 0.1 s per start (it indexes every module loaded), a sixth of the main job.
 */
function mapFatalTraces(bundle) {
  const position = new RegExp(`${bundle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:(\\d+):(\\d+)`, "g");
  process.on("uncaughtExceptionMonitor", (err) => {
    try {
      if (!(err instanceof Error) || typeof err.stack !== "string" || !err.stack.includes(bundle)) return;
      const text = fs.readFileSync(bundle, "utf8");
      const url = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)/.exec(text);
      if (url === null) return;
      const map = new Module.SourceMap(JSON.parse(Buffer.from(url[1], "base64").toString("utf8")));
      err.stack = err.stack.replace(position, (whole, line, column) => {
        const found = map.findEntry(Number(line) - 1, Number(column) - 1);
        if (found.originalSource === undefined) return whole;
        return `${path.resolve(path.dirname(bundle), found.originalSource)}:${found.originalLine + 1}:${found.originalColumn + 1}`;
      });
    } catch {
      // The unmapped trace is still printed.
    }
  });
}

/**
 * Starts `main` (the bundle, or the entry itself) as node starts a main module, so require.main is
 * its module as it would be the entry's, with the argv the entry would see.
 */
function start(entry, args, main) {
  process.argv = [process.argv[0], path.resolve(entry), ...args];
  Module.runMain(main);
}

function run(entry, bundle, args, identity) {
  globalThis[BUNDLE_IDENTITY] = identity;
  mapFatalTraces(bundle);
  start(entry, args, bundle);
}

/**
 * Runs the entry from its sources, compiled as node loads each file (tsx), as `tsx ENTRY` would:
 * for a bundle that could not be kept. Nothing is written besides tsx's own cache in the temp folder.
 */
function runFromSources(entry, args) {
  require("tsx/cjs/api").register();
  start(entry, args, path.resolve(entry));
}

function main() {
  const [entry, ...args] = process.argv.slice(2);
  if (entry === undefined) {
    console.error("Usage: node job/launch.js ENTRY.ts [ARGS...]");
    process.exitCode = 2;
    return;
  }
  const bundle = bundlePathFor(entry);
  const key = buildKey(entry);
  const manifest = readManifest(bundle);
  if (upToDate(manifest, key)) {
    run(entry, bundle, args, manifest.digest);
    return;
  }
  build(entry, bundle, key).then(
    ({ content, digest }) => {
      try {
        save(bundle, content);
      } catch (err) {
        // The same entry, compiled anew at every start: slower, never stale.
        console.error(`launch: cannot keep the bundle in ${CACHE_DIR} (${err.message}): running ${entry} from its sources (tsx)`);
        setImmediate(() => runFromSources(entry, args));
        return;
      }
      // Outside the promise, so an error the entry throws is an uncaught exception, as without us.
      setImmediate(() => run(entry, bundle, args, digest));
    },
    (err) => {
      // esbuild already printed what is wrong and where.
      if (Array.isArray(err.errors)) process.exitCode = 1;
      else
        setImmediate(() => {
          throw err;
        });
    },
  );
}

module.exports = { bundlePathFor, CACHE_DIR };

if (require.main === module) main();
