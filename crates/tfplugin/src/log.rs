//! Logs as hclog JSON lines on stderr, which Terraform folds into its own
//! `TF_LOG` output with the right level (go-plugin parses `@level`/`@message`).

use std::io::Write;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::Registry;

/// The most verbose level wanted, from `TF_LOG_PROVIDER` or else `TF_LOG`.
pub fn level_from_env() -> Option<Level> {
    let raw = std::env::var("TF_LOG_PROVIDER")
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| std::env::var("TF_LOG").ok())?;
    match raw.trim().to_ascii_lowercase().as_str() {
        "trace" | "json" => Some(Level::TRACE),
        "debug" => Some(Level::DEBUG),
        "info" => Some(Level::INFO),
        "warn" => Some(Level::WARN),
        "error" => Some(Level::ERROR),
        "off" | "" => None,
        // Terraform treats any other value as TRACE.
        _ => Some(Level::TRACE),
    }
}

/// Installs the hclog writer as the global subscriber (once; later calls do nothing).
/// `own_targets` are the target prefixes (crate names) of the provider's own code, logged at
/// the level Terraform asks for; everything else (the HTTP/2 and TLS libraries' frame-by-frame
/// chatter) only from INFO up.
pub fn init(module: &'static str, own_targets: &'static [&'static str]) {
    let max = level_from_env().unwrap_or(Level::WARN);
    let subscriber = Registry::default().with(HclogLayer {
        module,
        max,
        own_targets,
    });
    let _ = tracing::subscriber::set_global_default(subscriber);
}

struct HclogLayer {
    module: &'static str,
    max: Level,
    own_targets: &'static [&'static str],
}

impl HclogLayer {
    fn max_for(&self, target: &str) -> Level {
        let own = target.starts_with("tfplugin")
            || self.own_targets.iter().any(|t| target.starts_with(t));
        if own {
            self.max
        } else {
            self.max.min(Level::INFO)
        }
    }
}

struct Fields(serde_json::Map<String, serde_json::Value>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field_name(field),
            serde_json::Value::String(format!("{value:?}")),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(
            field_name(field),
            serde_json::Value::String(value.to_string()),
        );
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field_name(field), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field_name(field), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field_name(field), value.into());
    }
}

fn field_name(field: &Field) -> String {
    match field.name() {
        "message" => "@message".to_string(),
        other => other.to_string(),
    }
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        *metadata.level() <= self.max_for(metadata.target())
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > self.max_for(meta.target()) {
            return;
        }
        let mut fields = Fields(serde_json::Map::new());
        event.record(&mut fields);
        let mut line = fields.0;
        let level = match *meta.level() {
            Level::TRACE => "trace",
            Level::DEBUG => "debug",
            Level::INFO => "info",
            Level::WARN => "warn",
            Level::ERROR => "error",
        };
        line.insert("@level".into(), level.into());
        line.insert(
            "@module".into(),
            format!("{}.{}", self.module, meta.target()).into(),
        );
        line.insert("@timestamp".into(), now_rfc3339().into());
        line.entry("@message").or_insert_with(|| "".into());
        if let Ok(mut text) = serde_json::to_string(&line) {
            text.push('\n');
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }
}

/// hclog's timestamp layout (go-plugin parses exactly six fractional digits).
fn now_rfc3339() -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&fmt)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_targets_get_the_wanted_level_and_libraries_info() {
        let layer = HclogLayer {
            module: "provider.test",
            max: Level::TRACE,
            own_targets: &["my_provider", "my_client"],
        };
        assert_eq!(layer.max_for("my_client::http"), Level::TRACE);
        assert_eq!(layer.max_for("my_provider"), Level::TRACE);
        assert_eq!(layer.max_for("tfplugin::server"), Level::TRACE);
        assert_eq!(layer.max_for("h2::codec"), Level::INFO);
    }
}
