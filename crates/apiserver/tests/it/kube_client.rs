//! kube-rs, the Rust client, against the simulated cluster's API server: list, get, patch in all
//! three flavours, and watch, with the kubeconfig the server writes.

use std::time::Duration;

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::Pod;
use futures_util::{StreamExt, TryStreamExt};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde_json::json;

/// An API server over a fresh baseline, and a kube-rs client for it from the kubeconfig it writes.
async fn start(seed: u64, clock: ClockMode) -> kube::Client {
    let config = ServerConfig {
        minor_version: 33,
        token: Some("kube-rs".into()),
        clock,
    };
    let shared = Shared::new(Cluster::baseline(seed), config);
    let cert = ServingCert::generate(&[]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = (cert.clone(), shared.clone());
    tokio::spawn(async move { apiserver::serve(listener, &serving.0, serving.1).await });

    let yaml = apiserver::kubeconfig_yaml(
        &format!("https://{addr}"),
        Some(&cert.cert_pem),
        Some("kube-rs"),
    );
    let kubeconfig = Kubeconfig::from_yaml(&yaml).unwrap();
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .unwrap();
    kube::Client::try_from(config).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_collection_deletes_what_the_selector_picks_and_lists_it() {
    let client = start(7, ClockMode::Accelerated(20)).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "payments");
    let gateway = ListParams::default().labels("app=payment-gateway");
    let before = pods.list(&gateway).await.unwrap();
    assert_eq!(before.items.len(), 2);
    let others: Vec<String> = pods
        .list(&ListParams::default().labels("app!=payment-gateway"))
        .await
        .unwrap()
        .items
        .iter()
        .filter_map(|p| p.metadata.uid.clone())
        .collect();
    assert!(!others.is_empty());

    let now = DeleteParams {
        grace_period_seconds: Some(0),
        ..DeleteParams::default()
    };
    // The list of what was deleted (a Status would mean the server deleted nothing to show).
    let deleted = pods
        .delete_collection(&now, &gateway)
        .await
        .unwrap()
        .left()
        .expect("the deleted pods");
    let uid = |p: &Pod| p.metadata.uid.clone().unwrap();
    let mut deleted_uids: Vec<String> = deleted.items.iter().map(uid).collect();
    let mut expected: Vec<String> = before.items.iter().map(uid).collect();
    deleted_uids.sort();
    expected.sort();
    assert_eq!(deleted_uids, expected);

    let after: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(uid)
        .collect();
    assert!(expected.iter().all(|u| !after.contains(u)), "{after:?}");
    assert!(others.iter().all(|u| after.contains(u)), "{after:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kube_rs_lists_gets_patches_and_watches() {
    let client = start(6, ClockMode::Accelerated(20)).await;

    let pods: Api<Pod> = Api::namespaced(client.clone(), "payments");
    let gateway = ListParams::default().labels("app=payment-gateway");
    let listed = pods.list(&gateway).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(
        listed
            .items
            .iter()
            .all(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
    );

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), "payments");
    let api = deployments.get("payment-api").await.unwrap();
    assert_eq!(
        api.spec
            .as_ref()
            .unwrap()
            .template
            .spec
            .as_ref()
            .unwrap()
            .containers[0]
            .image
            .as_deref(),
        Some("python:3.11-slim")
    );
    let missing = deployments.get("nope").await.unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("deployments.apps \"nope\" not found"),
        "{missing}"
    );

    let version = listed.metadata.resource_version.clone().unwrap();
    let mut events = pods
        .watch(
            &WatchParams::default()
                .labels("app=payment-gateway")
                .timeout(60),
            &version,
        )
        .await
        .unwrap()
        .boxed();

    let params = PatchParams::default();
    deployments
        .patch(
            "payment-gateway",
            &params,
            &Patch::Strategic(json!({"spec": {"replicas": 3}})),
        )
        .await
        .unwrap();
    let labelled = deployments
        .patch(
            "payment-gateway",
            &params,
            &Patch::Merge(json!({"metadata": {"labels": {"owner": "kube-rs"}}})),
        )
        .await
        .unwrap();
    assert_eq!(
        labelled.metadata.labels.as_ref().unwrap()["owner"],
        "kube-rs"
    );
    let ops: json_patch::Patch =
        serde_json::from_value(json!([{"op": "remove", "path": "/metadata/labels/owner"}]))
            .unwrap();
    let unlabelled = deployments
        .patch("payment-gateway", &params, &Patch::Json::<()>(ops))
        .await
        .unwrap();
    assert!(
        !unlabelled
            .metadata
            .labels
            .as_ref()
            .unwrap()
            .contains_key("owner")
    );

    // The third pod appears on the watch.
    let added = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(event) = events.try_next().await.unwrap() {
            if let WatchEvent::Added(pod) = event {
                return pod;
            }
        }
        panic!("the watch ended without an ADDED event");
    })
    .await
    .expect("an ADDED event within 30 s");
    assert!(added.metadata.name.unwrap().starts_with("payment-gateway-"));
}
