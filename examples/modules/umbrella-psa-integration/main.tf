terraform {
  required_version = ">= 1.11"
  required_providers {
    connectwise = {
      source = "umbrella-psa/connectwise"
    }
  }
}

# The permission table of the manual procedure (seed step 2), row for row,
# with the Table Setup allow-list of step 3. Every function not listed stays None.
locals {
  permissions = {
    "Companies > Company Maintenance" = {
      module = "Companies", function = "Company Maintenance"
      add    = "None", edit = "None", delete = "None", inquire = "All"
      tables = null
    }
    "Companies > Configurations" = {
      module = "Companies", function = "Configurations"
      add    = "All", edit = "All", delete = "None", inquire = "All"
      tables = null
    }
    "Service Desk > Service Tickets" = {
      module = "Service Desk", function = "Service Tickets"
      add    = "All", edit = "All", delete = "None", inquire = "All"
      tables = null
    }
    "System > Table Setup" = {
      module = "System", function = "Table Setup"
      add    = "All", edit = "All", delete = "None", inquire = "All"
      tables = ["Company / Configuration", "Service / Priority", "Service / Service Board"]
    }
  }

  minted     = var.key_mode == "minted"
  write_only = var.key_mode == "write_only"
  in_state   = var.key_mode == "in_state"
}

# Step 1: the security role. A new name creates the new role first, so the
# member moves to it before the old role (which ConnectWise will not delete
# while a member has it) is deleted.
resource "connectwise_security_role" "this" {
  name = var.role_name

  lifecycle {
    create_before_destroy = true
  }
}

# Steps 2 and 3: its module permissions and the Table Setup allow-list, as one
# authoritative set: a function granted by hand shows up in `terraform plan`.
resource "connectwise_role_permission_set" "this" {
  role_id = connectwise_security_role.this.id

  dynamic "permission" {
    for_each = local.permissions
    content {
      module         = permission.value.module
      function       = permission.value.function
      add_level      = permission.value.add
      edit_level     = permission.value.edit
      delete_level   = permission.value.delete
      inquire_level  = permission.value.inquire
      allowed_tables = permission.value.tables
    }
  }
}

# Up to 0.1 the module had one connectwise_role_permission per function. Forget
# them without touching the rows: the set above takes the same rows over.
removed {
  from = connectwise_role_permission.this

  lifecycle {
    destroy = false
  }
}

# Step 4: the API member with that role.
resource "connectwise_api_member" "this" {
  identifier       = var.member_identifier
  name             = var.member_name
  security_role_id = connectwise_security_role.this.id

  depends_on = [connectwise_role_permission_set.this]
}

# Step 5, key_mode = "in_state" only: the API key, its private key kept in
# state. A new key exists before the old one is revoked, so the Umbrella
# credentials never point at a revoked key. (In "minted" mode the credentials
# mint the key themselves; in "write_only" and "adopted" it comes from outside.)
resource "connectwise_api_key" "this" {
  count = local.in_state ? 1 : 0

  member_id         = connectwise_api_member.this.id
  description       = var.key_description
  rotation_triggers = { rotation = var.key_rotation }

  lifecycle {
    create_before_destroy = true
  }
}

# Step 6: the PSA credentials in the Umbrella MSP console, with the key from
# wherever key_mode says.
resource "connectwise_umbrella_psa_credentials" "this" {
  site       = var.connectwise_site
  company_id = var.connectwise_company_id

  public_key             = local.minted ? null : (local.in_state ? one(connectwise_api_key.this[*].public_key) : var.public_key)
  private_key            = local.in_state ? one(connectwise_api_key.this[*].private_key) : null
  private_key_wo         = local.write_only ? var.private_key_wo : null
  private_key_wo_version = local.write_only ? var.private_key_wo_version : null

  dynamic "mint_key" {
    for_each = local.minted ? [connectwise_api_member.this.id] : []
    content {
      member_id         = mint_key.value
      description       = var.key_description
      rotation_triggers = { rotation = var.key_rotation }
    }
  }
}

# Per managed customer: the ConnectWise company it maps to.
resource "connectwise_umbrella_psa_company_mapping" "this" {
  for_each = var.customer_company_ids

  customer_id    = tonumber(each.key)
  psa_company_id = each.value

  depends_on = [connectwise_umbrella_psa_credentials.this]
}
