//! The provider block: schema, environment fallbacks and the shared client handle.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use api_client::umbrella::{Umbrella, UmbrellaConfig};
use api_client::{ConnectWise, ConnectWiseConfig, Secret};
use tfplugin::{AttrPath, Attribute, Block, Diagnostics, Schema, Validator, Value};

/// One provider setting: its attribute, its environment variable and its doc.
struct Setting {
    attr: &'static str,
    env: &'static str,
    sensitive: bool,
    doc: &'static str,
}

const CONNECTWISE_SETTINGS: &[Setting] = &[
    Setting {
        attr: "site",
        env: "CONNECTWISE_SITE",
        sensitive: false,
        doc: "ConnectWise Manage API host, e.g. `api-na.myconnectwise.net` (HTTPS implied), or a full base URL such as the sandbox's `http://127.0.0.1:8080`.",
    },
    Setting {
        attr: "company_id",
        env: "CONNECTWISE_COMPANY_ID",
        sensitive: false,
        doc: "The company id typed at the ConnectWise login screen.",
    },
    Setting {
        attr: "public_key",
        env: "CONNECTWISE_PUBLIC_KEY",
        sensitive: false,
        doc: "Public key of the API member the provider acts as.",
    },
    Setting {
        attr: "private_key",
        env: "CONNECTWISE_PRIVATE_KEY",
        sensitive: true,
        doc: "Private key of the API member the provider acts as.",
    },
    Setting {
        attr: "client_id",
        env: "CONNECTWISE_CLIENT_ID",
        sensitive: false,
        doc: "The integration's clientId GUID from developer.connectwise.com, sent on every call.",
    },
];

const OPTIONAL_SETTINGS: &[Setting] = &[
    Setting {
        attr: "codebase",
        env: "CONNECTWISE_CODEBASE",
        sensitive: false,
        doc: "Codebase path such as `v2025_1/`. Discovered through `/login/companyinfo/<company_id>` when unset.",
    },
    Setting {
        attr: "api_version",
        env: "CONNECTWISE_API_VERSION",
        sensitive: false,
        doc: "API version pinned in the `Accept` header. Defaults to `2025.1`.",
    },
    Setting {
        attr: "request_timeout",
        env: "CONNECTWISE_REQUEST_TIMEOUT",
        sensitive: false,
        doc: "Time limit of one HTTP request, as a duration such as `30s` or `2m`. Defaults to `30s`.",
    },
];

const UMBRELLA_SETTINGS: &[Setting] = &[
    Setting {
        attr: "api_key",
        env: "UMBRELLA_API_KEY",
        sensitive: false,
        doc: "Umbrella API key (admin scope) of the MSP or MSSP console.",
    },
    Setting {
        attr: "api_secret",
        env: "UMBRELLA_API_SECRET",
        sensitive: true,
        doc: "Umbrella API secret belonging to `api_key`.",
    },
    Setting {
        attr: "base_url",
        env: "UMBRELLA_BASE_URL",
        sensitive: false,
        doc: "Umbrella API base URL. Defaults to `https://api.umbrella.com`; Umbrella for Government uses another host.",
    },
    Setting {
        attr: "org_id",
        env: "UMBRELLA_ORG_ID",
        sensitive: false,
        doc: "Organization id of a child organization to act on (sent as `X-Umbrella-OrgId` when requesting the token).",
    },
];

fn string_attr(s: &Setting) -> Attribute {
    let mut a = Attribute::string(s.attr).optional().description(&format!(
        "{} Falls back to the `{}` environment variable.",
        s.doc, s.env
    ));
    if s.sensitive {
        a = a.sensitive();
    }
    a
}

/// The schema of the `provider "connectwise"` block.
pub fn provider_schema() -> Schema {
    let mut block = Block::new(
        "Manages the Cisco Umbrella ⇄ ConnectWise Manage PSA integration: the ConnectWise security \
         role and its permissions, the API member and its key, and the PSA credentials in the \
         Umbrella MSP/MSSP console. Every argument falls back to an environment variable.",
    );
    for s in CONNECTWISE_SETTINGS.iter().chain(OPTIONAL_SETTINGS) {
        block = block.attribute(string_attr(s));
    }
    block = block.attribute(
        Attribute::number("max_retries")
            .optional()
            .validate(Validator::Range { min: 0, max: 10 })
            .description(
                "How often a failed request is retried where retrying cannot create a duplicate \
                 (reads, updates, deletes, and creates whose outcome was first looked up; rate \
                 limits and 5xx answers), for ConnectWise and Umbrella alike. Defaults to 4. Falls \
                 back to the `CONNECTWISE_MAX_RETRIES` environment variable.",
            ),
    );
    block = block.attribute(
        Attribute::number("requests_per_minute")
            .optional()
            .validate(Validator::Range {
                min: 0,
                max: 100_000,
            })
            .description(
                "Client-side limit on requests per minute to this ConnectWise site, shared by all \
                 resources of the provider (ConnectWise throttles integrations above about 1000 \
                 requests per minute). Bursts up to one minute's worth pass at once. `0` turns the \
                 limit off (e.g. against the sandbox). Defaults to 1000. Falls back to the \
                 `CONNECTWISE_REQUESTS_PER_MINUTE` environment variable.",
            ),
    );
    let mut umbrella = Block::new(
        "Credentials of the Umbrella MSP/MSSP console. Needed only by the `umbrella_*` resources \
         and data sources.",
    );
    for s in UMBRELLA_SETTINGS {
        umbrella = umbrella.attribute(string_attr(s));
    }
    Schema::new(block.block(umbrella.into_single("umbrella")))
}

