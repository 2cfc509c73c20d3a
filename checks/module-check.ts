import * as fs from "node:fs";
import * as path from "node:path";
import { getExpressionAst, TFExpressionSyntaxTree } from "@cdktf/hcl2json";

type Ast = TFExpressionSyntaxTree.ExpressionType;

/** One thing Terraform would reject (or a module convention broken), located in the files. */
export interface Problem {
  /** Folder relative to the checked directory: `kafka-privatelink-provider` or `kafka-privatelink-provider/examples/complete`. */
  readonly module: string;
  readonly file: string;
  /** Address of the block: `aws_lb.this`, `data.aws_subnet.endpoint`, `module.kafka`, `variable.name`, `output.nlb_arn`, `local.x`, `provider.aws`. */
  readonly address: string;
  readonly message: string;
}

export interface CheckReport {
  readonly problems: Problem[];
  readonly modules: number;
  readonly examples: number;
  /** References looked up (whether or not they resolved). */
  readonly references: number;
}

export function formatProblem(p: Problem): string {
  return `${p.module}/${p.file}${p.address ? ` ${p.address}` : ""}: ${p.message}`;
}

/**
 * Checks every module folder directly under `dir` and each of its `examples/<name>/` root modules
 * the way Terraform reads them: references resolve, module calls match the called module's
 * variables; for modules (not examples) also typed and described variables, described outputs,
 * and no provider, backend or cloud block.
 */
export async function checkModules(dir: string): Promise<CheckReport> {
  return new ModuleChecker(path.resolve(dir)).run();
}

/** Arguments of a module call that are not input variables of the called module. */
const MODULE_META_ARGUMENTS = new Set(["source", "version", "providers", "depends_on", "count", "for_each"]);
/** Symbols Terraform defines in every module (where they are meaningful is Terraform's business). */
const BUILTIN_ROOTS = new Set(["each", "count", "path", "terraform", "self"]);

type Kind = "variable" | "output" | "local" | "module" | "resource" | "data" | "provider";

/** Arguments whose JSON strings are plain values, not templates (Terraform JSON syntax). */
const LITERAL_ARGUMENTS: Record<Kind, ReadonlySet<string>> = {
  variable: new Set(["type", "default", "description", "sensitive", "nullable", "ephemeral"]),
  output: new Set(["description", "sensitive", "ephemeral"]),
  local: new Set(),
  module: new Set(["source", "version", "providers"]),
  resource: new Set(["provider"]),
  data: new Set(["provider"]),
  provider: new Set(["alias"]),
};

interface Location {
  readonly file: string;
  readonly address: string;
}

interface Block extends Location {
  readonly kind: Kind;
  readonly body: unknown;
}

interface LoadedModule {
  readonly dir: string;
  readonly name: string;
  readonly variables: Map<string, Block>;
  readonly outputs: Map<string, Block>;
  readonly locals: Map<string, Block>;
  readonly calls: Map<string, Block>;
  /** Keyed `type.name`. */
  readonly resources: Map<string, Block>;
  /** Keyed `type.name`. */
  readonly data: Map<string, Block>;
  readonly providers: Block[];
  /** `terraform { backend ... }` and `terraform { cloud ... }`. */
  readonly backends: Location[];
}

/** An expression found in a block: a template string, or a bare reference (`depends_on`). */
interface Expression {
  readonly attribute: string;
  readonly text: string;
  readonly bare: boolean;
  /** Iterator symbols of enclosing `dynamic` blocks, in scope in their `content`. */
  readonly bound: readonly string[];
}

/**
 * Parsed expressions, shared across runs: the same strings (`${var.tags}`) recur in every module
 * and every checked copy, and each parse is a call into the WASM HCL parser.
 */
const parsedExpressions = new Map<string, Promise<Ast | null>>();

class ModuleChecker {
  private readonly problems: Problem[] = [];
  private readonly loaded = new Map<string, LoadedModule>();
  private references = 0;

  constructor(private readonly root: string) {}

