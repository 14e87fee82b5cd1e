//! `connectwise_umbrella_psa_company_mappings` (the whole table) at MSP size: a sandbox console
//! with 500 customers and a ConnectWise tenant with companies named after them. Apply, empty
//! plan (and how few Umbrella requests it costs), drift corrected, import, destroy; and the
//! plan-time refusals of both mapping resources.

use std::collections::BTreeMap;

use crate::harness::Harness;
use api_client::Conditions;
use api_client::umbrella::{Umbrella, UmbrellaConfig};
use api_client::{Company, Secret};
use connectwise_sandbox::{Extension, SandboxConfig};

const TABLE: &str = "connectwise_umbrella_psa_company_mappings.this";
const CUSTOMERS: usize = 500;

/// Terraform's output with its line wrapping undone.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn msp_harness() -> Harness {
    Harness::with_sandbox(SandboxConfig {
        customers_per_console: CUSTOMERS,
        ..SandboxConfig::default()
    })
    .await
}

/// An Umbrella client for the sandbox console, without client-side throttling.
fn umbrella(h: &Harness) -> Umbrella {
    let t = &h.sandbox.config().tenants[0];
    let mut cfg = UmbrellaConfig::new(
        t.umbrella_api_key.clone(),
        Secret::new(t.umbrella_api_secret.clone()),
    );
    cfg.base_url = h.sandbox.url();
    cfg.rate_limits = Vec::new();
    Umbrella::new(cfg).expect("Umbrella client")
}

/// The console's mappings as the emulator stores them.
fn stored(h: &Harness) -> BTreeMap<u64, String> {
    let key = &h.sandbox.config().tenants[0].umbrella_api_key;
    h.sandbox
        .umbrella()
        .with_console(key, |c| c.mappings.clone())
        .expect("the console exists")
}

async fn companies(h: &Harness) -> Vec<Company> {
    h.client()
        .companies()
        .list(&Conditions::new())
        .await
        .expect("list companies")
}

/// Each customer whose ConnectWise company has the same name → that company's identifier.
async fn same_name_table(h: &Harness) -> BTreeMap<u64, String> {
    let by_name: BTreeMap<String, String> = companies(h)
        .await
        .into_iter()
        .map(|c| (c.name.to_lowercase(), c.identifier))
        .collect();
    let customers = umbrella(h).list_customers().await.expect("customers");
    assert_eq!(customers.len(), CUSTOMERS);
    customers
        .into_iter()
        .filter_map(|c| {
            let company = by_name.get(&c.customer_name.to_lowercase())?;
            Some((c.customer_id, company.clone()))
        })
        .collect()
}

/// The table resource listing `table`.
fn table_config(table: &BTreeMap<u64, String>) -> String {
    let lines: Vec<String> = table
        .iter()
        .map(|(id, company)| format!("    \"{id}\" = \"{company}\""))
        .collect();
    format!(
        "resource \"connectwise_umbrella_psa_company_mappings\" \"this\" {{\n  mappings = {{\n{}\n  }}\n}}\n",
        lines.join("\n")
    )
}

/// Umbrella requests (token included) and ConnectWise company list requests since the last clear.
fn request_counts(h: &Harness) -> (usize, usize) {
    let umbrella = h.sandbox.umbrella().requests().len();
    let companies = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/company/companies"))
        .count();
    (umbrella, companies)
}

