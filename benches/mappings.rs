//! Mapping benchmark: N Umbrella customers mapped to ConnectWise companies, one resource per
//! customer (`connectwise_umbrella_psa_company_mapping` with `for_each`) against the table
//! resource (`connectwise_umbrella_psa_company_mappings`), driven by the real Terraform CLI
//! against the in-process sandbox.
//!
//! For each N and shape it counts the Umbrella and ConnectWise requests and the wall time of the
//! first apply, a no-op plan, an apply changing one mapping, and destroy; and projects the time
//! at Umbrella's documented per-key limits from the counted Umbrella requests (see
//! [`projected_wait`]). The wall time is measured with both client-side throttles off, so it is
//! what the provider and Terraform cost; the projection adds the waiting the limits impose.
//! Results are also written to `target/bench/mappings-<unix>.md`.
//!
//! `cargo bench --bench mappings`. Knobs: `BENCH_N` (default `50,500,2000`),
//! `BENCH_SHAPES` (default `table,for_each`), `BENCH_PARALLELISM` (default 10),
//! `BENCH_LOG_REQUESTS=1` (print each operation's Umbrella requests, to see where they go).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use api_client::umbrella::{Umbrella, UmbrellaConfig};
use api_client::{Conditions, ConnectWise, ConnectWiseConfig, Secret};
use connectwise_sandbox::{Sandbox, SandboxConfig};

mod support;
use support::{SOURCE, Workdir, publish};

const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";

/// Umbrella's documented limits per API key on the admin scope.
const UMBRELLA_PER_MINUTE: usize = 14;
const UMBRELLA_PER_HALF_HOUR: usize = 350;

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The waiting `requests` Umbrella requests need under the documented limits, starting with a
/// fresh key and sliding windows: request k (from 0) starts no earlier than one minute after
/// request k−14 and 30 minutes after request k−350; the wait is when the last one starts. The
/// 5 per second limit never binds below 14 per minute.
fn projected_wait(requests: usize) -> Duration {
    let mut starts: Vec<u64> = Vec::with_capacity(requests);
    for k in 0..requests {
        let by_minute = k
            .checked_sub(UMBRELLA_PER_MINUTE)
            .map_or(0, |earlier| starts[earlier] + 60);
        let by_half_hour = k
            .checked_sub(UMBRELLA_PER_HALF_HOUR)
            .map_or(0, |earlier| starts[earlier] + 30 * 60);
        starts.push(by_minute.max(by_half_hour));
    }
    Duration::from_secs(starts.last().copied().unwrap_or(0))
}

/// The provider block for the sandbox's first tenant, both client-side throttles off: the wall
/// time is then the provider's and Terraform's own, and the limits are projected separately.
fn provider_block(sandbox: &Sandbox) -> String {
    let t = &sandbox.config().tenants[0];
    format!(
        r#"terraform {{
  required_providers {{
    connectwise = {{ source = "{SOURCE}" }}
  }}
}}

provider "connectwise" {{
  site                = "{url}"
  company_id          = "{company}"
  public_key          = "{public}"
  private_key         = "{private}"
  client_id           = "{CLIENT_ID}"
  requests_per_minute = 0
  umbrella {{
    base_url            = "{url}"
    api_key             = "{ukey}"
    api_secret          = "{usecret}"
    requests_per_minute = 0
  }}
}}
"#,
        url = sandbox.url(),
        company = t.company_id,
        public = t.public_key,
        private = t.private_key,
        ukey = t.umbrella_api_key,
        usecret = t.umbrella_api_secret,
    )
}

/// Each customer whose ConnectWise company has the same name (case aside) → that company's
/// identifier: the table a real MSP would apply.
async fn same_name_table(sandbox: &Sandbox) -> BTreeMap<u64, String> {
    let t = &sandbox.config().tenants[0];
    let connectwise = ConnectWise::new(ConnectWiseConfig::new(
        sandbox.url(),
        t.company_id.clone(),
        t.public_key.clone(),
        Secret::new(t.private_key.clone()),
        CLIENT_ID,
    ))
    .expect("ConnectWise client");
    let by_name: BTreeMap<String, String> = connectwise
        .companies()
        .list(&Conditions::new())
        .await
        .expect("companies")
        .into_iter()
        .map(|c| (c.name.to_lowercase(), c.identifier))
        .collect();
    let mut cfg = UmbrellaConfig::new(
        t.umbrella_api_key.clone(),
        Secret::new(t.umbrella_api_secret.clone()),
    );
    cfg.base_url = sandbox.url();
    cfg.rate_limits = Vec::new();
    let umbrella = Umbrella::new(cfg).expect("Umbrella client");
    let customers = umbrella.list_customers().await.expect("customers");
    customers
        .into_iter()
        .filter_map(|c| {
            let company = by_name.get(&c.customer_name.to_lowercase())?;
            Some((c.customer_id, company.clone()))
        })
        .collect()
}

