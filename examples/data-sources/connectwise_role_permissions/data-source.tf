# Audit: fail the plan when the Umbrella role is granted anything beyond the
# four functions of the PSA setup.
data "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

data "connectwise_role_permissions" "umbrella" {
  role_id      = data.connectwise_security_role.umbrella.id
  granted_only = true
}

locals {
  expected = toset([
    "Companies > Company Maintenance",
    "Companies > Configurations",
    "Service Desk > Service Tickets",
    "System > Table Setup",
  ])
  granted = toset([
    for p in data.connectwise_role_permissions.umbrella.permissions :
    "${p.module} > ${p.function}"
  ])
}

check "umbrella_role_is_minimal" {
  assert {
    condition     = length(setsubtract(local.granted, local.expected)) == 0
    error_message = "The Umbrella role grants more than the PSA setup needs: ${join(", ", setsubtract(local.granted, local.expected))}."
  }
}