#[tokio::test]
async fn a_table_of_500_customers_applies_plans_cheaply_corrects_drift_imports_and_destroys() {
    let h = msp_harness().await;
    let table = same_name_table(&h).await;
    assert!(
        table.len() > 400 && table.len() < CUSTOMERS,
        "most customers, not all, have a company of the same name: {}",
        table.len()
    );
    // A mapping made by hand before the table exists: the authoritative table removes it.
    let unlisted = umbrella(&h)
        .list_customers()
        .await
        .expect("customers")
        .into_iter()
        .map(|c| c.customer_id)
        .find(|id| !table.contains_key(id))
        .expect("a customer without a same-name company");
    umbrella(&h)
        .put_mapping(unlisted, "ByHand")
        .await
        .expect("map by hand");

    h.config(&table_config(&table));
    h.sandbox.umbrella().clear_requests();
    h.apply().await;
    assert_eq!(stored(&h), table, "the console holds exactly the table");
    let bulk_puts = h
        .sandbox
        .umbrella()
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path == "/admin/v2/config/psa/mappings")
        .count();
    assert_eq!(bulk_puts, table.len().div_ceil(100), "chunks of 100");
    eprintln!(
        "first apply (plan and apply) of {} mappings: {} Umbrella requests",
        table.len(),
        h.sandbox.umbrella().requests().len()
    );

    // A no-op plan of 500 mappings: the table from one paged list, no customer or
    // per-customer reads; the companies in one page of 1000.
    h.sandbox.umbrella().clear_requests();
    h.sandbox.clear_requests();
    h.expect_empty_plan().await;
    let (umbrella_requests, company_requests) = request_counts(&h);
    eprintln!(
        "no-op plan of {} mappings: {umbrella_requests} Umbrella requests, {company_requests} \
         ConnectWise company list requests",
        table.len()
    );
    assert!(
        umbrella_requests <= 8,
        "a no-op plan of {} mappings made {umbrella_requests} Umbrella requests: {:#?}",
        table.len(),
        h.sandbox.umbrella().requests()
    );
    assert_eq!(company_requests, 1, "one page of companies");

    // Drift: one mapping changed and one added by hand; the plan shows both, apply undoes both.
    let (&changed, _) = table.iter().nth(7).expect("an eighth mapping");
    umbrella(&h)
        .put_mapping(changed, "Elsewhere")
        .await
        .expect("change by hand");
    umbrella(&h)
        .put_mapping(unlisted, "ByHand")
        .await
        .expect("add by hand");
    let changes = h.plan().await;
    let change = changes
        .iter()
        .find(|c| c.address == TABLE)
        .expect("the table is planned");
    assert_eq!(change.actions, ["update"]);
    assert_eq!(
        change.before["mappings"][changed.to_string()],
        "Elsewhere",
        "the refreshed state shows the drift"
    );
    assert_eq!(change.before["mappings"][unlisted.to_string()], "ByHand");
    assert_eq!(
        change.after["mappings"][changed.to_string()].as_str(),
        table.get(&changed).map(String::as_str)
    );
    assert!(change.after["mappings"].get(unlisted.to_string()).is_none());
    h.sandbox.umbrella().clear_requests();
    h.apply().await;
    assert_eq!(stored(&h), table, "drift corrected");
    eprintln!(
        "correcting two mappings (plan and apply): {} Umbrella requests",
        h.sandbox.umbrella().requests().len()
    );

    h.import_verify(TABLE, "psa", &[]).await;
    h.expect_empty_plan().await;

    h.sandbox.umbrella().clear_requests();
    h.destroy().await;
    assert!(stored(&h).is_empty(), "destroy leaves no mapping");
    eprintln!(
        "destroy of {} mappings: {} Umbrella requests",
        table.len(),
        h.sandbox.umbrella().requests().len()
    );
}

