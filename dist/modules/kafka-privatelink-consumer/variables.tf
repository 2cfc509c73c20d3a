variable "name" {
  description = "Prefix of the AWS resource names (1-64 characters of a-z, 0-9, '-')."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z](?:[a-z0-9-]{0,62}[a-z0-9])?$", var.name))
    error_message = "name: \"${var.name}\" must be 1-64 characters of a-z, 0-9 and '-', start with a letter and not end with '-'."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : length("${var.name}-kafka-${c}") <= 255 && can(regex("^[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]+$", "${var.name}-kafka-${c}")) && !startswith("${var.name}-kafka-${c}", "sg-")])
    error_message = "name: \"${var.name}\" makes the security group name ${join(", ", [for c in var.allowed_cidrs : jsonencode("${var.name}-kafka-${c}") if !(length("${var.name}-kafka-${c}") <= 255 && can(regex("^[A-Za-z0-9 ._\\-:/()#,@\\[\\]+=&;{}!$*]+$", "${var.name}-kafka-${c}")) && !startswith("${var.name}-kafka-${c}", "sg-"))])}, which breaks AWS's rule for security group names: 1-255 characters of letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*, not beginning with \"sg-\"."
  }
}

variable "tags" {
  description = "Tags for every resource that takes tags: at most 50, keys of 1-128 and values of 0-256 characters (letters, digits, spaces and _ . : / = + - @), no key beginning with aws:."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(var.tags) <= 50
    error_message = "tags: ${length(var.tags)} tags given; tags must hold at most 50 tags (AWS's limit per resource)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : can(regex("^(?s:.{1,128})$", k)) && can(regex("^[\\p{L}\\p{Zs}\\p{N}_.:/=+\\-@]*$", k)) && !can(regex("^[Aa][Ww][Ss]:", k))])
    error_message = "tags: key ${join(", ", [for k, v in var.tags : jsonencode(k) if !(can(regex("^(?s:.{1,128})$", k)) && can(regex("^[\\p{L}\\p{Zs}\\p{N}_.:/=+\\-@]*$", k)) && !can(regex("^[Aa][Ww][Ss]:", k)))])} is not a tag key AWS takes: 1-128 characters that hold only letters, digits, spaces and _ . : / = + - @ (AWS's tag characters), not beginning with aws: (reserved for AWS)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : can(regex("^(?s:.{0,256})$", v)) && can(regex("^[\\p{L}\\p{Zs}\\p{N}_.:/=+\\-@]*$", v))])
    error_message = "tags: the value of ${join(", ", [for k, v in var.tags : jsonencode(k) if !(can(regex("^(?s:.{0,256})$", v)) && can(regex("^[\\p{L}\\p{Zs}\\p{N}_.:/=+\\-@]*$", v)))])} is not a tag value AWS takes: 0-256 characters that hold only letters, digits, spaces and _ . : / = + - @ (AWS's tag characters)."
  }
}

variable "vpc_id" {
  description = "The client VPC, with DNS support and DNS hostnames on (for the private zone): the endpoint and its security groups are created in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id: ${jsonencode(var.vpc_id)} must be a VPC ID such as vpc-0a1b2c3d4e5f60718."
  }
}

variable "subnet_ids" {
  description = "Subnets of the endpoint, one per availability zone the clients run in."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.subnet_ids) >= 1
    error_message = "subnet_ids must list at least one subnet."
  }

  validation {
    condition     = alltrue([for e in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", e))])
    error_message = "subnet_ids: ${join(", ", [for e in var.subnet_ids : jsonencode(e) if !(can(regex("^subnet-[0-9a-f]{8,17}$", e)))])} is not a subnet ID such as subnet-0a1b2c3d4e5f60718."
  }

  validation {
    condition     = length(distinct(var.subnet_ids)) == length(var.subnet_ids)
    error_message = "subnet_ids: ${join(", ", distinct([for e in var.subnet_ids : e if length([for o in var.subnet_ids : o if o == e]) > 1]))} is listed more than once."
  }
}

variable "hosted_zone_id" {
  description = "An existing private hosted zone, associated with the VPC, to put the record in. null: create a zone named exactly the advertised hostname."
  type        = string
  default     = null
  nullable    = true

  validation {
    condition     = var.hosted_zone_id == null || try(can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id)), false)
    error_message = "hosted_zone_id: ${jsonencode(var.hosted_zone_id)} must be a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ."
  }
}

