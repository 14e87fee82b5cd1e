# The Umbrella PSA role holds exactly these permissions: a function granted
# outside Terraform shows up in `terraform plan` and is set back to None.
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_role_permission_set" "umbrella" {
  role_id = connectwise_security_role.umbrella.id

  permission {
    module        = "Companies"
    function      = "Company Maintenance"
    inquire_level = "All"
  }

  permission {
    module        = "Companies"
    function      = "Configurations"
    add_level     = "All"
    edit_level    = "All"
    inquire_level = "All"
  }

  permission {
    module        = "Service Desk"
    function      = "Service Tickets"
    add_level     = "All"
    edit_level    = "All"
    inquire_level = "All"
  }

  permission {
    module        = "System"
    function      = "Table Setup"
    add_level     = "All"
    edit_level    = "All"
    inquire_level = "All"
    allowed_tables = [
      "Company / Configuration",
      "Service / Priority",
      "Service / Service Board",
    ]
  }
}
