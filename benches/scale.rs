//! Scale benchmark: the provider against Terraform's own floor, in one run.
//!
//! For each N and workload it applies, no-op plans and destroys as many
//! built-in `terraform_data` resources (no provider: Terraform's floor), for `seed` also
//! `terraform_data` with the seed's references (the graph floor: what that shape costs Terraform
//! alone), then the same with the provider's resources against the sandbox on loopback, and
//! prints a table:
//! wall time, ratio to the floor, REST calls per resource, provider peak RSS
//! and CPU time. Results are also written to `target/bench/scale-<unix>.md`.
//!
//! `cargo bench --bench scale` (or `make bench`). Knobs:
//! - `BENCH_N` (default `50,200,1000`), `BENCH_LATENCY_MS` (default `0,50`),
//! - `BENCH_WORKLOADS` (default `roles,seed`): `roles` = N security roles;
//!   `seed` = N roles + N role permissions + N/10 API members and keys,
//! - `BENCH_PARALLELISM` (default 10, Terraform's default),
//! - `BENCH_PROVIDER_DIR`: where the `terraform-provider-connectwise` to measure is (default:
//!   the one this bench was built with).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use connectwise_sandbox::{Sandbox, SandboxConfig};

mod support;
use support::{SOURCE, Workdir, publish};

const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Peak RSS (KiB) and CPU time of provider processes, sampled from /proc, and the CPU time of
/// Terraform and of this process (the sandbox) over the same span: where the time goes.
#[derive(Default, Clone, Copy)]
struct ProcStats {
    peak_rss_kib: u64,
    cpu: Duration,
    terraform_cpu: Duration,
    sandbox_cpu: Duration,
}

/// utime + stime of a process from its `/proc/<pid>/stat` text.
fn cpu_of(stat: &str) -> Duration {
    let ticks = 100.0; // USER_HZ on Linux
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let cpu_ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    Duration::from_secs_f64(cpu_ticks / ticks)
}

fn pids() -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse::<u32>().ok())
}

fn own_cpu() -> Duration {
    cpu_of(&std::fs::read_to_string("/proc/self/stat").unwrap_or_default())
}

struct Sampler {
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<BTreeMap<u32, ProcStats>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    own_cpu_at_start: Duration,
}

impl Sampler {
    fn start() -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stats: Arc<Mutex<BTreeMap<u32, ProcStats>>> = Arc::new(Mutex::new(BTreeMap::new()));
        let (s, st) = (stop.clone(), stats.clone());
        // Only processes started during the measurement count (not, say, a leftover provider).
        let before: std::collections::BTreeSet<u32> = pids().collect();
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                for pid in pids().filter(|pid| !before.contains(pid)) {
                    let comm =
                        std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                    // comm is truncated to 15 characters.
                    let comm = comm.trim();
                    let provider = comm.starts_with("terraform-provi");
                    if !provider && comm != "terraform" {
                        continue;
                    }
                    let cpu = cpu_of(
                        &std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default(),
                    );
                    let hwm = if provider {
                        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
                            .unwrap_or_default();
                        status
                            .lines()
                            .find(|l| l.starts_with("VmHWM:"))
                            .and_then(|l| l.split_whitespace().nth(1))
                            .and_then(|v| v.parse::<u64>().ok())
                            .unwrap_or(0)
                    } else {
                        0
                    };
                    if let Ok(mut m) = st.lock() {
                        let e = m.entry(pid).or_default();
                        e.peak_rss_kib = e.peak_rss_kib.max(hwm);
                        if provider {
                            e.cpu = e.cpu.max(cpu);
                        } else {
                            e.terraform_cpu = e.terraform_cpu.max(cpu);
                        }
                    }
                }
                // VmHWM is a high-water mark, so a coarse interval loses no peak; it keeps the
                // sampler's own CPU small on a 2-core machine.
                std::thread::sleep(Duration::from_millis(25));
            }
        });
        Sampler {
            stop,
            stats,
            thread: Some(thread),
            own_cpu_at_start: own_cpu(),
        }
    }

    /// Peak RSS of the largest provider process, the CPU time of all of them, of Terraform and
    /// of the sandbox.
    fn finish(mut self) -> ProcStats {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let m = self.stats.lock().map(|m| m.clone()).unwrap_or_default();
        ProcStats {
            peak_rss_kib: m.values().map(|s| s.peak_rss_kib).max().unwrap_or(0),
            cpu: m.values().map(|s| s.cpu).sum(),
            terraform_cpu: m.values().map(|s| s.terraform_cpu).sum(),
            // This process is the sandbox, plus the sampler and an idle harness.
            sandbox_cpu: own_cpu().saturating_sub(self.own_cpu_at_start),
        }
    }
}

