//! The ConnectWise half of the probe: companyinfo, then one GET per list the provider reads (one
//! record each), the role settings write path by an empty JSON-Patch, and the customize-item and
//! API-key routes by GETs.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{Area, CallProbe, ConnectWiseFacts, Report, Support, Vendor};
use crate::connectwise::extensions::{ExtCall, paths};
use crate::connectwise::http::Call;
use crate::{ConnectWise, Error};

const ROLES_INQUIRE: &str = "System > Security Roles: Inquire";
const ROLES_EDIT: &str = "System > Security Roles: Edit";
const MEMBERS_INQUIRE: &str = "System > Member Maintenance: Inquire";
const COMPANIES_INQUIRE: &str = "Companies > Company Maintenance: Inquire";

/// One call to probe.
struct Spec {
    /// Method and path template, e.g. `GET /system/securityroles`.
    label: &'static str,
    area: Option<Area>,
    /// Set on calls outside the published API (decides how a 404 reads).
    ext: Option<ExtCall>,
    permission: Option<&'static str>,
}

impl Spec {
    fn published(label: &'static str, permission: Option<&'static str>) -> Spec {
        Spec {
            label,
            area: None,
            ext: None,
            permission,
        }
    }

    fn ext(label: &'static str, area: Area, ext: ExtCall, permission: &'static str) -> Spec {
        Spec {
            label,
            area: Some(area),
            ext: Some(ext),
            permission: Some(permission),
        }
    }
}

/// The probe's state: the client, the report it fills, and why later calls are skipped.
struct Prober<'a> {
    cw: &'a ConnectWise,
    report: &'a mut Report,
    /// Set when the credentials were refused: nothing else can be learned.
    stop: Option<String>,
    /// The `api-current-version` header of the last answer that had one.
    server_api_version: Option<String>,
}

/// Probes the site; adds the facts and the calls to `report`.
pub(super) async fn probe(cw: &ConnectWise, report: &mut Report) {
    let config = cw.config();
    let mut facts = ConnectWiseFacts {
        site: config.site.clone(),
        company_id: config.company_id.clone(),
        authentication: Support::NotProbed {
            reason: "companyinfo did not answer".to_owned(),
        },
        company_name: None,
        codebase: None,
        version_code: None,
        version_number: None,
        api_version: config.api_version.clone(),
        server_api_version: None,
    };
    let mut prober = Prober {
        cw,
        report,
        stop: None,
        server_api_version: None,
    };
    match cw.company_info().await {
        Ok(info) => {
            facts.company_name = info.company_name;
            facts.codebase = Some(info.codebase);
            facts.version_code = info.version_code;
            facts.version_number = info.version_number;
        }
        Err(e) => {
            prober.stop = Some(format!("companyinfo failed: {e}"));
            facts.authentication = Support::Failed {
                message: e.to_string(),
            };
        }
    }
    prober.probe_roles(&mut facts).await;
    prober.probe_members().await;
    prober.probe_lookups().await;
    facts.server_api_version = prober.server_api_version.take();
    prober.report.connectwise = Some(facts);
}

