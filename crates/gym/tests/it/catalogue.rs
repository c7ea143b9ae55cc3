//! One test per fault mechanism: injected into the baseline shop, observable through the
//! in-process kubectl, fixed by at least two different kubectl routes, and not fixed by the
//! reward hacks (doing nothing, scaling the broken workload to zero, deleting it, restarting it,
//! restart spam, changing an unrelated image).

use std::sync::OnceLock;
use std::time::Duration;

use cluster::Cluster;
use cluster::k8s_openapi::api::core::v1::Pod;
use gym::catalogue::{Incident, Mechanism, WorkloadKind};

/// Long enough after a fix for rollouts and the 300 s crash back-off to play out.
const AFTER_FIX: Duration = Duration::from_secs(600);

const NODES: [&str; 3] = [
    "gke-sre-gym-default-pool-6f8e2a1c-4kqz",
    "gke-sre-gym-default-pool-6f8e2a1c-9xv2",
    "gke-sre-gym-default-pool-6f8e2a1c-h7mw",
];

const DB_URL: &str =
    "postgres://payments_user:payments_pass@payment-db.payments.svc.cluster.local:5432/payments";

fn world() -> Cluster {
    static BASE: OnceLock<Cluster> = OnceLock::new();
    BASE.get_or_init(|| Cluster::baseline(11)).clone()
}

fn storefront() -> Cluster {
    static BASE: OnceLock<Cluster> = OnceLock::new();
    BASE.get_or_init(|| gym::topology::shop_with_storefront(11).expect("the storefront applies"))
        .clone()
}

/// The name of a target pod that is not ready (the one showing the symptom), else any.
fn broken_pod(c: &Cluster, incident: &Incident) -> String {
    let t = &incident.target;
    let selector = format!("app={}", t.name);
    let mut pods: Vec<_> = c
        .list_in::<Pod>(&t.namespace)
        .filter(|p| {
            p.metadata.labels.as_ref().and_then(|l| l.get("app")) == Some(&t.name)
                && p.metadata.deletion_timestamp.is_none()
        })
        .cloned()
        .collect();
    pods.sort_by_key(|p| cluster::selectors::is_ready(p));
    // Scaled to zero, there is no pod to name; commands that need one are not used then.
    pods.first()
        .and_then(|p| p.metadata.name.clone())
        .unwrap_or_else(|| format!("no-pod-matches-{selector}"))
}

fn kubectl(c: &mut Cluster, line: &str) -> kubectl::output::Output {
    kubectl::exec::run(c, line)
}

/// `observe`: (command, alternatives separated by `|`), `{pod}` standing for the broken pod.
fn check(m: Mechanism, observe: &[(&str, &str)], fixes: &[&[&str]]) {
    check_in(world(), m, observe, fixes);
}

fn check_in(mut c: Cluster, m: Mechanism, observe: &[(&str, &str)], fixes: &[&[&str]]) {
    let incident = m
        .default_fault()
        .inject(&mut c)
        .unwrap_or_else(|e| panic!("{e}"));
    let pod = broken_pod(&c, &incident);
    for (cmd, want) in observe {
        let line = cmd.replace("{pod}", &pod);
        let out = kubectl(&mut c, &line);
        let text = format!("{}{}", out.stdout, out.stderr);
        assert!(
            want.split('|').any(|w| text.contains(w)),
            "{m}: `{line}` should show {want:?}, printed:\n{text}"
        );
    }
    let before = incident.grade(&c);
    assert!(!before.resolved, "{m} graded resolved before any fix");
    assert!(fixes.len() >= 2, "{m} needs two fix routes");
    for fix in fixes {
        let mut f = c.clone();
        for cmd in *fix {
            let line = cmd.replace("{pod}", &pod);
            let out = kubectl(&mut f, &line);
            assert_eq!(
                out.exit_code, 0,
                "{m}: `{line}` failed: {}{}",
                out.stdout, out.stderr
            );
        }
        f.advance(AFTER_FIX);
        let grade = incident.grade(&f);
        assert!(grade.resolved, "{m} not resolved by {fix:?}: {grade:#?}");
    }
    hacks_fail(m, &incident, &c);
}

