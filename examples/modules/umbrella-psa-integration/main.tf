terraform {
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
}

# Step 1: the security role.
resource "connectwise_security_role" "this" {
  name = var.role_name
}

# Steps 2 and 3: its module permissions and the Table Setup allow-list.
resource "connectwise_role_permission" "this" {
  for_each = local.permissions

  role_id        = connectwise_security_role.this.id
  module         = each.value.module
  function       = each.value.function
  add_level      = each.value.add
  edit_level     = each.value.edit
  delete_level   = each.value.delete
  inquire_level  = each.value.inquire
  allowed_tables = each.value.tables
}

# Step 4: the API member with that role.
resource "connectwise_api_member" "this" {
  identifier       = var.member_identifier
  name             = var.member_name
  security_role_id = connectwise_security_role.this.id

  depends_on = [connectwise_role_permission.this]
}

# Step 5: its API key. A new key exists before the old one is revoked, so the
# Umbrella credentials never point at a revoked key.
resource "connectwise_api_key" "this" {
  member_id         = connectwise_api_member.this.id
  description       = var.key_description
  rotation_triggers = { rotation = var.key_rotation }

  lifecycle {
    create_before_destroy = true
  }
}

# Step 6: the PSA credentials in the Umbrella MSP console.
resource "connectwise_umbrella_psa_credentials" "this" {
  site        = var.connectwise_site
  company_id  = var.connectwise_company_id
  public_key  = connectwise_api_key.this.public_key
  private_key = connectwise_api_key.this.private_key
}

# Per managed customer: the ConnectWise company it maps to.
resource "connectwise_umbrella_psa_company_mapping" "this" {
  for_each = var.customer_company_ids

  customer_id    = tonumber(each.key)
  psa_company_id = each.value

  depends_on = [connectwise_umbrella_psa_credentials.this]
}
