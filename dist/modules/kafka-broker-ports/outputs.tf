output "broker_ports" {
  value       = { for id in var.broker_ids : tostring(id) => var.broker_port_base + id }
  description = "Broker ID (string) → its NLB listener port, which is also the port it advertises."
}

output "bootstrap_port" {
  value       = var.bootstrap_port
  description = "The bootstrap listener port."
}

output "ports" {
  value       = concat([var.bootstrap_port], [for id in var.broker_ids : var.broker_port_base + id])
  description = "Every listener port: the bootstrap port, then the broker ports in broker_ids order."
}
