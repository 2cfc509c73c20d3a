/**
 * Reading the moves of a `cdktf diff` (what the deploy test checks of the upgrade), from plan text as Terraform
 * 1.11 prints it for a `moved` block into a module, behind cdktf's stack-name prefix.
 */
import { plannedChanges, plannedMoves } from "./support/plan-text";

const cdktfPrinted = (...lines: string[]) => lines.map((l, i) => `${i === 0 ? "orders-provider" : "               "}  ${l}`).join("\n");

describe("plannedMoves (a cdktf diff's moved resources)", () => {
  it("lists each moved instance, keys included, and plannedChanges sees no change in a plan that only moves", () => {
    const output = cdktfPrinted(
      "Terraform will perform the following actions:",
      "  # aws_lb.this has moved to module.kafka.aws_lb.this",
      '    resource "aws_lb" "this" {',
      '        id = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders-nlb/0123456789abcdef"',
      "        # (20 unchanged attributes hidden)",
      "    }",
      '  # aws_lb_listener.broker["1"] has moved to module.kafka.aws_lb_listener.broker["1"]',
      '    resource "aws_lb_listener" "broker" {',
      "    }",
      "  # aws_route53_zone.this has moved to module.kafka.aws_route53_zone.this[0]",
      '    resource "aws_route53_zone" "this" {',
      "    }",
      "Plan: 0 to add, 0 to change, 0 to destroy.",
    );
    expect(plannedMoves(output)).toEqual([
      { from: "aws_lb.this", to: "module.kafka.aws_lb.this" },
      { from: 'aws_lb_listener.broker["1"]', to: 'module.kafka.aws_lb_listener.broker["1"]' },
      { from: "aws_route53_zone.this", to: "module.kafka.aws_route53_zone.this[0]" },
    ]);
    expect(plannedChanges(output)).toEqual([]);
  });

  it("reads a move that also changes the resource: the change is listed under the new address, the move too", () => {
    const output = cdktfPrinted(
      "Terraform will perform the following actions:",
      "  # module.kafka.aws_lb.this will be updated in-place",
      "  # (moved from aws_lb.this)",
      '  ~ resource "aws_lb" "this" {',
      '      ~ name = "orders-nlb" -> "orders-nlb-2"',
      "    }",
      "  # aws_vpc_endpoint_service.this (kafka/endpoint-service) has moved to module.kafka.aws_vpc_endpoint_service.this",
      '    resource "aws_vpc_endpoint_service" "this" {',
      "    }",
      "Plan: 0 to add, 1 to change, 0 to destroy.",
    );
    expect(plannedMoves(output)).toEqual([
      { from: "aws_lb.this", to: "module.kafka.aws_lb.this" },
      { from: "aws_vpc_endpoint_service.this", to: "module.kafka.aws_vpc_endpoint_service.this" },
    ]);
    expect(plannedChanges(output)).toEqual([{ address: "module.kafka.aws_lb.this", action: "update" }]);
  });

  it("finds no move in a plan without one", () => {
    expect(plannedMoves("orders-provider  No changes. Your infrastructure matches the configuration.")).toEqual([]);
  });
});
