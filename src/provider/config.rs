//! The provider block: schema, environment fallbacks and the shared client handle. Format
//! checks live in [`checks`], the `request_timeout` parser in [`duration`].

mod checks;
mod duration;
mod settings;

use std::sync::{Arc, RwLock};

use std::time::Duration;

use api_client::umbrella::{RateLimit, Umbrella, UmbrellaConfig};
use api_client::{CaCertificates, ConnectWise, ConnectWiseConfig, Secret};
use tfplugin::{
    AttrPath, Attribute, Block, Diagnostics, Model, Schema, Sensitive, Validator, Value,
};

pub use duration::parse_duration;
use settings::{CONNECTWISE_SETTINGS, OPTIONAL_SETTINGS, Setting, UMBRELLA_SETTINGS, string_attr};

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
    pub ca_certificate_pem: Option<String>,
    pub umbrella: Option<UmbrellaModel>,
}

/// The provider's `umbrella` block.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct UmbrellaModel {
    pub api_key: Option<String>,
    pub api_secret: Option<Sensitive>,
    pub base_url: Option<String>,
    pub org_id: Option<String>,
    pub requests_per_minute: Option<f64>,
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
    block = block.attribute(
        Attribute::string("ca_certificate_pem")
            .optional()
            .validate(Validator::Custom(checks::ca_certificate_pem))
            .description(&format!(
                "One or more CA certificates (PEM) to trust for both ConnectWise and Umbrella, \
                 besides the operating system's trust store and the bundled Mozilla roots: e.g. \
                 a company CA, or the root of a proxy that inspects TLS. The system store honours \
                 the `SSL_CERT_FILE` and `SSL_CERT_DIR` environment variables. Falls back to the \
                 PEM file whose path is in the `{}` environment variable. Certificate \
                 verification cannot be switched off.",
                checks::CA_FILE_ENV
            )),
    );
    let mut umbrella = Block::new(
        "Credentials of the Umbrella MSP/MSSP console. Needed only by the `umbrella_*` resources \
         and data sources.",
    );
    for s in &UMBRELLA_SETTINGS {
        umbrella = umbrella.attribute(string_attr(s));
    }
    umbrella = umbrella.attribute(
        Attribute::number("requests_per_minute")
            .optional()
            .validate(Validator::Range {
                min: 0,
                max: 100_000,
            })
            .description(
                "Client-side limit on Umbrella API requests per minute for this API key, shared by \
                 all resources of the provider, besides Umbrella's 5 per second and 350 per 30 \
                 minutes. Defaults to Umbrella's documented 14. `0` turns the client-side limits \
                 off (e.g. against the sandbox); Umbrella's own 429 answers are still retried with \
                 backoff. Falls back to the `UMBRELLA_REQUESTS_PER_MINUTE` environment variable.",
            ),
    );
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
        let ca = checks::extra_ca(config.ca_certificate_pem.as_deref(), diags);
        if diags.has_errors() {
            return;
        }
        let connectwise = build_connectwise(&config, ca.clone());
        let umbrella = build_umbrella(
            &config.umbrella.clone().unwrap_or_default(),
            max_retries(&config),
            ca,
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

/// Each setting's checked value, in order.
fn checked_values<M, const N: usize>(
    settings: &[Setting<M>; N],
    block: &M,
    prefix: &str,
) -> Result<[Option<String>; N], ConfigProblem> {
    let mut values = [const { None }; N];
    for (value, setting) in values.iter_mut().zip(settings) {
        *value = setting.checked(block, prefix)?;
    }
    Ok(values)
}

fn build_connectwise(
    config: &ProviderModel,
    ca: Option<CaCertificates>,
) -> Result<ConnectWise, ConfigProblem> {
    let values = checked_values(&CONNECTWISE_SETTINGS, config, "")?;
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
    cfg.ca_certificates = ca;
    let [codebase, api_version, request_timeout] = checked_values(&OPTIONAL_SETTINGS, config, "")?;
    cfg.codebase = codebase;
    if let Some(v) = api_version {
        cfg.api_version = v;
    }
    if let Some(t) = request_timeout {
        // Checked above; the error cannot happen, but is reported rather than unwrapped.
        cfg.request_timeout = duration::request_timeout(&t).map_err(|problem| ConfigProblem {
            summary: "Invalid request_timeout".into(),
            detail: format!("request_timeout {problem}"),
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

fn build_umbrella(
    block: &UmbrellaModel,
    retries: Option<u32>,
    ca: Option<CaCertificates>,
) -> Result<Umbrella, ConfigProblem> {
    let [key, secret, base_url, org_id] = checked_values(&UMBRELLA_SETTINGS, block, "umbrella.")?;
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
    cfg.ca_certificates = ca;
    if let Some(per_minute) = number(block.requests_per_minute, "UMBRELLA_REQUESTS_PER_MINUTE") {
        cfg.rate_limits = umbrella_limits(per_minute);
    }
    if let Some(r) = retries {
        cfg.max_retries = r;
    }
    Umbrella::new(cfg).map_err(|e| ConfigProblem {
        summary: "Invalid Umbrella configuration".into(),
        detail: e.to_string(),
    })
}

/// The client-side Umbrella limits for `per_minute` requests a minute: none for 0, else the
/// documented per-second and 30-minute limits with this per-minute one.
fn umbrella_limits(per_minute: i64) -> Vec<RateLimit> {
    let Ok(per_minute @ 1..) = u32::try_from(per_minute) else {
        return Vec::new();
    };
    RateLimit::admin_defaults()
        .into_iter()
        .map(|limit| {
            if limit.period == Duration::from_secs(60) {
                RateLimit {
                    max_requests: per_minute,
                    ..limit
                }
            } else {
                limit
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::model::check_model;

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
    fn umbrella_requests_per_minute_zero_switches_the_throttle_off() {
        assert!(umbrella_limits(0).is_empty());
        let per_minute: Vec<(u32, u64)> = umbrella_limits(30)
            .iter()
            .map(|l| (l.max_requests, l.period.as_secs()))
            .collect();
        assert_eq!(per_minute, [(5, 1), (30, 60), (350, 1800)]);
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
            requests_per_minute: None,
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