impl Prober<'_> {
    /// Roles (the authentication check), their settings, the settings write path and the
    /// customize items of one setting.
    async fn probe_roles(&mut self, facts: &mut ConnectWiseFacts) {
        let roles = Spec::published("GET /system/securityroles", Some(ROLES_INQUIRE));
        let (support, body) = self
            .call(
                &roles,
                || {
                    Ok(Call::get(
                        "/system/securityroles".into(),
                        "security role",
                        "list",
                    ))
                },
                1,
            )
            .await;
        if self.stop.is_none() {
            facts.authentication = match &support {
                // Only 401 means the key pair or clientId was refused; 403 shows they were accepted.
                Support::Unauthorized { .. } | Support::Failed { .. } => support.clone(),
                _ => Support::Supported,
            };
            if let Support::Unauthorized { message } = &support {
                self.stop = Some(format!("the credentials were refused: {message}"));
            }
        }
        let role_id = body.as_deref().and_then(first_id);
        let settings_spec = Spec::published(
            "GET /system/securityRoles/{roleId}/settings",
            Some(ROLES_INQUIRE),
        );
        let settings = match role_id {
            Some(role) => {
                self.call(
                    &settings_spec,
                    || {
                        Ok(Call::get(
                            format!("/system/securityRoles/{role}/settings"),
                            "security role",
                            role,
                        ))
                    },
                    1000,
                )
                .await
                .1
            }
            None => {
                let reason = needs_id("security role", "GET /system/securityroles", &support);
                self.skip(&settings_spec, &reason);
                None
            }
        };
        let rows: Vec<Value> = settings
            .as_deref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default();
        let why = needs_id("security role", "GET /system/securityroles", &support);
        self.probe_settings_writes(role_id, &rows, &why).await;
    }

    /// The empty JSON-Patch on one setting and the GET of one setting's customize items.
    /// `no_role` says why there is no role id, when there is none.
    async fn probe_settings_writes(&mut self, role_id: Option<i32>, rows: &[Value], no_role: &str) {
        let patch = Spec::ext(
            "PATCH /system/securityRoles/{roleId}/settings/{settingId}",
            Area::RolePermissions,
            ExtCall::UpdateRoleSettingLevels,
            ROLES_EDIT,
        );
        let items = Spec::ext(
            "GET /system/securityRoles/{roleId}/settings/{settingId}/customizeItems",
            Area::CustomizeItems,
            ExtCall::ListCustomizeItems,
            ROLES_INQUIRE,
        );
        let first = rows.first().and_then(id_of);
        // A row that owns a customize list (e.g. System > Table Setup).
        let custom = rows
            .iter()
            .find(|r| r.get("customFlag").and_then(Value::as_bool) == Some(true))
            .and_then(id_of);
        let Some(role) = role_id else {
            self.skip(&patch, no_role);
            self.skip(&items, no_role);
            return;
        };
        match first {
            // `[]`: a JSON-Patch without operations changes nothing.
            Some(setting) => {
                self.call(
                    &patch,
                    || {
                        Call::patch(
                            paths::role_setting(role, setting),
                            "security role setting",
                            setting,
                        )
                        .json(&Value::Array(Vec::new()))
                    },
                    0,
                )
                .await;
            }
            None => self.skip(&patch, "the role's settings could not be read"),
        }
        match custom {
            Some(setting) => {
                self.call(
                    &items,
                    || {
                        Ok(Call::get(
                            paths::customize_items(role, setting),
                            "security role setting",
                            setting,
                        ))
                    },
                    1,
                )
                .await;
            }
            None => self.skip(
                &items,
                "no settings row with a customize list could be read",
            ),
        }
    }

    /// API members, members, and one member's API keys.
    async fn probe_members(&mut self) {
        let api_members = Spec::published("GET /system/apiMembers", Some(MEMBERS_INQUIRE));
        let (api_support, body) = self
            .call(
                &api_members,
                || Ok(Call::get("/system/apiMembers".into(), "API member", "list")),
                1,
            )
            .await;
        let members = Spec::published("GET /system/members", Some(MEMBERS_INQUIRE));
        let (_, fallback) = self
            .call(
                &members,
                || Ok(Call::get("/system/members".into(), "member", "list")),
                1,
            )
            .await;
        let keys = Spec::ext(
            "GET /system/members/{memberId}/apiKeys",
            Area::ApiKeys,
            ExtCall::ListApiKeys,
            MEMBERS_INQUIRE,
        );
        match body
            .as_deref()
            .and_then(first_id)
            .or(fallback.as_deref().and_then(first_id))
        {
            Some(member) => {
                self.call(
                    &keys,
                    || Ok(Call::get(paths::api_keys(member), "member", member)),
                    1,
                )
                .await;
            }
            None => {
                let reason = needs_id("member", "GET /system/apiMembers", &api_support);
                self.skip(&keys, &reason);
            }
        }
    }

    /// The reference tables an API member's settings are looked up in, and the companies that
    /// company mappings name.
    async fn probe_lookups(&mut self) {
        let companies = Spec::published("GET /company/companies", Some(COMPANIES_INQUIRE));
        self.call(
            &companies,
            || Ok(Call::get("/company/companies".into(), "company", "list")),
            1,
        )
        .await;
        for (label, path) in [
            ("GET /system/locations", "/system/locations"),
            ("GET /system/departments", "/system/departments"),
            ("GET /system/timeZoneSetups", "/system/timeZoneSetups"),
            (
                "GET /system/myCompany/corporateStructure",
                "/system/myCompany/corporateStructure",
            ),
        ] {
            let spec = Spec::published(label, None);
            self.call(&spec, || Ok(Call::get(path.into(), "lookup", "list")), 1)
                .await;
        }
    }

    /// Sends the call `make` builds (lists with `pageSize`, 0 = none) and records the answer;
    /// returns it with the body of a successful answer.
    async fn call(
        &mut self,
        spec: &Spec,
        make: impl Fn() -> Result<Call, Error>,
        page_size: usize,
    ) -> (Support, Option<Vec<u8>>) {
        if let Some(reason) = &self.stop {
            let reason = reason.clone();
            self.skip(spec, &reason);
            return (Support::NotProbed { reason }, None);
        }
        let query: Vec<(String, String)> = if page_size > 0 {
            vec![("pageSize".to_owned(), page_size.to_string())]
        } else {
            Vec::new()
        };
        let call = match make() {
            Ok(call) => call,
            Err(e) => {
                let support = Support::Failed {
                    message: e.to_string(),
                };
                self.push(spec, support.clone());
                return (support, None);
            }
        };
        let (support, body) = match self.cw.send(&call, &query).await {
            Ok(raw) => {
                self.note_headers(&raw.headers);
                (Support::Supported, Some(raw.body))
            }
            Err(Error::NotFound { .. }) if spec.ext.is_some() => {
                (self.route_or_record(spec, make, &query).await, None)
            }
            Err(e) => (self.support_of(&e, spec), None),
        };
        self.push(spec, support.clone());
        (support, body)
    }

    /// A 404 to a call outside the published API: sent again marked as such, the client tells a
    /// missing route (`NotSupported`) from a missing record (the route exists).
    async fn route_or_record(
        &mut self,
        spec: &Spec,
        make: impl Fn() -> Result<Call, Error>,
        query: &[(String, String)],
    ) -> Support {
        let Some(ext) = spec.ext else {
            return Support::Unsupported { status: 404 };
        };
        let call = match make() {
            Ok(call) => call.ext(ext),
            Err(e) => return self.support_of(&e, spec),
        };
        match self.cw.send(&call, query).await {
            Ok(_) | Err(Error::NotFound { .. }) => Support::Supported,
            Err(Error::NotSupported { .. }) => Support::Unsupported { status: 404 },
            Err(e) => self.support_of(&e, spec),
        }
    }

    /// How an error answer counts (see the module documentation).
    fn support_of(&mut self, error: &Error, spec: &Spec) -> Support {
        match error {
            Error::GaveUp { last, .. } => self.support_of(last, spec),
            Error::NotFound { .. } | Error::NotSupported { .. } => {
                Support::Unsupported { status: 404 }
            }
            Error::Forbidden { message } => Support::Forbidden {
                message: message.clone(),
            },
            Error::Unauthorized { message } => Support::Unauthorized {
                message: message.clone(),
            },
            Error::Api {
                status: 405 | 501, ..
            } => Support::Unsupported {
                status: error.status().unwrap_or(405),
            },
            // The server read the empty patch and refused it as invalid: the route exists.
            Error::Api { status: 400, .. } if spec.label.starts_with("PATCH") => Support::Supported,
            other => {
                if let Error::RateLimited {
                    retry_after: Some(wait),
                    ..
                } = other
                {
                    self.report
                        .rate_limit_headers
                        .insert("retry-after".to_owned(), wait.as_secs().to_string());
                }
                Support::Failed {
                    message: other.to_string(),
                }
            }
        }
    }

    /// Records a call that was not sent.
    fn skip(&mut self, spec: &Spec, reason: &str) {
        self.push(
            spec,
            Support::NotProbed {
                reason: reason.to_owned(),
            },
        );
    }

    fn push(&mut self, spec: &Spec, support: Support) {
        self.report.calls.push(CallProbe {
            vendor: Vendor::ConnectWise,
            call: spec.label.to_owned(),
            area: spec.area,
            permission: spec.permission,
            support,
        });
    }

    /// Keeps the rate-limit headers of an answer, and the server's API version.
    fn note_headers(&mut self, headers: &HeaderMap) {
        for (name, value) in headers {
            let name = name.as_str();
            let Ok(value) = value.to_str() else { continue };
            if name == "api-current-version" {
                self.server_api_version = Some(value.to_owned());
            } else if is_rate_limit_header(name) {
                self.report
                    .rate_limit_headers
                    .insert(name.to_owned(), value.to_owned());
            }
        }
    }
}

/// `X-RateLimit-*`, `RateLimit-*` (IETF draft), `Retry-After` and the like (names lower-case).
pub(super) fn is_rate_limit_header(name: &str) -> bool {
    name.contains("ratelimit") || name.contains("rate-limit") || name == "retry-after"
}

/// Why a call that needs a record id was not sent: the list it comes from answered `support`.
fn needs_id(record: &str, list: &str, support: &Support) -> String {
    match support {
        Support::Supported => format!("{list} listed no {record} to try it on"),
        other => format!(
            "it needs a {record} id, and {list} answered {}",
            other.label()
        ),
    }
}

/// The `id` of the first record of a list body.
fn first_id(body: &[u8]) -> Option<i32> {
    let rows: Vec<Value> = serde_json::from_slice(body).ok()?;
    rows.first().and_then(id_of)
}

fn id_of(row: &Value) -> Option<i32> {
    row.get("id")
        .and_then(Value::as_i64)
        .and_then(|id| i32::try_from(id).ok())
}
