# The API member the Umbrella PSA integration signs in as.
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

resource "connectwise_api_member" "umbrella" {
  identifier       = "umbrella-psa"
  name             = "Umbrella PSA Integration"
  email_address    = "psa@example.com"
  security_role_id = connectwise_security_role.umbrella.id

  # By name or by numeric id; omitted ones take ConnectWise's API member defaults.
  structure_level = "Corporate (Level 1)"
  location        = "Tampa Office"
  time_zone       = "US Eastern"

  notes = "Managed by Terraform: Umbrella MSP console PSA integration."
}
