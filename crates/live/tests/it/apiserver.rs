//! The live backend's whole path against the simulator's API server standing in for a cluster:
//! two sessions connect with the original's token variables and get their own namespaces; both
//! reset (baseline applied, healthy within a deadline); a fault is injected into one through the
//! gym's catalogue; the agent's commands go through the allow-list and the real `kubectl` binary;
//! the fix is graded resolved through the gym's grading; refused commands change nothing; and
//! teardown leaves nothing behind.

use std::time::Duration;

use apiserver::{ClockMode, ServerConfig, ServingCert, Shared};
use base64::Engine;
use cluster::Cluster;
use cluster::k8s_openapi::api::apps::v1::Deployment;
use cluster::k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use live::faults::Timing;
use live::session::LiveSession;
use live::{ConnectionSource, Executor, NamespaceMap, SessionId};

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

fn kubectl_available() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What a write would change: every Deployment's and ConfigMap's desired state in the session.
async fn desired_state(client: &kube::Client, s: &LiveSession) -> Vec<String> {
    let mut out = Vec::new();
    for (_, real) in s.namespaces().pairs() {
        let api: Api<Deployment> = Api::namespaced(client.clone(), real);
        for d in api.list(&ListParams::default()).await.unwrap() {
            out.push(format!(
                "{real}/{} {} {}",
                d.metadata.name.clone().unwrap_or_default(),
                d.metadata.resource_version.clone().unwrap_or_default(),
                serde_json::to_string(&d.spec).unwrap()
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sessions_reset_break_fix_grade_and_tear_down_on_one_cluster() {
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

    // Reset: both sessions at once, each healthy within its deadline.
    let deadline = Duration::from_secs(60);
    let (ra, rb) = tokio::join!(a.reset(deadline), b.reset(deadline));
    ra.unwrap();
    rb.unwrap();
    // Resetting again is fine (the apply is idempotent).
    a.reset(deadline).await.unwrap();

    let deployments = |s: &LiveSession| -> Api<Deployment> {
        Api::namespaced(client.clone(), s.namespaces().real("payments").unwrap())
    };
    let limit = |d: Deployment| {
        serde_json::to_value(
            d.spec.unwrap().template.spec.unwrap().containers[0]
                .resources
                .clone(),
        )
        .unwrap()["limits"]["memory"]
            .clone()
    };
    let b_limit = limit(deployments(&b).get("payment-api").await.unwrap());

    // A fault from the catalogue, through the gym's own injection, in session a only.
    let timing = Timing {
        symptom_deadline: Duration::from_secs(60),
        durability: Duration::from_secs(8),
        poll: Duration::from_millis(250),
    };
    let fault: gym::CatalogueFault = "oom-limit:payments/payment-api".parse().unwrap();
    let incident = a.inject(&fault, 9, timing).await.unwrap();
    assert_ne!(
        limit(deployments(&a).get("payment-api").await.unwrap()),
        b_limit
    );
    assert_eq!(
        limit(deployments(&b).get("payment-api").await.unwrap()),
        b_limit,
        "the other session is untouched"
    );
    let broken = a.grade(&incident, timing).await.unwrap();
    assert!(!broken.resolved, "{broken:?}");
    assert!(
        broken.problems.iter().any(|p| p.contains("payment-api")),
        "{broken:?}"
    );

    // A wait that misses its deadline fails, naming what is pending.
    let late = a
        .wait_healthy(Duration::from_millis(300))
        .await
        .unwrap_err()
        .to_string();
    assert!(late.contains("payments/deployment/payment-api"), "{late}");

    // A fault that would change a shared, cluster-scoped object is refused.
    let shared: gym::CatalogueFault = "missing-storage-class:payments/payment-db".parse().unwrap();
    let err = b.inject(&shared, 9, timing).await.unwrap_err();
    assert!(err.to_string().contains("cluster-scoped"), "{err}");

    if !kubectl_available() {
        eprintln!("kubectl is not on PATH: the agent's part of this test is skipped");
    } else {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = live::kubeconfig::write_session_kubeconfig(
            &config,
            a.namespaces().real("default").unwrap(),
            dir.path(),
        )
        .unwrap();
        let agent = Executor::new(kubeconfig);
        let map = a.namespaces();

        let pods = agent.execute("kubectl get pods -n payments", map).await;
        assert_eq!(pods.exit_code, 0, "{}", pods.stderr);
        assert!(pods.stdout.contains("payment-api-"), "{}", pods.stdout);
        assert!(!pods.stdout.contains("ksg-"), "{}", pods.stdout);

        // -A: one table, the NAMESPACE column in logical names; pipes as on the simulator.
        let all = agent.execute("kubectl get deploy -A", map).await;
        assert!(all.stdout.starts_with("NAMESPACE   NAME"), "{}", all.stdout);
        for ns in ["auth", "frontend", "payments"] {
            assert!(
                all.stdout.lines().any(|l| l.starts_with(&format!("{ns} "))),
                "{ns}: {}",
                all.stdout
            );
        }
        assert_eq!(all.stdout.matches("NAMESPACE").count(), 1, "{}", all.stdout);
        assert!(!all.stdout.contains("ksg-"), "{}", all.stdout);
        let counted = agent
            .execute(
                "kubectl get deploy -A --no-headers | grep payment | wc -l",
                map,
            )
            .await;
        let payments = all.stdout.lines().filter(|l| l.contains("payment")).count();
        assert_eq!(counted.stdout.trim(), payments.to_string());

        let described = agent
            .execute("kubectl describe deploy payment-api -n payments", map)
            .await;
        assert!(described.stdout.contains("Limits:"), "{}", described.stdout);

        // Refused: other namespaces, exec, secret values, cluster-scoped writes. Each says why
        // and changes nothing in either session.
        let before_a = desired_state(&client, &a).await;
        let before_b = desired_state(&client, &b).await;
        for refused in [
            "kubectl scale deploy payment-api --replicas 0 -n ksg-b2-payments",
            "kubectl delete deploy coredns -n kube-system",
            "kubectl get secret payment-db-credentials -n payments -o yaml",
            "kubectl exec payment-api-0 -n payments -- sh",
            "kubectl label node node-1 x=y",
            "kubectl delete deploy -A --all",
            "kubectl create namespace extra",
        ] {
            let out = agent.execute(refused, map).await;
            assert_ne!(out.exit_code, 0, "{refused}");
            assert!(out.stdout.is_empty(), "{refused}: {}", out.stdout);
            assert!(
                out.stderr.starts_with("error: "),
                "{refused}: {}",
                out.stderr
            );
        }
        assert_eq!(desired_state(&client, &a).await, before_a);
        assert_eq!(desired_state(&client, &b).await, before_b);

        // The fix, typed as an agent types it.
        let fix = agent
            .execute(
                "kubectl set resources deployment/payment-api -n payments --limits=memory=256Mi --requests=memory=64Mi",
                map,
            )
            .await;
        assert_eq!(fix.exit_code, 0, "{}", fix.stderr);
        assert!(!fix.stdout.contains("ksg-"), "{}", fix.stdout);

        // Graded from the cluster's objects: the rollout takes a while, then the fix holds.
        let start = std::time::Instant::now();
        let grade = loop {
            let grade = a.grade(&incident, timing).await.unwrap();
            if grade.resolved || start.elapsed() > Duration::from_secs(90) {
                break grade;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        assert!(grade.resolved, "{grade:?}");

        // A reset restores the baseline: the agent's limit goes back, what it created goes.
        let created = agent
            .execute(
                "kubectl create configmap notes -n payments --from-literal=a=b",
                map,
            )
            .await;
        assert_eq!(created.exit_code, 0, "{}", created.stderr);
        a.reset(deadline).await.unwrap();
        assert_eq!(
            limit(deployments(&a).get("payment-api").await.unwrap()),
            b_limit
        );
        let gone = agent
            .execute("kubectl get configmap notes -n payments", map)
            .await;
        assert!(gone.stderr.contains("NotFound"), "{}", gone.stderr);
    }

    // A session whose server went away before its teardown: the sweep finds it by label.
    let orphan = LiveSession::new(
        client.clone(),
        NamespaceMap::new(SessionId::new("c3").unwrap()),
    );
    orphan.apply_baseline().await.unwrap();

    // Teardown leaves nothing behind: the namespaces go through Terminating and are gone.
    let (ta, tb) = tokio::join!(
        a.teardown_and_wait(Duration::from_secs(60)),
        b.teardown_and_wait(Duration::from_secs(60))
    );
    ta.unwrap();
    tb.unwrap();
    let namespaces: Api<Namespace> = Api::all(client.clone());
    for session in [&a, &b] {
        for (_, real) in session.namespaces().pairs() {
            assert!(namespaces.get_opt(real).await.unwrap().is_none(), "{real}");
        }
        assert!(
            deployments(session)
                .list(&Default::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );
    }
    let listed = live::sweep::Sweep {
        dry_run: true,
        ..Default::default()
    }
    .run(&client)
    .await
    .unwrap();
    let orphans: Vec<String> = orphan
        .namespaces()
        .pairs()
        .map(|(_, r)| r.to_string())
        .collect();
    assert_eq!(listed, orphans, "only the orphan's namespaces are left");
    assert!(
        namespaces.get_opt(&orphans[0]).await.unwrap().is_some(),
        "a dry run deletes nothing"
    );
    let swept = live::sweep::Sweep::default().run(&client).await.unwrap();
    assert_eq!(swept, orphans);
    let start = std::time::Instant::now();
    for name in &orphans {
        while namespaces.get_opt(name).await.unwrap().is_some() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the sweep left {name}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let owned = namespaces
        .list(&ListParams::default().labels("app.kubernetes.io/managed-by=kube-sre-gym"))
        .await
        .unwrap();
    assert!(owned.items.is_empty());
    // Tearing down twice is fine.
    a.teardown().await.unwrap();
}
