# Run with `terraform test` in the module folder (no AWS account needed).

mock_provider "aws" {
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/orders-nlb/0123456789abcdef" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/orders/0123456789abcdef" }
  }
  mock_resource "aws_vpc_endpoint" {
    defaults = {
      dns_entry = [{ dns_name = "vpce-0123456789abcdef0-abcdefgh.vpce-svc-0123456789abcdef0.us-east-1.vpce.amazonaws.com", hosted_zone_id = "Z7HUB22UULQXV" }]
    }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_vpc" {
    defaults = { enable_dns_support = true, enable_dns_hostnames = true }
  }
  mock_data "aws_vpc_endpoint_service" {
    defaults = { availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "us-east-1a" }
  }
}

variables {
  name       = "orders-analytics"
  vpc_id     = "vpc-0f1e2d3c4b5a69788"
  subnet_ids = ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69782"]
  connection = {
    service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
    region              = "us-east-1"
    advertised_hostname = "orders.kafka.example.internal"
    bootstrap_port      = 9091
    broker_ports = {
      "1" = 6001
      "2" = 6002
      "3" = 6003
    }
    security_protocol        = "SSL"
    tcp_idle_timeout_seconds = 600
  }
  allowed_cidrs = ["10.20.0.0/16", "10.21.0.0/16"]
}

run "rules_admit_exactly_the_kafka_ports_from_each_cidr" {
  command = apply

  assert {
    condition     = jsonencode(sort([for r in aws_vpc_security_group_ingress_rule.client : "${r.cidr_ipv4} ${r.from_port}-${r.to_port}"])) == jsonencode(sort(flatten([for c in var.allowed_cidrs : [for p in concat([var.connection.bootstrap_port], values(var.connection.broker_ports)) : "${c} ${p}-${p}"]])))
    error_message = "one TCP rule per CIDR and port: the bootstrap port and every broker port, nothing else"
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.client : r.ip_protocol == "tcp"])
    error_message = "TCP only"
  }

  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.client : r.security_group_id == aws_security_group.endpoint[r.cidr_ipv4].id]) && length(aws_security_group.endpoint) == length(var.allowed_cidrs)
    error_message = "one security group per CIDR holds that CIDR's rules"
  }
}

run "interface_endpoint_to_the_service" {
  command = apply

  assert {
    condition     = aws_vpc_endpoint.this.vpc_endpoint_type == "Interface" && !aws_vpc_endpoint.this.private_dns_enabled
    error_message = "an Interface endpoint without private DNS (the zone below resolves the hostname)"
  }

  assert {
    condition     = aws_vpc_endpoint.this.service_name == var.connection.service_name && local.service_region == null
    error_message = "same region: no service_region"
  }

  assert {
    condition     = jsonencode(sort(tolist(aws_vpc_endpoint.this.subnet_ids))) == jsonencode(sort(var.subnet_ids))
    error_message = "in the consumer's subnets"
  }
}

run "alias_points_at_the_endpoint" {
  command = apply

  assert {
    condition     = aws_route53_zone.this[0].name == var.connection.advertised_hostname
    error_message = "a private zone named exactly the advertised hostname"
  }

  assert {
    condition     = aws_route53_record.this.name == var.connection.advertised_hostname && aws_route53_record.this.type == "A" && one(aws_route53_record.this.alias).name == aws_vpc_endpoint.this.dns_entry[0].dns_name && one(aws_route53_record.this.alias).zone_id == aws_vpc_endpoint.this.dns_entry[0].hosted_zone_id
    error_message = "an A alias record for the hostname to the endpoint's regional DNS name"
  }

  assert {
    condition     = startswith(output.client_config, "bootstrap.servers=orders.kafka.example.internal:9091\n")
    error_message = "the client config bootstraps on the hostname and the bootstrap port"
  }
}

run "existing_zone_gets_the_record" {
  command = apply

  variables {
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = length(aws_route53_zone.this) == 0 && aws_route53_record.this.zone_id == "Z0123456789ABCDEFGHIJ"
    error_message = "no zone is created"
  }
}

run "service_in_another_region_is_cross_region" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
      region              = "eu-west-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  assert {
    condition     = aws_vpc_endpoint.this.service_region == "eu-west-1"
    error_message = "service_region names the service's region"
  }
}

run "client_config_closes_idle_connections_before_the_nlb" {
  command = plan

  assert {
    condition     = output.client_config == "bootstrap.servers=orders.kafka.example.internal:9091\nsecurity.protocol=SSL\nconnections.max.idle.ms=540000"
    error_message = "Kafka's default idle close (540 s) is below the NLB's 600 s"
  }
}

