//! The real kubectl against the simulated cluster's API server: reads, describes, logs, top,
//! every mutation kubectl's common verbs send, faults visible and fixable, authentication, and
//! the version dispatcher picking kubectl 1.27 and 1.33.

use crate::common;

use std::process::Command;
use std::time::Duration;

use apiserver::ClockMode;
use cluster::Cluster;
use common::{Server, TOKEN, rows};

#[test]
fn reads_describe_logs_and_top_with_kubectl_1_33() {
    reads_describe_logs_and_top(33);
}

#[test]
fn reads_describe_logs_and_top_with_kubectl_1_27() {
    reads_describe_logs_and_top(27);
}

fn reads_describe_logs_and_top(minor: u32) {
    let mut c = Cluster::baseline(1);
    c.advance(Duration::from_secs(120));
    let s = Server::start(c, minor, ClockMode::Frozen);

    let all = s.ok(&["get", "pods", "-A"]);
    let header: Vec<&str> = all.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    );
    let pods = rows(&all);
    assert_eq!(pods.len(), 14, "{all}");
    assert!(
        pods.iter()
            .all(|r| r[2] == "1/1" && r[3] == "Running" && r[4] == "0"),
        "{all}"
    );

    let wide = s.ok(&["get", "pods", "-n", "payments", "-o", "wide"]);
    assert!(
        wide.lines().next().unwrap().contains("IP")
            && wide.contains("NOMINATED NODE")
            && wide.contains("READINESS GATES"),
        "{wide}"
    );
    assert!(
        wide.contains("10.244.") && wide.contains("gke-sre-gym-default-pool-"),
        "{wide}"
    );

    let yaml = s.ok(&["get", "pod", "payment-db-0", "-n", "payments", "-o", "yaml"]);
    for needle in [
        "apiVersion: v1",
        "kind: Pod",
        "containerStatuses:",
        "qosClass: Burstable",
        "claimName: data-payment-db-0",
    ] {
        assert!(yaml.contains(needle), "{needle} missing from\n{yaml}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&s.ok(&["get", "pods", "-n", "frontend", "-o", "json"])).unwrap();
    assert_eq!(json["kind"], "List");
    assert_eq!(json["items"].as_array().unwrap().len(), 3);

    let mixed = s.ok(&["get", "deploy,svc,rs", "-n", "payments"]);
    for needle in [
        "deployment.apps/payment-api",
        "service/payment-api",
        "replicaset.apps/payment-api-",
        "2/2",
    ] {
        assert!(mixed.contains(needle), "{needle} missing from\n{mixed}");
    }
    let events = s.ok(&["get", "events", "-A", "--sort-by=.lastTimestamp"]);
    assert!(
        events.lines().count() > 20 && events.contains("Scheduled"),
        "{events}"
    );
    let nodes = s.ok(&["get", "nodes"]);
    assert_eq!(rows(&nodes).len(), 3);
    assert!(rows(&nodes).iter().all(|r| r[1] == "Ready"), "{nodes}");
    let ns = s.ok(&["get", "ns"]);
    for n in ["auth", "default", "frontend", "kube-system", "payments"] {
        assert!(ns.contains(n), "{ns}");
    }
    // kubectl follows `continue` tokens until the list is complete.
    let paged = s.ok(&["get", "pods", "-A", "--chunk-size=4", "--no-headers"]);
    assert_eq!(paged.lines().count(), 14, "{paged}");
    let everything = s.ok(&["get", "all", "-n", "frontend"]);
    for needle in [
        "pod/web-app-",
        "service/web-app",
        "deployment.apps/web-app",
        "replicaset.apps/frontend-cache-",
    ] {
        assert!(
            everything.contains(needle),
            "{needle} missing from\n{everything}"
        );
    }
    let labelled = s.ok(&[
        "get",
        "pods",
        "-l",
        "app=web-app",
        "-n",
        "frontend",
        "--show-labels",
    ]);
    assert_eq!(rows(&labelled).len(), 2);
    assert!(
        labelled.contains("app=web-app,") && labelled.contains("pod-template-hash="),
        "{labelled}"
    );

    let pod = rows(&s.ok(&["get", "pods", "-n", "frontend", "-l", "app=web-app"]))[0][0].clone();
    let described = s.ok(&["describe", "pod", &pod, "-n", "frontend"]);
    for needle in [
        "Status:           Running",
        "Containers:",
        "Liveness:",
        "Conditions:",
        "Events:",
        "Successfully assigned frontend/",
    ] {
        assert!(
            described.contains(needle),
            "{needle} missing from\n{described}"
        );
    }
    let deploy = s.ok(&["describe", "deployment", "web-app", "-n", "frontend"]);
    assert!(
        deploy.contains("RollingUpdateStrategy:  25% max unavailable, 25% max surge")
            && deploy.contains("NewReplicaSet:"),
        "{deploy}"
    );
    let node = s.ok(&["describe", "node", "gke-sre-gym-default-pool-6f8e2a1c-4kqz"]);
    assert!(
        node.contains("Allocatable:") && node.contains("Non-terminated Pods:"),
        "{node}"
    );

    let logs = s.ok(&["logs", &pod, "-n", "frontend", "--tail", "2"]);
    assert_eq!(logs.lines().count(), 2);
    assert!(logs.contains("kube-probe/1.33"), "{logs}");
    let with_c = s.ok(&["logs", &pod, "-n", "frontend", "-c", "web-app"]);
    assert!(with_c.starts_with("/docker-entrypoint.sh"), "{with_c}");
    let (_, err, code) = s.kubectl(&["logs", &pod, "-n", "frontend", "--previous"]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        format!(
            "Error from server (BadRequest): previous terminated container \"web-app\" in pod \"{pod}\" not found"
        )
    );

    let top = s.ok(&["top", "pods", "-A"]);
    assert_eq!(rows(&top).len(), 14, "{top}");
    assert!(top.contains("Mi"), "{top}");
    let top_nodes = s.ok(&["top", "nodes"]);
    assert_eq!(rows(&top_nodes).len(), 3, "{top_nodes}");

    let (_, err, code) = s.kubectl(&["get", "pod", "ghost", "-n", "payments"]);
    assert_eq!(
        (code, err.trim()),
        (1, "Error from server (NotFound): pods \"ghost\" not found")
    );
    let (_, err, code) = s.kubectl(&["get", "foos"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the server doesn't have a resource type \"foos\""),
        "{err}"
    );
    drop(s.shared);
}

#[test]
fn mutations_with_kubectl_1_33() {
    mutations_through_kubectl(33);
}

#[test]
fn mutations_with_kubectl_1_27() {
    mutations_through_kubectl(27);
}

fn mutations_through_kubectl(minor: u32) {
    let s = Server::start(Cluster::baseline(2), minor, ClockMode::Accelerated(20));
    fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
        args.iter().copied().chain(["-n", "payments"]).collect()
    }

    assert_eq!(
        s.ok(&with(&[
            "set",
            "resources",
            "deployment/payment-api",
            "--limits=memory=300Mi"
        ]))
        .trim(),
        "deployment.apps/payment-api resource requirements updated"
    );
    let image = s.ok(&with(&["get", "deploy", "payment-api", "-o", "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].resources.limits.memory}"]));
    assert_eq!(
        image, "python:3.11-slim 300Mi",
        "set resources keeps the image"
    );
    assert_eq!(
        s.ok(&with(&[
            "set",
            "image",
            "deployment/payment-gateway",
            "payment-gateway=nginx:1.26"
        ]))
        .trim(),
        "deployment.apps/payment-gateway image updated"
    );
    assert_eq!(
        s.ok(&with(&[
            "set",
            "env",
            "deployment/payment-api",
            "LOG_LEVEL=debug"
        ]))
        .trim(),
        "deployment.apps/payment-api env updated"
    );
    assert_eq!(
        s.ok(&with(&[
            "set",
            "env",
            "deployment/payment-api",
            "LOG_LEVEL-"
        ]))
        .trim(),
        "deployment.apps/payment-api env updated"
    );
    let env = s.ok(&with(&[
        "get",
        "deploy",
        "payment-api",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].env}",
    ]));
    assert_eq!(
        env, "",
        "removing the last variable leaves no env list behind"
    );
    assert_eq!(
        s.ok(&with(&[
            "scale",
            "deployment",
            "payment-gateway",
            "--replicas",
            "3"
        ]))
        .trim(),
        "deployment.apps/payment-gateway scaled"
    );
    // Let the scale-up settle: kubectl reports "(no change)" only when the object it read back
    // equals the one before its patch, and a rollout in flight changes the status in between.
    s.ok(&with(&[
        "rollout",
        "status",
        "deployment/payment-gateway",
        "--timeout=120s",
    ]));
    assert_eq!(
        s.ok(&with(&[
            "patch",
            "deployment",
            "payment-gateway",
            "-p",
            r#"{"metadata":{"labels":{"team":"pay"}}}"#
        ]))
        .trim(),
        "deployment.apps/payment-gateway patched"
    );
    assert_eq!(
        s.ok(&with(&[
            "patch",
            "deployment",
            "payment-gateway",
            "--type=merge",
            "-p",
            r#"{"metadata":{"labels":{"team":"pay"}}}"#
        ]))
        .trim(),
        "deployment.apps/payment-gateway patched (no change)"
    );
    assert_eq!(
        s.ok(&with(&[
            "patch",
            "deployment",
            "payment-gateway",
            "--type=json",
            "-p",
            r#"[{"op":"remove","path":"/metadata/labels/team"}]"#
        ]))
        .trim(),
        "deployment.apps/payment-gateway patched"
    );
    assert_eq!(
        s.ok(&with(&[
            "label",
            "deployment",
            "payment-api",
            "tier=backend"
        ]))
        .trim(),
        "deployment.apps/payment-api labeled"
    );
    assert_eq!(
        s.ok(&with(&[
            "annotate",
            "deployment",
            "payment-api",
            "owner=sre"
        ]))
        .trim(),
        // kubectl 1.27 itself prints "annotate" here (its past-tense message was fixed later).
        if minor == 27 {
            "deployment.apps/payment-api annotate"
        } else {
            "deployment.apps/payment-api annotated"
        }
    );
    assert_eq!(
        s.ok(&with(&["rollout", "restart", "deployment/payment-worker"]))
            .trim(),
        "deployment.apps/payment-worker restarted"
    );
    let status = s.ok(&with(&[
        "rollout",
        "status",
        "deployment/payment-gateway",
        "--timeout=120s",
    ]));
    assert!(
        status
            .trim_end()
            .ends_with("deployment \"payment-gateway\" successfully rolled out"),
        "{status}"
    );
    let history = s.ok(&with(&["rollout", "history", "deployment/payment-gateway"]));
    assert!(
        history.contains("REVISION") && history.lines().count() >= 3,
        "{history}"
    );
    assert_eq!(
        s.ok(&with(&["rollout", "undo", "deployment/payment-gateway"]))
            .trim(),
        "deployment.apps/payment-gateway rolled back"
    );
    s.wait_for("the undo to roll out", Duration::from_secs(60), |s| {
        s.ok(&with(&[
            "get",
            "deploy",
            "payment-gateway",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ])) == "nginx:1.25"
    });

    let victim = s.ok(&with(&[
        "get",
        "pods",
        "-l",
        "app=payment-api",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]));
    assert_eq!(
        s.ok(&with(&["delete", "pod", &victim])).trim(),
        format!("pod \"{victim}\" deleted")
    );
    s.wait_for(
        "the ReplicaSet to replace the deleted pod",
        Duration::from_secs(60),
        |s| {
            let names = s.ok(&with(&[
                "get",
                "pods",
                "-l",
                "app=payment-api",
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ]));
            !names.is_empty() && !names.contains(&victim)
        },
    );
    let watch = Command::new("timeout")
        .args(["3", "kubectl", "--kubeconfig"])
        .arg(s.kubeconfig())
        .args(["get", "pods", "-n", "payments", "-w"])
        .output()
        .unwrap();
    let watched = String::from_utf8_lossy(&watch.stdout);
    assert!(
        watched.lines().count() >= 6 && watched.starts_with("NAME"),
        "{watched}"
    );
}

