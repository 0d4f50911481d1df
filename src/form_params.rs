//! A form-encoded body read as Rails reads it into `params`, as JSON: `a=1&b[c]=2&d[]=3&d[]=4` gives
//! `{"a": "1", "b": {"c": "2"}, "d": ["3", "4"]}`. Nesting is bounded; a key that does not fit is kept flat.

use serde_json::{Map, Value};

/// How deep brackets nest before a key is kept as it is.
const MAX_DEPTH: usize = 8;

/// The parameters of a form body as a JSON object.
pub fn to_json(body: &[u8]) -> Value {
    let mut root = Map::new();
    for (key, value) in url::form_urlencoded::parse(body) {
        let path = split(&key);
        if !insert(&mut root, &path, Value::from(value.as_ref())) {
            root.insert(key.into_owned(), Value::from(value.into_owned()));
        }
    }
    Value::Object(root)
}

/// `a[b][]` → `["a", "b", ""]`; a key without well-formed brackets is one part.
fn split(key: &str) -> Vec<&str> {
    let Some(open) = key.find('[').filter(|i| *i > 0) else { return vec![key] };
    let mut parts = vec![&key[..open]];
    let mut rest = &key[open..];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else { return vec![key] };
        parts.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    if rest.is_empty() && parts.len() <= MAX_DEPTH {
        parts
    } else {
        vec![key]
    }
}

/// Puts a value at a path; false if the path runs into a value of another shape.
fn insert(object: &mut Map<String, Value>, path: &[&str], value: Value) -> bool {
    let (first, rest) = match path.split_first() {
        Some(split) => split,
        None => return false,
    };
    match rest {
        [] => {
            object.insert((*first).to_string(), value);
            true
        }
        [""] => match object.entry(*first).or_insert_with(|| Value::Array(Vec::new())) {
            Value::Array(items) => {
                items.push(value);
                true
            }
            _ => false,
        },
        _ => match object.entry(*first).or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(inner) => insert(inner, rest, value),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::to_json;

    #[test]
    fn reads_forms_as_rails_params() {
        assert_eq!(
            to_json(b"meeting_id=m1&data[duration]=60&data[attendees][]=a&data[attendees][]=b&x=%E2%9C%93"),
            json!({"meeting_id": "m1", "data": {"duration": "60", "attendees": ["a", "b"]}, "x": "✓"})
        );
        assert_eq!(to_json(b"a[b=1&[c]=2"), json!({"a[b": "1", "[c]": "2"}));
        assert_eq!(to_json(b"a=1&a[b]=2"), json!({"a": "1", "a[b]": "2"}), "a shape clash keeps the key flat");
        let key = format!("a{}", "[b]".repeat(20));
        assert!(to_json(format!("{key}=1").as_bytes()).as_object().unwrap().contains_key(&key), "too deep: kept flat");
    }
}
