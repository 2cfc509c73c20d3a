/**
 * The synthesized stacks as Terraform evaluates them. A stack holds a `module` call with literal
 * inputs and no resource of its own; what the module makes of those inputs (which listener
 * forwards to which target group, which targets that group holds, what the outputs say) only
 * Terraform knows. So Terraform is asked: `terraform test` with `command = apply` against
 * `mock_provider "aws"` (offline, no account), `-json -verbose` for the resulting state, on a
 * copy of the output folder (its `modules/` and the stacks, which call `../../modules/<module>`).
 *
 * Mocked: every value AWS computes. Each target group gets an ARN of its own (from the provider
 * module calls' broker IDs), so references to groups can be followed. A stack that reads another
 * stack's outputs (`terraform_remote_state`) gets that stack's evaluated outputs: in the copy, the
 * data source becomes an input variable that the other stack's run feeds (a run's outputs can
 * feed another run's variables, not its mocks).
 * One terraform process for all the stacks: ≈ 6 s for a provider and a consumer stack here,
 * 10-20 s when the machine is shared; a 49-broker provider stack ≈ 25-40 s.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { atExit, killGroup, sharedProviderEnv, terraformAsync, terraformBinary, terraformEnv } from "./run";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { TfJson } from "../modules/packaging/terraform-json";
import { MODULES_DIR } from "../stacks/module-call";
import { moduleCalls } from "../stacks/synthesized/module-calls";

/** One resource instance in the evaluated state. */
export interface EvaluatedResource {
  /** Plan address, e.g. `module.kafka.aws_lb_listener.broker["3"]`. */
  readonly address: string;
  /** The module instance that holds it (`module.kafka`), or "" at the root. */
  readonly module: string;
  readonly type: string;
  readonly name: string;
  /** The `for_each` key or `count` index; undefined for a single instance. */
  readonly key?: string | number;
  /** Every attribute, as the mock provider applied it. */
  readonly values: Record<string, unknown>;
}

export interface EvaluatedStack {
  readonly name: string;
  /** Managed resources only (no data sources), in address order. */
  readonly resources: readonly EvaluatedResource[];
  /** The stack's outputs by name. */
  readonly outputs: Record<string, unknown>;
}

export interface EvaluateOptions {
  /**
   * Changes the copy before Terraform reads it (`tree` has `modules/` and `stacks/<name>/`): how
   * the rehearsal plants a fault in the module to prove that it would notice.
   */
  readonly edit?: (tree: string) => void;
}

/** A 49-broker provider stack takes about 30 s under load here. */
const TEST_TIMEOUT_MS = 300_000;

export const stackFile = (dir: string, stack: string) => path.join(dir, "stacks", stack, "cdk.tf.json");

export function readStack(dir: string, stack: string): TfJson {
  return JSON.parse(fs.readFileSync(stackFile(dir, stack), "utf8")) as TfJson;
}

