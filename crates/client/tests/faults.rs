//! The ConnectWise and Umbrella clients against the in-process sandbox with injected faults:
//! server errors, 429s, dropped connections, lost POSTs, a slow token endpoint; plus the retry
//! deadline, the per-site limiter, malformed answers. The scan of every log line for secrets is `log_secrets.rs`.
//!
//! Run with `-- --nocapture` to see the numbers of the concurrent run.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use api_client::umbrella::{Umbrella, UmbrellaConfig};
use api_client::{Conditions, ConnectWise, Error, NewSecurityRole};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use connectwise_sandbox::FaultConfig;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

mod support;
use support::{KEY_DESCRIPTION, config, new_member, psa_input, start, umbrella};

/// A clear error names the call (method and path) or says what was wrong.
fn assert_clear(err: &Error) {
    let text = err.to_string();
    assert!(
        text.contains("/system/")
            || text.contains("/login/")
            || matches!(err, Error::NotFound { .. }),
        "error does not name the call: {text}"
    );
    assert!(!text.contains("sandbox-private-key"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// The concurrent run: 100 roles and 20 API members with keys, 20 at a time, under faults.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_under_faults_leave_exactly_the_intended_objects() {
    const ROLES: usize = 100;
    const MEMBERS: usize = 20;
    let sandbox = start().await;
    let cw = ConnectWise::new(config(&sandbox.url())).unwrap();
    let shared_role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "fault-member-role".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    sandbox.clear_requests();
    sandbox.set_faults(FaultConfig {
        seed: 7,
        server_error: 0.10,
        rate_limit: 0.05,
        retry_after_secs: 1,
        lost_post: 0.10,
        drop: 0.02,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let limit = Arc::new(Semaphore::new(20));
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks: JoinSet<(String, Result<(), Error>)> = JoinSet::new();
    for i in 0..ROLES {
        let (cw, limit, calls) = (cw.clone(), limit.clone(), calls.clone());
        tasks.spawn(async move {
            let _slot = limit.acquire().await.unwrap();
            let name = format!("fault-role-{i}");
            let result = async {
                let roles = cw.security_roles();
                let role = roles
                    .create(&NewSecurityRole {
                        name: name.clone(),
                        ..NewSecurityRole::default()
                    })
                    .await?;
                let read = roles.get(role.id).await?;
                assert_eq!(read.name, name);
                let found = roles.find_by_name(&name).await?;
                assert_eq!(found.map(|r| r.id), Some(role.id));
                calls.fetch_add(3, std::sync::atomic::Ordering::Relaxed);
                if i.is_multiple_of(2) {
                    calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    roles.delete(role.id).await?;
                }
                Ok(())
            }
            .await;
            (name, result)
        });
    }
    for j in 0..MEMBERS {
        let (cw, limit, calls) = (cw.clone(), limit.clone(), calls.clone());
        let role_id = shared_role.id;
        tasks.spawn(async move {
            let _slot = limit.acquire().await.unwrap();
            let identifier = format!("fault-m-{j}");
            let result = async {
                let member = new_member(&cw, &identifier, role_id).await?;
                let key = cw
                    .api_keys()
                    .create(member.id.unwrap(), KEY_DESCRIPTION)
                    .await?;
                assert!(
                    key.private_key.is_some(),
                    "a created key has its private key"
                );
                calls.fetch_add(4, std::sync::atomic::Ordering::Relaxed);
                Ok(())
            }
            .await;
            (identifier, result)
        });
    }
    let mut failed: Vec<(String, Error)> = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (what, result) = joined.expect("task does not panic");
        if let Err(e) = result {
            assert_clear(&e);
            failed.push((what, e));
        }
    }
    let elapsed = started.elapsed();
    let counts = sandbox.fault_counts();
    let requests = sandbox.requests();

    // Re-apply what failed (as Terraform would on the next apply), without faults.
    sandbox.set_faults(FaultConfig::none());
    for (what, err) in &failed {
        eprintln!("failed under faults (re-applied): {what}: {err}");
        if let Some(i) = what.strip_prefix("fault-role-") {
            let i: usize = i.parse().unwrap();
            let roles = cw.security_roles();
            let role = match roles.find_by_name(what).await.unwrap() {
                Some(role) => role,
                None => roles
                    .create(&NewSecurityRole {
                        name: what.clone(),
                        ..NewSecurityRole::default()
                    })
                    .await
                    .unwrap(),
            };
            if i.is_multiple_of(2) {
                roles.delete(role.id).await.unwrap();
            }
        } else {
            let member = match cw.api_members().find_by_identifier(what).await.unwrap() {
                Some(m) => m,
                None => new_member(&cw, what, shared_role.id).await.unwrap(),
            };
            let id = member.id.unwrap();
            let keys = cw.api_keys().list(id, &Conditions::new()).await.unwrap();
            if keys.is_empty() {
                cw.api_keys().create(id, KEY_DESCRIPTION).await.unwrap();
            }
        }
    }

    // Exactly the intended objects, no duplicates.
    let roles = sandbox.state().roles("sandbox");
    let mut role_names: BTreeMap<String, usize> = BTreeMap::new();
    for role in &roles {
        *role_names.entry(role.name.to_lowercase()).or_default() += 1;
    }
    let duplicate_roles: usize = role_names.values().map(|n| n - 1).sum();
    let fault_roles: HashSet<String> = role_names
        .keys()
        .filter(|n| n.starts_with("fault-role-"))
        .cloned()
        .collect();
    let intended: HashSet<String> = (0..ROLES)
        .filter(|i| !i.is_multiple_of(2))
        .map(|i| format!("fault-role-{i}"))
        .collect();
    assert_eq!(fault_roles, intended, "roles left in the sandbox");

    let members = sandbox.state().api_members("sandbox");
    let mut member_ids: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for m in &members {
        member_ids
            .entry(m.identifier.to_lowercase())
            .or_default()
            .push(m.id);
    }
    let mut duplicate_members = 0;
    let mut duplicate_keys = 0;
    let mut keys_total = 0;
    for j in 0..MEMBERS {
        let ids = member_ids
            .get(&format!("fault-m-{j}"))
            .unwrap_or_else(|| panic!("member fault-m-{j} missing"));
        duplicate_members += ids.len() - 1;
        let keys = sandbox.state().api_keys("sandbox", ids[0]);
        keys_total += keys.len();
        duplicate_keys += keys.len().saturating_sub(1);
        assert_eq!(keys.len(), 1, "fault-m-{j} has {} keys", keys.len());
    }
    let stray_posts = requests
        .iter()
        .filter(|r| r.method == "POST" && r.status == 400)
        .count();

    let mut report = String::new();
    let _ = writeln!(
        report,
        "fault run: {ROLES} roles (+1 shared) and {MEMBERS} API members with keys, 20 at a time, in {:.1} s",
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        report,
        "  client calls {} (logical), HTTP requests served {} (extra = retries + lookups: {})",
        calls.load(std::sync::atomic::Ordering::Relaxed),
        requests.len(),
        requests
            .len()
            .saturating_sub(calls.load(std::sync::atomic::Ordering::Relaxed))
    );
    let _ = writeln!(
        report,
        "  injected: 500 x{}, 502 x{}, 503 x{}, 504 x{}, 429 x{}, dropped x{}, lost POST x{} (of {} requests)",
        counts.status_500,
        counts.status_502,
        counts.status_503,
        counts.status_504,
        counts.rate_limited,
        counts.dropped,
        counts.lost_posts,
        counts.requests
    );
    let _ = writeln!(
        report,
        "  calls failed under faults (re-applied): {}; POSTs refused 400 (would-be duplicates): {stray_posts}",
        failed.len()
    );
    let _ = writeln!(
        report,
        "  end state: {} fault roles (intended {}), {} members, {keys_total} keys; duplicates: roles {duplicate_roles}, members {duplicate_members}, keys {duplicate_keys}",
        fault_roles.len(),
        intended.len(),
        MEMBERS
    );
    eprintln!("{report}");

    assert_eq!(duplicate_roles, 0);
    assert_eq!(duplicate_members, 0);
    assert_eq!(duplicate_keys, 0);
    assert_eq!(stray_posts, 0, "a POST was repeated for an existing object");
    assert!(counts.server_errors() > 0, "{counts:?}");
    assert!(counts.rate_limited > 0, "{counts:?}");
    assert!(counts.lost_posts > 0, "{counts:?}");
    assert!(
        failed.len() <= 3,
        "too many calls failed despite retries: {}",
        failed.len()
    );
}

// ---------------------------------------------------------------------------------------------
// Lost POSTs one by one: the lookup adopts the object, the API key is replaced.

#[tokio::test]
async fn a_lost_post_is_looked_up_not_repeated() {
    let sandbox = start().await;
    let cw = ConnectWise::new(config(&sandbox.url())).unwrap();
    cw.security_roles().list(&Conditions::new()).await.unwrap(); // codebase discovery
    sandbox.set_faults(FaultConfig {
        lost_post: 1.0,
        ..FaultConfig::default()
    });
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Lost Role".into(),
            ..NewSecurityRole::default()
        })
        .await
        .expect("the lost create is found by name");
    let member = new_member(&cw, "lost-member", role.id)
        .await
        .expect("the lost create is found by identifier");
    let settings = cw.role_settings().list(role.id).await.unwrap();
    let table_setup = settings
        .iter()
        .find(|s| {
            s.module_name.as_deref() == Some("System")
                && s.module_function_name.as_deref() == Some("Table Setup")
        })
        .expect("System > Table Setup exists");
    let item = cw
        .role_settings()
        .add_customize_item(role.id, table_setup.id, "Service / Priority")
        .await
        .expect("the lost create is found by item identifier");
    sandbox.set_faults(FaultConfig::none());
    assert_eq!(sandbox.fault_counts().lost_posts, 3);
    let roles: Vec<_> = sandbox
        .state()
        .roles("sandbox")
        .into_iter()
        .filter(|r| r.name == "Lost Role")
        .collect();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].id, role.id);
    let members: Vec<_> = sandbox
        .state()
        .api_members("sandbox")
        .into_iter()
        .filter(|m| m.identifier == "lost-member")
        .collect();
    assert_eq!(members.len(), 1);
    assert_eq!(Some(members[0].id), member.id);
    let items = sandbox
        .state()
        .customize_items("sandbox", role.id, table_setup.id);
    assert_eq!(
        items
            .iter()
            .filter(|i| i.item_identifier == "Service / Priority")
            .count(),
        1
    );
    assert_eq!(item.item_identifier, "Service / Priority");
}

