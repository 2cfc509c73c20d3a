terraform {
  required_version = ">= 1.9"
}

module "broker_ports" {
  source = "../.."

  broker_ids       = [1, 2, 3]
  bootstrap_port   = 9091
  broker_port_base = 6000
}

output "broker_ports" {
  description = "Output broker_ports of the module"
  value       = module.broker_ports.broker_ports
}

output "ports" {
  description = "Output ports of the module"
  value       = module.broker_ports.ports
}
