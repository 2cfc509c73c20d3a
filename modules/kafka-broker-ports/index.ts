import { TerraformHclModule, TerraformStack, TerraformVariableValidationConfig } from "cdktf";
import { Construct } from "constructs";
import { moduleOutputs, moduleVariable } from "../private/variables";
import { InputRule, RULES, ruleValidation } from "../private/input-rules";
import { DEFAULT_BOOTSTRAP_PORT, DEFAULT_BROKER_PORT_BASE, MAX_BROKERS, MAX_LISTENERS_PER_NLB, MAX_PORT, MIN_PORT } from "./allocation";

/** The folder name of the published module, beside the other two. */
export const BROKER_PORTS_MODULE = "kafka-broker-ports";

/**
 * The variables of the allocation: the same names in every module that takes them. Only the
 * kafka-broker-ports module validates them (`validated`); a module that passes them on to its
 * call leaves the checks to it, so each rule has one home.
 */
export function brokerPortsVariables(scope: Construct, { validated }: { validated: boolean }) {
  const port = (name: string, description: string, defaultPort: number, rule: InputRule) =>
    moduleVariable(scope, name, {
      type: "number",
      description,
      default: defaultPort,
      validation: validated ? [ruleValidation(rule, name, `var.${name}`)] : undefined,
    });
  return {
    bootstrapPort: port(
      "bootstrap_port",
      "NLB listener port that reaches any broker (clients' bootstrap.servers port).",
      DEFAULT_BOOTSTRAP_PORT,
      RULES.bootstrapPort,
    ),
    brokerPortBase: port(
      "broker_port_base",
      "Broker port = broker_port_base + broker ID; a broker's port never depends on the other brokers.",
      DEFAULT_BROKER_PORT_BASE,
      RULES.brokerPortBase,
    ),
  };
}

/**
 * The allocation rules of `allocation.ts` as Terraform validations of the variable `variable`,
 * whose broker IDs are the expression `ids` (a list of numbers), naming the broker and its port.
 */
function brokerPortRules(variable: string, ids: string): TerraformVariableValidationConfig[] {
  const port = (id: string) => `var.broker_port_base + ${id}`;
  const list = (expr: string) => `\${join(", ", ${expr})}`;
  // The broker port range, in try() where used: min() and max() of no IDs fail.
  const low = port(`min(${ids}...)`);
  const high = port(`max(${ids}...)`);
  return [
    {
      condition: `\${length(${ids}) >= 1 && length(${ids}) <= ${MAX_BROKERS}}`,
      errorMessage: `${variable}: \${length(${ids})} brokers given; one NLB fits 1 to ${MAX_BROKERS} (${MAX_LISTENERS_PER_NLB} listeners, one is the bootstrap).`,
    },
    {
      condition: `\${alltrue([for id in ${ids} : id >= 0 && floor(id) == id])}`,
      errorMessage: `${variable}: broker ID ${list(`[for id in ${ids} : tostring(id) if id < 0 || floor(id) != id]`)} is not a non-negative integer.`,
    },
    {
      condition: `\${length(distinct(${ids})) == length(${ids})}`,
      errorMessage: `${variable}: broker ID ${list(`distinct([for id in ${ids} : tostring(id) if length([for other in ${ids} : other if other == id]) > 1])`)} is listed more than once; broker IDs must be unique.`,
    },
    {
      condition: `\${alltrue([for id in ${ids} : ${port("id")} >= ${MIN_PORT} && ${port("id")} <= ${MAX_PORT}])}`,
      errorMessage: `${variable}: ${list(`[for id in ${ids} : "broker \${id} gets port \${${port("id")}}" if ${port("id")} < ${MIN_PORT} || ${port("id")} > ${MAX_PORT}]`)} (broker_port_base \${var.broker_port_base} + ID); broker ports must be from ${MIN_PORT} to ${MAX_PORT}.`,
    },
    {
      condition: `\${!contains([for id in ${ids} : ${port("id")}], var.bootstrap_port)}`,
      errorMessage: `${variable}: ${list(`[for id in ${ids} : "broker \${id}" if ${port("id")} == var.bootstrap_port]`)} gets port \${var.bootstrap_port} (broker_port_base + ID), which is bootstrap_port.`,
    },
    {
      condition: `\${try(var.bootstrap_port <= ${low} || var.bootstrap_port >= ${high}, true)}`,
      errorMessage: `${variable}: bootstrap_port \${var.bootstrap_port} lies inside the broker port range \${try(${low}, "")}-\${try(${high}, "")}; a broker added later would collide with it.`,
    },
  ];
}

/**
 * The `kafka-broker-ports` module: the allocation rules of `allocation.ts`, enforced by Terraform
 * itself for brokers that are module inputs. Both halves' modules call it: the port rule has one
 * home in Terraform. Cross-variable validations need Terraform >= 1.9.
 */
export class BrokerPortsModule extends TerraformStack {
  constructor(scope: Construct, id: string = BROKER_PORTS_MODULE) {
    super(scope, id);
    moduleVariable(this, "broker_ids", {
      type: "list(number)",
      description: `Broker IDs (non-negative integers, unique, at most ${MAX_BROKERS}: an NLB has ${MAX_LISTENERS_PER_NLB} listeners and one is the bootstrap).`,
      validation: brokerPortRules("broker_ids", "var.broker_ids"),
    });
    brokerPortsVariables(this, { validated: true });

    moduleOutputs(this, {
      broker_ports: [
        "Broker ID (string) → its NLB listener port, which is also the port it advertises.",
        "${{ for id in var.broker_ids : tostring(id) => var.broker_port_base + id }}",
      ],
      bootstrap_port: ["The bootstrap listener port.", "${var.bootstrap_port}"],
      ports: [
        "Every listener port: the bootstrap port, then the broker ports in broker_ids order.",
        "${concat([var.bootstrap_port], [for id in var.broker_ids : var.broker_port_base + id])}",
      ],
    });
  }
}

/**
 * A module's call of the kafka-broker-ports module published beside it (`module.broker_ports`),
 * which checks the allocation and returns the ports.
 */
export function brokerPortsCall(stack: TerraformStack, brokerIds: number[], bootstrapPort: number, brokerPortBase: number): TerraformHclModule {
  const call = new TerraformHclModule(stack, "broker_ports", {
    source: `../${BROKER_PORTS_MODULE}`,
    // Published beside the calling module: there is no asset to copy.
    skipAssetCreationFromLocalModules: true,
    variables: { broker_ids: brokerIds, bootstrap_port: bootstrapPort, broker_port_base: brokerPortBase },
  });
  call.overrideLogicalId("broker_ports");
  return call;
}
