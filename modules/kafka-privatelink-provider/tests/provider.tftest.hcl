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
  name                = "orders"
  vpc_id              = "vpc-0a1b2c3d4e5f60718"
  subnet_ids          = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"]
  advertised_hostname = "orders.kafka.example.internal"
  brokers = {
    "1" = {
      target = "10.0.0.11"
    }
    "2" = {
      target = "10.0.0.12"
    }
    "3" = {
      target = "10.0.0.13"
    }
  }
  allowed_principals = ["arn:aws:iam::111122223333:root"]
}

run "one_listener_per_broker_on_its_own_port" {
  command = apply

  assert {
    condition     = aws_lb_listener.bootstrap.port == 9091
    error_message = "the bootstrap listener listens on bootstrap_port"
  }

  assert {
    condition     = length(aws_lb_listener.broker) == length(var.brokers)
    error_message = "one listener per broker"
  }

  assert {
    condition     = alltrue([for id, l in aws_lb_listener.broker : l.port == 6000 + tonumber(id) && l.protocol == "TCP"])
    error_message = "broker N's listener is TCP on 6000 + N"
  }

  assert {
    condition     = aws_lb.this.internal && aws_lb.this.load_balancer_type == "network" && aws_lb.this.enable_cross_zone_load_balancing
    error_message = "an internal NLB with cross-zone load balancing"
  }
}

run "bootstrap_group_holds_every_broker_and_each_broker_group_exactly_one" {
  command = apply

  assert {
    condition     = jsonencode(sort([for a in aws_lb_target_group_attachment.bootstrap : a.target_id])) == jsonencode(sort([for b in values(var.brokers) : b.target]))
    error_message = "the bootstrap group holds every broker"
  }

  assert {
    condition     = length(aws_lb_target_group_attachment.broker) == length(var.brokers) && alltrue([for id, a in aws_lb_target_group_attachment.broker : a.target_id == var.brokers[id].target && a.port == 9094])
    error_message = "each broker's group holds exactly that broker, on broker_target_port"
  }

  assert {
    condition     = alltrue([for g in aws_lb_target_group.broker : g.protocol == "TCP" && g.port == 9094 && !g.proxy_protocol_v2])
    error_message = "broker groups are TCP on broker_target_port, without proxy protocol"
  }
}

run "endpoint_service_requires_acceptance_for_the_principals" {
  command = apply

  assert {
    condition     = aws_vpc_endpoint_service.this.acceptance_required
    error_message = "acceptance is required by default"
  }

  assert {
    condition     = jsonencode(sort(tolist(aws_vpc_endpoint_service.this.allowed_principals))) == jsonencode(sort(var.allowed_principals))
    error_message = "exactly the allowed principals"
  }

  assert {
    condition     = length(aws_vpc_endpoint_connection_accepter.this) == 0
    error_message = "no connection is accepted unless listed"
  }
}

run "accepts_exactly_the_listed_endpoints" {
  command = apply

  variables {
    accept_endpoints = ["vpce-0fedcba9876543210", "vpce-0123456789abcdef0"]
  }

  assert {
    condition     = jsonencode(sort(keys(aws_vpc_endpoint_connection_accepter.this))) == jsonencode(["vpce-0123456789abcdef0", "vpce-0fedcba9876543210"])
    error_message = "one acceptance per endpoint, keyed by endpoint ID"
  }

  assert {
    condition     = alltrue([for id, a in aws_vpc_endpoint_connection_accepter.this : a.vpc_endpoint_id == id && a.vpc_endpoint_service_id == aws_vpc_endpoint_service.this.id])
    error_message = "each accepts its own endpoint's connection to this service"
  }
}

