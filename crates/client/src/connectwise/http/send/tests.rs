//! Failures to reach a server or to read its answer: each error names its cause in words and
//! keeps the whole chain as its `source`; a host name that does not resolve is tried once.

use std::error::Error as _;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::{Conditions, ConnectWise, ConnectWiseConfig, Error, Secret};

/// A client of `site` that retries `max_retries` times and waits at most `timeout` per attempt.
fn client(site: &str, max_retries: u32, timeout: Duration) -> ConnectWise {
    let mut config = ConnectWiseConfig::new(
        site,
        "acme",
        "public-key",
        Secret::new("private-key"),
        "0f5b1c8e-4a0e-4c53-9b7e-9d2f3c1a7e11",
    );
    config.codebase = Some("v2025_1/".into());
    config.max_retries = max_retries;
    config.request_timeout = timeout;
    config.retry_deadline = Duration::from_secs(20);
    ConnectWise::new(config).expect("a valid configuration")
}

async fn list_roles(cw: &ConnectWise) -> Error {
    cw.security_roles()
        .list(&Conditions::new())
        .await
        .expect_err("the call cannot succeed")
}

/// Every message of the error's source chain, joined.
fn chain(err: &Error) -> String {
    let mut out = err.root().to_string();
    let mut next = err.root().source();
    while let Some(cause) = next {
        out.push_str(" | ");
        out.push_str(&cause.to_string());
        next = cause.source();
    }
    out
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_named_and_tried_once() {
    let cw = client("https://nonexistent.invalid", 4, Duration::from_secs(10));
    let started = Instant::now();
    let err = list_roles(&cw).await;
    // One attempt: the error itself, not "gave up after N attempts", and no backoff wait.
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.starts_with("GET /system/securityroles failed: could not talk to ConnectWise: the host name could not be resolved (DNS)"),
        "{text}"
    );
    assert!(chain(&err).contains("dns error"), "{}", chain(&err));
}

#[tokio::test]
async fn a_refused_connection_is_named_with_the_operating_system_words() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port");
    let cw = client(
        &format!("http://127.0.0.1:{port}"),
        1,
        Duration::from_secs(5),
    );
    let err = list_roles(&cw).await;
    // Refused means not sent: retried, then given up with the last failure.
    assert!(matches!(err, Error::GaveUp { attempts: 2, .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("could not talk to ConnectWise: the connection was refused"),
        "{text}"
    );
    let chain = chain(&err);
    assert!(chain.contains("os error"), "{chain}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    // Accepts connections (the kernel's backlog does) and never writes a byte.
    let silent = TcpListener::bind("127.0.0.1:0").expect("a loopback listener");
    let port = silent.local_addr().expect("its address").port();
    let cw = client(
        &format!("http://127.0.0.1:{port}"),
        0,
        Duration::from_millis(300),
    );
    let started = Instant::now();
    let err = list_roles(&cw).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "GET /system/securityroles timed out waiting for ConnectWise (no answer within the request timeout)"
    );
    drop(silent);
}

#[tokio::test]
async fn a_body_that_is_not_json_is_quoted() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback listener");
    let port = listener.local_addr().expect("its address").port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("one connection");
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let body = "<html><body>Site maintenance</body></html>";
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(answer.as_bytes());
    });
    let cw = client(
        &format!("http://127.0.0.1:{port}"),
        0,
        Duration::from_secs(5),
    );
    let err = list_roles(&cw).await;
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("unexpected answer from ConnectWise: expected JSON")
            && text.contains("an HTML page: \"<html><body>Site maintenance</body></html>\""),
        "{text}"
    );
    server.join().expect("the server thread");
}

/// A server whose certificate is not trusted fails at once (one attempt, no backoff) with the
/// certificate problem and how to trust a private CA.
#[tokio::test]
async fn an_untrusted_certificate_is_named_and_tried_once() {
    let sandbox = connectwise_sandbox::Sandbox::start(connectwise_sandbox::SandboxConfig {
        tls: true,
        ..connectwise_sandbox::SandboxConfig::default()
    })
    .await
    .expect("a TLS sandbox");
    let cw = client(&sandbox.url(), 4, Duration::from_secs(10));
    let started = Instant::now();
    let err = list_roles(&cw).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_millis(450),
        "{:?}",
        started.elapsed()
    );
    assert!(!err.is_retryable());
    let text = err.to_string();
    assert!(
        text.contains("could not talk to ConnectWise: the server's certificate is not trusted (unknown issuer)")
            && text.contains("ca_certificate_pem"),
        "{text}"
    );
    assert_eq!(sandbox.requests().len(), 0, "nothing reached the server");
}
