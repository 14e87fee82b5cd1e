//! The reference arguments of `connectwise_api_member` (structure level, location, department,
//! time zone): given by name or by numeric id, resolved to record ids, and kept in state in the
//! form the user wrote while that form still designates the same record.

use api_client::{ApiMember, ConnectWise, Error, Reference};
use tfplugin::{AttrPath, Diagnostics, Val};

use super::model::MemberModel;
use crate::provider::common::members::none_if_not_found;
use crate::provider::diag::client_error;

/// The kinds of record an API member refers to by name or id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RefKind {
    StructureLevel,
    Location,
    Department,
    TimeZone,
}

/// One reference argument: its attribute, its computed id attribute and its API field.
pub(super) struct RefSpec {
    pub kind: RefKind,
    pub attr: &'static str,
    pub id_attr: &'static str,
    pub field: &'static str,
    pub what: &'static str,
}

pub(super) const REFS: [RefSpec; 4] = [
    RefSpec {
        kind: RefKind::StructureLevel,
        attr: "structure_level",
        id_attr: "structure_level_id",
        field: "structureLevel",
        what: "corporate structure level",
    },
    RefSpec {
        kind: RefKind::Location,
        attr: "location",
        id_attr: "location_id",
        field: "defaultLocation",
        what: "location",
    },
    RefSpec {
        kind: RefKind::Department,
        attr: "department",
        id_attr: "department_id",
        field: "defaultDepartment",
        what: "department",
    },
    RefSpec {
        kind: RefKind::TimeZone,
        attr: "time_zone",
        id_attr: "time_zone_id",
        field: "timeZone",
        what: "time zone",
    },
];

impl RefSpec {
    /// The member's reference for this argument.
    pub fn of<'a>(&self, m: &'a ApiMember) -> Option<&'a Reference> {
        match self.kind {
            RefKind::StructureLevel => m.structure_level.as_ref(),
            RefKind::Location => m.default_location.as_ref(),
            RefKind::Department => m.default_department.as_ref(),
            RefKind::TimeZone => m.time_zone.as_ref(),
        }
        .filter(|r| r.id.is_some())
    }

    pub fn set(&self, m: &mut ApiMember, id: Option<i32>) {
        let r = id.map(Reference::id);
        match self.kind {
            RefKind::StructureLevel => m.structure_level = r,
            RefKind::Location => m.default_location = r,
            RefKind::Department => m.default_department = r,
            RefKind::TimeZone => m.time_zone = r,
        }
    }

    /// The model's attribute (`attr`) and id attribute (`id_attr`) for this argument.
    pub fn fields<'a>(&self, m: &'a MemberModel) -> (&'a Val<String>, &'a Val<i64>) {
        match self.kind {
            RefKind::StructureLevel => (&m.structure_level, &m.structure_level_id),
            RefKind::Location => (&m.location, &m.location_id),
            RefKind::Department => (&m.department, &m.department_id),
            RefKind::TimeZone => (&m.time_zone, &m.time_zone_id),
        }
    }

    pub fn fields_mut<'a>(
        &self,
        m: &'a mut MemberModel,
    ) -> (&'a mut Val<String>, &'a mut Val<i64>) {
        match self.kind {
            RefKind::StructureLevel => (&mut m.structure_level, &mut m.structure_level_id),
            RefKind::Location => (&mut m.location, &mut m.location_id),
            RefKind::Department => (&mut m.department, &mut m.department_id),
            RefKind::TimeZone => (&mut m.time_zone, &mut m.time_zone_id),
        }
    }
}

/// Extends the department lookup text: departments also match their short identifier.
fn ref_matches(r: &Reference, form: &str) -> bool {
    let form = form.trim();
    if form.parse::<i32>().ok() == r.id {
        return true;
    }
    r.name
        .as_deref()
        .is_some_and(|n| n.eq_ignore_ascii_case(form))
        || r.identifier
            .as_deref()
            .is_some_and(|i| i.eq_ignore_ascii_case(form))
}

/// The attribute value for a reference: the user's form (`form`, a name or an id) while it
/// still designates the same record, else the record's name (drift).
pub(super) fn keep_form(form: Option<&str>, r: Option<&Reference>) -> Val<String> {
    let Some(r) = r else {
        return Val::Null;
    };
    if let Some(f) = form
        && ref_matches(r, f)
    {
        return Val::Known(f.to_string());
    }
    match (&r.name, r.id) {
        (Some(n), _) if !n.is_empty() => Val::Known(n.clone()),
        (_, Some(id)) => Val::Known(id.to_string()),
        _ => Val::Null,
    }
}

