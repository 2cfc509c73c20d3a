locals {
  region_partitions = {
    af-south-1      = "aws"
    ap-east-1       = "aws"
    ap-east-2       = "aws"
    ap-northeast-1  = "aws"
    ap-northeast-2  = "aws"
    ap-northeast-3  = "aws"
    ap-south-1      = "aws"
    ap-south-2      = "aws"
    ap-southeast-1  = "aws"
    ap-southeast-2  = "aws"
    ap-southeast-3  = "aws"
    ap-southeast-4  = "aws"
    ap-southeast-5  = "aws"
    ap-southeast-6  = "aws"
    ap-southeast-7  = "aws"
    ca-central-1    = "aws"
    ca-west-1       = "aws"
    cn-north-1      = "aws-cn"
    cn-northwest-1  = "aws-cn"
    eu-central-1    = "aws"
    eu-central-2    = "aws"
    eu-isoe-west-1  = "aws-iso-e"
    eu-north-1      = "aws"
    eu-south-1      = "aws"
    eu-south-2      = "aws"
    eu-west-1       = "aws"
    eu-west-2       = "aws"
    eu-west-3       = "aws"
    il-central-1    = "aws"
    me-central-1    = "aws"
    me-south-1      = "aws"
    me-west-1       = "aws"
    mx-central-1    = "aws"
    sa-east-1       = "aws"
    sa-west-1       = "aws"
    us-east-1       = "aws"
    us-east-2       = "aws"
    us-gov-east-1   = "aws-us-gov"
    us-gov-west-1   = "aws-us-gov"
    us-iso-east-1   = "aws-iso"
    us-iso-west-1   = "aws-iso"
    us-isob-east-1  = "aws-iso-b"
    us-isob-west-1  = "aws-iso-b"
    us-isof-east-1  = "aws-iso-f"
    us-isof-south-1 = "aws-iso-f"
    us-west-1       = "aws"
    us-west-2       = "aws"
  }
  tags = length(var.tags) > 0 ? var.tags : null
}

module "broker_ports" {
  source = "../kafka-broker-ports"

  broker_ids       = [for id in keys(var.brokers) : tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))]
  bootstrap_port   = var.bootstrap_port
  broker_port_base = var.broker_port_base
}

data "aws_region" "current" {}

# Internal, and created without security groups (an NLB only gets them at creation): access is the consumers'
# endpoint security groups and the allowed principals. Cross-zone is off by default on NLBs; a node then only
# reaches targets in its own AZ, and a one-broker target group would be unreachable from every other AZ.
resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:NLB access logs are only written for TLS listeners; these are TCP (Kafka terminates its own TLS)
  #checkov:skip=CKV_AWS_150:deletion protection is the caller's choice (input deletion_protection), off by default so a plan can remove a cluster

  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = var.deletion_protection
  internal                         = true
  load_balancer_type               = "network"
  name                             = "${var.name}-nlb"
  subnets                          = var.subnet_ids
  tags                             = local.tags
}

