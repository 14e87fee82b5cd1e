# Steps 2 and 3 of the Umbrella PSA setup: the role's module permissions
# (everything not listed here stays None) and the Table Setup allow-list.
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_role_permission" "company_maintenance" {
  role_id       = connectwise_security_role.umbrella.id
  module        = "Companies"
  function      = "Company Maintenance"
  inquire_level = "All"
}

resource "connectwise_role_permission" "configurations" {
  role_id       = connectwise_security_role.umbrella.id
  module        = "Companies"
  function      = "Configurations"
  add_level     = "All"
  edit_level    = "All"
  inquire_level = "All"
}

resource "connectwise_role_permission" "service_tickets" {
  role_id       = connectwise_security_role.umbrella.id
  module        = "Service Desk"
  function      = "Service Tickets"
  add_level     = "All"
  edit_level    = "All"
  inquire_level = "All"
}

resource "connectwise_role_permission" "table_setup" {
  role_id       = connectwise_security_role.umbrella.id
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
