variable "broker_ids" {
  description = "Broker IDs (non-negative integers, unique, at most 49: an NLB has 50 listeners and one is the bootstrap)."
  type        = list(number)
  nullable    = false

  validation {
    condition     = length(var.broker_ids) >= 1 && length(var.broker_ids) <= 49
    error_message = "broker_ids: ${length(var.broker_ids)} brokers given; one NLB fits 1 to 49 (50 listeners, one is the bootstrap)."
  }

  validation {
    condition     = alltrue([for id in var.broker_ids : id >= 0 && floor(id) == id])
    error_message = "broker_ids: broker ID ${join(", ", [for id in var.broker_ids : tostring(id) if id < 0 || floor(id) != id])} is not a non-negative integer."
  }

  validation {
    condition     = length(distinct(var.broker_ids)) == length(var.broker_ids)
    error_message = "broker_ids: broker ID ${join(", ", distinct([for id in var.broker_ids : tostring(id) if length([for other in var.broker_ids : other if other == id]) > 1]))} is listed more than once; broker IDs must be unique."
  }

  validation {
    condition     = alltrue([for id in var.broker_ids : var.broker_port_base + id >= 1024 && var.broker_port_base + id <= 65535])
    error_message = "broker_ids: ${join(", ", [for id in var.broker_ids : "broker ${id} gets port ${var.broker_port_base + id}" if var.broker_port_base + id < 1024 || var.broker_port_base + id > 65535])} (broker_port_base ${var.broker_port_base} + ID); broker ports must be from 1024 to 65535."
  }

  validation {
    condition     = !contains([for id in var.broker_ids : var.broker_port_base + id], var.bootstrap_port)
    error_message = "broker_ids: ${join(", ", [for id in var.broker_ids : "broker ${id}" if var.broker_port_base + id == var.bootstrap_port])} gets port ${var.bootstrap_port} (broker_port_base + ID), which is bootstrap_port."
  }

  validation {
    condition     = try(var.bootstrap_port <= var.broker_port_base + min(var.broker_ids...) || var.bootstrap_port >= var.broker_port_base + max(var.broker_ids...), true)
    error_message = "broker_ids: bootstrap_port ${var.bootstrap_port} lies inside the broker port range ${try(var.broker_port_base + min(var.broker_ids...), "")}-${try(var.broker_port_base + max(var.broker_ids...), "")}; a broker added later would collide with it."
  }
}

variable "bootstrap_port" {
  description = "NLB listener port that reaches any broker (clients' bootstrap.servers port)."
  type        = number
  default     = 9091
  nullable    = false

  validation {
    condition     = floor(var.bootstrap_port) == var.bootstrap_port && var.bootstrap_port >= 1024 && var.bootstrap_port <= 65535
    error_message = "bootstrap_port: ${var.bootstrap_port} must be an integer from 1024 to 65535."
  }
}

variable "broker_port_base" {
  description = "Broker port = broker_port_base + broker ID; a broker's port never depends on the other brokers."
  type        = number
  default     = 6000
  nullable    = false

  validation {
    condition     = floor(var.broker_port_base) == var.broker_port_base && var.broker_port_base >= 0 && var.broker_port_base <= 65535
    error_message = "broker_port_base: ${var.broker_port_base} must be an integer from 0 to 65535."
  }
}
