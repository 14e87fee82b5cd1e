# Every company of the ConnectWise site (one request per thousand companies).
data "connectwise_companies" "all" {}

# Only the companies whose name contains "dental" (case-insensitive).
data "connectwise_companies" "dental" {
  name_filter = "dental"
}

output "company_identifiers_by_name" {
  value = { for c in data.connectwise_companies.all.companies : c.name => c.identifier... }
}