/// The configured API clients, shared by every resource of this provider instance.
pub struct Clients {
    pub connectwise: Result<ConnectWise, ConfigProblem>,
    pub umbrella: Result<Umbrella, ConfigProblem>,
}

/// Why a client could not be built; shown when a resource needs that client.
#[derive(Clone, Debug)]
pub struct ConfigProblem {
    pub summary: String,
    pub detail: String,
}

/// The late-filled handle through which resources reach the clients:
/// Terraform asks for resources before it configures the provider.
#[derive(Clone, Default)]
pub struct Handle(Arc<RwLock<Option<Arc<Clients>>>>);

impl Handle {
    fn set(&self, clients: Clients) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(Arc::new(clients));
        }
    }

    fn get(&self, diags: &mut Diagnostics) -> Option<Arc<Clients>> {
        let clients = self.0.read().ok().and_then(|slot| slot.clone());
        if clients.is_none() {
            diags.error(
                "Provider not configured",
                "The connectwise provider was used before Terraform configured it. This happens when \
                 the provider block depends on values known only after apply; give it values known \
                 at plan time.",
            );
        }
        clients
    }

    /// The ConnectWise client, or an error diagnostic saying why there is none.
    pub fn connectwise(&self, diags: &mut Diagnostics) -> Option<ConnectWise> {
        let clients = self.get(diags)?;
        match &clients.connectwise {
            Ok(c) => Some(c.clone()),
            Err(p) => {
                diags.error(p.summary.clone(), p.detail.clone());
                None
            }
        }
    }

    /// The Umbrella client, or an error diagnostic saying why there is none.
    pub fn umbrella(&self, diags: &mut Diagnostics) -> Option<Umbrella> {
        let clients = self.get(diags)?;
        match &clients.umbrella {
            Ok(c) => Some(c.clone()),
            Err(p) => {
                diags.error(p.summary.clone(), p.detail.clone());
                None
            }
        }
    }

    /// Configures the clients from the provider block (see [`provider_schema`]).
    pub fn configure(&self, config: &Value, diags: &mut Diagnostics) {
        reject_unknown(config, &AttrPath::default(), diags);
        if diags.has_errors() {
            return;
        }
        let connectwise = build_connectwise(config);
        let umbrella = build_umbrella(config.get("umbrella"), max_retries(config));
        // A block that names ConnectWise settings but misses some is an error
        // right away; a configuration with no ConnectWise settings at all (an
        // Umbrella-only one) hears about it only if it uses a ConnectWise object.
        if let Err(p) = &connectwise {
            let any_given = CONNECTWISE_SETTINGS
                .iter()
                .any(|s| lookup(config, s).is_some());
            if any_given {
                diags.error(p.summary.clone(), p.detail.clone());
            }
        }
        self.set(Clients {
            connectwise,
            umbrella,
        });
    }
}

fn reject_unknown(config: &Value, path: &AttrPath, diags: &mut Diagnostics) {
    if let Some(entries) = config.entries() {
        for (k, v) in entries {
            let p = path.clone().attr(k);
            if v.is_unknown() {
                diags.attr_error(
                    p.clone(),
                    "Unknown provider configuration value",
                    format!(
                        "The provider argument {p} is not known until apply. The provider must be \
                         configured with values known at plan time: use variables, locals or data \
                         sources, not attributes of resources created in the same run."
                    ),
                );
            } else if v.entries().is_some() {
                reject_unknown(v, &p, diags);
            }
        }
    }
}

