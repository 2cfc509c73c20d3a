import * as fs from "node:fs";
import * as path from "node:path";
import { renderModules } from "../modules/packaging";
import { mockProvider } from "../terraform/evaluate";

const MODULES = path.join(__dirname, "..", "modules");

/** The published modules' native tests: HCL files beside each module's code (`modules/<module>/tests/`). */
describe("the modules' native tests", () => {
  const modules = renderModules();

  it.each([...modules.keys()])("%s publishes every test file of its folder, as it is, and its README names them", (module) => {
    const dir = path.join(MODULES, module, "tests");
    const files = fs.readdirSync(dir).filter((file) => file.endsWith(".tftest.hcl"));
    expect(files.length).toBeGreaterThan(0);
    const published = modules.get(module)!;
    expect(Object.keys(published).filter((file) => file.startsWith("tests/"))).toEqual(files.map((file) => `tests/${file}`));
    for (const file of files) {
      expect(published[`tests/${file}`]).toBe(fs.readFileSync(path.join(dir, file), "utf8"));
      expect(published["README.md"]).toContain(`\`${file}\``);
    }
  });

  // The stacks are evaluated with mockProvider(region) (terraform/evaluate.ts): the modules' tests mock
  // AWS the same way, so what passes in one passes in the other.
  it.each(
    [...modules].flatMap(([module, files]) =>
      Object.entries(files)
        .filter(([file, text]) => file.startsWith("tests/") && text.includes("mock_provider"))
        .map(([file, text]) => [`${module}/${file}`, text]),
    ),
  )("%s mocks AWS as the evaluated stacks are mocked in us-east-1", (_file, text) => {
    expect(text).toContain(`\n${mockProvider("us-east-1")}`);
  });
});
