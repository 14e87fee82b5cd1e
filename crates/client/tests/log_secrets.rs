//! Every tracing event and span field, at TRACE, of the ConnectWise and Umbrella clients and the
//! sandbox while they work through faults, wrong keys, API keys and member tokens: no secret may
//! appear in any of them, nor in the `Debug` of a client type or in an error message.
//!
//! A test binary of its own with one test: the capture is the process-wide subscriber, set before
//! any callsite is hit. A thread-local subscriber in a binary with other tests loses events,
//! because tracing caches a callsite's interest when another test's thread hits it first.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use api_client::{Conditions, ConnectWise, NewSecurityRole, Secret};
use connectwise_sandbox::FaultConfig;

mod support;
use support::{KEY_DESCRIPTION, config, new_member, psa_input, start, umbrella};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<String>>);

struct Visitor<'a>(&'a mut String);

impl tracing::field::Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let mut line = format!("{} {}", event.metadata().level(), event.metadata().target());
        event.record(&mut Visitor(&mut line));
        let mut out = self.0.lock().unwrap();
        out.push_str(&line);
        out.push('\n');
    }

    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _: &tracing::span::Id,
        _: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut line = format!("span {}", attrs.metadata().name());
        attrs.record(&mut Visitor(&mut line));
        let mut out = self.0.lock().unwrap();
        out.push_str(&line);
        out.push('\n');
    }
}

#[tokio::test]
async fn no_secret_in_any_log_line_or_error() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let capture = Capture::default();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(capture.clone()))
        .expect("the only subscriber of this test binary");

    let sandbox = start().await;
    sandbox.set_faults(FaultConfig {
        seed: 5,
        server_error: 0.2,
        lost_post: 0.3,
        ..FaultConfig::default()
    });
    let cw = ConnectWise::new(config(&sandbox.url())).unwrap();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Secret Role".into(),
            ..NewSecurityRole::default()
        })
        .await
        .unwrap();
    let member = new_member(&cw, "secret-member", role.id).await.unwrap();
    let key = cw
        .api_keys()
        .create(member.id.unwrap(), KEY_DESCRIPTION)
        .await
        .unwrap();
    let key_private = key.private_key.clone().unwrap();
    let as_member = cw
        .with_keys(key.public_key.clone(), key_private.clone())
        .unwrap();
    let _ = as_member.security_roles().list(&Conditions::new()).await;
    let token = cw.members().create_token("secret-member").await;
    let um = umbrella(&sandbox);
    um.put_psa(&psa_input(&sandbox)).await.unwrap();
    // Failures too: wrong keys, an unknown key id.
    let wrong = cw
        .with_keys("sandbox-public-key", Secret::new("wrong-private-key"))
        .unwrap();
    let wrong_err = wrong
        .security_roles()
        .list(&Conditions::new())
        .await
        .unwrap_err();
    sandbox.set_faults(FaultConfig::none());

    let logs = capture.0.lock().unwrap().clone();
    assert!(logs.contains("REST call"), "nothing captured:\n{logs}");
    let mut secrets = vec![
        "sandbox-private-key".to_owned(),
        "umbrella-sandbox-secret".to_owned(),
        "wrong-private-key".to_owned(),
        key_private.expose().to_owned(),
        "Basic ".to_owned(),
        "Bearer ".to_owned(),
        "c2FuZGJveCtzYW5kYm94LXB1YmxpYy1rZXk6".to_owned(), // base64("sandbox+sandbox-public-key:")
    ];
    if let Ok(token) = &token {
        secrets.push(token.private_key.expose().to_owned());
    }
    let debug_dump = format!(
        "{cw:?} {:?} {key:?} {token:?} {um:?} {wrong_err:?}",
        cw.config()
    );
    for secret in &secrets {
        assert!(!logs.contains(secret.as_str()), "{secret:?} in the logs");
        assert!(
            !debug_dump.contains(secret.as_str()),
            "{secret:?} in {debug_dump}"
        );
        assert!(!wrong_err.to_string().contains(secret.as_str()));
    }
}
