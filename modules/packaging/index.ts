import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { BROKER_PORTS_MODULE, BrokerPortsModule } from "../kafka-broker-ports";
import { ConsumerModule } from "../kafka-privatelink-consumer";
import { CONSUMER_MODULE } from "../kafka-privatelink-consumer/rules";
import { ProviderModule } from "../kafka-privatelink-provider";
import { PROVIDER_MODULE } from "../kafka-privatelink-provider/rules";
import { ModuleDoc, renderModuleReadme } from "./readme";
import { blockSchemas, CheckSkip, renderHcl, stackComments, stackSkips } from "./terraform-hcl";
import { renderJson, TfJson } from "./terraform-json";

/**
 * The AWS provider versions the modules and the deployable stacks accept: one range for both, as
 * the stacks deploy exactly the modules. Lower bound: the oldest release the tests prove (every
 * version in the provider mirror is tested: __tests__/integration/terraform-judges.test.ts over terraform/run.ts `mirroredAwsProviders`; the
 * arguments the modules use exist since 5.83). Upper bound: the next major, whose breaking changes
 * nobody has seen; the cdktf bindings are of 6.25, so the 6.x line is in.
 */
export const AWS_PROVIDER = ">= 5.100.0, < 7.0.0";
/** Cross-variable validation needs 1.9. */
export const MIN_TERRAFORM = ">= 1.9";

interface ModuleSpec {
  readonly stack: new (scope: Construct) => TerraformStack;
  readonly usesAws: boolean;
  readonly doc: Omit<ModuleDoc, "name" | "requirements">;
  /** The folders under examples/ (written by the main job with the cluster's values). */
  readonly examples: readonly string[];
}