run "settings_reach_every_listener_and_group" {
  command = plan

  variables {
    tcp_idle_timeout_seconds     = 900
    deregistration_delay_seconds = 45
    deletion_protection          = true
    broker_target_port           = 9095
  }

  assert {
    condition     = alltrue([for l in concat([aws_lb_listener.bootstrap], values(aws_lb_listener.broker)) : l.tcp_idle_timeout_seconds == 900])
    error_message = "every listener has the idle timeout"
  }

  assert {
    condition     = alltrue([for g in concat([aws_lb_target_group.bootstrap], values(aws_lb_target_group.broker)) : g.deregistration_delay == "45" && g.port == 9095 && one(g.health_check).protocol == "TCP" && one(g.health_check).port == "traffic-port" && one(g.health_check).interval == 10 && one(g.health_check).timeout == 5])
    error_message = "every group has the deregistration delay, the target port and a TCP health check on it"
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "deletion protection on request"
  }

  assert {
    condition     = aws_lb_target_group.broker["2"].name == "orders-b2-9095" && aws_lb_target_group.bootstrap.name == "orders-boot-9095"
    error_message = "group names carry the target port, so a new port makes new groups"
  }
}

run "registers_instance_targets" {
  command = plan

  variables {
    target_type = "instance"
    brokers = {
      "1" = {
        target = "i-0123456789abcdef1"
      }
      "2" = {
        target = "i-0123456789abcdef2"
      }
    }
  }

  assert {
    condition     = alltrue([for g in concat([aws_lb_target_group.bootstrap], values(aws_lb_target_group.broker)) : g.target_type == "instance"])
    error_message = "the groups register instances"
  }

  assert {
    condition     = aws_lb_target_group.broker["1"].name == "orders-b1-9094i" && aws_lb_target_group.bootstrap.name == "orders-boot-9094i"
    error_message = "group names change with the target type, so old and new groups coexist"
  }

  assert {
    condition     = aws_lb_target_group_attachment.broker["2"].target_id == "i-0123456789abcdef2" && length(aws_lb_target_group_attachment.bootstrap) == 2
    error_message = "each broker's instance is its target"
  }
}

run "cross_region_service_lists_its_own_region_too" {
  command = plan

  variables {
    supported_regions = ["eu-west-1"]
  }

  assert {
    condition     = aws_vpc_endpoint_service.this.supported_regions == toset(["us-east-1", "eu-west-1"])
    error_message = "the other regions and the service's own, which AWS reports"
  }
}

run "refuses_endpoint_id_that_is_not_one" {
  command = plan

  variables {
    accept_endpoints = ["vpce-svc-0123456789abcdef0"]
  }

  expect_failures = [var.accept_endpoints]
}

run "refuses_endpoint_listed_twice" {
  command = plan

  variables {
    accept_endpoints = ["vpce-0fedcba9876543210", "vpce-0fedcba9876543210"]
  }

  expect_failures = [var.accept_endpoints]
}

run "refuses_accepting_when_acceptance_is_not_required" {
  command = plan

  variables {
    acceptance_required = false
    accept_endpoints    = ["vpce-0fedcba9876543210"]
  }

  expect_failures = [var.accept_endpoints]
}

run "connection_describes_the_cluster_for_consumers" {
  command = apply

  assert {
    condition     = output.connection.bootstrap_port == 9091 && output.connection.advertised_hostname == var.advertised_hostname
    error_message = "bootstrap port and hostname"
  }

  assert {
    condition     = jsonencode(output.connection.broker_ports) == jsonencode({ "1" = 6001, "2" = 6002, "3" = 6003 })
    error_message = "the allocated broker ports"
  }

  assert {
    condition     = output.connection.region == "us-east-1" && output.connection.security_protocol == "SSL"
    error_message = "region and protocol"
  }

  assert {
    condition     = output.advertised_listeners["2"] == "orders.kafka.example.internal:6002"
    error_message = "broker 2 advertises its own port"
  }
}

run "outputs_the_client_address_and_each_brokers_listener_config" {
  command = plan

  assert {
    condition     = output.bootstrap_address == "orders.kafka.example.internal:9091"
    error_message = "clients bootstrap on the hostname and the bootstrap port"
  }

  assert {
    condition     = output.broker_config["2"] == "listeners=PRIVATELINK://0.0.0.0:9094\nadvertised.listeners=PRIVATELINK://orders.kafka.example.internal:6002\nlistener.security.protocol.map=PRIVATELINK:SSL"
    error_message = "broker 2 listens on the target port and advertises the hostname with its own port"
  }
}

