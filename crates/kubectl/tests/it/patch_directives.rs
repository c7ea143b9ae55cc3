//! Strategic merge patch directives and merge keys, each checked against the whole result.

use kubectl::patch::{PatchError, strategic_merge};
use serde_json::{Value, json};

fn smp(kind: &str, original: &Value, patch: Value) -> Result<Value, PatchError> {
    strategic_merge(kind, original, &patch)
}

fn pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-0",
            "namespace": "shop",
            "labels": {"app": "web", "tier": "frontend"},
            "finalizers": ["example.com/a", "example.com/b"],
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u-1", "controller": true},
                {"apiVersion": "v1", "kind": "ConfigMap", "name": "cfg", "uid": "u-2"}
            ]
        },
        "spec": {
            "containers": [{
                "name": "web",
                "image": "nginx:1.25",
                "ports": [
                    {"containerPort": 80, "protocol": "TCP"},
                    {"containerPort": 443, "protocol": "TCP"}
                ],
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]
            }],
            "volumes": [
                {"name": "data", "emptyDir": {}},
                {"name": "cfg", "configMap": {"name": "cfg"}}
            ],
            "tolerations": [{"key": "a", "operator": "Exists"}],
            "securityContext": {"runAsUser": 1000}
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "False"},
                {"type": "PodScheduled", "status": "True"}
            ]
        }
    })
}

fn service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"},
                {"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"}
            ]
        }
    })
}

#[test]
fn patch_replace_on_a_map_replaces_it() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {"labels": {"$patch": "replace", "only": "this"}}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["metadata"]["labels"] = json!({"only": "this"});
    assert_eq!(result, expected);
}

#[test]
fn patch_replace_on_a_merge_list_replaces_the_list() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"containers": [{"name": "only", "image": "busybox"}, {"$patch": "replace"}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["containers"] = json!([{"name": "only", "image": "busybox"}]);
    assert_eq!(result, expected);
}

#[test]
fn patch_replace_alone_empties_a_merge_list() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"volumes": [{"$patch": "replace"}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["volumes"] = json!([]);
    assert_eq!(result, expected);
}

#[test]
fn patch_delete_on_a_map_removes_it() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"securityContext": {"$patch": "delete", "runAsUser": 0}}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]
        .as_object_mut()
        .unwrap()
        .remove("securityContext");
    assert_eq!(result, expected);
}

#[test]
fn patch_delete_on_the_whole_object_is_refused() {
    let err = smp("Pod", &pod(), json!({"$patch": "delete"})).unwrap_err();
    assert_eq!(err.code(), 400);
}

#[test]
fn retain_keys_drops_the_fields_not_listed() {
    // What kubectl apply sends to switch a Deployment to Recreate.
    let original = json!({
        "kind": "Deployment",
        "spec": {
            "replicas": 2,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
            }
        }
    });
    let result = smp(
        "Deployment",
        &original,
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"kind": "Deployment", "spec": {"replicas": 2, "strategy": {"type": "Recreate"}}})
    );
}

#[test]
fn retain_keys_on_a_volume_switches_its_source() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"volumes": [
            {"$retainKeys": ["hostPath", "name"], "name": "data", "hostPath": {"path": "/srv"}}
        ]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["volumes"] = json!([
        {"name": "data", "hostPath": {"path": "/srv"}},
        {"name": "cfg", "configMap": {"name": "cfg"}}
    ]);
    assert_eq!(result, expected);
}

#[test]
fn retain_keys_must_list_every_field_the_patch_sets() {
    let err = smp(
        "Deployment",
        &json!({"spec": {"strategy": {"type": "RollingUpdate"}}}),
        json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate", "other": 1}}}),
    )
    .unwrap_err();
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        (400, "invalid patch format of retainKeys")
    );
}

#[test]
fn delete_from_primitive_list_removes_finalizers() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/a"]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["metadata"]["finalizers"] = json!(["example.com/b"]);
    assert_eq!(result, expected);
}

#[test]
fn finalizers_merge_as_a_set() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {"finalizers": ["example.com/b", "example.com/c"]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["metadata"]["finalizers"] = json!(["example.com/a", "example.com/b", "example.com/c"]);
    assert_eq!(result, expected);
}

#[test]
fn finalizers_with_set_element_order_and_deletion() {
    // The example of Kubernetes' "preserve order" design: live [b e a c d], patch from
    // [a b c] to [a b f].
    let original = json!({"metadata": {"finalizers": ["b", "e", "a", "c", "d"]}});
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {
            "$setElementOrder/finalizers": ["a", "b", "f"],
            "$deleteFromPrimitiveList/finalizers": ["c"],
            "finalizers": ["f"]
        }}),
    )
    .unwrap();
    // The design note shows [e d a b f]; apimachinery's code interleaves server-only items by
    // their live position instead, which gives this.
    assert_eq!(
        result,
        json!({"metadata": {"finalizers": ["e", "a", "b", "f", "d"]}})
    );
}

