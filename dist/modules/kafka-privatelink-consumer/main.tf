locals {
  tags           = length(var.tags) > 0 ? var.tags : null
  service_region = (var.connection.region == data.aws_region.current.id) ? null : var.connection.region
}

module "broker_ports" {
  source = "../kafka-broker-ports"

  broker_ids       = [for id in keys(var.connection.broker_ports) : tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))]
  bootstrap_port   = var.connection.bootstrap_port
  broker_port_base = try(one(distinct([for id, p in var.connection.broker_ports : p - tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))])), null)
}

data "aws_region" "current" {}

data "aws_vpc" "this" {
  id = var.vpc_id
}

data "aws_vpc_endpoint_service" "this" {
  service_name    = var.connection.service_name
  service_regions = local.service_region == null ? null : [local.service_region]
}

data "aws_subnet" "endpoint" {
  for_each = { for i, s in var.subnet_ids : tostring(i) => s }

  id = each.value
}

# One group per client CIDR: its bootstrap rule and one rule per broker port, 1 + at most 49, within AWS's
# default 60 inbound rules per group. No inline rules, so Terraform also removes AWS's default allow-all egress
# (the endpoint only answers connections). Name and description only label a group and AWS replaces a group to
# change either: a group keeps those it was created with (0.1.0's one group stays, as the first CIDR's).
resource "aws_security_group" "endpoint" {
  #checkov:skip=CKV2_AWS_5:attached to the interface endpoint (security_group_ids); in a plan the group IDs are not known yet, so a plan scan cannot see it

  for_each = toset(var.allowed_cidrs)

  description = "Kafka PrivateLink endpoint: ${each.value} to the bootstrap and broker ports"
  name        = "${var.name}-kafka-${each.value}"
  tags        = local.tags
  vpc_id      = var.vpc_id

  lifecycle {
    ignore_changes = [name, description]
  }
}

resource "aws_vpc_security_group_ingress_rule" "client" {
  for_each = { for pair in setproduct(var.allowed_cidrs, concat([["bootstrap", var.connection.bootstrap_port]], [for id, port in module.broker_ports.broker_ports : ["broker ${id}", port]])) :
  "${pair[0]}:${pair[1][1]}" => { cidr = pair[0], port = pair[1][1], description = "Kafka ${pair[1][0]} from ${pair[0]}" } }

  cidr_ipv4         = each.value.cidr
  description       = each.value.description
  from_port         = each.value.port
  ip_protocol       = "tcp"
  security_group_id = aws_security_group.endpoint[each.value.cidr].id
  tags              = local.tags
  to_port           = each.value.port
}

# Interface endpoint without private DNS (the service has no name of its own; the zone below resolves the
# advertised hostname). A new CIDR's group is attached only once its rules exist, never empty.
resource "aws_vpc_endpoint" "this" {
  private_dns_enabled = false
  security_group_ids  = [for sg in aws_security_group.endpoint : sg.id]
  service_name        = var.connection.service_name
  service_region      = local.service_region
  subnet_ids          = var.subnet_ids
  tags                = local.tags
  vpc_endpoint_type   = "Interface"
  vpc_id              = var.vpc_id

  lifecycle {
    precondition {
      condition     = data.aws_vpc.this.enable_dns_support && data.aws_vpc.this.enable_dns_hostnames
      error_message = "The client VPC needs enableDnsSupport and enableDnsHostnames for the private hosted zone to resolve the advertised hostname."
    }

    precondition {
      condition     = local.service_region != null || alltrue([for s in data.aws_subnet.endpoint : contains(tolist(data.aws_vpc_endpoint_service.this.availability_zones), s.availability_zone)])
      error_message = "Every endpoint subnet must be in an availability zone where the Kafka endpoint service is offered (data.aws_vpc_endpoint_service.this.availability_zones)."
    }
  }

  depends_on = [aws_vpc_security_group_ingress_rule.client]
}

resource "aws_route53_zone" "this" {
  count = var.hosted_zone_id == null ? 1 : 0

  comment = "Kafka over PrivateLink: resolves the advertised hostname to the interface endpoint"
  name    = var.connection.advertised_hostname
  tags    = local.tags

  vpc {
    vpc_id = var.vpc_id
  }
}

resource "aws_route53_record" "this" {
  #checkov:skip=CKV2_AWS_23:an alias to the interface endpoint's DNS name; in a plan that name is not known yet, so a plan scan cannot see it

  name    = var.connection.advertised_hostname
  type    = "A"
  zone_id = var.hosted_zone_id != null ? var.hosted_zone_id : one(aws_route53_zone.this[*].zone_id)

  alias {
    evaluate_target_health = false
    name                   = aws_vpc_endpoint.this.dns_entry[0].dns_name
    zone_id                = aws_vpc_endpoint.this.dns_entry[0].hosted_zone_id
  }
}
