import fc from "fast-check";
import { allocatePorts, brokerPort, MAX_BROKERS, MAX_PORT, MIN_PORT, portPlanErrors } from "../modules/kafka-broker-ports/allocation";

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
const validIds = fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: MAX_BROKERS });
/** IDs, a port base and a bootstrap port that half the time lands exactly on a broker's port. */
const planInputs = fc.tuple(validIds, fc.integer({ min: 0, max: 65535 })).chain(([ids, base]) =>
  fc.tuple(
    fc.constant(ids),
    fc.constant(base),
    fc.oneof(
      fc.constantFrom(...ids).map((id) => base + id),
      fc.integer({ min: 0, max: 70000 }),
    ),
  ),
);

describe("broker-ports allocation", () => {
  it("gives broker ID n the port brokerPortBase + n, and the bootstrap its own port", () => {
    const plan = allocatePorts({ brokerIds: [5, 1, 2] });
    expect(plan.bootstrapPort).toBe(9091);
    expect([...plan.brokerPorts]).toEqual([
      [1, 6001],
      [2, 6002],
      [5, 6005],
    ]);
    expect(brokerPort(3)).toBe(6003);
  });

  it("takes null from a JavaScript caller as the default, as its checks do", () => {
    const plan = allocatePorts({ brokerIds: [1], bootstrapPort: null, brokerPortBase: null } as never);
    expect({ bootstrapPort: plan.bootstrapPort, brokerPorts: [...plan.brokerPorts] }).toEqual({ bootstrapPort: 9091, brokerPorts: [[1, 6001]] });
  });

  it("fits 49 brokers and refuses the 50th: an NLB has 50 listeners and one is the bootstrap", () => {
    expect(allocatePorts({ brokerIds: ids(49, 1) }).brokerPorts.size).toBe(49);
    expect(() => allocatePorts({ brokerIds: ids(50, 1) })).toThrow("brokers: 50 brokers given; one NLB fits at most 49 (50 listeners, one is the bootstrap)");
  });

  it.each([
    ["a duplicate ID", { brokerIds: [1, 2, 1] }, "brokers[2].id: 1 duplicates brokers[0].id; broker IDs must be unique"],
    ["a negative ID", { brokerIds: [-1] }, "brokers[0].id: -1 must be a non-negative integer"],
    ["a fractional ID", { brokerIds: [1.5] }, "brokers[0].id: 1.5 must be a non-negative integer"],
    ["a port above 65535", { brokerIds: [60000] }, "brokers[0].id: 60000 gives port 66000"],
    [
      "a port below 1024",
      { brokerIds: [1], brokerPortBase: 0 },
      "brokers[0].id: 1 gives port 1 (brokerPortBase 0 + ID); ports must be an integer from 1024 to 65535",
    ],
    ["an ID on the bootstrap port", { brokerIds: [1, 3091] }, "brokers[1].id: 3091 gives port 9091 (brokerPortBase 6000 + ID), which is the bootstrap port"],
    ["a bootstrap port inside the broker range", { brokerIds: [1, 9], bootstrapPort: 6005 }, "bootstrapPort: 6005 is inside the broker port range 6001-6009"],
    ["a bootstrap port out of range", { brokerIds: [1], bootstrapPort: 80 }, "bootstrapPort: 80 must be an integer from 1024 to 65535"],
  ])("refuses %s", (_what, props, message) => {
    expect(() => allocatePorts(props)).toThrow(message);
  });

  it("reports every violated rule at once", () => {
    const errors = portPlanErrors({ brokerIds: [1, 1, -2] });
    expect(errors.map((e) => e.field)).toEqual(["brokers[1].id", "brokers[2].id"]);
  });

  describe("properties", () => {
    it("a broker's port depends only on its ID: adding or removing brokers never moves another", () => {
      fc.assert(
        fc.property(validIds, fc.uniqueArray(fc.integer({ min: 0, max: 3000 }), { maxLength: 10 }), (before, extra) => {
          const after = [...new Set([...before.slice(1), ...extra])].slice(0, MAX_BROKERS);
          fc.pre(after.length > 0);
          const a = allocatePorts({ brokerIds: before }).brokerPorts;
          const b = allocatePorts({ brokerIds: after }).brokerPorts;
          for (const [id, port] of b) if (a.has(id)) expect(port).toBe(a.get(id));
        }),
      );
    });

    it("every accepted plan has unique ports, in range, never the bootstrap port nor around it", () => {
      fc.assert(
        fc.property(planInputs, ([brokerIds, base, bootstrapPort]) => {
          fc.pre(portPlanErrors({ brokerIds, brokerPortBase: base, bootstrapPort }).length === 0);
          const plan = allocatePorts({ brokerIds, brokerPortBase: base, bootstrapPort });
          const ports = [...plan.brokerPorts.values()];
          expect(new Set(ports).size).toBe(brokerIds.length);
          for (const p of ports) {
            expect(p).toBeGreaterThanOrEqual(MIN_PORT);
            expect(p).toBeLessThanOrEqual(MAX_PORT);
            expect(p).not.toBe(plan.bootstrapPort);
          }
          expect(plan.bootstrapPort >= Math.max(...ports) || plan.bootstrapPort <= Math.min(...ports)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it("accepts exactly the ID lists with at most 49 unique non-negative integers", () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -3, max: 80 }), { maxLength: 60 }), (brokerIds) => {
          const valid =
            brokerIds.length >= 1 && brokerIds.length <= MAX_BROKERS && new Set(brokerIds).size === brokerIds.length && brokerIds.every((id) => id >= 0);
          expect(portPlanErrors({ brokerIds, brokerPortBase: 6000 }).length === 0).toBe(valid);
        }),
      );
    });
  });
});
