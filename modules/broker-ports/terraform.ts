import { TerraformOutput, TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { moduleVariable } from "../private/variables";
import { DEFAULT_BOOTSTRAP_PORT, DEFAULT_BROKER_PORT_BASE, MAX_BROKERS, MAX_LISTENERS_PER_NLB, MAX_PORT, MIN_PORT } from "./allocation";

/** The variables of the allocation: the same names in every module that takes them. */
export function brokerPortsVariables(scope: Construct): { bootstrapPort: TerraformVariable; brokerPortBase: TerraformVariable } {
  return {
    bootstrapPort: moduleVariable(scope, "bootstrap_port", {
      type: "number",
      description: "NLB listener port that reaches any broker (clients' bootstrap.servers port).",
      default: DEFAULT_BOOTSTRAP_PORT,
      validation: [
        {
          condition: `\${floor(var.bootstrap_port) == var.bootstrap_port && var.bootstrap_port >= ${MIN_PORT} && var.bootstrap_port <= ${MAX_PORT}}`,
          errorMessage: `bootstrap_port must be an integer from ${MIN_PORT} to ${MAX_PORT}.`,
        },
      ],
    }),
    brokerPortBase: moduleVariable(scope, "broker_port_base", {
      type: "number",
      description: "Broker port = broker_port_base + broker ID; a broker's port never depends on the other brokers.",
      default: DEFAULT_BROKER_PORT_BASE,
      validation: [
        {
          condition: `\${floor(var.broker_port_base) == var.broker_port_base && var.broker_port_base >= 0 && var.broker_port_base <= ${MAX_PORT}}`,
          errorMessage: `broker_port_base must be an integer from 0 to ${MAX_PORT}.`,
        },
      ],
    }),
  };
}

/**
 * The `kafka-broker-ports` module: the allocation rules of `allocation.ts`, enforced by Terraform
 * itself for brokers that are module inputs. Cross-variable validations need Terraform >= 1.9.
 */
export function defineBrokerPortsModule(scope: Construct): void {
  moduleVariable(scope, "broker_ids", {
    type: "list(number)",
    description: `Broker IDs (non-negative integers, unique, at most ${MAX_BROKERS}: an NLB has ${MAX_LISTENERS_PER_NLB} listeners and one is the bootstrap).`,
    validation: [
      {
        condition: `\${length(var.broker_ids) >= 1 && length(var.broker_ids) <= ${MAX_BROKERS}}`,
        errorMessage: `broker_ids: one NLB fits 1 to ${MAX_BROKERS} brokers (${MAX_LISTENERS_PER_NLB} listeners, one is the bootstrap).`,
      },
      {
        condition: "${alltrue([for id in var.broker_ids : id >= 0 && floor(id) == id])}",
        errorMessage: "broker_ids: every broker ID must be a non-negative integer.",
      },
      {
        condition: "${length(distinct(var.broker_ids)) == length(var.broker_ids)}",
        errorMessage: "broker_ids: broker IDs must be unique.",
      },
      {
        condition: `\${alltrue([for id in var.broker_ids : var.broker_port_base + id >= ${MIN_PORT} && var.broker_port_base + id <= ${MAX_PORT}])}`,
        errorMessage: `broker_ids: every broker port (broker_port_base + ID) must be from ${MIN_PORT} to ${MAX_PORT}.`,
      },
      {
        condition: "${!contains([for id in var.broker_ids : var.broker_port_base + id], var.bootstrap_port)}",
        errorMessage: "broker_ids: a broker's port (broker_port_base + ID) equals bootstrap_port.",
      },
      {
        condition:
          "${try(var.bootstrap_port <= var.broker_port_base + min(var.broker_ids...) || var.bootstrap_port >= var.broker_port_base + max(var.broker_ids...), true)}",
        errorMessage: "broker_ids: bootstrap_port lies inside the broker port range; a broker added later would collide with it.",
      },
    ],
  });
  brokerPortsVariables(scope);

  const output = (name: string, description: string, value: string) =>
    new TerraformOutput(scope, `${name}-output`, { description, value }).overrideLogicalId(name);
  output("broker_ports", "Broker ID (string) → its NLB listener port, which is also the port it advertises.", "${{ for id in var.broker_ids : tostring(id) => var.broker_port_base + id }}");
  output("bootstrap_port", "The bootstrap listener port.", "${var.bootstrap_port}");
  output("ports", "Every listener port: the bootstrap port, then the broker ports in broker_ids order.", "${concat([var.bootstrap_port], [for id in var.broker_ids : var.broker_port_base + id])}");
}
