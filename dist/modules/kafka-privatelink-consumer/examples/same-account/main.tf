terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = "us-east-1"
}

module "provider" {
  source = "../../../kafka-privatelink-provider"

  name                         = "orders"
  vpc_id                       = "vpc-0a1b2c3d4e5f60718"
  subnet_ids                   = ["subnet-0a1b2c3d4e5f60711", "subnet-0a1b2c3d4e5f60722"]
  advertised_hostname          = "orders.kafka.example.internal"
  tcp_idle_timeout_seconds     = 600
  target_type                  = "ip"
  broker_target_port           = 9094
  acceptance_required          = true
  accept_endpoints             = []
  deletion_protection          = false
  deregistration_delay_seconds = 30
  listener_name                = "PRIVATELINK"
  listener_security_protocol   = "SSL"
  bootstrap_port               = 9091
  broker_port_base             = 6000
  brokers = {
    "1" = {
      target = "10.0.1.11"
    }
    "2" = {
      target = "10.0.2.12"
    }
    "3" = {
      target = "10.0.3.13"
    }
  }
  allowed_principals  = ["arn:aws:iam::111122223333:root"]
  allow_any_principal = false
  supported_regions   = []
  tags                = {}
  alarms              = null
}

module "kafka" {
  source = "../.."

  name           = "orders-analytics"
  allowed_cidrs  = ["10.20.0.0/16"]
  allow_any_cidr = false
  vpc_id         = "vpc-0f1e2d3c4b5a69788"
  subnet_ids     = ["subnet-0f1e2d3c4b5a69781"]
  tags           = {}
  connection     = module.provider.connection
  hosted_zone_id = null
}

output "endpoint_id" {
  description = "Output endpoint_id of the module"
  value       = module.kafka.endpoint_id
}

output "zone_id" {
  description = "Output zone_id of the module"
  value       = module.kafka.zone_id
}

output "client_config" {
  description = "Output client_config of the module"
  value       = module.kafka.client_config
}