variable "connection" {
  description = "The cluster as the provider module describes it: its output `connection`, passed as is or, from another account, as the same object value (service name, region, hostname, bootstrap port, broker ports, security protocol, idle timeout)."
  type = object({
    service_name             = string
    region                   = string
    advertised_hostname      = string
    bootstrap_port           = number
    broker_ports             = map(number)
    security_protocol        = string
    tcp_idle_timeout_seconds = number
  })
  nullable = false

  validation {
    condition     = can(regex("^com\\.amazonaws\\.vpce\\.([a-z0-9-]+)\\.vpce-svc-[0-9a-f]{8,17}$", var.connection.service_name))
    error_message = "connection.service_name: ${jsonencode(var.connection.service_name)} must be a VPC endpoint service name such as com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0."
  }

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.connection.region))
    error_message = "connection.region: \"${var.connection.region}\" is not an AWS region name."
  }

  validation {
    condition     = length(var.connection.advertised_hostname) <= 253 && can(regex("^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.connection.advertised_hostname))
    error_message = "connection.advertised_hostname: ${jsonencode(var.connection.advertised_hostname)} must be a lower-case DNS name with at least two labels, such as orders.kafka.example.internal."
  }

  validation {
    condition     = contains(["SSL", "SASL_SSL", "PLAINTEXT", "SASL_PLAINTEXT"], var.connection.security_protocol)
    error_message = "connection.security_protocol: ${jsonencode(var.connection.security_protocol)} must be one of SSL, SASL_SSL, PLAINTEXT, SASL_PLAINTEXT."
  }

  validation {
    condition     = alltrue([for id in keys(var.connection.broker_ports) : can(regex("^(0|[1-9][0-9]*)$", id))])
    error_message = "connection.broker_ports: key ${join(", ", [for id in keys(var.connection.broker_ports) : jsonencode(id) if !can(regex("^(0|[1-9][0-9]*)$", id))])} is not a broker ID."
  }

  validation {
    condition     = length(distinct([for id, p in var.connection.broker_ports : p - tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))])) <= 1
    error_message = "connection.broker_ports: ${jsonencode(var.connection.broker_ports)} is not one base + broker ID for every broker (port bases ${join(", ", distinct([for id, p in var.connection.broker_ports : p - tonumber(id) if can(regex("^(0|[1-9][0-9]*)$", id))]))}); pass the provider module's output connection as it is."
  }

  validation {
    condition     = floor(var.connection.tcp_idle_timeout_seconds) == var.connection.tcp_idle_timeout_seconds && var.connection.tcp_idle_timeout_seconds >= 60 && var.connection.tcp_idle_timeout_seconds <= 6000
    error_message = "connection.tcp_idle_timeout_seconds: ${var.connection.tcp_idle_timeout_seconds} must be an integer from 60 to 6000 (NLB TCP listener idle timeout)."
  }
}

variable "allowed_cidrs" {
  description = "Client IPv4 CIDR blocks allowed to reach the bootstrap and broker ports, at most 5 (one security group each). 0.0.0.0/0 only with allow_any_cidr."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_cidrs) >= 1
    error_message = "allowed_cidrs must list at least one CIDR block."
  }

  validation {
    condition     = length(var.allowed_cidrs) <= 5
    error_message = "allowed_cidrs: ${length(var.allowed_cidrs)} CIDR blocks given, at most 5: each gets its own security group on the endpoint, and AWS allows 5 security groups per network interface by default (quota \"Security groups per network interface\")."
  }

  validation {
    condition     = length(distinct(var.allowed_cidrs)) == length(var.allowed_cidrs)
    error_message = "allowed_cidrs: ${join(", ", distinct([for e in var.allowed_cidrs : e if length([for o in var.allowed_cidrs : o if o == e]) > 1]))} is listed more than once."
  }

  validation {
    condition     = alltrue([for c in var.allowed_cidrs : can(cidrnetmask(c)) && try("${cidrhost(c, 0)}/${tonumber(split("/", c)[1])}" == c, false)])
    error_message = "allowed_cidrs: ${join(", ", [for c in var.allowed_cidrs : jsonencode(c) if !(can(cidrnetmask(c)) && try("${cidrhost(c, 0)}/${tonumber(split("/", c)[1])}" == c, false))])} is not an IPv4 CIDR block written as its network address, such as 10.20.0.0/16."
  }

  validation {
    condition     = var.allow_any_cidr || !contains(var.allowed_cidrs, "0.0.0.0/0")
    error_message = "allowed_cidrs: 0.0.0.0/0 opens the Kafka ports to every address; set allow_any_cidr = true to allow it."
  }

  validation {
    condition     = var.allow_any_cidr || contains(var.allowed_cidrs, "0.0.0.0/0") || !try(sum(concat([0], [for a in distinct(var.allowed_cidrs) : pow(2, 32 - tonumber(split("/", a)[1])) if !anytrue([for b in distinct(var.allowed_cidrs) : b != a && sum([for i, o in split(".", split("/", b)[0]) : tonumber(o) * pow(256, 3 - i)]) <= sum([for i, o in split(".", split("/", a)[0]) : tonumber(o) * pow(256, 3 - i)]) && sum([for i, o in split(".", split("/", a)[0]) : tonumber(o) * pow(256, 3 - i)]) + pow(2, 32 - tonumber(split("/", a)[1])) <= sum([for i, o in split(".", split("/", b)[0]) : tonumber(o) * pow(256, 3 - i)]) + pow(2, 32 - tonumber(split("/", b)[1]))])])) == pow(2, 32), false)
    error_message = "allowed_cidrs: ${jsonencode(var.allowed_cidrs)} together cover every IPv4 address, as 0.0.0.0/0 does, and open the bootstrap and broker ports to every address; list the client CIDRs, or set allow_any_cidr = true to allow it."
  }
}

variable "allow_any_cidr" {
  description = "Allow 0.0.0.0/0 in allowed_cidrs, or blocks that together cover every address."
  type        = bool
  default     = false
  nullable    = false
}