/** A value as an HCL expression: JSON is one, once Terraform's template sequences are escaped. */
const hclLiteral = (value: unknown) => JSON.stringify(value).replace(/([$%])\{/g, "$1$1{");

/** `head { lines }`, the lines indented. */
const hclBlock = (head: string, lines: readonly string[]) => `${head} {\n${lines.join("\n").replace(/^/gm, "  ")}\n}`;

/**
 * The stack's `terraform_remote_state` data sources, each with the stack whose state it reads:
 * the one whose backend has the same type and every setting the data source gives (a backend
 * also has settings for writing, such as locking, which a reader leaves out).
 */
function remoteStates(stack: TfJson, docs: ReadonlyMap<string, TfJson>): Array<{ data: string; stack: string }> {
  return Object.entries<TfJson>(stack.data?.terraform_remote_state ?? {}).map(([data, block]) => {
    const reads = (backend?: TfJson) =>
      backend !== undefined && Object.entries<unknown>(block.config ?? {}).every(([k, v]) => JSON.stringify(backend[k]) === JSON.stringify(v));
    const sources = [...docs].filter(([, doc]) => reads(doc.terraform?.backend?.[block.backend])).map(([name]) => name);
    if (sources.length !== 1) {
      throw new Error(
        `data.terraform_remote_state.${data} reads a ${block.backend} backend ${JSON.stringify(block.config)} that ${sources.length === 0 ? "no synthesized stack writes" : `several stacks write (${sources.join(", ")})`}`,
      );
    }
    return { data, stack: sources[0] };
  });
}

/** Distinct target group ARNs for the provider module calls' groups: the bootstrap group and one per broker ID. */
function targetGroupOverrides(stack: TfJson, region: string): string[] {
  return moduleCalls(stack, PROVIDER_MODULE).flatMap(({ name: call, inputs }) =>
    [
      `module.${call}.aws_lb_target_group.bootstrap`,
      ...Object.keys(inputs.brokers ?? {}).map((id) => `module.${call}.aws_lb_target_group.broker[${JSON.stringify(id)}]`),
    ].map((target, i) => {
      const arn = `arn:aws:elasticloadbalancing:${region}:111122223333:targetgroup/${call}-${i}/${(i + 1).toString(16).padStart(16, "0")}`;
      return hclBlock("override_resource", [`target = ${target}`, `values = { arn = ${hclLiteral(arn)} }`]);
    }),
  );
}

/**
 * `mock_provider "aws"` for a plan in `region`: what the synthesized stacks are evaluated with, and,
 * in us-east-1, the published modules' tests' mock (`modules/<module>/tests/`; a unit test keeps
 * them the same: __tests__/module-tests.test.ts). The AWS provider checks ARN syntax even against a mock:
 * give ARNs a valid shape. `more`: further mock blocks inside it.
 */
export function mockProvider(region: string, more: readonly string[] = []): string {
  const ARN = `arn:aws:elasticloadbalancing:${region}:111122223333`;
  return `mock_provider "aws" {
  mock_resource "aws_lb" {
    defaults = { arn = "${ARN}:loadbalancer/net/orders-nlb/0123456789abcdef" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "${ARN}:targetgroup/orders/0123456789abcdef" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = {
      dns_entry = [{ dns_name = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.${region}.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }]
    }
  }
  mock_data "aws_region" {
    defaults = { id = "${region}", name = "${region}" }
  }
  mock_data "aws_vpc" {
    defaults = { enable_dns_support = true, enable_dns_hostnames = true }
  }
  mock_data "aws_vpc_endpoint_service" {
    defaults = { availability_zones = ["${region}a", "${region}b", "${region}c"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "${region}a" }
  }
${more.map((block) => `${block}\n`).join("")}}
`;
}
/** `mock_provider "aws"` for one region, by the region's name as the alias the runs select. */
function regionMock(region: string): string {
  // Consumers check the service name's shape: the provider's must pass on as a real one would.
  const serviceName = `  mock_resource "aws_vpc_endpoint_service" {\n    defaults = { service_name = "com.amazonaws.vpce.${region}.vpce-svc-0123456789abcdef0" }\n  }`;
  return mockProvider(region, [serviceName, `  alias = "${region}"`]);
}

function stackRegion(stack: TfJson, name: string): string {
  const configs = (stack.provider?.aws ?? []) as TfJson[];
  if (configs.length !== 1 || typeof configs[0].region !== "string")
    throw new Error(`stack ${name}: expected one aws provider configuration with a literal region`);
  return configs[0].region;
}

/** The input variable that stands for a `terraform_remote_state` data source in the copy. */
const remoteStateVariable = (data: string) => `remote_state_${data}`;

/**
 * The copy of a stack with each `terraform_remote_state` data source replaced by an input
 * variable holding the outputs it would read (`data.terraform_remote_state.X.outputs` →
 * `var.remote_state_X`); nothing else changes.
 */
function withRemoteStatesAsVariables(stack: TfJson, reads: ReadonlyArray<{ data: string }>): TfJson {
  if (reads.length === 0) return stack;
  let text = JSON.stringify(stack);
  for (const { data } of reads) text = text.replaceAll(`data.terraform_remote_state.${data}.outputs`, `var.${remoteStateVariable(data)}`);
  const copy = JSON.parse(text) as TfJson;
  // `reads` are all of the stack's remote states (remoteStates).
  delete copy.data.terraform_remote_state;
  if (Object.keys(copy.data).length === 0) delete copy.data;
  copy.variable = { ...copy.variable, ...Object.fromEntries(reads.map(({ data }) => [remoteStateVariable(data), { type: "any" }])) };
  return copy;
}

/** One run per stack, dependencies first, each against the mock of its region, fed the outputs of the stacks it reads. */
function testFile(runs: ReadonlyArray<{ run: string; stack: string; doc: TfJson; reads: ReadonlyArray<{ data: string; stack: string }> }>): string {
  const runOf = new Map(runs.map((r) => [r.stack, r]));
  const regions = runs.map((r) => stackRegion(r.doc, r.stack));
  const blocks = runs.map(({ run, stack, doc, reads }, i) => {
    const region = regions[i];
    const variables = reads.map(({ data, stack: source }) => {
      const { run: sourceRun, doc: sourceDoc } = runOf.get(source)!;
      const outputs = Object.keys(sourceDoc.output ?? {}).map((name) => `${name} = run.${sourceRun}.${name}`);
      return hclBlock(`${remoteStateVariable(data)} =`, outputs);
    });
    const body = [
      `command = apply`,
      `providers = { aws = aws.${region} }`,
      `module { source = ${hclLiteral(`../stacks/${stack}`)} }`,
      ...targetGroupOverrides(doc, region),
      ...(variables.length > 0 ? [hclBlock("variables", variables)] : []),
    ];
    return hclBlock(`run "${run}"`, body);
  });
  return [...[...new Set(regions)].sort().map(regionMock), ...blocks, ""].join("\n");
}

interface StateModule {
  address?: string;
  resources?: Array<{ address: string; mode: string; type: string; name: string; index?: string | number; values: Record<string, unknown> }>;
  child_modules?: StateModule[];
}

function stateResources(module: StateModule | undefined): EvaluatedResource[] {
  if (!module) return [];
  const own = (module.resources ?? [])
    .filter((r) => r.mode === "managed")
    .map((r) => ({ address: r.address, module: module.address ?? "", type: r.type, name: r.name, key: r.index, values: r.values }));
  return [...own, ...(module.child_modules ?? []).flatMap(stateResources)];
}

interface TestRun {
  /** Exit status; 0 too when stopped once every run had printed its state. */
  readonly status: number;
  readonly messages: readonly TfJson[];
  readonly stderr: string;
}

/**
 * `terraform test -json -verbose` in `dir`, stopped (with the provider processes it started) as
 * soon as all `runs` have printed their state: what follows is the destroy of the mocked state,
 * which lives only in that process's memory, and costs as much as a run here.
 */
function terraformTest(dir: string, runs: number): Promise<TestRun> {
  return new Promise((resolve, reject) => {
    const args = ["test", "-json", "-verbose", "-no-color"];
    const child = spawn(terraformBinary(), args, {
      cwd: dir,
      env: terraformEnv(sharedProviderEnv(dir, args)),
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Detached (its own group, which stop() kills with the providers it started): a Ctrl-C reaches
    // only this process, which takes the group with it.
    const cancelKill = atExit(() => killGroup(child.pid!, "SIGKILL"));
    const messages: TfJson[] = [];
    let states = 0;
    let stderr = "";
    let stopped = false;
    const stop = () => {
      stopped = true;
      killGroup(child.pid!, "SIGKILL");
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`terraform test in ${dir} did not finish within ${TEST_TIMEOUT_MS / 1000} s`));
    }, TEST_TIMEOUT_MS);
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      // Nothing after a stop is used, and a kill can cut the last line short.
      if (stopped || !line.startsWith("{")) return;
      let message: TfJson;
      try {
        message = JSON.parse(line) as TfJson;
      } catch {
        // Cut short by a kill from outside: kept for the failure's message.
        stderr += `(an unfinished line of terraform's output: ${line.slice(0, 200)})\n`;
        return;
      }
      messages.push(message);
      if (message.type === "test_state" && ++states === runs) stop();
    });
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (err) => {
      clearTimeout(timer);
      cancelKill();
      reject(new Error(`terraform test in ${dir}: ${err.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      cancelKill();
      resolve({ status: stopped && states === runs ? 0 : (code ?? 1), messages, stderr });
    });
  });
}

/** What `terraform test -json -verbose` printed: each run's state, or the diagnostics that failed it. */
function parseRuns(runs: ReadonlyArray<{ run: string; stack: string }>, { status, messages, stderr }: TestRun): EvaluatedStack[] {
  const states = new Map(messages.filter((m) => m.type === "test_state").map((m) => [m["@testrun"] as string, m.test_state]));
  const missing = runs.filter((r) => !states.has(r.run));
  if (status !== 0 || missing.length > 0) {
    const stackOf = new Map(runs.map((r) => [r.run, r.stack]));
    const diagnostics = messages
      .filter((m) => m.type === "diagnostic" && m.diagnostic?.severity === "error")
      .map(
        (m) =>
          `${m["@testrun"] ? `${stackOf.get(m["@testrun"])}: ` : ""}${m["@message"]}${m.diagnostic?.address ? ` (${m.diagnostic.address})` : ""}${m.diagnostic?.detail ? `\n    ${m.diagnostic.detail}` : ""}`,
      );
    throw new Error(
      `Terraform could not evaluate ${(missing.length > 0 ? missing : runs).map((r) => r.stack).join(", ")} (exit ${status}):\n  ${[...diagnostics, stderr.trim()].filter(Boolean).join("\n  ")}`,
    );
  }
  return runs.map(({ run, stack }) => {
    const state = states.get(run);
    const resources = stateResources(state.root_module).sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const groups = resources.filter((r) => r.type === "aws_lb_target_group");
    if (new Set(groups.map((g) => g.values.arn)).size !== groups.length) {
      throw new Error(
        `stack ${stack}: target groups ${groups.map((g) => g.address).join(", ")} share mocked ARNs; only the provider module's bootstrap and per-broker groups get their own`,
      );
    }
    const outputs = Object.fromEntries(Object.entries<{ value: unknown }>(state.outputs ?? {}).map(([name, o]) => [name, o.value]));
    return { name: stack, resources, outputs };
  });
}

