import * as path from "node:path";
import { TfJson } from "../../modules/packaging/terraform-json";

export interface ModuleCall {
  /** The block's name: `module.<name>` in plan addresses. */
  readonly name: string;
  /** The published module it calls (the source folder's name). */
  readonly module: string;
  /** The inputs as the stack passes them (literals, or references for Terraform to resolve). */
  readonly inputs: TfJson;
}

/**
 * The `module` calls of a synthesized stack: what the stack asks of the published modules. A
 * thin stack's whole intent is here; what the modules build from it, only Terraform can say
 * (evaluate.ts).
 */
export function moduleCalls(stack: TfJson, module?: string): ModuleCall[] {
  return Object.entries<TfJson>(stack.module ?? {})
    .map(([name, block]) => {
      const { ["//"]: _meta, source, ...inputs } = block;
      return { name, module: path.posix.basename(String(source)), inputs };
    })
    .filter((call) => module === undefined || call.module === module);
}
