/**
 * The shared table of accept/refuse cases (support/validation-cases.ts), the configuration
 * validator's half: each case's document, read from a file as the main job reads it, is accepted
 * or refused naming exactly the fields the table gives. The modules' half (terraform test) is in
 * integration/validation-cases.test.ts; the table's coverage of the modules' validations is
 * checked here, against the module files the packaging writes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { writeModules } from "../stacks/examples";
import {
  CASES,
  caseDocument,
  MODULES,
  ModuleKey,
  moduleRuns,
  validatedVariables,
  validatorDisagreement,
  validatorVerdict,
  withChanges,
} from "./support/validation-cases";

describe("the shared table of validation cases", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s: the configuration validator gives the table's verdict", (_name, c) => {
    expect(validatorDisagreement(c, validatorVerdict(caseDocument(c)))).toBeUndefined();
  });

  it("names each case once, as a Terraform run may be named, and starts from the example as shipped, accepted", () => {
    const names = CASES.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.filter((n) => !/^[a-z][a-z0-9_]*$/.test(n))).toEqual([]);
    expect(CASES[0]).toEqual({ name: "example_as_shipped", changes: {} });
  });

  it("every refused case is refused by at least one module: a rule without a module counterpart stays out of the table", () => {
    const moduleless = CASES.filter(
      (c) => c.refused && [c.refused.provider, c.refused.consumer, c.refused.brokerPorts].every((inputs) => (inputs ?? []).length === 0),
    );
    expect(moduleless.map((c) => c.name)).toEqual([]);
  });

  it("every case changes what the provider or the consumer module is given", () => {
    const inputsOf = (changes: Record<string, unknown>) =>
      JSON.stringify(
        moduleRuns({ name: "x", changes })
          .filter((r) => r.module !== "brokerPorts")
          .map((r) => [r.region, r.inputs]),
      );
    const example = inputsOf({});
    expect(
      CASES.slice(1)
        .filter((c) => inputsOf(c.changes as Record<string, unknown>) === example)
        .map((c) => c.name),
    ).toEqual([]);
  });

  it("every module variable with a validation block is refused by at least one case, and the table names no other input", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-case-modules-"));
    let validated: Record<ModuleKey, string[]>;
    try {
      writeModules(dir);
      validated = validatedVariables(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const module of Object.keys(MODULES) as ModuleKey[]) {
      const named = new Set(CASES.flatMap((c) => c.refused?.[module] ?? []));
      expect({ module, unrefused: validated[module].filter((v) => !named.has(v)) }).toEqual({ module, unrefused: [] });
      expect({ module, unknown: [...named].filter((v) => !validated[module].includes(v)) }).toEqual({ module, unknown: [] });
    }
  });

  it("the table can fail: a case whose change is undone, or whose field is misnamed, disagrees with the validator", () => {
    const refused = CASES.find((c) => c.name === "refuses_50_brokers")!;
    expect(validatorDisagreement({ ...refused, changes: {} }, validatorVerdict(caseDocument({ ...refused, changes: {} })))).toMatch(/validator accepts it/);
    const misnamed = { ...refused, refused: { ...refused.refused!, fields: ["cluster.brokers[49].id"] } };
    expect(validatorDisagreement(misnamed, validatorVerdict(caseDocument(refused)))).toMatch(
      /validator names cluster\.brokers, the table says cluster\.brokers\[49\]\.id/,
    );
  });

  it("changes address fields as the validator names them, creating what the example leaves out", () => {
    expect(withChanges({ cluster: { brokers: [{ id: 1 }] } }, { "cluster.brokers[0].id": 7, "policy.allowAnyCidr": true, "consumers[1].name": "b" })).toEqual({
      cluster: { brokers: [{ id: 7 }] },
      policy: { allowAnyCidr: true },
      consumers: [undefined, { name: "b" }],
    });
  });
});