run "no_alarms_unless_asked" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.broker) == 0 && length(aws_cloudwatch_metric_alarm.bootstrap) == 0
    error_message = "alarms are opt-in"
  }
}

run "alarms_watch_each_broker_group_and_the_bootstrap_group" {
  command = apply

  variables {
    alarms = {
      actions = ["arn:aws:sns:us-east-1:111122223333:kafka-oncall"]
    }
  }

  assert {
    condition     = jsonencode(sort(keys(aws_cloudwatch_metric_alarm.broker))) == jsonencode(sort(keys(var.brokers)))
    error_message = "one alarm per broker, keyed by broker ID"
  }

  assert {
    condition     = alltrue([for id, a in aws_cloudwatch_metric_alarm.broker : a.dimensions.TargetGroup == aws_lb_target_group.broker[id].arn_suffix && a.dimensions.LoadBalancer == aws_lb.this.arn_suffix])
    error_message = "broker N's alarm watches broker N's own target group on this NLB"
  }

  assert {
    condition     = alltrue([for a in concat(values(aws_cloudwatch_metric_alarm.broker), aws_cloudwatch_metric_alarm.bootstrap) : a.namespace == "AWS/NetworkELB" && a.metric_name == "HealthyHostCount" && a.comparison_operator == "LessThanThreshold" && a.threshold == 1])
    error_message = "HealthyHostCount < 1 on the NLB's metrics"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.broker["2"].alarm_name == "orders-broker-2-unhealthy" && aws_cloudwatch_metric_alarm.bootstrap[0].alarm_name == "orders-bootstrap-unhealthy"
    error_message = "alarm names say cluster and broker"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.bootstrap[0].dimensions.TargetGroup == aws_lb_target_group.bootstrap.arn_suffix
    error_message = "one alarm on the bootstrap group"
  }

  assert {
    condition     = alltrue([for a in values(aws_cloudwatch_metric_alarm.broker) : jsonencode(sort(a.alarm_actions)) == jsonencode(["arn:aws:sns:us-east-1:111122223333:kafka-oncall"]) && jsonencode(sort(a.ok_actions)) == jsonencode(["arn:aws:sns:us-east-1:111122223333:kafka-oncall"])])
    error_message = "alarm and recovery notify the actions"
  }
}

run "refuses_alarm_action_that_is_not_an_sns_topic" {
  command = plan

  variables {
    alarms = {
      actions = ["arn:aws:sqs:us-east-1:111122223333:oncall"]
    }
  }

  expect_failures = [var.alarms]
}

run "refuses_alarms_without_actions" {
  command = plan

  variables {
    alarms = {
      actions = []
    }
  }

  expect_failures = [var.alarms]
}

run "refuses_alarm_topic_in_another_region" {
  command = plan

  variables {
    alarms = {
      actions = ["arn:aws:sns:eu-west-1:111122223333:kafka-oncall"]
    }
  }

  expect_failures = [var.alarms]
}

