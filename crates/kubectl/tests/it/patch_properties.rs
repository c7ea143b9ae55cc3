//! Properties of the three patch types over generated objects and patches.

use std::collections::BTreeSet;

use kubectl::patch::{PatchType, apply, strategic_merge};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

const KINDS: &[&str] = &[
    "Deployment",
    "Pod",
    "Service",
    "Node",
    "StatefulSet",
    "ConfigMap",
];

/// Field names that steer strategic merge patch into its merge-key paths, plus random ones.
fn field_name() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(vec![
            "metadata", "spec", "template", "containers", "initContainers", "name", "image",
            "env", "value", "ports", "containerPort", "port", "finalizers", "labels", "status",
            "conditions", "type", "volumes", "ownerReferences", "uid", "strategy", "jobTemplate",
        ])
        .prop_map(String::from),
        1 => "[a-z]{1,6}",
    ]
    .boxed()
}

/// Field names plus every directive, and an unknown one.
fn patch_key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => field_name(),
        1 => select(vec![
            "$patch", "$retainKeys", "$setElementOrder/containers", "$setElementOrder/env",
            "$setElementOrder/finalizers", "$setElementOrder/", "$setElementOrder",
            "$deleteFromPrimitiveList/finalizers", "$deleteFromPrimitiveList/x", "$frob",
        ])
        .prop_map(String::from),
    ]
    .boxed()
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        select(vec![
            "a", "web", "x", "replace", "delete", "merge", "name", "port"
        ])
        .prop_map(|s| json!(s)),
    ]
}

fn json_with_keys<K>(keys: K) -> impl Strategy<Value = Value>
where
    K: Strategy<Value = String> + Clone + 'static,
{
    leaf().prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn object_with_keys<K>(keys: K) -> impl Strategy<Value = Value>
where
    K: Strategy<Value = String> + Clone + 'static,
{
    prop::collection::btree_map(keys.clone(), json_with_keys(keys), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// JSON made of maps and scalars only.
fn list_free(
    keys: impl Strategy<Value = String> + Clone + 'static,
) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 6, move |inner| {
        prop::collection::btree_map(keys.clone(), inner, 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    })
}

fn list_free_object(
    keys: impl Strategy<Value = String> + Clone + 'static,
) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(keys.clone(), list_free(keys), 0..6)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn has_directive_key(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with('$') || has_directive_key(v)),
        Value::Array(list) => list.iter().any(has_directive_key),
        _ => false,
    }
}

fn plain_field_name() -> BoxedStrategy<String> {
    "[a-z]{1,4}".boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (1) An empty patch changes nothing, whatever the object holds.
    #[test]
    fn empty_patches_return_the_original(
        original in object_with_keys(patch_key()),
        kind in select(KINDS),
    ) {
        prop_assert_eq!(&strategic_merge(kind, &original, &json!({})).unwrap(), &original);
        prop_assert_eq!(&apply(kind, &original, PatchType::Strategic, b"{}").unwrap(), &original);
        prop_assert_eq!(&apply(kind, &original, PatchType::Merge, b"{}").unwrap(), &original);
        prop_assert_eq!(&apply(kind, &original, PatchType::Json, b"[]").unwrap(), &original);
    }

    /// (2) Without lists, strategic merge patch is RFC 7386 merge patch.
    #[test]
    fn strategic_merge_of_list_free_maps_is_json_merge_patch(
        original in list_free_object(plain_field_name()),
        patch in list_free_object(plain_field_name()),
        kind in select(KINDS),
    ) {
        let mut expected = original.clone();
        json_patch::merge(&mut expected, &patch);
        prop_assert_eq!(strategic_merge(kind, &original, &patch).unwrap(), expected);
    }

    /// A successful strategic merge patch never stores a directive, whatever the patch holds.
    #[test]
    fn strategic_results_never_hold_directives(
        original in object_with_keys(field_name()),
        patch in object_with_keys(patch_key()),
        kind in select(KINDS),
    ) {
        if let Ok(result) = strategic_merge(kind, &original, &patch) {
            prop_assert!(!has_directive_key(&result), "{}", result);
        }
    }

    /// (3) `kubectl set image`-style patches on a container list.
    #[test]
    fn container_patches_set_images_and_leave_other_containers_alone(
        case in container_case(),
    ) {
        let ContainerCase { original_names, patched, deleted, added, order } = case;
        let containers: Vec<Value> = original_names
            .iter()
            .map(|n| json!({"name": n, "image": format!("{n}:old"), "env": [{"name": "E", "value": n}]}))
            .collect();
        let original = json!({
            "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": containers.clone()}}}
        });

        let mut changed: Vec<&String> = patched.iter().chain(&added).collect();
        if let Some(order) = &order {
            // kubectl lists the changed items in the order `$setElementOrder` gives.
            changed.sort_by_key(|n| order.iter().position(|o| o == *n));
        }
        let mut patch_items: Vec<Value> = changed
            .iter()
            .map(|n| json!({"name": n, "image": format!("{n}:new")}))
            .collect();
        patch_items.extend(deleted.iter().map(|n| json!({"name": n, "$patch": "delete"})));
        let mut spec = Map::new();
        spec.insert("containers".into(), Value::Array(patch_items));
        if let Some(order) = &order {
            let keys = order.iter().map(|n| json!({"name": n})).collect();
            spec.insert("$setElementOrder/containers".into(), Value::Array(keys));
        }
        let patch = json!({"spec": {"template": {"spec": spec}}});

        let result = strategic_merge("Deployment", &original, &patch).unwrap();
        prop_assert!(!has_directive_key(&result), "{}", result);
        prop_assert_eq!(&result["metadata"], &original["metadata"]);
        prop_assert_eq!(&result["spec"]["replicas"], &json!(1));

        let got = result["spec"]["template"]["spec"]["containers"].as_array().unwrap();
        let names: Vec<&str> = got.iter().map(|c| c["name"].as_str().unwrap()).collect();
        let expected_len = original_names.len() - deleted.len() + added.len();
        prop_assert_eq!(got.len(), expected_len, "{:?}", names);
        for container in got {
            let name = container["name"].as_str().unwrap().to_owned();
            prop_assert!(!deleted.contains(&name));
            if patched.contains(&name) || added.contains(&name) {
                prop_assert_eq!(&container["image"], &json!(format!("{name}:new")));
            } else {
                let before = containers.iter().find(|c| c["name"] == json!(name)).unwrap();
                prop_assert_eq!(container, before);
            }
        }
        if let Some(order) = order {
            prop_assert_eq!(names, order.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }

    /// (4) `apply` never panics, whatever the bytes.
    #[test]
    fn apply_never_panics_on_arbitrary_bytes(
        original in object_with_keys(field_name()),
        body in prop::collection::vec(any::<u8>(), 0..128),
        kind in select(KINDS),
    ) {
        for patch_type in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
            let _ = apply(kind, &original, patch_type, &body);
        }
    }

    /// (4, continued) Nor on well-formed JSON that goes deeper than random bytes do: arbitrary
    /// directive-laden documents and JSON patch operations.
    #[test]
    fn apply_never_panics_on_arbitrary_json(
        original in object_with_keys(field_name()),
        body in json_with_keys(patch_key()),
        ops in prop::collection::vec(json_patch_op(), 0..6),
        kind in select(KINDS),
    ) {
        let body = serde_json::to_vec(&body).unwrap();
        let ops = serde_json::to_vec(&ops).unwrap();
        for patch_type in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
            let _ = apply(kind, &original, patch_type, &body);
            let _ = apply(kind, &original, patch_type, &ops);
        }
    }
}

