//! Typed private state: a resource keeps a serde struct in Terraform's private state
//! (`Private::decode` / `Private::encode`) instead of reading JSON keys by string. The struct's
//! field names are the JSON keys, so they must stay as released versions wrote them. These
//! helpers read one field at a time leniently, as hand-written readers did: a value of the
//! wrong shape counts as absent instead of making the whole private state unreadable.

use serde::de::{Deserialize, DeserializeOwned, Deserializer};

/// `#[serde(deserialize_with = "lenient")]`: a value of the wrong shape reads as the default,
/// as the hand-written readers did, instead of making the whole private state unreadable.
pub fn lenient<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let raw = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(raw).unwrap_or_default())
}

/// `#[serde(deserialize_with = "lenient_list")]`: the elements that have the right shape; a value
/// that is not a list reads as empty.
pub fn lenient_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let raw = serde_json::Value::deserialize(deserializer)?;
    Ok(match raw {
        serde_json::Value::Array(items) => items
            .into_iter()
            .filter_map(|item| serde_json::from_value(item).ok())
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use serde_json::json;
    use tfplugin::Private;

    #[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
    struct Example {
        #[serde(
            default,
            deserialize_with = "lenient",
            skip_serializing_if = "Option::is_none"
        )]
        count: Option<i32>,
        #[serde(
            default,
            deserialize_with = "lenient_list",
            skip_serializing_if = "Vec::is_empty"
        )]
        items: Vec<Item>,
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Item {
        id: i32,
    }

    fn private(entries: &[(&str, serde_json::Value)]) -> Private {
        Private(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn round_trips_with_the_same_keys() {
        let p = private(&[("count", json!(3)), ("items", json!([{"id": 1}]))]);
        let e: Example = p.decode();
        assert_eq!(e.count, Some(3));
        assert_eq!(Private::encode(&e), p);
        assert!(Private::encode(&Example::default()).to_bytes().is_empty());
    }

    #[test]
    fn wrong_shapes_read_as_defaults_one_field_at_a_time() {
        let p = private(&[
            ("count", json!(5_000_000_000_i64)),
            ("items", json!([{"id": "x"}, {"id": 2}])),
            ("other", json!(true)),
        ]);
        let e: Example = p.decode();
        assert_eq!(e.count, None);
        assert_eq!(e.items, vec![Item { id: 2 }]);
        let not_a_list: Example = private(&[("items", json!({"id": 1}))]).decode();
        assert!(not_a_list.items.is_empty());
    }
}
