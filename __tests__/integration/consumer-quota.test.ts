/**
 * The consumer module's security groups in a plan Terraform makes itself (`terraform test` with a
 * mock AWS provider, offline): the largest cluster with 3 client CIDRs fits AWS's default quotas,
 * and a 6th CIDR is refused at plan time, as the configuration refuses it at synth time.
 * Terraform also validates the module's example and a consumer stack of that size. Needs terraform
 * and the AWS provider mirror (terraform/run.ts); about 15 s.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { terraformInit, terraformOk, terraformUnavailable } from "../../terraform/run";
import { runSynth } from "../../job/job";
import { INBOUND_RULES_PER_SECURITY_GROUP, SECURITY_GROUPS_PER_INTERFACE } from "../../modules/kafka-privatelink-consumer/rules";
import { configInput } from "../support/configs";
import { itNeeds } from "../support/requirements";

const itWithTerraform = itNeeds("terraform", terraformUnavailable());

const cidrs = (n: number) => Array.from({ length: n }, (_, i) => `10.${20 + i}.0.0/16`);

/** Runs under the module's folder: a plan (apply against the mock) of 49 brokers and 3 CIDRs, and one with a CIDR too many. */
const QUOTA_TEST = `
mock_provider "aws" {
  mock_resource "aws_vpc_endpoint" {
    defaults = { dns_entry = [{ dns_name = "vpce-1.vpce-svc-1.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }] }
  }
  mock_data "aws_vpc_endpoint_service" {
    defaults = { availability_zones = ["us-east-1a"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "us-east-1a" }
  }
  mock_data "aws_vpc" {
    defaults = { enable_dns_support = true, enable_dns_hostnames = true }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
}

variables {
  name       = "orders-analytics"
  vpc_id     = "vpc-0f1e2d3c4b5a69788"
  subnet_ids = ["subnet-0f1e2d3c4b5a69781"]
  connection = {
    service_name             = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    region                   = "us-east-1"
    advertised_hostname      = "orders.kafka.example.internal"
    bootstrap_port           = 9091
    broker_ports             = { for id in range(1, 50) : tostring(id) => 6000 + id }
    security_protocol        = "SSL"
    tcp_idle_timeout_seconds = 600
  }
  allowed_cidrs = ${JSON.stringify(cidrs(3))}
}

# Mock IDs are only known after apply: the rules are counted by the group ID they reference.
run "largest_cluster_three_cidrs" {
  command = apply
  assert {
    condition     = length(aws_vpc_endpoint.this.security_group_ids) == 3 && length(aws_vpc_endpoint.this.security_group_ids) <= ${SECURITY_GROUPS_PER_INTERFACE}
    error_message = "the endpoint must carry one security group per CIDR, at most ${SECURITY_GROUPS_PER_INTERFACE}"
  }
  assert {
    condition     = [for id in aws_vpc_endpoint.this.security_group_ids : length([for r in aws_vpc_security_group_ingress_rule.client : r if r.security_group_id == id])] == [50, 50, 50]
    error_message = "each security group must hold 1 bootstrap + 49 broker rules (at most ${INBOUND_RULES_PER_SECURITY_GROUP})"
  }
}

run "one_cidr_too_many" {
  command = plan
  variables {
    allowed_cidrs = ${JSON.stringify(cidrs(SECURITY_GROUPS_PER_INTERFACE + 1))}
  }
  expect_failures = [var.allowed_cidrs]
}
`;

describe("consumer security groups in Terraform", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kpl-quota-"));
    const file = path.join(dir, "cluster.yaml");
    const base = configInput([1]);
    fs.writeFileSync(
      file,
      stringify(
        configInput(
          Array.from({ length: 49 }, (_, i) => i + 1),
          { consumers: [{ ...base.consumers![0], allowedCidrs: cidrs(SECURITY_GROUPS_PER_INTERFACE) }] },
        ),
      ),
    );
    runSynth({ configFile: file, outDir: path.join(dir, "out"), modulesOutDir: path.join(dir, "modules") });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  itWithTerraform(
    "validate: the cluster's consumer example and a consumer stack with 49 brokers and the most CIDRs",
    () => {
      for (const folder of [
        path.join(dir, "out", "examples", "kafka-privatelink-consumer", "complete"),
        path.join(dir, "out", "stacks", "orders-consumer-analytics"),
      ]) {
        terraformInit(folder);
        expect(terraformOk(folder, ["validate", "-no-color"])).toContain("The configuration is valid.");
      }
    },
    180_000,
  );

  itWithTerraform(
    "fit 49 brokers × 3 CIDRs into AWS's default quotas in a plan, and the module refuses a 6th CIDR",
    () => {
      const module = path.join(dir, "modules", "kafka-privatelink-consumer");
      fs.mkdirSync(path.join(module, "tests"), { recursive: true });
      fs.writeFileSync(path.join(module, "tests", "quota.tftest.hcl"), QUOTA_TEST);
      terraformInit(module);
      const out = terraformOk(module, ["test", "-no-color"]);
      expect(out).toContain('run "largest_cluster_three_cidrs"... pass');
      expect(out).toContain('run "one_cidr_too_many"... pass');
    },
    180_000,
  );
});