/// `table` as the configuration of `shape`: one table resource, or one resource per customer.
fn mappings_config(shape: &str, table: &BTreeMap<u64, String>) -> String {
    let entries: Vec<String> = table
        .iter()
        .map(|(id, company)| format!("    \"{id}\" = \"{company}\""))
        .collect();
    let resource = match shape {
        "table" => {
            "resource \"connectwise_umbrella_psa_company_mappings\" \"this\" {\n  mappings = local.table\n}\n"
        }
        "for_each" => {
            "resource \"connectwise_umbrella_psa_company_mapping\" \"customer\" {\n  for_each       = local.table\n  customer_id    = tonumber(each.key)\n  psa_company_id = each.value\n}\n"
        }
        other => panic!("unknown shape {other} (table or for_each)"),
    };
    format!(
        "locals {{\n  table = {{\n{}\n  }}\n}}\n\n{resource}",
        entries.join("\n")
    )
}

/// `table` with its first customer mapped to another customer's company instead.
fn with_one_change(table: &BTreeMap<u64, String>) -> BTreeMap<u64, String> {
    let mut changed = table.clone();
    let other = table.values().nth(1).cloned();
    if let (Some(first), Some(other)) = (changed.values_mut().next(), other) {
        *first = other;
    }
    changed
}

/// Requests and wall time of one Terraform operation.
#[derive(Clone, Copy, Default)]
struct Step {
    umbrella: usize,
    connectwise: usize,
    wall: Duration,
}

/// Runs `args` and counts the requests it made, split by vendor.
fn measure(sandbox: &Sandbox, w: &Workdir, args: &[&str]) -> Step {
    sandbox.clear_requests();
    sandbox.umbrella().clear_requests();
    let wall = w.run(args);
    let umbrella_log = sandbox.umbrella().requests();
    if std::env::var_os("BENCH_LOG_REQUESTS").is_some() {
        for r in &umbrella_log {
            eprintln!("  {} {}?{} -> {}", r.method, r.path, r.query, r.status);
        }
    }
    let umbrella = umbrella_log.len();
    let connectwise = sandbox
        .requests()
        .iter()
        .filter(|r| !r.path.starts_with("/admin/") && !r.path.starts_with("/auth/"))
        .count();
    Step {
        umbrella,
        connectwise,
        wall,
    }
}

struct Row {
    shape: String,
    n: usize,
    mappings: usize,
    steps: [(&'static str, Step); 4],
}

fn run_shape(
    runtime: &tokio::runtime::Runtime,
    provider_dir: &Path,
    shape: &str,
    n: usize,
    par: &str,
) -> Row {
    let config = SandboxConfig {
        customers_per_console: n,
        ..SandboxConfig::default()
    };
    let sandbox = runtime.block_on(Sandbox::start(config)).expect("sandbox");
    let table = runtime.block_on(same_name_table(&sandbox));
    let w = Workdir::new(provider_dir);
    let provider = provider_block(&sandbox);
    w.write(&format!("{provider}\n{}", mappings_config(shape, &table)));
    let apply = measure(&sandbox, &w, &["apply", "-auto-approve", par]);
    let plan = measure(&sandbox, &w, &["plan", "-detailed-exitcode", par]);
    w.write(&format!(
        "{provider}\n{}",
        mappings_config(shape, &with_one_change(&table))
    ));
    let change = measure(&sandbox, &w, &["apply", "-auto-approve", par]);
    let destroy = measure(&sandbox, &w, &["destroy", "-auto-approve", par]);
    runtime.block_on(sandbox.shutdown());
    let row = Row {
        shape: shape.to_string(),
        n,
        mappings: table.len(),
        steps: [
            ("first apply", apply),
            ("no-op plan", plan),
            ("change one", change),
            ("destroy", destroy),
        ],
    };
    for (name, s) in &row.steps {
        eprintln!(
            "{shape} N={n}: {name}: {} Umbrella, {} ConnectWise requests, {:.2} s",
            s.umbrella,
            s.connectwise,
            s.wall.as_secs_f64()
        );
    }
    row
}

/// Minutes and seconds, e.g. `2 min 05 s`, or `0.84 s` under a minute.
fn duration_text(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.2} s")
    } else {
        let whole = secs.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

fn table_text(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| shape | customers | mappings | operation | Umbrella requests | ConnectWise requests | wall time (throttles off) | projected at the documented limits |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    for r in rows {
        for (name, s) in &r.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {name} | {} | {} | {} | {} |",
                r.shape,
                r.n,
                r.mappings,
                s.umbrella,
                s.connectwise,
                duration_text(s.wall),
                duration_text(s.wall + projected_wait(s.umbrella)),
            );
        }
    }
    out
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let ns: Vec<usize> = env_list("BENCH_N", "50,500,2000")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let shapes = env_list("BENCH_SHAPES", "table,for_each");
    let parallelism = std::env::var("BENCH_PARALLELISM").unwrap_or_else(|_| "10".into());
    let par = format!("-parallelism={parallelism}");
    let provider_bin = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-connectwise"));
    let provider_dir = provider_bin.parent().expect("bin dir").to_path_buf();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut rows = Vec::new();
    for &n in &ns {
        for shape in &shapes {
            rows.push(run_shape(&runtime, &provider_dir, shape, n, &par));
        }
    }

    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let header = format!(
        "mappings benchmark: {cores} cores, terraform {par}, sandbox on loopback, client-side throttles off; projected = wall time + the wait {UMBRELLA_PER_MINUTE}/min and {UMBRELLA_PER_HALF_HOUR}/30 min impose on the Umbrella requests\n\n"
    );
    let table = table_text(&rows);
    publish("mappings", &format!("{header}{table}"));
}