  async run(): Promise<CheckReport> {
    const moduleDirs = subfolders(this.root).filter(hasTerraformFiles);
    if (moduleDirs.length === 0) {
      this.problems.push({ module: ".", file: "", address: "", message: `no module folders (with *.tf.json files) in ${this.root}` });
    }
    let examples = 0;
    for (const dir of moduleDirs) {
      await this.check(this.load(dir), false);
      for (const example of subfolders(path.join(dir, "examples")).filter(hasTerraformFiles)) {
        await this.check(this.load(example), true);
        examples += 1;
      }
    }
    return { problems: this.problems, modules: moduleDirs.length, examples, references: this.references };
  }

  /** Reads a folder's Terraform files as one module, like Terraform: every file at its top level, none below. */
  private load(dir: string): LoadedModule {
    const cached = this.loaded.get(dir);
    if (cached) return cached;
    const mod: LoadedModule = {
      dir,
      name: path.relative(this.root, dir).split(path.sep).join("/") || ".",
      variables: new Map(),
      outputs: new Map(),
      locals: new Map(),
      calls: new Map(),
      resources: new Map(),
      data: new Map(),
      providers: [],
      backends: [],
    };
    this.loaded.set(dir, mod);
    for (const file of fs.readdirSync(dir).sort()) {
      if (file.endsWith(".tf")) {
        // Silently skipping it would pass a module whose real content was never looked at.
        this.report(mod, file, "", "HCL native syntax is not read by this check: write the module as *.tf.json or extend the check");
      } else if (file.endsWith(".tf.json")) {
        this.loadFile(mod, file);
      }
    }
    return mod;
  }

  private loadFile(mod: LoadedModule, file: string): void {
    let document: unknown;
    try {
      document = JSON.parse(fs.readFileSync(path.join(mod.dir, file), "utf8"));
    } catch (err) {
      this.report(mod, file, "", `not valid JSON: ${(err as Error).message}`);
      return;
    }
    const declare = (into: Map<string, Block>, key: string, block: Block) => {
      const earlier = into.get(key);
      if (earlier) this.report(mod, file, block.address, `declared again (first in ${earlier.file})`);
      else into.set(key, block);
    };
    for (const [blockType, value] of entries(document)) {
      switch (blockType) {
        case "variable":
        case "output":
        case "module":
        case "provider":
          for (const [label, body] of labelled(value)) {
            const block: Block = { kind: blockType, file, address: `${blockType}.${label}`, body };
            if (blockType === "variable") declare(mod.variables, label, block);
            else if (blockType === "output") declare(mod.outputs, label, block);
            else if (blockType === "module") declare(mod.calls, label, block);
            else mod.providers.push(block);
          }
          break;
        case "locals":
          for (const [name, body] of entries(value)) declare(mod.locals, name, { kind: "local", file, address: `local.${name}`, body });
          break;
        case "resource":
        case "data":
          for (const [type, named] of labelled(value)) {
            for (const [name, body] of labelled(named)) {
              const address = blockType === "data" ? `data.${type}.${name}` : `${type}.${name}`;
              declare(blockType === "data" ? mod.data : mod.resources, `${type}.${name}`, { kind: blockType, file, address, body });
            }
          }
          break;
        case "terraform":
          for (const [setting, body] of entries(value)) {
            if (setting === "backend") {
              for (const [backendType] of labelled(body)) mod.backends.push({ file, address: `terraform.backend.${backendType}` });
            } else if (setting === "cloud") {
              mod.backends.push({ file, address: "terraform.cloud" });
            }
          }
          break;
      }
    }
  }

  private async check(mod: LoadedModule, isExample: boolean): Promise<void> {
    if (!isExample) this.checkConventions(mod);
    const blocks = [...mod.variables.values(), ...mod.outputs.values(), ...mod.locals.values(), ...mod.calls.values(), ...mod.resources.values(), ...mod.data.values(), ...mod.providers];
    const expressions = blocks.flatMap((block) => expressionsIn(block).map((expression) => ({ block, expression })));
    // All at once: awaiting the WASM parser one call at a time costs an event-loop turn per call (≈4x slower).
    const parsed = await Promise.all(expressions.map(({ expression }) => parse(expression).then((ast) => ({ ast }), (error: Error) => ({ error }))));
    expressions.forEach(({ block, expression }, i) => this.checkReferences(mod, block, expression, parsed[i]));
    for (const [name, call] of mod.calls) this.checkCall(mod, name, call);
  }

