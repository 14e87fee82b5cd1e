# Look up a role that was created by hand.
data "connectwise_security_role" "umbrella" {
  name = "Umbrella"
}

output "umbrella_role_id" {
  value = data.connectwise_security_role.umbrella.id
}
