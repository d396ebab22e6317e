//! The runtime's `helper.clean`: drop `null` and `""` members, recursively.
//!
//! ThreatStream records are full of empty fields; the published plugin cleaned its outputs with this
//! helper, and workflows built on it expect absent keys rather than nulls. `0`, `false`, `[]` and `{}`
//! are kept, as the runtime keeps them.

use serde_json::Value;

pub(crate) fn clean(value: &mut Value) {
    match value {
        Value::Object(members) => {
            members.retain(|_, member| !is_empty(member));
            members.values_mut().for_each(clean);
        }
        Value::Array(items) => {
            items.retain(|item| !is_empty(item));
            items.iter_mut().for_each(clean);
        }
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::clean;
    use serde_json::json;

    #[test]
    fn drops_nulls_and_empty_strings_at_every_depth() {
        let mut value = json!({"a": null, "b": "", "c": 0, "d": false, "e": [], "f": {},
                               "g": [null, "", "x", {"h": null, "i": "y"}], "j": {"k": ""}});
        clean(&mut value);
        assert_eq!(
            value,
            json!({"c": 0, "d": false, "e": [], "f": {}, "g": ["x", {"i": "y"}], "j": {}})
        );
    }
}