#[test]
fn a_fault_is_visible_and_fixable_through_kubectl() {
    let mut c = Cluster::baseline(3);
    "oom:payments/payment-api"
        .parse::<gym::FaultSpec>()
        .unwrap()
        .inject(&mut c)
        .unwrap();
    c.advance(Duration::from_secs(180));
    let s = Server::start(c, 33, ClockMode::Accelerated(20));
    let pods = s.ok(&["get", "pods", "-n", "payments", "-l", "app=payment-api"]);
    assert!(
        pods.contains("OOMKilled") || pods.contains("CrashLoopBackOff"),
        "{pods}"
    );
    let described = s.ok(&[
        "describe",
        "pods",
        "-n",
        "payments",
        "-l",
        "app=payment-api",
    ]);
    assert!(
        described.contains("Reason:       OOMKilled") && described.contains("Exit Code:    137"),
        "{described}"
    );
    s.ok(&[
        "set",
        "resources",
        "deployment/payment-api",
        "-n",
        "payments",
        "--limits=memory=512Mi",
        "--requests=memory=64Mi",
    ]);
    s.ok(&[
        "rollout",
        "status",
        "deployment/payment-api",
        "-n",
        "payments",
        "--timeout=120s",
    ]);
    s.wait_for(
        "the crash-looping pod to be gone",
        Duration::from_secs(60),
        |s| {
            let pods = s.ok(&["get", "pods", "-n", "payments", "-l", "app=payment-api"]);
            rows(&pods).len() == 1
                && pods.contains("Running")
                && !pods.contains("OOMKilled")
                && !pods.contains("CrashLoopBackOff")
        },
    );
}

