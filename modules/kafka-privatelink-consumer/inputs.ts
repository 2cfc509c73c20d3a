/**
 * The consumer module's inputs that a configuration's consumer passes as they are, one spec each
 * (modules/private/input-spec.ts says what derives from an entry). Inputs with rules across
 * fields or values the configuration shapes (name, CIDRs, the connection, tags) are
 * written out in index.ts, call.ts, config/ and stacks/inputs.ts.
 */
import { InputSpec, SUBNET_IDS } from "../private/input-spec";
import { RULES } from "../private/input-rules";

export const CONSUMER_INPUTS = {
  vpcId: {
    type: "string",
    description: "The client VPC, with DNS support and DNS hostnames on (for the private zone): the endpoint and its security groups are created in it.",
    rule: RULES.vpcId,
    review: { level: "outage", why: "replaces the endpoint, its security groups and the zone association" },
  },
  subnetIds: {
    ...SUBNET_IDS,
    description: "Subnets of the endpoint, one per availability zone the clients run in.",
    review: { level: "client-visible", why: "the endpoint's network interfaces change; connections through a removed subnet are cut" },
  },
  hostedZoneId: {
    type: "string",
    description: "An existing private hosted zone, associated with the VPC, to put the record in. null: create a zone named exactly the advertised hostname.",
    default: null,
    rule: RULES.hostedZoneId,
    review: { level: "outage", why: "the alias record moves to another zone" },
  },
} as const satisfies Record<string, InputSpec>;
