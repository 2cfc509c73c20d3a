variable "name" {
  description = "Prefix of the AWS resource names (1-20 characters of a-z, 0-9, '-')."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?$", var.name))
    error_message = "name: ${jsonencode(var.name)} must be 1-20 characters of a-z, 0-9 and '-', start with a letter and not end with '-' (it prefixes target group names of at most 32 characters)."
  }

  validation {
    condition     = length("${var.name}-nlb") <= 32 && can(regex("^[A-Za-z0-9-]+$", "${var.name}-nlb")) && !startswith("${var.name}-nlb", "-") && !endswith("${var.name}-nlb", "-") && !startswith("${var.name}-nlb", "internal-")
    error_message = "name: \"${var.name}\" makes the load balancer name ${jsonencode("${var.name}-nlb")}, which breaks AWS's rule for load balancer names: 1-32 characters of letters, digits and '-', not beginning or ending with '-', not beginning with \"internal-\"."
  }
}

variable "vpc_id" {
  description = "The brokers' VPC: the NLB and its target groups are created in it."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id: ${jsonencode(var.vpc_id)} must be a VPC ID such as vpc-0a1b2c3d4e5f60718."
  }
}

variable "subnet_ids" {
  description = "Subnets of the NLB, one per availability zone that should serve clients."
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

variable "advertised_hostname" {
  description = "The one hostname every broker advertises (all brokers share it; the port tells them apart)."
  type        = string
  nullable    = false

  validation {
    condition     = length(var.advertised_hostname) <= 253 && can(regex("^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.advertised_hostname))
    error_message = "advertised_hostname: ${jsonencode(var.advertised_hostname)} must be a lower-case DNS name with at least two labels, such as orders.kafka.example.internal."
  }
}

variable "tcp_idle_timeout_seconds" {
  description = "NLB TCP listener idle timeout in seconds (60-6000); clients should close idle connections before it."
  type        = number
  default     = 600
  nullable    = false

  validation {
    condition     = floor(var.tcp_idle_timeout_seconds) == var.tcp_idle_timeout_seconds && var.tcp_idle_timeout_seconds >= 60 && var.tcp_idle_timeout_seconds <= 6000
    error_message = "tcp_idle_timeout_seconds: ${var.tcp_idle_timeout_seconds} must be an integer from 60 to 6000 (NLB TCP listener idle timeout)."
  }
}

variable "target_type" {
  description = "How brokers are registered: ip (private IPv4 addresses) or instance (EC2 instance IDs)."
  type        = string
  default     = "ip"
  nullable    = false

  validation {
    condition     = contains(["ip", "instance"], var.target_type)
    error_message = "target_type: ${jsonencode(var.target_type)} must be one of ip, instance."
  }
}

variable "broker_target_port" {
  description = "Port on each broker that the NLB forwards to: the broker's dedicated PrivateLink listener."
  type        = number
  default     = 9094
  nullable    = false

  validation {
    condition     = floor(var.broker_target_port) == var.broker_target_port && var.broker_target_port >= 1 && var.broker_target_port <= 65535
    error_message = "broker_target_port: ${var.broker_target_port} must be an integer from 1 to 65535."
  }
}

variable "acceptance_required" {
  description = "Whether each endpoint connection waits for the provider to accept it."
  type        = bool
  default     = true
  nullable    = false
}

variable "accept_endpoints" {
  description = "Interface endpoint IDs (vpce-...) whose connections to the service are accepted (each consumer's output endpoint_id). Removing an ID later rejects that endpoint's connection. Needs acceptance_required."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for e in var.accept_endpoints : can(regex("^vpce-[0-9a-f]{8,17}$", e))])
    error_message = "accept_endpoints: ${join(", ", [for e in var.accept_endpoints : jsonencode(e) if !(can(regex("^vpce-[0-9a-f]{8,17}$", e)))])} is not an interface endpoint ID such as vpce-0123456789abcdef0."
  }

  validation {
    condition     = length(distinct(var.accept_endpoints)) == length(var.accept_endpoints)
    error_message = "accept_endpoints: ${join(", ", distinct([for e in var.accept_endpoints : e if length([for o in var.accept_endpoints : o if o == e]) > 1]))} is listed more than once."
  }

  validation {
    condition     = length(var.accept_endpoints) == 0 || var.acceptance_required
    error_message = "accept_endpoints: acceptance_required is false, so every connection is accepted without approval; leave accept_endpoints empty or set acceptance_required = true."
  }
}

variable "deletion_protection" {
  description = "Turn on the NLB's deletion protection: a destroy or replacement fails until it is turned off."
  type        = bool
  default     = false
  nullable    = false
}

variable "deregistration_delay_seconds" {
  description = "Seconds a deregistering broker keeps its connections (0-3600)."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = floor(var.deregistration_delay_seconds) == var.deregistration_delay_seconds && var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds: ${var.deregistration_delay_seconds} must be an integer from 0 to 3600."
  }
}

