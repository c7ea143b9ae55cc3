//! Every fault the live backend offers, written to the simulator's API server by server-side
//! apply: the live objects must then hold what the simulated twin holds (a field or list item
//! the fault removed is gone, not kept by the merge), and a reset's apply must bring back the
//! baseline exactly.

use std::time::Duration;

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use base64::Engine;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::{Cluster, Kind};
use kube::api::Api;
use live::faults::{Change, Timing};
use live::session::LiveSession;
use live::{ConnectionSource, NamespaceMap, SessionId};
use serde_json::Value;

const TOKEN: &str = "live-test-token";
const SEED: u64 = 9;

async fn session(id: &str) -> LiveSession {
    let config = ServerConfig {
        minor_version: 33,
        token: Some(TOKEN.into()),
        clock: ClockMode::Accelerated(60),
    };
    let shared = Shared::new(Cluster::baseline(SEED), config);
    let cert = ServingCert::generate(&[]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("https://{}", listener.local_addr().unwrap());
    let serving = cert.clone();
    tokio::spawn(async move { apiserver::serve(listener, &serving, shared).await });
    let ca = base64::engine::general_purpose::STANDARD.encode(&cert.cert_pem);
    let source = ConnectionSource::detect(
        |k| match k {
            "K8S_ENDPOINT" => Some(endpoint.clone()),
            "K8S_TOKEN" => Some(TOKEN.into()),
            "K8S_CA_CERT" => Some(ca.clone()),
            _ => None,
        },
        false,
    )
    .unwrap();
    let client = kube::Client::try_from(source.config().await.unwrap()).unwrap();
    LiveSession::new(client, NamespaceMap::new(SessionId::new(id).unwrap()))
}

const TIMING: Timing = Timing {
    symptom_deadline: Duration::from_secs(30),
    durability: Duration::from_secs(1),
    poll: Duration::from_millis(250),
};

/// The desired state a fault may change, per object, in logical names.
const KINDS: &[Kind] = &[
    Kind::Deployment,
    Kind::StatefulSet,
    Kind::ConfigMap,
    Kind::Secret,
    Kind::Service,
    Kind::NetworkPolicy,
    Kind::ResourceQuota,
    Kind::PersistentVolumeClaim,
];

fn desired(kind: Kind, object: &Value) -> Value {
    let mut v = serde_json::json!({
        "spec": object["spec"],
        "data": object["data"],
    });
    // The cluster allocates a Service's addresses; the twin's are its own.
    if kind == Kind::Service
        && let Some(spec) = v["spec"].as_object_mut()
    {
        spec.remove("clusterIP");
        spec.remove("clusterIPs");
    }
    drop_empty_lists(&mut v);
    v
}

/// An empty list and an absent one are the same desired state: the API server stores neither
/// (`env: []` reads back as no `env`).
fn drop_empty_lists(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !matches!(x, Value::Array(a) if a.is_empty()));
            map.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

fn find(picture: &Cluster, kind: Kind, namespace: &str, name: &str) -> Option<Value> {
    let json = picture.store().only(&[kind]).to_json();
    json[kind.plural()].as_array()?.iter().find_map(|o| {
        (o["metadata"]["namespace"] == namespace && o["metadata"]["name"] == name)
            .then(|| desired(kind, o))
    })
}

/// Every object's desired state, by kind, namespace and name.
fn state(picture: &Cluster) -> Vec<(String, String, String, Value)> {
    let mut out = Vec::new();
    for &kind in KINDS {
        let json = picture.store().only(&[kind]).to_json();
        for o in json[kind.plural()].as_array().into_iter().flatten() {
            out.push((
                kind.name().to_string(),
                o["metadata"]["namespace"].as_str().unwrap_or("").into(),
                o["metadata"]["name"].as_str().unwrap_or("").into(),
                desired(kind, o),
            ));
        }
    }
    out
}

fn env_names(d: &Deployment) -> Vec<String> {
    d.spec
        .as_ref()
        .unwrap()
        .template
        .spec
        .as_ref()
        .unwrap()
        .containers[0]
        .env
        .iter()
        .flatten()
        .map(|e| e.name.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_variable_is_removed_on_the_cluster_and_a_reset_brings_it_back() {
    let s = session("env1").await;
    let deadline = Duration::from_secs(60);
    s.reset(deadline).await.unwrap();
    let fault: gym::CatalogueFault = gym::catalogue::Mechanism::RequiredEnvRemoved.default_fault();
    let ns = fault.namespace.clone();
    let api: Api<Deployment> =
        Api::namespaced(s.client().clone(), s.namespaces().real(&ns).unwrap());
    let before = env_names(&api.get(&fault.workload).await.unwrap());
    assert!(before.iter().any(|n| n == "DATABASE_URL"), "{before:?}");

    let incident = s.inject(&fault, SEED, TIMING).await.unwrap();
    let after = env_names(&api.get(&fault.workload).await.unwrap());
    assert!(!after.iter().any(|n| n == "DATABASE_URL"), "{after:?}");
    assert_eq!(after.len() + 1, before.len(), "{after:?}");
    assert!(!s.grade(&incident, TIMING).await.unwrap().resolved);

    s.reset(deadline).await.unwrap();
    assert_eq!(env_names(&api.get(&fault.workload).await.unwrap()), before);
}

// Every fault the live backend offers, one after the other (about 15 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_supported_fault_writes_what_the_twin_holds_and_a_reset_undoes_it() {
    let s = session("all1").await;
    let deadline = Duration::from_secs(60);
    s.reset(deadline).await.unwrap();
    let baseline = state(&s.picture().await.unwrap());
    let mut failures = Vec::new();
    for fault in live::faults::supported_faults(SEED) {
        eprintln!("{fault}");
        let (_, changes) = live::faults::plan(&fault, SEED, s.namespaces()).unwrap();
        match s.inject(&fault, SEED, TIMING).await {
            Ok(_) => {}
            Err(e) => failures.push(format!("{fault}: {e}")),
        }
        let picture = s.picture().await.unwrap();
        for change in &changes {
            let Change::Write { kind, object } = change else {
                continue;
            };
            let ns = object["metadata"]["namespace"].as_str().unwrap_or("");
            let name = object["metadata"]["name"].as_str().unwrap_or("");
            let live = find(&picture, *kind, ns, name);
            if live.as_ref() != Some(&desired(*kind, object)) {
                failures.push(format!(
                    "{fault}: {} {ns}/{name} is\n{}\nnot\n{}",
                    kind.name(),
                    serde_json::to_string(&live).unwrap(),
                    serde_json::to_string(&desired(*kind, object)).unwrap()
                ));
            }
        }
        if let Err(e) = s.reset(deadline).await {
            failures.push(format!("{fault}: the reset: {e}"));
        }
        let restored = state(&s.picture().await.unwrap());
        for (was, now) in baseline.iter().zip(&restored) {
            if was != now {
                failures.push(format!("{fault}: the reset left {now:?}, not {was:?}"));
            }
        }
        if baseline.len() != restored.len() {
            failures.push(format!("{fault}: the reset left other objects"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// A StatefulSet does not replace a pod that never became ready on its own (Kubernetes waits for
// an operator), so a reset must, or the baseline's probe comes back on a pod that stays broken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_heals_a_statefulset_a_probe_fault_broke() {
    let s = session("sts1").await;
    let deadline = Duration::from_secs(60);
    s.reset(deadline).await.unwrap();
    let fault: gym::CatalogueFault = "aggressive-liveness:payments/payment-db".parse().unwrap();
    let incident = s.inject(&fault, SEED, TIMING).await.unwrap();
    assert!(!s.grade(&incident, TIMING).await.unwrap().resolved);
    s.reset(deadline).await.unwrap();
    assert!(s.grade(&incident, TIMING).await.unwrap().resolved);
}
