output "endpoint_service_name" {
  value       = aws_vpc_endpoint_service.this.service_name
  description = "Service name that consumers create their interface endpoints to"
}

output "endpoint_service_id" {
  value       = aws_vpc_endpoint_service.this.id
  description = "ID of the VPC endpoint service (accept connections and manage principals with it)"
}

output "nlb_arn" {
  value       = aws_lb.this.arn
  description = "ARN of the internal Network Load Balancer"
}

output "bootstrap_address" {
  value       = "${var.advertised_hostname}:${var.bootstrap_port}"
  description = "bootstrap.servers for clients: advertised hostname and bootstrap port"
}

output "broker_ports" {
  value       = module.broker_ports.broker_ports
  description = "Broker ID → its NLB listener port (and advertised port)"
}

output "advertised_listeners" {
  value       = { for id, port in module.broker_ports.broker_ports : id => "${var.advertised_hostname}:${port}" }
  description = "Broker ID → the hostname:port the broker must advertise on its PrivateLink listener"
}

output "broker_config" {
  value = { for id, port in module.broker_ports.broker_ports : id => join("\n", [
    "listeners=${var.listener_name}://0.0.0.0:${var.broker_target_port}",
    "advertised.listeners=${var.listener_name}://${var.advertised_hostname}:${port}",
    "listener.security.protocol.map=${var.listener_name}:${var.listener_security_protocol}",
  ]) }
  description = "Broker ID → server.properties lines for its PrivateLink listener (add each entry to the broker's existing lists)"
}

output "connection" {
  value = {
    service_name             = aws_vpc_endpoint_service.this.service_name
    region                   = data.aws_region.current.id
    advertised_hostname      = var.advertised_hostname
    bootstrap_port           = var.bootstrap_port
    broker_ports             = module.broker_ports.broker_ports
    security_protocol        = var.listener_security_protocol
    tcp_idle_timeout_seconds = var.tcp_idle_timeout_seconds
  }
  description = "Everything the consumer module needs, as its `connection` input: pass it as is (same configuration) or as the same object value (another account)."
}