const SPECS: Record<string, ModuleSpec> = {
  [BROKER_PORTS_MODULE]: {
    stack: BrokerPortsModule,
    usesAws: false,
    examples: ["basic"],
    doc: {
      summary:
        "Broker ID → stable NLB listener port (`broker_port_base + ID`), with the allocation rules enforced by Terraform: at most 49 brokers (an NLB has 50 listeners; one is the bootstrap), unique non-negative integer IDs, ports from 1024 to 65535, no broker port on the bootstrap port. The provider module calls it and hands the ports to consumers in its `connection` output, so provider and consumers cannot disagree on a port.",
      usage: { broker_ids: [1, 2, 3] },
      notes: ["A broker's port depends only on its ID: adding or removing a broker never moves another broker's port."],
    },
  },
  [PROVIDER_MODULE]: {
    stack: ProviderModule,
    usesAws: true,
    examples: ["complete"],
    doc: {
      summary:
        "The provider half of Kafka over AWS PrivateLink: one internal Network Load Balancer (cross-zone on) with a bootstrap listener forwarding to every broker and one TCP listener per broker forwarding to only that broker, and a VPC endpoint service (acceptance required by default) for the allowed principals.",
      usage: {
        name: "orders",
        vpc_id: "vpc-0a1b2c3d4e5f60718",
        subnet_ids: ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"],
        advertised_hostname: "orders.kafka.example.internal",
        brokers: { "1": { target: "10.0.1.11" }, "2": { target: "10.0.2.12" }, "3": { target: "10.0.3.13" } },
        allowed_principals: ["arn:aws:iam::111122223333:root"],
      },
      notes: [
        'Per-broker resources are keyed by broker ID (`aws_lb_listener.broker["3"]`), so a plan that adds or removes a broker touches only that broker.',
        "Every broker must advertise its output `advertised_listeners` entry on a dedicated listener bound to `broker_target_port`; output `broker_config` has the `server.properties` lines. If the listener uses TLS, the broker certificate's SANs must cover `advertised_hostname`.",
        "With `acceptance_required` (the default) a consumer's endpoint waits in `pendingAcceptance` until it is accepted: list its ID (the consumer module's output `endpoint_id`) in `accept_endpoints` and apply. Each acceptance is keyed by endpoint ID; removing an ID rejects that endpoint's connection.",
        "With `alarms`, a broker whose own target group has no healthy target raises `<name>-broker-<ID>-unhealthy` (and the bootstrap group `<name>-bootstrap-unhealthy`): such a broker is a partition leader that PrivateLink clients cannot reach while clients inside the VPC still can, so no client-side metric in the brokers' VPC shows it. The alarms read `AWS/NetworkELB` `HealthyHostCount` (minimum over two one-minute periods; missing data counts as unhealthy) and notify the actions on alarm and on recovery.",
        "The NLB is created without security groups (an NLB can only get them at creation); access is controlled by the consumers' endpoint security groups and the allowed principals. The brokers' own security groups must allow `broker_target_port` from the NLB subnets' CIDRs (forwarded traffic and health checks come from the NLB's private addresses).",
      ],
    },
  },
  [CONSUMER_MODULE]: {
    stack: ConsumerModule,
    usesAws: true,
    examples: ["complete", "same-account"],
    doc: {
      summary:
        "The consumer half of Kafka over AWS PrivateLink, for one client VPC: an interface VPC endpoint to the provider's service, one security group per client CIDR (at most 5) that admits exactly that CIDR on exactly the bootstrap and broker ports, and a Route 53 private hosted zone named exactly the advertised hostname with an alias record to the endpoint.",
      usage: {
        name: "orders-analytics",
        vpc_id: "vpc-0f1e2d3c4b5a69788",
        subnet_ids: ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"],
        connection: {
          service_name: "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
          region: "us-east-1",
          advertised_hostname: "orders.kafka.example.internal",
          bootstrap_port: 9091,
          broker_ports: { "1": 6001, "2": 6002, "3": 6003 },
          security_protocol: "SSL",
          tcp_idle_timeout_seconds: 600,
        },
        allowed_cidrs: ["10.20.0.0/16"],
      },
      notes: [
        "`connection` is the provider module's output of the same name: in the same configuration pass `connection = module.kafka.connection` (see [`examples/same-account`](examples/same-account)); from another account pass the same object as a value (the cluster's team hands it over). The consumer then cannot disagree with the provider on the broker set, a port, the hostname or the protocol. When `connection.region` is not this endpoint's region, the endpoint is cross-region (`service_region`), and the provider must list this region in `supported_regions`.",
        "The VPC needs `enableDnsSupport` and `enableDnsHostnames`. The zone is named exactly the advertised hostname so it does not shadow the rest of its parent domain in this VPC; with `hosted_zone_id` the record goes into an existing zone instead (associate it with the VPC yourself).",
        "For a same-region service the plan checks that every endpoint subnet is in an availability zone where the service is offered (a precondition on `aws_vpc_endpoint.this`).",
      ],
    },
  },
};

/** Splits a synthesized stack into a module's files (JSON form): no provider, no backend, the provider range. */
function moduleFiles(synthesized: TfJson, usesAws: boolean): Record<string, TfJson> {
  const main = Object.fromEntries(["locals", "module", "data", "resource"].filter((kind) => synthesized[kind]).map((kind) => [kind, synthesized[kind]]));
  const terraform = { required_version: MIN_TERRAFORM, ...(usesAws && { required_providers: { aws: { source: "hashicorp/aws", version: AWS_PROVIDER } } }) };
  return {
    "main.tf.json": main,
    "variables.tf.json": { variable: synthesized.variable ?? {} },
    "outputs.tf.json": { output: synthesized.output ?? {} },
    "versions.tf.json": { terraform },
  };
}

/** A module folder's files: path relative to the folder → content. */
export type ModuleFolder = Record<string, string>;

/** A module in both forms: the published folder (HCL, README, tests) and its code as Terraform JSON. */
export interface RenderedModule {
  readonly files: ModuleFolder;
  /** `main.tf.json`, `variables.tf.json`, `outputs.tf.json`, `versions.tf.json`: the same code, as the constructs synthesize it. */
  readonly json: Record<string, string>;
  /** The checkov checks skipped in its code, by resource address (`aws_lb.this`). */
  readonly skips: Record<string, readonly CheckSkip[]>;
}

