# Plan-only checks of the module with a mocked provider: no ConnectWise or
# Umbrella is called. Run with `terraform test` (see the module's README).

mock_provider "connectwise" {}

variables {
  connectwise_site       = "api-na.myconnectwise.net"
  connectwise_company_id = "examplemsp"
}

run "key_mode_rejects_an_unknown_mode" {
  command = plan

  variables {
    key_mode = "in_vault"
  }

  expect_failures = [var.key_mode]
}

run "write_only_needs_a_public_key" {
  command = plan

  variables {
    key_mode = "write_only"
  }

  expect_failures = [var.public_key, var.private_key_wo]
}

run "minted_mode_plans_no_api_key" {
  command = plan

  assert {
    condition     = length(connectwise_api_key.this) == 0
    error_message = "key_mode \"minted\" must not plan a connectwise_api_key (its private key would be in state)."
  }

  assert {
    condition     = connectwise_umbrella_psa_credentials.this.mint_key != null
    error_message = "key_mode \"minted\" must let the credentials mint the key."
  }

  assert {
    condition     = connectwise_umbrella_psa_credentials.this.private_key == null
    error_message = "key_mode \"minted\" must not hand a private key to the credentials."
  }
}

run "in_state_mode_plans_one_api_key" {
  command = plan

  variables {
    key_mode = "in_state"
  }

  assert {
    condition     = length(connectwise_api_key.this) == 1
    error_message = "key_mode \"in_state\" must plan exactly one connectwise_api_key."
  }

  assert {
    condition     = connectwise_umbrella_psa_credentials.this.mint_key == null
    error_message = "key_mode \"in_state\" must not mint a key in the credentials."
  }
}

run "adopted_mode_keeps_the_given_public_key" {
  command = plan

  variables {
    key_mode   = "adopted"
    public_key = "hand-made-public-key"
  }

  assert {
    condition     = length(connectwise_api_key.this) == 0 && connectwise_umbrella_psa_credentials.this.mint_key == null
    error_message = "key_mode \"adopted\" must have no key source."
  }

  assert {
    condition     = connectwise_umbrella_psa_credentials.this.public_key == "hand-made-public-key"
    error_message = "key_mode \"adopted\" must keep the public key Umbrella has."
  }
}

run "permission_set_lists_the_four_seed_functions" {
  command = plan

  assert {
    condition = toset([for p in connectwise_role_permission_set.this.permission : "${p.module} > ${p.function}"]) == toset([
      "Companies > Company Maintenance",
      "Companies > Configurations",
      "Service Desk > Service Tickets",
      "System > Table Setup",
    ])
    error_message = "The permission set must hold exactly the four functions of the seed procedure."
  }

  assert {
    condition = one([for p in connectwise_role_permission_set.this.permission : p.allowed_tables if p.function == "Table Setup"]) == toset([
      "Company / Configuration",
      "Service / Priority",
      "Service / Service Board",
    ])
    error_message = "Table Setup must allow exactly Company / Configuration, Service / Priority and Service / Service Board."
  }

  assert {
    condition     = alltrue([for p in connectwise_role_permission_set.this.permission : p.delete_level == "None"])
    error_message = "No seed function grants Delete."
  }
}