variable "listener_name" {
  description = "Kafka listener name used in the broker config snippets."
  type        = string
  default     = "PRIVATELINK"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Z][A-Z0-9_]{0,31}$", var.listener_name))
    error_message = "listener_name: ${jsonencode(var.listener_name)} must be an upper-case Kafka listener name such as PRIVATELINK."
  }
}

variable "listener_security_protocol" {
  description = "Security protocol of the brokers' PrivateLink listener."
  type        = string
  default     = "SSL"
  nullable    = false

  validation {
    condition     = contains(["SSL", "SASL_SSL", "PLAINTEXT", "SASL_PLAINTEXT"], var.listener_security_protocol)
    error_message = "listener_security_protocol: ${jsonencode(var.listener_security_protocol)} must be one of SSL, SASL_SSL, PLAINTEXT, SASL_PLAINTEXT."
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

variable "bootstrap_port" {
  description = "NLB listener port that reaches any broker (clients' bootstrap.servers port)."
  type        = number
  default     = 9091
  nullable    = false
}

variable "broker_port_base" {
  description = "Broker port = broker_port_base + broker ID; a broker's port never depends on the other brokers."
  type        = number
  default     = 6000
  nullable    = false
}

variable "brokers" {
  description = "Brokers keyed by broker ID (\"1\", \"2\", ...): target is the broker's private IPv4 address (target_type ip) or EC2 instance ID (target_type instance). At most 49 (an NLB has 50 listeners; one is the bootstrap)."
  type        = map(object({ target = string }))
  nullable    = false

  validation {
    condition     = alltrue([for id in keys(var.brokers) : can(regex("^(0|[1-9][0-9]*)$", id))])
    error_message = "brokers: key ${join(", ", [for id in keys(var.brokers) : jsonencode(id) if !can(regex("^(0|[1-9][0-9]*)$", id))])} is not a broker ID; keys are non-negative integers without leading zeros, as strings."
  }

  validation {
    condition     = var.target_type != "ip" || alltrue([for b in values(var.brokers) : can(regex("^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.)", b.target)) && try(cidrhost("${b.target}/32", 0) == b.target, false)])
    error_message = "brokers: ${join(", ", [for id, b in var.brokers : "broker ${id} target ${jsonencode(b.target)}" if !(can(regex("^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|100\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.)", b.target)) && try(cidrhost("${b.target}/32", 0) == b.target, false))])} is not a private IPv4 address (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10), which target_type ip needs."
  }

  validation {
    condition     = var.target_type != "instance" || alltrue([for b in values(var.brokers) : can(regex("^i-[0-9a-f]{8,17}$", b.target))])
    error_message = "brokers: ${join(", ", [for id, b in var.brokers : "broker ${id} target ${jsonencode(b.target)}" if !(can(regex("^i-[0-9a-f]{8,17}$", b.target)))])} is not an EC2 instance ID such as i-0123456789abcdef0, which target_type instance needs."
  }

  validation {
    condition     = length(distinct([for b in values(var.brokers) : b.target])) == length(var.brokers)
    error_message = "brokers: ${join("; ", [for t in distinct([for b in values(var.brokers) : b.target]) : "brokers ${join(", ", [for id, b in var.brokers : id if b.target == t])} share target ${t}" if length([for b in values(var.brokers) : b if b.target == t]) > 1])}; each broker needs its own target."
  }

  validation {
    condition     = alltrue([for id in keys(var.brokers) : length("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}") <= 32 && can(regex("^[A-Za-z0-9-]+$", "${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}")) && !startswith("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}", "-") && !endswith("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}", "-")])
    error_message = "brokers: target group name ${join(", ", [for id in keys(var.brokers) : jsonencode("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}") if !(length("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}") <= 32 && can(regex("^[A-Za-z0-9-]+$", "${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}")) && !startswith("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}", "-") && !endswith("${var.name}-b${id}-${var.broker_target_port}${var.target_type == "instance" ? "i" : ""}", "-"))])} (<name>-b<broker ID>-<broker_target_port>[i]) breaks AWS's rule for target group names: 1-32 characters of letters, digits and '-', not beginning or ending with '-'; shorten name."
  }

  validation {
    condition     = var.target_type != "ip" || !anytrue([for b in values(var.brokers) : try(contains([0, 1, 2, 3, 65535], tonumber(split(".", b.target)[2]) * 256 + tonumber(split(".", b.target)[3])), false)])
    error_message = "brokers: ${join(", ", [for id, b in var.brokers : "broker ${id} target ${jsonencode(b.target)}" if try(contains([0, 1, 2, 3, 65535], tonumber(split(".", b.target)[2]) * 256 + tonumber(split(".", b.target)[3])), false)])} is reserved in every subnet that could hold it: AWS reserves the first four and the last address of every subnet (/16 to /28), and an address whose last 16 bits are 0-3 or all ones is one of those in each of them."
  }
}

