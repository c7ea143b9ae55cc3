//! Just enough of Kubernetes' protobuf encoding to accept what the real kubectl sends as protobuf
//! for `create namespace|configmap|secret|deployment`: the `k8s\0` envelope, object metadata, and
//! the fields those commands set. Anything else stays refused with 415, as before.

use cluster::Kind;
use serde_json::{Map, Value, json};

/// One field of a protobuf message: its number and its raw value.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *buf.get(*at)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The fields of a message, in order; `None` when the bytes are not a message.
fn fields(buf: &[u8]) -> Option<Vec<(u64, Wire<'_>)>> {
    let mut at = 0;
    let mut out = Vec::new();
    while at < buf.len() {
        let key = varint(buf, &mut at)?;
        let wire = match key & 7 {
            0 => Wire::Varint(varint(buf, &mut at)?),
            2 => {
                let len = usize::try_from(varint(buf, &mut at)?).ok()?;
                let end = at.checked_add(len).filter(|e| *e <= buf.len())?;
                let bytes = &buf[at..end];
                at = end;
                Wire::Bytes(bytes)
            }
            1 => {
                at = at.checked_add(8).filter(|e| *e <= buf.len())?;
                Wire::Fixed
            }
            5 => {
                at = at.checked_add(4).filter(|e| *e <= buf.len())?;
                Wire::Fixed
            }
            _ => return None,
        };
        out.push((key >> 3, wire));
    }
    Some(out)
}

fn text(bytes: &[u8]) -> Option<Value> {
    Some(Value::String(String::from_utf8(bytes.to_vec()).ok()?))
}

/// Whether a field holds Go's zero value (protobuf writes empty strings, `false` and empty
/// structs too): such fields are skipped, anything else unknown is refused.
fn zero(w: &Wire<'_>) -> bool {
    match w {
        Wire::Varint(v) => *v == 0,
        Wire::Fixed => false,
        Wire::Bytes(b) => {
            b.is_empty() || fields(b).is_some_and(|fs| fs.iter().all(|(_, w)| zero(w)))
        }
    }
}

/// Inserts a string field unless it is empty (Go's `omitempty`).
fn put_text(map: &mut Map<String, Value>, key: &str, bytes: &[u8]) -> Option<()> {
    if !bytes.is_empty() {
        map.insert(key.to_string(), text(bytes)?);
    }
    Some(())
}

/// A `map<string, string>` entry (`key = 1`, `value = 2`); `bytes_values` base64-encodes the
/// value, as JSON carries `[]byte`.
fn map_entry(bytes: &[u8], into: &mut Map<String, Value>, bytes_values: bool) -> Option<()> {
    let mut key = String::new();
    let mut value = Value::String(String::new());
    for (n, w) in fields(bytes)? {
        if let Wire::Bytes(b) = w {
            match n {
                1 => key = String::from_utf8(b.to_vec()).ok()?,
                2 if bytes_values => {
                    use base64::Engine;
                    value = json!(base64::engine::general_purpose::STANDARD.encode(b));
                }
                2 => value = text(b)?,
                _ => {}
            }
        }
    }
    into.insert(key, value);
    Some(())
}

fn object_meta(bytes: &[u8]) -> Option<Value> {
    let mut meta = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    for (n, w) in fields(bytes)? {
        let Wire::Bytes(b) = w else { continue };
        match n {
            1 => put_text(&mut meta, "name", b)?,
            2 => put_text(&mut meta, "generateName", b)?,
            3 => put_text(&mut meta, "namespace", b)?,
            11 => map_entry(b, &mut labels, false)?,
            12 => map_entry(b, &mut annotations, false)?,
            _ => {}
        }
    }
    if !labels.is_empty() {
        meta.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        meta.insert("annotations".into(), Value::Object(annotations));
    }
    Some(Value::Object(meta))
}

fn label_selector(bytes: &[u8]) -> Option<Value> {
    let mut labels = Map::new();
    for (n, w) in fields(bytes)? {
        match (n, w) {
            (1, Wire::Bytes(b)) => map_entry(b, &mut labels, false)?,
            // matchExpressions are never set by `create deployment`.
            (_, w) if !zero(&w) => return None,
            _ => {}
        }
    }
    Some(json!({ "matchLabels": labels }))
}

fn container(bytes: &[u8]) -> Option<Value> {
    let mut c = Map::new();
    let mut command = Vec::new();
    let mut ports = Vec::new();
    for (n, w) in fields(bytes)? {
        match (n, w) {
            (1, Wire::Bytes(b)) => put_text(&mut c, "name", b)?,
            (2, Wire::Bytes(b)) => put_text(&mut c, "image", b)?,
            (3, Wire::Bytes(b)) => command.push(text(b)?),
            (6, Wire::Bytes(b)) => {
                let mut port = Map::new();
                for (pn, pw) in fields(b)? {
                    match (pn, pw) {
                        (3, Wire::Varint(v)) => _ = port.insert("containerPort".into(), json!(v)),
                        (1, Wire::Bytes(s)) => put_text(&mut port, "name", s)?,
                        (4, Wire::Bytes(s)) => put_text(&mut port, "protocol", s)?,
                        (_, w) if !zero(&w) => return None,
                        _ => {}
                    }
                }
                ports.push(Value::Object(port));
            }
            // Other container fields are not set by `create deployment`: refuse rather than
            // drop them.
            (_, w) if !zero(&w) => return None,
            _ => {}
        }
    }
    if !command.is_empty() {
        c.insert("command".into(), Value::Array(command));
    }
    if !ports.is_empty() {
        c.insert("ports".into(), Value::Array(ports));
    }
    Some(Value::Object(c))
}