#[test]
fn owner_references_merge_by_uid() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {"ownerReferences": [
            {"uid": "u-1", "blockOwnerDeletion": true},
            {"$patch": "delete", "uid": "u-2"}
        ]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["metadata"]["ownerReferences"] = json!([
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "u-1",
         "controller": true, "blockOwnerDeletion": true}
    ]);
    assert_eq!(result, expected);
}

#[test]
fn service_ports_merge_by_port() {
    let original = service();
    let result = smp(
        "Service",
        &original,
        json!({"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["ports"][0]["targetPort"] = json!(8080);
    assert_eq!(result, expected);
}

#[test]
fn service_ports_are_not_merged_by_container_port() {
    // Under a Service the key is `port`: an item keyed only by containerPort has no merge key.
    let err = smp(
        "Service",
        &service(),
        json!({"spec": {"ports": [{"containerPort": 80}]}}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "map: map[containerPort:80] does not contain declared merge key: port"
    );
    assert_eq!(err.code(), 400);
}

#[test]
fn container_ports_merge_by_container_port() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"containers": [
            {"name": "web", "ports": [{"containerPort": 443, "name": "https"}]}
        ]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["containers"][0]["ports"][1]["name"] = json!("https");
    assert_eq!(result, expected);
}

#[test]
fn volumes_merge_by_name_and_mounts_by_mount_path() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {
            "$setElementOrder/volumes": [{"name": "data"}, {"name": "cfg"}, {"name": "cache"}],
            "volumes": [{"name": "cache", "emptyDir": {"medium": "Memory"}}],
            "containers": [{"name": "web", "volumeMounts": [
                {"mountPath": "/data", "readOnly": true},
                {"name": "cache", "mountPath": "/cache"}
            ]}]
        }}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["volumes"] = json!([
        {"name": "data", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "cfg"}},
        {"name": "cache", "emptyDir": {"medium": "Memory"}}
    ]);
    expected["spec"]["containers"][0]["volumeMounts"] = json!([
        {"name": "data", "mountPath": "/data", "readOnly": true},
        {"name": "cache", "mountPath": "/cache"}
    ]);
    assert_eq!(result, expected);
}

#[test]
fn status_conditions_merge_by_type() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["status"]["conditions"][0]["status"] = json!("True");
    assert_eq!(result, expected);
}

#[test]
fn other_lists_are_atomic() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["spec"]["tolerations"] = json!([{"key": "b", "operator": "Exists"}]);
    assert_eq!(result, expected);
}

#[test]
fn merge_keys_follow_the_kind() {
    // `containers` at the top level of a ConfigMap's data is just a list.
    let original =
        json!({"kind": "ConfigMap", "spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
    let result = smp(
        "ConfigMap",
        &original,
        json!({"spec": {"containers": [{"name": "a", "image": "x"}]}}),
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"kind": "ConfigMap", "spec": {"containers": [{"name": "a", "image": "x"}]}})
    );
}

#[test]
fn statefulset_and_cronjob_templates_merge_containers_by_name() {
    let containers = json!([{"name": "a", "image": "1"}, {"name": "b", "image": "1"}]);
    let sts = json!({"spec": {"template": {"spec": {"containers": containers.clone()}}}});
    let result = smp(
        "StatefulSet",
        &sts,
        json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "2"}]}}}}),
    )
    .unwrap();
    assert_eq!(
        result["spec"]["template"]["spec"]["containers"],
        json!([{"name": "a", "image": "1"}, {"name": "b", "image": "2"}])
    );

    let cronjob = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": containers}}}}}});
    let result = smp(
        "CronJob",
        &cronjob,
        json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "2"}]}}}}}}),
    )
    .unwrap();
    assert_eq!(
        result["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"],
        json!([{"name": "a", "image": "2"}, {"name": "b", "image": "1"}])
    );
}

#[test]
fn a_new_container_without_set_element_order_goes_first() {
    // As kube-apiserver does (and the Kubernetes docs' kubectl patch example shows).
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"containers": [{"name": "sidecar", "image": "busybox"}]}}),
    )
    .unwrap();
    let mut expected = original.clone();
    let web = expected["spec"]["containers"][0].clone();
    expected["spec"]["containers"] = json!([{"name": "sidecar", "image": "busybox"}, web]);
    assert_eq!(result, expected);
}

#[test]
fn set_element_order_puts_a_new_container_last() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
            "containers": [{"name": "sidecar", "image": "busybox"}]
        }}),
    )
    .unwrap();
    let mut expected = original.clone();
    let web = expected["spec"]["containers"][0].clone();
    expected["spec"]["containers"] = json!([web, {"name": "sidecar", "image": "busybox"}]);
    assert_eq!(result, expected);
}

