//! The provider block: schema, environment fallbacks and the shared client handle.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use api_client::umbrella::{Umbrella, UmbrellaConfig};
use api_client::{ConnectWise, ConnectWiseConfig, Secret};
use tfplugin::{
    AttrPath, Attribute, Block, Diagnostics, Model, Schema, Sensitive, Validator, Value,
};

/// The provider block. After `reject_unknown` no value in it is unknown, so null is `None`.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct ProviderModel {
    pub site: Option<String>,
    pub company_id: Option<String>,
    pub public_key: Option<String>,
    pub private_key: Option<Sensitive>,
    pub client_id: Option<String>,
    pub codebase: Option<String>,
    pub api_version: Option<String>,
    pub request_timeout: Option<String>,
    /// Numbers as Terraform sends them; only whole ones are used (see [`whole`]).
    pub max_retries: Option<f64>,
    pub requests_per_minute: Option<f64>,
    pub umbrella: Option<UmbrellaModel>,
}

/// The provider's `umbrella` block.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct UmbrellaModel {
    pub api_key: Option<String>,
    pub api_secret: Option<Sensitive>,
    pub base_url: Option<String>,
    pub org_id: Option<String>,
}

/// One provider setting: its attribute, its environment variable, its doc, and where the block
/// `M` keeps its value.
struct Setting<M> {
    attr: &'static str,
    env: &'static str,
    sensitive: bool,
    doc: &'static str,
    value: fn(&M) -> Option<&str>,
}