variable "allowed_principals" {
  description = "IAM principal ARNs allowed to create endpoints to the service. \"*\" only with allow_any_principal."
  type        = list(string)
  nullable    = false

  validation {
    condition     = length(var.allowed_principals) >= 1
    error_message = "allowed_principals must list at least one principal."
  }

  validation {
    condition     = var.allow_any_principal || !contains(var.allowed_principals, "*")
    error_message = "allowed_principals: \"*\" lets every AWS account connect; set allow_any_principal = true to allow it."
  }

  validation {
    condition     = alltrue([for p in var.allowed_principals : p == "*" || try(regex("^arn:([a-z][a-z-]*):iam::\\d{12}:(?:root|role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}|user/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$", p)[0], "") != ""])
    error_message = "allowed_principals: ${join(", ", [for p in var.allowed_principals : jsonencode(p) if p != "*" && try(regex("^arn:([a-z][a-z-]*):iam::\\d{12}:(?:root|role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}|user/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$", p)[0], "") == ""])} must be \"*\" or an IAM principal ARN: arn:<partition>:iam::<12-digit account>:root, …:role/<name> or …:user/<name> (names: letters, digits and + = , . @ _ -)."
  }

  validation {
    condition     = alltrue([for p in var.allowed_principals : contains(["", lookup(local.region_partitions, data.aws_region.current.id, "")], try(regex("^arn:([a-z][a-z-]*):iam::\\d{12}:(?:root|role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}|user/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$", p)[0], "")) || lookup(local.region_partitions, data.aws_region.current.id, "") == ""])
    error_message = "allowed_principals: ${join(", ", [for p in var.allowed_principals : jsonencode(p) if !contains(["", lookup(local.region_partitions, data.aws_region.current.id, "")], try(regex("^arn:([a-z][a-z-]*):iam::\\d{12}:(?:root|role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}|user/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64})$", p)[0], ""))])} is not in partition ${jsonencode(lookup(local.region_partitions, data.aws_region.current.id, ""))} of the service's region ${data.aws_region.current.id}; IAM principals do not cross partitions."
  }
}

variable "allow_any_principal" {
  description = "Allow \"*\" in allowed_principals."
  type        = bool
  default     = false
  nullable    = false
}

variable "supported_regions" {
  description = "Other regions whose VPCs may connect (cross-region PrivateLink), AWS regions of the service's partition; the service's own region is added. Empty: same region only."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for r in var.supported_regions : contains(keys(local.region_partitions), r)])
    error_message = "supported_regions: ${join(", ", [for r in var.supported_regions : jsonencode(r) if !contains(keys(local.region_partitions), r)])} is not an AWS region (the regions of @aws-sdk/util-endpoints 3.996.53, @aws-sdk/core 3.981.1)."
  }

  validation {
    condition     = alltrue([for r in var.supported_regions : !contains(keys(local.region_partitions), r) || contains(["", lookup(local.region_partitions, r, "")], lookup(local.region_partitions, data.aws_region.current.id, ""))])
    error_message = "supported_regions: ${join(", ", [for r in var.supported_regions : jsonencode(r) if contains(keys(local.region_partitions), r) && !contains(["", lookup(local.region_partitions, r, "")], lookup(local.region_partitions, data.aws_region.current.id, ""))])} is not in partition ${jsonencode(lookup(local.region_partitions, data.aws_region.current.id, ""))} of the service's region ${data.aws_region.current.id}; PrivateLink does not cross partitions."
  }
}

variable "alarms" {
  description = "Health alarms: one CloudWatch alarm per broker's own target group (keyed by broker ID) and one on the bootstrap group, on AWS/NetworkELB HealthyHostCount < 1, notifying actions (SNS topic ARNs in this region) on alarm and recovery. null: no alarms."
  type        = object({ actions = list(string) })
  default     = null
  nullable    = true

  validation {
    condition     = var.alarms == null || (length(try(var.alarms.actions, [])) >= 1 && alltrue([for a in try(var.alarms.actions, []) : can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", a))]))
    error_message = "alarms.actions: ${length(try(var.alarms.actions, [])) == 0 ? "no action listed; list at least one SNS topic ARN, or set alarms = null for no alarms" : format("%s is not an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:kafka-oncall", join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if !(can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", a)))]))}."
  }

  validation {
    condition     = alltrue([for a in try(var.alarms.actions, []) : try(split(":", a)[3], "") == data.aws_region.current.id])
    error_message = "alarms.actions: ${join(", ", [for a in try(var.alarms.actions, []) : jsonencode(a) if try(split(":", a)[3], "") != data.aws_region.current.id])} is not in ${data.aws_region.current.id}; CloudWatch only notifies SNS topics in the alarms' region."
  }
}