#[test]
fn requests_without_the_right_token_are_refused() {
    let s = Server::start(Cluster::baseline(4), 33, ClockMode::Frozen);
    let wrong = s.dir.path().join("wrong");
    let server = format!("https://{}", s.addr);
    std::fs::write(
        &wrong,
        apiserver::kubeconfig_yaml(&server, Some(&s.ca), Some("wrong-token")),
    )
    .unwrap();
    // A discovery cache of its own: the shared one may hold another test server's documents
    // for this port, and kubectl then words the refusal differently.
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&wrong)
        .arg("--cache-dir")
        .arg(s.dir.path().join("cache"))
        .args(["get", "pods"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: You must be logged in to the server (the server has asked for the client to provide credentials)"),
        "{stderr}"
    );
    // Without any credentials the server answers 401 too (kubectl itself would prompt for a
    // password, so ask with curl).
    let out = Command::new("curl")
        .args(["-sk", &format!("{server}/api/v1/pods")])
        .output()
        .expect("curl runs");
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (body["code"].as_i64(), body["reason"].as_str()),
        (Some(401), Some("Unauthorized"))
    );
    // The version endpoint stays public, as on a real cluster.
    let out = Command::new("curl")
        .args(["-sk", &format!("{server}/version")])
        .output()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["minor"], "33");
}