run "accepts_49_brokers" {
  command = plan

  variables {
    brokers = {
      "1" = {
        target = "10.0.0.11"
      }
      "2" = {
        target = "10.0.0.12"
      }
      "3" = {
        target = "10.0.0.13"
      }
      "4" = {
        target = "10.0.0.14"
      }
      "5" = {
        target = "10.0.0.15"
      }
      "6" = {
        target = "10.0.0.16"
      }
      "7" = {
        target = "10.0.0.17"
      }
      "8" = {
        target = "10.0.0.18"
      }
      "9" = {
        target = "10.0.0.19"
      }
      "10" = {
        target = "10.0.0.20"
      }
      "11" = {
        target = "10.0.0.21"
      }
      "12" = {
        target = "10.0.0.22"
      }
      "13" = {
        target = "10.0.0.23"
      }
      "14" = {
        target = "10.0.0.24"
      }
      "15" = {
        target = "10.0.0.25"
      }
      "16" = {
        target = "10.0.0.26"
      }
      "17" = {
        target = "10.0.0.27"
      }
      "18" = {
        target = "10.0.0.28"
      }
      "19" = {
        target = "10.0.0.29"
      }
      "20" = {
        target = "10.0.0.30"
      }
      "21" = {
        target = "10.0.0.31"
      }
      "22" = {
        target = "10.0.0.32"
      }
      "23" = {
        target = "10.0.0.33"
      }
      "24" = {
        target = "10.0.0.34"
      }
      "25" = {
        target = "10.0.0.35"
      }
      "26" = {
        target = "10.0.0.36"
      }
      "27" = {
        target = "10.0.0.37"
      }
      "28" = {
        target = "10.0.0.38"
      }
      "29" = {
        target = "10.0.0.39"
      }
      "30" = {
        target = "10.0.0.40"
      }
      "31" = {
        target = "10.0.0.41"
      }
      "32" = {
        target = "10.0.0.42"
      }
      "33" = {
        target = "10.0.0.43"
      }
      "34" = {
        target = "10.0.0.44"
      }
      "35" = {
        target = "10.0.0.45"
      }
      "36" = {
        target = "10.0.0.46"
      }
      "37" = {
        target = "10.0.0.47"
      }
      "38" = {
        target = "10.0.0.48"
      }
      "39" = {
        target = "10.0.0.49"
      }
      "40" = {
        target = "10.0.0.50"
      }
      "41" = {
        target = "10.0.0.51"
      }
      "42" = {
        target = "10.0.0.52"
      }
      "43" = {
        target = "10.0.0.53"
      }
      "44" = {
        target = "10.0.0.54"
      }
      "45" = {
        target = "10.0.0.55"
      }
      "46" = {
        target = "10.0.0.56"
      }
      "47" = {
        target = "10.0.0.57"
      }
      "48" = {
        target = "10.0.0.58"
      }
      "49" = {
        target = "10.0.0.59"
      }
    }
  }

  assert {
    condition     = length(aws_lb_listener.broker) == 49
    error_message = "49 listeners plus the bootstrap: the NLB's 50"
  }
}

run "refuses_key_that_is_not_a_broker_id" {
  command = plan

  variables {
    brokers = {
      "1" = {
        target = "10.0.1.11"
      }
      "01" = {
        target = "10.0.1.12"
      }
    }
  }

  expect_failures = [var.brokers]
}

run "refuses_public_ip_target" {
  command = plan

  variables {
    brokers = {
      "1" = {
        target = "8.8.8.8"
      }
      "2" = {
        target = "10.0.0.12"
      }
    }
  }

  expect_failures = [var.brokers]
}

run "refuses_shared_target" {
  command = plan

  variables {
    brokers = {
      "1" = {
        target = "10.0.0.11"
      }
      "2" = {
        target = "10.0.0.11"
      }
    }
  }

  expect_failures = [var.brokers]
}

run "refuses_bad_instance_id" {
  command = plan

  variables {
    target_type = "instance"
    brokers = {
      "1" = {
        target = "10.0.0.11"
      }
    }
  }

  expect_failures = [var.brokers]
}

run "refuses_target_group_name_over_32_characters" {
  command = plan

  variables {
    name = "orders-east-primary1"
    brokers = {
      "1" = {
        target = "10.0.0.11"
      }
      "12345" = {
        target = "10.0.61.155"
      }
    }
    broker_port_base   = 1024
    bootstrap_port     = 65000
    broker_target_port = 65535
  }

  expect_failures = [var.brokers]
}

run "refuses_any_principal" {
  command = plan

  variables {
    allowed_principals = ["*"]
  }

  expect_failures = [var.allowed_principals]
}

run "refuses_principal_that_is_not_an_iam_arn" {
  command = plan

  variables {
    allowed_principals = ["111122223333"]
  }

  expect_failures = [var.allowed_principals]
}

run "refuses_principal_in_another_partition" {
  command = plan

  variables {
    allowed_principals = ["arn:aws-cn:iam::111122223333:root"]
  }

  expect_failures = [var.allowed_principals]
}

run "refuses_made_up_supported_region" {
  command = plan

  variables {
    supported_regions = ["us-moon-1"]
  }

  expect_failures = [var.supported_regions]
}

