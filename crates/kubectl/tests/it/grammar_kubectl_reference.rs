//! kubectl's own answers to a few hundred command lines, recorded from the real kubectl 1.32.4
//! binary, against which the grammar is checked byte for byte.
//!
//! Each line was run twice through `bash -c 'kubectl <line>'` (with `kubectl` a link to
//! `kubectl.1.32`, so messages name "kubectl"): once with a kubeconfig pointing at a closed
//! port, which separates what kubectl rejects before it talks to a server (`Fail`, `Help`) from
//! what it sends on; and once against `kube-sre-gym apiserver` (the simulated cluster), which
//! shows the errors kubectl prints only after its first requests (`Deferred`). `Accept` lines
//! reached the server and failed, if at all, for reasons that belong to the executor (not
//! found, no such resource type, empty stdin), which kubectl reports before any deferred one.
//!
//! To re-record: link `kubectl` to `kubectl.1.32`; run each line with
//! `KUBECONFIG=<a kubeconfig whose server is http://127.0.0.1:1>`: a stderr without "connection
//! refused" (or rc 0 with help on stdout) is `Fail`/`Help`. Otherwise start
//! `kube-sre-gym apiserver --frozen-clock --kubeconfig sim.kubeconfig` and run the line against
//! it: a client-side `error: ...` there is `Deferred`, anything else `Accept`. `Refused` lines are ones real kubectl accepts
//! but this environment refuses on purpose (streaming, terminals, host access).

use kubectl::grammar::{Verb, help_text, parse};