/// The table with an unknown customer, a company identifier one letter off, and a key that is
/// not a customer id: each refused at plan time on its own entry, with a suggestion.
#[tokio::test]
async fn bad_table_entries_are_refused_at_plan_time() {
    let h = msp_harness().await;
    let table = same_name_table(&h).await;
    let mut entries = table.iter();
    let (good_id, good_company) = entries.next().expect("a mapping");
    let (typo_id, company) = entries.next().expect("a second mapping");
    let typo: String = company.chars().take(company.chars().count() - 1).collect();
    let bad = BTreeMap::from([
        (good_id.to_string(), good_company.clone()),
        (typo_id.to_string(), typo.clone()),
        ("999999999".to_string(), good_company.clone()),
        ("acme".to_string(), good_company.clone()),
    ]);
    let lines: Vec<String> = bad
        .iter()
        .map(|(k, v)| format!("    \"{k}\" = \"{v}\""))
        .collect();
    h.config(&format!(
        "resource \"connectwise_umbrella_psa_company_mappings\" \"this\" {{\n  mappings = {{\n{}\n  }}\n}}\n",
        lines.join("\n")
    ));
    let out = flat(&h.plan_fails().await);
    eprintln!("{out}");
    assert!(out.contains("Invalid customer id"), "{out}");
    assert!(
        out.contains(r#"The key "acme" of mappings is not an Umbrella customer id"#),
        "{out}"
    );
    assert!(out.contains("Unknown Umbrella customer"), "{out}");
    assert!(
        out.contains("manages no customer with id 999999999"),
        "{out}"
    );
    assert!(out.contains("Unknown ConnectWise company"), "{out}");
    assert!(
        out.contains(&format!("has the identifier {typo:?}")),
        "{out}"
    );
    assert!(
        out.contains(&format!("Did you mean \"{company}\"")),
        "{out}"
    );
    assert!(out.contains("mappings"), "{out}");
    assert!(stored(&h).is_empty(), "nothing was written");
}

/// One customer in the table and in a single mapping resource; and a single mapping with an
/// unknown company: both refused at plan time.
#[tokio::test]
async fn a_customer_in_both_resources_and_an_unknown_company_are_refused() {
    let h = msp_harness().await;
    let table = same_name_table(&h).await;
    let mut entries = table.iter();
    let (shared_id, shared_company) = entries.next().expect("a mapping");
    let (other_id, other_company) = entries.next().expect("a second mapping");
    h.config(&format!(
        r#"
resource "connectwise_umbrella_psa_company_mappings" "this" {{
  mappings = {{
    "{shared_id}" = "{shared_company}"
  }}
}}

resource "connectwise_umbrella_psa_company_mapping" "one" {{
  customer_id    = {shared_id}
  psa_company_id = "{shared_company}"
}}
"#
    ));
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Customer mapped by two resources"), "{out}");
    assert!(
        out.contains(&format!("Umbrella customer {shared_id} is managed both by")),
        "{out}"
    );

    let wrong = format!("{other_company}X");
    h.config(&format!(
        r#"
resource "connectwise_umbrella_psa_company_mapping" "one" {{
  customer_id    = {other_id}
  psa_company_id = "{wrong}"
}}
"#
    ));
    let out = flat(&h.plan_fails().await);
    assert!(out.contains("Unknown ConnectWise company"), "{out}");
    assert!(out.contains("psa_company_id"), "{out}");
    assert!(
        out.contains(&format!("Did you mean \"{other_company}\"")),
        "{out}"
    );
    assert!(stored(&h).is_empty(), "nothing was written");
}

/// The provider block with the client-side Umbrella throttle switched off (the sandbox has no
/// limits unless a test sets them), plus `body`.
fn unthrottled_config(h: &Harness, body: &str) {
    let provider =
        h.provider_block()
            .replacen("umbrella {", "umbrella {\n    requests_per_minute = 0", 1);
    h.raw_config(&format!("{provider}\n{body}"));
}

/// 500 single mappings with `for_each`: the no-op plan refreshes all of them from one paged
/// list of the table, with no per-customer GET.
#[tokio::test]
async fn five_hundred_single_mappings_plan_from_one_list() {
    let h = msp_harness().await;
    let table = same_name_table(&h).await;
    let entries: Vec<String> = table
        .iter()
        .map(|(id, company)| format!("    \"{id}\" = \"{company}\""))
        .collect();
    unthrottled_config(
        &h,
        &format!(
            r#"
locals {{
  table = {{
{}
  }}
}}

resource "connectwise_umbrella_psa_company_mapping" "customer" {{
  for_each       = local.table
  customer_id    = tonumber(each.key)
  psa_company_id = each.value
}}
"#,
            entries.join("\n")
        ),
    );
    h.apply().await;
    assert_eq!(stored(&h), table);

    h.sandbox.umbrella().clear_requests();
    h.sandbox.clear_requests();
    h.expect_empty_plan().await;
    let (umbrella_requests, company_requests) = request_counts(&h);
    eprintln!(
        "no-op plan of {} single mappings: {umbrella_requests} Umbrella requests, \
         {company_requests} ConnectWise company list requests",
        table.len()
    );
    let per_customer = h
        .sandbox
        .umbrella()
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/admin/v2/config/psa/mappings/"))
        .count();
    assert_eq!(per_customer, 0, "no per-customer mapping GET");
    assert!(
        umbrella_requests <= 8,
        "{umbrella_requests} Umbrella requests"
    );
    assert_eq!(company_requests, 1, "one page of companies");
}

/// `terraform plan -detailed-exitcode` in `dir`, with the harness's CLI configuration.
async fn plan_in(h: &Harness, dir: &std::path::Path) -> std::process::Output {
    tokio::process::Command::new(crate::harness::terraform_bin())
        .args(["plan", "-no-color", "-detailed-exitcode"])
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", h.path().join("terraform.tfrc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_LOG")
        .env_remove("UMBRELLA_REQUESTS_PER_MINUTE")
        .output()
        .await
        .expect("terraform runs")
}

/// Several runs, one key: three Terraform processes plan the same console at once while the
/// sandbox enforces Umbrella's per-key limits (time compressed 20 times: 14 requests per 3 s).
/// Each process throttles only itself, so together they exceed the limit; the 429s are absorbed
/// by the jittered backoff and every plan succeeds, empty.
#[tokio::test(flavor = "multi_thread")]
async fn three_plans_at_once_share_one_key_within_umbrellas_limits() {
    use connectwise_sandbox::umbrella::UmbrellaLimits;
    let h = Harness::with_sandbox(SandboxConfig {
        customers_per_console: CUSTOMERS,
        umbrella_limits: UmbrellaLimits::Documented { time_scale: 20 },
        ..SandboxConfig::default()
    })
    .await;
    let table = same_name_table(&h).await;
    h.config(&table_config(&table));
    h.apply().await;

    // Two more working directories with the same configuration and state.
    let copies: Vec<tempfile::TempDir> = (0..2)
        .map(|_| {
            let dir = tempfile::tempdir().expect("temp dir");
            for file in ["main.tf", "terraform.tfstate"] {
                std::fs::copy(h.path().join(file), dir.path().join(file)).expect("copy");
            }
            dir
        })
        .collect();
    h.sandbox.umbrella().clear_requests();
    let dirs = [h.path(), copies[0].path(), copies[1].path()];
    let (a, b, c) = tokio::join!(
        plan_in(&h, dirs[0]),
        plan_in(&h, dirs[1]),
        plan_in(&h, dirs[2])
    );
    let runs = [a, b, c];
    for (dir, run) in dirs.iter().zip(&runs) {
        assert_eq!(
            run.status.code(),
            Some(0),
            "the plan in {} failed or was not empty:\n{}{}",
            dir.display(),
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let requests = h.sandbox.umbrella().requests();
    let limited = requests.iter().filter(|r| r.status == 429).count();
    eprintln!(
        "three plans at once: {} Umbrella requests, {limited} answered 429",
        requests.len()
    );
    assert!(
        limited > 0,
        "the three plans together should have exceeded the compressed limit: {requests:#?}"
    );
}

/// `connectwise_companies`: every company in one request per thousand, and the name filter.
#[tokio::test]
async fn the_companies_data_source_lists_and_filters() {
    let h = msp_harness().await;
    let all = companies(&h).await;
    let dental = all
        .iter()
        .filter(|c| c.name.to_lowercase().contains("dental"))
        .count();
    assert!(
        dental > 1 && dental < all.len(),
        "{dental} of {}",
        all.len()
    );
    h.config(
        r#"
data "connectwise_companies" "all" {}

data "connectwise_companies" "dental" {
  name_filter = "DENTAL"
}

output "count" {
  value = length(data.connectwise_companies.all.companies)
}

output "dental" {
  value = [for c in data.connectwise_companies.dental.companies : c.name]
}

output "first" {
  value = data.connectwise_companies.all.companies[0]
}
"#,
    );
    h.sandbox.clear_requests();
    h.apply().await;
    assert_eq!(h.output("count").await, all.len());
    let names = h.output("dental").await;
    let names = names.as_array().cloned().unwrap_or_default();
    assert_eq!(names.len(), dental);
    assert!(names.iter().all(|n| {
        n.as_str()
            .is_some_and(|n| n.to_lowercase().contains("dental"))
    }));
    let first = h.output("first").await;
    let mut sorted = all.clone();
    sorted.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    assert_eq!(first["identifier"], sorted[0].identifier.as_str());
    assert_eq!(first["id"], sorted[0].id);
    assert!(
        first["types"].is_array() && first["status"].is_string(),
        "{first}"
    );
    let company_requests = h
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/company/companies"))
        .count();
    // Each data source is read once (at plan), in one page: fewer than 1000 companies.
    assert_eq!(company_requests, 2, "one page per data source");
}

/// The resource's documented example maps every customer to the company of the same name.
#[tokio::test]
async fn the_example_maps_every_customer_with_a_same_name_company() {
    let h = msp_harness().await;
    let example = std::fs::read_to_string(
        "examples/resources/connectwise_umbrella_psa_company_mappings/resource.tf",
    )
    .expect("the example");
    unthrottled_config(&h, &example);
    h.sandbox.umbrella().clear_requests();
    h.apply().await;
    // The data source and the table's customer check share one paged read per Terraform walk:
    // the plan walk (data source and check) and the apply walk (Terraform plans again there).
    let customer_pages = h
        .sandbox
        .umbrella()
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/admin/v2/managed/customers")
        .count();
    let count = umbrella(&h)
        .list_customers()
        .await
        .expect("customers")
        .len();
    let pages_per_read = count / 100 + 1; // the last page is the first one not full
    assert_eq!(customer_pages, 2 * pages_per_read, "{count} customers");
    let expected: BTreeMap<u64, String> = {
        // Same rule as the example: lower-cased names, the first identifier of a name.
        let mut by_name: BTreeMap<String, String> = BTreeMap::new();
        let mut all = companies(&h).await;
        all.sort_by(|a, b| a.identifier.cmp(&b.identifier));
        for c in all {
            by_name.entry(c.name.to_lowercase()).or_insert(c.identifier);
        }
        let customers = umbrella(&h).list_customers().await.expect("customers");
        customers
            .into_iter()
            .filter_map(|c| {
                Some((
                    c.customer_id,
                    by_name.get(&c.customer_name.to_lowercase())?.clone(),
                ))
            })
            .collect()
    };
    assert!(expected.len() > 400, "{}", expected.len());
    assert_eq!(stored(&h), expected);
    h.expect_empty_plan().await;
}

/// Lines of a Terraform log saying a bulk mapping call is not offered.
fn fallback_warnings(log: &std::path::Path) -> usize {
    std::fs::read_to_string(log)
        .expect("Terraform wrote its log")
        .lines()
        .filter(|l| l.contains("does not offer this bulk call"))
        .count()
}

/// A console without the bulk calls (per-customer API only): the table is written and removed
/// one customer at a time, and the log says so once per provider process, not once per chunk
/// of 100 or per customer.
#[tokio::test(flavor = "multi_thread")]
async fn without_the_bulk_calls_the_table_falls_back_and_says_so_once() {
    let mut h = Harness::with_sandbox(SandboxConfig {
        customers_per_console: CUSTOMERS,
        extensions_off: vec![Extension::UmbrellaBulkMappings],
        ..SandboxConfig::default()
    })
    .await;
    let table = same_name_table(&h).await;
    let log = h.path().join("warn.log");
    h.env.push(("TF_LOG".into(), "warn".into()));
    h.env
        .push(("TF_LOG_PATH".into(), log.display().to_string()));
    unthrottled_config(&h, &table_config(&table));
    h.sandbox.umbrella().clear_requests();
    h.apply().await;
    assert_eq!(stored(&h), table);
    let per_customer_puts = h
        .sandbox
        .umbrella()
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.path.starts_with("/admin/v2/config/psa/mappings/"))
        .count();
    assert_eq!(per_customer_puts, table.len(), "one PUT per customer");
    // Only the apply walk writes: one warning for its several chunks.
    assert_eq!(fallback_warnings(&log), 1, "the upsert fallback, once");

    std::fs::remove_file(&log).expect("a fresh log for the destroy");
    h.destroy().await;
    assert!(stored(&h).is_empty(), "no mapping left");
    assert_eq!(fallback_warnings(&log), 1, "the remove fallback, once");
}
