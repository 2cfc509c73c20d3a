import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { ClusterConfig, StateConfig, stateKey } from "../config/schema";
import { AWS_PROVIDER } from "../modules/packaging";

/** Where and as whom a stack deploys: a cluster's or a consumer's own settings. */
export type AwsAccess = Pick<ClusterConfig, "region" | "profile" | "assumeRoleArn">;

/**
 * The AWS provider and state backend of a deployable stack. Each stack gets its own provider, so
 * the provider and each consumer can live in different accounts and regions. A consumer's
 * cross-stack reference reads the provider stack's state through the provider stack's backend,
 * so both always look in the same place.
 */
export function configureStack(stack: TerraformStack, access: AwsAccess, state?: StateConfig): AwsProvider {
  if (state) {
    new S3Backend(stack, { bucket: state.s3.bucket, key: stateKey(state.s3, stack.node.id), region: state.s3.region, encrypt: true });
    // cdktf 0.21 predates use_lockfile (S3-native locking, Terraform >= 1.10).
    if (state.s3.useLockfile) stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    // Relative to the stack's folder (<out>/stacks/<stack>): the state lives beside the output
    // folder, survives a re-synth, and the path does not leak this machine's layout into review.
    new LocalBackend(stack, { path: `../../../terraform.${stack.node.id}.tfstate` });
  }
  // The AWS provider versions a deployable stack accepts: the modules' range (it deploys them).
  // cdktf would pin exactly the bindings' version (6.25), which fails wherever only 5.x is installed.
  stack.addOverride("terraform.required_providers.aws.version", AWS_PROVIDER);
  return new AwsProvider(stack, "aws", {
    region: access.region,
    profile: access.profile,
    assumeRole: access.assumeRoleArn ? [{ roleArn: access.assumeRoleArn }] : undefined,
  });
}