enum Expect {
    /// Rejected before any request: exact stderr (or stdout for `rollout`) and exit code.
    Fail(&'static str, i32),
    /// Help, whose text starts with this line.
    Help(&'static str),
    /// Parsed; whatever happens next is the executor's.
    Accept,
    /// Parsed, with this error for after the lookup.
    Deferred(&'static str),
    /// Refused here on purpose.
    Refused,
}
use Expect::*;

const CASES: &[(&str, Expect)] = &[
    (r#"-n payments get po"#, Accept),
    (r#"get pods -npayments"#, Accept),
    (r#"get pods -n=payments"#, Accept),
    (r#"get pods --namespace payments"#, Accept),
    (r#"get pods --namespace=payments"#, Accept),
    (r#"get pods -A"#, Accept),
    (r#"get pods --all-namespaces"#, Accept),
    (r#"get --all-namespaces pods"#, Accept),
    (r#"get pods -A -o wide"#, Accept),
    (r#"get pods -Ao wide"#, Accept),
    (r#"get pods -owide"#, Accept),
    (r#"get pods -o=wide"#, Accept),
    (r#"get pods -o yaml"#, Accept),
    (r#"get pods -o json"#, Accept),
    (r#"get pods -o name"#, Accept),
    (
        r#"get pods -o jsonpath='{.items[*].metadata.name}'"#,
        Accept,
    ),
    (
        r#"get pods -o jsonpath-as-json='{.items[*].metadata.name}'"#,
        Accept,
    ),
    (
        r#"get pods -o custom-columns=NAME:.metadata.name,STATUS:.status.phase"#,
        Accept,
    ),
    (
        r#"get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'"#,
        Accept,
    ),
    (r#"get pods -o template --template='{{.kind}}'"#, Accept),
    (r#"get pods --template='{{.kind}}'"#, Accept),
    (r#"get pods -l app=web"#, Accept),
    (r#"get pods -lapp=web"#, Accept),
    (r#"get pods --selector app=web,tier!=db"#, Accept),
    (r#"get pods --field-selector status.phase=Running"#, Accept),
    (r#"get pods --sort-by=.metadata.creationTimestamp"#, Accept),
    (r#"get events --sort-by='.lastTimestamp'"#, Accept),
    (r#"get pods --show-labels"#, Accept),
    (r#"get pods -L app -L tier"#, Accept),
    (r#"get pods -L app,tier"#, Accept),
    (r#"get pods -Lapp"#, Accept),
    (r#"get pods --label-columns=app,tier"#, Accept),
    (r#"get pods --no-headers"#, Accept),
    (r#"get pods --show-kind"#, Accept),
    (r#"get deploy,svc"#, Accept),
    (r#"get deploy,svc -n payments"#, Accept),
    (r#"get deploy/web svc/web"#, Accept),
    (r#"get deploy web api"#, Accept),
    (r#"get deploy,svc web"#, Accept),
    (r#"get pod/web-1 -o yaml"#, Accept),
    (r#"get pods web-1 -o yaml"#, Accept),
    (r#"get po,deploy,svc,rs -A"#, Accept),
    (r#"get all -n payments"#, Accept),
    (r#"get nodes"#, Accept),
    (r#"get ns"#, Accept),
    (r#"get deployments.apps"#, Accept),
    (r#"get deployments.v1.apps"#, Accept),
    (r#"get pods --ignore-not-found"#, Accept),
    (r#"get pods --chunk-size=0"#, Accept),
    (r#"get pods -- -n"#, Accept),
    (r#"get -- pods"#, Accept),
    (
        r#"get pods -f -"#,
        Fail(
            r#"error: when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well
"#,
            1,
        ),
    ),
    (r#"get --raw /api/v1/namespaces"#, Accept),
    (r#"get --raw /metrics"#, Accept),
    (r#"logs -p -c web pod/x"#, Accept),
    (r#"logs x"#, Accept),
    (r#"logs pod/x"#, Accept),
    (r#"logs deployment/web"#, Accept),
    (r#"logs x -c web"#, Accept),
    (r#"logs x web"#, Accept),
    (r#"logs x --tail 20"#, Accept),
    (r#"logs x --tail=20"#, Accept),
    (r#"logs x --tail=-1"#, Accept),
    (r#"logs x --previous"#, Accept),
    (r#"logs x -p"#, Accept),
    (r#"logs x -f"#, Accept),
    (r#"logs x --follow"#, Accept),
    (r#"logs x --timestamps"#, Accept),
    (r#"logs x --since=5m"#, Accept),
    (r#"logs x --since 1h"#, Accept),
    (r#"logs x --since-time=2024-01-01T00:00:00Z"#, Accept),
    (r#"logs -l app=web"#, Accept),
    (r#"logs -l app=web --all-containers"#, Accept),
    (r#"logs -l app=web --tail=5 --prefix"#, Accept),
    (r#"logs x --all-containers"#, Accept),
    (r#"logs x --limit-bytes=100"#, Accept),
    (r#"logs -n payments x -c web --tail 50 -p"#, Accept),
    (r#"events"#, Accept),
    (r#"events -n payments"#, Accept),
    (r#"events -A"#, Accept),
    (r#"events --for pod/x"#, Accept),
    (r#"events --for=deployment/web -n payments"#, Accept),
    (r#"events --types=Warning"#, Accept),
    (r#"events --types Warning,Normal"#, Accept),
    (r#"events -o yaml"#, Accept),
    (r#"events --no-headers"#, Accept),
    (r#"top pod"#, Accept),
    (r#"top pods"#, Accept),
    (r#"top po"#, Accept),
    (r#"top pod x"#, Accept),
    (r#"top pods -A"#, Accept),
    (r#"top pods --containers"#, Accept),
    (r#"top pods --sort-by=cpu"#, Accept),
    (r#"top pods --sort-by=memory -n payments"#, Accept),
    (r#"top pods -l app=web"#, Accept),
    (r#"top pods --sum"#, Accept),
    (r#"top node"#, Accept),
    (r#"top nodes"#, Accept),
    (r#"top no"#, Accept),
    (r#"top node n1"#, Accept),
    (r#"top nodes --sort-by=memory"#, Accept),
    (r#"top nodes --show-capacity"#, Accept),
    (
        r#"set resources deployment/x -c=app --limits=memory=128Mi"#,
        Accept,
    ),
    (
        r#"set resources deployment x --limits=cpu=200m,memory=512Mi --requests=cpu=100m,memory=256Mi"#,
        Accept,
    ),
    (r#"set resources deploy/x --requests=memory=64Mi"#, Accept),
    (
        r#"set resources deploy x -c app --limits memory=1Gi"#,
        Accept,
    ),
    (
        r#"set resources deploy/x --limits=memory=128Mi --dry-run=client -o yaml"#,
        Accept,
    ),
    (r#"set image deployment/web web=nginx:1.25"#, Accept),
    (
        r#"set image deploy web web=nginx:1.25 sidecar=busybox"#,
        Accept,
    ),
    (r#"set image deploy/web *=nginx:1.25"#, Accept),
    (r#"set env deployment/web LOG_LEVEL=debug"#, Accept),
    (r#"set env deploy/web A=1 B=2"#, Accept),
    (r#"set env deploy/web A-"#, Accept),
    (r#"set env deploy/web -e A=1"#, Accept),
    (r#"set env deploy/web --list"#, Accept),
    (r#"set env deploy/web -c web A=1"#, Accept),
    (r#"scale deploy x --replicas=3"#, Accept),
    (r#"scale deploy x --replicas 3"#, Accept),
    (r#"scale deployment/x --replicas=0"#, Accept),
    (r#"scale --replicas=2 deploy/x"#, Accept),
    (r#"scale statefulset/db --replicas=1"#, Accept),
    (
        r#"scale deploy x --replicas=3 --current-replicas=2"#,
        Accept,
    ),
    (r#"patch deploy x -p '{"spec":{}}' --type merge"#, Accept),
    (r#"patch deploy x -p '{"spec":{"replicas":2}}'"#, Accept),
    (
        r#"patch deployment/x --type=json -p='[{"op":"replace","path":"/spec/replicas","value":2}]'"#,
        Accept,
    ),
    (
        r#"patch deploy x --type strategic --patch '{"spec":{}}'"#,
        Accept,
    ),
    (r#"patch deploy x -p '{"spec":{}}' --type=MERGE"#, Accept),
    (
        r#"patch deploy x --patch='{"a":1}' --dry-run=server"#,
        Accept,
    ),
    (
        r#"patch svc web -p '{"spec":{"selector":{"app":"web"}}}'"#,
        Accept,
    ),
    (r#"rollout restart deployment/web"#, Accept),
    (r#"rollout restart deploy web"#, Accept),
    (r#"rollout restart deploy web -n payments"#, Accept),
    (r#"rollout status deployment/web"#, Accept),
    (r#"rollout status deploy/web --timeout=60s"#, Accept),
    (r#"rollout status deploy/web -w=false"#, Accept),
    (r#"rollout status deploy/web --watch=false"#, Accept),
    (r#"rollout undo deployment/web"#, Accept),
    (r#"rollout undo deploy/web --to-revision=2"#, Accept),
    (r#"rollout history deployment/web"#, Accept),
    (r#"rollout history deploy/web --revision=2"#, Accept),
    (r#"rollout pause deploy/web"#, Accept),
    (r#"rollout resume deploy/web"#, Accept),
    (r#"rollout -n payments restart deploy/web"#, Accept),
    (r#"delete pod x"#, Accept),
    (r#"delete pod/x"#, Accept),
    (r#"delete pods x y"#, Accept),
    (r#"delete pod x --grace-period=0 --force"#, Accept),
    (r#"delete pod x --force"#, Accept),
    (r#"delete pod x --now"#, Accept),
    (r#"delete pod x --wait=false"#, Accept),
    (r#"delete pods -l app=web"#, Accept),
    (r#"delete pods --all"#, Accept),
    (r#"delete pods --all -n payments"#, Accept),
    (r#"delete deploy/web --cascade=orphan"#, Accept),
    (r#"delete deploy/web --cascade"#, Accept),
    (r#"delete pod x --dry-run=client"#, Accept),
    (r#"delete pod x --dry-run"#, Accept),
    (r#"delete pod x -o name"#, Accept),
    (r#"delete resourcequota q"#, Accept),
    (r#"delete quota q -n payments"#, Accept),
    (
        r#"delete pods --field-selector=status.phase=Failed"#,
        Accept,
    ),
    (r#"label pods x app=web"#, Accept),
    (r#"label pods x app=web --overwrite"#, Accept),
    (r#"label pod/x app-"#, Accept),
    (r#"label pods --all tier=db"#, Accept),
    (r#"label pods x app=web tier=db"#, Accept),
    (r#"annotate pods x note=hello"#, Accept),
    (r#"annotate deploy/web note- --overwrite"#, Accept),
    (
        r#"annotate deploy web kubernetes.io/change-cause='fix memory'"#,
        Accept,
    ),
    (r#"create deployment web --image=nginx"#, Accept),
    (r#"create deploy web --image=nginx --replicas=2"#, Accept),
    (r#"create deployment web --image=nginx -- sleep 10"#, Accept),
    (r#"create namespace test"#, Accept),
    (r#"create ns test"#, Accept),
    (
        r#"create configmap cfg --from-literal=a=1 --from-literal=b=2"#,
        Accept,
    ),
    (r#"create cm cfg --from-literal=a=1"#, Accept),
    (
        r#"create secret generic s --from-literal=password=x"#,
        Accept,
    ),
    (
        r#"create secret generic s --from-literal=a=1 --type=Opaque"#,
        Accept,
    ),
    (r#"create -f -"#, Accept),
    (r#"apply -f -"#, Accept),
    (r#"apply -f - --dry-run=server"#, Accept),
    (r#"apply --server-side -f -"#, Accept),
    (r#"api-resources"#, Accept),
    (r#"api-resources --namespaced=true"#, Accept),
    (r#"api-resources -o wide"#, Accept),
    (r#"api-resources --api-group=apps"#, Accept),
    (r#"api-resources --verbs=list,get"#, Accept),
    (r#"api-resources -o name --sort-by=kind"#, Accept),
    (r#"api-versions"#, Accept),
    (r#"explain pods"#, Accept),
    (r#"explain deployment.spec.template"#, Accept),
    (r#"explain pods --recursive"#, Accept),
    (r#"explain pods.spec --api-version=v1"#, Accept),
    (r#"version"#, Accept),
    (r#"version --client"#, Accept),
    (r#"version -o json"#, Accept),
    (r#"version --client -o yaml"#, Accept),
    (r#"cluster-info"#, Accept),
    (r#"cluster-info -n kube-system"#, Accept),
    (r#"auth can-i get pods"#, Accept),
    (r#"auth can-i delete deployments -n payments"#, Accept),
    (r#"auth can-i '*' '*'"#, Accept),
    (r#"auth can-i get pods/log"#, Accept),
    (r#"auth can-i --list"#, Accept),
    (r#"auth can-i --list -n payments"#, Accept),
    (r#"auth can-i get /healthz"#, Accept),
    (r#"run debug --image=busybox"#, Accept),
    (
        r#"run debug --image=busybox --restart=Never -- sleep 3600"#,
        Accept,
    ),
    (
        r#"run debug --image=busybox -l app=debug --port=80"#,
        Accept,
    ),
    (r#"--context=prod get pods"#, Accept),
    (r#"--kubeconfig=/tmp/x get pods"#, Accept),
    (r#"--server=https://1.2.3.4 get pods"#, Accept),
    (r#"-s https://1.2.3.4 get pods"#, Accept),
    (r#"get pods --context prod"#, Accept),
    (r#"get pods --request-timeout=5s"#, Accept),
    (r#"-v=6 get pods"#, Accept),
    (r#"get pods -v 6"#, Accept),
    (r#"get pods --v=6"#, Accept),
    (r#"get pods --all_namespaces"#, Accept),
    (r#"get pods --show_labels"#, Accept),
    (r#"--namespace payments get pods"#, Accept),
    (r#"-n payments rollout restart deploy/web"#, Accept),
    (
        r#"-n payments set resources deploy/web --limits=memory=1Gi"#,
        Accept,
    ),
    (r#"get pods --insecure-skip-tls-verify"#, Accept),
    (r#"--insecure-skip-tls-verify get pods"#, Accept),
    (r#"--warnings-as-errors get pods"#, Accept),
    (
        r#"get pods --foo"#,
        Fail(
            r#"error: unknown flag: --foo
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --foo=bar"#,
        Fail(
            r#"error: unknown flag: --foo
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -z"#,
        Fail(
            r#"error: unknown shorthand flag: 'z' in -z
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -Az"#,
        Fail(
            r#"error: unknown shorthand flag: 'z' in -z
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -n"#,
        Fail(
            r#"error: flag needs an argument: 'n' in -n
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --namespace"#,
        Fail(
            r#"error: flag needs an argument: --namespace
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -o"#,
        Fail(
            r#"error: flag needs an argument: 'o' in -o
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --output"#,
        Fail(
            r#"error: flag needs an argument: --output
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -l"#,
        Fail(
            r#"error: flag needs an argument: 'l' in -l
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"--- get pods"#,
        Fail(
            r#"Error: flags cannot be placed before plugin name: ---
"#,
            1,
        ),
    ),
    (
        r#"get pods ---x"#,
        Fail(
            r#"error: bad flag syntax: ---x
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --=x"#,
        Fail(
            r#"error: bad flag syntax: --=x
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -w=x"#,
        Fail(
            r#"error: invalid argument "x" for "-w, --watch" flag: strconv.ParseBool: parsing "x": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --watch=maybe"#,
        Fail(
            r#"error: invalid argument "maybe" for "-w, --watch" flag: strconv.ParseBool: parsing "maybe": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --show-labels=2"#,
        Fail(
            r#"error: invalid argument "2" for "--show-labels" flag: strconv.ParseBool: parsing "2": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --no-headers=yes"#,
        Fail(
            r#"error: invalid argument "yes" for "--no-headers" flag: strconv.ParseBool: parsing "yes": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --chunk-size=x"#,
        Fail(
            r#"error: invalid argument "x" for "--chunk-size" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (r#"get pods --chunk-size=0x10"#, Accept),
    (r#"get pods --chunk-size=1_000"#, Accept),
    (
        r#"get pods --chunk-size=99999999999999999999"#,
        Fail(
            r#"error: invalid argument "99999999999999999999" for "--chunk-size" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --tail=abc"#,
        Fail(
            r#"error: invalid argument "abc" for "--tail" flag: strconv.ParseInt: parsing "abc": invalid syntax
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --tail="#,
        Fail(
            r#"error: invalid argument "" for "--tail" flag: strconv.ParseInt: parsing "": invalid syntax
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --since=5"#,
        Fail(
            r#"error: invalid argument "5" for "--since" flag: time: missing unit in duration "5"
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --since=5q"#,
        Fail(
            r#"error: invalid argument "5q" for "--since" flag: time: unknown unit "q" in duration "5q"
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --since=abc"#,
        Fail(
            r#"error: invalid argument "abc" for "--since" flag: time: invalid duration "abc"
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --since="#,
        Fail(
            r#"error: invalid argument "" for "--since" flag: time: invalid duration ""
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --limit-bytes=1.5"#,
        Fail(
            r#"error: invalid argument "1.5" for "--limit-bytes" flag: strconv.ParseInt: parsing "1.5": invalid syntax
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --max-log-requests=x"#,
        Fail(
            r#"error: invalid argument "x" for "--max-log-requests" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs x --pod-running-timeout=0s"#,
        Fail(
            r#"error: --pod-running-timeout must be higher than zero
"#,
            1,
        ),
    ),
    (
        r#"logs x --pod-running-timeout=x"#,
        Fail(
            r#"error: invalid argument "x" for "--pod-running-timeout" flag: time: invalid duration "x"
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=x"#,
        Fail(
            r#"error: invalid argument "x" for "--replicas" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl scale --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=-1"#,
        Fail(
            r#"error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=3.5"#,
        Fail(
            r#"error: invalid argument "3.5" for "--replicas" flag: strconv.ParseInt: parsing "3.5": invalid syntax
See 'kubectl scale --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --current-replicas=x --replicas=1"#,
        Fail(
            r#"error: invalid argument "x" for "--current-replicas" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl scale --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --current-replicas=-5 --replicas=1"#,
        Fail(
            r#"error: The --current-replicas must specify an integer of -1 or greater
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --timeout=x --replicas=1"#,
        Fail(
            r#"error: invalid argument "x" for "--timeout" flag: time: invalid duration "x"
See 'kubectl scale --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x"#,
        Fail(
            r#"error: required flag(s) "replicas" not set
"#,
            1,
        ),
    ),
    (
        r#"scale --replicas=1"#,
        Fail(
            r#"error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'
"#,
            1,
        ),
    ),
    (
        r#"scale deploy --replicas=1"#,
        Deferred(
            r#"error: resource(s) were provided, but no name was specified
"#,
        ),
    ),
    (
        r#"delete pod x --grace-period=x"#,
        Fail(
            r#"error: invalid argument "x" for "--grace-period" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl delete --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"delete pod x --now --grace-period=5"#,
        Fail(
            r#"error: --now and --grace-period cannot be specified together
"#,
            1,
        ),
    ),
    (
        r#"delete pod x --force --grace-period=5"#,
        Deferred(
            r#"error: --force and --grace-period greater than 0 cannot be specified together
"#,
        ),
    ),
    (
        r#"delete pod x -o yaml"#,
        Deferred(
            r#"error: unexpected -o output mode: yaml. We only support '-o name'
"#,
        ),
    ),
    (
        r#"delete pod x --dry-run=maybe"#,
        Fail(
            r#"error: Invalid dry-run value (maybe). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"delete pods --all -l app=x"#,
        Fail(
            r#"error: setting 'all' parameter but found a non empty selector. 
"#,
            1,
        ),
    ),
    (
        r#"delete pods --all --field-selector=a=b"#,
        Fail(
            r#"error: setting 'all' parameter but found a non empty selector. 
"#,
            1,
        ),
    ),
    (
        r#"delete pods --all x"#,
        Fail(
            r#"error: name cannot be provided when a selector is specified
"#,
            1,
        ),
    ),
    (
        r#"delete pods -l a=b x"#,
        Fail(
            r#"error: name cannot be provided when a selector is specified
"#,
            1,
        ),
    ),
    (
        r#"delete"#,
        Fail(
            r#"error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'
"#,
            1,
        ),
    ),
    (
        r#"delete pods"#,
        Deferred(
            r#"error: resource(s) were provided, but no name was specified
"#,
        ),
    ),
    (
        r#"delete pod x --timeout=x"#,
        Fail(
            r#"error: invalid argument "x" for "--timeout" flag: time: invalid duration "x"
See 'kubectl delete --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -v x"#,
        Fail(
            r#"error: invalid argument "x" for "-v, --v" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -v 0x1"#,
        Fail(
            r#"error: invalid argument "0x1" for "-v, --v" flag: strconv.ParseInt: parsing "0x1": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --vmodule=x"#,
        Fail(
            r#"error: invalid argument "x" for "--vmodule" flag: syntax error: expect comma-separated list of filename=N
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --vmodule=a=x"#,
        Fail(
            r#"error: invalid argument "a=x" for "--vmodule" flag: syntax error: expect comma-separated list of filename=N
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --log-flush-frequency=x"#,
        Fail(
            r#"error: invalid argument "x" for "--log-flush-frequency" flag: parse error
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --as-group"#,
        Fail(
            r#"error: flag needs an argument: --as-group
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -f 'a"b'"#,
        Fail(
            r#"error: invalid argument "a\"b" for "-f, --filename" flag: parse error on line 1, column 2: bare " in non-quoted-field
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -L 'a"b'"#,
        Fail(
            r#"error: invalid argument "a\"b" for "-L, --label-columns" flag: parse error on line 1, column 2: bare " in non-quoted-field
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -L '"ab'"#,
        Fail(
            r#"error: invalid argument "\"ab" for "-L, --label-columns" flag: parse error on line 1, column 4: extraneous or missing " in quoted-field
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods -L '"a"b'"#,
        Fail(
            r#"error: invalid argument "\"a\"b" for "-L, --label-columns" flag: parse error on line 1, column 3: extraneous or missing " in quoted-field
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"get pods --help=foo"#,
        Fail(
            r#"error: invalid argument "foo" for "-h, --help" flag: strconv.ParseBool: parsing "foo": invalid syntax
See 'kubectl get --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx --replicas=x"#,
        Fail(
            r#"error: invalid argument "x" for "-r, --replicas" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl create deployment --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx --replicas=99999999999"#,
        Fail(
            r#"error: invalid argument "99999999999" for "-r, --replicas" flag: strconv.ParseInt: parsing "99999999999": value out of range
See 'kubectl create deployment --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx --port=x"#,
        Fail(
            r#"error: invalid argument "x" for "--port" flag: strconv.ParseInt: parsing "x": invalid syntax
See 'kubectl create deployment --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"foo"#,
        Fail(
            r#"error: unknown command "foo" for "kubectl"

Did you mean this?
	top
"#,
            1,
        ),
    ),
    (
        r#"ap"#,
        Fail(
            r#"error: unknown command "ap" for "kubectl"

Did you mean this?
	top
	cp
	apply
	api-versions
	api-resources
"#,
            1,
        ),
    ),
    (
        r#"xet"#,
        Fail(
            r#"error: unknown command "xet" for "kubectl"

Did you mean this?
	set
	get
	exec
"#,
            1,
        ),
    ),
    (
        r#"rm"#,
        Fail(
            r#"error: unknown command "rm" for "kubectl"

Did you mean this?
	run
	delete
	cp
"#,
            1,
        ),
    ),
    (
        r#"ps"#,
        Fail(
            r#"error: unknown command "ps" for "kubectl"

Did you mean this?
	get
	cp
	wait
"#,
            1,
        ),
    ),
    (
        r#"list"#,
        Fail(
            r#"error: unknown command "list" for "kubectl"

Did you mean this?
	get
	wait
"#,
            1,
        ),
    ),
    (
        r#"e"#,
        Fail(
            r#"error: unknown command "e" for "kubectl"

Did you mean this?
	expose
	set
	explain
	get
	edit
	exec
	cp
	events
"#,
            1,
        ),
    ),
    (
        r#"logz"#,
        Fail(
            r#"error: unknown command "logz" for "kubectl"

Did you mean this?
	logs
"#,
            1,
        ),
    ),
    (
        r#"GET pods"#,
        Fail(
            r#"error: unknown command "GET" for "kubectl"

Did you mean this?
	set
	get
"#,
            1,
        ),
    ),
    (
        r#"Get pods"#,
        Fail(
            r#"error: unknown command "Get" for "kubectl"

Did you mean this?
	set
	get
"#,
            1,
        ),
    ),
    (
        r#"kubectl get pods"#,
        Fail(
            r#"error: unknown command "kubectl" for "kubectl"
"#,
            1,
        ),
    ),
    (
        r#"-A get pods"#,
        Fail(
            r#"Error: flags cannot be placed before plugin name: -A
"#,
            1,
        ),
    ),
    (
        r#"--all-namespaces get pods"#,
        Fail(
            r#"Error: flags cannot be placed before plugin name: --all-namespaces
"#,
            1,
        ),
    ),
    (
        r#"-n x foo"#,
        Fail(
            r#"Error: flags cannot be placed before plugin name: -n
"#,
            1,
        ),
    ),
    (
        r#"--namespace=x foo"#,
        Fail(
            r#"Error: flags cannot be placed before plugin name: --namespace=x
"#,
            1,
        ),
    ),
    (
        r#"-n x"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"--foo"#,
        Fail(
            r#"error: unknown flag: --foo
See 'kubectl --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"--version"#,
        Fail(
            r#"error: unknown flag: --version
See 'kubectl --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"-h"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"--help"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"--help get"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"-h get"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"help"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (r#"help get"#, Help(r#"Display one or many resources."#)),
    (
        r#"help set resources"#,
        Help(
            r#"Specify compute resource requirements (CPU, memory) for any resource that defines a pod template.  If a pod is successfully scheduled, it is guaranteed the amount of resource requested, but may burst up to its specified limits."#,
        ),
    ),
    (
        r#"help top pods"#,
        Help(r#"Display resource (CPU/memory) usage of pods."#),
    ),
    (
        r#"help foo"#,
        Fail(
            r#"Unknown help topic [`foo`]


Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  expose          Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run             Run a particular image on the cluster
  set             Set specific features on objects

Basic Commands (Intermediate):
  explain         Get documentation for a resource
  get             Display one or many resources
  edit            Edit a resource on the server
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  certificate     Modify certificate resources
  cluster-info    Display cluster information
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance
  taint           Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  attach          Attach to a running container
  exec            Execute a command in a container
  port-forward    Forward one or more local ports to a pod
  proxy           Run a proxy to the Kubernetes API server
  cp              Copy files and directories to and from containers
  auth            Inspect authorization
  debug           Create debugging sessions for troubleshooting workloads and nodes
  events          List events

Advanced Commands:
  diff            Diff the live version against a would-be applied version
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource
  replace         Replace a resource by file name or stdin
  wait            Experimental: Wait for a specific condition on one or many resources
  kustomize       Build a kustomization target from a directory or URL

Settings Commands:
  label           Update the labels on a resource
  annotate        Update the annotations on a resource
  completion      Output shell completion code for the specified shell (bash, zsh, fish, or powershell)

Subcommands provided by plugins:

Other Commands:
  api-resources   Print the supported API resources on the server
  api-versions    Print the supported API versions on the server, in the form of "group/version"
  config          Modify kubeconfig files
  plugin          Provides utilities for interacting with plugins
  version         Print the client and server version information

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            0,
        ),
    ),
    (
        r#"help foo bar"#,
        Fail(
            r#"Unknown help topic [`foo` `bar`]


Basic Commands (Beginner):
  create          Create a resource from a file or from stdin
  expose          Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service
  run             Run a particular image on the cluster
  set             Set specific features on objects

Basic Commands (Intermediate):
  explain         Get documentation for a resource
  get             Display one or many resources
  edit            Edit a resource on the server
  delete          Delete resources by file names, stdin, resources and names, or by resources and label selector

Deploy Commands:
  rollout         Manage the rollout of a resource
  scale           Set a new size for a deployment, replica set, or replication controller
  autoscale       Auto-scale a deployment, replica set, stateful set, or replication controller

Cluster Management Commands:
  certificate     Modify certificate resources
  cluster-info    Display cluster information
  top             Display resource (CPU/memory) usage
  cordon          Mark node as unschedulable
  uncordon        Mark node as schedulable
  drain           Drain node in preparation for maintenance
  taint           Update the taints on one or more nodes

Troubleshooting and Debugging Commands:
  describe        Show details of a specific resource or group of resources
  logs            Print the logs for a container in a pod
  attach          Attach to a running container
  exec            Execute a command in a container
  port-forward    Forward one or more local ports to a pod
  proxy           Run a proxy to the Kubernetes API server
  cp              Copy files and directories to and from containers
  auth            Inspect authorization
  debug           Create debugging sessions for troubleshooting workloads and nodes
  events          List events

Advanced Commands:
  diff            Diff the live version against a would-be applied version
  apply           Apply a configuration to a resource by file name or stdin
  patch           Update fields of a resource
  replace         Replace a resource by file name or stdin
  wait            Experimental: Wait for a specific condition on one or many resources
  kustomize       Build a kustomization target from a directory or URL

Settings Commands:
  label           Update the labels on a resource
  annotate        Update the annotations on a resource
  completion      Output shell completion code for the specified shell (bash, zsh, fish, or powershell)

Subcommands provided by plugins:

Other Commands:
  api-resources   Print the supported API resources on the server
  api-versions    Print the supported API versions on the server, in the form of "group/version"
  config          Modify kubeconfig files
  plugin          Provides utilities for interacting with plugins
  version         Print the client and server version information

Usage:
  kubectl [flags] [options]

Use "kubectl <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            0,
        ),
    ),
    (r#"get -h"#, Help(r#"Display one or many resources."#)),
    (r#"get --help"#, Help(r#"Display one or many resources."#)),
    (
        r#"set resources --help"#,
        Help(
            r#"Specify compute resource requirements (CPU, memory) for any resource that defines a pod template.  If a pod is successfully scheduled, it is guaranteed the amount of resource requested, but may burst up to its specified limits."#,
        ),
    ),
    (r#"rollout restart -h"#, Help(r#"Restart a resource."#)),
    (
        r#"top pod --help"#,
        Help(r#"Display resource (CPU/memory) usage of pods."#),
    ),
    (
        r#"top pods --help"#,
        Help(r#"Display resource (CPU/memory) usage of pods."#),
    ),
    (
        r#"rollout"#,
        Fail(
            r#"Manage the rollout of one or many resources.
        
 Valid resource types include:

  *  deployments
  *  daemonsets
  *  statefulsets

Examples:
  # Rollback to the previous deployment
  kubectl rollout undo deployment/abc
  
  # Check the rollout status of a daemonset
  kubectl rollout status daemonset/foo
  
  # Restart a deployment
  kubectl rollout restart deployment/abc
  
  # Restart deployments with the 'app=nginx' label
  kubectl rollout restart deployment --selector=app=nginx

Available Commands:
  history       View rollout history
  pause         Mark the provided resource as paused
  restart       Restart a resource
  resume        Resume a paused resource
  status        Show the status of the rollout
  undo          Undo a previous rollout

Usage:
  kubectl rollout SUBCOMMAND [options]

Use "kubectl rollout <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            1,
        ),
    ),
    (
        r#"rollout foo"#,
        Fail(
            r#"error: unknown command "foo"
See 'kubectl rollout -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"rollout -n x foo bar"#,
        Fail(
            r#"error: unknown command "foo bar"
See 'kubectl rollout -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"set"#,
        Fail(
            r#"Configure application resources.

 These commands help you make changes to existing application resources.

Available Commands:
  env              Update environment variables on a pod template
  image            Update the image of a pod template
  resources        Update resource requests/limits on objects with pod templates
  selector         Set the selector on a resource
  serviceaccount   Update the service account of a resource
  subject          Update the user, group, or service account in a role binding or cluster role binding

Usage:
  kubectl set SUBCOMMAND [options]

Use "kubectl set <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            1,
        ),
    ),
    (
        r#"set foo deploy x"#,
        Fail(
            r#"error: unknown command "foo deploy x"
See 'kubectl set -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"top"#,
        Fail(
            r#"Display resource (CPU/memory) usage.

 The top command allows you to see the resource consumption for nodes or pods.

 This command requires Metrics Server to be correctly configured and working on the server.

Available Commands:
  node          Display resource (CPU/memory) usage of nodes
  pod           Display resource (CPU/memory) usage of pods

Usage:
  kubectl top [flags] [options]

Use "kubectl top <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            1,
        ),
    ),
    (
        r#"top foo"#,
        Fail(
            r#"error: unknown command "foo"
See 'kubectl top -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"auth"#,
        Fail(
            r#"Inspect authorization.

Available Commands:
  can-i         Check whether an action is allowed
  reconcile     Reconciles rules for RBAC role, role binding, cluster role, and cluster role binding objects
  whoami        Experimental: Check self subject attributes

Usage:
  kubectl auth [flags] [options]

Use "kubectl auth <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            1,
        ),
    ),
    (
        r#"auth foo"#,
        Fail(
            r#"error: unknown command "foo"
See 'kubectl auth -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create secret"#,
        Fail(
            r#"Create a secret with specified type.

 A docker-registry type secret is for accessing a container registry.

 A generic type secret indicate an Opaque secret type.

 A tls type secret holds TLS certificate and its associated key.

Available Commands:
  docker-registry   Create a secret for use with a Docker registry
  generic           Create a secret from a local file, directory, or literal value
  tls               Create a TLS secret

Usage:
  kubectl create secret (docker-registry | generic | tls) [options]

Use "kubectl create secret <command> --help" for more information about a given command.
Use "kubectl options" for a list of global command-line options (applies to all commands).
"#,
            1,
        ),
    ),
    (
        r#"create secret foo"#,
        Fail(
            r#"error: unknown command "foo"
See 'kubectl create secret -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create foo"#,
        Fail(
            r#"error: Unexpected args: [foo]
See 'kubectl create -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create"#,
        Fail(
            r#"error: must specify one of -f and -k
"#,
            1,
        ),
    ),
    (
        r#"create -f x.yaml extra"#,
        Fail(
            r#"error: Unexpected args: [extra]
See 'kubectl create -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create deployment"#,
        Fail(
            r#"error: required flag(s) "image" not set
"#,
            1,
        ),
    ),
    (
        r#"create deployment x"#,
        Fail(
            r#"error: required flag(s) "image" not set
"#,
            1,
        ),
    ),
    (
        r#"create namespace"#,
        Fail(
            r#"error: exactly one NAME is required, got 0
See 'kubectl create namespace -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create ns a b"#,
        Fail(
            r#"error: exactly one NAME is required, got 2
See 'kubectl create namespace -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create cm"#,
        Fail(
            r#"error: exactly one NAME is required, got 0
See 'kubectl create configmap -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"create secret generic"#,
        Fail(
            r#"error: exactly one NAME is required, got 0
See 'kubectl create secret generic -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"apply"#,
        Fail(
            r#"error: must specify one of -f and -k
"#,
            1,
        ),
    ),
    (
        r#"apply x"#,
        Fail(
            r#"error: Unexpected args: [x]
See 'kubectl apply -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"apply -f x.yaml"#,
        Fail(
            r#"error: the path "x.yaml" does not exist
"#,
            1,
        ),
    ),
    (
        r#"apply -f -  --force-conflicts"#,
        Fail(
            r#"error: --force-conflicts only works with --server-side
"#,
            1,
        ),
    ),
    (
        r#"apply -f - --server-side --dry-run=client"#,
        Fail(
            r#"error: --dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)
"#,
            1,
        ),
    ),
    (
        r#"apply -f - --prune"#,
        Fail(
            r#"error: all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector
"#,
            1,
        ),
    ),
    (
        r#"apply -f - --subresource=status"#,
        Fail(
            r#"error: --subresource can only be specified for --server-side
"#,
            1,
        ),
    ),
    (
        r#"apply -f - --validate=maybe"#,
        Fail(
            r#"error: invalid - validate option "maybe"; must be one of: strict (or true), warn, ignore (or false)
"#,
            1,
        ),
    ),
    (r#"apply -f - --validate=false"#, Accept),
    (
        r#"apply -f - --dry-run=maybe"#,
        Fail(
            r#"error: Invalid dry-run value (maybe). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"api-resources x"#,
        Fail(
            r#"error: unexpected arguments: [x]
See 'kubectl api-resources -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"api-resources -o foo"#,
        Fail(
            r#"error: --output foo is not available
"#,
            1,
        ),
    ),
    (
        r#"api-resources --sort-by=x"#,
        Fail(
            r#"error: --sort-by accepts only name or kind
"#,
            1,
        ),
    ),
    (
        r#"api-versions x"#,
        Fail(
            r#"error: unexpected arguments: [x]
See 'kubectl api-versions -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"explain"#,
        Fail(
            r#"error: You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.
"#,
            1,
        ),
    ),
    (
        r#"explain a b"#,
        Fail(
            r#"error: We accept only this format: explain RESOURCE
"#,
            1,
        ),
    ),
    (
        r#"version x"#,
        Fail(
            r#"error: extra arguments: [x]
"#,
            1,
        ),
    ),
    (r#"version --client x"#, Accept),
    (
        r#"version -o foo"#,
        Fail(
            r#"error: --output must be 'yaml' or 'json'
"#,
            1,
        ),
    ),
    (
        r#"version --client -o x"#,
        Fail(
            r#"error: --output must be 'yaml' or 'json'
"#,
            1,
        ),
    ),
    (
        r#"auth can-i"#,
        Fail(
            r#"error: you must specify two arguments: verb resource or verb resource/resourceName.
See 'kubectl auth can-i -h' for help and examples.
"#,
            1,
        ),
    ),
    (
        r#"auth can-i get"#,
        Fail(
            r#"error: you must specify two arguments: verb resource or verb resource/resourceName.
See 'kubectl auth can-i -h' for help and examples.
"#,
            1,
        ),
    ),
    (
        r#"auth can-i get pods extra"#,
        Fail(
            r#"error: you must specify two arguments: verb resource or verb resource/resourceName.
See 'kubectl auth can-i -h' for help and examples.
"#,
            1,
        ),
    ),
    (
        r#"auth can-i --list get"#,
        Fail(
            r#"error: list option must be specified with no arguments
"#,
            1,
        ),
    ),
    (
        r#"auth can-i --list -q"#,
        Fail(
            r#"error: list option can't be specified with neither quiet, all-namespaces nor subresource options
"#,
            1,
        ),
    ),
    (
        r#"auth can-i get pods --no-headers"#,
        Deferred(
            r#"error: --no-headers cannot be set without --list specified
"#,
        ),
    ),
    (
        r#"auth can-i get /healthz --subresource=x"#,
        Fail(
            r#"error: --subresource can not be used with NonResourceURL
"#,
            1,
        ),
    ),
    (
        r#"events --for x"#,
        Fail(
            r#"error: --for must be in resource/name form
"#,
            1,
        ),
    ),
    (
        r#"events --for pod/x/y"#,
        Fail(
            r#"error: arguments in resource/name form may not have more than one slash
"#,
            1,
        ),
    ),
    (
        r#"events --types=Foo"#,
        Fail(
            r#"error: valid --types are Normal or Warning
"#,
            1,
        ),
    ),
    (
        r#"events -o foo"#,
        Fail(
            r#"error: unable to match a printer suitable for the output format "foo", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
            1,
        ),
    ),
    (
        r#"events -o jsonpath"#,
        Fail(
            r#"error: template format specified but no template given
"#,
            1,
        ),
    ),
    (
        r#"top pod a b"#,
        Fail(
            r#"error: pod [NAME | -l label]
See 'kubectl top pod -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"top node a b"#,
        Fail(
            r#"error: node [NAME | -l label]
See 'kubectl top node -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"top pod --sort-by=x"#,
        Fail(
            r#"error: --sort-by accepts only cpu or memory
"#,
            1,
        ),
    ),
    (
        r#"top node --sort-by=x"#,
        Fail(
            r#"error: --sort-by accepts only cpu or memory
"#,
            1,
        ),
    ),
    (
        r#"top pod -l a=b x"#,
        Fail(
            r#"error: only one of NAME or selector can be provided
"#,
            1,
        ),
    ),
    (
        r#"top pod --field-selector a=b x"#,
        Fail(
            r#"error: only one of NAME or selector can be provided
"#,
            1,
        ),
    ),
    (
        r#"top node -l a=b x"#,
        Fail(
            r#"error: only one of NAME or --selector can be provided
"#,
            1,
        ),
    ),
    (
        r#"describe"#,
        Fail(
            r#"error: You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.
"#,
            1,
        ),
    ),
    (r#"describe pods"#, Accept),
    (r#"describe pod x"#, Accept),
    (r#"describe pod/x"#, Accept),
    (r#"describe pods -l app=web"#, Accept),
    (
        r#"describe pod/x pod"#,
        Fail(
            r#"error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'
"#,
            1,
        ),
    ),
    (r#"describe pods -A"#, Accept),
    (
        r#"describe pod x -o yaml"#,
        Fail(
            r#"error: unknown shorthand flag: 'o' in -o
See 'kubectl describe --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"logs"#,
        Fail(
            r#"error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.
POD or TYPE/NAME is a required argument for the logs command
See 'kubectl logs -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"logs a b c"#,
        Fail(
            r#"error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.
POD or TYPE/NAME is a required argument for the logs command
See 'kubectl logs -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"logs -l app=x y"#,
        Fail(
            r#"error: only a selector (-l) or a POD name is allowed
See 'kubectl logs -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"logs a/b/c"#,
        Fail(
            r#"error: arguments in resource/name form may not have more than one slash
"#,
            1,
        ),
    ),
    (
        r#"logs /x"#,
        Fail(
            r#"error: arguments in resource/name form must have a single resource and name
"#,
            1,
        ),
    ),
    (
        r#"logs x --since-time=garbage"#,
        Fail(
            r#"error: parsing time "garbage" as "2006-01-02T15:04:05Z07:00": cannot parse "garbage" as "2006"
"#,
            1,
        ),
    ),
    (
        r#"logs x --since-time=2024-13-01T00:00:00Z"#,
        Fail(
            r#"error: parsing time "2024-13-01T00:00:00Z": month out of range
"#,
            1,
        ),
    ),
    (
        r#"logs x --since-time=2024-01-01"#,
        Fail(
            r#"error: parsing time "2024-01-01" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T"
"#,
            1,
        ),
    ),
    (
        r#"logs -c"#,
        Fail(
            r#"error: flag needs an argument: 'c' in -c
See 'kubectl logs --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"patch deploy x"#,
        Fail(
            r#"error: must specify --patch or --patch-file containing the contents of the patch
"#,
            1,
        ),
    ),
    (
        r#"patch -p {}"#,
        Fail(
            r#"error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'
"#,
            1,
        ),
    ),
    (
        r#"patch deploy x -p {} --type=foo"#,
        Fail(
            r#"error: --type must be one of [json merge strategic], not "foo"
"#,
            1,
        ),
    ),
    (
        r#"patch deploy x -p {} --patch-file=f"#,
        Fail(
            r#"error: cannot specify --patch and --patch-file together
"#,
            1,
        ),
    ),
    (
        r#"patch deploy x --type=json -p [] --dry-run=foo"#,
        Fail(
            r#"error: Invalid dry-run value (foo). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"patch deploy x -p {} --local"#,
        Fail(
            r#"error: cannot specify --local and server resources
"#,
            1,
        ),
    ),
    (
        r#"rollout restart"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout status"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout undo"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout history"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout pause"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout resume"#,
        Fail(
            r#"error: required resource not specified
"#,
            1,
        ),
    ),
    (
        r#"rollout status deploy x --revision=-1"#,
        Fail(
            r#"error: revision must be a positive integer: -1
"#,
            1,
        ),
    ),
    (
        r#"rollout history deploy/x --revision=-1"#,
        Fail(
            r#"error: revision must be a positive integer: -1
"#,
            1,
        ),
    ),
    (
        r#"rollout undo deploy/x --dry-run=x"#,
        Fail(
            r#"error: Invalid dry-run value (x). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"label pods x"#,
        Fail(
            r#"error: at least one label update is required
"#,
            1,
        ),
    ),
    (
        r#"label pods x a=b a-"#,
        Fail(
            r#"error: can not both modify and remove a label in the same command
"#,
            1,
        ),
    ),
    (
        r#"label pods x a=b=c"#,
        Fail(
            r#"error: invalid label spec: a=b=c
"#,
            1,
        ),
    ),
    (
        r#"label pods x 'a=b c'"#,
        Fail(
            r#"error: invalid label value: "a=b c": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')
"#,
            1,
        ),
    ),
    (
        r#"label pods x a=-bad"#,
        Fail(
            r#"error: invalid label value: "a=-bad": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')
"#,
            1,
        ),
    ),
    (
        r#"label pods x foo"#,
        Fail(
            r#"error: at least one label update is required
"#,
            1,
        ),
    ),
    (
        r#"label pods x a=b y"#,
        Fail(
            r#"error: all resources must be specified before label changes: y
"#,
            1,
        ),
    ),
    (
        r#"label pods --all -l a=b c=d"#,
        Fail(
            r#"error: cannot set --all and --selector at the same time
"#,
            1,
        ),
    ),
    (
        r#"label pods x --list -o yaml"#,
        Fail(
            r#"error: --list and --output may not be specified together
"#,
            1,
        ),
    ),
    (
        r#"label a=b"#,
        Fail(
            r#"error: one or more resources must be specified as <resource> <name> or <resource>/<name>
"#,
            1,
        ),
    ),
    (
        r#"annotate pods x"#,
        Fail(
            r#"error: at least one annotation update is required
"#,
            1,
        ),
    ),
    (
        r#"annotate pods x a"#,
        Fail(
            r#"error: at least one annotation update is required
"#,
            1,
        ),
    ),
    (
        r#"annotate pods x a=1 a-"#,
        Fail(
            r#"error: can not both modify and remove the following annotation(s) in the same command: a
"#,
            1,
        ),
    ),
    (
        r#"annotate pods x a=b y"#,
        Fail(
            r#"error: all resources must be specified before annotation changes: y
"#,
            1,
        ),
    ),
    (
        r#"annotate a=b"#,
        Fail(
            r#"error: one or more resources must be specified as <resource> <name> or <resource>/<name>
"#,
            1,
        ),
    ),
    (
        r#"annotate pods --all -l x=y a=b"#,
        Fail(
            r#"error: cannot set --all and --selector at the same time
"#,
            1,
        ),
    ),
    (r#"set image deploy/x"#, Accept),
    (
        r#"set image deploy/x web"#,
        Fail(
            r#"error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'
"#,
            1,
        ),
    ),
    (
        r#"set image deploy/x a=b y"#,
        Fail(
            r#"error: all resources must be specified before image changes: y
"#,
            1,
        ),
    ),
    (
        r#"set env deploy/x A=1 y"#,
        Fail(
            r#"error: all resources must be specified before environment changes: deploy/x A=1 y
"#,
            1,
        ),
    ),
    (
        r#"set env deploy/x 1A=b"#,
        Fail(
            r#"error: "1A" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')
"#,
            1,
        ),
    ),
    (
        r#"set env deploy/x A=1 A-"#,
        Fail(
            r#"error: can not both modify and remove the same environment variable in the same command
"#,
            1,
        ),
    ),
    (
        r#"set env deploy/x --keys=a"#,
        Fail(
            r#"error: when specifying --keys, a configmap or secret must be provided with --from
"#,
            1,
        ),
    ),
    (
        r#"set env deploy/x --list -o yaml"#,
        Fail(
            r#"error: --list and --output may not be specified together
"#,
            1,
        ),
    ),
    (
        r#"set env --all -l a=b deploy A=1"#,
        Fail(
            r#"error: cannot set --all and --selector at the same time
"#,
            1,
        ),
    ),
    (
        r#"set env"#,
        Fail(
            r#"error: one or more resources must be specified as <resource> <name> or <resource>/<name>
"#,
            1,
        ),
    ),
    (
        r#"set resources deploy/x --local"#,
        Fail(
            r#"error: you must specify resources by --filename when --local is set.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
"#,
            1,
        ),
    ),
    (
        r#"set resources"#,
        Fail(
            r#"error: You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'
"#,
            1,
        ),
    ),
    (
        r#"get pods -o jsonpath"#,
        Deferred(
            r#"error: template format specified but no template given
"#,
        ),
    ),
    (
        r#"get pods -o jsonpath="#,
        Deferred(
            r#"error: template format specified but no template given
"#,
        ),
    ),
    (
        r#"get pods --show-labels -o yaml"#,
        Fail(
            r#"error: --show-labels option cannot be used with yaml printer
"#,
            1,
        ),
    ),
    (
        r#"get pods --output-watch-events"#,
        Fail(
            r#"error: --output-watch-events option can only be used with --watch or --watch-only
"#,
            1,
        ),
    ),
    (
        r#"get pods --raw /x"#,
        Fail(
            r#"error: arguments may not be passed when --raw is specified
"#,
            1,
        ),
    ),
    (
        r#"get --raw x"#,
        Fail(
            r#"error: --raw must be a valid URL path: parse "x": invalid URI for request
"#,
            1,
        ),
    ),
    (
        r#"get --raw /x -o yaml"#,
        Fail(
            r#"error: --raw and --output are mutually exclusive
"#,
            1,
        ),
    ),
    (
        r#"get deploy/x,svc/y"#,
        Fail(
            r#"error: arguments in resource/name form may not have more than one slash
"#,
            1,
        ),
    ),
    (
        r#"get /x"#,
        Fail(
            r#"error: arguments in resource/name form must have a single resource and name
"#,
            1,
        ),
    ),
    (
        r#"get pods -l app=x x"#,
        Fail(
            r#"error: name cannot be provided when a selector is specified
"#,
            1,
        ),
    ),
    (
        r#"get pods/x -l a=b"#,
        Fail(
            r#"error: selectors and the all flag cannot be used when passing resource/name arguments
"#,
            1,
        ),
    ),
    (
        r#"get -f x.yaml"#,
        Fail(
            r#"error: the path "x.yaml" does not exist
"#,
            1,
        ),
    ),
    (
        r#"get -f x.yaml -k dir"#,
        Fail(
            r#"error: only one of -f or -k can be specified
"#,
            1,
        ),
    ),
    (
        r#"get -k dir -R"#,
        Fail(
            r#"error: the -k flag can't be used with -f or -R
"#,
            1,
        ),
    ),
    (
        r#"get pods --subresource=status -l a=b"#,
        Fail(
            r#"error: subresource cannot be used when bulk resources are specified
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=1 -o wide"#,
        Fail(
            r#"error: unable to match a printer suitable for the output format "wide", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=1 -o jsonpath"#,
        Fail(
            r#"error: template format specified but no template given
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=1 -o jsonpath="#,
        Fail(
            r#"error: template format specified but no template given
"#,
            1,
        ),
    ),
    (
        r#"scale deploy x --replicas=1 -o 'go-template={{.x}}'"#,
        Accept,
    ),
    (
        r#"scale deploy x --replicas=1 --dry-run=x"#,
        Fail(
            r#"error: Invalid dry-run value (x). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx --dry-run=x"#,
        Fail(
            r#"error: Invalid dry-run value (x). Must be "none", "server", or "client".
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx --validate=x"#,
        Fail(
            r#"error: invalid - validate option "x"; must be one of: strict (or true), warn, ignore (or false)
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=a --image=b -- sleep 1"#,
        Fail(
            r#"error: cannot specify multiple --image options and command
"#,
            1,
        ),
    ),
    (
        r#"create configmap c --from-env-file=a --from-literal=a=b"#,
        Fail(
            r#"error: from-env-file cannot be combined with from-file or from-literal
"#,
            1,
        ),
    ),
    (
        r#"create deployment web --image=nginx -o wide"#,
        Fail(
            r#"error: unable to match a printer suitable for the output format "wide", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
            1,
        ),
    ),
    (
        r#"run"#,
        Fail(
            r#"error: required flag(s) "image" not set
"#,
            1,
        ),
    ),
    (
        r#"run x"#,
        Fail(
            r#"error: required flag(s) "image" not set
"#,
            1,
        ),
    ),
    (
        r#"run x --image=busybox --expose"#,
        Fail(
            r#"error: --port must be set when exposing a service
See 'kubectl run -h' for help and examples
"#,
            1,
        ),
    ),
    (
        r#"run --image=busybox"#,
        Fail(
            r#"error: NAME is required for run
See 'kubectl run -h' for help and examples
"#,
            1,
        ),
    ),
    (r#"scale deploy x --replicas=1 --record"#, Accept),
    (r#"label pods x a=b --record"#, Accept),
    (
        r#"get pods -n payments -o foo"#,
        Deferred(
            r#"error: unable to match a printer suitable for the output format "foo", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml
"#,
        ),
    ),
    (
        r#"get pods -n payments -o jsonpath"#,
        Deferred(
            r#"error: template format specified but no template given
"#,
        ),
    ),
    (
        r#"get pods -n payments -o custom-columns="#,
        Deferred(
            r#"error: custom-columns format specified but no custom columns given
"#,
        ),
    ),
    (
        r#"get pods -n payments -o custom-columns=NAME"#,
        Deferred(
            r#"error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>
"#,
        ),
    ),
    (
        r#"get deploy payment-api -n payments -o 'jsonpath={.spec.replicas}'"#,
        Accept,
    ),
    (
        r#"get pods -n payments --sort-by=.metadata.name -o name"#,
        Accept,
    ),
    (
        r#"set image deploy/payment-api -n payments"#,
        Deferred(
            r#"error: at least one image update is required
"#,
        ),
    ),
    (
        r#"set image deploy/payment-api -n payments '*=a' b=c"#,
        Deferred(
            r#"error: all containers are already specified by *, but saw more than one container_name=container_image pairs
"#,
        ),
    ),
    (
        r#"set resources deploy/payment-api -n payments"#,
        Deferred(
            r#"error: you must specify an update to requests or limits (in the form of --requests/--limits)
"#,
        ),
    ),
    (
        r#"set resources deploy/payment-api -n payments --limits=memory"#,
        Deferred(
            r#"error: Invalid argument syntax memory, expected <resource>=<value>
"#,
        ),
    ),
    (
        r#"set resources deploy/payment-api -n payments --limits=memory=64Mi --dry-run=client -o name"#,
        Accept,
    ),
    (
        r#"delete pods -n payments"#,
        Deferred(
            r#"error: resource(s) were provided, but no name was specified
"#,
        ),
    ),
    (
        r#"delete pod payment-db-0 -n payments -o yaml"#,
        Deferred(
            r#"error: unexpected -o output mode: yaml. We only support '-o name'
"#,
        ),
    ),
    (
        r#"delete pod payment-db-0 -n payments --force --grace-period=5"#,
        Deferred(
            r#"error: --force and --grace-period greater than 0 cannot be specified together
"#,
        ),
    ),
    (
        r#"delete pod payment-db-0 -n payments --dry-run=server"#,
        Accept,
    ),
    (
        r#"logs -n payments deploy/payment-api --tail=-2"#,
        Deferred(
            r#"error: --tail must be greater than or equal to -1
"#,
        ),
    ),
    (
        r#"logs -n payments deploy/payment-api -c a b"#,
        Deferred(
            r#"error: only one of -c or an inline [CONTAINER] arg is allowed
"#,
        ),
    ),
    (
        r#"logs -n payments deploy/payment-api --all-containers -c a"#,
        Deferred(
            r#"error: --all-containers=true should not be specified with container name a
"#,
        ),
    ),
    (
        r#"logs -n payments deploy/payment-api --limit-bytes=-1"#,
        Deferred(
            r#"error: --limit-bytes must be greater than 0
"#,
        ),
    ),
    (
        r#"logs -n payments deploy/payment-api --since=1s --since-time=2024-01-01T00:00:00Z"#,
        Deferred(
            r#"error: at most one of `sinceTime` or `sinceSeconds` may be specified
"#,
        ),
    ),
    (
        r#"logs -n payments deploy/payment-api --since=-1s"#,
        Deferred(
            r#"error: --since must be greater than 0
"#,
        ),
    ),
    (r#"logs -n payments deploy/payment-api --tail=1"#, Accept),
    (
        r#"auth can-i get pods --no-headers"#,
        Deferred(
            r#"error: --no-headers cannot be set without --list specified
"#,
        ),
    ),
    (
        r#"patch deploy payment-api -n payments -p '{}' -o foo"#,
        Deferred(
            r#"error: unable to match a printer suitable for the output format "foo", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
        ),
    ),
    (
        r#"patch deploy payment-api -n payments -p '{}' --dry-run=server"#,
        Accept,
    ),
    (
        r#"label deploy payment-api -n payments a=b -o foo --dry-run=server"#,
        Deferred(
            r#"error: unable to match a printer suitable for the output format "foo", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
        ),
    ),
    (
        r#"rollout restart deploy payment-api -n payments -o foo --dry-run=server"#,
        Fail(
            r#"error: unknown flag: --dry-run
See 'kubectl rollout restart --help' for usage.
"#,
            1,
        ),
    ),
    (
        r#"rollout history deploy payment-api -n payments -o foo"#,
        Deferred(
            r#"error: unable to match a printer suitable for the output format "foo", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml
"#,
        ),
    ),
    (
        r#"rollout undo deploy payment-api -n payments -o foo --dry-run=server"#,
        Accept,
    ),
    (
        r#"scale deploy payment-api -n payments --replicas=1 --dry-run=server"#,
        Accept,
    ),
    (
        r#"scale deploy -n payments --replicas=1"#,
        Deferred(
            r#"error: resource(s) were provided, but no name was specified
"#,
        ),
    ),
    (
        r#"patch deploy -n payments -p '{}'"#,
        Deferred(
            r#"error: resource(s) were provided, but no name was specified
"#,
        ),
    ),
    (r#"explain pods --output=x"#, Accept),
    (r#"get pods -n payments -o wide"#, Accept),
    (r#"describe deploy payment-api -n payments"#, Accept),
    (r#"top pods -n payments"#, Accept),
    (r#"events -n payments"#, Accept),
    (r#"cluster-info"#, Accept),
    (r#"api-resources"#, Accept),
    (r#"api-versions"#, Accept),
    (r#"version"#, Accept),
    (r#"create -f - </dev/null"#, Refused),
    (r#"get pods -w"#, Refused),
    (r#"get pods --watch"#, Refused),
    (r#"get pods -Aw"#, Refused),
    (r#"get pods --watch-only"#, Refused),
    (r#"events -w"#, Refused),
    (r#"exec -it x -- sh"#, Refused),
    (r#"exec x -- ls"#, Refused),
    (r#"edit deploy/web"#, Refused),
    (r#"port-forward svc/web 8080:80"#, Refused),
    (r#"proxy"#, Refused),
    (r#"cp x:/tmp/a /tmp/b"#, Refused),
    (r#"attach x"#, Refused),
    (r#"debug x -it --image=busybox"#, Refused),
    (r#"run x --image=busybox -it"#, Refused),
    (r#"run x --image=busybox -i -t --rm -- sh"#, Refused),
    (r#"delete pod x -i"#, Refused),
    (r#"cordon node1"#, Refused),
    (r#"config view"#, Refused),
    (r#"apply -k dir"#, Refused),
    (r#"apply -f https://example.com/x.yaml"#, Refused),
    (
        r#"--v=0"#,
        Help(r#"kubectl controls the Kubernetes cluster manager."#),
    ),
    (
        r#"scale deploy payment-api --record"#,
        Fail(
            r#"Flag --record has been deprecated, --record will be removed in the future
error: required flag(s) "replicas" not set
"#,
            1,
        ),
    ),
    (
        r#"get pods -n payments -o custom-columns=NAME:.metadata.name --no-headers"#,
        Accept,
    ),
    (
        r#"get deploy -n payments -o=jsonpath='{.items[0].spec.template.spec.containers[0].resources}'"#,
        Accept,
    ),
    (r#"logs deploy/payment-api -n payments --tail=5"#, Accept),
    (r#"describe pod -n payments payment-db-0"#, Accept),
    (
        r#"get pods -n payments --selector=app=payment-api -o name"#,
        Accept,
    ),
    (
        r#"set image deploy/payment-api -n payments payment-api=nginx:1.25 --dry-run=server"#,
        Accept,
    ),
    (
        r#"label pods -n payments payment-db-0 foo=bar --dry-run=server"#,
        Accept,
    ),
    (
        r#"annotate deploy -n payments payment-api note=x --dry-run=server"#,
        Accept,
    ),
    (
        r#"rollout status deploy/payment-api -n payments --timeout=5s"#,
        Accept,
    ),
    (
        r#"get deploy payment-api -n payments -o yaml --show-managed-fields"#,
        Accept,
    ),
    (
        r#"get po -n payments -l 'app in (payment-api, payment-db)'"#,
        Accept,
    ),
    (r#"events -n payments --types=Warning -o name"#, Accept),
    (r#"top pod -n payments --containers"#, Accept),
    (
        r#"delete pod -n payments payment-db-0 --dry-run=server -o name"#,
        Accept,
    ),
];

#[test]
fn matches_real_kubectl() {
    let mut failures = Vec::new();
    for (line, expect) in CASES {
        let got = parse(&format!("kubectl {line}"));
        let ok = match (expect, &got) {
            (Fail(msg, code), Err(e)) => e.message == *msg && e.exit_code == *code,
            (Help(first), Ok(inv)) => match &inv.verb {
                Verb::Help { topic } => {
                    help_text(topic).is_some_and(|t| t.lines().next() == Some(*first))
                }
                _ => false,
            },
            // A lookup error (not found, unknown type) comes before any deferred error.
            (Accept, Ok(inv)) => !matches!(inv.verb, Verb::Help { .. }),
            (Deferred(msg), Ok(inv)) => inv
                .deferred_error
                .as_ref()
                .is_some_and(|e| e.message == *msg),
            (Refused, Err(e)) => e.message.starts_with("error: ") && e.exit_code == 1,
            _ => false,
        };
        if !ok {
            failures.push(format!("kubectl {line}\n  got: {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} lines differ from kubectl:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
