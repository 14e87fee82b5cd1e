# Applies the module against a running connectwise-sandbox and switches key
# modes and the role name; `terraform test` destroys everything at the end.
# The provider is configured from the environment (CONNECTWISE_SITE,
# CONNECTWISE_COMPANY_ID, CONNECTWISE_PUBLIC_KEY, CONNECTWISE_PRIVATE_KEY,
# CONNECTWISE_CLIENT_ID, UMBRELLA_BASE_URL, UMBRELLA_API_KEY,
# UMBRELLA_API_SECRET) and the site Umbrella calls from TF_VAR_connectwise_site:
# see the module's README.

provider "connectwise" {}

variables {
  connectwise_company_id = "sandbox"
  customer_company_ids   = { "2000001" = "AcmeDental" }
  # Unused outside "write_only", but terraform test (1.11) refuses to apply a
  # module whose ephemeral root variable it planned unset.
  private_key_wo = "unused"
}

run "minted_key_reaches_umbrella" {
  assert {
    condition     = length(connectwise_api_key.this) == 0 && output.minted_key_id != null
    error_message = "key_mode \"minted\" must mint the key inside the credentials, with no connectwise_api_key."
  }

  assert {
    condition     = output.connection_status == "ok"
    error_message = "Umbrella must accept the minted key against ConnectWise."
  }

  assert {
    condition     = connectwise_api_member.this.security_role_id == output.role_id
    error_message = "The API member must have the module's role."
  }

  assert {
    condition     = connectwise_umbrella_psa_company_mapping.this["2000001"].psa_company_id == "AcmeDental"
    error_message = "The customer mapping must be applied."
  }
}

run "in_state_key_replaces_the_minted_one" {
  variables {
    key_mode = "in_state"
  }

  assert {
    condition     = output.public_key == connectwise_api_key.this[0].public_key && output.minted_key_id == null
    error_message = "key_mode \"in_state\" must hand the connectwise_api_key to Umbrella."
  }

  assert {
    condition     = output.connection_status == "ok"
    error_message = "Umbrella must accept the in-state key against ConnectWise."
  }
}

run "back_to_minted" {
  assert {
    condition     = length(connectwise_api_key.this) == 0 && output.minted_key_id != null
    error_message = "Switching back to \"minted\" must drop the connectwise_api_key and mint a key."
  }

  assert {
    condition     = output.connection_status == "ok"
    error_message = "Umbrella must accept the newly minted key."
  }
}

run "role_rename_moves_the_member" {
  variables {
    role_name = "Umbrella PSA"
  }

  assert {
    condition     = connectwise_security_role.this.name == "Umbrella PSA" && connectwise_api_member.this.security_role_id == connectwise_security_role.this.id
    error_message = "After renaming the role the member must have the new role."
  }

  assert {
    condition     = connectwise_role_permission_set.this.role_id == connectwise_security_role.this.id && length(connectwise_role_permission_set.this.permission) == 4
    error_message = "The new role must hold the four seed permissions."
  }
}
