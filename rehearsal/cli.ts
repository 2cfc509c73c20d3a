/**
 * `npm run rehearse -- [--config FILE] [--swap-targets A,B] [--wrong-certificate ID] [--wrong-advertised-port ID]`
 * `npm run rehearse -- --deployed [--config FILE]`
 *
 * Runs the rehearsal (see rehearsal/README.md). Exit status 0 when the synthesized listeners (with
 * `--deployed`: the listeners of a deployment into the emulated AWS account, read back through the
 * AWS API) carry real Kafka traffic to the right brokers; 1 when the rehearsal fails or cannot run
 * here; 2 on a usage error.
 * `--swap-targets 1,2` feeds the load balancer a deliberately wrong mapping (brokers 1 and 2 swap
 * target group attachments), which must make the rehearsal fail; so must `--wrong-certificate 2`
 * (broker 2 serves a certificate for another hostname) and `--wrong-advertised-port 3` (broker 3
 * advertises a port its NLB listener does not have).
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../config/validate";
import { loadConfig } from "../config/load";
import { emulatorUnavailable } from "../emulator/emulator";
import { rehearseDeployed } from "./deployed";
import { DEFAULT_CONFIG, missingPrerequisites, rehearse, RehearsalFailure, type RehearseOptions } from "./rehearsal";

const USAGE = [
  "usage: npm run rehearse -- [--config FILE] [--swap-targets A,B] [--wrong-certificate ID] [--wrong-advertised-port ID]",
  "       npm run rehearse -- --deployed [--config FILE]   (deploys into the emulated AWS account first: npm run emulator:install)",
].join("\n");

function parseSwap(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const ids = value.split(",").map(Number);
  if (ids.length !== 2 || !ids.every(Number.isInteger) || ids[0] === ids[1]) {
    throw new Error(`--swap-targets: ${JSON.stringify(value)} must be two different broker IDs such as 1,2`);
  }
  return [ids[0], ids[1]];
}

function parseBrokerId(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new Error(`${flag}: ${JSON.stringify(value)} must be a broker ID such as 2`);
  }
  return Number(value);
}

async function main(): Promise<number> {
  let options: RehearseOptions & { configFile: string };
  let deployed: boolean;
  try {
    const { values } = parseArgs({
      options: {
        config: { type: "string" },
        "swap-targets": { type: "string" },
        "wrong-certificate": { type: "string" },
        "wrong-advertised-port": { type: "string" },
        deployed: { type: "boolean", default: false },
        help: { type: "boolean" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    options = {
      configFile: values.config ?? DEFAULT_CONFIG,
      swap: parseSwap(values["swap-targets"]),
      wrongCertificate: parseBrokerId("--wrong-certificate", values["wrong-certificate"]),
      wrongAdvertisedPort: parseBrokerId("--wrong-advertised-port", values["wrong-advertised-port"]),
    };
    deployed = values.deployed;
    if (deployed && (options.swap || options.wrongCertificate !== undefined || options.wrongAdvertisedPort !== undefined)) {
      throw new Error("--deployed: the faults (--swap-targets, --wrong-certificate, --wrong-advertised-port) run on the synthesized path only");
    }
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const missing = missingPrerequisites();
  // missingPrerequisites() already names a missing Terraform.
  const noEmulator = deployed ? emulatorUnavailable() : undefined;
  if (noEmulator) missing.push(`--deployed needs the AWS API emulator: ${noEmulator}`);
  if (missing.length > 0) {
    console.error(`rehearsal cannot run on this machine:\n${missing.map((m) => `  - ${m}`).join("\n")}`);
    return 1;
  }
  const started = Date.now();
  if (deployed) {
    // Refuse an invalid configuration before starting anything.
    loadConfig(options.configFile);
    await rehearseDeployed(options.configFile);
  } else {
    await rehearse(options);
  }
  console.error(`rehearsal${deployed ? " of the deployed state" : ""} passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof RehearsalFailure || err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
