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

module "kafka" {
  source = "../.."

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

output "endpoint_service_name" {
  description = "Output endpoint_service_name of the module"
  value       = module.kafka.endpoint_service_name
}

output "bootstrap_address" {
  description = "Output bootstrap_address of the module"
  value       = module.kafka.bootstrap_address
}

output "broker_ports" {
  description = "Output broker_ports of the module"
  value       = module.kafka.broker_ports
}

output "broker_config" {
  description = "Output broker_config of the module"
  value       = module.kafka.broker_config
}

output "connection" {
  description = "Output connection of the module"
  value       = module.kafka.connection
}
