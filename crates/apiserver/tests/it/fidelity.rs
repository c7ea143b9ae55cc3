//! The in-process kubectl against the real one: the same command over the same cluster state
//! (the real binary through the API server, with the clock frozen) must print the same bytes
//! on stdout and stderr and exit with the same code.

use crate::common;

use std::time::Duration;

use cluster::Cluster;
use common::fidelity::{check_in_sequence, check_over_states};

/// `kubectl get` forms over every kind, output format and flag the in-process kubectl supports,
/// `kubectl logs` and `kubectl top`.
const GET_CORPUS: &[&str] = &[
    "get pods",
    "get pods -A",
    "get po -n payments",
    "get pods -npayments -o wide",
    "get pods --namespace=frontend --show-labels",
    "get pods -n frontend -L app",
    "get pods -n payments --no-headers",
    "get pods -A -o wide",
    "get deploy -n payments",
    "get deployments.apps -A",
    "get deploy,svc -n payments",
    "get svc -A",
    "get rs -n frontend",
    "get rs -n frontend -o wide",
    "get sts -A",
    "get ep -n payments",
    "get ns",
    "get nodes",
    "get nodes -o wide",
    "get no --show-labels",
    "get cm -n payments",
    "get secrets -n payments",
    "get sa -n auth",
    "get pvc -A",
    "get sc",
    "get quota -A",
    "get hpa -A",
    "get netpol -A",
    "get all -n payments",
    "get all -n frontend",
    "get pods -l app=web-app -n frontend",
    "get pods -n payments -l 'app in (payment-api,payment-db)'",
    "get pods -n payments --field-selector=status.phase=Running",
    "get pod payment-db-0 -n payments",
    "get pod ghost -n payments",
    "get deploy/web-app -n frontend",
    "get deploy web-app ghost -n frontend",
    "get foos",
    "get pods -n nonexistent",
    "get pods -o name -n payments",
    "get deploy,svc -n auth -o name",
    "get nodes -o name",
    "get pods -n payments -o json",
    "get deploy web-app -n frontend -o yaml",
    "get svc payment-db -n payments -o json",
    "get ns payments -o yaml",
    "get events -n kube-system --field-selector=reason=Scheduled",
    "get deploy -n payments --show-kind",
    "get pods -A --sort-by=.metadata.name",
    // More than twelve ties: Go's unstable sort decides their order.
    "get pods -A --sort-by=.status.phase",
    "get pods -A --sort-by=.spec.nodeName -o wide",
    "get events -A --sort-by=.type",
    "get pods -n payments --sort-by=.status.podIP -o wide",
    "get deploy -A --sort-by=.spec.replicas",
    "get pod ghost -n payments --ignore-not-found",
    "get pods -n payments -o jsonpath={.items[*].metadata.name}",
    "get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{\"\\n\"}{end}'",
    "get pod payment-db-0 -n payments -o jsonpath={.status.phase}",
    "get deploy web-app -n frontend -o jsonpath='{.spec.template.spec.containers[0].image}'",
    "get pods -n payments -o jsonpath='{.items[?(@.status.phase==\"Running\")].metadata.name}'",
    "get nodes -o jsonpath='{.items[*].status.addresses[?(@.type==\"InternalIP\")].address}'",
    "get svc -n payments -o jsonpath='{..clusterIP}'",
    "get pods -n kube-system -o wide",
    "get pods -n auth --show-labels --no-headers",
    "get svc -n kube-system -o wide",
    "get deploy -A -o wide",
    "get sts -n auth -o wide",
    "get ep -A",
    "get ns -o name",
    "get nodes -L topology.kubernetes.io/zone",
    "get pods -A -l app",
    "get pods -A --field-selector=metadata.namespace=auth",
    "logs payment-db-0 -n payments",
    "logs payment-db-0 -n payments --tail=3",
    "logs pod/auth-db-0 -n auth -c postgres",
    "logs auth-db-0 -n auth --timestamps --tail 2",
    "logs payment-db-0 -n payments --previous",
    "logs ghost -n payments",
    "logs payment-db-0 -n payments -c nginx",
    "top pods -n payments",
    "top pods -A",
    "top pod payment-db-0 -n payments",
    "top pods -n frontend -l app=web-app",
    "top nodes",
    "version",
    "version --client",
    "version -o json",
    "top node gke-sre-gym-default-pool-6f8e2a1c-4kqz",
];