fn provider_block(sandbox: &Sandbox) -> String {
    let t = &sandbox.config().tenants[0];
    format!(
        "terraform {{\n  required_providers {{\n    connectwise = {{ source = \"{SOURCE}\" }}\n  }}\n}}\n\n\
         provider \"connectwise\" {{\n  site        = \"{url}\"\n  company_id  = \"{}\"\n  public_key  = \"{}\"\n  private_key = \"{}\"\n  client_id   = \"{CLIENT_ID}\"\n  requests_per_minute = 0\n}}\n",
        t.company_id,
        t.public_key,
        t.private_key,
        url = sandbox.url()
    )
}

fn floor_config(n: usize) -> String {
    format!(
        "resource \"terraform_data\" \"r\" {{\n  count = {n}\n  input = \"role-${{count.index}}\"\n}}\n"
    )
}

/// The seed workload's shape in `terraform_data`: the same counts and the same references
/// (permission → role, member → role, key → member), so Terraform does the same graph work.
fn seed_floor_config(n: usize) -> String {
    let members = (n / 10).max(1);
    format!(
        "resource \"terraform_data\" \"r\" {{
  count = {n}
  input = \"bench-role-${{count.index}}\"
}}

resource \"terraform_data\" \"p\" {{
  count = {n}
  input = terraform_data.r[count.index].id
}}

resource \"terraform_data\" \"m\" {{
  count = {members}
  input = terraform_data.r[count.index].id
}}

resource \"terraform_data\" \"k\" {{
  count = {members}
  input = terraform_data.m[count.index].id
}}
"
    )
}

fn roles_config(sandbox: &Sandbox, n: usize) -> String {
    format!(
        "{}\nresource \"connectwise_security_role\" \"r\" {{\n  count = {n}\n  name  = \"bench-role-${{count.index}}\"\n}}\n",
        provider_block(sandbox)
    )
}

fn seed_config(sandbox: &Sandbox, n: usize) -> String {
    let members = (n / 10).max(1);
    format!(
        "{}
resource \"connectwise_security_role\" \"r\" {{
  count = {n}
  name  = \"bench-role-${{count.index}}\"
}}

resource \"connectwise_role_permission\" \"p\" {{
  count         = {n}
  role_id       = connectwise_security_role.r[count.index].id
  module        = \"Service Desk\"
  function      = \"Service Tickets\"
  add_level     = \"All\"
  edit_level    = \"All\"
  inquire_level = \"All\"
}}

resource \"connectwise_api_member\" \"m\" {{
  count            = {members}
  identifier       = \"bench${{count.index}}\"
  name             = \"Bench member ${{count.index}}\"
  security_role_id = connectwise_security_role.r[count.index].id
}}

resource \"connectwise_api_key\" \"k\" {{
  count       = {members}
  member_id   = connectwise_api_member.m[count.index].id
  description = \"bench key\"
}}
",
        provider_block(sandbox)
    )
}

/// Wall times of apply, no-op plan and destroy.
#[derive(Clone, Copy)]
struct Phases {
    apply: Duration,
    plan: Duration,
    destroy: Duration,
}

impl Phases {
    fn text(&self) -> String {
        format!(
            "{:.2}/{:.2}/{:.2}s",
            self.apply.as_secs_f64(),
            self.plan.as_secs_f64(),
            self.destroy.as_secs_f64()
        )
    }

    fn run(w: &Workdir, par: &str) -> Phases {
        Phases {
            apply: w.run(&["apply", "-auto-approve", par]),
            plan: w.run(&["plan", "-detailed-exitcode", par]),
            destroy: w.run(&["destroy", "-auto-approve", par]),
        }
    }
}

/// Apply, no-op plan and destroy of `terraform_data` only; Terraform's CPU time with it.
fn floor_run(provider_dir: &Path, config: &str, par: &str) -> (Phases, Duration) {
    let w = Workdir::new(provider_dir);
    w.write(config);
    let sampler = Sampler::start();
    let phases = Phases::run(&w, par);
    (phases, sampler.finish().terraform_cpu)
}