/// The configured value, or the environment variable's, if either is non-empty.
fn lookup(block: &Value, s: &Setting) -> Option<String> {
    block
        .get(s.attr)
        .as_str()
        .map(str::to_string)
        .or_else(|| std::env::var(s.env).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn missing(settings: Vec<&Setting>, prefix: &str, what: &str) -> ConfigProblem {
    let list = settings
        .iter()
        .map(|s| {
            format!(
                "- {prefix}{} (or the {} environment variable)",
                s.attr, s.env
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    ConfigProblem {
        summary: format!("Missing {what} configuration"),
        detail: format!("These provider arguments are not set:\n{list}"),
    }
}

fn build_connectwise(config: &Value) -> Result<ConnectWise, ConfigProblem> {
    let values: Vec<(&Setting, Option<String>)> = CONNECTWISE_SETTINGS
        .iter()
        .map(|s| (s, lookup(config, s)))
        .collect();
    let absent: Vec<&Setting> = values
        .iter()
        .filter(|(_, v)| v.is_none())
        .map(|(s, _)| *s)
        .collect();
    if !absent.is_empty() {
        return Err(missing(absent, "", "ConnectWise"));
    }
    let get = |attr: &str| -> String {
        values
            .iter()
            .find(|(s, _)| s.attr == attr)
            .and_then(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut cfg = ConnectWiseConfig::new(
        get("site"),
        get("company_id"),
        get("public_key"),
        Secret::new(get("private_key")),
        get("client_id"),
    );
    let opt = |attr: &str| {
        OPTIONAL_SETTINGS
            .iter()
            .find(|s| s.attr == attr)
            .and_then(|s| lookup(config, s))
    };
    cfg.codebase = opt("codebase");
    if let Some(v) = opt("api_version") {
        cfg.api_version = v;
    }
    if let Some(t) = opt("request_timeout") {
        cfg.request_timeout = parse_duration(&t).ok_or_else(|| ConfigProblem {
            summary: "Invalid request_timeout".into(),
            detail: format!(
                "request_timeout must be a duration such as \"30s\", \"1m\" or \"1m30s\"; got {t:?}."
            ),
        })?;
    }
    if let Some(r) = max_retries(config) {
        cfg.max_retries = r;
    }
    let rate = config.get("requests_per_minute").as_i64().or_else(|| {
        std::env::var("CONNECTWISE_REQUESTS_PER_MINUTE")
            .ok()?
            .trim()
            .parse()
            .ok()
    });
    if let Some(r) = rate {
        cfg.requests_per_minute = u32::try_from(r).ok().filter(|r| *r > 0);
    }
    // ConnectWise counts requests per minute: let a minute's worth through
    // at once, so short runs are never slowed.
    cfg.burst = cfg.requests_per_minute;
    ConnectWise::new(cfg).map_err(|e| ConfigProblem {
        summary: "Invalid ConnectWise configuration".into(),
        detail: e.to_string(),
    })
}

/// `max_retries` from the block or `CONNECTWISE_MAX_RETRIES` (both clients use it).
fn max_retries(config: &Value) -> Option<u32> {
    config
        .get("max_retries")
        .as_i64()
        .or_else(|| {
            std::env::var("CONNECTWISE_MAX_RETRIES")
                .ok()?
                .trim()
                .parse()
                .ok()
        })
        .map(|r| r.clamp(0, 10) as u32)
}

fn build_umbrella(block: &Value, retries: Option<u32>) -> Result<Umbrella, ConfigProblem> {
    let key = lookup(block, &UMBRELLA_SETTINGS[0]);
    let secret = lookup(block, &UMBRELLA_SETTINGS[1]);
    let absent: Vec<&Setting> = [
        (&UMBRELLA_SETTINGS[0], &key),
        (&UMBRELLA_SETTINGS[1], &secret),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(s, _)| s)
    .collect();
    if !absent.is_empty() {
        let mut p = missing(absent, "umbrella.", "Umbrella");
        p.detail.push_str(
            "\n\nUmbrella resources and data sources need the Umbrella console's API credentials: \
             set them in the provider's `umbrella` block or the environment.",
        );
        return Err(p);
    }
    let mut cfg = UmbrellaConfig::new(key.unwrap_or_default(), secret.unwrap_or_default());
    if let Some(url) = lookup(block, &UMBRELLA_SETTINGS[2]) {
        cfg.base_url = url;
    }
    cfg.org_id = lookup(block, &UMBRELLA_SETTINGS[3]);
    if let Some(r) = retries {
        cfg.max_retries = r;
    }
    Umbrella::new(cfg).map_err(|e| ConfigProblem {
        summary: "Invalid Umbrella configuration".into(),
        detail: e.to_string(),
    })
}

/// Parses `90`, `30s`, `2m`, `1m30s`, `1h` into a duration.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += match c {
            'h' => n * 3600,
            'm' => n * 60,
            's' => n,
            _ => return None,
        };
    }
    (number.is_empty() && total > 0).then(|| Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_terraform_timeouts() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration("5m3"), None);
    }

    #[test]
    fn unknown_values_are_rejected_with_their_path() {
        let config = Value::object()
            .with("site", Value::Unknown)
            .with("umbrella", Value::object().with("api_key", Value::Unknown));
        let mut d = Diagnostics::new();
        Handle::default().configure(&config, &mut d);
        let paths: Vec<String> = d
            .iter()
            .filter_map(|x| x.path.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(paths, vec!["site", "umbrella.api_key"]);
    }
}
