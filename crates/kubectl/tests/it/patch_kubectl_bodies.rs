//! The exact PATCH bodies real kubectl sends (see kubectl-request-log.txt), applied to stored
//! objects. Each test asserts the whole resulting object: the expected value is the fixture with
//! only the intended change made to it.

use kubectl::patch::{PatchError, PatchType, apply};
use serde_json::{Value, json};

/// A Deployment as the server stores it, with two containers so that patches touching one can be
/// seen to leave the other alone.
fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "6ea0c8f3-ecd9-0160-3240-e3bd8ed36942",
            "resourceVersion": "1176",
            "generation": 4,
            "creationTimestamp": "2026-11-25T13:40:00Z",
            "labels": {"app": "web", "tier": "frontend"},
            "annotations": {"deployment.kubernetes.io/revision": "4"}
        },
        "spec": {
            "replicas": 2,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
            },
            "template": {
                "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx:1.25",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "resources": {
                                "limits": {"cpu": "200m", "memory": "256Mi"},
                                "requests": {"cpu": "100m"}
                            },
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent"
                        },
                        {
                            "name": "sidecar",
                            "image": "busybox:1.36",
                            "args": ["sh", "-c", "tail -f /dev/null"],
                            "resources": {},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File",
                            "imagePullPolicy": "IfNotPresent"
                        }
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                    "securityContext": {},
                    "schedulerName": "default-scheduler"
                }
            }
        },
        "status": {
            "observedGeneration": 4,
            "replicas": 2,
            "updatedReplicas": 2,
            "readyReplicas": 2,
            "availableReplicas": 2,
            "conditions": [
                {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}
            ]
        }
    })
}

/// The same Deployment with only the `web` container, as in the request log.
fn single_container_deployment() -> Value {
    let mut deployment = deployment();
    containers_mut(&mut deployment).truncate(1);
    deployment
}

fn node() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": "worker-1",
            "uid": "0d0ad6d8-58a5-4e6b-a3c7-51a1c7e1c3a1",
            "resourceVersion": "900",
            "labels": {"kubernetes.io/hostname": "worker-1", "kubernetes.io/os": "linux"}
        },
        "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}]
        }
    })
}

fn containers_mut(object: &mut Value) -> &mut Vec<Value> {
    object
        .pointer_mut("/spec/template/spec/containers")
        .and_then(Value::as_array_mut)
        .expect("fixture has containers")
}

fn web_mut(object: &mut Value) -> &mut Value {
    &mut containers_mut(object)[0]
}

fn smp(kind: &str, original: &Value, body: &str) -> Result<Value, PatchError> {
    apply(kind, original, PatchType::Strategic, body.as_bytes())
}

fn merge(original: &Value, body: &str) -> Result<Value, PatchError> {
    apply("Deployment", original, PatchType::Merge, body.as_bytes())
}

fn json_patch(original: &Value, body: &str) -> Result<Value, PatchError> {
    apply("Deployment", original, PatchType::Json, body.as_bytes())
}

