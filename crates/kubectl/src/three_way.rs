//! The three-way strategic merge patch `kubectl apply` computes (`strategicpatch.
//! CreateThreeWayMergePatch` with the built-in types' merge strategies): the changes from the
//! live object to the new configuration, without deletions, merged with the deletions from the
//! last applied configuration to the new one.

use serde_json::{Map, Value, json};

use crate::patch::{ListMerge, Position};

const SET_ELEMENT_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";
const RETAIN_KEYS: &str = "$retainKeys";

#[derive(Clone, Copy)]
struct Opts {
    ignore_deletions: bool,
    ignore_changes_and_additions: bool,
    build_retain_keys: bool,
}

/// The patch that turns `current` into what `modified` asks for, removing what `original` (the
/// last applied configuration) had and `modified` no longer has. Empty when nothing changes.
pub fn create(
    kind: &str,
    original: &Value,
    modified: &Value,
    current: &Value,
) -> Map<String, Value> {
    let empty = Map::new();
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_else(|| empty.clone());
    let (original, modified, current) = (as_map(original), as_map(modified), as_map(current));
    let root = Position::root(kind);
    let delta = diff_maps(
        &current,
        &modified,
        root,
        Opts {
            ignore_deletions: true,
            ignore_changes_and_additions: false,
            build_retain_keys: false,
        },
    );
    let deletions = diff_maps(
        &original,
        &modified,
        root,
        Opts {
            ignore_deletions: false,
            ignore_changes_and_additions: true,
            build_retain_keys: false,
        },
    );
    merge_patches(deletions, delta, root)
}

/// Go's `reflect.TypeOf` comparison on decoded JSON: numbers are all float64 there.
fn same_type(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    pos: Position,
    opts: Opts,
) -> Map<String, Value> {
    let mut patch = Map::new();
    let mut retain: Vec<String> = Vec::new();
    for (key, m) in modified {
        if opts.build_retain_keys && !m.is_null() {
            retain.push(key.clone());
        }
        let Some(o) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), m.clone());
            }
            continue;
        };
        if !same_type(o, m) {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), m.clone());
            }
            continue;
        }
        match (o, m) {
            (Value::Object(om), Value::Object(mm)) => {
                let (_, child) = pos.field(key);
                let sub = Opts {
                    build_retain_keys: pos.retains_keys(key),
                    ..opts
                };
                let p = diff_maps(om, mm, child, sub);
                if !p.is_empty() {
                    patch.insert(key.clone(), Value::Object(p));
                }
            }
            (Value::Array(ol), Value::Array(ml)) => {
                diff_slices(key, ol, ml, pos, opts, &mut patch);
            }
            _ => {
                if !opts.ignore_changes_and_additions && !numbers_equal(o, m) && o != m {
                    patch.insert(key.clone(), m.clone());
                }
            }
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let additional_new_field = original.keys().any(|k| !modified.contains_key(k));
    if !retain.is_empty() && (!patch.is_empty() || additional_new_field) {
        retain.sort();
        patch.insert(
            RETAIN_KEYS.to_string(),
            Value::Array(retain.into_iter().map(Value::String).collect()),
        );
    }
    patch
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if a.is_number() && x == y)
}

/// Go's `fmt.Sprintf("%v", v)` of a merge key or scalar, by which lists are sorted and matched.
fn key_string(v: &Value) -> String {
    crate::custom_columns::go_value(v)
}