#[derive(Debug, Clone)]
struct ContainerCase {
    original_names: Vec<String>,
    /// Existing containers given a new image.
    patched: Vec<String>,
    /// Existing containers deleted with `$patch: delete`.
    deleted: Vec<String>,
    /// New containers.
    added: Vec<String>,
    /// A `$setElementOrder/containers` naming every container of the result, if any.
    order: Option<Vec<String>>,
}

fn container_case() -> impl Strategy<Value = ContainerCase> {
    let names = prop::collection::btree_set("[a-z]{1,3}", 1..7);
    names
        .prop_flat_map(|names: BTreeSet<String>| {
            let names: Vec<String> = names.into_iter().collect();
            let n = names.len();
            (
                Just(names),
                prop::collection::vec(0u8..3, n),
                prop::collection::btree_set("[A-Z]{1,3}", 0..3),
                any::<bool>(),
            )
        })
        .prop_flat_map(|(names, roles, added, with_order)| {
            let pick = |role| {
                names
                    .iter()
                    .zip(&roles)
                    .filter(|(_, r)| **r == role)
                    .map(|(n, _)| n.clone())
                    .collect::<Vec<_>>()
            };
            let patched = pick(1);
            let deleted = pick(2);
            let added: Vec<String> = added.into_iter().collect();
            let survivors: Vec<String> = names
                .iter()
                .filter(|n| !deleted.contains(n))
                .chain(&added)
                .cloned()
                .collect();
            let order = if with_order {
                Just(survivors).prop_shuffle().prop_map(Some).boxed()
            } else {
                Just(None).boxed()
            };
            (
                Just(names),
                Just(patched),
                Just(deleted),
                Just(added),
                order,
            )
        })
        .prop_map(
            |(original_names, patched, deleted, added, order)| ContainerCase {
                original_names,
                patched,
                deleted,
                added,
                order,
            },
        )
}

fn json_pointer() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            field_name(),
            (0usize..4).prop_map(|i| i.to_string()),
            Just("-".to_owned()),
            Just("~1x".to_owned()),
        ],
        0..4,
    )
    .prop_map(|parts| parts.iter().map(|p| format!("/{p}")).collect())
}

fn json_patch_op() -> impl Strategy<Value = Value> {
    (
        select(vec![
            "add", "remove", "replace", "move", "copy", "test", "bogus",
        ]),
        json_pointer(),
        json_pointer(),
        json_with_keys(field_name()),
    )
        .prop_map(
            |(op, path, from, value)| json!({"op": op, "path": path, "from": from, "value": value}),
        )
}
