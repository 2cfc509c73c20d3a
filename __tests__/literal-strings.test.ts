import { CONSUMER_MODULE } from "../modules/kafka-privatelink-consumer/rules";
import { PROVIDER_MODULE } from "../modules/kafka-privatelink-provider/rules";
import { config, synthDeploy } from "./support/configs";
import { LITERAL_PROFILES, LITERAL_TAGS } from "./support/literal-strings";
import { moduleJson } from "./support/module-json";
import { TfJson } from "../modules/packaging/terraform-json";

/**
 * Free text the configuration lets through (profiles; tags in AWS's tag characters) reaches the
 * Terraform JSON exactly as written: cdktf resolves none of it and Terraform finds no template in
 * it. What would be read as an expression is refused (config.test.ts).
 */
describe("user strings in the synthesized Terraform", () => {
  it.each(LITERAL_PROFILES)("carry the profile %j through literally, in the provider and the consumer stack", (profile) => {
    const base = config([1]);
    const { stacks } = synthDeploy(config([1], { cluster: { profile }, consumers: [{ ...base.consumers[0], profile }] }));
    expect(stacks["orders-provider"].provider.aws[0].profile).toBe(profile);
    expect(stacks["orders-consumer-analytics"].provider.aws[0].profile).toBe(profile);
  });

  it("carry tags in any script through literally, into both module calls", () => {
    const base = config([1]);
    const { stacks } = synthDeploy(config([1], { cluster: { tags: LITERAL_TAGS }, consumers: [{ ...base.consumers[0], tags: LITERAL_TAGS }] }));
    expect(stacks["orders-provider"].module.kafka.tags).toEqual(LITERAL_TAGS);
    expect(stacks["orders-consumer-analytics"].module.kafka.tags).toEqual(LITERAL_TAGS);
  });

  it.each([PROVIDER_MODULE, CONSUMER_MODULE])(
    "reach every tagged resource of %s as the tags input itself (null when empty, as the stacks of 0.1 wrote none)",
    (module) => {
      expect(moduleJson(module, "main.tf.json").locals.tags).toBe("${length(var.tags) > 0 ? var.tags : null}");
      const tagged = [
        "aws_lb",
        "aws_lb_target_group",
        "aws_lb_listener",
        "aws_cloudwatch_metric_alarm",
        "aws_vpc_endpoint_service",
        "aws_security_group",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_endpoint",
        "aws_route53_zone",
      ];
      const resources = Object.entries<TfJson>(moduleJson(module, "main.tf.json").resource);
      const withTags = resources.flatMap(([type, byName]) =>
        Object.entries(byName)
          .filter(([, body]) => "tags" in body)
          .map(([name, body]) => [`${type}.${name}`, body.tags]),
      );
      expect(withTags.length).toBeGreaterThan(0);
      for (const [address, tags] of withTags) expect([address, tags]).toEqual([address, "${local.tags}"]);
      // Every resource of a type that takes tags has them.
      for (const [type, byName] of resources)
        if (tagged.includes(type))
          for (const [name, body] of Object.entries(byName)) expect([`${type}.${name}`, "tags" in body]).toEqual([`${type}.${name}`, true]);
    },
  );
});