  private checkConventions(mod: LoadedModule): void {
    for (const v of mod.variables.values()) {
      if (!nonEmptyString(field(v.body, "type"))) this.report(mod, v.file, v.address, "variable has no type");
      if (!nonEmptyString(field(v.body, "description"))) this.report(mod, v.file, v.address, "variable has no description");
    }
    for (const o of mod.outputs.values()) {
      if (!nonEmptyString(field(o.body, "description"))) this.report(mod, o.file, o.address, "output has no description");
    }
    for (const p of mod.providers) {
      this.report(mod, p.file, p.address, "provider block in a module: the calling root module configures providers (only examples/ may have one)");
    }
    for (const b of mod.backends) {
      this.report(mod, b.file, b.address, "backend in a module: only a root module chooses where state is stored");
    }
  }

  private checkReferences(mod: LoadedModule, block: Block, expression: Expression, parsed: { ast: Ast | null } | { error: Error }): void {
    if ("error" in parsed) {
      this.report(mod, block.file, block.address, `"${expression.attribute}" is not valid HCL: ${parseDiagnostics(parsed.error)}`);
      return;
    }
    const found: string[][] = [];
    collectReferences(parsed.ast, new Set(expression.bound), [], found);
    for (const names of found) {
      this.references += 1;
      const unresolved = this.resolve(mod, names);
      if (unresolved) this.report(mod, block.file, block.address, `"${expression.attribute}" refers to ${unresolved}`);
    }
  }

  /** Undefined when `names` (a reference's name segments, indexes left out) resolves; else what is wrong. */
  private resolve(mod: LoadedModule, names: readonly string[]): string | undefined {
    const [root, first, second] = names;
    if (BUILTIN_ROOTS.has(root)) return undefined;
    const lookup = (declared: Map<string, Block>, key: string | undefined, shown: string, what: string) =>
      key !== undefined && declared.has(key) ? undefined : `${shown}, but no ${what} is declared in this module`;
    switch (root) {
      case "var":
        return lookup(mod.variables, first, `var.${first}`, `variable "${first}"`);
      case "local":
        return lookup(mod.locals, first, `local.${first}`, `local value "${first}"`);
      case "data":
        return lookup(mod.data, `${first}.${second}`, `data.${first}.${second}`, `data "${first}" "${second}"`);
      case "module": {
        const missing = lookup(mod.calls, first, `module.${first}`, `module call "${first}"`);
        if (missing || second === undefined) return missing;
        const called = this.calledModule(mod, mod.calls.get(first));
        if (called && !called.outputs.has(second)) return `module.${first}.${second}, but module "${first}" (${called.name}) has no output "${second}"`;
        return undefined;
      }
      default:
        if (first === undefined) return `${root}, but no such name is in scope (a for-expression's symbols exist only inside it)`;
        return lookup(mod.resources, `${root}.${first}`, `${root}.${first}`, `resource "${root}" "${first}"`);
    }
  }

  private checkCall(mod: LoadedModule, name: string, call: Block): void {
    const called = this.calledModule(mod, call);
    if (!called) return;
    const args = new Set(entries(call.body).map(([arg]) => arg).filter((arg) => !MODULE_META_ARGUMENTS.has(arg)));
    for (const arg of args) {
      if (!called.variables.has(arg)) this.report(mod, call.file, call.address, `argument "${arg}" is not a variable of module "${name}" (${called.name})`);
    }
    for (const [variable, declaration] of called.variables) {
      // `default: null` makes a variable optional too: only a missing default makes it required.
      if (!args.has(variable) && field(declaration.body, "default") === undefined) {
        this.report(mod, call.file, call.address, `missing required argument "${variable}" (a variable of ${called.name} without default)`);
      }
    }
  }

