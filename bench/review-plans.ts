/**
 * Plans for timing `npm run review` at full size: real saved plans of the emulator deployment
 * (bench/fixtures: `terraform show -json` of the provider and consumer stacks, brokers 1-3 with
 * broker 4 added) scaled up, every per-broker and per-rule change copied for each broker and CIDR,
 * so the review reads what a 49-broker cluster's plans hold.
 */
import * as fs from "node:fs";
import * as path from "node:path";

type Change = { address: string; index?: string; change: { before: unknown; after: unknown } };

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", name), "utf8")) as { resource_changes: Change[] };

/** A change copied with every mention of `from` (a key, a port) replaced. */
function copy(change: Change, replace: ReadonlyArray<[string, string]>): Change {
  let text = JSON.stringify(change);
  for (const [from, to] of replace) text = text.replaceAll(from, to);
  return JSON.parse(text) as Change;
}

/** Writes the provider plan and one plan per consumer (two CIDRs each) into `dir`; returns their paths. */
export function writeReviewPlans(dir: string, brokers: number, consumers: number): string[] {
  const ids = Array.from({ length: brokers }, (_, i) => String(i + 1));
  const provider = fixture("plan-provider.json");
  // Broker 4's changes (the added broker) are the template of every broker's.
  const template = provider.resource_changes.filter((c) => c.index === "4");
  const shared = provider.resource_changes.filter((c) => c.index === undefined || !/^\d+$/.test(c.index));
  provider.resource_changes = [
    ...shared,
    ...ids.flatMap((id) =>
      template.map((c) =>
        copy(c, [
          ['[\\"4\\"]', `[\\"${id}\\"]`],
          ['"4"', `"${id}"`],
          ["6004", String(6000 + Number(id))],
        ]),
      ),
    ),
  ];
  const files = [path.join(dir, "provider.json")];
  fs.writeFileSync(files[0], JSON.stringify(provider));
  const consumer = fixture("plan-consumer.json");
  // The added broker's rule (a create) is the template of every rule's.
  const rule = consumer.resource_changes.find((c) => c.address.includes("ingress_rule") && c.address.endsWith(':6004"]'))!;
  const cidr = /\["([^:]+):/.exec(rule.address)![1];
  const ports = ["9091", ...ids.map((id) => String(6000 + Number(id)))];
  for (let n = 0; n < consumers; n++) {
    const cidrs = [`10.${20 + n}.0.0/24`, `10.${20 + n}.1.0/24`];
    const doc = {
      ...consumer,
      resource_changes: cidrs.flatMap((c) =>
        ports.map((p) =>
          copy(rule, [
            [cidr, c],
            ["6004", p],
          ]),
        ),
      ),
    };
    files.push(path.join(dir, `consumer-${n + 1}.json`));
    fs.writeFileSync(files.at(-1)!, JSON.stringify(doc));
  }
  return files;
}
