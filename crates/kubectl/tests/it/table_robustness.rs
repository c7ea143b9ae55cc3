//! The printers never panic, whatever the objects hold: every row still has one cell per column.

use cluster::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use cluster::k8s_openapi::api::core::v1::{Pod, ResourceQuota};
use cluster::k8s_openapi::api::networking::v1::NetworkPolicy;
use cluster::{SimTime, Stored};
use kubectl::table::{cells, columns, row_conditions};
use proptest::prelude::*;
use serde_json::{Value, json};

/// RFC 3339 timestamps from year 1 to 9999, Go's zero time included.
fn timestamp() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("0001-01-01T00:00:00Z")),
        (-62_135_596_800i64..253_402_207_199i64).prop_map(|s| {
            let ts = cluster::k8s_openapi::jiff::Timestamp::from_second(s).unwrap();
            json!(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        }),
        (1_767_600_000i64..1_767_700_000i64).prop_map(|s| {
            let ts = cluster::k8s_openapi::jiff::Timestamp::from_second(s).unwrap();
            json!(ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        }),
    ]
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("Completed".to_string()),
        Just("PodInitializing".to_string()),
        Just("CrashLoopBackOff".to_string()),
        "[a-zA-Z:/ -]{0,12}",
    ]
}

fn state() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!({})),
        Just(json!({"running": {}})),
        word().prop_map(|r| json!({"waiting": {"reason": r}})),
        (word(), any::<i32>(), prop::option::of(any::<i32>()), timestamp()).prop_map(
            |(r, code, signal, at)| {
                json!({"terminated": {"reason": r, "exitCode": code, "signal": signal, "finishedAt": at}})
            }
        ),
    ]
}

fn container_status(name: &'static str) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        any::<i32>(),
        prop::option::of(any::<bool>()),
        state(),
        state(),
    )
        .prop_map(move |(ready, restarts, started, state, last)| {
            json!({"name": name, "image": "", "imageID": "", "ready": ready, "restartCount": restarts,
                   "started": started, "state": state, "lastState": last})
        })
}

fn condition() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["Ready", "Initialized", "PodScheduled", "x/y"]),
        prop::sample::select(vec!["True", "False", "Unknown"]),
        word(),
    )
        .prop_map(|(t, s, r)| json!({"type": t, "status": s, "reason": r}))
}

fn pod() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(container_status("init"), 0..3),
        prop::collection::vec(container_status("app"), 0..3),
        prop::collection::vec(condition(), 0..4),
        prop::sample::select(vec!["", "Pending", "Running", "Succeeded", "Failed"]),
        word(),
        timestamp(),
        timestamp(),
        any::<bool>(),
    )
        .prop_map(
            |(init, app, conditions, phase, reason, created, deleted, sidecar)| {
                json!({
                    "metadata": {"name": "p", "creationTimestamp": created, "deletionTimestamp": deleted},
                    "spec": {
                        "initContainers": [{"name": "init", "restartPolicy": if sidecar { "Always" } else { "OnFailure" }}],
                        "containers": [{"name": "app"}],
                        "readinessGates": [{"conditionType": "x/y"}],
                    },
                    "status": {"phase": phase, "reason": reason, "conditions": conditions,
                               "initContainerStatuses": init, "containerStatuses": app,
                               "podIPs": [{"ip": ""}]},
                })
            },
        )
}

fn check<T: Stored>(v: Value, now: u64) -> Result<(), TestCaseError> {
    let obj = serde_json::from_value::<T>(v.clone());
    prop_assert!(
        obj.is_ok(),
        "{v} must deserialize: {obj:?}",
        obj = obj.as_ref().err()
    );
    let Ok(obj) = obj else {
        return Ok(());
    };
    let row = cells(T::OBJECT_KIND, &obj, SimTime(now));
    prop_assert_eq!(row.len(), columns(T::OBJECT_KIND).len());
    let _ = row_conditions(T::OBJECT_KIND, &obj);
    Ok(())
}

proptest! {
    #[test]
    fn pods_always_print(p in pod(), now in any::<u64>()) {
        check::<Pod>(p.clone(), now)?;
        check::<Pod>(p, SimTime::EPOCH.millis())?;
    }

    #[test]
    fn quotas_with_any_quantity_print(
        hard in prop::collection::btree_map("[a-z.]{1,12}", "[-+0-9.eEinumkKMGTP]{0,24}", 0..5),
        used in prop::collection::btree_map("[a-z.]{1,12}", "[-+0-9.eEinumkKMGTP]{0,24}", 0..5),
    ) {
        check::<ResourceQuota>(json!({"metadata": {"name": "q"}, "status": {"hard": hard, "used": used}}), 0)?;
    }

    #[test]
    fn autoscalers_with_any_metrics_print(
        types in prop::collection::vec(
            prop::sample::select(vec!["Resource", "ContainerResource", "Pods", "Object", "External", "Bogus"]), 0..4),
        value in "[0-9]{1,30}[mkMGi]{0,2}",
        utilization in prop::option::of(any::<i32>()),
    ) {
        let target = json!({"type": "Value", "value": value, "averageUtilization": utilization});
        let metrics: Vec<Value> = types.iter().map(|t| json!({"type": t})).collect();
        let with_sources: Vec<Value> = types.iter().map(|t| json!({
            "type": t,
            "resource": {"name": "cpu", "target": target},
            "containerResource": {"name": "cpu", "container": "c", "target": target},
            "pods": {"metric": {"name": "m"}, "target": target},
            "object": {"metric": {"name": "m"}, "describedObject": {"kind": "S", "name": "s"}, "target": target},
            "external": {"metric": {"name": "m"}, "target": target},
        })).collect();
        let current: Vec<Value> = types.iter().map(|t| json!({"type": t, "resource": {"name": "cpu", "current": {"value": value}}})).collect();
        for m in [metrics, with_sources] {
            check::<HorizontalPodAutoscaler>(json!({
                "metadata": {"name": "h"},
                "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "maxReplicas": 3, "metrics": m},
                "status": {"desiredReplicas": 1, "currentMetrics": current},
            }), 0)?;
        }
    }

    #[test]
    fn network_policies_with_any_selector_print(
        labels in prop::collection::btree_map("[a-zA-Z0-9./_-]{0,70}", "[a-zA-Z0-9._-]{0,70}", 0..3),
        op in prop::sample::select(vec!["In", "NotIn", "Exists", "DoesNotExist", "Gt", ""]),
        values in prop::collection::vec("[a-z]{0,3}", 0..3),
    ) {
        check::<NetworkPolicy>(json!({
            "metadata": {"name": "n"},
            "spec": {"podSelector": {"matchLabels": labels,
                     "matchExpressions": [{"key": "k", "operator": op, "values": values}]}},
        }), 0)?;
    }
}
