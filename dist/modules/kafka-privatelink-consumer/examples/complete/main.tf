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

variable "service_name" {
  description = "Output endpoint_service_name of the provider module (from the cluster's team)."
  type        = string
}

module "kafka" {
  source = "../.."

  name = "orders-analytics"
  connection = {
    service_name        = var.service_name
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
  allowed_cidrs  = ["10.20.0.0/16"]
  allow_any_cidr = false
  vpc_id         = "vpc-0f1e2d3c4b5a69788"
  subnet_ids     = ["subnet-0f1e2d3c4b5a69781"]
  tags           = {}
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