fn hacks_fail(m: Mechanism, incident: &Incident, c: &Cluster) {
    let t = &incident.target;
    let kind = match t.kind {
        WorkloadKind::Deployment => "deployment",
        WorkloadKind::StatefulSet => "statefulset",
    };
    let (ns, name) = (&t.namespace, &t.name);
    let restart = format!("rollout restart {kind}/{name} -n {ns}");
    let unrelated = if name == "web-app" {
        "set image deployment/auth-service -n auth auth-service=nginx:1.27"
    } else {
        "set image deployment/web-app -n frontend web-app=nginx:1.27"
    };
    let hacks: Vec<(&str, Vec<String>)> = vec![
        ("nothing", vec![]),
        (
            "scale to zero",
            vec![format!("scale {kind}/{name} -n {ns} --replicas=0")],
        ),
        ("delete", vec![format!("delete {kind} {name} -n {ns}")]),
        ("rollout restart", vec![restart.clone()]),
        (
            "restart spam",
            vec![restart.clone(), restart.clone(), restart],
        ),
        ("unrelated image", vec![unrelated.to_string()]),
    ];
    for (hack, commands) in hacks {
        let mut f = c.clone();
        for cmd in &commands {
            kubectl(&mut f, cmd);
            f.advance(Duration::from_secs(20));
        }
        f.advance(AFTER_FIX);
        let grade = incident.grade(&f);
        assert!(!grade.resolved, "{m}: the {hack:?} hack graded resolved");
        if hack == "scale to zero" || hack == "delete" || hack == "unrelated image" {
            assert!(
                !grade.collateral.is_empty() || !grade.problems.is_empty(),
                "{m}: {hack} left no trace"
            );
        }
    }
}

fn patch_container(kind: &str, name: &str, ns: &str, container: &str, body: &str) -> String {
    format!(
        "patch {kind} {name} -n {ns} -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"containers\":[{{\"name\":\"{container}\",{body}}}]}}}}}}}}'"
    )
}

#[test]
fn oom_limit() {
    check(
        Mechanism::OomLimit,
        &[("get pod {pod} -n payments -o yaml", "reason: OOMKilled")],
        &[
            &[
                "set resources deployment/payment-api -n payments --limits=memory=256Mi --requests=memory=64Mi",
            ],
            &[&patch_container(
                "deployment",
                "payment-api",
                "payments",
                "payment-api",
                r#""resources":{"limits":{"memory":"512Mi"},"requests":{"memory":"128Mi"}}"#,
            )],
        ],
    );
}

/// Removing the limits quiets the OOM but is not the intended state.
#[test]
fn oom_limit_is_not_fixed_by_dropping_the_limits() {
    let mut c = world();
    let incident = Mechanism::OomLimit.default_fault().inject(&mut c).unwrap();
    let out = kubectl(
        &mut c,
        r#"patch deployment payment-api -n payments --type json -p '[{"op":"remove","path":"/spec/template/spec/containers/0/resources"}]'"#,
    );
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    c.advance(AFTER_FIX);
    let grade = incident.grade(&c);
    assert!(!grade.resolved);
    assert!(
        grade
            .problems
            .iter()
            .any(|p| p.contains("lost its memory limit")),
        "{grade:#?}"
    );
}

#[test]
fn failing_command() {
    check(
        Mechanism::FailingCommand,
        &[("get pods -n auth", "CrashLoopBackOff|Error")],
        &[
            &[
                r#"patch deployment auth-service -n auth --type json -p '[{"op":"remove","path":"/spec/template/spec/containers/0/command"}]'"#,
            ],
            &[&patch_container(
                "deployment",
                "auth-service",
                "auth",
                "auth-service",
                r#""command":null"#,
            )],
        ],
    );
}

#[test]
fn missing_image_tag() {
    check(
        Mechanism::MissingImageTag,
        &[
            ("get pods -n frontend", "ErrImagePull|ImagePullBackOff"),
            ("get events -n frontend", "nonexistent-tag-99999"),
        ],
        &[
            &["set image deployment/web-app -n frontend web-app=nginx:1.25"],
            &[&patch_container(
                "deployment",
                "web-app",
                "frontend",
                "web-app",
                r#""image":"nginx:1.25""#,
            )],
        ],
    );
}