#[test]
fn set_element_order_interleaves_server_only_items_by_live_position() {
    // Live [C B D A E], patch orders [A B]: apimachinery yields [C D A B E].
    let item = |n: &str| json!({"name": n});
    let original =
        json!({"spec": {"containers": [item("C"), item("B"), item("D"), item("A"), item("E")]}});
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "A"}, {"name": "B"}],
            "containers": [{"name": "A", "image": "a"}, {"name": "B", "image": "b"}]
        }}),
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"spec": {"containers": [
            item("C"), item("D"), {"name": "A", "image": "a"}, {"name": "B", "image": "b"}, item("E")
        ]}})
    );
}

#[test]
fn set_element_order_may_only_reorder() {
    let original = json!({"spec": {"containers": [{"name": "b"}, {"name": "a"}]}});
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}]}}),
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}})
    );
}

#[test]
fn set_element_order_must_agree_with_the_patch_list() {
    let original = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
    let err = smp(
        "Pod",
        &original,
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "b", "image": "x"}, {"name": "a", "image": "y"}]
        }}),
    )
    .unwrap_err();
    assert_eq!(err.code(), 400);
    assert!(
        err.to_string()
            .contains("doesn't match $setElementOrder list"),
        "{err}"
    );
}

#[test]
fn directives_are_never_stored_in_new_subtrees() {
    let original = json!({"kind": "Pod", "spec": {}});
    let result = smp(
        "Pod",
        &original,
        json!({"spec": {
            "$setElementOrder/initContainers": [{"name": "init"}],
            "initContainers": [{
                "name": "init",
                "$setElementOrder/env": [{"name": "A"}],
                "env": [{"name": "A", "value": "1"}, {"$patch": "delete", "name": "B"}],
                "securityContext": {"$patch": "replace", "runAsNonRoot": true, "gone": null}
            }],
            "tolerations": [{"$patch": "replace"}, {"key": "k", "value": null}]
        }}),
    )
    .unwrap();
    assert_eq!(
        result,
        json!({"kind": "Pod", "spec": {
            "initContainers": [{
                "name": "init",
                "env": [{"name": "A", "value": "1"}],
                "securityContext": {"runAsNonRoot": true}
            }],
            "tolerations": [{"key": "k"}]
        }})
    );
}

#[test]
fn null_deletes_and_type_changes_replace() {
    let original = pod();
    let result = smp(
        "Pod",
        &original,
        json!({"metadata": {"labels": {"tier": null, "missing": null}}, "status": "gone"}),
    )
    .unwrap();
    let mut expected = original.clone();
    expected["metadata"]["labels"] = json!({"app": "web"});
    expected["status"] = json!("gone");
    assert_eq!(result, expected);
}

#[test]
fn unknown_directives_are_bad_requests() {
    let err = smp("Pod", &pod(), json!({"spec": {"$frobnicate": 1}})).unwrap_err();
    assert_eq!(
        (err.code(), err.reason(), err.to_string().as_str()),
        (
            400,
            "BadRequest",
            "unknown directive \"$frobnicate\" in strategic merge patch"
        )
    );

    let err = smp("Pod", &pod(), json!({"spec": {"$patch": "frobnicate"}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown patch type: frobnicate in map: map[$patch:frobnicate]"
    );
    assert_eq!(err.code(), 400);

    let err = smp(
        "Pod",
        &pod(),
        json!({"spec": {"containers": [{"$patch": "merge", "name": "web"}]}}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "merging lists cannot yet be specified in the patch"
    );

    let err = smp("Pod", &pod(), json!({"spec": {"$setElementOrder": []}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid patch format of setElementOrder list"
    );
}

#[test]
fn merge_list_items_need_their_key() {
    let err = smp(
        "Pod",
        &pod(),
        json!({"spec": {"containers": [{"image": "nginx"}]}}),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "map: map[image:nginx] does not contain declared merge key: name"
    );
    let err = smp(
        "Pod",
        &pod(),
        json!({"spec": {"containers": [{"$patch": "delete"}]}}),
    )
    .unwrap_err();
    assert_eq!(err.code(), 400);
}

#[test]
fn lists_of_lists_in_merged_lists_are_unprocessable() {
    let err = smp("Pod", &pod(), json!({"metadata": {"finalizers": [["a"]]}})).unwrap_err();
    assert_eq!((err.code(), err.reason()), (422, "Invalid"));
}

#[test]
fn non_object_patches_are_bad_requests() {
    for patch in [json!([]), json!("x"), json!(1)] {
        let err = smp("Pod", &pod(), patch).unwrap_err();
        assert_eq!(err.code(), 400);
        assert!(err.to_string().starts_with("error decoding patch: "));
    }
}