impl<M> Setting<M> {
    /// The configured value, or the environment variable's, if either is non-empty.
    fn lookup(&self, block: &M) -> Option<String> {
        (self.value)(block)
            .map(str::to_string)
            .or_else(|| std::env::var(self.env).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

/// `site`, `company_id`, `public_key`, `private_key`, `client_id`: all needed for ConnectWise.
static CONNECTWISE_SETTINGS: [Setting<ProviderModel>; 5] = [
    Setting {
        attr: "site",
        env: "CONNECTWISE_SITE",
        sensitive: false,
        doc: "ConnectWise Manage API host, e.g. `api-na.myconnectwise.net` (HTTPS implied), or a full base URL such as the sandbox's `http://127.0.0.1:8080`.",
        value: |m| m.site.as_deref(),
    },
    Setting {
        attr: "company_id",
        env: "CONNECTWISE_COMPANY_ID",
        sensitive: false,
        doc: "The company id typed at the ConnectWise login screen.",
        value: |m| m.company_id.as_deref(),
    },
    Setting {
        attr: "public_key",
        env: "CONNECTWISE_PUBLIC_KEY",
        sensitive: false,
        doc: "Public key of the API member the provider acts as.",
        value: |m| m.public_key.as_deref(),
    },
    Setting {
        attr: "private_key",
        env: "CONNECTWISE_PRIVATE_KEY",
        sensitive: true,
        doc: "Private key of the API member the provider acts as.",
        value: |m| m.private_key.as_ref().map(|s| s.0.as_str()),
    },
    Setting {
        attr: "client_id",
        env: "CONNECTWISE_CLIENT_ID",
        sensitive: false,
        doc: "The integration's clientId GUID from developer.connectwise.com, sent on every call.",
        value: |m| m.client_id.as_deref(),
    },
];

/// `codebase`, `api_version`, `request_timeout`.
static OPTIONAL_SETTINGS: [Setting<ProviderModel>; 3] = [
    Setting {
        attr: "codebase",
        env: "CONNECTWISE_CODEBASE",
        sensitive: false,
        doc: "Codebase path such as `v2025_1/`. Discovered through `/login/companyinfo/<company_id>` when unset.",
        value: |m| m.codebase.as_deref(),
    },
    Setting {
        attr: "api_version",
        env: "CONNECTWISE_API_VERSION",
        sensitive: false,
        doc: "API version pinned in the `Accept` header. Defaults to `2025.1`.",
        value: |m| m.api_version.as_deref(),
    },
    Setting {
        attr: "request_timeout",
        env: "CONNECTWISE_REQUEST_TIMEOUT",
        sensitive: false,
        doc: "Time limit of one HTTP request, as a duration such as `30s` or `2m`. Defaults to `30s`.",
        value: |m| m.request_timeout.as_deref(),
    },
];

/// `api_key`, `api_secret`, `base_url`, `org_id`.
static UMBRELLA_SETTINGS: [Setting<UmbrellaModel>; 4] = [
    Setting {
        attr: "api_key",
        env: "UMBRELLA_API_KEY",
        sensitive: false,
        doc: "Umbrella API key (admin scope) of the MSP or MSSP console.",
        value: |m| m.api_key.as_deref(),
    },
    Setting {
        attr: "api_secret",
        env: "UMBRELLA_API_SECRET",
        sensitive: true,
        doc: "Umbrella API secret belonging to `api_key`.",
        value: |m| m.api_secret.as_ref().map(|s| s.0.as_str()),
    },
    Setting {
        attr: "base_url",
        env: "UMBRELLA_BASE_URL",
        sensitive: false,
        doc: "Umbrella API base URL. Defaults to `https://api.umbrella.com`; Umbrella for Government uses another host.",
        value: |m| m.base_url.as_deref(),
    },
    Setting {
        attr: "org_id",
        env: "UMBRELLA_ORG_ID",
        sensitive: false,
        doc: "Organization id of a child organization to act on (sent as `X-Umbrella-OrgId` when requesting the token).",
        value: |m| m.org_id.as_deref(),
    },
];

fn string_attr<M>(s: &Setting<M>) -> Attribute {
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
    for s in CONNECTWISE_SETTINGS.iter().chain(&OPTIONAL_SETTINGS) {
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
    for s in &UMBRELLA_SETTINGS {
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
        let Some(config) = ProviderModel::decode_into(config, diags) else {
            return;
        };
        let connectwise = build_connectwise(&config);
        let umbrella = build_umbrella(
            &config.umbrella.clone().unwrap_or_default(),
            max_retries(&config),
        );
        // A block that names ConnectWise settings but misses some is an error
        // right away; a configuration with no ConnectWise settings at all (an
        // Umbrella-only one) hears about it only if it uses a ConnectWise object.
        if let Err(p) = &connectwise {
            let any_given = CONNECTWISE_SETTINGS
                .iter()
                .any(|s| s.lookup(&config).is_some());
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

/// A number Terraform sent, when it is whole.
fn whole(n: f64) -> Option<i64> {
    (n.fract() == 0.0 && n.abs() < 9.0e15).then_some(n as i64)
}

/// A whole number from the block, else from the environment variable `env`.
fn number(value: Option<f64>, env: &str) -> Option<i64> {
    value
        .and_then(whole)
        .or_else(|| std::env::var(env).ok()?.trim().parse().ok())
}

fn missing<M>(settings: Vec<&Setting<M>>, prefix: &str, what: &str) -> ConfigProblem {
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

fn build_connectwise(config: &ProviderModel) -> Result<ConnectWise, ConfigProblem> {
    let values = CONNECTWISE_SETTINGS.each_ref().map(|s| s.lookup(config));
    let [
        Some(site),
        Some(company),
        Some(public),
        Some(private),
        Some(client),
    ] = values.clone()
    else {
        let absent = CONNECTWISE_SETTINGS
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(s, _)| s)
            .collect();
        return Err(missing(absent, "", "ConnectWise"));
    };
    let mut cfg = ConnectWiseConfig::new(site, company, public, Secret::new(private), client);
    let [codebase, api_version, request_timeout] =
        OPTIONAL_SETTINGS.each_ref().map(|s| s.lookup(config));
    cfg.codebase = codebase;
    if let Some(v) = api_version {
        cfg.api_version = v;
    }
    if let Some(t) = request_timeout {
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
    let rate = number(
        config.requests_per_minute,
        "CONNECTWISE_REQUESTS_PER_MINUTE",
    );
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
fn max_retries(config: &ProviderModel) -> Option<u32> {
    number(config.max_retries, "CONNECTWISE_MAX_RETRIES").map(|r| r.clamp(0, 10) as u32)
}

fn build_umbrella(block: &UmbrellaModel, retries: Option<u32>) -> Result<Umbrella, ConfigProblem> {
    let [key, secret, base_url, org_id] = UMBRELLA_SETTINGS.each_ref().map(|s| s.lookup(block));
    let absent: Vec<&Setting<UmbrellaModel>> = [
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
    if let Some(url) = base_url {
        cfg.base_url = url;
    }
    cfg.org_id = org_id;
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
    use tfplugin::model::check_model;

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
    fn the_models_match_the_schema() {
        let schema = provider_schema();
        assert_eq!(check_model::<ProviderModel>(&schema.block), Ok(()));
        let umbrella = schema.block.blocks.iter().find(|b| b.name == "umbrella");
        assert_eq!(
            umbrella.map(|b| check_model::<UmbrellaModel>(&b.block)),
            Some(Ok(()))
        );
    }

    #[test]
    fn settings_read_their_own_fields() {
        let model = ProviderModel {
            site: Some("s".into()),
            company_id: Some("c".into()),
            public_key: Some("p".into()),
            private_key: Some(Sensitive("k".into())),
            client_id: Some("i".into()),
            codebase: Some("b".into()),
            api_version: Some("v".into()),
            request_timeout: Some("t".into()),
            ..ProviderModel::default()
        };
        let values: Vec<Option<&str>> = CONNECTWISE_SETTINGS
            .iter()
            .chain(&OPTIONAL_SETTINGS)
            .map(|s| (s.value)(&model))
            .collect();
        let attrs: Vec<&str> = CONNECTWISE_SETTINGS
            .iter()
            .chain(&OPTIONAL_SETTINGS)
            .map(|s| s.attr)
            .collect();
        let names = [
            "site",
            "company_id",
            "public_key",
            "private_key",
            "client_id",
            "codebase",
            "api_version",
            "request_timeout",
        ];
        assert_eq!(attrs, names);
        let expected = ["s", "c", "p", "k", "i", "b", "v", "t"].map(Some);
        assert_eq!(values, expected);
        let umbrella = UmbrellaModel {
            api_key: Some("a".into()),
            api_secret: Some(Sensitive("x".into())),
            base_url: Some("u".into()),
            org_id: Some("o".into()),
        };
        let attrs = UMBRELLA_SETTINGS.each_ref().map(|s| s.attr);
        assert_eq!(attrs, ["api_key", "api_secret", "base_url", "org_id"]);
        let values = UMBRELLA_SETTINGS.each_ref().map(|s| (s.value)(&umbrella));
        assert_eq!(values, ["a", "x", "u", "o"].map(Some));
    }

    #[test]
    fn only_whole_numbers_count() {
        assert_eq!(whole(3.0), Some(3));
        assert_eq!(whole(2.5), None);
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
