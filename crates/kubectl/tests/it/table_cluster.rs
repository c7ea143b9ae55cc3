//! Tables for a real simulated cluster: every stored object of every kind prints a full row,
//! and the Table JSON has the shape kubectl expects.

use std::time::Duration;

use cluster::k8s_openapi::api::core::v1::{Namespace, Pod};
use cluster::{Cluster, Kind, KindVisitor, Schema, SimTime, Store, Stored};
use kubectl::table::{IncludeObject, Priority, cells, cells_for, columns, table};
use serde_json::json;

fn baseline() -> Cluster {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(60));
    c
}

#[test]
fn baseline_pods_are_running_and_ready() {
    let c = baseline();
    let pods: Vec<_> = c.store().list::<Pod>().collect();
    assert!(!pods.is_empty(), "the baseline runs pods");
    for p in pods {
        let row = cells(Kind::Pod, p.as_ref(), c.now());
        assert_eq!(row.len(), 9, "{row:?}");
        assert_eq!(row[1], "1/1", "{row:?}");
        assert_eq!(row[2], "Running", "{row:?}");
        assert_eq!(row[3], "0", "{row:?}");
        let age = row[4].as_str().unwrap();
        assert!(age.ends_with('s') || age.ends_with('m'), "{row:?}");
        assert_ne!(row[5], "<none>", "a running pod has an IP: {row:?}");
        assert_ne!(row[6], "<none>", "a running pod has a node: {row:?}");
    }
}

/// Checks every object of one kind in the store: its full row, and the row `kubectl get`
/// builds without `-o wide` against it.
struct EveryObject<'a> {
    store: &'a Store,
    now: SimTime,
}

/// What [`EveryObject`] saw: objects, and wide cells left out of narrow rows.
#[derive(Default)]
struct Seen {
    objects: usize,
    left_out: usize,
}

impl KindVisitor for EveryObject<'_> {
    type Output = Seen;
    fn visit<T: Stored + Schema>(self) -> Seen {
        let kind = T::OBJECT_KIND;
        let width = columns(kind).len();
        let mut seen = Seen::default();
        for obj in self.store.list::<T>() {
            let row = cells(kind, obj.as_ref(), self.now);
            assert_eq!(row.len(), width, "{kind:?} {row:?}");
            for cell in &row {
                assert!(
                    cell.is_string() || cell.is_i64() || cell.is_u64() || cell.is_boolean(),
                    "{kind:?} cell {cell} must be a string, an integer or a boolean"
                );
            }
            let name = obj.metadata().name.clone().unwrap_or_default();
            let name_column = columns(kind).iter().position(|c| c.format == "name");
            if let Some(i) = name_column
                && kind != Kind::StorageClass
            {
                assert_eq!(row[i], name.as_str(), "{kind:?} name cell");
            }
            let narrow = cells_for(kind, obj.as_ref(), self.now, Priority::Zero);
            assert_eq!(narrow.len(), row.len(), "{kind:?}");
            for ((column, n), f) in columns(kind).iter().zip(&narrow).zip(&row) {
                if column.priority == 0 {
                    assert_eq!(n, f, "{kind:?} {}", column.name);
                } else if n.is_null() {
                    seen.left_out += 1;
                } else {
                    assert_eq!(n, f, "{kind:?} {}", column.name);
                }
            }
            assert_eq!(
                cells_for(kind, obj.as_ref(), self.now, Priority::All),
                row,
                "{kind:?}"
            );
            seen.objects += 1;
        }
        seen
    }
}

fn every_row(c: &Cluster) -> Seen {
    let mut total = Seen::default();
    for &kind in Kind::ALL {
        let seen = kind.visit(EveryObject {
            store: c.store(),
            now: c.now(),
        });
        total.objects += seen.objects;
        total.left_out += seen.left_out;
    }
    total
}

#[test]
fn every_baseline_object_prints_a_full_row() {
    let c = baseline();
    let total = every_row(&c).objects;
    assert_eq!(total, c.store().object_count());
    assert!(total > 0);
}

#[test]
fn rows_without_wide_columns_match_the_table_where_printed() {
    // Pods, Deployments, Services and Events skip their wide cells.
    assert!(every_row(&baseline()).left_out > 0);
}

#[test]
fn columns_follow_the_api_server() {
    let names = |kind| columns(kind).iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(
        names(Kind::Pod),
        [
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            "IP",
            "Node",
            "Nominated Node",
            "Readiness Gates"
        ]
    );
    assert_eq!(
        names(Kind::Event),
        [
            "Last Seen",
            "Type",
            "Reason",
            "Object",
            "Subobject",
            "Source",
            "Message",
            "First Seen",
            "Count",
            "Name"
        ]
    );
    assert_eq!(
        names(Kind::PersistentVolumeClaim),
        [
            "Name",
            "Status",
            "Volume",
            "Capacity",
            "Access Modes",
            "StorageClass",
            "VolumeAttributesClass",
            "Age",
            "VolumeMode"
        ]
    );
    for &kind in Kind::ALL {
        let cols = columns(kind);
        let name = cols
            .iter()
            .find(|c| c.name == "Name")
            .unwrap_or_else(|| panic!("{kind:?} has a Name column"));
        assert_eq!(name.format, "name", "{kind:?}");
        assert!(
            cols.iter().all(|c| c.format.is_empty() || c.name == "Name"),
            "{kind:?}"
        );
        assert!(cols.iter().all(|c| !c.description.is_empty()), "{kind:?}");
        assert!(
            cols.iter()
                .all(|c| ["string", "integer", "date", "boolean"].contains(&c.type_)),
            "{kind:?}"
        );
    }
    let wide: Vec<_> = columns(Kind::Pod)
        .iter()
        .filter(|c| c.priority == 1)
        .map(|c| c.name)
        .collect();
    assert_eq!(wide, ["IP", "Node", "Nominated Node", "Readiness Gates"]);
    assert_eq!(
        columns(Kind::Event)
            .iter()
            .filter(|c| c.priority == 0)
            .map(|c| c.name)
            .collect::<Vec<_>>(),
        ["Last Seen", "Type", "Reason", "Object", "Message"]
    );
    let rs_types: Vec<_> = columns(Kind::ReplicaSet).iter().map(|c| c.type_).collect();
    assert_eq!(
        rs_types,
        [
            "string", "integer", "integer", "integer", "string", "string", "string", "string"
        ]
    );
}

