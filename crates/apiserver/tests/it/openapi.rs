//! The real kubectl 1.33 against the served OpenAPI v3 documents: the index and the documents it
//! names, `create`/`apply` validating server-side without `--validate=false`, and
//! `fieldValidation` Strict, Warn and Ignore on unknown fields.

use crate::common;

use apiserver::ClockMode;
use cluster::Cluster;
use std::process::Command;

use common::{Server, TOKEN};
use serde_json::Value;

const UNKNOWN_FIELDS: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
  namespace: default
data:
  a: b
foo: bar
spec:
  x: 1
";

const DEPLOYMENT_WITH_A_TYPO: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: {app: typo}
  template:
    metadata:
      labels: {app: typo}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        imagePullPolice: Always
";

fn server() -> Server {
    Server::start(Cluster::baseline(1), 33, ClockMode::Frozen)
}

fn write(server: &Server, name: &str, text: &str) -> String {
    let path = server.dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn the_index_names_a_document_per_group_version_that_kubectl_reads() {
    let s = server();
    let index: Value = serde_json::from_str(&s.ok(&["get", "--raw", "/openapi/v3"])).unwrap();
    for path in [
        "api/v1",
        "apis/apps/v1",
        "apis/autoscaling/v2",
        "apis/networking.k8s.io/v1",
    ] {
        let url = index["paths"][path]["serverRelativeURL"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("/openapi/v3/{path}?hash=")),
            "{url}"
        );
        let doc: Value = serde_json::from_str(&s.ok(&["get", "--raw", url])).unwrap();
        assert!(
            doc["components"]["schemas"].as_object().unwrap().len() > 10,
            "{path}"
        );
    }
    let out = s.ok(&["explain", "deployment.spec.replicas"]);
    assert!(out.starts_with("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: replicas <integer>\n"), "{out}");
}

#[test]
fn create_and_apply_validate_on_the_server_without_validate_false() {
    let s = server();
    let good = write(
        &s,
        "good.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n  namespace: default\ndata:\n  a: b\n",
    );
    assert_eq!(s.ok(&["apply", "-f", &good]), "configmap/fine created\n");
    assert_eq!(s.ok(&["apply", "-f", &good]), "configmap/fine unchanged\n");
}

#[test]
fn strict_validation_refuses_unknown_fields_and_creates_nothing() {
    let s = server();
    let file = write(&s, "unknown.yaml", UNKNOWN_FIELDS);
    let (out, err, code) = s.kubectl(&["create", "-f", &file]);
    assert_eq!((out.as_str(), code), ("", 1));
    assert_eq!(
        err,
        format!(
            "Error from server (BadRequest): error when creating \"{file}\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"foo\", unknown field \"spec\"\n"
        )
    );
    let (_, err, code) = s.kubectl(&["get", "configmap", "probe"]);
    assert_eq!(code, 1, "{err}");

    let typo = write(&s, "typo.yaml", DEPLOYMENT_WITH_A_TYPO);
    let (_, err, code) = s.kubectl(&["apply", "-f", &typo]);
    assert_eq!(code, 1);
    assert!(
        err.contains("strict decoding error: unknown field \"spec.template.spec.containers[0].imagePullPolice\""),
        "{err}"
    );
}

#[test]
fn warn_reports_unknown_fields_and_ignore_drops_them_silently() {
    let s = server();
    let file = write(&s, "unknown.yaml", UNKNOWN_FIELDS);
    let (out, err, code) = s.kubectl(&["create", "-f", &file, "--validate=warn"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "configmap/probe created\n");
    assert_eq!(
        err,
        "Warning: unknown field \"foo\"\nWarning: unknown field \"spec\"\n"
    );
    s.ok(&["delete", "configmap", "probe"]);
    let (out, err, code) = s.kubectl(&["create", "-f", &file, "--validate=false"]);
    assert_eq!(
        (out.as_str(), err.as_str(), code),
        ("configmap/probe created\n", "", 0)
    );
    let data = s.ok(&["get", "configmap", "probe", "-o", "jsonpath={.data.a}"]);
    assert_eq!(data, "b");
}

#[test]
fn patch_warns_about_unknown_fields_by_default() {
    let s = server();
    let (out, err, code) = s.kubectl(&[
        "patch",
        "deployment",
        "payment-api",
        "-n",
        "payments",
        "-p",
        r#"{"spec":{"replica":2}}"#,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "deployment.apps/payment-api patched (no change)\n");
    assert_eq!(err, "Warning: unknown field \"spec.replica\"\n");
}

/// kubectl's `patch` has no `--validate`; the strict answer is asked for directly.
#[test]
fn a_strict_strategic_merge_patch_with_an_unknown_field_is_invalid() {
    let s = server();
    let url = format!(
        "https://{}/apis/apps/v1/namespaces/payments/deployments/payment-api?fieldValidation=Strict",
        s.addr
    );
    let out = Command::new("curl")
        .args(["-sk", "-X", "PATCH", "-H"])
        .arg(format!("Authorization: Bearer {TOKEN}"))
        .args([
            "-H",
            "Content-Type: application/strategic-merge-patch+json",
            "--data",
            r#"{"spec":{"replica":2,"paused":false}}"#,
            &url,
        ])
        .output()
        .expect("curl runs");
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["code"], 422, "{status}");
    assert_eq!(
        status["message"],
        " \"\" is invalid: patch: Invalid value: \"map[spec:map[paused:false replica:2]]\": strict decoding error: unknown field \"spec.replica\""
    );
    assert_eq!(status["details"]["causes"][0]["field"], "patch");
}
