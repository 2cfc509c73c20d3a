import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, TerraformStack } from "cdktf";

export interface AwsAccess {
  readonly region: string;
  readonly profile?: string;
  readonly assumeRoleArn?: string;
}

/**
 * The AWS provider and state backend of a deployable stack. Each stack gets its own provider, so
 * the provider and each consumer can live in different accounts and regions.
 */
export function configureStack(stack: TerraformStack, access: AwsAccess): AwsProvider {
  // Relative to the stack's folder (<out>/stacks/<stack>): the state lives beside the output
  // folder, survives a re-synth, and the path does not leak this machine's layout into review.
  new LocalBackend(stack, { path: `../../../terraform.${stack.node.id}.tfstate` });
  return new AwsProvider(stack, "aws", {
    region: access.region,
    profile: access.profile,
    assumeRole: access.assumeRoleArn ? [{ roleArn: access.assumeRoleArn }] : undefined,
  });
}

/** Leaves `tags` out of the synthesized resources rather than writing `tags = {}` everywhere. */
export function nonEmpty(tags: Record<string, string>): Record<string, string> | undefined {
  return Object.keys(tags).length > 0 ? tags : undefined;
}
