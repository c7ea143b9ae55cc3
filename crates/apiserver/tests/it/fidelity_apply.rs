//! `apply`, `create -f`, `api-resources`, `api-versions`, `auth can-i`, `cluster-info`,
//! `-o custom-columns` and `version -o yaml`: the in-process kubectl against the real one.
//!
//! kubectl validates on the server (`--validate=strict`, its default, sends
//! `fieldValidation=Strict`), which reads our OpenAPI documents; the invalid manifests run with
//! `--validate=false` so that the checks after decoding show.
//!
//! Left out on purpose:
//! - YAML syntax errors: their text is go-yaml's, which the YAML parser here words differently;
//! - `create` with `generateName`: the generated suffix depends on the server's random state.

use crate::common;

use std::time::Duration;

use apiserver::ClockMode;
use cluster::Cluster;
use common::Server;
use common::fidelity::{check_over_states, compare, compare_with_stdin};

const INFO_CORPUS: &[&str] = &[
    "api-resources",
    "api-resources -o wide",
    "api-resources -o name",
    "api-resources --namespaced=false",
    "api-resources --namespaced=true --no-headers",
    "api-resources --api-group=apps",
    "api-resources --api-group=",
    "api-resources --api-group=authorization.k8s.io -o wide",
    "api-resources --verbs=list,get --sort-by=kind",
    "api-resources --verbs=create -o name",
    "api-resources --sort-by=name",
    "api-resources --categories=all",
    "api-resources -o json",
    "api-resources --sort-by=foo",
    "api-versions",
    "api-versions extra",
    "auth can-i get pods",
    "auth can-i get foos",
    "auth can-i list pods -n payments",
    "auth can-i get nodes",
    "auth can-i get nodes -A",
    "auth can-i frob pods",
    "auth can-i get pods/payment-db-0 -n payments",
    "auth can-i get pods --subresource=log",
    "auth can-i get /logs",
    "auth can-i frob /logs",
    "auth can-i get foos.bar",
    "auth can-i get deployments.extensions",
    "auth can-i get deploy.apps",
    "auth can-i create SelfSubjectAccessReview",
    "auth can-i get pods -q",
    "auth can-i '*' '*'",
    "auth can-i get pods --no-headers",
    "auth can-i get",
    "auth can-i --list",
    "auth can-i --list -n payments --no-headers",
    "version -o yaml",
    "version -o json",
    "get pods -n payments -o custom-columns=NAME:.metadata.name,IMAGES:.spec.containers[*].image,X:.foo",
    "get pods -A -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,RESTARTS:.status.containerStatuses[0].restartCount",
    "get deploy -n payments -o custom-columns=NAME:metadata.name,REPLICAS:{.spec.replicas},RES:.spec.template.spec.containers[0].resources",
    "get pods -n payments -o custom-columns=NAME:.metadata.name,LABELS:.metadata.labels,PORTS:.spec.containers[0].ports",
    "get pods,svc -n auth -o custom-columns=NAME:.metadata.name,KIND:.kind",
    "get pods -n nonexistent -o custom-columns=NAME:.metadata.name",
    "get pod ghost -n payments -o custom-columns=NAME:.metadata.name",
    "get deploy -n payments -o custom-columns=NAME:.metadata.name --no-headers",
    "get ns -o custom-columns=NAME:.metadata.name,STATUS:.status.phase",
    "get deploy -n payments -o custom-columns-file=columns.txt",
];

#[test]
fn informational_commands_print_what_the_real_kubectl_prints() {
    check_over_states(INFO_CORPUS);
}

/// `cluster-info` names the server's URL: the in-process kubectl names a fixed one.
#[test]
fn cluster_info_names_the_server() {
    let server = Server::start(Cluster::baseline(1), 33, ClockMode::Frozen);
    let (stdout, stderr, code) = server.kubectl(&["cluster-info"]);
    let mut local = Cluster::baseline(1);
    let ours = kubectl::exec::run(&mut local, "cluster-info");
    let real = stdout.replace(
        &format!("https://{}", server.addr),
        kubectl::info::SERVER_URL,
    );
    assert_eq!(
        (ours.stdout.as_str(), ours.stderr.as_str(), ours.exit_code),
        (real.as_str(), stderr.as_str(), code)
    );
}

/// One step: a command, and what its standard input holds.
type Step = (&'static str, Option<&'static str>);

fn check_steps(cluster: Cluster, steps: &[Step]) {
    let server = Server::start(cluster.clone(), 33, ClockMode::Frozen);
    let mut local = cluster;
    let differences: Vec<String> = steps
        .iter()
        .filter_map(|(command, stdin)| match stdin {
            Some(input) => compare_with_stdin(&server, &mut local, command, input),
            None => compare(&server, &mut local, command),
        })
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {} commands differ:\n\n{}",
        differences.len(),
        steps.len(),
        differences.join("\n")
    );
}

