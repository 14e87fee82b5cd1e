//! The provider's own cost per plugin call, without Terraform: starts the
//! provider binary like Terraform does (handshake, mTLS) and drives it over
//! gRPC against the in-process sandbox. Prints µs per call (p50/p99), the
//! handshake time and a concurrent-read throughput.
//!
//! `cargo bench --bench protocol`; `BENCH_ITERATIONS` (default 300),
//! `BENCH_CONCURRENCY` (default 64).

use std::path::Path;
use std::time::{Duration, Instant};

use connectwise_provider::provider::config::provider_schema;
use connectwise_provider::provider::security_role::role_schema;
use connectwise_sandbox::{Sandbox, SandboxConfig};
use tfplugin::client::PluginProcess;
use tfplugin::proto::tfplugin6 as pb;
use tfplugin::value::{from_msgpack, to_msgpack};
use tfplugin::{Schema, Value};

const CLIENT_ID: &str = "3f1c2a7e-9b4d-4c8e-a2f1-6d5e4c3b2a19";
const ROLE: &str = "connectwise_security_role";

fn dv(v: &Value, s: &Schema) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: to_msgpack(v, &s.ty()),
        json: vec![],
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Timings(Vec<(&'static str, Vec<Duration>)>);

impl Timings {
    fn add(&mut self, name: &'static str, d: Duration) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(d),
            None => self.0.push((name, vec![d])),
        }
    }
}

fn check(diags: &[pb::Diagnostic], what: &str) {
    if let Some(d) = diags
        .iter()
        .find(|d| d.severity == pb::diagnostic::Severity::Error as i32)
    {
        panic!("{what}: {} — {}", d.summary, d.detail);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let binary = Path::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"));

    // Handshake: exec → handshake line, over 20 launches.
    let mut handshakes = Vec::new();
    for _ in 0..20 {
        let p = PluginProcess::launch(binary, &[]).await.expect("launch");
        handshakes.push(p.handshake_time);
        p.shutdown().await;
    }
    handshakes.sort();

    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let tenant = sandbox.config().tenants[0].clone();
    let mut p = PluginProcess::launch(binary, &[]).await.expect("launch");
    let pschema = provider_schema();
    let config = Value::object()
        .with("site", Value::string(sandbox.url()))
        .with("company_id", Value::string(&tenant.company_id))
        .with("public_key", Value::string(&tenant.public_key))
        .with("private_key", Value::string(&tenant.private_key))
        .with("client_id", Value::string(CLIENT_ID))
        // The provider's own cost, not the client-side limit that protects a real site
        // (1000 requests a minute by default; the iterations above already make ~1200).
        .with("requests_per_minute", Value::int(0));
    let resp = p
        .provider
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.11.4".into(),
            config: dv(&config, &pschema),
            client_capabilities: None,
        })
        .await
        .expect("configure")
        .into_inner();
    check(&resp.diagnostics, "configure");

    let schema = role_schema();
    let ty = schema.ty();
    let mut t = Timings(Vec::new());
    let mut states = Vec::new();
    for i in 0..iterations {
        let started = Instant::now();
        let _ = p
            .provider
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("schema");
        t.add("GetProviderSchema", started.elapsed());

        let cfg = Value::object().with("name", Value::string(format!("proto-bench-{i}")));
        let started = Instant::now();
        let r = p
            .provider
            .validate_resource_config(pb::validate_resource_config::Request {
                type_name: ROLE.into(),
                config: dv(&cfg, &schema),
                client_capabilities: None,
            })
            .await
            .expect("validate")
            .into_inner();
        t.add("ValidateResourceConfig", started.elapsed());
        check(&r.diagnostics, "validate");

        let started = Instant::now();
        let plan = p
            .provider
            .plan_resource_change(pb::plan_resource_change::Request {
                type_name: ROLE.into(),
                prior_state: dv(&Value::Null, &schema),
                proposed_new_state: dv(&cfg, &schema),
                config: dv(&cfg, &schema),
                ..Default::default()
            })
            .await
            .expect("plan")
            .into_inner();
        t.add("PlanResourceChange", started.elapsed());
        check(&plan.diagnostics, "plan");

        let started = Instant::now();
        let applied = p
            .provider
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: ROLE.into(),
                prior_state: dv(&Value::Null, &schema),
                planned_state: plan.planned_state,
                config: dv(&cfg, &schema),
                ..Default::default()
            })
            .await
            .expect("apply")
            .into_inner();
        t.add("ApplyResourceChange (create, 1 POST)", started.elapsed());
        check(&applied.diagnostics, "apply");
        let state = applied.new_state.expect("state");

        let started = Instant::now();
        let read = p
            .provider
            .read_resource(pb::read_resource::Request {
                type_name: ROLE.into(),
                current_state: Some(state.clone()),
                ..Default::default()
            })
            .await
            .expect("read")
            .into_inner();
        t.add("ReadResource (1 GET)", started.elapsed());
        check(&read.diagnostics, "read");

        let id = from_msgpack(&state.msgpack, &ty)
            .expect("decode")
            .get("id")
            .as_str()
            .unwrap_or_default()
            .to_string();
        let started = Instant::now();
        let imported = p
            .provider
            .import_resource_state(pb::import_resource_state::Request {
                type_name: ROLE.into(),
                id,
                ..Default::default()
            })
            .await
            .expect("import")
            .into_inner();
        t.add("ImportResourceState (1 GET)", started.elapsed());
        check(&imported.diagnostics, "import");
        states.push(state);
    }

    // Concurrent reads: `concurrency` in flight at once.
    let reads = states.len().min(concurrency * 4);
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for state in states.iter().take(reads).cloned() {
        let mut client = p.provider.clone();
        set.spawn(async move {
            client
                .read_resource(pb::read_resource::Request {
                    type_name: ROLE.into(),
                    current_state: Some(state),
                    ..Default::default()
                })
                .await
                .is_ok()
        });
        while set.len() >= concurrency {
            let _ = set.join_next().await;
        }
    }
    while set.join_next().await.is_some() {}
    let concurrent = started.elapsed();

    // Clean up through the provider itself.
    for state in states {
        let r = p
            .provider
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: ROLE.into(),
                prior_state: Some(state),
                planned_state: dv(&Value::Null, &schema),
                config: dv(&Value::Null, &schema),
                ..Default::default()
            })
            .await
            .expect("delete")
            .into_inner();
        check(&r.diagnostics, "delete");
    }
    p.shutdown().await;
    sandbox.shutdown().await;

    println!(
        "protocol benchmark: {iterations} iterations, provider binary {}\n",
        binary.display()
    );
    println!(
        "handshake (exec → handshake line), 20 launches: p50 {:.1} ms, p99 {:.1} ms\n",
        percentile(&handshakes, 0.5).as_secs_f64() * 1e3,
        percentile(&handshakes, 0.99).as_secs_f64() * 1e3
    );
    println!("| call | p50 µs | p99 µs |\n|---|---|---|");
    for (name, mut v) in t.0 {
        v.sort();
        println!(
            "| {name} | {} | {} |",
            percentile(&v, 0.5).as_micros(),
            percentile(&v, 0.99).as_micros()
        );
    }
    println!(
        "\n{reads} ReadResource calls with {concurrency} in flight: {:.1} ms total, {:.0} calls/s",
        concurrent.as_secs_f64() * 1e3,
        reads as f64 / concurrent.as_secs_f64()
    );
}