struct Row {
    workload: String,
    n: usize,
    resources: usize,
    latency_ms: u64,
    ours: Phases,
    /// As many `terraform_data` resources, no references: the floor.
    floor: Phases,
    /// `terraform_data` with the workload's references (the same as `floor` for `roles`).
    graph_floor: Phases,
    calls_apply: usize,
    calls_plan: usize,
    peak_rss_kib: u64,
    cpu: Duration,
    terraform_cpu: Duration,
    sandbox_cpu: Duration,
    floor_terraform_cpu: Duration,
    graph_floor_terraform_cpu: Duration,
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let ns: Vec<usize> = env_list("BENCH_N", "50,200,1000")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let latencies: Vec<u64> = env_list("BENCH_LATENCY_MS", "0,50")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    let workloads = env_list("BENCH_WORKLOADS", "roles,seed");
    let parallelism = std::env::var("BENCH_PARALLELISM").unwrap_or_else(|_| "10".into());
    let par = format!("-parallelism={parallelism}");
    let provider_bin = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-connectwise"));
    // BENCH_PROVIDER_DIR: measure another build (or a wrapper, e.g. under a profiler).
    let provider_dir = std::env::var_os("BENCH_PROVIDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| provider_bin.parent().expect("bin dir").to_path_buf());
    // The sandbox gets every core, like a server would: a single worker queued reads behind
    // each other and showed up as provider time.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    let mut rows = Vec::new();
    for &latency_ms in &latencies {
        for &n in &ns {
            for workload in &workloads {
                let resources = match workload.as_str() {
                    "roles" => n,
                    "seed" => 2 * n + 2 * (n / 10).max(1),
                    other => panic!("unknown workload {other}"),
                };
                // The floor: as many terraform_data resources, in the same run; and the same
                // with the workload's references, which cost Terraform itself more.
                let (floor, floor_terraform_cpu) =
                    floor_run(&provider_dir, &floor_config(resources), &par);
                let (graph_floor, graph_floor_terraform_cpu) = match workload.as_str() {
                    "seed" => floor_run(&provider_dir, &seed_floor_config(n), &par),
                    _ => (floor, floor_terraform_cpu),
                };

                let config = SandboxConfig {
                    latency: Duration::from_millis(latency_ms),
                    ..SandboxConfig::default()
                };
                let sandbox = runtime.block_on(Sandbox::start(config)).expect("sandbox");
                let w = Workdir::new(&provider_dir);
                let text = match workload.as_str() {
                    "roles" => roles_config(&sandbox, n),
                    _ => seed_config(&sandbox, n),
                };
                w.write(&text);
                sandbox.clear_requests();
                let sampler = Sampler::start();
                let apply = w.run(&["apply", "-auto-approve", &par]);
                let calls_apply = sandbox.requests().len();
                sandbox.clear_requests();
                let plan = w.run(&["plan", "-detailed-exitcode", &par]);
                let calls_plan = sandbox.requests().len();
                let destroy = w.run(&["destroy", "-auto-approve", &par]);
                let stats = sampler.finish();
                let ours = Phases {
                    apply,
                    plan,
                    destroy,
                };
                eprintln!(
                    "{workload} N={n} latency={latency_ms}ms: apply/plan/destroy {} (floor {}, graph floor {})",
                    ours.text(),
                    floor.text(),
                    graph_floor.text()
                );
                rows.push(Row {
                    workload: workload.clone(),
                    n,
                    resources,
                    latency_ms,
                    ours,
                    floor,
                    graph_floor,
                    calls_apply,
                    calls_plan,
                    peak_rss_kib: stats.peak_rss_kib,
                    cpu: stats.cpu,
                    terraform_cpu: stats.terraform_cpu,
                    sandbox_cpu: stats.sandbox_cpu,
                    floor_terraform_cpu,
                    graph_floor_terraform_cpu,
                });
                runtime.block_on(sandbox.shutdown());
            }
        }
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| workload | N | resources | latency | apply s (× floor, × graph floor) | no-op plan s (× floor, × graph floor) | destroy s (× floor, × graph floor) | REST calls/resource apply | REST calls no-op plan | provider peak RSS MiB | CPU s: provider / terraform / sandbox | terraform CPU s: floor / graph floor |"
    );
    let _ = writeln!(table, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let cell = |ours: Duration, floor: Duration, graph: Duration| {
        format!(
            "{:.2} ({:.2}×, {:.2}×)",
            ours.as_secs_f64(),
            ratio(ours, floor),
            ratio(ours, graph)
        )
    };
    for r in &rows {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {} ms | {} | {} | {} | {:.2} | {} | {:.1} | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} |",
            r.workload,
            r.n,
            r.resources,
            r.latency_ms,
            cell(r.ours.apply, r.floor.apply, r.graph_floor.apply),
            cell(r.ours.plan, r.floor.plan, r.graph_floor.plan),
            cell(r.ours.destroy, r.floor.destroy, r.graph_floor.destroy),
            r.calls_apply as f64 / r.resources as f64,
            r.calls_plan,
            r.peak_rss_kib as f64 / 1024.0,
            r.cpu.as_secs_f64(),
            r.terraform_cpu.as_secs_f64(),
            r.sandbox_cpu.as_secs_f64(),
            r.floor_terraform_cpu.as_secs_f64(),
            r.graph_floor_terraform_cpu.as_secs_f64()
        );
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let header = format!(
        "scale benchmark: {cores} cores, terraform -parallelism={parallelism}, floor = as many terraform_data resources; graph floor = terraform_data with the workload's references; all in the same run\n\n"
    );
    publish("scale", &format!("{header}{table}"));
}