fn settled() -> Cluster {
    let mut cluster = Cluster::baseline(1);
    cluster.advance(Duration::from_secs(300));
    cluster
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: \"1\"\n";
const CM_CHANGED: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\n  labels:\n    tier: web\ndata:\n  a: \"2\"\n  b: \"3\"\n";
const CM_SHRUNK: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  b: \"3\"\n";
const CM_OTHER: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  x: y\n";

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: payments
  labels:
    app: hello
spec:
  replicas: 2
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
        env:
        - name: A
          value: \"1\"
        - name: B
          value: \"2\"
";

const DEPLOY_CHANGED: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  namespace: payments
  labels:
    app: hello
spec:
  replicas: 3
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
      - name: web
        image: nginx:1.26
        ports:
        - containerPort: 80
        env:
        - name: A
          value: \"1\"
";

const MULTI: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: staging
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: staging
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: hello
  namespace: staging
spec:
  selector:
    app: hello
  ports:
  - port: 80
    targetPort: 8080
";

const LIST: &str = "apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: l1
- apiVersion: v1
  kind: Secret
  metadata:
    name: l2
  stringData:
    k: v
";

const JSON_CM: &str =
    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j1"},"data":{"x":"<y>"}}"#;

#[test]
fn apply_creates_configures_and_leaves_unchanged_like_the_real_kubectl() {
    check_steps(
        settled(),
        &[
            ("apply -f -", Some(CM)),
            ("apply -f -", Some(CM)),
            ("get cm demo -o yaml", None),
            ("apply -f -", Some(CM_CHANGED)),
            ("get cm demo -o yaml", None),
            ("apply -f -", Some(CM_SHRUNK)),
            ("get cm demo -o yaml", None),
            ("apply -f - --dry-run=client", Some(CM)),
            ("apply -f - --dry-run=server", Some(CM)),
            ("apply -f - --dry-run=server", Some(CM_SHRUNK)),
            ("apply -f - --dry-run=client", Some(CM_OTHER)),
            ("apply -f - --dry-run=server", Some(CM_OTHER)),
            ("get cm other", None),
            ("apply -f - -o name", Some(CM_OTHER)),
            ("apply -f - -o yaml", Some(CM_OTHER)),
            ("apply -f - -o json", Some(CM)),
            ("apply -f - -n payments", Some(CM)),
            ("get cm -n payments demo -o json", None),
            ("apply -f -", Some(DEPLOY)),
            ("apply -f -", Some(DEPLOY)),
            ("get deploy hello -n payments -o yaml", None),
            ("apply -f -", Some(DEPLOY_CHANGED)),
            ("get deploy hello -n payments -o yaml", None),
            ("get pods -n payments -l app=hello", None),
            ("apply -f -", Some(MULTI)),
            ("apply -f -", Some(MULTI)),
            ("apply -f - -o yaml", Some(MULTI)),
            ("get svc,cm -n staging", None),
            // kubectl validates a `List` on the client, from `/openapi/v2`, which the API server
            // does not serve (the in-process kubectl accepts it, as a real cluster does).
            ("apply --validate=false -f -", Some(LIST)),
            ("apply -f - -n payments", Some(JSON_CM)),
            ("get cm j1 -n payments -o yaml", None),
        ],
    );
}

const NO_KIND: &str = "apiVersion: v1\nmetadata:\n  name: x\n";
const UNKNOWN_KIND: &str = "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n";
const WRONG_VERSION: &str = "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: x\n";
const NO_NAMESPACE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nope\n";
const IN_AUTH: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: auth\n";
const GENERATED: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: x-\n";
const BAD_NAME: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n";
const UNNAMED: &str = "apiVersion: v1\nkind: ConfigMap\n";
const TWO_BAD: &str = "apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nope\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n";
const BOOL_NAMES: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: nope\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n";
const TWO_FINE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: q1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: q2\n";
const BAD_DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: broken
spec:
  selector:
    matchLabels:
      app: a
  template:
    metadata:
      labels:
        app: b
    spec:
      containers:
      - name: c
        image: nginx
";

#[test]
fn invalid_manifests_get_the_real_kubectls_errors() {
    check_steps(
        settled(),
        &[
            ("apply --validate=false -f -", Some(NO_KIND)),
            ("apply --validate=false -f -", Some(UNKNOWN_KIND)),
            ("apply --validate=false -f -", Some(WRONG_VERSION)),
            ("apply --validate=false -f -", Some("")),
            ("create --validate=false -f -", Some("")),
            ("apply --validate=false -f -", Some(NO_NAMESPACE)),
            ("apply --validate=false -f - -n payments", Some(IN_AUTH)),
            ("apply --validate=false -f -", Some(GENERATED)),
            ("apply --validate=false -f -", Some(BAD_NAME)),
            ("apply --validate=false -f -", Some(UNNAMED)),
            ("apply --validate=false -f -", Some(TWO_BAD)),
            ("apply --validate=false -f -", Some(BAD_DEPLOY)),
            ("create --validate=false -f -", Some(BAD_DEPLOY)),
            ("apply --validate=false -f -", Some(BOOL_NAMES)),
            ("apply --validate=false -f - -o wide", Some(CM)),
            ("apply --validate=false -f - -o foo", Some(TWO_FINE)),
            ("get cm", None),
        ],
    );
}

/// A manifest with fields the schema does not declare.
const UNDECLARED: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
  bogus: 1
data:
  a: \"1\"
foo: bar
";

const DECLARED: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: probe
data:
  a: \"1\"
";

#[test]
fn undeclared_fields_are_refused_warned_about_or_ignored_like_the_real_kubectl() {
    check_steps(
        settled(),
        &[
            ("apply -f -", Some(UNDECLARED)),
            ("create -f -", Some(UNDECLARED)),
            (
                "apply --validate=strict -f - --dry-run=server",
                Some(UNDECLARED),
            ),
            ("apply --validate=warn -f -", Some(UNDECLARED)),
            ("get cm probe -o yaml", None),
            ("delete cm probe", None),
            ("create --validate=ignore -f -", Some(UNDECLARED)),
            ("create --validate=warn -f -", Some(UNDECLARED)),
            ("delete cm probe", None),
            ("apply -f -", Some(DECLARED)),
            // Over an existing object the patch is refused, shown as Go prints a map.
            ("apply -f -", Some(UNDECLARED)),
            ("apply --validate=true -f -", Some(UNDECLARED)),
            ("apply --validate=warn -f -", Some(UNDECLARED)),
            ("apply --validate=false -f -", Some(UNDECLARED)),
            ("get cm probe -o json", None),
            ("patch cm probe -p '{\"extra\":1}'", None),
        ],
    );
}

#[test]
fn create_from_a_manifest_prints_what_the_real_kubectl_prints() {
    check_steps(
        settled(),
        &[
            ("create -f -", Some(CM)),
            ("create -f -", Some(CM)),
            ("create -f - --dry-run=client", Some(CM)),
            ("create -f - --dry-run=server", Some(CM_OTHER)),
            ("create -f - --dry-run=client -o yaml", Some(CM_OTHER)),
            ("create -f - -o name", Some(CM_OTHER)),
            ("create -f - -o yaml", Some(MULTI)),
            ("create -f - -n payments --save-config", Some(CM)),
            ("get cm demo -n payments -o yaml", None),
            ("apply -f - -n payments", Some(CM_CHANGED)),
            ("create -f -", Some(DEPLOY)),
            ("apply -f -", Some(DEPLOY)),
            ("apply -f -", Some(DEPLOY_CHANGED)),
            ("get deploy hello -n payments -o yaml", None),
            ("get cm", None),
        ],
    );
}

const WEB_APP: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-app
  namespace: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-app
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
  template:
    metadata:
      labels:
        app: web-app
        app.kubernetes.io/part-of: kube-sre-gym
    spec:
      containers:
      - name: web-app
        image: nginx:1.26
        ports:
        - containerPort: 80
          name: http
";

const WEB_APP_RECREATE: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-app
  namespace: frontend
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web-app
  strategy:
    type: Recreate
  template:
    metadata:
      labels:
        app: web-app
        app.kubernetes.io/part-of: kube-sre-gym
    spec:
      containers:
      - name: web-app
        image: nginx:1.26
        ports:
        - containerPort: 80
          name: http
        env:
        - name: MODE
          value: fast
";

const WEB_SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web-app
  namespace: frontend
  annotations:
    team: web
spec:
  selector:
    app: web-app
  ports:
  - name: http
    port: 80
    targetPort: 80
  - name: metrics
    port: 9090
    targetPort: 9090
";

/// Objects the baseline created without kubectl carry no annotation: kubectl warns and adds it,
/// and later applies merge with what the cluster defaulted.
#[test]
fn applying_over_objects_not_created_by_apply_warns_and_merges() {
    check_steps(
        settled(),
        &[
            ("apply -f -", Some(WEB_APP)),
            ("get deploy web-app -n frontend -o yaml", None),
            ("apply -f -", Some(WEB_APP)),
            (
                "apply -f - --dry-run=server -o yaml",
                Some(WEB_APP_RECREATE),
            ),
            ("apply -f -", Some(WEB_APP_RECREATE)),
            ("get deploy web-app -n frontend -o yaml", None),
            ("apply -f -", Some(WEB_APP)),
            ("get deploy web-app -n frontend -o yaml", None),
            ("get rs -n frontend", None),
            ("apply -f -", Some(WEB_SERVICE)),
            ("get svc web-app -n frontend -o yaml", None),
            ("apply -f -", Some(WEB_SERVICE)),
        ],
    );
}

/// The imperative `create` forms, as client dry runs: kubectl builds the object itself.
#[test]
fn imperative_create_dry_runs_print_what_the_real_kubectl_prints() {
    check_steps(
        settled(),
        &[
            ("create namespace foo --dry-run=client -o yaml", None),
            ("create namespace foo --dry-run=client -o json", None),
            ("create namespace foo --dry-run=client", None),
            ("create ns foo --dry-run=client -o name", None),
            (
                "create configmap c1 --from-literal=a=b --from-literal=c=d -n payments --dry-run=client -o yaml",
                None,
            ),
            (
                "create configmap c1 --from-literal=a=b --dry-run=client -o json",
                None,
            ),
            ("create configmap c2 --dry-run=client -o name", None),
            ("create cm c3 --from-literal=k=v --dry-run=client", None),
            (
                "create secret generic s1 --from-literal=a=b --type=Opaque --dry-run=client -o yaml",
                None,
            ),
            (
                "create secret generic s1 --from-literal=a=b -o json --dry-run=client --type=foo",
                None,
            ),
            ("create secret generic s2 --dry-run=client -o yaml", None),
            (
                "create configmap c1 --from-literal=a --dry-run=client",
                None,
            ),
            (
                "create configmap c1 --from-literal==b --dry-run=client",
                None,
            ),
            (
                "create configmap c1 --from-literal=a=b --from-literal=a=c --dry-run=client",
                None,
            ),
            (
                "create secret generic s1 --from-literal=a=b --from-literal=a=c --dry-run=client",
                None,
            ),
            (
                "create configmap c1 --from-file=x.txt --dry-run=client",
                None,
            ),
            (
                "create secret generic s1 --from-env-file=x.env --dry-run=client",
                None,
            ),
            (
                "create configmap c1 --from-literal='a b=c' --dry-run=client",
                None,
            ),
            (
                "create deployment d1 --image=nginx:1.25 --dry-run=client -o yaml",
                None,
            ),
            (
                "create deployment d2 --image=nginx --image=busybox --replicas=2 --port=80 -n payments --dry-run=client -o json",
                None,
            ),
            (
                "create deployment d3 --image=busybox --dry-run=client -o yaml -- sleep 10",
                None,
            ),
            (
                "create deployment d1 --image=nginx:1.25 --dry-run=client",
                None,
            ),
            (
                "create deploy d1 --image=nginx:1.25 --dry-run=client -o name",
                None,
            ),
            ("create deployment d1 --dry-run=client", None),
        ],
    );
}

/// The imperative `create` forms against the server (kubectl sends them as protobuf, which the
/// API server decodes for these kinds).
#[test]
fn imperative_creates_print_what_the_real_kubectl_prints() {
    check_steps(
        settled(),
        &[
            ("create namespace staging", None),
            ("create namespace staging", None),
            (
                "create configmap settings -n staging --from-literal=mode=fast --from-literal=level=2",
                None,
            ),
            ("create configmap settings -n staging", None),
            ("get cm settings -n staging -o yaml", None),
            (
                "create secret generic token -n staging --from-literal=t=abc --type=Opaque",
                None,
            ),
            ("create secret generic token -n staging", None),
            ("get secret token -n staging -o yaml", None),
            (
                "create deployment web -n staging --image=nginx:1.25 --replicas=2 --port=80",
                None,
            ),
            ("create deployment web -n staging --image=nginx:1.25", None),
            (
                "create deployment worker -n staging --image=busybox:1.36 -- sleep 3600",
                None,
            ),
            (
                "create deployment pair -n staging --image=nginx:1.25 --image=redis:7",
                None,
            ),
            ("get deploy -n staging -o yaml", None),
            ("get rs,pods -n staging", None),
            (
                "create configmap cm1 --from-literal=a=b --dry-run=server",
                None,
            ),
            ("create namespace ns1 --dry-run=server -o yaml", None),
            (
                "create deployment d1 --image=nginx --dry-run=server -o name",
                None,
            ),
            ("create configmap other -n missing", None),
            ("create deployment Bad --image=nginx", None),
            ("get cm,deploy", None),
        ],
    );
}
