# Run with `terraform test` in the module folder (no AWS account needed).

variables {
  broker_ids = [1, 2, 3]
}

run "ports_follow_broker_ids" {
  command = plan

  assert {
    condition     = jsonencode(output.broker_ports) == jsonencode({ "1" = 6001, "2" = 6002, "3" = 6003 })
    error_message = "broker N gets port 6000 + N"
  }

  assert {
    condition     = jsonencode(output.ports) == jsonencode([9091, 6001, 6002, 6003])
    error_message = "ports lists the bootstrap port, then the broker ports"
  }
}

run "a_port_depends_only_on_its_broker_id" {
  command = plan

  variables {
    broker_ids       = [3, 17]
    broker_port_base = 7000
    bootstrap_port   = 9092
  }

  assert {
    condition     = output.broker_ports["3"] == 7003 && output.broker_ports["17"] == 7017
    error_message = "a broker's port is broker_port_base + its ID, whatever the other brokers"
  }
}

run "accepts_49_brokers" {
  command = plan

  variables {
    broker_ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]
  }

  assert {
    condition     = length(output.broker_ports) == 49
    error_message = "49 brokers fit one NLB"
  }
}

run "refuses_50_brokers" {
  command = plan

  variables {
    broker_ids = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50]
  }

  expect_failures = [var.broker_ids]
}

run "refuses_no_broker" {
  command = plan

  variables {
    broker_ids = []
  }

  expect_failures = [var.broker_ids]
}

run "refuses_duplicate_ids" {
  command = plan

  variables {
    broker_ids = [1, 2, 2]
  }

  expect_failures = [var.broker_ids]
}

run "refuses_negative_id" {
  command = plan

  variables {
    broker_ids = [1, -2]
  }

  expect_failures = [var.broker_ids]
}

run "refuses_fractional_id" {
  command = plan

  variables {
    broker_ids = [1.5]
  }

  expect_failures = [var.broker_ids]
}

run "refuses_port_above_65535" {
  command = plan

  variables {
    broker_ids       = [1, 36]
    broker_port_base = 65500
  }

  expect_failures = [var.broker_ids]
}

run "refuses_port_below_1024" {
  command = plan

  variables {
    broker_ids       = [1]
    broker_port_base = 100
  }

  expect_failures = [var.broker_ids]
}

run "refuses_port_equal_to_bootstrap" {
  command = plan

  variables {
    broker_ids     = [1, 2]
    bootstrap_port = 6002
  }

  expect_failures = [var.broker_ids]
}

run "refuses_bootstrap_inside_broker_range" {
  command = plan

  variables {
    broker_ids     = [1, 5]
    bootstrap_port = 6003
  }

  expect_failures = [var.broker_ids]
}

run "refuses_bootstrap_port_out_of_range" {
  command = plan

  variables {
    bootstrap_port = 70000
  }

  expect_failures = [var.bootstrap_port]
}

run "refuses_port_base_out_of_range" {
  command = plan

  variables {
    broker_port_base = -1
  }

  expect_failures = [var.broker_port_base]
}