  /**
   * The module a call's local `source` points to; undefined for registry or remote sources, whose
   * variables and outputs cannot be known offline, and for a local source without Terraform files
   * (reported).
   */
  private calledModule(mod: LoadedModule, call: Block | undefined): LoadedModule | undefined {
    if (!call) return undefined;
    const source = field(call.body, "source");
    if (typeof source !== "string") {
      this.report(mod, call.file, call.address, "module call has no source");
      return undefined;
    }
    if (!source.startsWith("./") && !source.startsWith("../")) return undefined;
    const dir = path.resolve(mod.dir, source);
    if (!hasTerraformFiles(dir)) {
      this.report(mod, call.file, call.address, `source "${source}": no Terraform files in ${dir}`);
      return undefined;
    }
    return this.load(dir);
  }

  private report(mod: LoadedModule, file: string, address: string, message: string): void {
    // A call looked up once per reference to it must not repeat the same finding.
    if (this.problems.some((p) => p.module === mod.name && p.file === file && p.address === address && p.message === message)) return;
    this.problems.push({ module: mod.name, file, address, message });
  }
}

/** The strings of a block that Terraform evaluates, with the attribute path they sit at. */
function expressionsIn(block: Block): Expression[] {
  const out: Expression[] = [];
  if (block.kind === "local") {
    templates(block.body, block.address, out);
    return out;
  }
  for (const [argument, value] of entries(block.body)) {
    if (LITERAL_ARGUMENTS[block.kind].has(argument)) continue;
    if (argument === "depends_on") {
      references(value, argument, out);
    } else if (argument === "lifecycle") {
      for (const [setting, v] of entries(value)) {
        // ignore_changes names this resource's own attributes, not references.
        if (setting === "replace_triggered_by") references(v, `lifecycle.${setting}`, out);
        else if (setting !== "ignore_changes") templates(v, `lifecycle.${setting}`, out);
      }
    } else if (argument === "dynamic") {
      dynamicBlocks(value, argument, out, []);
    } else {
      templates(value, argument, out);
    }
  }
  return out;
}

/**
 * In Terraform JSON every string in an evaluated value, and every object key, is a template.
 * Without the provider's schema a nested block cannot be told from an object value, so both are
 * walked alike.
 */
function templates(value: unknown, at: string, out: Expression[], bound: readonly string[] = []): void {
  if (typeof value === "string") {
    if (value.includes("${") || value.includes("%{")) out.push({ attribute: at, text: value, bare: false, bound });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => templates(item, `${at}.${i}`, out, bound));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of entries(value)) {
      templates(key, at, out, bound);
      if (key === "dynamic") dynamicBlocks(item, `${at}.${key}`, out, bound);
      else templates(item, `${at}.${key}`, out, bound);
    }
  }
}

/** `dynamic "x" { for_each, iterator, content }`: the iterator (default: the block's name) exists only in `content`. */
function dynamicBlocks(value: unknown, at: string, out: Expression[], bound: readonly string[]): void {
  for (const [name, spec] of labelled(value)) {
    const iterator = field(spec, "iterator");
    for (const [setting, item] of entries(spec)) {
      if (setting === "content") templates(item, `${at}.${name}.content`, out, [...bound, typeof iterator === "string" ? iterator : name]);
      else if (setting !== "iterator") templates(item, `${at}.${name}.${setting}`, out, bound);
    }
  }
}

/** `depends_on` and `replace_triggered_by`: JSON strings holding bare references, not templates. */
function references(value: unknown, at: string, out: Expression[]): void {
  for (const [i, item] of (Array.isArray(value) ? value : [value]).entries()) {
    if (typeof item === "string") out.push({ attribute: `${at}.${i}`, text: item, bare: true, bound: [] });
  }
}

function parse(expression: Expression): Promise<Ast | null> {
  const key = `${expression.bare ? "bare" : "template"}\0${expression.text}`;
  let ast = parsedExpressions.get(key);
  if (!ast) {
    ast = getExpressionAst("expression", expression.bare ? expression.text : heredoc(expression.text));
    parsedExpressions.set(key, ast);
  }
  return ast;
}