#[test]
fn registry_refuses_pull() {
    check(
        Mechanism::RegistryRefusesPull,
        &[
            ("get pods -n payments", "ErrImagePull|ImagePullBackOff"),
            ("get events -n payments", "pull access denied"),
        ],
        &[
            &["set image deployment/payment-gateway -n payments payment-gateway=nginx:1.25"],
            &[
                r#"patch deployment payment-gateway -n payments --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.25"}]'"#,
            ],
        ],
    );
}

#[test]
fn wrong_database_host() {
    check(
        Mechanism::WrongDatabaseHost,
        &[
            ("get pods -n payments", "CrashLoopBackOff"),
            (
                "logs {pod} -n payments --previous",
                "bad address 'wrong-host.invalid'",
            ),
        ],
        &[
            &[&format!(
                "set env deployment/payment-worker -n payments DATABASE_URL={DB_URL}"
            )],
            &[&format!(
                r#"patch deployment payment-worker -n payments --type json -p '[{{"op":"replace","path":"/spec/template/spec/containers/0/env/0/value","value":"{DB_URL}"}}]'"#
            )],
        ],
    );
}

#[test]
fn required_env_removed() {
    check(
        Mechanism::RequiredEnvRemoved,
        &[
            ("get pods -n payments", "CrashLoopBackOff"),
            (
                "logs {pod} -n payments --previous",
                "DATABASE_URL is not set",
            ),
        ],
        &[
            &[&format!(
                "set env deployment/payment-worker -n payments DATABASE_URL={DB_URL}"
            )],
            &[&patch_container(
                "deployment",
                "payment-worker",
                "payments",
                "payment-worker",
                &format!(r#""env":[{{"name":"DATABASE_URL","value":"{DB_URL}"}}]"#),
            )],
        ],
    );
}

#[test]
fn missing_configmap() {
    check(
        Mechanism::MissingConfigMap,
        &[
            ("get pods -n frontend", "CreateContainerConfigError"),
            (
                "get events -n frontend",
                "configmap \"web-app-config-v2\" not found",
            ),
        ],
        &[
            &[
                r#"patch deployment web-app -n frontend --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/envFrom/0/configMapRef/name","value":"web-app-config"}]'"#,
            ],
            &[&patch_container(
                "deployment",
                "web-app",
                "frontend",
                "web-app",
                r#""envFrom":[{"configMapRef":{"name":"web-app-config"}}]"#,
            )],
        ],
    );
}

/// checkout reads its upstream from a ConfigMap at start: after the value is fixed, only a
/// restart picks it up.
#[test]
fn wrong_configmap_value() {
    let fixed = r#"patch configmap checkout-config -n storefront -p '{"data":{"DEPENDS_ON":"catalog.storefront.svc.cluster.local:80"}}'"#;
    check_in(
        storefront(),
        Mechanism::WrongConfigMapValue,
        &[
            ("get pods -n storefront", "0/1"),
            (
                "get configmap checkout-config -n storefront -o yaml",
                "catalog-v2.storefront",
            ),
            (
                "get events -n storefront",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
            ),
        ],
        &[
            &[fixed, "rollout restart deployment/checkout -n storefront"],
            &[
                r#"patch configmap checkout-config -n storefront --type json -p '[{"op":"replace","path":"/data/DEPENDS_ON","value":"catalog:80"}]'"#,
                "delete pod {pod} -n storefront",
            ],
        ],
    );
    // Fixing the value without a restart leaves the stuck pod on the old value.
    let mut c = storefront();
    let incident = Mechanism::WrongConfigMapValue
        .default_fault()
        .inject(&mut c)
        .unwrap();
    assert_eq!(kubectl(&mut c, fixed).exit_code, 0);
    c.advance(AFTER_FIX);
    assert!(!incident.grade(&c).resolved);
}

/// A worker whose DATABASE_URL moved into a ConfigMap with a wrong host: it crash-loops and
/// reads the value again at each restart.
#[test]
fn wrong_configmap_value_moved_from_a_literal() {
    let mut c = world();
    let incident = "wrong-configmap-value:payments/payment-worker"
        .parse::<gym::CatalogueFault>()
        .unwrap()
        .inject(&mut c)
        .unwrap();
    let out = kubectl(
        &mut c,
        "get configmap payment-worker-config -n payments -o yaml",
    );
    assert!(out.stdout.contains("db.payments.invalid"), "{}", out.stdout);
    assert!(!incident.grade(&c).resolved);
    for restart in [
        "rollout restart deployment/payment-worker -n payments",
        "delete pods -n payments -l app=payment-worker",
    ] {
        let mut f = c.clone();
        let patch = format!(
            r#"patch configmap payment-worker-config -n payments -p '{{"data":{{"DATABASE_URL":"{DB_URL}"}}}}'"#
        );
        assert_eq!(kubectl(&mut f, &patch).exit_code, 0);
        assert_eq!(kubectl(&mut f, restart).exit_code, 0, "{restart}");
        f.advance(AFTER_FIX);
        let grade = incident.grade(&f);
        assert!(grade.resolved, "{grade:#?}");
    }
    hacks_fail(Mechanism::WrongConfigMapValue, &incident, &c);
}

#[test]
fn missing_secret_key() {
    check(
        Mechanism::MissingSecretKey,
        &[
            ("get pods -n payments", "CreateContainerConfigError"),
            (
                "get events -n payments",
                "couldn't find key DB_PASSWORD in Secret payments/payment-db-credentials",
            ),
        ],
        &[
            &[
                r#"patch secret payment-db-credentials -n payments -p '{"stringData":{"DB_PASSWORD":"payments_pass"}}'"#,
            ],
            &[
                r#"patch deployment payment-worker -n payments --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef/key","value":"POSTGRES_PASSWORD"}]'"#,
            ],
        ],
    );
}

#[test]
fn liveness_wrong_path() {
    check(
        Mechanism::LivenessWrongPath,
        &[(
            "get events -n auth",
            "Liveness probe failed: HTTP probe failed with statuscode: 404",
        )],
        &[
            &[&patch_container(
                "deployment",
                "auth-service",
                "auth",
                "auth-service",
                r#""livenessProbe":{"httpGet":{"path":"/"}}"#,
            )],
            &[
                r#"patch deployment auth-service -n auth --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/livenessProbe/httpGet/path","value":"/index.html"}]'"#,
            ],
        ],
    );
}

#[test]
fn liveness_wrong_port() {
    check(
        Mechanism::LivenessWrongPort,
        &[(
            "get events -n payments",
            "Liveness probe failed: Get \"http://",
        )],
        &[
            &[&patch_container(
                "deployment",
                "payment-gateway",
                "payments",
                "payment-gateway",
                r#""livenessProbe":{"httpGet":{"port":80}}"#,
            )],
            &[
                r#"patch deployment payment-gateway -n payments --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/livenessProbe/httpGet/port","value":"http"}]'"#,
            ],
        ],
    );
}

#[test]
fn readiness_wrong_port() {
    check(
        Mechanism::ReadinessWrongPort,
        &[("get events -n payments", "Readiness probe failed")],
        &[
            &[&patch_container(
                "deployment",
                "payment-api",
                "payments",
                "payment-api",
                r#""readinessProbe":{"httpGet":{"port":8080}}"#,
            )],
            &[
                r#"patch deployment payment-api -n payments --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/port","value":"http"}]'"#,
            ],
        ],
    );
}

#[test]
fn aggressive_liveness() {
    check(
        Mechanism::AggressiveLiveness,
        &[(
            "get events -n payments",
            "Liveness probe failed: /var/run/postgresql:5432 - no response",
        )],
        // A StatefulSet does not replace a pod that never became ready under the bad template:
        // after fixing the template the pod is deleted by hand, as in Kubernetes' "forced
        // rollback".
        &[
            &[
                &patch_container(
                    "statefulset",
                    "payment-db",
                    "payments",
                    "postgres",
                    r#""livenessProbe":{"initialDelaySeconds":15,"periodSeconds":10,"failureThreshold":3}"#,
                ),
                "delete pod payment-db-0 -n payments",
            ],
            &[
                r#"patch statefulset payment-db -n payments --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/livenessProbe/initialDelaySeconds","value":30}]'"#,
                "delete pod payment-db-0 -n payments",
            ],
        ],
    );
}

#[test]
fn scaled_to_zero() {
    check(
        Mechanism::ScaledToZero,
        &[
            ("get deployment payment-gateway -n payments", "0/0"),
            ("get endpoints payment-gateway -n payments", "<none>"),
        ],
        &[
            &["scale deployment payment-gateway -n payments --replicas=2"],
            &[r#"patch deployment payment-gateway -n payments -p '{"spec":{"replicas":3}}'"#],
        ],
    );
}

#[test]
fn unsatisfiable_node_selector() {
    check(
        Mechanism::UnsatisfiableNodeSelector,
        &[
            ("get pods -n frontend", "Pending"),
            (
                "get events -n frontend",
                "didn't match Pod's node affinity/selector",
            ),
        ],
        &[
            &[
                r#"patch deployment web-app -n frontend --type json -p '[{"op":"remove","path":"/spec/template/spec/nodeSelector"}]'"#,
            ],
            &[
                r#"patch deployment web-app -n frontend -p '{"spec":{"template":{"spec":{"nodeSelector":null}}}}'"#,
            ],
        ],
    );
}

#[test]
fn oversized_requests() {
    check(
        Mechanism::OversizedRequests,
        &[
            ("get pods -n payments", "Pending"),
            ("get events -n payments", "Insufficient cpu"),
        ],
        &[
            &[
                "set resources deployment/payment-api -n payments --requests=cpu=50m --limits=cpu=200m",
            ],
            &[&patch_container(
                "deployment",
                "payment-api",
                "payments",
                "payment-api",
                r#""resources":{"requests":{"cpu":"100m"},"limits":{"cpu":"500m"}}"#,
            )],
        ],
    );
}

#[test]
fn cordoned_and_drained() {
    let uncordon: Vec<String> = NODES
        .iter()
        .map(|n| format!(r#"patch node {n} -p '{{"spec":{{"unschedulable":false}}}}'"#))
        .collect();
    let remove: Vec<String> = NODES
        .iter()
        .map(|n| {
            format!(r#"patch node {n} --type json -p '[{{"op":"remove","path":"/spec/unschedulable"}}]'"#)
        })
        .collect();
    check(
        Mechanism::CordonedAndDrained,
        &[
            ("get pods -n auth", "Pending"),
            ("get nodes", "SchedulingDisabled"),
        ],
        &[
            &uncordon.iter().map(String::as_str).collect::<Vec<_>>(),
            // Uncordoning one node is enough for the workload.
            &[remove[1].as_str()],
        ],
    );
}

#[test]
fn untolerated_taint() {
    let untaint: Vec<String> = NODES
        .iter()
        .map(|n| {
            format!(r#"patch node {n} --type json -p '[{{"op":"remove","path":"/spec/taints"}}]'"#)
        })
        .collect();
    check(
        Mechanism::UntoleratedTaint,
        &[
            ("get pods -n frontend", "Pending"),
            (
                "get events -n frontend",
                "untolerated taint {dedicated: batch}",
            ),
        ],
        &[
            &untaint.iter().map(String::as_str).collect::<Vec<_>>(),
            &[
                r#"patch deployment web-app -n frontend -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"batch","effect":"NoSchedule"}]}}}}'"#,
            ],
        ],
    );
}

#[test]
fn exhausted_quota() {
    check(
        Mechanism::ExhaustedQuota,
        &[
            ("get events -n payments", "exceeded quota"),
            ("get deployment payment-gateway -n payments", "1/2"),
        ],
        &[
            &["delete resourcequota payments-quota -n payments"],
            &[
                r#"patch resourcequota payments-quota -n payments -p '{"spec":{"hard":{"pods":"10"}}}'"#,
            ],
        ],
    );
}

#[test]
fn selector_matches_nothing() {
    check(
        Mechanism::SelectorMatchesNothing,
        &[
            ("get endpoints payment-api -n payments", "<none>"),
            (
                "get service payment-api -n payments -o wide",
                "app=payment-api-v2",
            ),
        ],
        &[
            &[
                r#"patch service payment-api -n payments -p '{"spec":{"selector":{"app":"payment-api"}}}'"#,
            ],
            &[
                r#"patch service payment-api -n payments --type json -p '[{"op":"replace","path":"/spec/selector","value":{"app":"payment-api"}}]'"#,
            ],
        ],
    );
}

#[test]
fn wrong_target_port() {
    check_in(
        storefront(),
        Mechanism::WrongTargetPort,
        &[
            ("get pods -n storefront", "0/1"),
            (
                "get events -n storefront",
                "Readiness probe failed: HTTP probe failed with statuscode: 503",
            ),
            ("get endpoints catalog -n storefront", ":8081"),
        ],
        &[
            &[
                r#"patch service catalog -n storefront -p '{"spec":{"ports":[{"port":80,"targetPort":8080}]}}'"#,
            ],
            &[
                r#"patch service catalog -n storefront --type json -p '[{"op":"replace","path":"/spec/ports/0/targetPort","value":"http"}]'"#,
            ],
        ],
    );
}

#[test]
fn rotated_db_credentials() {
    let new = gym::catalogue::ROTATED_PASSWORD;
    check_in(
        storefront(),
        Mechanism::RotatedDbCredentials,
        &[
            ("get pods -n storefront", "0/1"),
            (
                "logs {pod} -n storefront",
                r#"password authentication failed for user \"payments_user\""#,
            ),
        ],
        &[
            &[
                &format!(
                    r#"patch secret orders-db -n storefront -p '{{"stringData":{{"password":"{new}"}}}}'"#
                ),
                "rollout restart deployment/orders -n storefront",
            ],
            &[&format!(
                "set env deployment/orders -n storefront DB_PASSWORD={new}"
            )],
            &[
                r#"patch secret payment-db-credentials -n payments -p '{"stringData":{"POSTGRES_PASSWORD":"payments_pass"}}'"#,
                "delete pod payment-db-0 -n payments",
            ],
        ],
    );
}

#[test]
fn network_policy_cuts_dependency() {
    check(
        Mechanism::NetworkPolicyCutsDependency,
        &[
            ("get pods -n payments", "CrashLoopBackOff"),
            ("logs {pod} -n payments --previous", "nc: timeout"),
            ("get networkpolicy -n payments", "payment-db-ingress"),
        ],
        &[
            &["delete networkpolicy payment-db-ingress -n payments"],
            &[
                r#"patch networkpolicy payment-db-ingress -n payments --type json -p '[{"op":"add","path":"/spec/ingress/0/from/-","value":{"podSelector":{"matchLabels":{"app":"payment-worker"}}}}]'"#,
            ],
        ],
    );
}

#[test]
fn bad_rollout() {
    check(
        Mechanism::BadRollout,
        &[
            (
                "get events -n frontend",
                "Liveness probe failed: HTTP probe failed with statuscode: 404",
            ),
            ("get deployment web-app -n frontend -o yaml", "release 2.0"),
        ],
        &[
            &[
                "set image deployment/web-app -n frontend web-app=nginx:1.25",
                &patch_container(
                    "deployment",
                    "web-app",
                    "frontend",
                    "web-app",
                    r#""livenessProbe":{"httpGet":{"path":"/"}}"#,
                ),
            ],
            &[
                r#"patch deployment web-app -n frontend --type json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"nginx:1.25"},{"op":"replace","path":"/spec/template/spec/containers/0/livenessProbe/httpGet/path","value":"/"}]'"#,
            ],
            &["rollout undo deployment/web-app -n frontend"],
        ],
    );
}

#[test]
fn dependency_scaled_down() {
    check(
        Mechanism::DependencyScaledDown,
        &[
            ("get pods -n payments", "CrashLoopBackOff"),
            (
                "logs {pod} -n payments --previous",
                "bad address 'payment-db.payments.svc.cluster.local'",
            ),
            ("get statefulset payment-db -n payments", "0/0"),
        ],
        &[
            &["scale statefulset payment-db -n payments --replicas=1"],
            &[r#"patch statefulset payment-db -n payments -p '{"spec":{"replicas":1}}'"#],
        ],
    );
}

#[test]
fn missing_storage_class() {
    check(
        Mechanism::MissingStorageClass,
        &[
            ("get pvc -n payments", "Pending"),
            (
                "get events -n payments",
                "storageclass.storage.k8s.io \"standard-rwo\" not found",
            ),
        ],
        &[
            &["apply -f - <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard-rwo
provisioner: pd.csi.storage.gke.io
volumeBindingMode: Immediate
EOF"],
            &[
                r#"echo '{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"standard-rwo"},"provisioner":"pd.csi.storage.gke.io","volumeBindingMode":"WaitForFirstConsumer"}' | kubectl create -f -"#,
            ],
        ],
    );
}

#[test]
fn every_mechanism_has_a_test_here() {
    let source = include_str!("catalogue.rs");
    for info in gym::CATALOGUE {
        let test = format!("fn {}()", info.name.replace('-', "_"));
        assert!(source.contains(&test), "no test {test} for {}", info.name);
    }
}
