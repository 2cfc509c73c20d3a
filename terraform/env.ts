/**
 * `npm run terraform-env -- [--mirror DIR] [--into DIR]`: prints a CLI configuration with which
 * Terraform and OpenTofu install providers from a filesystem mirror only (nothing from the
 * network), for running the modules' tests, examples and the stacks on a machine without registry
 * access. OpenTofu resolves `hashicorp/aws` under `registry.opentofu.org`, so the configuration
 * points at a mirror that serves both registry hosts, made in `--into` from `--mirror`'s versions.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { buildMirror, cacheDir, cliConfigText, DEFAULT_MIRROR, mirroredAwsProviders, mirrorRoot } from "./run";

const USAGE = `Usage: npm run --silent terraform-env -- [--mirror DIR] [--into DIR] > terraform.rc

  --mirror DIR   the filesystem mirror, the folder that holds registry.terraform.io (default: PRIVATELINK_TF_MIRROR or ${DEFAULT_MIRROR})
  --into DIR     where to make the mirror that serves both registry hosts (default: ~/.cache/kafka-privatelink/provider-mirror)`;

function main(argv: string[]): number {
  let args;
  try {
    args = parseArgs({ args: argv, options: { mirror: { type: "string" }, into: { type: "string" }, help: { type: "boolean", short: "h" } } }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.mirror) process.env.PRIVATELINK_TF_MIRROR = path.resolve(args.mirror);
  const versions = mirroredAwsProviders();
  if (versions.length === 0) {
    console.error(
      `No AWS provider in the mirror ${mirrorRoot()} (expected registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/); name the mirror with --mirror.`,
    );
    return 1;
  }
  const into = path.resolve(args.into ?? cacheDir("provider-mirror"));
  buildMirror(into, versions);
  process.stdout.write(
    [
      `# Terraform and OpenTofu CLI configuration: providers from the filesystem mirror ${into} only`,
      `# (hashicorp/aws ${versions.join(", ")} from ${mirrorRoot()}, under registry.terraform.io and registry.opentofu.org).`,
      "# Both CLIs read the file named by TF_CLI_CONFIG_FILE:",
      "#   npm run --silent terraform-env > ~/.terraformrc-mirror",
      "#   export TF_CLI_CONFIG_FILE=~/.terraformrc-mirror",
      cliConfigText(into),
    ].join("\n"),
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