run "refuses_supported_region_in_another_partition" {
  command = plan

  variables {
    supported_regions = ["cn-north-1"]
  }

  expect_failures = [var.supported_regions]
}

run "refuses_name_that_makes_an_internal_nlb_name" {
  command = plan

  variables {
    name = "internal"
  }

  expect_failures = [var.name]
}

run "refuses_target_reserved_in_every_subnet" {
  command = plan

  variables {
    brokers = {
      "1" = {
        target = "10.1.0.3"
      }
      "2" = {
        target = "10.0.0.12"
      }
    }
  }

  expect_failures = [var.brokers]
}

run "refuses_vpc_id_that_is_not_one" {
  command = plan

  variables {
    vpc_id = "vpc-orders"
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
    subnet_ids = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60711"]
  }

  expect_failures = [var.subnet_ids]
}

run "refuses_51_tags" {
  command = plan

  variables {
    tags = {
      k1  = "v"
      k2  = "v"
      k3  = "v"
      k4  = "v"
      k5  = "v"
      k6  = "v"
      k7  = "v"
      k8  = "v"
      k9  = "v"
      k10 = "v"
      k11 = "v"
      k12 = "v"
      k13 = "v"
      k14 = "v"
      k15 = "v"
      k16 = "v"
      k17 = "v"
      k18 = "v"
      k19 = "v"
      k20 = "v"
      k21 = "v"
      k22 = "v"
      k23 = "v"
      k24 = "v"
      k25 = "v"
      k26 = "v"
      k27 = "v"
      k28 = "v"
      k29 = "v"
      k30 = "v"
      k31 = "v"
      k32 = "v"
      k33 = "v"
      k34 = "v"
      k35 = "v"
      k36 = "v"
      k37 = "v"
      k38 = "v"
      k39 = "v"
      k40 = "v"
      k41 = "v"
      k42 = "v"
      k43 = "v"
      k44 = "v"
      k45 = "v"
      k46 = "v"
      k47 = "v"
      k48 = "v"
      k49 = "v"
      k50 = "v"
      k51 = "v"
    }
  }

  expect_failures = [var.tags]
}

run "refuses_aws_tag_key" {
  command = plan

  variables {
    tags = {
      "AWS:owner" = "kafka"
    }
  }

  expect_failures = [var.tags]
}

run "accepts_any_principal_when_allowed" {
  command = plan

  variables {
    allowed_principals  = ["*"]
    allow_any_principal = true
  }

  assert {
    condition     = contains(aws_vpc_endpoint_service.this.allowed_principals, "*")
    error_message = "the explicit opt-in"
  }
}

run "refuses_no_principal" {
  command = plan

  variables {
    allowed_principals = []
  }

  expect_failures = [var.allowed_principals]
}

run "refuses_bad_hostname" {
  command = plan

  variables {
    advertised_hostname = "Orders_Kafka"
  }

  expect_failures = [var.advertised_hostname]
}

run "refuses_name_too_long" {
  command = plan

  variables {
    name = "orders-with-a-long-name"
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

run "refuses_idle_timeout_out_of_range" {
  command = plan

  variables {
    tcp_idle_timeout_seconds = 59
  }

  expect_failures = [var.tcp_idle_timeout_seconds]
}

run "refuses_unknown_target_type" {
  command = plan

  variables {
    target_type = "alb"
  }

  expect_failures = [var.target_type]
}

run "refuses_broker_target_port_out_of_range" {
  command = plan

  variables {
    broker_target_port = 0
  }

  expect_failures = [var.broker_target_port]
}

run "refuses_deregistration_delay_out_of_range" {
  command = plan

  variables {
    deregistration_delay_seconds = 3601
  }

  expect_failures = [var.deregistration_delay_seconds]
}

run "refuses_lower_case_listener_name" {
  command = plan

  variables {
    listener_name = "privatelink"
  }

  expect_failures = [var.listener_name]
}

run "refuses_unknown_security_protocol" {
  command = plan

  variables {
    listener_security_protocol = "TLS"
  }

  expect_failures = [var.listener_security_protocol]
}
