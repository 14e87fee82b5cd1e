output "matched_count" {
  description = "How many customers are mapped to a ConnectWise company."
  value       = length(connectwise_umbrella_psa_company_mappings.this.mappings)
}

output "unmatched_customers" {
  description = "Customers with no ConnectWise company of the same normalized name (customer id => name): create the company or map them by hand."
  value       = { for id, c in local.customers : id => c.name if !contains(keys(local.matched), id) }
}
