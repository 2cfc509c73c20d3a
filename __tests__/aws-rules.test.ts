/**
 * AWS's own rules as modules/private/aws-rules.ts states them, checked against what they claim:
 * the reserved-address rule against every subnet that could hold an address, the CIDR coverage
 * against a count of the addresses covered.
 */
import { coversEveryAddress, isReservedInEverySubnet } from "../modules/private/aws-rules";

/** Brute force: AWS reserves the first four and the last address of every subnet; subnets are /16 to /28. */
function reservedInEverySubnet(address: number): boolean {
  for (let prefix = 16; prefix <= 28; prefix++) {
    const size = 2 ** (32 - prefix);
    const offset = address % size;
    if (!(offset < 4 || offset === size - 1)) return false;
  }
  return true;
}

const dotted = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");

describe("AWS's reserved subnet addresses", () => {
  it("refuses a target exactly when every subnet (/16 to /28) that could hold it reserves it: every address of 10.1.0.0/16", () => {
    const base = 10 * 2 ** 24 + 1 * 2 ** 16;
    const disagreements: string[] = [];
    for (let i = 0; i < 2 ** 16; i++) {
      if (isReservedInEverySubnet(dotted(base + i)) !== reservedInEverySubnet(base + i)) disagreements.push(dotted(base + i));
    }
    expect(disagreements).toEqual([]);
    expect([0, 1, 2, 3, 65535].map((i) => dotted(base + i)).filter(isReservedInEverySubnet)).toEqual([
      "10.1.0.0",
      "10.1.0.1",
      "10.1.0.2",
      "10.1.0.3",
      "10.1.255.255",
    ]);
  });
});

describe("CIDR blocks that cover every address", () => {
  it.each<[string[], boolean]>([
    [["0.0.0.0/0"], true],
    [["0.0.0.0/1", "128.0.0.0/1"], true],
    [["0.0.0.0/1", "10.0.0.0/8", "128.0.0.0/2", "192.0.0.0/2"], true],
    [["0.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"], false],
    [["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4", "240.0.0.0/5"], false],
    [["128.0.0.0/1"], false],
  ])("%j: %s", (cidrs, covers) => {
    expect(coversEveryAddress(cidrs)).toBe(covers);
  });
});
