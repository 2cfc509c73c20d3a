/**
 * One AWS provider process per mirrored version that many terraform and OpenTofu runs attach to,
 * instead of each run starting its own: Terraform's reattach protocol (`TF_REATTACH_PROVIDERS`,
 * which both CLIs read). A provider process costs ≈ 0.3 s of CPU to start, and `terraform test`
 * starts two per run: measured here, a module test of three mocked runs took 6.0 s of CPU
 * (terraform and its seven provider processes) and 2.7 s attached.
 *
 * Only for the commands that never configure the provider (SHARED_COMMANDS): `validate`, `show`
 * (a saved plan as JSON), and `test`, whose runs here all mock it (`mock_provider "aws"`): the calls
 * they make are schema and validation calls, which hold no state, so runs side by side share
 * nothing else. The test suite starts the processes once per run (__tests__/support/run-setup.js)
 * and names them in PRIVATELINK_SHARED_PROVIDERS, which terraform/run.ts reads (sharedProviderEnv);
 * without it every run starts its own, as Terraform does.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { AWS_IN_MIRROR, mirroredAwsProviders, mirrorRoot, PLATFORM } from "./run";

export interface SharedProviders {
  /** Version → reattach entry: the value of SHARED_PROVIDERS_VARIABLE (terraform/run.ts). */
  readonly entries: Record<string, unknown>;
  readonly stop: () => void;
}

/**
 * Starts one provider process per mirrored version (`-debug`: it serves until it is stopped and
 * prints its reattach entry). Each runs under a shell that stops it when its stdin closes: when
 * `stop` is called, or when this process ends, however it ends.
 */
export async function startSharedProviders(timeoutMs = 60_000): Promise<SharedProviders> {
  const entries: Record<string, unknown> = {};
  const stops: Array<() => void> = [];
  const stop = () => stops.forEach((s) => s());
  try {
    for (const version of mirroredAwsProviders()) {
      const platform = path.join(mirrorRoot(), AWS_IN_MIRROR, version, PLATFORM);
      const binary = fs.existsSync(platform) ? fs.readdirSync(platform).find((f) => f.startsWith("terraform-provider-aws")) : undefined;
      if (binary === undefined) continue;
      // The shell lets go of stdout once the provider runs, so that the pipe ends when the provider does.
      const child = spawn("sh", ["-c", '"$0" -debug & provider=$!; exec >/dev/null; read -r _; kill "$provider"', path.join(platform, binary)], {
        stdio: ["pipe", "pipe", "ignore"],
      });
      // A shell already gone (its provider crashed and it was killed) must not fail the run's end.
      child.stdin.on("error", () => undefined);
      stops.push(() => child.stdin.end());
      let timer: NodeJS.Timeout | undefined;
      entries[version] = await new Promise((resolve, reject) => {
        let output = "";
        timer = setTimeout(() => reject(new Error(`the AWS provider ${version} did not print its reattach entry within ${timeoutMs / 1000} s`)), timeoutMs);
        child.once("error", reject);
        child.stdout.once("end", () => reject(new Error(`the AWS provider ${version} exited before it printed its reattach entry:\n${output}`)));
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          output += chunk;
          const line = /TF_REATTACH_PROVIDERS='([^']*)'/.exec(output);
          if (line === null) return;
          // The entry the provider names itself by; its later output is read and dropped.
          output = "";
          child.stdout.removeAllListeners("data").resume();
          resolve((JSON.parse(line[1]) as Record<string, unknown>)["registry.terraform.io/hashicorp/aws"]);
        });
      }).finally(() => clearTimeout(timer));
      child.unref();
    }
  } catch (err) {
    stop();
    throw err;
  }
  return { entries, stop };
}