fn deployment_spec(bytes: &[u8]) -> Option<Value> {
    let mut spec = Map::new();
    for (n, w) in fields(bytes)? {
        match (n, w) {
            (1, Wire::Varint(v)) => _ = spec.insert("replicas".into(), json!(v as i32)),
            (2, Wire::Bytes(b)) => _ = spec.insert("selector".into(), label_selector(b)?),
            (3, Wire::Bytes(b)) => {
                let mut template = Map::new();
                for (tn, tw) in fields(b)? {
                    let Wire::Bytes(tb) = tw else { continue };
                    match tn {
                        1 => _ = template.insert("metadata".into(), object_meta(tb)?),
                        2 => {
                            let mut containers = Vec::new();
                            for (sn, sw) in fields(tb)? {
                                match (sn, sw) {
                                    (2, Wire::Bytes(cb)) => containers.push(container(cb)?),
                                    (_, w) if !zero(&w) => return None,
                                    _ => {}
                                }
                            }
                            template.insert("spec".into(), json!({ "containers": containers }));
                        }
                        _ => {}
                    }
                }
                spec.insert("template".into(), Value::Object(template));
            }
            // An empty strategy, and zero values, are all else `create deployment` sends.
            (_, w) if !zero(&w) => return None,
            _ => {}
        }
    }
    Some(Value::Object(spec))
}

/// The object in a protobuf request body, as JSON, for the kinds kubectl's imperative `create`
/// sends; `None` for anything else.
pub fn decode(kind: Kind, body: &[u8]) -> Option<Value> {
    if !matches!(
        kind,
        Kind::Namespace | Kind::ConfigMap | Kind::Secret | Kind::Deployment
    ) {
        return None;
    }
    let envelope = body.strip_prefix(b"k8s\0")?;
    let mut raw: &[u8] = &[];
    let mut type_meta = (String::new(), String::new());
    for (n, w) in fields(envelope)? {
        match (n, w) {
            (1, Wire::Bytes(b)) => {
                for (tn, tw) in fields(b)? {
                    if let Wire::Bytes(s) = tw {
                        let s = String::from_utf8(s.to_vec()).ok()?;
                        match tn {
                            1 => type_meta.0 = s,
                            2 => type_meta.1 = s,
                            _ => {}
                        }
                    }
                }
            }
            (2, Wire::Bytes(b)) => raw = b,
            _ => {}
        }
    }
    if type_meta.1 != kind.name() || type_meta.0 != kind.api_version() {
        return None;
    }
    let mut object = json!({"apiVersion": type_meta.0, "kind": type_meta.1});
    let mut data = Map::new();
    for (n, w) in fields(raw)? {
        let Wire::Bytes(b) = w else {
            if zero(&w) {
                continue;
            }
            return None;
        };
        match (kind, n) {
            (_, 1) => object["metadata"] = object_meta(b)?,
            (Kind::Namespace, 2 | 3) => {}
            (Kind::ConfigMap, 2) => map_entry(b, &mut data, false)?,
            (Kind::Secret, 2) => map_entry(b, &mut data, true)?,
            (Kind::Secret, 3) if !b.is_empty() => object["type"] = text(b)?,
            (Kind::Secret, 3) => {}
            (Kind::Deployment, 2) => object["spec"] = deployment_spec(b)?,
            (Kind::Deployment, 3) => {}
            _ if zero(&Wire::Bytes(b)) => {}
            _ => return None,
        }
    }
    if !data.is_empty() {
        object["data"] = Value::Object(data);
    }
    Some(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(n: u8, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![(n << 3) | 2, bytes.len() as u8];
        out.extend_from_slice(bytes);
        out
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [field(1, api_version.as_bytes()), field(2, kind.as_bytes())].concat();
        [b"k8s\0".to_vec(), field(1, &type_meta), field(2, raw)].concat()
    }

    #[test]
    fn decodes_a_config_map_and_skips_zero_values() {
        let meta = [field(1, b"c"), field(2, b"")].concat();
        let entry = [field(1, b"a"), field(2, b"b")].concat();
        let raw = [field(1, &meta), field(2, &entry)].concat();
        let body = envelope("v1", "ConfigMap", &raw);
        assert_eq!(
            decode(Kind::ConfigMap, &body),
            Some(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}})
            )
        );
    }

    #[test]
    fn refuses_other_kinds_and_unknown_content() {
        let raw = field(1, &field(1, b"p"));
        assert_eq!(decode(Kind::Pod, &envelope("v1", "Pod", &raw)), None);
        assert_eq!(decode(Kind::ConfigMap, &envelope("v1", "Pod", &raw)), None);
        // A binaryData entry (field 3) is not decoded here, so the object is refused.
        let raw = [field(1, &field(1, b"c")), field(3, &field(1, b"k"))].concat();
        assert_eq!(
            decode(Kind::ConfigMap, &envelope("v1", "ConfigMap", &raw)),
            None
        );
        assert_eq!(decode(Kind::ConfigMap, b"{}"), None);
    }
}