#[tokio::test]
async fn a_lost_api_key_is_deleted_and_made_again_and_existing_keys_are_kept() {
    let sandbox = start().await;
    let mut cfg = config(&sandbox.url());
    cfg.max_retries = 2;
    let cw = ConnectWise::new(cfg).unwrap();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Key Role".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    let member_id = new_member(&cw, "key-member", role.id)
        .await
        .unwrap()
        .id
        .unwrap();
    let existing = cw
        .api_keys()
        .create(member_id, KEY_DESCRIPTION)
        .await
        .unwrap();

    // Every create answer is lost: each half-made key is deleted, none is left behind.
    sandbox.set_faults(FaultConfig {
        lost_post: 1.0,
        path_contains: Some("/apiKeys".into()),
        ..FaultConfig::default()
    });
    let err = cw
        .api_keys()
        .create(member_id, KEY_DESCRIPTION)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("POST /system/members/{member_id}/apiKeys"))
            && text.contains("gave up after 3 attempts"),
        "{text}"
    );
    let left: Vec<i32> = sandbox
        .state()
        .api_keys("sandbox", member_id)
        .iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(left, vec![existing.id], "only the key made before is left");

    // Half the answers lost: the create ends with exactly one new, usable key.
    sandbox.set_faults(FaultConfig {
        seed: 3,
        lost_post: 0.5,
        path_contains: Some("/apiKeys".into()),
        ..FaultConfig::default()
    });
    let mut cfg = config(&sandbox.url());
    cfg.max_retries = 8;
    let patient = ConnectWise::new(cfg).unwrap();
    let key = patient
        .api_keys()
        .create(member_id, KEY_DESCRIPTION)
        .await
        .unwrap();
    sandbox.set_faults(FaultConfig::none());
    let ids: HashSet<i32> = sandbox
        .state()
        .api_keys("sandbox", member_id)
        .iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(ids, HashSet::from([existing.id, key.id]));
    let as_member = cw
        .with_keys(key.public_key.clone(), key.private_key.clone().unwrap())
        .unwrap();
    as_member
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Budgets: the retry deadline, 4xx never retried, dropped connections.