/// Looks up a reference given by name or numeric id; `Ok(None)` when there is no such record.
async fn lookup(
    cw: &ConnectWise,
    kind: RefKind,
    form: &str,
) -> Result<Option<(i32, String)>, Error> {
    let form = form.trim();
    let l = cw.lookups();
    if let Ok(id) = form.parse::<i32>() {
        let found = match kind {
            RefKind::StructureLevel => l.structure_level(id).await.map(|r| (r.id, r.name)),
            RefKind::Location => l.location(id).await.map(|r| (r.id, r.name)),
            RefKind::Department => l.department(id).await.map(|r| (r.id, r.name)),
            RefKind::TimeZone => l.time_zone(id).await.map(|r| (r.id, r.name)),
        };
        return none_if_not_found(found);
    }
    Ok(match kind {
        RefKind::StructureLevel => l.find_structure_level(form).await?.map(|r| (r.id, r.name)),
        RefKind::Location => l.find_location(form).await?.map(|r| (r.id, r.name)),
        RefKind::Department => l.find_department(form).await?.map(|r| (r.id, r.name)),
        RefKind::TimeZone => l.find_time_zone(form).await?.map(|r| (r.id, r.name)),
    })
}
/// The records of a kind as `name (id)`, for an error message (at most 20; `None` on failure).
async fn available(cw: &ConnectWise, kind: RefKind) -> Option<String> {
    let l = cw.lookups();
    let all = api_client::Conditions::new();
    let rows: Vec<(i32, String)> = match kind {
        RefKind::StructureLevel => l
            .structure_levels()
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::Location => l
            .locations(&all)
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::Department => l
            .departments(&all)
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
        RefKind::TimeZone => l
            .time_zones()
            .await
            .ok()?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect(),
    };
    let mut text: Vec<String> = rows
        .iter()
        .take(20)
        .map(|(id, name)| format!("{name:?} ({id})"))
        .collect();
    if rows.len() > 20 {
        text.push(format!("and {} more", rows.len() - 20));
    }
    Some(text.join(", "))
}

/// Resolves the reference `form` of `spec`; errors go on the attribute.
pub(super) async fn resolve(
    cw: &ConnectWise,
    spec: &RefSpec,
    form: &str,
    diags: &mut Diagnostics,
) -> Option<i32> {
    match lookup(cw, spec.kind, form).await {
        Ok(Some((id, _))) => Some(id),
        Ok(None) => {
            let by = if form.trim().parse::<i32>().is_ok() {
                "id"
            } else {
                "name"
            };
            let known = match available(cw, spec.kind).await {
                Some(names) if !names.is_empty() => format!(" Known: {names}."),
                _ => String::new(),
            };
            diags.attr_error(
                AttrPath::root(spec.attr),
                format!("Unknown {}", spec.what),
                format!(
                    "No ConnectWise {} has the {by} {form:?}. Give the name or the numeric id of \
                     an existing {}.{known}",
                    spec.what, spec.what
                ),
            );
            None
        }
        Err(e) => {
            client_error(diags, &format!("look up the {} {form:?}", spec.what), &e);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::{Model, Value};

    fn reference(id: i32, name: &str) -> Reference {
        Reference {
            id: Some(id),
            name: Some(name.into()),
            ..Reference::default()
        }
    }

    #[test]
    fn keeps_the_users_form_while_it_designates_the_record() {
        let known = |s: &str| Val::Known(s.to_string());
        let r = reference(2, "Dallas Office");
        assert_eq!(
            keep_form(Some("dallas office"), Some(&r)),
            known("dallas office")
        );
        assert_eq!(keep_form(Some("2"), Some(&r)), known("2"));
        // Another record now: its name (drift).
        assert_eq!(
            keep_form(Some("Tampa Office"), Some(&r)),
            known("Dallas Office")
        );
        assert_eq!(keep_form(None, Some(&r)), known("Dallas Office"));
        assert_eq!(keep_form(Some("x"), None), Val::Null);
        let dep = Reference {
            identifier: Some("Services".into()),
            ..reference(2, "Professional Services")
        };
        assert_eq!(keep_form(Some("services"), Some(&dep)), known("services"));
    }

    #[test]
    fn each_reference_reaches_the_fields_its_attributes_name() {
        let mut m = MemberModel::default();
        for (i, spec) in REFS.iter().enumerate() {
            let (form, id) = spec.fields_mut(&mut m);
            *form = Val::Known(spec.attr.to_string());
            *id = Val::Known(i as i64);
        }
        let v = m.encode();
        for (i, spec) in REFS.iter().enumerate() {
            assert_eq!(v.get(spec.attr), &Value::string(spec.attr));
            assert_eq!(v.get(spec.id_attr), &Value::int(i as i64));
            let (form, id) = spec.fields(&m);
            assert_eq!(form.as_str(), Some(spec.attr));
            assert_eq!(id.get(), Some(i as i64));
        }
    }
}
