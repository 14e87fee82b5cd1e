# The role the Umbrella PSA integration's API member uses.
resource "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}
