# Every managed customer of the Umbrella MSP console.
data "connectwise_umbrella_customers" "all" {}

# Only the customers whose name contains "dental" (case-insensitive).
data "connectwise_umbrella_customers" "dental" {
  name_filter = "dental"
}

output "customer_ids_by_name" {
  value = { for c in data.connectwise_umbrella_customers.all.customers : c.customer_name => c.customer_id }
}
