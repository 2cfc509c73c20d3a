import { App, TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { hcl } from "../modules/private/hcl";

/** The value of output `x` after cdktf resolves an expression built in a stack. */
function rendered(build: (stack: TerraformStack) => string): unknown {
  const stack = new TerraformStack(Testing.app() as App, "s");
  new TerraformOutput(stack, "x", { value: build(stack) });
  return JSON.parse(Testing.synth(stack)).output.x.value;
}

describe("hcl expressions", () => {
  it("embeds references bare and literals quoted and escaped", () => {
    expect(
      rendered((s) => {
        const ports = new TerraformVariable(s, "ports", { type: "map(number)" });
        return hcl`{ for id, port in ${ports.value} : id => format("%s/%s", ${"a${b}"}, ${["x", 2]}) }`;
      }),
    ).toBe('${{ for id, port in var.ports : id => format("%s/%s", "a$${b}", ["x", 2]) }}');
  });

  it("refuses a reference after a closed object, which cdktf would render wrapped", () => {
    expect(() =>
      rendered((s) => {
        const v = new TerraformVariable(s, "v", { type: "any" });
        return hcl`merge({ a = 1 }, ${v.value})`;
      }),
    ).toThrow("a reference follows a closed object or for-expression");
  });
});