#[test]
fn set_resources_changes_only_the_memory_limit() {
    let original = deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"name":"web","resources":{"limits":{"memory":"128Mi"}}}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["resources"]["limits"]["memory"] = json!("128Mi");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_resources_logged_body_on_a_single_container_deployment() {
    let original = single_container_deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"name":"web","resources":{"limits":{"memory":"128Mi"}}}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["resources"]["limits"]["memory"] = json!("128Mi");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_image_changes_one_of_two_containers() {
    let original = deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.26","name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["image"] = json!("nginx:1.26");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_image_logged_body_with_an_order_naming_only_web_keeps_the_sidecar_after_it() {
    let original = deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:1.26","name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["image"] = json!("nginx:1.26");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_image_on_the_second_container_only() {
    let original = deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"busybox:1.37","name":"sidecar"}]}}}}"#;
    let mut expected = original.clone();
    containers_mut(&mut expected)[1]["image"] = json!("busybox:1.37");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_env_adds_the_first_variable() {
    let original = single_container_deployment();
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"env":[{"name":"KEY","value":"VAL"}],"name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["env"] = json!([{"name": "KEY", "value": "VAL"}]);
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_env_second_variable_is_ordered_by_set_element_order() {
    let mut original = deployment();
    web_mut(&mut original)["env"] = json!([{"name": "KEY", "value": "VAL"}]);
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"KEY"},{"name":"KEY2"}],"env":[{"name":"KEY2","value":"VAL2"}],"name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["env"] = json!([
        {"name": "KEY", "value": "VAL"},
        {"name": "KEY2", "value": "VAL2"}
    ]);
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_env_variable_placed_first_by_set_element_order() {
    let mut original = deployment();
    web_mut(&mut original)["env"] = json!([{"name": "KEY", "value": "VAL"}]);
    let body = r#"{"spec":{"template":{"spec":{"containers":[{"$setElementOrder/env":[{"name":"FIRST"},{"name":"KEY"}],"env":[{"name":"FIRST","value":"1"}],"name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["env"] = json!([
        {"name": "FIRST", "value": "1"},
        {"name": "KEY", "value": "VAL"}
    ]);
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_env_key_minus_deletes_the_variable() {
    let mut original = deployment();
    web_mut(&mut original)["env"] = json!([{"name": "KEY", "value": "VAL"}]);
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"env":[{"$patch":"delete","name":"KEY"}],"name":"web"}]}}}}"#;
    let mut expected = original.clone();
    // Strategic merge patch leaves the emptied list; dropping empty lists is the typed
    // round trip's business, as in kube-apiserver.
    web_mut(&mut expected)["env"] = json!([]);
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn set_env_key_minus_deletes_one_of_two_variables() {
    let mut original = deployment();
    web_mut(&mut original)["env"] = json!([
        {"name": "KEY", "value": "VAL"},
        {"name": "KEY2", "value": "VAL2"}
    ]);
    let body = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"$setElementOrder/env":[{"name":"KEY2"}],"env":[{"$patch":"delete","name":"KEY"}],"name":"web"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["env"] = json!([{"name": "KEY2", "value": "VAL2"}]);
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn rollout_restart_adds_the_restarted_at_annotation() {
    let original = deployment();
    let body = r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-25T13:50:36Z"}}}}}"#;
    let mut expected = original.clone();
    expected["spec"]["template"]["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/restartedAt": "2026-11-25T13:50:36Z"});
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn rollout_restart_again_overwrites_the_annotation() {
    let mut original = deployment();
    original["spec"]["template"]["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/restartedAt": "2026-11-25T13:50:36Z", "keep": "me"});
    let body = r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-25T14:00:00Z"}}}}}"#;
    let mut expected = original.clone();
    expected["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
        json!("2026-11-25T14:00:00Z");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn cordon_and_uncordon_a_node() {
    let original = node();
    let mut cordoned = original.clone();
    cordoned["spec"]["unschedulable"] = json!(true);
    let result = smp("Node", &original, r#"{"spec":{"unschedulable":true}}"#).unwrap();
    assert_eq!(result, cordoned);
    // kubectl uncordon sends `"unschedulable": null`.
    let result = smp("Node", &result, r#"{"spec":{"unschedulable":null}}"#).unwrap();
    assert_eq!(result, original);
}

#[test]
fn default_kubectl_patch_updates_web_and_keeps_the_sidecar() {
    let original = deployment();
    let body =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["image"] = json!("nginx:1.27");
    assert_eq!(smp("Deployment", &original, body).unwrap(), expected);
}

#[test]
fn strategic_noop_patch_returns_the_object_unchanged() {
    let original = deployment();
    assert_eq!(smp("Deployment", &original, "{}").unwrap(), original);
    let same_image = r#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"nginx:1.25","name":"web"}]}}}}"#;
    assert_eq!(smp("Deployment", &original, same_image).unwrap(), original);
}

#[test]
fn scale_merge_patch_sets_replicas() {
    let original = deployment();
    let mut expected = original.clone();
    expected["spec"]["replicas"] = json!(3);
    assert_eq!(
        merge(&original, r#"{"spec":{"replicas":3}}"#).unwrap(),
        expected
    );
}

#[test]
fn label_merge_patch_null_deletes_a_label_and_annotate_adds_one() {
    let original = deployment();
    let mut expected = original.clone();
    expected["metadata"]["labels"] = json!({"app": "web"});
    let result = merge(&original, r#"{"metadata":{"labels":{"tier":null}}}"#).unwrap();
    assert_eq!(result, expected);

    expected["metadata"]["annotations"]["owner"] = json!("team-a");
    let result = merge(
        &result,
        r#"{"metadata":{"annotations":{"owner":"team-a"}}}"#,
    )
    .unwrap();
    assert_eq!(result, expected);
}

#[test]
fn merge_patch_replaces_lists_wholesale() {
    // The pitfall that makes SMP necessary: merge patch has no merge keys.
    let original = deployment();
    let body =
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}}"#;
    let mut expected = original.clone();
    *containers_mut(&mut expected) = vec![json!({"name": "web", "image": "nginx:1.27"})];
    assert_eq!(merge(&original, body).unwrap(), expected);
}

#[test]
fn merge_patch_noop_returns_the_object_unchanged() {
    let original = deployment();
    assert_eq!(
        merge(&original, r#"{"spec":{"replicas":2}}"#).unwrap(),
        original
    );
}

#[test]
fn json_patch_replaces_the_first_image() {
    let original = deployment();
    let body = r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.28"}]"#;
    let mut expected = original.clone();
    web_mut(&mut expected)["image"] = json!("nginx:1.28");
    assert_eq!(json_patch(&original, body).unwrap(), expected);
}

#[test]
fn rollout_undo_json_patch_replaces_template_and_annotations() {
    let original = deployment();
    let body = r#"[{"op":"replace","path":"/spec/template","value":{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"nginx:1.28","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"KEY","value":"VAL"}],"resources":{"limits":{"memory":"128Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}},{"op":"replace","path":"/metadata/annotations","value":{"deployment.kubernetes.io/revision":"7"}}]"#;
    let mut expected = original.clone();
    expected["spec"]["template"] = json!({
        "metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
        "spec": {
            "containers": [{
                "name": "web",
                "image": "nginx:1.28",
                "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "env": [{"name": "KEY", "value": "VAL"}],
                "resources": {"limits": {"memory": "128Mi"}},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
                "imagePullPolicy": "IfNotPresent"
            }],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "securityContext": {},
            "schedulerName": "default-scheduler"
        }
    });
    expected["metadata"]["annotations"] = json!({"deployment.kubernetes.io/revision": "7"});
    assert_eq!(json_patch(&original, body).unwrap(), expected);
}

#[test]
fn json_patch_add_and_remove() {
    let original = deployment();
    let body = r#"[{"op":"add","path":"/metadata/labels/env","value":"prod"},{"op":"remove","path":"/metadata/labels/tier"},{"op":"add","path":"/spec/template/spec/containers/1/args/-","value":"--verbose"}]"#;
    let mut expected = original.clone();
    expected["metadata"]["labels"] = json!({"app": "web", "env": "prod"});
    containers_mut(&mut expected)[1]["args"] =
        json!(["sh", "-c", "tail -f /dev/null", "--verbose"]);
    assert_eq!(json_patch(&original, body).unwrap(), expected);
}

#[test]
fn json_patch_escaped_pointer_reaches_an_annotation_with_a_slash() {
    let original = deployment();
    let body = r#"[{"op":"test","path":"/metadata/annotations/deployment.kubernetes.io~1revision","value":"4"},{"op":"replace","path":"/metadata/annotations/deployment.kubernetes.io~1revision","value":"5"}]"#;
    let mut expected = original.clone();
    expected["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("5");
    assert_eq!(json_patch(&original, body).unwrap(), expected);
}

fn assert_unprocessable(err: PatchError) {
    assert_eq!(err.code(), 422, "{err:?}");
    assert_eq!(err.reason(), "Invalid");
    // kube-apiserver drops the cause of a failed JSON patch and sends this generic message.
    assert_eq!(
        err.to_string(),
        "the server rejected our request due to an error in our request"
    );
}

#[test]
fn json_patch_failed_test_is_422() {
    let body = r#"[{"op":"test","path":"/spec/replicas","value":5},{"op":"replace","path":"/spec/replicas","value":1}]"#;
    let err = json_patch(&deployment(), body).unwrap_err();
    assert!(
        matches!(&err, PatchError::Unprocessable { detail } if detail.contains("/spec/replicas")),
        "{err:?}"
    );
    assert_unprocessable(err);
}

#[test]
fn json_patch_replace_or_remove_on_a_missing_path_is_422() {
    let original = deployment();
    for body in [
        r#"[{"op":"replace","path":"/spec/paused","value":true}]"#,
        r#"[{"op":"remove","path":"/metadata/labels/missing"}]"#,
        r#"[{"op":"add","path":"/no/such/parent","value":1}]"#,
        r#"[{"op":"replace","path":"/spec/template/spec/containers/5/image","value":"x"}]"#,
    ] {
        assert_unprocessable(json_patch(&original, body).unwrap_err());
    }
}

#[test]
fn json_patch_unknown_op_or_relative_path_is_422() {
    let original = deployment();
    for body in [
        r#"[{"op":"frobnicate","path":"/spec"}]"#,
        r#"[{"op":"add","path":"spec/replicas","value":1}]"#,
        r#"[{"op":"add","path":"/spec/replicas"}]"#,
    ] {
        assert_unprocessable(json_patch(&original, body).unwrap_err());
    }
}

#[test]
fn malformed_bodies_are_bad_requests_for_every_patch_type() {
    let original = deployment();
    for patch_type in [PatchType::Strategic, PatchType::Merge, PatchType::Json] {
        for body in ["x", "{\"spec\":", ""] {
            let err = apply("Deployment", &original, patch_type, body.as_bytes()).unwrap_err();
            assert_eq!(err.code(), 400, "{patch_type:?} {body:?}");
            assert_eq!(err.reason(), "BadRequest");
            assert!(
                err.to_string().starts_with("error decoding patch: "),
                "{err}"
            );
        }
    }
}

#[test]
fn wrongly_shaped_bodies_are_bad_requests_with_go_decoder_messages() {
    let original = deployment();
    let err = apply("Deployment", &original, PatchType::Strategic, b"[1]").unwrap_err();
    assert_eq!(
        err.to_string(),
        "error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}"
    );
    let err = apply("Deployment", &original, PatchType::Merge, b"\"x\"").unwrap_err();
    assert_eq!(err.code(), 400);
    let err = apply("Deployment", &original, PatchType::Json, br#"{"op":"add"}"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp"
    );
    let err = apply(
        "Deployment",
        &original,
        PatchType::Json,
        br#"[{"op":"add","path":1}]"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), 400);
}

#[test]
fn null_bodies_behave_as_in_kube_apiserver() {
    let original = deployment();
    // Go decodes `null` into an empty map / empty operation list: nothing changes.
    assert_eq!(
        apply("Deployment", &original, PatchType::Strategic, b"null").unwrap(),
        original
    );
    assert_eq!(
        apply("Deployment", &original, PatchType::Json, b"null").unwrap(),
        original
    );
    // evanphx/json-patch refuses a `null` merge patch.
    let err = apply("Deployment", &original, PatchType::Merge, b"null").unwrap_err();
    assert_eq!(
        (err.code(), err.to_string().as_str()),
        (400, "Invalid JSON Patch")
    );
}

#[test]
fn json_patch_with_too_many_operations_is_413() {
    let op = r#"{"op":"test","path":"/kind","value":"Deployment"}"#;
    let body = format!("[{}]", vec![op; 10_001].join(","));
    let err = json_patch(&deployment(), &body).unwrap_err();
    assert_eq!((err.code(), err.reason()), (413, "RequestEntityTooLarge"));
    let body = format!("[{}]", vec![op; 10_000].join(","));
    assert_eq!(json_patch(&deployment(), &body).unwrap(), deployment());
}
