//! `kubectl explain` in process against the real kubectl 1.33 reading the API server's
//! `/openapi/v3` documents: the same bytes on stdout and stderr, the same exit code.
//!
//! Explain reads only the OpenAPI documents and discovery, never the cluster's objects, so one
//! cluster state is enough: the corpus runs once with `check_in_sequence` rather than over the
//! ten states.

use crate::common;

use cluster::Cluster;
use common::fidelity::check_in_sequence;

const EXPLAIN_CORPUS: &[&str] = &[
    // Resources, by plural, singular, short name and group-qualified name.
    "explain pods",
    "explain pod",
    "explain po",
    "explain Pods",
    "explain deployments",
    "explain deployment.apps",
    "explain rs",
    "explain sts",
    "explain svc",
    "explain ep",
    "explain nodes",
    "explain ns",
    "explain cm",
    "explain secrets",
    "explain sa",
    "explain pvc",
    "explain quota",
    "explain ev",
    "explain sc",
    "explain netpol",
    "explain hpa",
    // Fields: objects, arrays of objects, maps, primitives, quantities, int-or-string.
    "explain deployment.spec",
    "explain deployments.apps.spec.strategy",
    "explain pod.spec.containers.livenessProbe",
    "explain pods.spec.containers",
    "explain pods.spec.containers.resources",
    "explain pods.spec.containers.resources.limits",
    "explain pods.spec.containers.ports.containerPort",
    "explain pods.spec.containers.livenessProbe.httpGet.port",
    "explain pods.spec.nodeSelector",
    "explain pods.metadata",
    "explain pods.metadata.labels",
    "explain pods.metadata.creationTimestamp",
    "explain pods.status.conditions",
    "explain svc.spec.ports",
    "explain nodes.status",
    "explain secrets.data",
    "explain hpa.spec.metrics.resource.target.averageUtilization",
    "explain netpol.spec.ingress",
    "explain pvc.spec.resources",
    "explain quota.spec",
    "explain sts.spec.volumeClaimTemplates",
    "explain ep.subsets",
    "explain pods.",
    // --recursive and --api-version.
    "explain pods --recursive",
    "explain deploy --recursive",
    "explain pods.spec.containers.livenessProbe --recursive",
    "explain svc --recursive=false",
    "explain deployments --api-version=apps/v1",
    "explain hpa.spec --api-version=autoscaling/v2",
    "explain --api-version=v1 cm",
    // Errors: unknown resources and fields, wrong versions and formats.
    "explain foo",
    "explain all",
    "explain",
    "explain pods svc",
    "explain pods.spec.foo",
    "explain pods.foo.bar",
    "explain Pods.Spec",
    "explain deploy.apps.spec",
    "explain pods.metrics.k8s.io",
    "explain podmetrics",
    "explain deployments --api-version=apps/v2",
    "explain pods --api-version=apps/v1",
    "explain deploy --api-version=v1",
    "explain pods --api-version=a/b/c",
    "explain deployments.apps --api-version=apps/v1",
    "explain pods --output=yaml",
    "explain pods.spec.containers[0]",
    "explain po.spec.containers[*].image",
    "explain pods[0]",
    "explain foo[0]",
    "explain pods.spec.containers[0] --api-version=v1",
    "explain pods.spec.containers.image[",
    "explain pods -o yaml",
    "explain pods --output=plaintext",
    "explain pods --output=",
    "explain --help",
    "explain pods -h",
    "explain pods --output=yaml --api-version=apps/v9",
    // The v2 renderer needs `/openapi/v2`, which the server leaves unserved (kubectl 1.33 only
    // reads it on request or when v3 is missing).
    "explain pods --output=plaintext-openapiv2",
    "explain foo --output=plaintext-openapiv2",
    "explain deploy --output=plaintext-openapiv2 --api-version=a/b/c",
    // More recursive trees.
    "explain sts --recursive",
    "explain hpa --recursive",
    "explain netpol.spec --recursive",
    "explain nodes.status --recursive",
];

/// `kubectl patch` with a field the schema does not declare: the server's default
/// `fieldValidation=Warn` makes kubectl print a warning, in process too.
const PATCH_CORPUS: &[&str] = &[
    r#"patch deployment payment-api -n payments -p '{"spec":{"replica":2}}'"#,
    r#"patch deployment payment-api -n payments --type=merge -p '{"spec":{"template":{"spec":{"containers":[{"name":"payment-api","imagePullPolice":"Always"}]}}}}'"#,
    r#"patch svc payment-api -n payments -p '{"metadata":{"labelz":{"a":"b"}}}'"#,
];

#[test]
fn explain_prints_what_the_real_kubectl_prints() {
    check_in_sequence(Cluster::baseline(1), EXPLAIN_CORPUS);
}

#[test]
fn patch_warns_about_unknown_fields_as_the_real_kubectl_shows() {
    check_in_sequence(Cluster::baseline(1), PATCH_CORPUS);
}
