//! Exact cells per kind for constructed objects, checked against what the Kubernetes 1.33 API
//! server's printers produce for the same objects.

use std::sync::Arc;
use std::time::Duration;

use cluster::k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use cluster::k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use cluster::k8s_openapi::api::core::v1::{
    ConfigMap, Endpoints, Event, Namespace, Node, PersistentVolumeClaim, Pod, ResourceQuota,
    Secret, Service, ServiceAccount,
};
use cluster::k8s_openapi::api::networking::v1::NetworkPolicy;
use cluster::k8s_openapi::api::storage::v1::StorageClass;
use cluster::{Kind, SimTime, Stored};
use kubectl::table::{cells, columns, row_conditions};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn now() -> SimTime {
    SimTime::EPOCH + Duration::from_secs(30 * 24 * 3600)
}

/// An RFC 3339 timestamp `secs` before [`now`].
fn ago(secs: u64) -> Value {
    serde_json::to_value((now() - Duration::from_secs(secs)).time()).unwrap()
}

fn obj<T: DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("test object must deserialize")
}

fn row<T: Stored>(o: &T) -> Vec<Value> {
    let cells = cells(T::OBJECT_KIND, o, now());
    assert_eq!(
        cells.len(),
        columns(T::OBJECT_KIND).len(),
        "cells must line up with the columns"
    );
    cells
}

fn meta(name: &str, age_secs: u64) -> Value {
    json!({"name": name, "namespace": "shop", "creationTimestamp": ago(age_secs)})
}

// ---------------------------------------------------------------------------------------------
// Pods

fn pod(status: Value) -> Pod {
    obj(json!({
        "metadata": meta("worker-0", 600),
        "spec": {"nodeName": "kind-worker", "containers": [{"name": "worker", "image": "busybox:1.36"}]},
        "status": status,
    }))
}

#[test]
fn crash_looping_pod_shows_back_off_and_last_restart() {
    let p = pod(json!({
        "phase": "Running",
        "podIP": "10.244.1.99",
        "podIPs": [{"ip": "10.244.1.99"}],
        "conditions": [{"type": "Ready", "status": "False"}],
        "containerStatuses": [{
            "name": "worker", "image": "busybox:1.36", "imageID": "", "ready": false, "restartCount": 5,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(41)}},
        }],
    }));
    assert_eq!(
        row(&p),
        json!([
            "worker-0",
            "0/1",
            "CrashLoopBackOff",
            "5 (41s ago)",
            "10m",
            "10.244.1.99",
            "kind-worker",
            "<none>",
            "<none>"
        ])
        .as_array()
        .unwrap()
        .clone()
    );
    assert_eq!(row_conditions(Kind::Pod, &p), None);
}

#[test]
fn running_pod_is_ready() {
    let p = pod(json!({
        "phase": "Running",
        "podIPs": [{"ip": "10.244.2.14"}],
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{
            "name": "worker", "image": "", "imageID": "", "ready": true, "restartCount": 0,
            "state": {"running": {"startedAt": ago(500)}},
        }],
    }));
    let c = row(&p);
    assert_eq!(c[1], "1/1");
    assert_eq!(c[2], "Running");
    assert_eq!(c[3], "0");
    // podIPs alone is enough for the IP column.
    assert_eq!(c[5], "10.244.2.14");
}

#[test]
fn restarts_without_a_finish_time_show_only_the_count() {
    let p = pod(json!({
        "phase": "Running",
        "containerStatuses": [{
            "name": "worker", "image": "", "imageID": "", "ready": true, "restartCount": 2,
            "state": {"running": {}},
        }],
    }));
    assert_eq!(row(&p)[3], "2");
}

#[test]
fn completed_pod_has_a_completed_row_condition() {
    let p = pod(json!({
        "phase": "Succeeded",
        "containerStatuses": [{
            "name": "worker", "image": "", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
        }],
    }));
    let c = row(&p);
    assert_eq!(
        (c[1].as_str(), c[2].as_str()),
        (Some("0/1"), Some("Completed"))
    );
    assert_eq!(
        row_conditions(Kind::Pod, &p),
        Some(json!([{
            "type": "Completed", "status": "True", "reason": "Succeeded",
            "message": "The pod has completed successfully."
        }]))
    );
    let mut failed = p.clone();
    failed.status.as_mut().unwrap().phase = Some("Failed".into());
    assert_eq!(
        row_conditions(Kind::Pod, &failed).unwrap()[0]["reason"],
        "Failed"
    );
}