run "client_config_follows_a_shorter_idle_timeout" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 350
    }
  }

  assert {
    condition     = endswith(output.client_config, "\nconnections.max.idle.ms=315000")
    error_message = "90 % of a shorter NLB idle timeout"
  }
}

run "refuses_vpc_without_dns_hostnames" {
  command = plan

  override_data {
    target = data.aws_vpc.this
    values = {
      enable_dns_support   = true
      enable_dns_hostnames = false
    }
  }

  expect_failures = [aws_vpc_endpoint.this]
}

run "refuses_subnet_in_an_az_the_service_does_not_offer" {
  command = plan

  override_data {
    target = data.aws_subnet.endpoint
    values = {
      availability_zone = "us-east-1f"
    }
  }

  expect_failures = [aws_vpc_endpoint.this]
}

run "cross_region_service_skips_the_az_check" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
      region              = "eu-west-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  assert {
    condition     = aws_vpc_endpoint.this.service_region == "eu-west-1"
    error_message = "another region's AZs cannot be compared with this VPC's subnets"
  }

  override_data {
    target = data.aws_subnet.endpoint
    values = {
      availability_zone = "us-east-1f"
    }
  }
}

run "refuses_any_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_cidrs_covering_every_address" {
  command = plan

  variables {
    allowed_cidrs = ["0.0.0.0/1", "128.0.0.0/1"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_name_that_makes_security_group_names_start_sg" {
  command = plan

  variables {
    name = "sg-orders"
  }

  expect_failures = [var.name]
}

run "refuses_tag_value_over_256_characters" {
  command = plan

  variables {
    tags = {
      team = "vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv"
    }
  }

  expect_failures = [var.tags]
}

run "accepts_any_cidr_when_allowed" {
  command = apply

  variables {
    allowed_cidrs  = ["0.0.0.0/0"]
    allow_any_cidr = true
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.client) == 4
    error_message = "the explicit opt-in"
  }
}

run "refuses_duplicate_cidr" {
  command = plan

  variables {
    allowed_cidrs = ["10.20.0.0/16", "10.20.0.0/16"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_cidr_that_is_not_a_network_address" {
  command = plan

  variables {
    allowed_cidrs = ["10.20.0.1/16"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_no_cidr" {
  command = plan

  variables {
    allowed_cidrs = []
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_six_cidrs_one_security_group_each" {
  command = plan

  variables {
    allowed_cidrs = ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16", "10.5.0.0/16", "10.6.0.0/16"]
  }

  expect_failures = [var.allowed_cidrs]
}

run "refuses_bad_hostname" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "kafka"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_bad_service_name" {
  command = plan

  variables {
    connection = {
      service_name        = "vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_bad_region" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "US East"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_unknown_security_protocol" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "TLS"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_key_that_is_not_a_broker_id" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        one = 6002
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_ports_that_are_not_one_base_plus_id" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6005
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 600
    }
  }

  expect_failures = [var.connection]
}

run "refuses_idle_timeout_out_of_range" {
  command = plan

  variables {
    connection = {
      service_name        = "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0"
      region              = "us-east-1"
      advertised_hostname = "orders.kafka.example.internal"
      bootstrap_port      = 9091
      broker_ports = {
        "1" = 6001
        "2" = 6002
        "3" = 6003
      }
      security_protocol        = "SSL"
      tcp_idle_timeout_seconds = 7000
    }
  }

  expect_failures = [var.connection]
}

run "refuses_bad_name" {
  command = plan

  variables {
    name = "Orders"
  }

  expect_failures = [var.name]
}

run "refuses_no_subnet" {
  command = plan

  variables {
    subnet_ids = []
  }

  expect_failures = [var.subnet_ids]
}

run "refuses_vpc_id_that_is_not_one" {
  command = plan

  variables {
    vpc_id = "vpc-analytics"
  }

  expect_failures = [var.vpc_id]
}

run "refuses_subnet_id_that_is_not_one" {
  command = plan

  variables {
    subnet_ids = ["subnet-a"]
  }

  expect_failures = [var.subnet_ids]
}

run "refuses_subnet_listed_twice" {
  command = plan

  variables {
    subnet_ids = ["subnet-0f1e2d3c4b5a69781", "subnet-0f1e2d3c4b5a69781"]
  }

  expect_failures = [var.subnet_ids]
}

run "refuses_zone_id_that_is_not_one" {
  command = plan

  variables {
    hosted_zone_id = "/hostedzone/Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.hosted_zone_id]
}