#[test]
fn get_prints_what_the_real_kubectl_prints() {
    let checked = check_over_states(GET_CORPUS);
    assert!(checked >= GET_CORPUS.len() * 6, "{checked} comparisons");
}

/// Mutations, in order: each prints what the real kubectl prints, and afterwards both clusters
/// read back the same.
const MUTATION_CORPUS: &[&str] = &[
    "scale deployment payment-gateway --replicas=3 -n payments",
    "scale deploy/payment-api --replicas 2 -n payments",
    "scale deployment ghost --replicas=1 -n payments",
    "label deployment payment-api tier=backend -n payments",
    "label deployment payment-api tier=frontend -n payments",
    "label deployment payment-api tier=frontend --overwrite -n payments",
    "label deployment payment-api tier- -n payments",
    "annotate deployment payment-api owner=sre -n payments",
    "patch deployment payment-gateway -n payments -p '{\"metadata\":{\"labels\":{\"team\":\"pay\"}}}'",
    "patch deployment payment-gateway -n payments --type=merge -p '{\"metadata\":{\"labels\":{\"team\":\"pay\"}}}'",
    "patch deployment payment-gateway -n payments --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/labels/team\"}]'",
    "patch deployment payment-gateway -n payments --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/labels/nope\"}]'",
    "set image deployment/payment-gateway payment-gateway=nginx:1.26 -n payments",
    "set image deployment/payment-gateway payment-gateway=nginx:1.26 -n payments",
    "set image deployment/payment-gateway nginx=nginx:1.27 -n payments",
    "set resources deployment/payment-api --limits=memory=300Mi -n payments",
    "set resources deployment/payment-api -c=payment-api --limits=cpu=300m,memory=300Mi --requests=memory=100Mi -n payments",
    "set env deployment/payment-api LOG_LEVEL=debug -n payments",
    "set env deployment/payment-api LOG_LEVEL=info MODE=fast -n payments",
    "set env deployment/payment-api LOG_LEVEL- MODE- -n payments",
    "delete pod payment-db-0 -n payments --dry-run=server",
    "delete pod ghost -n payments",
    "delete pods -l app=payment-api -n payments --dry-run=server",
    "delete pods -l app=nothing -n payments",
    "delete pods -n payments",
    "delete pod payment-db-0 -l app=payment-db -n payments",
    "delete pods --all -n frontend --dry-run=server",
    "delete svc,cm -l app=payment-api -n payments --dry-run=server",
    // Selectors and --all on the verbs that change objects in place.
    "label pods -l app=payment-api triage=true -n payments",
    "label pods -l app=nothing triage=true -n payments",
    "label pods triage=true -n payments",
    "annotate pods -l app=nothing owner=sre -n payments",
    "scale deploy -l app=nothing --replicas=1 -n payments",
    "set env deploy -l app=nothing LOG_FORMAT=json -n payments",
    "set image deploy -l app=nothing app=nginx:1.27 -n payments",
    "set resources deploy -l app=nothing --limits=memory=1Gi -n payments",
    "label pods -A -l app=web-app zone=a",
    "annotate deploy --all owner=sre -n auth",
    "scale deploy -l app=payment-gateway --replicas=2 -n payments",
    "set env deploy --all LOG_FORMAT=json -n auth",
    "get deploy -n payments",
    "get deploy payment-api payment-gateway -n payments -o yaml",
    // The controllers reacted to the writes on both sides: new ReplicaSets and pods.
    "get rs -n payments",
    "get pods -n payments -o wide",
    // Last: the real kubectl stamps `restartedAt` with its own wall clock, the in-process one
    // with simulated time, so the restarted template (and its hash) differs from here on.
    "rollout restart deployment/payment-worker -n payments",
];

#[test]
fn mutations_print_what_the_real_kubectl_prints() {
    let mut cluster = Cluster::baseline(2);
    cluster.advance(Duration::from_secs(60));
    check_in_sequence(cluster, MUTATION_CORPUS);
}