#[test]
fn terminated_containers_without_reason_show_exit_code_or_signal() {
    let mut p = pod(json!({
        "phase": "Running",
        "containerStatuses": [{
            "name": "worker", "image": "", "imageID": "", "ready": false, "restartCount": 0,
            "state": {"terminated": {"exitCode": 137}},
        }],
    }));
    assert_eq!(row(&p)[2], "ExitCode:137");
    let st = p
        .status
        .as_mut()
        .unwrap()
        .container_statuses
        .as_mut()
        .unwrap();
    st[0]
        .state
        .as_mut()
        .unwrap()
        .terminated
        .as_mut()
        .unwrap()
        .signal = Some(9);
    assert_eq!(row(&p)[2], "Signal:9");
}

#[test]
fn first_container_state_wins_and_completed_with_running_sidecar_reads_running() {
    let mut p: Pod = obj(json!({
        "metadata": meta("two", 60),
        "spec": {"containers": [{"name": "a"}, {"name": "b"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [
                {"name": "a", "image": "", "imageID": "", "ready": false, "restartCount": 0,
                 "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
                {"name": "b", "image": "", "imageID": "", "ready": true, "restartCount": 0,
                 "state": {"running": {}}},
            ],
        },
    }));
    assert_eq!(row(&p)[1..3], [json!("1/2"), json!("Running")]);
    p.status.as_mut().unwrap().conditions = None;
    assert_eq!(row(&p)[2], "NotReady");

    let st = p
        .status
        .as_mut()
        .unwrap()
        .container_statuses
        .as_mut()
        .unwrap();
    st[0].state = serde_json::from_value(json!({"waiting": {"reason": "ErrImagePull"}})).unwrap();
    st[1].state =
        serde_json::from_value(json!({"waiting": {"reason": "CrashLoopBackOff"}})).unwrap();
    st[1].ready = false;
    assert_eq!(row(&p)[1..3], [json!("0/2"), json!("ErrImagePull")]);
}

#[test]
fn init_container_states() {
    let init_pod = |init_statuses: Value| -> Pod {
        obj(json!({
            "metadata": meta("init", 30),
            "spec": {
                "initContainers": [{"name": "setup"}, {"name": "migrate"}],
                "containers": [{"name": "app"}],
            },
            "status": {
                "phase": "Pending",
                "initContainerStatuses": init_statuses,
                "containerStatuses": [{"name": "app", "image": "", "imageID": "", "ready": false,
                    "restartCount": 0, "state": {"waiting": {"reason": "PodInitializing"}}}],
            },
        }))
    };
    let status = |state: Value, restarts: i32| json!({"name": "setup", "image": "", "imageID": "", "ready": false, "restartCount": restarts, "state": state});
    let cases = [
        (
            json!({"waiting": {"reason": "PodInitializing"}}),
            "Init:0/2",
        ),
        (json!({"running": {}}), "Init:0/2"),
        (
            json!({"waiting": {"reason": "ImagePullBackOff"}}),
            "Init:ImagePullBackOff",
        ),
        (json!({"terminated": {"exitCode": 1}}), "Init:ExitCode:1"),
        (
            json!({"terminated": {"exitCode": 1, "signal": 9}}),
            "Init:Signal:9",
        ),
        (
            json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
            "Init:Error",
        ),
    ];
    for (state, want) in cases {
        let p = init_pod(json!([status(state.clone(), 0)]));
        assert_eq!(row(&p)[2], want, "{state}");
    }
    // The second init container is running once the first succeeded.
    let p = init_pod(json!([
        status(json!({"terminated": {"exitCode": 0, "reason": "Completed"}}), 0),
        {"name": "migrate", "image": "", "imageID": "", "ready": false, "restartCount": 3,
         "state": {"waiting": {"reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(130)}}},
    ]));
    let c = row(&p);
    assert_eq!(c[2], "Init:CrashLoopBackOff");
    // While initialising, init container restarts are what counts.
    assert_eq!(c[3], "3 (2m10s ago)");
    assert_eq!(c[1], "0/1");
}

#[test]
fn sidecar_containers_count_towards_ready_and_restarts() {
    let p: Pod = obj(json!({
        "metadata": meta("with-sidecar", 3 * 3600 + 60),
        "spec": {
            "initContainers": [{"name": "proxy", "restartPolicy": "Always"}],
            "containers": [{"name": "app"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}],
            "initContainerStatuses": [{"name": "proxy", "image": "", "imageID": "", "ready": true,
                "started": true, "restartCount": 1, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(3600)}}}],
            "containerStatuses": [{"name": "app", "image": "", "imageID": "", "ready": true,
                "restartCount": 2, "state": {"running": {}},
                "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(300)}}}],
        },
    }));
    let c = row(&p);
    assert_eq!(
        c[1..5],
        [
            json!("2/2"),
            json!("Running"),
            json!("3 (5m ago)"),
            json!("3h1m")
        ]
    );
}

#[test]
fn terminating_scheduling_gated_and_node_lost_pods() {
    let mut p = pod(json!({"phase": "Running"}));
    p.metadata.deletion_timestamp = Some((now() - Duration::from_secs(5)).time());
    assert_eq!(row(&p)[2], "Terminating");
    p.status.as_mut().unwrap().reason = Some("NodeLost".into());
    assert_eq!(row(&p)[2], "Unknown");
    p.status.as_mut().unwrap().reason = None;
    p.status.as_mut().unwrap().phase = Some("Succeeded".into());
    assert_eq!(row(&p)[2], "Succeeded", "terminal pods are not Terminating");

    let gated: Pod = obj(json!({
        "metadata": meta("gated", 5),
        "spec": {"containers": [{"name": "app"}], "schedulingGates": [{"name": "wait"}]},
        "status": {"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]},
    }));
    assert_eq!(
        row(&gated),
        [
            "gated",
            "0/1",
            "SchedulingGated",
            "0",
            "5s",
            "<none>",
            "<none>",
            "<none>",
            "<none>"
        ]
        .map(Value::from)
    );
}

#[test]
fn evicted_pod_shows_its_status_reason() {
    let p = pod(json!({"phase": "Failed", "reason": "Evicted"}));
    assert_eq!(row(&p)[2], "Evicted");
}

#[test]
fn readiness_gates_and_nominated_node() {
    let p: Pod = obj(json!({
        "metadata": meta("gates", 5),
        "spec": {"containers": [{"name": "app"}],
                 "readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]},
        "status": {"phase": "Pending", "nominatedNodeName": "node-2",
                   "conditions": [{"type": "example.com/lb", "status": "True"},
                                  {"type": "example.com/dns", "status": "False"}]},
    }));
    let c = row(&p);
    assert_eq!(c[7], "node-2");
    assert_eq!(c[8], "1/2");
}

#[test]
fn empty_pod_does_not_panic() {
    let c = row(&Pod::default());
    assert_eq!(
        c,
        [
            "",
            "0/0",
            "",
            "0",
            "<unknown>",
            "<none>",
            "<none>",
            "<none>",
            "<none>"
        ]
        .map(Value::from)
    );
}

// ---------------------------------------------------------------------------------------------
// Workloads

#[test]
fn deployment_cells() {
    let d: Deployment = obj(json!({
        "metadata": meta("web", 7200),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1.25"}, {"name": "log", "image": "busybox:1.36"}]}},
        },
        "status": {"replicas": 2, "readyReplicas": 2, "updatedReplicas": 2, "availableReplicas": 2},
    }));
    assert_eq!(
        row(&d),
        vec![
            json!("web"),
            json!("2/2"),
            json!(2),
            json!(2),
            json!("120m"),
            json!("web,log"),
            json!("nginx:1.25,busybox:1.36"),
            json!("app=web"),
        ]
    );
    let fresh: Deployment = obj(json!({
        "metadata": meta("new", 1),
        "spec": {"selector": {}, "template": {}},
    }));
    assert_eq!(
        row(&fresh),
        vec![
            json!("new"),
            json!("0/1"),
            json!(0),
            json!(0),
            json!("1s"),
            json!(""),
            json!(""),
            json!("")
        ]
    );
}

#[test]
fn replica_set_cells() {
    let rs: ReplicaSet = obj(json!({
        "metadata": meta("web-5bqgh854c", 7140),
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web", "pod-template-hash": "5bqgh854c"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"}]}},
        },
        "status": {"replicas": 3, "readyReplicas": 1},
    }));
    assert_eq!(
        row(&rs),
        vec![
            json!("web-5bqgh854c"),
            json!(3),
            json!(3),
            json!(1),
            json!("119m"),
            json!("web"),
            json!("nginx:1.25"),
            json!("app=web,pod-template-hash=5bqgh854c"),
        ]
    );
    let empty: ReplicaSet = obj(json!({"metadata": meta("e", 0), "spec": {"selector": {}}}));
    assert_eq!(row(&empty)[7], "<none>");
}

#[test]
fn stateful_set_cells() {
    let sts: StatefulSet = obj(json!({
        "metadata": meta("db", 300),
        "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                 "template": {"spec": {"containers": [{"name": "postgres", "image": "postgres:16"}]}}},
        "status": {"replicas": 3, "readyReplicas": 1},
    }));
    assert_eq!(
        row(&sts),
        ["db", "1/3", "5m", "postgres", "postgres:16"].map(Value::from)
    );
}

// ---------------------------------------------------------------------------------------------
// Networking

fn service(spec: Value, status: Value) -> Service {
    obj(json!({"metadata": meta("web", 7200), "spec": spec, "status": status}))
}

#[test]
fn cluster_ip_service() {
    let s = service(
        json!({"type": "ClusterIP", "clusterIP": "10.96.142.17", "clusterIPs": ["10.96.142.17"],
               "ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}], "selector": {"app": "web"}}),
        json!({}),
    );
    assert_eq!(
        row(&s),
        [
            "web",
            "ClusterIP",
            "10.96.142.17",
            "<none>",
            "80/TCP",
            "120m",
            "app=web"
        ]
        .map(Value::from)
    );
}

#[test]
fn node_port_load_balancer_external_name_and_headless_services() {
    let np = service(
        json!({"type": "NodePort", "clusterIP": "10.96.0.20",
               "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                         {"port": 53, "nodePort": 30053, "protocol": "UDP"}]}),
        json!({}),
    );
    let c = row(&np);
    assert_eq!(c[3], "<none>");
    assert_eq!(c[4], "80:30080/TCP,53:30053/UDP");
    assert_eq!(c[6], "<none>");

    let pending = service(
        json!({"type": "LoadBalancer", "clusterIP": "10.96.0.21",
               "ports": [{"port": 443, "nodePort": 31443, "protocol": "TCP"}]}),
        json!({"loadBalancer": {}}),
    );
    assert_eq!(row(&pending)[3], "<pending>");

    let lb = service(
        json!({"type": "LoadBalancer", "clusterIP": "10.96.0.21", "externalIPs": ["198.51.100.7"],
               "ports": [{"port": 443, "protocol": "TCP"}]}),
        json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}, {"hostname": "lb.example.com"}, {"ip": "203.0.113.9"}]}}),
    );
    assert_eq!(row(&lb)[3], "203.0.113.9,lb.example.com,198.51.100.7");

    let ext = service(
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
        json!({}),
    );
    assert_eq!(
        row(&ext)[1..5],
        ["ExternalName", "<none>", "db.example.com", "<none>"].map(Value::from)
    );

    let headless = service(
        json!({"type": "ClusterIP", "clusterIP": "None", "ports": [{"port": 5432, "protocol": "TCP"}]}),
        json!({}),
    );
    assert_eq!(row(&headless)[2], "None");

    let cluster_ip_external = service(
        json!({"type": "ClusterIP", "clusterIP": "10.0.0.1", "externalIPs": ["1.2.3.4", "5.6.7.8"]}),
        json!({}),
    );
    assert_eq!(row(&cluster_ip_external)[3], "1.2.3.4,5.6.7.8");
}

fn endpoints(subsets: Value) -> Endpoints {
    obj(json!({"metadata": meta("web", 60), "subsets": subsets}))
}

#[test]
fn endpoints_cells() {
    let two = endpoints(json!([{
        "addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.6"}],
        "notReadyAddresses": [{"ip": "10.244.3.7"}],
        "ports": [{"port": 80, "protocol": "TCP"}],
    }]));
    assert_eq!(
        row(&two),
        ["web", "10.244.1.5:80,10.244.2.6:80", "60s"].map(Value::from)
    );

    let five = endpoints(json!([{
        "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}, {"ip": "10.0.0.3"}, {"ip": "10.0.0.4"}, {"ip": "10.0.0.5"}],
        "ports": [{"port": 80}],
    }]));
    assert_eq!(
        row(&five)[1],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."
    );

    let multi_port = endpoints(json!([{
        "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
        "ports": [{"port": 80, "name": "http"}, {"port": 443, "name": "https"}],
    }]));
    assert_eq!(
        row(&multi_port)[1],
        "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
    );

    let headless = endpoints(json!([{"addresses": [{"ip": "10.0.0.9"}, {"ip": "fd00::1"}]}]));
    assert_eq!(row(&headless)[1], "10.0.0.9,fd00::1");

    let v6 = endpoints(json!([{"addresses": [{"ip": "fd00::1"}], "ports": [{"port": 80}]}]));
    assert_eq!(row(&v6)[1], "[fd00::1]:80");

    assert_eq!(row(&endpoints(json!([])))[1], "<none>");
    assert_eq!(row(&endpoints(Value::Null))[1], "<none>");
    // Subsets with only not-ready addresses print nothing at all, as in Go.
    let not_ready =
        endpoints(json!([{"notReadyAddresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]));
    assert_eq!(row(&not_ready)[1], "");
}

#[test]
fn network_policy_cells() {
    let deny: NetworkPolicy =
        obj(json!({"metadata": meta("deny-all", 60), "spec": {"podSelector": {}}}));
    assert_eq!(row(&deny), ["deny-all", "<none>", "60s"].map(Value::from));
    let web: NetworkPolicy = obj(json!({
        "metadata": meta("allow-web", 60),
        "spec": {"podSelector": {"matchLabels": {"app": "web"},
                 "matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "edge"]}]}},
    }));
    assert_eq!(row(&web)[1], "app=web,tier in (edge,front)");
}

// ---------------------------------------------------------------------------------------------
// Events

fn event(extra: Value) -> Event {
    let mut base = json!({
        "metadata": meta("worker-0.1879a3b2c4d5e6f7", 600),
        "involvedObject": {"kind": "Pod", "name": "worker-0", "namespace": "shop",
                           "fieldPath": "spec.containers{worker}"},
        "reason": "BackOff",
        "message": "Back-off restarting failed container worker in pod worker-0_shop(1234)\n",
        "type": "Warning",
        "source": {"component": "kubelet", "host": "kind-worker"},
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    obj(base)
}

#[test]
fn event_cells() {
    let e = event(json!({"firstTimestamp": ago(600), "lastTimestamp": ago(23), "count": 25}));
    assert_eq!(
        row(&e),
        vec![
            json!("23s"),
            json!("Warning"),
            json!("BackOff"),
            json!("pod/worker-0"),
            json!("spec.containers{worker}"),
            json!("kubelet, kind-worker"),
            json!("Back-off restarting failed container worker in pod worker-0_shop(1234)"),
            json!("10m"),
            json!(25),
            json!("worker-0.1879a3b2c4d5e6f7"),
        ]
    );
}

#[test]
fn event_fallbacks() {
    // No lastTimestamp: LAST SEEN is FIRST SEEN; no count: 1.
    let e = event(json!({"firstTimestamp": ago(90), "source": {"component": "default-scheduler"}}));
    let c = row(&e);
    assert_eq!((c[0].as_str(), c[7].as_str()), (Some("90s"), Some("90s")));
    assert_eq!(c[8], 1);
    assert_eq!(c[5], "default-scheduler");

    // events.k8s.io-style: eventTime, series and reporting controller.
    let e = event(json!({
        "source": null,
        "eventTime": ago(3600),
        "series": {"count": 7, "lastObservedTime": ago(120)},
        "reportingComponent": "deployment-controller",
        "reportingInstance": "kube-controller-manager-1",
    }));
    let c = row(&e);
    assert_eq!(c[0], "2m");
    assert_eq!(c[7], "60m");
    assert_eq!(c[8], 7);
    assert_eq!(c[5], "deployment-controller, kube-controller-manager-1");

    // No timestamps at all, and an involved object without a name.
    let e = event(json!({"involvedObject": {"kind": "Node"}}));
    let c = row(&e);
    assert_eq!(
        (c[0].as_str(), c[3].as_str()),
        (Some("<unknown>"), Some("node"))
    );
}

// ---------------------------------------------------------------------------------------------
// Cluster objects

fn node(extra: Value) -> Node {
    let mut base = json!({
        "metadata": {"name": "kind-control-plane", "creationTimestamp": ago(3 * 86400),
                     "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "kind-control-plane"}},
        "status": {
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}, {"type": "Hostname", "address": "kind-control-plane"}],
            "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian GNU/Linux 12 (bookworm)",
                         "kernelVersion": "6.8.0-1019-gcp", "containerRuntimeVersion": "containerd://1.7.24",
                         "architecture": "amd64", "bootID": "", "kubeProxyVersion": "", "machineID": "",
                         "operatingSystem": "linux", "systemUUID": ""},
        },
    });
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    obj(base)
}

#[test]
fn node_cells() {
    assert_eq!(
        row(&node(json!({}))),
        [
            "kind-control-plane",
            "Ready",
            "control-plane",
            "3d",
            "v1.32.0",
            "172.18.0.2",
            "<none>",
            "Debian GNU/Linux 12 (bookworm)",
            "6.8.0-1019-gcp",
            "containerd://1.7.24"
        ]
        .map(Value::from)
    );
    let mut cordoned = node(json!({"spec": {"unschedulable": true}}));
    cordoned
        .status
        .as_mut()
        .unwrap()
        .conditions
        .as_mut()
        .unwrap()[1]
        .status = "False".into();
    cordoned.metadata.labels = Some(
        [
            ("node-role.kubernetes.io/worker".to_string(), String::new()),
            ("node-role.kubernetes.io/".to_string(), String::new()),
            ("kubernetes.io/role".to_string(), "infra".to_string()),
        ]
        .into(),
    );
    let c = row(&cordoned);
    assert_eq!(c[1], "NotReady,SchedulingDisabled");
    assert_eq!(c[2], "infra,worker");

    let bare: Node = obj(json!({"metadata": {"name": "bare"}}));
    assert_eq!(
        row(&bare),
        [
            "bare",
            "Unknown",
            "<none>",
            "<unknown>",
            "",
            "<none>",
            "<none>",
            "<unknown>",
            "<unknown>",
            "<unknown>"
        ]
        .map(Value::from)
    );
}

#[test]
fn namespace_config_map_secret_service_account_cells() {
    let ns: Namespace = obj(
        json!({"metadata": {"name": "shop", "creationTimestamp": ago(121 * 60)},
                                   "status": {"phase": "Active"}}),
    );
    assert_eq!(row(&ns), ["shop", "Active", "121m"].map(Value::from));

    let cm: ConfigMap = obj(json!({"metadata": meta("cfg", 400 * 86400),
                                   "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}));
    assert_eq!(row(&cm), vec![json!("cfg"), json!(3), json!("400d")]);

    let secret: Secret = obj(json!({"metadata": meta("db-creds", (5 * 365 + 45) * 86400),
                                    "type": "Opaque", "data": {"user": "YQ==", "pass": "Yg=="},
                                    "stringData": {"pass": "b", "host": "db"}}));
    assert_eq!(
        row(&secret),
        vec![json!("db-creds"), json!("Opaque"), json!(3), json!("5y45d")]
    );

    let sa: ServiceAccount = obj(json!({"metadata": meta("default", 30 * 3600)}));
    assert_eq!(row(&sa), vec![json!("default"), json!(0), json!("30h")]);
}

#[test]
fn resource_quota_cells() {
    let q: ResourceQuota = obj(json!({
        "metadata": meta("compute", 600),
        "spec": {"hard": {"pods": "10"}},
        "status": {
            "hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "2Gi",
                     "limits.cpu": "4000m", "limits.memory": "4Gi"},
            "used": {"pods": "3", "requests.cpu": "500m", "requests.memory": "1024Mi", "limits.cpu": "1"},
        },
    }));
    assert_eq!(
        row(&q),
        [
            "compute",
            "pods: 3/10, requests.cpu: 500m/2, requests.memory: 1Gi/2Gi",
            "limits.cpu: 1/4, limits.memory: 0/4Gi",
            "10m"
        ]
        .map(Value::from)
    );
    let pods_only: ResourceQuota = obj(json!({
        "metadata": meta("pods", 60),
        "status": {"hard": {"pods": "1"}, "used": {"pods": "1"}},
    }));
    assert_eq!(row(&pods_only)[1..3], ["pods: 1/1", ""].map(Value::from));
}

#[test]
fn persistent_volume_claim_cells() {
    let bound: PersistentVolumeClaim = obj(json!({
        "metadata": meta("data-db-0", 300),
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard-rwo",
                 "resources": {"requests": {"storage": "1Gi"}}, "volumeName": "pvc-0a1b", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteOnce"],
                   "capacity": {"storage": "1024Mi"}},
    }));
    assert_eq!(
        row(&bound),
        [
            "data-db-0",
            "Bound",
            "pvc-0a1b",
            "1Gi",
            "RWO,ROX",
            "standard-rwo",
            "<unset>",
            "5m",
            "Filesystem"
        ]
        .map(Value::from)
    );

    let mut pending: PersistentVolumeClaim = obj(json!({
        "metadata": meta("scratch", 300),
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                 "resources": {"requests": {"storage": "5Gi"}}, "volumeAttributesClassName": "gold"},
        "status": {"phase": "Pending"},
    }));
    assert_eq!(
        row(&pending),
        [
            "scratch", "Pending", "", "", "", "standard", "gold", "5m", "<unset>"
        ]
        .map(Value::from)
    );
    pending.metadata.deletion_timestamp = Some(now().time());
    pending.metadata.annotations = Some(
        [(
            "volume.beta.kubernetes.io/storage-class".to_string(),
            "legacy".to_string(),
        )]
        .into(),
    );
    let c = row(&pending);
    assert_eq!(
        (c[1].as_str(), c[5].as_str()),
        (Some("Terminating"), Some("legacy"))
    );
}

#[test]
fn storage_class_cells() {
    let default: StorageClass = obj(json!({
        "metadata": {"name": "standard-rwo", "creationTimestamp": ago(3 * 86400),
                     "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "pd.csi.storage.gke.io",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": true,
    }));
    assert_eq!(
        row(&default),
        vec![
            json!("standard-rwo (default)"),
            json!("pd.csi.storage.gke.io"),
            json!("Delete"),
            json!("WaitForFirstConsumer"),
            json!(true),
            json!("3d")
        ]
    );
    let plain: StorageClass = obj(json!({
        "metadata": {"name": "slow", "creationTimestamp": ago(49 * 3600),
                     "annotations": {"storageclass.beta.kubernetes.io/is-default-class": "false"}},
        "provisioner": "kubernetes.io/no-provisioner",
    }));
    assert_eq!(
        row(&plain),
        vec![
            json!("slow"),
            json!("kubernetes.io/no-provisioner"),
            json!("Delete"),
            json!("Immediate"),
            json!(false),
            json!("2d1h")
        ]
    );
}

fn hpa(metrics: Value, current: Value) -> HorizontalPodAutoscaler {
    obj(json!({
        "metadata": meta("web", 600),
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 1, "maxReplicas": 5, "metrics": metrics},
        "status": {"currentReplicas": 2, "desiredReplicas": 2, "currentMetrics": current},
    }))
}

fn cpu(target: Value) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu", "target": target}})
}

#[test]
fn horizontal_pod_autoscaler_cells() {
    let h = hpa(
        json!([cpu(
            json!({"type": "Utilization", "averageUtilization": 80})
        )]),
        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40, "averageValue": "200m"}}}]),
    );
    assert_eq!(
        row(&h),
        vec![
            json!("web"),
            json!("Deployment/web"),
            json!("cpu: 40%/80%"),
            json!("1"),
            json!(5),
            json!(2),
            json!("10m")
        ]
    );

    let unknown = hpa(
        json!([cpu(
            json!({"type": "Utilization", "averageUtilization": 80})
        )]),
        Value::Null,
    );
    assert_eq!(row(&unknown)[2], "cpu: <unknown>/80%");

    let many = hpa(
        json!([
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "200Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {"type": "AverageValue", "averageValue": "1k"}}},
            {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}},
        ]),
        json!([
            {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "104857600"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "current": {"averageValue": "500"}}},
        ]),
    );
    assert_eq!(row(&many)[2], "memory: 104857600/200Mi, 500/1k + 1 more...");

    let external_avg = hpa(
        json!([{"type": "External", "external": {"metric": {"name": "q"}, "target": {"type": "AverageValue", "averageValue": "2"}}},
               {"type": "Object", "object": {"metric": {"name": "rps"}, "describedObject": {"kind": "Service", "name": "web"},
                                             "target": {"type": "Value", "value": "10"}}}]),
        json!([{"type": "External", "external": {"metric": {"name": "q"}, "current": {"averageValue": "1500m"}}},
               {"type": "Object", "object": {"metric": {"name": "rps"}, "describedObject": {"kind": "Service", "name": "web"},
                                             "current": {"value": "12"}}}]),
    );
    assert_eq!(row(&external_avg)[2], "1500m/2 (avg), 12/10");

    let mut unset = hpa(Value::Null, Value::Null);
    unset.spec.as_mut().unwrap().min_replicas = None;
    unset.status = None;
    let c = row(&unset);
    assert_eq!(
        c[2..6],
        [json!("<none>"), json!("<unset>"), json!(5), json!(0)]
    );

    let container = hpa(
        json!([{"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
                "target": {"type": "Utilization"}}}]),
        Value::Null,
    );
    assert_eq!(row(&container)[2], "cpu: <unknown>/<auto>");
}

