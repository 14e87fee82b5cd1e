//! The typed model of `connectwise_api_member`, and what a create or update sends.

use api_client::{ApiMember, PatchOp};
use serde_json::json;
use tfplugin::{Model, Val};

use super::refs::{REFS, keep_form};
use crate::provider::common::ids::parse_record_id;

/// The resource's attributes.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub(super) struct MemberModel {
    pub id: Val<String>,
    pub identifier: Val<String>,
    pub name: Val<String>,
    pub email_address: Val<String>,
    pub security_role_id: Val<String>,
    pub structure_level: Val<String>,
    pub structure_level_id: Val<i64>,
    pub location: Val<String>,
    pub location_id: Val<i64>,
    pub department: Val<String>,
    pub department_id: Val<i64>,
    pub time_zone: Val<String>,
    pub time_zone_id: Val<i64>,
    pub notes: Val<String>,
    pub inactive: Val<bool>,
}

impl MemberModel {
    /// The state of a member; `forms` is the prior or planned state whose identifier spelling
    /// and reference forms (names or ids) are kept where they still designate the same records.
    pub fn from_member(m: &ApiMember, forms: Option<&MemberModel>) -> MemberModel {
        let identifier = match forms.and_then(|f| f.identifier.as_str()) {
            Some(f) if f.eq_ignore_ascii_case(&m.identifier) => f.to_string(),
            _ => m.identifier.clone(),
        };
        let mut state = MemberModel {
            id: m.id.map(|i| i.to_string()).into(),
            identifier: Val::Known(identifier),
            name: m.name.clone().into(),
            email_address: m.email_address.clone().filter(|e| !e.is_empty()).into(),
            security_role_id: m
                .security_role
                .as_ref()
                .and_then(|r| r.id)
                .map(|i| i.to_string())
                .into(),
            notes: m.notes.clone().filter(|n| !n.is_empty()).into(),
            inactive: Val::Known(m.inactive_flag.unwrap_or(false)),
            ..MemberModel::default()
        };
        for spec in &REFS {
            let r = spec.of(m);
            let form = forms.and_then(|f| spec.fields(f).0.as_str());
            let (attr, id_attr) = spec.fields_mut(&mut state);
            *attr = keep_form(form, r);
            *id_attr = r.and_then(|r| r.id).map(i64::from).into();
        }
        state
    }

    /// The member's record id kept in state.
    pub fn record_id(&self) -> Option<i32> {
        self.id.as_str().and_then(parse_record_id)
    }
}

/// A record id kept in a number attribute (`*_id`).
pub(super) fn ref_id(v: &Val<i64>) -> Option<i32> {
    v.get().and_then(|i| i32::try_from(i).ok())
}

/// What the member should look like, as ids (a create body or the target of a patch).
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Desired {
    pub name: Option<String>,
    pub email_address: Option<String>,
    pub notes: Option<String>,
    pub inactive: bool,
    pub role: Option<i32>,
    pub refs: [Option<i32>; 4],
}

impl Desired {
    pub fn from_model(v: &MemberModel) -> Desired {
        Desired {
            name: v.name.known().cloned(),
            email_address: v.email_address.known().cloned(),
            notes: v.notes.known().cloned(),
            inactive: v.inactive.get().unwrap_or(false),
            role: v.security_role_id.as_str().and_then(parse_record_id),
            refs: REFS.each_ref().map(|s| ref_id(s.fields(v).1)),
        }
    }

    pub fn from_member(m: &ApiMember) -> Desired {
        Desired {
            name: m.name.clone(),
            email_address: m.email_address.clone().filter(|e| !e.is_empty()),
            notes: m.notes.clone().filter(|n| !n.is_empty()),
            inactive: m.inactive_flag.unwrap_or(false),
            role: m.security_role.as_ref().and_then(|r| r.id),
            refs: REFS.each_ref().map(|s| s.of(m).and_then(|r| r.id)),
        }
    }

    /// The JSON-Patch that turns `have` into `self`: only the fields that differ; references
    /// as whole objects.
    pub fn patch_from(&self, have: &Desired) -> Vec<PatchOp> {
        let mut ops = Vec::new();
        let text = |v: &Option<String>| v.as_ref().map_or(serde_json::Value::Null, |s| json!(s));
        if self.name != have.name && self.name.is_some() {
            ops.push(PatchOp::replace("name", text(&self.name)));
        }
        if self.email_address != have.email_address {
            ops.push(PatchOp::replace("emailAddress", text(&self.email_address)));
        }
        if self.role != have.role
            && let Some(id) = self.role
        {
            ops.push(PatchOp::replace("securityRole", json!({ "id": id })));
        }
        for (i, spec) in REFS.iter().enumerate() {
            if self.refs[i] != have.refs[i]
                && let Some(id) = self.refs[i]
            {
                ops.push(PatchOp::replace(spec.field, json!({ "id": id })));
            }
        }
        if self.notes != have.notes {
            ops.push(PatchOp::replace("notes", text(&self.notes)));
        }
        if self.inactive != have.inactive {
            ops.push(PatchOp::replace("inactiveFlag", json!(self.inactive)));
        }
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_holds_only_changed_fields() {
        let have = Desired {
            name: Some("Umbrella".into()),
            email_address: Some("a@example.com".into()),
            notes: None,
            inactive: false,
            role: Some(3),
            refs: [Some(1), Some(1), Some(2), Some(1)],
        };
        assert!(have.patch_from(&have).is_empty());
        let want = Desired {
            name: Some("Umbrella PSA".into()),
            email_address: None,
            refs: [Some(1), Some(2), Some(2), Some(1)],
            ..have.clone()
        };
        let ops = want.patch_from(&have);
        let json = serde_json::to_value(&ops).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"op": "replace", "path": "name", "value": "Umbrella PSA"},
                {"op": "replace", "path": "emailAddress", "value": null},
                {"op": "replace", "path": "defaultLocation", "value": {"id": 2}},
            ])
        );
    }
}