fn diff_slices(
    key: &str,
    original: &[Value],
    modified: &[Value],
    pos: Position,
    opts: Opts,
    patch: &mut Map<String, Value>,
) {
    let (strategy, child) = pos.field(key);
    let opts = Opts {
        build_retain_keys: false,
        ..opts
    };
    let merge_key = match strategy {
        ListMerge::Atomic => {
            if !opts.ignore_changes_and_additions && original != modified {
                patch.insert(key.to_string(), Value::Array(modified.to_vec()));
            }
            return;
        }
        ListMerge::MergeKey(k) => k,
        ListMerge::PrimitiveSet => "",
    };
    if original.is_empty() && modified.is_empty() {
        return;
    }
    let maps = original.iter().chain(modified).any(Value::is_object);
    let mut set_order: Vec<Value> = Vec::new();
    if maps && !merge_key.is_empty() {
        let (changes, deletions) = diff_lists_of_maps(original, modified, merge_key, child, opts);
        let mut list = order_like(changes, modified, merge_key);
        let order_same = original.len() == modified.len()
            && original
                .iter()
                .zip(modified)
                .all(|(a, b)| key_string(&a[merge_key]) == key_string(&b[merge_key]));
        list.extend(deletions);
        if (!opts.ignore_changes_and_additions && (!list.is_empty() || !order_same))
            || (!opts.ignore_deletions && !list.is_empty())
        {
            set_order = modified
                .iter()
                .map(|m| json!({ merge_key: m.get(merge_key).cloned().unwrap_or(Value::Null) }))
                .collect();
        }
        if !list.is_empty() {
            patch.insert(key.to_string(), Value::Array(list));
        }
    } else {
        let (additions, deletions) = diff_lists_of_scalars(original, modified, opts);
        if (!opts.ignore_deletions && !deletions.is_empty())
            || (!opts.ignore_changes_and_additions && original != modified)
        {
            set_order = modified.to_vec();
        }
        if !additions.is_empty() {
            patch.insert(
                key.to_string(),
                Value::Array(order_like(additions, modified, "")),
            );
        }
        if !deletions.is_empty() {
            patch.insert(
                format!("{DELETE_FROM_PRIMITIVE_LIST}{key}"),
                Value::Array(deletions),
            );
        }
    }
    if !set_order.is_empty() {
        patch.insert(format!("{SET_ELEMENT_ORDER}{key}"), Value::Array(set_order));
    }
}

/// Orders patch items as their counterparts in `modified`.
fn order_like(items: Vec<Value>, modified: &[Value], merge_key: &str) -> Vec<Value> {
    let index = |v: &Value| {
        modified.iter().position(|m| {
            if merge_key.is_empty() {
                m == v
            } else {
                key_string(&m[merge_key]) == key_string(&v[merge_key])
            }
        })
    };
    let mut keyed: Vec<(usize, Value)> = items
        .into_iter()
        .map(|v| (index(&v).unwrap_or(usize::MAX), v))
        .collect();
    keyed.sort_by_key(|(i, _)| *i);
    keyed.into_iter().map(|(_, v)| v).collect()
}

fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    merge_key: &str,
    child: Position,
    opts: Opts,
) -> (Vec<Value>, Vec<Value>) {
    let sorted = |l: &[Value]| {
        let mut v: Vec<Value> = l.to_vec();
        v.sort_by_key(|item| key_string(&item[merge_key]));
        v
    };
    let (o, m) = (sorted(original), sorted(modified));
    let (mut i, mut j) = (0, 0);
    let mut changes = Vec::new();
    let mut deletions = Vec::new();
    let empty = Map::new();
    while i < o.len() || j < m.len() {
        let ok = o.get(i).map(|v| key_string(&v[merge_key]));
        let mk = m.get(j).map(|v| key_string(&v[merge_key]));
        match (ok, mk) {
            (Some(a), Some(b)) if a == b => {
                let p = diff_maps(
                    o[i].as_object().unwrap_or(&empty),
                    m[j].as_object().unwrap_or(&empty),
                    child,
                    opts,
                );
                if !p.is_empty() {
                    let mut p = p;
                    p.insert(merge_key.to_string(), m[j][merge_key].clone());
                    changes.push(Value::Object(p));
                }
                i += 1;
                j += 1;
            }
            (None, Some(_)) => {
                if !opts.ignore_changes_and_additions {
                    changes.push(m[j].clone());
                }
                j += 1;
            }
            (Some(a), Some(b)) if a > b => {
                if !opts.ignore_changes_and_additions {
                    changes.push(m[j].clone());
                }
                j += 1;
            }
            _ => {
                if !opts.ignore_deletions {
                    deletions.push(json!({"$patch": "delete", merge_key: o[i][merge_key].clone()}));
                }
                i += 1;
            }
        }
    }
    (changes, deletions)
}

fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: Opts,
) -> (Vec<Value>, Vec<Value>) {
    let sorted = |l: &[Value]| {
        let mut v: Vec<Value> = l.to_vec();
        v.sort_by_key(key_string);
        v
    };
    let (o, m) = (sorted(original), sorted(modified));
    let (mut i, mut j) = (0, 0);
    let mut additions = Vec::new();
    let mut deletions: Vec<Value> = Vec::new();
    while i < o.len() || j < m.len() {
        let a = o.get(i).map(key_string);
        let b = m.get(j).map(key_string);
        match (a, b) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                if !opts.ignore_deletions {
                    deletions.push(o[i].clone());
                }
                i += 1;
            }
            (Some(_), None) => {
                if !opts.ignore_deletions {
                    deletions.push(o[i].clone());
                }
                i += 1;
            }
            _ => {
                if !opts.ignore_changes_and_additions {
                    additions.push(m[j].clone());
                }
                j += 1;
            }
        }
    }
    deletions.dedup();
    (additions, deletions)
}

/// Merges the additions patch into the deletions patch, as `mergeMap` does with patches.
fn merge_patches(
    mut base: Map<String, Value>,
    patch: Map<String, Value>,
    pos: Position,
) -> Map<String, Value> {
    for (key, value) in patch {
        let Some(existing) = base.get(&key) else {
            base.insert(key, value);
            continue;
        };
        if key.starts_with('$') || value.is_null() || !same_type(existing, &value) {
            base.insert(key, value);
            continue;
        }
        let merged = match (base.remove(&key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => {
                let (_, child) = pos.field(&key);
                Value::Object(merge_patches(a, b, child))
            }
            (Some(Value::Array(a)), Value::Array(b)) => {
                let (strategy, child) = pos.field(&key);
                match strategy {
                    ListMerge::Atomic => Value::Array(b),
                    ListMerge::PrimitiveSet => {
                        let mut all = a;
                        for v in b {
                            if !all.contains(&v) {
                                all.push(v);
                            }
                        }
                        Value::Array(all)
                    }
                    ListMerge::MergeKey(k) => {
                        let mut all = a;
                        for item in b {
                            let same = all
                                .iter()
                                .position(|x| x.get(k).is_some() && x.get(k) == item.get(k));
                            match (same, item) {
                                (Some(at), Value::Object(im)) => {
                                    if let Value::Object(xm) = all[at].take() {
                                        all[at] = Value::Object(merge_patches(xm, im, child));
                                    }
                                }
                                (_, other) => all.push(other),
                            }
                        }
                        Value::Array(all)
                    }
                }
            }
            (_, other) => other,
        };
        base.insert(key, merged);
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_configuration_gives_an_empty_patch() {
        let cfg = json!({"kind": "ConfigMap", "data": {"a": "1"}, "metadata": {"name": "x"}});
        let mut live = cfg.clone();
        live["metadata"]["uid"] = json!("u");
        assert!(create("ConfigMap", &cfg, &cfg, &live).is_empty());
    }

    #[test]
    fn removed_fields_and_list_items_are_deleted() {
        let original = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "x", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
        ]}}}, "data": {"k": "v"}});
        let modified = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "a", "image": "y", "env": [{"name": "A", "value": "1"}]}
        ]}}}});
        let patch = create("Deployment", &original, &modified, &original);
        assert_eq!(
            Value::Object(patch),
            json!({"data": null, "spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "a"}],
                "containers": [{"name": "a", "image": "y",
                    "$setElementOrder/env": [{"name": "A"}],
                    "env": [{"$patch": "delete", "name": "B"}]}]
            }}}})
        );
    }
}
