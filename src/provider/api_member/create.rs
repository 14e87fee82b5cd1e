//! Creating an API member: from ConnectWise's template, or by reactivating an inactive member
//! with the same identifier (ConnectWise cannot delete API members).

use api_client::{ApiMember, ConnectWise, Error, Reference};
use tfplugin::{AttrPath, Diagnostics};

use super::FIELDS;
use super::model::{Desired, MemberModel};
use super::refs::REFS;
use crate::provider::diag::{client_error, client_error_on};

/// A failed create or reactivation: the verb for the diagnostic, and the error.
pub(super) type Failure = (&'static str, Error);

/// ConnectWise's API member template when a reference is neither configured nor planned (its
/// value then comes from the template); `Some(None)` when no reference needs it, `None` when
/// reading it failed (the error is in `diags`).
pub(super) async fn template_if_needed(
    cw: &ConnectWise,
    plan: &MemberModel,
    config: &MemberModel,
    diags: &mut Diagnostics,
) -> Option<Option<ApiMember>> {
    let needs_template = REFS
        .iter()
        .any(|s| s.fields(config).0.is_null() && s.fields(plan).1.is_unknown());
    if !needs_template {
        return Some(None);
    }
    match cw.api_members().default().await {
        Ok(t) => Some(Some(t)),
        Err(e) => {
            client_error(
                diags,
                "read the API member defaults (GET /system/apiMembers/default)",
                &e,
            );
            None
        }
    }
}

/// The body of a new member.
pub(super) fn new_member(
    identifier: &str,
    want: &Desired,
    template: Option<&ApiMember>,
) -> ApiMember {
    let mut body = ApiMember {
        identifier: identifier.to_string(),
        name: want.name.clone(),
        email_address: want.email_address.clone(),
        notes: want.notes.clone(),
        inactive_flag: Some(want.inactive),
        security_role: want.role.map(Reference::id),
        ..ApiMember::default()
    };
    for (i, spec) in REFS.iter().enumerate() {
        spec.set(&mut body, want.refs[i]);
    }
    if let Some(t) = template {
        // Required on a real server although the spec marks them optional.
        let id_of = |r: &Option<Reference>| r.as_ref().and_then(|r| r.id);
        body.security_location = id_of(&t.security_location).map(Reference::id);
        body.sales_default_location = id_of(&t.sales_default_location).map(Reference::id);
    }
    body
}

/// The error for an active member that already has the identifier.
pub(super) fn already_exists(diags: &mut Diagnostics, m: &ApiMember) {
    diags.attr_error(
        AttrPath::root("identifier"),
        "API member already exists",
        format!(
            "An active API member with the identifier {:?} exists already (id {}).\n\n{}",
            m.identifier,
            m.id.map(|i| i.to_string()).unwrap_or_default(),
            import_hint(&m.identifier)
        ),
    );
}

/// Reactivates the inactive member `m` and updates it to `want`, with a warning; `None` when
/// ConnectWise returned the member without an id (the error is in `diags`).
pub(super) async fn reactivate(
    cw: &ConnectWise,
    m: &ApiMember,
    want: &Desired,
    identifier: &str,
    diags: &mut Diagnostics,
) -> Option<Result<ApiMember, Failure>> {
    let Some(id) = m.id else {
        diags.error(
            "Cannot reactivate API member",
            format!("ConnectWise returned the member {identifier:?} without an id."),
        );
        return None;
    };
    let ops = want.patch_from(&Desired::from_member(m));
    let member = match cw.api_members().patch(id, ops).await {
        Ok(member) => member,
        Err(e) => return Some(Err(("reactivate", e))),
    };
    // Not in the published specification: a server without it says nothing.
    let keys = cw
        .api_keys()
        .list(id, &api_client::Conditions::new())
        .await
        .map(|k| k.len())
        .unwrap_or(0);
    let keys = match keys {
        0 => String::new(),
        1 => format!(
            " The member still has 1 API key, which works again: review it \
             in System > Members > API Members > {identifier} > API Keys."
        ),
        n => format!(
            " The member still has {n} API keys, which work again: review \
             them in System > Members > API Members > {identifier} > API Keys."
        ),
    };
    diags.attr_warning(
        AttrPath::root("identifier"),
        "Inactive API member reactivated",
        format!(
            "An inactive API member with the identifier {identifier:?} \
             existed (id {id}; ConnectWise cannot delete API members, so a \
             destroyed one stays inactive). It was reactivated and updated to \
             match the configuration instead of creating a duplicate.{keys}"
        ),
    );
    Some(Ok(member))
}

/// The diagnostics of a failed create or reactivation.
pub(super) fn failed(diags: &mut Diagnostics, (verb, e): &Failure, identifier: &str) {
    let exists = e.field_errors().iter().any(|f| f.code == "ObjectExists");
    client_error_on(
        diags,
        &format!("{verb} API member {identifier:?}"),
        e,
        FIELDS,
    );
    if exists {
        diags.warning(
            "The identifier is taken",
            format!(
                "A member with the identifier {identifier:?} exists already (it may \
                 be a full member, which cannot be managed as an API member). Choose \
                 another identifier, or if it is an API member:\n\n{}",
                import_hint(identifier)
            ),
        );
    }
}

fn import_hint(identifier: &str) -> String {
    format!(
        "To manage the existing member with Terraform, import it instead of creating it:\n  \
         terraform import connectwise_api_member.<name> {identifier}"
    )
}
