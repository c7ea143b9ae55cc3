//! The live backend against the simulator's API server standing in for a cluster: two sessions
//! connect with the original's token variables, get their own namespaces with the baseline,
//! become healthy, run the agent's commands through the allow-list and the real `kubectl`
//! binary, and tear down.

use std::time::Duration;

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use base64::Engine;
use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::Namespace;
use kube::api::Api;
use live::session::LiveSession;
use live::{ConnectionSource, NamespaceMap, Plan, SessionId};

const TOKEN: &str = "live-test-token";

async fn start() -> (String, ServingCert) {
    let config = ServerConfig {
        minor_version: 33,
        token: Some(TOKEN.into()),
        clock: ClockMode::Accelerated(60),
    };
    let shared = Shared::new(Cluster::baseline(9), config);
    let cert = ServingCert::generate(&[]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = cert.clone();
    tokio::spawn(async move { apiserver::serve(listener, &serving, shared).await });
    (format!("https://{addr}"), cert)
}

/// Runs an agent command the way the live backend will: allow-list, real kubectl with the
/// session's kubeconfig, output back in logical names.
fn agent(
    command: &str,
    map: &NamespaceMap,
    kubeconfig: &std::path::Path,
) -> Result<String, String> {
    let approved = live::check(command, map).map_err(|r| r.message)?;
    let Plan::Kubectl { runs, .. } = approved.plan else {
        panic!("{command}: not a kubectl plan")
    };
    let mut out = String::new();
    for run in runs {
        let output = std::process::Command::new("kubectl")
            .arg(format!("--kubeconfig={}", kubeconfig.display()))
            .args(&run.args)
            .output()
            .expect("kubectl runs");
        if !output.status.success() {
            return Err(String::from_utf8_lossy(&output.stderr).into_owned());
        }
        out.push_str(&String::from_utf8_lossy(&output.stdout));
        out.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    Ok(map.to_logical_text(&out))
}

fn kubectl_available() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_share_one_cluster_without_touching_each_other() {
    let (endpoint, cert) = start().await;
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
    let config = source.config().await.unwrap();
    let client = kube::Client::try_from(config.clone()).unwrap();

    let a = LiveSession::new(
        client.clone(),
        NamespaceMap::new(SessionId::new("a1").unwrap()),
    );
    let b = LiveSession::new(
        client.clone(),
        NamespaceMap::new(SessionId::new("b2").unwrap()),
    );
    let (na, nb) = tokio::join!(a.apply_baseline(), b.apply_baseline());
    assert_eq!(na.unwrap(), nb.unwrap());
    // Applying again replaces what is there (a reset).
    a.apply_baseline().await.unwrap();
    let deadline = Duration::from_secs(60);
    let poll = Duration::from_millis(200);
    let (ha, hb) = tokio::join!(
        a.wait_healthy(deadline, poll),
        b.wait_healthy(deadline, poll)
    );
    ha.unwrap();
    hb.unwrap();

    let deployments = |s: &LiveSession| -> Api<Deployment> {
        Api::namespaced(client.clone(), s.namespaces().real("payments").unwrap())
    };

    if kubectl_available() {
        let dir = tempfile::tempdir().unwrap();
        let dir_a = dir.path().join("a");
        std::fs::create_dir(&dir_a).unwrap();
        let kubeconfig_a = live::kubeconfig::write_session_kubeconfig(
            &config,
            a.namespaces().real("default").unwrap(),
            &dir_a,
        )
        .unwrap();
        let map_a = a.namespaces();

        let pods = agent("kubectl get pods -n payments", map_a, &kubeconfig_a).unwrap();
        assert!(pods.contains("payment-api-"), "{pods}");
        assert!(!pods.contains("ksg-"), "{pods}");
        let env = agent(
            "kubectl get deploy payment-worker -n payments -o jsonpath={.spec.template.spec.containers[0].env[*].value}",
            map_a,
            &kubeconfig_a,
        )
        .unwrap();
        assert!(
            env.contains("payment-db.payments.svc.cluster.local"),
            "{env}"
        );
        // The session's `default` is empty, and reads as the simulator's does.
        let none = agent("kubectl get pods", map_a, &kubeconfig_a).unwrap();
        assert_eq!(none, "No resources found in default namespace.\n");

        // A write lands in the session's namespace only.
        agent(
            "kubectl scale deploy payment-api --replicas 4 -n payments",
            map_a,
            &kubeconfig_a,
        )
        .unwrap();
        let replicas = |d: Deployment| d.spec.unwrap().replicas.unwrap();
        assert_eq!(
            replicas(deployments(&a).get("payment-api").await.unwrap()),
            4
        );
        assert_ne!(
            replicas(deployments(&b).get("payment-api").await.unwrap()),
            4
        );

        // Refusals run nothing.
        for refused in [
            "kubectl scale deploy payment-api --replicas 0 -n ksg-b2-payments",
            "kubectl delete deploy coredns -n kube-system",
            "kubectl get secret payment-db-credentials -n payments -o yaml",
            "kubectl exec payment-api-0 -n payments -- sh",
            "kubectl label node node-1 x=y",
        ] {
            let message = agent(refused, map_a, &kubeconfig_a).unwrap_err();
            assert!(message.starts_with("error: "), "{refused}: {message}");
        }
        assert_ne!(
            replicas(deployments(&b).get("payment-api").await.unwrap()),
            0
        );
    } else {
        eprintln!("kubectl is not on PATH: the binary's part of this test is skipped");
    }

    a.teardown().await.unwrap();
    b.teardown().await.unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    for session in [&a, &b] {
        for (_, real) in session.namespaces().pairs() {
            let gone = match namespaces.get(real).await {
                Err(kube::Error::Api(status)) => status.is_not_found(),
                Ok(ns) => ns.metadata.deletion_timestamp.is_some(),
                Err(e) => panic!("{e}"),
            };
            assert!(gone, "{real} is still there");
        }
    }
    // Nothing of the sessions is left inside their namespaces either.
    for session in [&a, &b] {
        assert!(
            deployments(session)
                .list(&Default::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    // Tearing down twice is fine.
    a.teardown().await.unwrap();
}