/**
 * Evaluates `stacks` of the output folder `outDir` (and the stacks whose outputs they read), each
 * with Terraform and the real module files; returns them in the order asked.
 */
export async function evaluateStacks(outDir: string, stacks: readonly string[], options: EvaluateOptions = {}): Promise<EvaluatedStack[]> {
  const tree = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-evaluate-"));
  const removeTree = () => fs.rmSync(tree, { recursive: true, force: true });
  const cancelRemoval = atExit(removeTree);
  try {
    fs.cpSync(path.join(outDir, MODULES_DIR), path.join(tree, MODULES_DIR), { recursive: true });
    const all = fs.readdirSync(path.join(outDir, "stacks")).filter((s) => fs.existsSync(stackFile(outDir, s)));
    for (const stack of all) {
      fs.mkdirSync(path.join(tree, "stacks", stack), { recursive: true });
      fs.copyFileSync(stackFile(outDir, stack), stackFile(tree, stack));
    }
    options.edit?.(tree);
    const docs = new Map(all.map((s) => [s, readStack(tree, s)]));
    const remoteStatesOf = (s: string) => remoteStates(docs.get(s)!, docs);
    // The stacks asked for and what they read, dependencies first.
    const order: string[] = [];
    const visit = (s: string, via: readonly string[]) => {
      if (!docs.has(s)) throw new Error(`no synthesized stack ${s} in ${outDir}`);
      if (via.includes(s)) throw new Error(`stacks read each other's outputs in a cycle: ${[...via, s].join(" → ")}`);
      if (order.includes(s)) return;
      remoteStatesOf(s).forEach((r) => visit(r.stack, [...via, s]));
      order.push(s);
    };
    stacks.forEach((s) => visit(s, []));

    const runs = order.map((stack, i) => ({ run: `stack_${i}`, stack, doc: docs.get(stack)!, reads: remoteStatesOf(stack) }));
    for (const { stack, doc, reads } of runs) fs.writeFileSync(stackFile(tree, stack), JSON.stringify(withRemoteStatesAsVariables(doc, reads), null, 2));
    const dir = path.join(tree, "evaluate");
    fs.mkdirSync(path.join(dir, "tests"), { recursive: true });
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ terraform: { required_providers: { aws: { source: "hashicorp/aws" } } } }));
    fs.writeFileSync(path.join(dir, "tests", "evaluate.tftest.hcl"), testFile(runs));
    const init = await terraformAsync(dir, ["init", "-input=false", "-no-color", "-backend=false"]);
    if (init.status !== 0) throw new Error(`terraform init for ${order.join(", ")} failed (exit ${init.status}):\n${init.stderr}${init.stdout}`);
    const done = new Map(parseRuns(runs, await terraformTest(dir, runs.length)).map((e) => [e.name, e]));
    return stacks.map((s) => done.get(s)!);
  } finally {
    cancelRemoval();
    removeTree();
  }
}