// ---------------------------------------------------------------------------------------------
// Dispatch

#[test]
fn arc_wrapped_objects_are_printed_too() {
    let ns: Arc<Namespace> = Arc::new(obj(
        json!({"metadata": {"name": "shop"}, "status": {"phase": "Active"}}),
    ));
    assert_eq!(
        cells(Kind::Namespace, &ns, now()),
        ["shop", "Active", "<unknown>"].map(Value::from)
    );
}

#[test]
fn mismatched_objects_fall_back_to_the_default_printer() {
    let ns: Namespace =
        obj(json!({"metadata": {"name": "shop", "creationTimestamp": "2026-01-05T09:00:00Z"}}));
    assert_eq!(
        cells(Kind::Pod, &ns, now()),
        ["shop", "2026-01-05T09:00:00Z"].map(Value::from)
    );
    assert_eq!(
        cells(Kind::Node, &42u32, now()),
        ["", "0001-01-01T00:00:00Z"].map(Value::from)
    );
    assert_eq!(row_conditions(Kind::Pod, &ns), None);
    let names: Vec<_> = kubectl::table::default_columns()
        .iter()
        .map(|c| (c.name, c.type_))
        .collect();
    assert_eq!(names, [("Name", "string"), ("Created At", "date")]);
}

#[test]
fn future_timestamps_read_zero_or_invalid() {
    let in_a_second: Namespace = obj(json!({"metadata": {"name": "a",
        "creationTimestamp": serde_json::to_value((now() + Duration::from_secs(1)).time()).unwrap()}}));
    assert_eq!(row(&in_a_second)[2], "0s");
    let later: Namespace = obj(json!({"metadata": {"name": "a",
        "creationTimestamp": serde_json::to_value((now() + Duration::from_secs(2)).time()).unwrap()}}));
    assert_eq!(row(&later)[2], "<invalid>");
    let go_zero: Namespace =
        obj(json!({"metadata": {"name": "a", "creationTimestamp": "0001-01-01T00:00:00Z"}}));
    assert_eq!(row(&go_zero)[2], "<unknown>");
}
