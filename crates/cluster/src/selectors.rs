//! Label selectors and the small pod predicates every controller shares.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta, OwnerReference};
use serde_json::Value;

use crate::store::Stored;

/// Whether `labels` satisfy a `LabelSelector` (an empty selector matches everything).
pub fn matches(selector: &LabelSelector, labels: Option<&BTreeMap<String, String>>) -> bool {
    let empty = BTreeMap::new();
    let labels = labels.unwrap_or(&empty);
    let labels_ok = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let exprs_ok = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.clone().unwrap_or_default();
        match e.operator.as_str() {
            "In" => labels.get(&e.key).is_some_and(|v| values.contains(v)),
            "NotIn" => labels.get(&e.key).is_none_or(|v| !values.contains(v)),
            "Exists" => labels.contains_key(&e.key),
            "DoesNotExist" => !labels.contains_key(&e.key),
            _ => false,
        }
    });
    labels_ok && exprs_ok
}

/// Whether a map selector (Service `spec.selector`) matches.
pub fn matches_map(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// The controller owner reference pointing at `owner`.
pub fn controller_ref<T: Stored>(owner: &T) -> OwnerReference {
    let m = owner.metadata();
    OwnerReference {
        api_version: T::API_VERSION.to_string(),
        kind: T::OBJECT_KIND.name().to_string(),
        name: m.name.clone().unwrap_or_default(),
        uid: m.uid.clone().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }
}

/// Whether `meta` names `uid` as its controller.
pub fn controlled_by(meta: &ObjectMeta, uid: &str) -> bool {
    meta.owner_references
        .iter()
        .flatten()
        .any(|r| r.uid == uid && r.controller == Some(true))
}

/// Pods that count for a controller: not terminating and not finished.
pub fn is_active(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none()
        && !matches!(
            pod.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded" | "Failed")
        )
}

pub fn is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Ready for at least `min_ready_seconds` at `now` (milliseconds).
pub fn is_available(pod: &Pod, min_ready_seconds: i32, now_ms: u64) -> bool {
    let Some(cond) = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|cs| cs.iter().find(|c| c.type_ == "Ready" && c.status == "True"))
    else {
        return false;
    };
    if min_ready_seconds <= 0 {
        return true;
    }
    let since = cond
        .last_transition_time
        .as_ref()
        .map(|t| t.0.as_millisecond().max(0) as u64)
        .unwrap_or(0);
    now_ms >= since + (min_ready_seconds as u64) * 1000
}

// ----- selectors as query strings (`labelSelector`, `fieldSelector`) -----

/// A parsed label selector query: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelQuery(Vec<Requirement>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, ch) in s.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

impl LabelQuery {
    pub fn parse(s: &str) -> Result<LabelQuery, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let set = |rest: &str| -> Result<Vec<String>, String> {
                let inner = rest
                    .trim()
                    .strip_prefix('(')
                    .and_then(|r| r.strip_suffix(')'))
                    .ok_or_else(|| format!("unable to parse requirement: {part:?}"))?;
                Ok(inner
                    .split(',')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect())
            };
            let req = if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set(rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set(rest)?)
            } else if let Some(k) = part.strip_prefix('!') {
                Requirement::DoesNotExist(k.trim().into())
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Requirement::Exists(part.into())
            } else {
                return Err(format!("unable to parse requirement: {part:?}"));
            };
            reqs.push(req);
        }
        Ok(LabelQuery(reqs))
    }

    pub fn matches(&self, labels: Option<&BTreeMap<String, String>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k));
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v),
            Requirement::NotEquals(k, v) => get(k) != Some(v),
            Requirement::In(k, vs) => get(k).is_some_and(|v| vs.contains(v)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|v| !vs.contains(v)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }
}

/// A parsed field selector: `metadata.name=x,status.phase!=Running`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldQuery(Vec<(String, bool, String)>);

impl FieldQuery {
    pub fn parse(s: &str) -> Result<FieldQuery, String> {
        let mut terms = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (field, equal, value) = if let Some((k, v)) = part.split_once("!=") {
                (k, false, v)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, true, v)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            terms.push((field.trim().to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldQuery(terms))
    }

    /// Checks an object (as JSON) against the selector. Unset fields compare as "".
    pub fn matches(&self, object: &Value) -> bool {
        self.0.iter().all(|(field, equal, value)| {
            let mut cur = object;
            for seg in field.split('.') {
                cur = cur.get(seg).unwrap_or(&Value::Null);
            }
            let actual = match cur {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (actual == *value) == *equal
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels: BTreeMap<String, String> =
            [("app".into(), "web".into()), ("tier".into(), "fe".into())].into();
        let sel = LabelSelector {
            match_labels: Some([("app".into(), "web".into())].into()),
            match_expressions: Some(vec![LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: Some(vec!["fe".into(), "be".into()]),
            }]),
        };
        assert!(matches(&sel, Some(&labels)));
        let other: BTreeMap<String, String> = [("app".into(), "api".into())].into();
        assert!(!matches(&sel, Some(&other)));
        assert!(matches(&LabelSelector::default(), None));
        assert!(
            !matches_map(&BTreeMap::new(), Some(&labels)),
            "an empty service selector selects nothing"
        );
    }
}

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn label_selectors() {
        let labels: BTreeMap<String, String> =
            [("app".into(), "web".into()), ("tier".into(), "fe".into())].into();
        for (sel, want) in [
            ("app=web", true),
            ("app==web,tier=fe", true),
            ("app!=web", false),
            ("app in (web,api)", true),
            ("tier notin (fe)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("", true),
        ] {
            assert_eq!(
                LabelQuery::parse(sel).unwrap().matches(Some(&labels)),
                want,
                "{sel}"
            );
        }
        assert!(LabelQuery::parse("app in web").is_err());
    }

    #[test]
    fn field_selectors() {
        let obj = serde_json::json!({"metadata": {"name": "x", "namespace": "n"}, "involvedObject": {"uid": "u"}});
        assert!(
            FieldQuery::parse("metadata.name=x,involvedObject.uid=u")
                .unwrap()
                .matches(&obj)
        );
        assert!(!FieldQuery::parse("metadata.name!=x").unwrap().matches(&obj));
        assert!(FieldQuery::parse("spec.nodeName=").unwrap().matches(&obj));
        assert!(FieldQuery::parse("nonsense").is_err());
    }
}
