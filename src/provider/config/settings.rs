//! The provider block's string settings: each attribute with its environment variable, its
//! doc, where the model keeps its value, and its format check.

use tfplugin::{Attribute, Validator, Value};

use super::checks;
use super::{ConfigProblem, ProviderModel, UmbrellaModel};
use crate::provider::common::validators;

/// A format check of a string value (a `Validator::Custom`): what is wrong, if anything.
pub(super) type Check = fn(&Value) -> Result<(), String>;

/// One provider setting: its attribute, its environment variable, its doc, and where the block
/// `M` keeps its value.
pub(super) struct Setting<M> {
    pub(super) attr: &'static str,
    pub(super) env: &'static str,
    pub(super) sensitive: bool,
    pub(super) doc: &'static str,
    pub(super) value: fn(&M) -> Option<&str>,
    /// Its format check: a validator on the block's value, and run again on the value from the
    /// environment when the provider is configured.
    pub(super) check: Option<Check>,
}

impl<M> Setting<M> {
    /// The configured value, or the environment variable's, if either is non-empty.
    pub(super) fn lookup(&self, block: &M) -> Option<String> {
        (self.value)(block)
            .map(str::to_string)
            .or_else(|| std::env::var(self.env).ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The looked-up value, checked: a bad value (typically from the environment, since the
    /// block's own was checked at validate) is a problem naming the attribute and the variable.
    pub(super) fn checked(&self, block: &M, prefix: &str) -> Result<Option<String>, ConfigProblem> {
        let value = self.lookup(block);
        if let (Some(text), Some(check)) = (&value, self.check) {
            check(&Value::string(text.as_str())).map_err(|problem| ConfigProblem {
                summary: format!("Invalid {prefix}{}", self.attr),
                detail: format!(
                    "The provider argument {prefix}{} (or the {} environment variable) {problem}",
                    self.attr, self.env
                ),
            })?;
        }
        Ok(value)
    }
}

/// `site`, `company_id`, `public_key`, `private_key`, `client_id`: all needed for ConnectWise.
pub(super) static CONNECTWISE_SETTINGS: [Setting<ProviderModel>; 5] = [
    Setting {
        attr: "site",
        env: "CONNECTWISE_SITE",
        sensitive: false,
        doc: "ConnectWise Manage API host, e.g. `api-na.myconnectwise.net` (HTTPS implied), or a full base URL such as the sandbox's `http://127.0.0.1:8080`. Plain `http://` is accepted only for a loopback host (127.0.0.0/8, ::1, localhost): anywhere else the Basic credentials would cross the network in clear text.",
        value: |m| m.site.as_deref(),
        check: Some(validators::site),
    },
    Setting {
        attr: "company_id",
        env: "CONNECTWISE_COMPANY_ID",
        sensitive: false,
        doc: "The company id typed at the ConnectWise login screen.",
        value: |m| m.company_id.as_deref(),
        check: Some(checks::not_blank),
    },
    Setting {
        attr: "public_key",
        env: "CONNECTWISE_PUBLIC_KEY",
        sensitive: false,
        doc: "Public key of the API member the provider acts as.",
        value: |m| m.public_key.as_deref(),
        check: Some(checks::not_blank),
    },
    Setting {
        attr: "private_key",
        env: "CONNECTWISE_PRIVATE_KEY",
        sensitive: true,
        doc: "Private key of the API member the provider acts as.",
        value: |m| m.private_key.as_ref().map(|s| s.0.as_str()),
        check: Some(checks::not_blank),
    },
    Setting {
        attr: "client_id",
        env: "CONNECTWISE_CLIENT_ID",
        sensitive: false,
        doc: "The integration's clientId GUID from developer.connectwise.com (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`), sent on every call.",
        value: |m| m.client_id.as_deref(),
        check: Some(validators::client_id),
    },
];

/// `codebase`, `api_version`, `request_timeout`.
pub(super) static OPTIONAL_SETTINGS: [Setting<ProviderModel>; 3] = [
    Setting {
        attr: "codebase",
        env: "CONNECTWISE_CODEBASE",
        sensitive: false,
        doc: "Codebase path such as `v2025_1/`. Discovered through `/login/companyinfo/<company_id>` when unset.",
        value: |m| m.codebase.as_deref(),
        check: None,
    },
    Setting {
        attr: "api_version",
        env: "CONNECTWISE_API_VERSION",
        sensitive: false,
        doc: "API version pinned in the `Accept` header. Defaults to `2025.1`.",
        value: |m| m.api_version.as_deref(),
        check: None,
    },
    Setting {
        attr: "request_timeout",
        env: "CONNECTWISE_REQUEST_TIMEOUT",
        sensitive: false,
        doc: "Time limit of one HTTP request, as a duration such as `30s`, `2m` or `1m30s` (bare numbers are seconds), between `1s` and `1h`. Defaults to `30s`.",
        value: |m| m.request_timeout.as_deref(),
        check: Some(checks::request_timeout),
    },
];

/// `api_key`, `api_secret`, `base_url`, `org_id`.
pub(super) static UMBRELLA_SETTINGS: [Setting<UmbrellaModel>; 4] = [
    Setting {
        attr: "api_key",
        env: "UMBRELLA_API_KEY",
        sensitive: false,
        doc: "Umbrella API key (admin scope) of the MSP or MSSP console.",
        value: |m| m.api_key.as_deref(),
        check: Some(checks::not_blank),
    },
    Setting {
        attr: "api_secret",
        env: "UMBRELLA_API_SECRET",
        sensitive: true,
        doc: "Umbrella API secret belonging to `api_key`.",
        value: |m| m.api_secret.as_ref().map(|s| s.0.as_str()),
        check: Some(checks::not_blank),
    },
    Setting {
        attr: "base_url",
        env: "UMBRELLA_BASE_URL",
        sensitive: false,
        doc: "Umbrella API base URL. Defaults to `https://api.umbrella.com`; Umbrella for Government uses another host. Plain `http://` is accepted only for a loopback host (the sandbox): anywhere else the API secret would cross the network in clear text.",
        value: |m| m.base_url.as_deref(),
        check: Some(checks::base_url),
    },
    Setting {
        attr: "org_id",
        env: "UMBRELLA_ORG_ID",
        sensitive: false,
        doc: "Organization id of a child organization to act on (sent as `X-Umbrella-OrgId` when requesting the token).",
        value: |m| m.org_id.as_deref(),
        check: None,
    },
];

pub(super) fn string_attr<M>(s: &Setting<M>) -> Attribute {
    let mut a = Attribute::string(s.attr).optional().description(&format!(
        "{} Falls back to the `{}` environment variable.",
        s.doc, s.env
    ));
    if s.sensitive {
        a = a.sensitive();
    }
    if let Some(check) = s.check {
        a = a.validate(Validator::Custom(check));
    }
    a
}
