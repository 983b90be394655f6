//! State kept as separate key-value records (a Durable Object's storage), so a change
//! rewrites only the records it touched: one participant's, one chat message's, never the
//! whole room.

use std::collections::BTreeMap;

/// Records by key; each value is one JSON document.
pub type Records = BTreeMap<String, String>;

/// A record that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("record `{key}`: {reason}")]
pub struct RecordError {
    /// Its key.
    pub key: String,
    /// What was wrong with it.
    pub reason: String,
}

impl RecordError {
    /// A record under `key` that is not what its key says.
    pub fn new(key: &str, reason: impl std::fmt::Display) -> Self {
        RecordError { key: key.to_owned(), reason: reason.to_string() }
    }
}

/// What storage must do to go from one set of records to another.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Records to write (new or changed).
    pub put: Vec<(String, String)>,
    /// Keys to delete.
    pub delete: Vec<String>,
}

impl Changes {
    /// The writes that turn `saved` into `now`.
    pub fn between(saved: &Records, now: &Records) -> Self {
        let put = now.iter().filter(|(k, v)| saved.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        let delete = saved.keys().filter(|k| !now.contains_key(*k)).cloned().collect();
        Changes { put, delete }
    }

    /// True when storage already holds `now`.
    pub fn is_empty(&self) -> bool {
        self.put.is_empty() && self.delete.is_empty()
    }

    /// Keys written or deleted: what a key-value store bills.
    pub fn keys(&self) -> usize {
        self.put.len() + self.delete.len()
    }
}

/// `value` as a record.
pub(crate) fn encode<T: serde::Serialize>(value: &T) -> String {
    // Our own structs of strings and numbers always serialise.
    serde_json::to_string(value).unwrap_or_default()
}

/// The record under `key` read as a `T`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(key: &str, json: &str) -> Result<T, RecordError> {
    serde_json::from_str(json).map_err(|e| RecordError::new(key, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_only_what_differs() {
        let saved: Records = [("a", "1"), ("b", "2"), ("c", "3")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let now: Records = [("a", "1"), ("b", "20"), ("d", "4")].map(|(k, v)| (k.to_owned(), v.to_owned())).into();
        let changes = Changes::between(&saved, &now);
        assert_eq!(changes.put, vec![("b".to_owned(), "20".to_owned()), ("d".to_owned(), "4".to_owned())]);
        assert_eq!(changes.delete, vec!["c".to_owned()]);
        assert_eq!(changes.keys(), 3);
        assert!(Changes::between(&now, &now).is_empty());
    }
}
