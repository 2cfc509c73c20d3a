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
const USER_CWD = (process.env.npm_lifecycle_event === "emulator" && process.env.INIT_CWD) || process.cwd();

function parseOptions(argv: string[]): { configFile: string } {
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, help: { type: "boolean", short: "h" } } });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    // Relative to where the user typed `npm run` (npm passes it as INIT_CWD), like `npm run synth`.
    return { configFile: values.config === undefined ? EXAMPLE_CONFIG : path.resolve(USER_CWD, values.config) };
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const shellQuote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<void> {
  const { configFile } = parseOptions(process.argv.slice(2));
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
    const project = new EmulatedProject(dir, emulator.endpoint, path.basename(configFile), fromMirror);
    const { stacks } = project.writeConfig(emulatedConfig(base, account));
    const env = project.ownEnv();
    fs.writeFileSync(
      path.join(dir, "env.sh"),
      [
        "# Sends terraform, the AWS provider and the cdktf app to the emulator; no AWS_ setting of yours stays.",
        'for name in $(env | sed -n "s/^\\(AWS_[A-Za-z0-9_]*\\)=.*/\\1/p"); do unset "$name"; done',
        ...Object.entries(env).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
        "",
      ].join("\n"),
    );

    const cdktf = shellQuote(path.join(__dirname, "..", "node_modules", ".bin", "cdktf"));
    const lockFlag = fromMirror ? " --skip-provider-lock" : "";
    const vpcs = [
      `  provider VPC ${account.provider.vpcId} (${account.provider.region}), subnets ${account.provider.subnetIds.join(" ")}`,
      ...Object.entries(account.consumers).map(([name, vpc]) => `  consumer ${name} VPC ${vpc.vpcId} (${vpc.region}), subnets ${vpc.subnetIds.join(" ")}`),
    ];
    console.log(
      [
        `AWS API emulator (moto) on ${emulator.endpoint}, account ${EMULATED_ACCOUNT_ID}:`,
        ...vpcs,
        `Project folder ${dir}: ${path.basename(configFile)} with these IDs, its port lock, cdktf.json, env.sh`,
        "",
        "In another shell:",
        `  cd ${shellQuote(dir)} && . ./env.sh`,
        `  ${cdktf} deploy ${stacks.join(" ")} --auto-approve${lockFlag}`,
        `  ${cdktf} diff ${stacks[0]}${lockFlag}`,
        `  ${cdktf} destroy ${stacks.join(" ")} --auto-approve${lockFlag}`,
        "",
        `After editing ${path.basename(configFile)} there, record its ports (in ${path.join(__dirname, "..")}) before cdktf diff/deploy:`,
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
