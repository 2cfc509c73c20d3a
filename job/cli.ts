/**
 * `npm run synth -- --config FILE [--out DIR] [--modules-out DIR] [--allow-port-change] [--base REF]`
 * Exit status: 0 written; 1 invalid configuration, refused port change, refused or unwritable
 * output (the message says what was replaced, if anything); 2 bad command line (or --base REF no commit).
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { EXAMPLE_CONFIG } from "../config/load";
import { ConfigError } from "../config/validate";
import { CommitError, OutputError } from "./output/transaction";
import { BaseRefError, PortChangeError, PortLockError } from "../port-lock/port-lock";
import { runSynth, SynthResult } from "./job";

const USAGE = `Usage: npm run synth -- [--config FILE] [--out DIR] [--modules-out DIR] [--allow-port-change] [--base REF]

  --config FILE         cluster and consumers, YAML or JSON (default: examples/orders.yaml)
  --out DIR             deployable cdktf stacks and REVIEW.md (default: cdktf.out)
  --modules-out DIR     publishable Terraform modules (default: dist/modules)
  --allow-port-change   accept a run that moves a port recorded in the port lock
  --base REF            REVIEW.md compares with the port lock as committed at this git ref
                        (a pull request's base, e.g. origin/main), not with the working tree's`;

/**
 * `npm run synth` runs from the package folder; paths the user typed are relative to where they
 * typed them, which npm passes as INIT_CWD (only trusted under npm run synth: children inherit it).
 */
const USER_CWD = (process.env.npm_lifecycle_event === "synth" && process.env.INIT_CWD) || process.cwd();

function summary(r: SynthResult): string {
  const rel = (p: string) => path.relative(USER_CWD, p) || ".";
  const { cluster } = r.config;
  const lines = [
    `Synthesized ${r.stacks.length} stack(s) into ${rel(r.outDir)}/stacks: ${r.stacks.join(", ")}`,
    `Modules in ${rel(r.modulesOutDir)}: ${r.modules.join(", ")}`,
    `Bootstrap: ${cluster.advertisedHostname}:${r.ports.bootstrapPort} → all ${r.ports.brokerPorts.size} broker(s)`,
    ...[...r.ports.brokerPorts].map(([id, port]) => `  broker ${id} → port ${port}`),
  ];
  const c = r.changes;
  if (r.lockCreated) lines.push(`Port lock created: ${rel(r.lockFile)} (commit it with the configuration)`);
  for (const a of c.added) if (c.hadLock) lines.push(`Port lock: broker ${a.broker} added on port ${a.port}`);
  for (const x of c.removed) lines.push(`Port lock: broker ${x.broker} removed (was port ${x.port})`);
  const accepted = [
    ...c.moved.map((m) => [`broker ${m.broker} MOVED`, m] as const),
    ["bootstrap MOVED", c.bootstrapMoved],
    ["advertised hostname CHANGED", c.hostnameChanged],
    ["cluster RENAMED", c.clusterRenamed],
  ] as const;
  for (const [what, change] of accepted) if (change) lines.push(`Port lock: ${what} ${change.from} → ${change.to} (--allow-port-change)`);
  // REVIEW.md's Markdown, as plain text.
  const plain = (markdown: string) => markdown.replace(/`/g, "");
  const { since, baseline } = r.review;
  if (since.firstSynth) lines.push(`What changes: ${since.firstSynth}`);
  else if (since.changes.length === 0) lines.push(`What changes: no reviewable setting changed since ${plain(baseline)}`);
  else lines.push(`What changes since ${plain(baseline)}:`, ...since.changes.map((c) => `  ${c.level}: ${plain(c.text)}`));
  lines.push(`Review page: ${rel(path.join(r.outDir, "REVIEW.md"))}`);
  lines.push(`Replaced: ${rel(r.outDir)}, ${rel(r.modulesOutDir)}, ${rel(r.lockFile)}`);
  if (r.cleanedUp.length > 0) lines.push(`Removed what an interrupted run left: ${r.cleanedUp.map(rel).join(", ")}`);
  for (const failure of r.leftBehind) lines.push(`Warning: could not clean up after replacing the outputs (the next run removes it): ${failure}`);
  return lines.join("\n");
}

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        out: { type: "string" },
        "modules-out": { type: "string" },
        "allow-port-change": { type: "boolean", default: false },
        base: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const userPath = (p: string | undefined) => (p === undefined ? undefined : path.resolve(USER_CWD, p));
  try {
    const result = runSynth({
      configFile: userPath(args.config) ?? path.relative(process.cwd(), EXAMPLE_CONFIG),
      outDir: userPath(args.out),
      modulesOutDir: userPath(args["modules-out"]),
      allowPortChange: args["allow-port-change"],
      keep: [USER_CWD],
      base: args.base,
    });
    console.log(summary(result));
    return 0;
  } catch (err) {
    if (err instanceof BaseRefError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if ([ConfigError, PortChangeError, PortLockError, OutputError, CommitError].some((refusal) => err instanceof refusal)) {
      console.error((err as Error).message);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
      // The file system refused (permissions, full disk...): say so plainly; nothing was replaced.
      console.error(`${(err as Error).message}\nNothing was replaced; the previous output and port lock are as they were.`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
