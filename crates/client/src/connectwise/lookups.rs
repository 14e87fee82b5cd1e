//! Read-only lookups used to fill references: locations, departments, time zones and corporate
//! structure levels.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::http::Call;
use super::models::{Info, de_info, de_string};
use super::security_roles::pick_by_name;
use super::{Conditions, ConnectWise, Error};

/// A location (`/system/locations`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// Record id.
    pub id: i32,
    /// Location name.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// A department (`/system/departments`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    /// Record id.
    pub id: i32,
    /// Short identifier.
    #[serde(default)]
    pub identifier: Option<String>,
    /// Department name.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// A time zone setup (`/system/timeZoneSetups`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeZoneSetup {
    /// Record id.
    pub id: i32,
    /// Time zone name.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// Offset from UTC in hours.
    #[serde(default)]
    pub offset: Option<f64>,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// A level of the corporate structure (`/system/myCompany/corporateStructure`), the target of an
/// API member's `structureLevel`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CorporateStructureLevel {
    /// Record id.
    pub id: i32,
    /// Level name, e.g. `Corporate (Level 1)`.
    #[serde(default, deserialize_with = "de_string")]
    pub name: String,
    /// ConnectWise metadata; never compared.
    #[serde(rename = "_info", default, deserialize_with = "de_info")]
    pub info: Option<Info>,
}

/// Lookup calls; get one with [`ConnectWise::lookups`].
#[derive(Debug, Clone, Copy)]
pub struct Lookups<'a> {
    client: &'a ConnectWise,
}

impl ConnectWise {
    /// Locations, departments, time zones and corporate structure levels.
    pub fn lookups(&self) -> Lookups<'_> {
        Lookups { client: self }
    }
}

impl Lookups<'_> {
    async fn list<T: DeserializeOwned>(
        &self,
        path: &str,
        resource: &'static str,
        conditions: &Conditions,
    ) -> Result<Vec<T>, Error> {
        let call = Call::get(path.to_owned(), resource, "list").conditions(conditions);
        self.client.list_all(call).await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: String,
        resource: &'static str,
        id: i32,
    ) -> Result<T, Error> {
        self.client.fetch(Call::get(path, resource, id)).await
    }

    /// Every location matching `conditions`.
    pub async fn locations(&self, conditions: &Conditions) -> Result<Vec<Location>, Error> {
        self.list("/system/locations", "location", conditions).await
    }

    /// The location with this id.
    pub async fn location(&self, id: i32) -> Result<Location, Error> {
        self.get(format!("/system/locations/{id}"), "location", id)
            .await
    }

    /// The location with this name, if any.
    pub async fn find_location(&self, name: &str) -> Result<Option<Location>, Error> {
        let found = self.locations(&Conditions::eq("name", name)).await?;
        Ok(pick_by_name(found, name, |l| &l.name))
    }

    /// Every department matching `conditions`.
    pub async fn departments(&self, conditions: &Conditions) -> Result<Vec<Department>, Error> {
        self.list("/system/departments", "department", conditions)
            .await
    }

    /// The department with this id.
    pub async fn department(&self, id: i32) -> Result<Department, Error> {
        self.get(format!("/system/departments/{id}"), "department", id)
            .await
    }

    /// The department with this name or identifier, if any.
    pub async fn find_department(
        &self,
        name_or_identifier: &str,
    ) -> Result<Option<Department>, Error> {
        let found = self.departments(&Conditions::new()).await?;
        let by_identifier = found
            .iter()
            .find(|d| {
                d.identifier
                    .as_deref()
                    .is_some_and(|i| i.eq_ignore_ascii_case(name_or_identifier))
            })
            .cloned();
        Ok(pick_by_name(found, name_or_identifier, |d| &d.name).or(by_identifier))
    }

    /// Every time zone.
    pub async fn time_zones(&self) -> Result<Vec<TimeZoneSetup>, Error> {
        self.list("/system/timeZoneSetups", "time zone", &Conditions::new())
            .await
    }

    /// The time zone with this id.
    pub async fn time_zone(&self, id: i32) -> Result<TimeZoneSetup, Error> {
        self.get(format!("/system/timeZoneSetups/{id}"), "time zone", id)
            .await
    }

    /// The time zone with this name, if any.
    pub async fn find_time_zone(&self, name: &str) -> Result<Option<TimeZoneSetup>, Error> {
        Ok(pick_by_name(self.time_zones().await?, name, |t| &t.name))
    }

    /// Every corporate structure level.
    pub async fn structure_levels(&self) -> Result<Vec<CorporateStructureLevel>, Error> {
        self.list(
            "/system/myCompany/corporateStructure",
            "corporate structure level",
            &Conditions::new(),
        )
        .await
    }

    /// The corporate structure level with this id.
    pub async fn structure_level(&self, id: i32) -> Result<CorporateStructureLevel, Error> {
        self.get(
            format!("/system/myCompany/corporateStructure/{id}"),
            "corporate structure level",
            id,
        )
        .await
    }

    /// The corporate structure level with this name, if any.
    pub async fn find_structure_level(
        &self,
        name: &str,
    ) -> Result<Option<CorporateStructureLevel>, Error> {
        Ok(pick_by_name(self.structure_levels().await?, name, |l| {
            &l.name
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lookup_records() {
        let tz: TimeZoneSetup =
            serde_json::from_str(r#"{"id":1,"name":"US Eastern","offset":-5.0,"_info":null}"#)
                .unwrap();
        assert_eq!(tz.offset, Some(-5.0));
        let dep: Department =
            serde_json::from_str(r#"{"id":2,"identifier":"Services","name":"Services"}"#).unwrap();
        assert_eq!(dep.identifier.as_deref(), Some("Services"));
    }
}
