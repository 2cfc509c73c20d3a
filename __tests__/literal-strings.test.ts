import { config, synthDeploy } from "./support/configs";
import { LITERAL_PROFILES, LITERAL_TAGS } from "./support/literal-strings";

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

  it("carry tags in any script through literally, to every tagged resource", () => {
    const base = config([1]);
    const { stacks } = synthDeploy(config([1], { cluster: { tags: LITERAL_TAGS }, consumers: [{ ...base.consumers[0], tags: LITERAL_TAGS }] }));
    expect(stacks["orders-provider"].resource.aws_lb.this.tags).toEqual(LITERAL_TAGS);
    expect(stacks["orders-provider"].resource.aws_vpc_endpoint_service.this.tags).toEqual(LITERAL_TAGS);
    expect(stacks["orders-consumer-analytics"].resource.aws_security_group.endpoint.tags).toEqual(LITERAL_TAGS);
    expect(stacks["orders-consumer-analytics"].resource.aws_route53_zone.this.tags).toEqual(LITERAL_TAGS);
  });
});
