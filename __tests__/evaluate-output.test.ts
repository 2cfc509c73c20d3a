/**
 * terraform/evaluate.ts reads `terraform test -json` line by line. A line cut short (terraform
 * killed from outside while it writes) fails the evaluation with that line in its message; it
 * must not surface as an uncaught JSON error. A stand-in terraform (PRIVATELINK_TERRAFORM) prints
 * the unfinished line; the CLI configuration still needs the machine's provider mirror.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { evaluateStacks } from "../terraform/evaluate";
import { mirroredAwsProviders } from "../terraform/run";
import { configInput } from "./support/configs";
import { synthInto } from "./support/main-job";
import { itNeeds } from "./support/requirements";

const itMirror = itNeeds("the AWS provider mirror", mirroredAwsProviders().length > 0 ? undefined : "no AWS provider in the filesystem mirror");

describe("evaluateStacks on terraform output cut short", () => {
  itMirror(
    "fails with the unfinished line in its message, not with an uncaught JSON error",
    async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-evaluate-"));
      const saved = process.env.PRIVATELINK_TERRAFORM;
      try {
        const { out } = synthInto(dir, configInput([1]));
        const fake = path.join(dir, "terraform");
        fs.writeFileSync(fake, `#!/bin/sh\ncase "$1" in test) printf '{"type":"test_state","@testrun":"stack_0","test_st' ;; esac\nexit 0\n`, { mode: 0o755 });
        process.env.PRIVATELINK_TERRAFORM = fake;
        const stacks = fs.readdirSync(path.join(out, "stacks")).sort();
        await expect(evaluateStacks(out, stacks)).rejects.toThrow(
          '(an unfinished line of terraform\'s output: {"type":"test_state","@testrun":"stack_0","test_st)',
        );
      } finally {
        if (saved === undefined) delete process.env.PRIVATELINK_TERRAFORM;
        else process.env.PRIVATELINK_TERRAFORM = saved;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
