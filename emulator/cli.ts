/**
 * `npm run emulator [-- --config FILE]`: an emulated AWS account to try `cdktf deploy` without AWS.
 * Starts moto on a free loopback port, creates the VPCs and subnets the configuration needs,
 * writes a project folder (the configuration with their real IDs, its port lock, cdktf.json and an
 * env.sh), prints the commands, and on Ctrl-C stops the emulator and removes the folder (the
 * emulated account lives in moto's memory, so its state would be meaningless afterwards).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { terraformUnavailable } from "../terraform/run";
import { EXAMPLE_CONFIG, loadConfig } from "../config/load";
import { createAccount, EMULATED_ACCOUNT_ID, EmulatedProject, emulatedConfig, emulatorUnavailable, readConfigDocument, startEmulator } from "./emulator";

const USAGE = "usage: npm run emulator [-- --config FILE]   (default: the shipped example)";

/** The configuration file `argv` names, else the example. */
function configFileOption(argv: string[]): string {
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, help: { type: "boolean", short: "h" } } });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (values.config === undefined) return EXAMPLE_CONFIG;
    // Relative to where the user typed `npm run` (npm passes it as INIT_CWD), like `npm run synth`.
    return path.resolve((process.env.npm_lifecycle_event === "emulator" && process.env.INIT_CWD) || process.cwd(), values.config);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<void> {
  const configFile = configFileOption(process.argv.slice(2));
  // Refuse an invalid configuration before starting anything.
  loadConfig(configFile);
  const missing = emulatorUnavailable();
  if (missing) {
    console.error(`the AWS API emulator cannot start: ${missing}`);
    process.exit(1);
  }
  // With the machine's provider mirror, terraform installs from it; otherwise from the registry.
  const fromMirror = terraformUnavailable() === undefined;

  const emulator = await startEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kafka-privatelink-emulator-"));
  const removeDir = () => fs.rmSync(dir, { recursive: true, force: true });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      removeDir();
      console.log(`\n${signal}: emulator stopped, ${dir} removed`);
      // Exiting (rather than dying of the signal) runs the exit hooks: the emulator module's
      // process-group kill and the removal of the Terraform CLI configuration.
      process.exit(128 + os.constants.signals[signal]);
    });
  }

  try {
    const base = readConfigDocument(configFile);
    const account = await createAccount(emulator.endpoint, base);
    const name = path.basename(configFile);
    const project = new EmulatedProject(dir, emulator.endpoint, name, fromMirror);
    const { stacks } = project.writeConfig(emulatedConfig(base, account));
    fs.writeFileSync(
      path.join(dir, "env.sh"),
      [
        "# Sends terraform, the AWS provider and the cdktf app to the emulator; no AWS_ setting of yours stays.",
        'for name in $(env | sed -n "s/^\\(AWS_[A-Za-z0-9_]*\\)=.*/\\1/p"); do unset "$name"; done',
        ...Object.entries(project.ownEnv()).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
        "",
      ].join("\n"),
    );

    const repo = path.join(__dirname, "..");
    const cdktf = shellQuote(path.join(repo, "node_modules", ".bin", "cdktf"));
    const lockFlag = fromMirror ? " --skip-provider-lock" : "";
    const vpcs = [
      ["provider", account.provider] as const,
      ...Object.entries(account.consumers).map(([consumer, vpc]) => [`consumer ${consumer}`, vpc] as const),
    ];
    console.log(
      [
        `AWS API emulator (moto) on ${emulator.endpoint}, account ${EMULATED_ACCOUNT_ID}:`,
        ...vpcs.map(([owner, vpc]) => `  ${owner} VPC ${vpc.vpcId} (${vpc.region}), subnets ${vpc.subnetIds.join(" ")}`),
        `Project folder ${dir}: ${name} with these IDs, its port lock, cdktf.json, env.sh`,
        "",
        "In another shell:",
        `  cd ${shellQuote(dir)} && . ./env.sh`,
        `  ${cdktf} deploy ${stacks.join(" ")} --auto-approve${lockFlag}`,
        `  ${cdktf} diff ${stacks[0]}${lockFlag}`,
        `  ${cdktf} destroy ${stacks.join(" ")} --auto-approve${lockFlag}`,
        "",
        `After editing ${name} there, record its ports (in ${repo}) before cdktf diff/deploy:`,
        `  npm run synth -- --config "$PRIVATELINK_CONFIG" --out ${shellQuote(path.join(dir, "synth"))} --modules-out ${shellQuote(path.join(dir, "modules"))}`,
        "",
        "Ctrl-C stops the emulator and removes the project folder.",
      ].join("\n"),
    );
  } catch (err) {
    await emulator.stop();
    removeDir();
    throw err;
  }

  await emulator.exited;
  console.error("the emulator exited unexpectedly");
  removeDir();
  process.exit(1);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