/** The HCL file of each JSON file of a module. */
export const HCL_FILE: Record<string, string> = Object.fromEntries(["main", "variables", "outputs", "versions"].map((f) => [`${f}.tf.json`, `${f}.tf`]));

let rendered: ReadonlyMap<string, RenderedModule> | undefined;

/**
 * The identity of the launcher bundle this process runs (job/launch.js gives it); undefined when
 * run from the sources (tsx, jest), where nothing is cached.
 */
const bundleIdentity = (): string | undefined => (globalThis as Record<symbol, string | undefined>)[Symbol.for("kafka-privatelink.launch-bundle")];
const RENDER_CACHE_DIR = path.join(__dirname, "..", "..", "node_modules", ".cache", "kafka-privatelink");

/** A render cache file holds the rendered modules (`folders`) and the SHA-256 of their JSON text (`digest`). */
const foldersDigest = (folders: Record<string, RenderedModule>) => createHash("sha256").update(JSON.stringify(folders)).digest("hex");

/**
 * The rendered modules depend only on the code and the tests' HCL (whose text is in the cache
 * file's name: an edited test file is published at once). The code is the bundle's, cdktf and the
 * AWS bindings compiled in, so its identity (in the file's name too) changes with any of them, and
 * with the project's version that the READMEs name: a bundle renders them once and keeps
 * them beside its cache (written to a temporary file and renamed, so a concurrent run reads all or nothing).
 * What is read back is used only when it is what was written (its digest matches): a cache that
 * parses but was emptied or altered is rendered anew, never published. Any failure to read or
 * write the cache just renders them.
 */
function cachedRender(): Map<string, RenderedModule> {
  const identity = bundleIdentity();
  const tests = moduleTests();
  if (identity === undefined) return renderAll(tests);
  const key = createHash("sha1").update(JSON.stringify(tests)).digest("hex").slice(0, 12);
  const file = path.join(RENDER_CACHE_DIR, `modules-${identity}-${key}.json`);
  try {
    const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { digest?: string; folders?: Record<string, RenderedModule> } | null;
    if (cached?.folders && cached.digest === foldersDigest(cached.folders)) return new Map(Object.entries(cached.folders));
  } catch {
    // Not cached yet (or unreadable): render.
  }
  const folders = renderAll(tests);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(RENDER_CACHE_DIR, { recursive: true });
    const kept = Object.fromEntries(folders);
    fs.writeFileSync(tmp, JSON.stringify({ digest: foldersDigest(kept), folders: kept }));
    fs.renameSync(tmp, file);
    // Each rebuild of a bundle renders under a new identity: the week-old renders go.
    for (const old of fs.readdirSync(RENDER_CACHE_DIR)) {
      const stale = path.join(RENDER_CACHE_DIR, old);
      if (stale !== file && Date.now() - fs.statSync(stale).mtimeMs > 7 * 24 * 3600_000) fs.rmSync(stale, { force: true });
    }
  } catch {
    fs.rmSync(tmp, { force: true });
  }
  return folders;
}

/**
 * The three published modules, each as its files (module code in HCL, README, native tests), the
 * same whatever the configuration; their `examples/` come from stacks/examples.ts. Rendered once
 * per process (and once per launcher bundle); the stacks call the very same files.
 */
export function renderModules(): ReadonlyMap<string, ModuleFolder> {
  return new Map([...renderedModules()].map(([name, m]) => [name, m.files]));
}

/** A module's code in Terraform JSON (`main.tf.json`, …): what the stacks read its outputs and resources from, and the other form of the published HCL. */
export function moduleJsonFiles(module: string): Record<string, string> {
  const found = renderedModules().get(module);
  if (!found) throw new Error(`no module ${module}`);
  return found.json;
}