#[test]
fn the_dispatcher_runs_the_kubectl_matching_the_server_version() {
    for minor in [27, 33] {
        let s = Server::start(Cluster::baseline(5), minor, ClockMode::Frozen);
        let version: serde_json::Value =
            serde_json::from_str(&s.ok(&["version", "-o", "json"])).unwrap();
        assert_eq!(version["serverVersion"]["minor"], minor.to_string());
        assert_eq!(
            version["clientVersion"]["minor"],
            minor.to_string(),
            "dispatched to kubectl.1.{minor}"
        );
        let pods = s.ok(&["get", "pods", "-A"]);
        assert_eq!(rows(&pods).len(), 14, "kubectl 1.{minor}:\n{pods}");
        s.ok(&[
            "scale",
            "deployment",
            "web-app",
            "-n",
            "frontend",
            "--replicas=3",
        ]);
        s.ok(&[
            "set",
            "image",
            "deployment/web-app",
            "-n",
            "frontend",
            "web-app=nginx:1.26",
        ]);
    }
}

#[test]
fn discovery_dry_run_and_refusals() {
    let s = Server::start(Cluster::baseline(7), 33, ClockMode::Frozen);
    let server = format!("https://{}", s.addr);
    let get = |path: &str| -> serde_json::Value {
        let out = Command::new("curl")
            .args([
                "-sk",
                "-H",
                &format!("Authorization: Bearer {TOKEN}"),
                &format!("{server}{path}"),
            ])
            .output()
            .expect("curl runs");
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // Legacy discovery, for clients that do not ask for the aggregated form.
    assert_eq!(get("/api")["kind"], "APIVersions");
    let groups = get("/apis");
    assert_eq!(groups["kind"], "APIGroupList");
    let names: Vec<&str> = groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    for g in [
        "apps",
        "networking.k8s.io",
        "storage.k8s.io",
        "autoscaling",
        "metrics.k8s.io",
    ] {
        assert!(names.contains(&g), "{g} missing from {names:?}");
    }
    let core = get("/api/v1");
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap()
        .clone();
    assert_eq!(pods["shortNames"], serde_json::json!(["po"]));
    assert_eq!(pods["categories"], serde_json::json!(["all"]));
    let apps = get("/apis/apps/v1");
    assert!(
        apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "deployments/scale" && r["kind"] == "Scale")
    );

    // Server-side dry run deletes nothing.
    let pod = s.ok(&[
        "get",
        "pods",
        "-n",
        "auth",
        "-l",
        "app=auth-service",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let out = s.ok(&["delete", "pod", &pod, "-n", "auth", "--dry-run=server"]);
    assert_eq!(
        out.trim(),
        format!("pod \"{pod}\" deleted (server dry run)")
    );
    s.ok(&["get", "pod", &pod, "-n", "auth"]);

    // What the simulator does not model is refused with the API server's statuses.
    let (_, err, code) = s.kubectl(&["exec", &pod, "-n", "auth", "--", "ls"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("the server could not find the requested resource"),
        "{err}"
    );
    let (_, err, code) = s.kubectl(&["get", "pods", "-n", "auth", "-l", "app in auth"]);
    assert_eq!(code, 1, "{err}");
}
