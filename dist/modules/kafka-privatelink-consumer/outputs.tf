output "endpoint_id" {
  value       = aws_vpc_endpoint.this.id
  description = "ID of the interface VPC endpoint (the provider accepts its connection)"
}

output "endpoint_dns_name" {
  value       = aws_vpc_endpoint.this.dns_entry[0].dns_name
  description = "Regional DNS name of the interface endpoint"
}

output "zone_id" {
  value       = var.hosted_zone_id != null ? var.hosted_zone_id : one(aws_route53_zone.this[*].zone_id)
  description = "Route 53 hosted zone that resolves the advertised hostname"
}

output "security_group_ids" {
  value       = { for cidr, sg in aws_security_group.endpoint : cidr => sg.id }
  description = "Security groups of the endpoint, keyed by client CIDR"
}

output "client_config" {
  value = join("\n", [
    "bootstrap.servers=${var.connection.advertised_hostname}:${var.connection.bootstrap_port}",
    "security.protocol=${var.connection.security_protocol}",
    "connections.max.idle.ms=${min(540000, floor(var.connection.tcp_idle_timeout_seconds * 0.9) * 1000)}",
  ])
  description = "Client .properties lines: bootstrap.servers, security.protocol and an idle timeout below the NLB's"
}
