//! Label formatting from apimachinery: `labels.FormatLabels`, `metav1.FormatLabelSelector` and
//! `LabelSelectorAsSelector(...).String()`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// `labels.FormatLabels`: "a=1,b=2" in key order, "<none>" when empty.
pub(super) fn format_labels(labels: Option<&BTreeMap<String, String>>) -> String {
    let joined = labels
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    if joined.is_empty() {
        "<none>".to_string()
    } else {
        joined
    }
}

/// `metav1.FormatLabelSelector`: "<none>" for a missing or empty selector, "<error>" for an
/// invalid one.
pub(super) fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    match selector_string(selector) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(()) => "<error>".to_string(),
    }
}

/// `LabelSelectorAsSelector(selector).String()`: requirements sorted by key, "" when the
/// selector is missing or empty.
pub(super) fn selector_string(selector: Option<&LabelSelector>) -> Result<String, ()> {
    let Some(selector) = selector else {
        return Ok(String::new());
    };
    let mut requirements: Vec<(&str, String)> = Vec::new();
    for (key, value) in selector.match_labels.iter().flatten() {
        requirement(key, "=", std::slice::from_ref(value))?;
        requirements.push((key, format!("{key}={value}")));
    }
    for expr in selector.match_expressions.iter().flatten() {
        let values = expr.values.as_deref().unwrap_or_default();
        let rendered = match expr.operator.as_str() {
            "In" => requirement(&expr.key, " in ", values)?,
            "NotIn" => requirement(&expr.key, " notin ", values)?,
            "Exists" => requirement(&expr.key, "", values)?,
            "DoesNotExist" => requirement(&expr.key, "!", values)?,
            _ => return Err(()),
        };
        requirements.push((&expr.key, rendered));
    }
    // Stable, like Go's insertion sort for the handful of requirements a selector has.
    requirements.sort_by(|a, b| a.0.cmp(b.0));
    Ok(requirements
        .into_iter()
        .map(|(_, r)| r)
        .collect::<Vec<_>>()
        .join(","))
}

/// One validated requirement as `labels.Requirement.String()` renders it. `op` is "=" ,
/// " in ", " notin ", "" (exists) or "!" (does not exist).
fn requirement(key: &str, op: &str, values: &[String]) -> Result<String, ()> {
    if !is_qualified_name(key) || !values.iter().all(|v| is_label_value(v)) {
        return Err(());
    }
    match op {
        "=" if values.len() == 1 => Ok(format!("{key}={}", values[0])),
        " in " | " notin " if !values.is_empty() => {
            let mut sorted = values.to_vec();
            sorted.sort();
            Ok(format!("{key}{op}({})", sorted.join(",")))
        }
        "" if values.is_empty() => Ok(key.to_string()),
        "!" if values.is_empty() => Ok(format!("!{key}")),
        _ => Err(()),
    }
}

/// `validation.IsQualifiedName`: an optional DNS-subdomain prefix and a 63-character name.
fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| !p.is_empty() && is_dns1123_subdomain(p));
    prefix_ok && !name.is_empty() && is_label_value(name)
}

/// `validation.IsValidLabelValue`: empty, or up to 63 alphanumerics with `-_.` inside.
fn is_label_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    match (bytes.first(), bytes.last()) {
        (None, _) | (_, None) => true,
        (Some(first), Some(last)) => {
            bytes.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
    }
}

/// `validation.IsDNS1123Subdomain`: lowercase labels joined by dots, at most 253 characters.
fn is_dns1123_subdomain(value: &str) -> bool {
    value.len() <= 253
        && value.split('.').all(|label| {
            let bytes = label.as_bytes();
            match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    is_lower_alnum(*first)
                        && is_lower_alnum(*last)
                        && bytes.iter().all(|b| is_lower_alnum(*b) || *b == b'-')
                }
                _ => false,
            }
        })
}

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: op.into(),
            values: Some(values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn formats_selectors_like_apimachinery() {
        assert_eq!(format_label_selector(None), "<none>");
        assert_eq!(
            format_label_selector(Some(&LabelSelector::default())),
            "<none>"
        );
        let sel = LabelSelector {
            match_labels: Some(
                [("tier".into(), "web".into()), ("app".into(), "shop".into())].into(),
            ),
            match_expressions: Some(vec![
                expr("env", "In", &["prod", "dev"]),
                expr("zone", "DoesNotExist", &[]),
                expr("canary", "Exists", &[]),
                expr("track", "NotIn", &["beta"]),
            ]),
        };
        assert_eq!(
            format_label_selector(Some(&sel)),
            "app=shop,canary,env in (dev,prod),tier=web,track notin (beta),!zone"
        );
        let bad_op = LabelSelector {
            match_expressions: Some(vec![expr("a", "Gt", &["1"])]),
            ..Default::default()
        };
        assert_eq!(format_label_selector(Some(&bad_op)), "<error>");
        let bad_key = LabelSelector {
            match_labels: Some([("-bad".into(), "x".into())].into()),
            ..Default::default()
        };
        assert_eq!(selector_string(Some(&bad_key)), Err(()));
        let empty_in = LabelSelector {
            match_expressions: Some(vec![expr("a", "In", &[])]),
            ..Default::default()
        };
        assert_eq!(selector_string(Some(&empty_in)), Err(()));
        let prefixed = LabelSelector {
            match_labels: Some([("app.kubernetes.io/name".into(), "web".into())].into()),
            ..Default::default()
        };
        assert_eq!(
            selector_string(Some(&prefixed)).unwrap(),
            "app.kubernetes.io/name=web"
        );
    }

    #[test]
    fn formats_label_maps() {
        assert_eq!(format_labels(None), "<none>");
        let m: BTreeMap<String, String> =
            [("b".into(), "2".into()), ("a".into(), "1".into())].into();
        assert_eq!(format_labels(Some(&m)), "a=1,b=2");
    }
}