#[test]
fn table_json_shape() {
    let c = baseline();
    let pods: Vec<&Pod> = c.store().list::<Pod>().map(|p| p.as_ref()).collect();

    let t = table(&pods, c.now(), IncludeObject::Metadata, "1029");
    assert_eq!(t["kind"], "Table");
    assert_eq!(t["apiVersion"], "meta.k8s.io/v1");
    assert_eq!(t["metadata"], json!({"resourceVersion": "1029"}));
    let cols = t["columnDefinitions"].as_array().unwrap();
    assert_eq!(cols.len(), 9);
    assert_eq!(
        cols[0],
        json!({"name": "Name", "type": "string", "format": "name",
               "description": columns(Kind::Pod)[0].description, "priority": 0})
    );
    assert_eq!(cols[5]["priority"], 1);
    let rows = t["rows"].as_array().unwrap();
    assert_eq!(rows.len(), pods.len());
    for (row, pod) in rows.iter().zip(&pods) {
        assert_eq!(row["cells"].as_array().unwrap().len(), 9);
        assert_eq!(row["cells"][0], pod.metadata.name.as_deref().unwrap());
        assert!(row.get("conditions").is_none(), "running pods have none");
        let object = &row["object"];
        assert_eq!(object["kind"], "PartialObjectMetadata");
        assert_eq!(object["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(
            object["metadata"],
            serde_json::to_value(&pod.metadata).unwrap()
        );
        assert!(object.get("spec").is_none());
        assert!(object["metadata"]["namespace"].is_string());
    }

    let full = table(&pods, c.now(), IncludeObject::Object, "1029");
    for (row, pod) in full["rows"].as_array().unwrap().iter().zip(&pods) {
        assert_eq!(row["object"]["kind"], "Pod");
        assert_eq!(row["object"]["apiVersion"], "v1");
        assert_eq!(
            row["object"]["spec"],
            serde_json::to_value(&pod.spec).unwrap()
        );
        assert!(row["object"]["status"].is_object());
    }

    let bare = table(&pods, c.now(), IncludeObject::None, "");
    assert_eq!(bare["metadata"], json!({}));
    assert!(
        bare["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r.get("object").is_none() && r["cells"].is_array())
    );

    let empty = table::<Namespace>(&[], c.now(), IncludeObject::Metadata, "7");
    assert_eq!(empty["rows"], json!([]));
    assert_eq!(empty["columnDefinitions"].as_array().unwrap().len(), 3);
}

#[test]
fn completed_pods_carry_row_conditions_in_the_table() {
    let done: Pod = serde_json::from_value(json!({
        "metadata": {"name": "job-1", "namespace": "shop"},
        "spec": {"containers": [{"name": "job"}]},
        "status": {"phase": "Succeeded"},
    }))
    .unwrap();
    let t = table(&[&done], SimTime::EPOCH, IncludeObject::None, "1");
    assert_eq!(t["rows"][0]["conditions"][0]["type"], "Completed");
    assert_eq!(t["rows"][0]["conditions"][0]["status"], "True");
    assert_eq!(t["rows"][0]["cells"][2], "Succeeded");
}

#[test]
fn include_object_query_values() {
    assert_eq!(IncludeObject::from_query(None), IncludeObject::Metadata);
    assert_eq!(
        IncludeObject::from_query(Some("Metadata")),
        IncludeObject::Metadata
    );
    assert_eq!(
        IncludeObject::from_query(Some("Object")),
        IncludeObject::Object
    );
    assert_eq!(IncludeObject::from_query(Some("None")), IncludeObject::None);
    assert_eq!(
        IncludeObject::from_query(Some("object")),
        IncludeObject::Metadata
    );
}

#[test]
fn ages_follow_the_simulated_clock() {
    let mut c = baseline();
    let ns = c.store().get::<Namespace>("", "kube-system").cloned();
    let Some(ns) = ns else {
        panic!("the baseline has kube-system");
    };
    let before = cells(Kind::Namespace, ns.as_ref(), c.now())[2].clone();
    c.advance(Duration::from_secs(3 * 3600));
    let after = cells(Kind::Namespace, ns.as_ref(), c.now())[2].clone();
    assert_ne!(before, after);
    let after = after.as_str().unwrap();
    assert!(
        after.starts_with("3h"),
        "created before the baseline settled: {after}"
    );
}