#[tokio::test]
async fn retry_deadline_ends_a_call_that_always_gets_503() {
    let sandbox = start().await;
    let mut cfg = config(&sandbox.url());
    cfg.codebase = Some("v2025_1/".into());
    cfg.max_retries = 1000;
    cfg.retry_deadline = Duration::from_secs(3);
    let cw = ConnectWise::new(cfg).unwrap();
    sandbox.set_faults(FaultConfig {
        server_error: 1.0,
        server_error_statuses: vec![503],
        ..FaultConfig::default()
    });
    let started = Instant::now();
    let err = cw
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let text = err.to_string();
    assert!(elapsed <= Duration::from_millis(3500), "{elapsed:?}");
    assert!(
        text.starts_with("GET /system/securityroles: gave up after"),
        "{text}"
    );
    // Normally the last answer is the 503; on a loaded machine the deadline may cut the last
    // attempt short, and the message then names the 503 before it.
    assert!(text.contains("HTTP 503"), "{text}");
    assert_eq!(err.status(), Some(503));
    assert!(matches!(err, Error::GaveUp { attempts, .. } if attempts >= 3));

    // A create that keeps failing before the server acts: looked up, retried, never duplicated.
    let started = Instant::now();
    let err = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Never".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap_err();
    assert!(started.elapsed() <= Duration::from_secs(8), "{err}");
    assert!(
        err.to_string().starts_with("POST /system/securityroles: "),
        "{err}"
    );
    sandbox.set_faults(FaultConfig::none());
    assert!(
        cw.security_roles()
            .find_by_name("Never")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn four_hundreds_are_not_retried_and_drops_are() {
    let sandbox = start().await;
    let cw = ConnectWise::new(config(&sandbox.url())).unwrap();
    cw.security_roles().list(&Conditions::new()).await.unwrap();
    sandbox.clear_requests();
    let err = cw.security_roles().get(987_654).await.unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(sandbox.requests().len(), 1, "a 404 is not retried");

    // Every answer dropped mid-response: a transport error after the retries, naming the call.
    sandbox.set_faults(FaultConfig {
        drop: 1.0,
        ..FaultConfig::default()
    });
    let mut cfg = config(&sandbox.url());
    cfg.codebase = Some("v2025_1/".into());
    cfg.max_retries = 2;
    let cw2 = ConnectWise::new(cfg).unwrap();
    let err = cw2
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("GET /system/securityroles: gave up after 3 attempts"),
        "{text}"
    );
    assert!(matches!(err.root(), Error::Transport { .. }), "{err:?}");
    assert!(sandbox.fault_counts().dropped >= 3);

    // A DELETE whose answer is dropped is retried; the 404 that follows means "done".
    sandbox.set_faults(FaultConfig::none());
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Drop Me".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    sandbox.set_faults(FaultConfig {
        drop: 1.0,
        path_contains: Some(format!("/securityroles/{}", role.id)),
        ..FaultConfig::default()
    });
    let mut cfg = config(&sandbox.url());
    cfg.max_retries = 1;
    let one_retry = ConnectWise::new(cfg).unwrap();
    // First attempt deleted and dropped; the retry gets 404 (dropped too, so give up) — either
    // way the role is gone and the error, if any, is clear.
    if let Err(e) = one_retry.security_roles().delete(role.id).await {
        assert_clear(&e);
    }
    sandbox.set_faults(FaultConfig {
        drop: 0.0,
        ..FaultConfig::default()
    });
    assert!(
        cw.security_roles()
            .find_by_name("Drop Me")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn delete_after_a_lost_answer_is_a_success() {
    let sandbox = start().await;
    let cw = ConnectWise::new(config(&sandbox.url())).unwrap();
    // Seeds are tried until one drops the first DELETE's answer and lets a later one through:
    // the retry then gets 404, which means the first attempt did the job.
    let mut exercised = false;
    for seed in 0..20 {
        sandbox.set_faults(FaultConfig::none());
        let role = cw
            .security_roles()
            .create(&NewSecurityRole {
                name: format!("Gone {seed}"),
                ..NewSecurityRole::default()
            })
            .await
            .unwrap();
        sandbox.clear_requests();
        sandbox.set_faults(FaultConfig {
            seed,
            drop: 0.5,
            path_contains: Some(format!("/securityroles/{}", role.id)),
            ..FaultConfig::default()
        });
        cw.security_roles()
            .delete(role.id)
            .await
            .expect("a DELETE whose answer was lost and whose retry got 404 succeeded");
        assert!(
            sandbox
                .state()
                .roles("sandbox")
                .iter()
                .all(|r| r.id != role.id)
        );
        let statuses: Vec<u16> = sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .map(|r| r.status)
            .collect();
        if statuses.len() > 1 && statuses.contains(&404) {
            exercised = true;
            break;
        }
    }
    assert!(exercised, "no seed dropped the first DELETE");
}

// ---------------------------------------------------------------------------------------------
// The per-site limiter.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limiter_keeps_a_burst_of_200_within_the_rate() {
    const RATE_PER_MINUTE: u32 = 3000; // 50 per second
    const BURST: u32 = 20;
    let sandbox = start().await;
    let mut cfg = config(&sandbox.url());
    cfg.codebase = Some("v2025_1/".into());
    cfg.requests_per_minute = Some(RATE_PER_MINUTE);
    cfg.burst = Some(BURST);
    cfg.max_in_flight = 8;
    // Four clients of the same site and company share one limiter.
    let clients: Vec<ConnectWise> = (0..4)
        .map(|_| ConnectWise::new(cfg.clone()).unwrap())
        .collect();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for n in 0..200 {
        let cw = clients[n % clients.len()].clone();
        tasks.spawn(async move { cw.security_roles().get(1).await.map(|_| ()) });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    let mut times: Vec<SystemTime> = sandbox.requests().iter().map(|r| r.at).collect();
    times.sort();
    assert_eq!(times.len(), 200);
    let rate = f64::from(RATE_PER_MINUTE) / 60.0;
    // Token bucket: any run of k requests spanning t seconds has k <= burst + rate * t.
    let mut worst = f64::MIN;
    for i in 0..times.len() {
        for j in i..times.len() {
            let span = times[j]
                .duration_since(times[i])
                .unwrap_or_default()
                .as_secs_f64();
            let excess = (j - i + 1) as f64 - (f64::from(BURST) + rate * span);
            worst = worst.max(excess);
        }
    }
    eprintln!(
        "limiter: 200 requests at {RATE_PER_MINUTE}/min (burst {BURST}) took {:.2} s; worst excess over the bucket {worst:.1}",
        elapsed.as_secs_f64()
    );
    // Arrival jitter at the server (logged when answered) allows a couple of requests of slack.
    assert!(
        worst <= 3.0,
        "the limiter let {worst:.1} requests too many through"
    );
    let minimum = (200.0 - f64::from(BURST)) / rate;
    assert!(
        elapsed.as_secs_f64() >= minimum * 0.9,
        "{elapsed:?} < {minimum} s"
    );
}

// ---------------------------------------------------------------------------------------------
// Umbrella: 429 without headers, slow token endpoint.

#[tokio::test]
async fn umbrella_survives_429s_5xx_and_a_slow_token() {
    let sandbox = start().await;
    sandbox.set_faults(FaultConfig {
        seed: 11,
        server_error: 0.2,
        server_error_statuses: vec![502, 503, 504],
        rate_limit: 0.2,
        slow_token: Duration::from_millis(300),
        path_contains: Some("/v2/".into()),
        ..FaultConfig::default()
    });
    let um = umbrella(&sandbox);
    for _ in 0..5 {
        um.put_psa(&psa_input(&sandbox)).await.unwrap();
        assert!(um.get_psa().await.unwrap().is_some());
    }
    let counts = sandbox.fault_counts();
    assert!(counts.slow_tokens >= 1, "{counts:?}");
    assert!(
        counts.rate_limited + counts.server_errors() > 0,
        "{counts:?}"
    );
    // Injected Umbrella 429s carry no Retry-After, like Umbrella's own.
    assert!(
        sandbox
            .requests()
            .iter()
            .any(|r| r.status == 429 && r.path.starts_with("/admin/v2/"))
    );

    // A token endpoint slower than the request timeout: a clear timeout naming the token call.
    sandbox.set_faults(FaultConfig {
        slow_token: Duration::from_millis(1500),
        ..FaultConfig::default()
    });
    let mut cfg = UmbrellaConfig::new("umbrella-sandbox-key", "umbrella-sandbox-secret");
    cfg.base_url = sandbox.url();
    cfg.rate_limits = Vec::new();
    cfg.request_timeout = Duration::from_millis(300);
    let err = Umbrella::new(cfg).unwrap().get_psa().await.unwrap_err();
    assert!(err.to_string().contains("/auth/v2/token"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Malformed answers: each a clear error, no panic.

async fn serve(body: &'static [u8], content_type: &'static str, status: StatusCode) -> String {
    let big: Arc<Vec<u8>> = Arc::new({
        let mut v = b"[".to_vec();
        while v.len() < 9 * 1024 * 1024 {
            v.extend_from_slice(
                br#"{"id":1,"name":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},"#,
            );
        }
        v.extend_from_slice(br#"{"id":2,"name":"y"}]"#);
        v
    });
    let answer = move || {
        let big = big.clone();
        async move {
            let bytes = if body == b"HUGE" {
                big.as_ref().clone()
            } else {
                body.to_vec()
            };
            let mut r: Response = (status, bytes).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            r
        }
    };
    let app = Router::new()
        .route(
            "/login/companyinfo/{company}",
            get(|| async { axum::Json(serde_json::json!({"Codebase": "v2025_1/"})) }),
        )
        .route(
            "/v2025_1/apis/3.0/system/securityroles",
            get(answer.clone()),
        )
        .route("/v2025_1/apis/3.0/system/securityroles/{id}", get(answer));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn malformed_answers_are_clear_errors() {
    let cases: &[(&str, &[u8], &str, StatusCode, &str)] = &[
        (
            "invalid JSON",
            b"[{\"id\":1,",
            "application/json",
            StatusCode::OK,
            "expected JSON",
        ),
        (
            "wrong types",
            br#"[{"id":"one","name":5}]"#,
            "application/json",
            StatusCode::OK,
            "expected JSON Vec<SecurityRole>",
        ),
        (
            "object instead of list",
            br#"{"id":1}"#,
            "application/json",
            StatusCode::OK,
            "expected JSON Vec<SecurityRole>",
        ),
        (
            "HTML page",
            b"<!DOCTYPE html><html><body>Sign in</body></html>",
            "text/html",
            StatusCode::OK,
            "an HTML page",
        ),
        (
            "HTML error page",
            b"<html><body><h1>500 - Internal server error.</h1></body></html>",
            "text/html",
            StatusCode::INTERNAL_SERVER_ERROR,
            "an HTML page",
        ),
        (
            "empty body",
            b"",
            "application/json",
            StatusCode::OK,
            "the body was empty",
        ),
        (
            "huge body",
            b"HUGE",
            "application/json",
            StatusCode::OK,
            "larger than 8 MiB",
        ),
        (
            "binary garbage",
            b"\xff\xfe\x00garbage",
            "application/octet-stream",
            StatusCode::OK,
            "expected JSON",
        ),
    ];
    for (name, body, content_type, status, expected) in cases {
        let url = serve(body, content_type, *status).await;
        let mut cfg = config(&url);
        cfg.max_retries = 1;
        let cw = ConnectWise::new(cfg).unwrap();
        let err = cw
            .security_roles()
            .list(&Conditions::new())
            .await
            .expect_err(name);
        let text = err.to_string();
        assert!(text.contains(expected), "{name}: {text}");
        assert!(text.contains("GET /system/securityroles"), "{name}: {text}");
        assert!(
            text.len() < 1000,
            "{name}: message too long ({})",
            text.len()
        );
        if *name == "object instead of list" {
            continue; // a valid answer for a single role
        }
        let err = cw.security_roles().get(1).await.expect_err(name);
        assert!(
            matches!(err.root(), Error::Decode { .. } | Error::Api { .. }),
            "{name}: {err:?}"
        );
    }
}
