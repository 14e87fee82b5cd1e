# The System module's functions, e.g. to find the entries Table Setup's
# allow-list may hold.
data "connectwise_security_modules" "system" {
  module = "System"
}

output "table_setup_tables" {
  value = one([
    for f in data.connectwise_security_modules.system.functions :
    f.allowed_items if f.function == "Table Setup"
  ])
}