/**
 * Puts a module folder's code in its JSON form (`*.tf.json` in place of `*.tf`): for tools that
 * edit the code as data (the rehearsal's planted faults, mutation tests). Plans are the same.
 */
export function useJsonForm(folder: string, module: string): void {
  for (const [file, text] of Object.entries(moduleJsonFiles(module))) {
    fs.rmSync(path.join(folder, HCL_FILE[file]), { force: true });
    fs.writeFileSync(path.join(folder, file), text);
  }
}

/** Every checkov check skipped in the modules' code: module, resource address, check, reason. */
export function checkovSkips(): Array<{ module: string; address: string } & CheckSkip> {
  return [...renderedModules()].flatMap(([module, m]) => Object.entries(m.skips).flatMap(([address, list]) => list.map((s) => ({ module, address, ...s }))));
}

const renderedModules = () => (rendered ??= cachedRender());

/** Each module's native tests, `tests/<file>` → HCL: kept beside its code (`modules/<module>/tests/*.tftest.hcl`), published as they are. */
function moduleTests(): Record<string, ModuleFolder> {
  return Object.fromEntries(
    Object.keys(SPECS).map((module) => {
      const dir = path.join(__dirname, "..", module, "tests");
      const files = fs.readdirSync(dir).filter((file) => file.endsWith(".tftest.hcl"));
      return [module, Object.fromEntries(files.sort().map((file) => [`tests/${file}`, fs.readFileSync(path.join(dir, file), "utf8")]))];
    }),
  );
}

function renderAll(tests: Record<string, ModuleFolder>): Map<string, RenderedModule> {
  // No synth to disk: a module stack has no backend, cross-stack reference or asset to prepare. A
  // bare root rather than an App, which would make `<outdir>/stacks` (in the temp folder) on disk.
  const app = new Construct(undefined as never, "");
  const folders = new Map<string, RenderedModule>();
  for (const spec of Object.values(SPECS)) {
    const stack = new spec.stack(app);
    // Without cdktf's `//` metadata (construct paths), which means nothing to a module's user.
    const synthesized = JSON.parse(JSON.stringify(stack.toTerraform()), (key, value: unknown) => (key === "//" ? undefined : value)) as TfJson;
    const files = moduleFiles(synthesized, spec.usesAws);
    const schemas = blockSchemas(stack);
    const comments = stackComments(stack, synthesized);
    const skipped = stackSkips(stack, synthesized);
    const json = Object.fromEntries(Object.entries(files).map(([file, doc]) => [file, renderJson(doc)]));
    const folder: ModuleFolder = Object.fromEntries(Object.entries(files).map(([file, doc]) => [HCL_FILE[file], renderHcl(doc, schemas, comments, skipped)]));
    Object.assign(folder, tests[stack.node.id]);
    const requirements: Record<string, string> = { terraform: MIN_TERRAFORM, ...(spec.usesAws ? { "hashicorp/aws": AWS_PROVIDER } : {}) };
    folder["README.md"] = renderModuleReadme(
      { ...spec.doc, name: stack.node.id, requirements },
      synthesized.variable ?? {},
      synthesized.output ?? {},
      spec.examples,
      Object.keys(tests[stack.node.id]).map((file) => path.basename(file)),
    );
    const skips = Object.fromEntries(Object.entries(skipped).map(([address, list]) => [address.replace(/^resource\./, ""), list]));
    folders.set(stack.node.id, { files: folder, json, skips });
  }
  return folders;
}

/** The example folders each module's README links to. */
export function moduleExamples(module: string): readonly string[] {
  return SPECS[module]?.examples ?? [];
}

/** Writes module folders (`name` → files) into `dir`, one folder each. */
export function writeModuleFolders(dir: string, folders: ReadonlyMap<string, ModuleFolder>): void {
  for (const [name, files] of folders) {
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(dir, name, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
  }
}