# Every broker: a client bootstraps through any of them. TCP, without the PROXY protocol (Kafka does not parse it).
# The name carries what replaces a group (target port and type), and the new group exists before the old one goes:
# a listener never lets go of the group it forwards to.
resource "aws_lb_target_group" "bootstrap" {
  deregistration_delay = var.deregistration_delay_seconds
  name                 = "${var.name}-boot-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}"
  port                 = var.broker_target_port
  protocol             = "TCP"
  proxy_protocol_v2    = false
  tags                 = local.tags
  target_type          = var.target_type
  vpc_id               = var.vpc_id

  health_check {
    enabled             = true
    healthy_threshold   = 3
    interval            = 10
    port                = "traffic-port"
    protocol            = "TCP"
    timeout             = 5
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

# One group per broker, holding only that broker, keyed by broker ID: the port is the only thing that tells
# brokers apart behind one hostname, and adding or removing a broker touches only its own resources.
resource "aws_lb_target_group" "broker" {
  for_each = module.broker_ports.broker_ports

  deregistration_delay = var.deregistration_delay_seconds
  name                 = "${var.name}-b${each.key}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}"
  port                 = var.broker_target_port
  protocol             = "TCP"
  proxy_protocol_v2    = false
  tags                 = local.tags
  target_type          = var.target_type
  vpc_id               = var.vpc_id

  health_check {
    enabled             = true
    healthy_threshold   = 3
    interval            = 10
    port                = "traffic-port"
    protocol            = "TCP"
    timeout             = 5
    unhealthy_threshold = 3
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_target_group_attachment" "bootstrap" {
  for_each = var.brokers

  port             = var.broker_target_port
  target_group_arn = aws_lb_target_group.bootstrap.arn
  target_id        = each.value.target
}

resource "aws_lb_target_group_attachment" "broker" {
  for_each = var.brokers

  port             = var.broker_target_port
  target_group_arn = aws_lb_target_group.broker[each.key].arn
  target_id        = each.value.target
}

resource "aws_lb_listener" "bootstrap" {
  load_balancer_arn        = aws_lb.this.arn
  port                     = var.bootstrap_port
  protocol                 = "TCP"
  tags                     = local.tags
  tcp_idle_timeout_seconds = var.tcp_idle_timeout_seconds

  default_action {
    target_group_arn = aws_lb_target_group.bootstrap.arn
    type             = "forward"
  }
}

# One TCP listener per broker on that broker's own port (from kafka-broker-ports), forwarding to its own group:
# listener "3" -> group "3" -> broker "3". TCP, not TLS: Kafka terminates its own TLS and SASL.
resource "aws_lb_listener" "broker" {
  for_each = module.broker_ports.broker_ports

  load_balancer_arn        = aws_lb.this.arn
  port                     = each.value
  protocol                 = "TCP"
  tags                     = local.tags
  tcp_idle_timeout_seconds = var.tcp_idle_timeout_seconds

  default_action {
    target_group_arn = aws_lb_target_group.broker[each.key].arn
    type             = "forward"
  }
}

resource "aws_cloudwatch_metric_alarm" "bootstrap" {
  count = var.alarms != null ? 1 : 0

  alarm_actions       = var.alarms.actions
  alarm_description   = "Kafka cluster ${var.name}: no healthy broker behind the bootstrap listener (port ${var.bootstrap_port}); PrivateLink clients cannot bootstrap."
  alarm_name          = "${var.name}-bootstrap-unhealthy"
  comparison_operator = "LessThanThreshold"
  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.bootstrap.arn_suffix
  }
  evaluation_periods = 2
  metric_name        = "HealthyHostCount"
  namespace          = "AWS/NetworkELB"
  ok_actions         = var.alarms.actions
  period             = 60
  statistic          = "Minimum"
  tags               = local.tags
  threshold          = 1
  treat_missing_data = "breaching"
}

resource "aws_cloudwatch_metric_alarm" "broker" {
  for_each = var.alarms != null ? module.broker_ports.broker_ports : {}

  alarm_actions       = var.alarms.actions
  alarm_description   = "Kafka cluster ${var.name}: broker ${each.key} (listener port ${each.value}) has no healthy target; PrivateLink clients cannot reach the partitions it leads."
  alarm_name          = "${var.name}-broker-${each.key}-unhealthy"
  comparison_operator = "LessThanThreshold"
  dimensions = {
    LoadBalancer = aws_lb.this.arn_suffix
    TargetGroup  = aws_lb_target_group.broker[each.key].arn_suffix
  }
  evaluation_periods = 2
  metric_name        = "HealthyHostCount"
  namespace          = "AWS/NetworkELB"
  ok_actions         = var.alarms.actions
  period             = 60
  statistic          = "Minimum"
  tags               = local.tags
  threshold          = 1
  treat_missing_data = "breaching"
}

# Acceptance is required by default, and the principals are explicit ("*" only with allow_any_principal).
# AWS reports the service's own region among its supported regions, so it is listed too.
resource "aws_vpc_endpoint_service" "this" {
  acceptance_required        = var.acceptance_required
  allowed_principals         = var.allowed_principals
  network_load_balancer_arns = [aws_lb.this.arn]
  supported_regions          = length(var.supported_regions) > 0 ? distinct(concat([data.aws_region.current.id], var.supported_regions)) : null
  tags                       = local.tags
}

resource "aws_vpc_endpoint_connection_accepter" "this" {
  for_each = toset(var.accept_endpoints)

  vpc_endpoint_id         = each.key
  vpc_endpoint_service_id = aws_vpc_endpoint_service.this.id
}