/**
 * Terraform parses a JSON string as a template with no quoting around it. A heredoc body is the
 * one HCL form that does the same (a quoted string would end at the first literal `"`).
 */
function heredoc(text: string): string {
  const lines = text.split("\n").map((line) => line.trim());
  let marker = "EOT";
  while (lines.includes(marker)) marker += "_";
  return `<<${marker}\n${text}\n${marker}\n`;
}

/** The parser's diagnostics without the echo of the whole input it prefixes them with. */
function parseDiagnostics(err: Error): string {
  const match = /^getExpressionAst errors on input string '[\s\S]*': expression:([\s\S]*)$/.exec(err.message);
  return (match ? `line ${match[1]}` : err.message).trim();
}

/**
 * Collects each reference as its name segments (`module.broker_ports[each.key].broker_ports` →
 * module, broker_ports, broker_ports). Written over the AST rather than with hcl2json's
 * getReferencesInExpression, which skips the key and value expressions of a for-expression (a
 * `var.` misspelt there would pass) and fails on templates with literal quotes.
 *
 * @param bound symbols bound by enclosing for-expressions and dynamic blocks
 * @param trailing attribute names that follow `node` in an enclosing traversal
 */
function collectReferences(node: Ast | null | undefined, bound: ReadonlySet<string>, trailing: string[], out: string[][]): void {
  if (!node) return;
  switch (node.type) {
    case "scopeTraversal": {
      const names = [...nameSegments(node.meta.traversal), ...trailing];
      if (!bound.has(names[0])) out.push(names);
      return;
    }
    case "relativeTraversal":
      collectReferences(node.children[0], bound, [...nameSegments(node.meta.traversal), ...trailing], out);
      return;
    case "index":
      collectReferences(node.children[0], bound, trailing, out);
      collectReferences(node.children[1], bound, [], out);
      return;
    case "splat": {
      // children[1] traverses the splat's anonymous symbol: its names continue the source's.
      const each = node.children[1];
      collectReferences(node.children[0], bound, each?.type === "relativeTraversal" ? nameSegments(each.meta.traversal) : [], out);
      return;
    }
    case "for": {
      // The collection is evaluated outside the loop; key, value and condition inside it.
      const [collection, ...inside] = node.children;
      collectReferences(collection, bound, [], out);
      const inner = new Set([...bound, node.meta.keyVar, node.meta.valVar].filter((symbol) => symbol !== ""));
      for (const child of inside) collectReferences(child, inner, [], out);
      return;
    }
    default:
      for (const child of node.children) collectReferences(child, bound, [], out);
  }
}

function nameSegments(traversal: TFExpressionSyntaxTree.TerraformTraversalPart[]): string[] {
  return traversal.filter((part) => part.type === "nameTraversal").map((part) => part.segment);
}

/**
 * Object entries without `//` comments. Terraform JSON may give any block or block body as an
 * array of objects instead of one object; their entries are merged.
 */
function entries(value: unknown): Array<[string, unknown]> {
  const objects = Array.isArray(value) ? value : [value];
  return objects
    .filter((o): o is Record<string, unknown> => o !== null && typeof o === "object" && !Array.isArray(o))
    .flatMap((o) => Object.entries(o))
    .filter(([key]) => key !== "//");
}

/** `{ label: body }` pairs of a labelled block type; a body given as an array yields one pair per element. */
function labelled(value: unknown): Array<[string, unknown]> {
  return entries(value).flatMap(([label, body]): Array<[string, unknown]> => (Array.isArray(body) ? body.map((b) => [label, b]) : [[label, body]]));
}

function field(body: unknown, name: string): unknown {
  return entries(body).find(([key]) => key === name)?.[1];
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "";
}

function subfolders(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(dir, entry.name))
    .sort();
}

function hasTerraformFiles(dir: string): boolean {
  return fs.existsSync(dir) && fs.statSync(dir).isDirectory() && fs.readdirSync(dir).some((file) => file.endsWith(".tf") || file.endsWith(".tf.json"));
}
