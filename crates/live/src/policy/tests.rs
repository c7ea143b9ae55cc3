use super::*;
use crate::namespaces::SessionId;

fn map() -> NamespaceMap {
    NamespaceMap::new(SessionId::new("s1").unwrap())
}

/// The single run's arguments, or the refusal.
fn args(command: &str) -> Result<Vec<String>, String> {
    match check(command, &map()) {
        Ok(Approved {
            plan:
                Plan::Kubectl {
                    runs,
                    all_namespaces: false,
                },
            ..
        }) if runs.len() == 1 => Ok(runs[0].args.clone()),
        Ok(other) => panic!("{command}: unexpected plan {:?}", other.plan),
        Err(r) => Err(r.message),
    }
}

fn split(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_string).collect()
}

#[test]
fn allowed_commands_run_in_the_sessions_real_namespace() {
    let cases: &[(&str, &str)] = &[
        ("kubectl get pods", "get --namespace=ksg-s1-default pods"),
        (
            "kubectl get pods -n payments",
            "get --namespace=ksg-s1-payments pods",
        ),
        (
            "kubectl -npayments get po -o wide",
            "get --output=wide --namespace=ksg-s1-payments po",
        ),
        (
            "kubectl describe deploy/payment-api --namespace=payments",
            "describe --namespace=ksg-s1-payments deploy/payment-api",
        ),
        (
            "kubectl logs payment-api-1 -n payments --tail 20 -p",
            "logs --tail=20 --previous=true --namespace=ksg-s1-payments payment-api-1",
        ),
        (
            "kubectl set resources deployment payment-api -n payments --limits=memory=256Mi",
            "set resources --limits=memory=256Mi --namespace=ksg-s1-payments deployment payment-api",
        ),
        (
            "kubectl set image deploy/web-app nginx=nginx:1.25 -n frontend",
            "set image --namespace=ksg-s1-frontend deploy/web-app nginx=nginx:1.25",
        ),
        (
            "kubectl scale deploy payment-api --replicas 3 -n payments",
            "scale --replicas=3 --namespace=ksg-s1-payments deploy payment-api",
        ),
        (
            "kubectl rollout undo deployment/payment-api -n payments",
            "rollout undo --namespace=ksg-s1-payments deployment/payment-api",
        ),
        (
            "kubectl delete resourcequota tight -n payments",
            "delete --namespace=ksg-s1-payments resourcequota tight",
        ),
        ("kubectl top pod -n auth", "top pod --namespace=ksg-s1-auth"),
        ("kubectl top node", "top node --namespace=ksg-s1-default"),
        ("kubectl get nodes", "get --namespace=ksg-s1-default nodes"),
        (
            "kubectl get secrets -n auth",
            "get --namespace=ksg-s1-auth secrets",
        ),
        (
            "kubectl describe secret auth-db-credentials -n auth",
            "describe --namespace=ksg-s1-auth secret auth-db-credentials",
        ),
        (
            "kubectl get secret auth-db-credentials -n auth -o name",
            "get --output=name --namespace=ksg-s1-auth secret auth-db-credentials",
        ),
        (
            "kubectl get events -n payments --sort-by=.lastTimestamp",
            "get --sort-by=.lastTimestamp --namespace=ksg-s1-payments events",
        ),
        (
            "kubectl api-resources",
            "api-resources --namespace=ksg-s1-default",
        ),
        (
            "kubectl auth can-i delete pods -n payments",
            "auth can-i --namespace=ksg-s1-payments delete pods",
        ),
        (
            "kubectl get namespaces",
            "get --namespace=ksg-s1-default namespace/ksg-s1-auth namespace/ksg-s1-default namespace/ksg-s1-frontend namespace/ksg-s1-payments",
        ),
        (
            "kubectl get ns payments",
            "get --namespace=ksg-s1-default namespace/ksg-s1-payments",
        ),
        (
            "kubectl describe node node-1",
            "describe --namespace=ksg-s1-default node node-1",
        ),
    ];
    for (command, want) in cases {
        assert_eq!(args(command), Ok(split(want)), "{command}");
    }
}

#[test]
fn values_keep_their_spaces_and_dns_names_point_at_the_session() {
    let got = args(
        "kubectl set env deploy/payment-api -n payments DATABASE_URL='postgres://u:p@payment-db.payments.svc.cluster.local:5432/db'",
    )
    .unwrap();
    assert_eq!(
        got.last().unwrap(),
        "DATABASE_URL=postgres://u:p@payment-db.ksg-s1-payments.svc.cluster.local:5432/db"
    );
    let got = args(
        r#"kubectl patch deploy payment-api -n payments -p '{"spec":{"template":{"metadata":{"annotations":{"why":"a b"}}}}}'"#,
    )
    .unwrap();
    assert!(
        got.contains(
            &r#"--patch={"spec":{"template":{"metadata":{"annotations":{"why":"a b"}}}}}"#
                .to_string()
        ),
        "{got:?}"
    );
    let got =
        args("kubectl create deployment probe --image=busybox -n payments -- sleep 3600").unwrap();
    assert_eq!(
        got,
        split("create deployment --image=busybox --namespace=ksg-s1-payments probe -- sleep 3600")
    );
}

#[test]
fn refusals_name_the_reason() {
    let cases: &[(&str, &str)] = &[
        // Outside the session's namespaces.
        (
            "kubectl get pods -n kube-system",
            "namespace \"kube-system\" is outside this incident",
        ),
        (
            "kubectl get pods -n ksg-s1-payments",
            "namespace \"ksg-s1-payments\" is outside",
        ),
        (
            "kubectl get pods -n ksg-s2-payments",
            "is outside this incident",
        ),
        (
            "kubectl delete pod x --namespace=other",
            "namespace \"other\" is outside this incident",
        ),
        (
            "kubectl get ns kube-system",
            "namespace \"kube-system\" is outside",
        ),
        ("kubectl get ns,pods", "in a command of their own"),
        // Interactive and host-touching verbs (the grammar refuses them).
        ("kubectl exec -it payment-api-1 -n payments -- sh", "exec"),
        ("kubectl attach payment-api-1 -n payments", "attach"),
        (
            "kubectl port-forward svc/x 8080:80 -n payments",
            "port-forward",
        ),
        ("kubectl proxy", "proxy"),
        ("kubectl cp payments/x:/etc/passwd /tmp/p", "cp"),
        ("kubectl edit deploy payment-api -n payments", "edit"),
        ("kubectl cluster-info", "cluster-info is not available here"),
        // Secret values.
        (
            "kubectl get secret auth-db-credentials -n auth -o yaml",
            "secret values are not shown here",
        ),
        (
            "kubectl get secrets -n auth -o json",
            "secret values are not shown here",
        ),
        (
            "kubectl get secret auth-db-credentials -n auth -o jsonpath={.data}",
            "secret values are not shown here",
        ),
        (
            "kubectl get secret x -n auth -o go-template={{.data}}",
            "secret values are not shown here",
        ),
        (
            "kubectl get pods,secrets -n auth -o yaml",
            "secret values are not shown here",
        ),
        (
            "kubectl get secret/x -n auth -o custom-columns=D:.data",
            "secret values are not shown here",
        ),
        (
            "kubectl label secret x -n auth a=b -o yaml",
            "secret values are not shown here",
        ),
        (
            "kubectl set env deploy/x -n auth --list --resolve",
            "--resolve",
        ),
        (
            "kubectl get --raw /api/v1/secrets",
            "get --raw is not allowed",
        ),
        // Cluster-scoped writes.
        ("kubectl create namespace evil", "cluster-scoped write"),
        ("kubectl delete namespace payments", "cluster-scoped"),
        ("kubectl label node node-1 evil=yes", "cluster-scoped"),
        ("kubectl cordon node-1", ""),
        (
            "kubectl patch node node-1 -p '{\"spec\":{\"unschedulable\":true}}'",
            "cluster-scoped",
        ),
        ("kubectl delete storageclass standard-rwo", "cluster-scoped"),
        // All namespaces on a write.
        (
            "kubectl delete pods --all -A",
            "--all-namespaces is allowed only on reads",
        ),
        // Credentials and files.
        (
            "kubectl get pods --kubeconfig=/root/.kube/config",
            "--kubeconfig is not allowed",
        ),
        (
            "kubectl get pods --context=prod",
            "--context is not allowed",
        ),
        (
            "kubectl get pods --server=https://evil",
            "--server is not allowed",
        ),
        ("kubectl get pods --token=abc", "--token is not allowed"),
        ("kubectl get pods --as=system:admin", "--as is not allowed"),
        ("kubectl apply -f /etc/passwd", "\"/etc/passwd\""),
        // Kinds the environment does not serve.
        (
            "kubectl get clusterroles",
            "resource type \"clusterroles\" is not available",
        ),
        (
            "kubectl delete crd foos.example.com",
            "is not available here",
        ),
        // Sandbox escapes.
        (
            r#"kubectl patch deploy payment-api -n payments -p '{"spec":{"template":{"spec":{"hostNetwork":true}}}}'"#,
            "sets hostNetwork",
        ),
        (
            r#"kubectl patch deploy payment-api -n payments --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/0/securityContext/privileged","value":true}]'"#,
            "sets privileged",
        ),
        (
            r#"kubectl patch deploy x -n payments --type=json -p '[{"op":"add","path":"/spec/template/spec/volumes/-","value":{"name":"h","hostPath":{"path":"/"}}}]'"#,
            "sets hostPath",
        ),
        (
            r#"kubectl run x --image=busybox -n payments --overrides='{"spec":{"serviceAccountName":"admin"}}'"#,
            "sets serviceAccountName",
        ),
    ];
    for (command, want) in cases {
        let got = args(command);
        let Err(message) = got else {
            panic!("{command}: allowed as {got:?}");
        };
        assert!(message.contains(want), "{command}: {message}");
        assert!(message.ends_with('\n'), "{command}: {message:?}");
    }
}

#[test]
fn all_namespaces_on_reads_fans_out_over_the_session() {
    for command in [
        "kubectl get pods -A",
        "kubectl get pods --all-namespaces -o wide",
        "kubectl describe pods -A",
        "kubectl events -A",
        "kubectl top pod -A",
    ] {
        let approved = check(command, &map()).unwrap();
        let Plan::Kubectl {
            runs,
            all_namespaces,
        } = approved.plan
        else {
            panic!("{command}");
        };
        assert!(all_namespaces, "{command}");
        let namespaces: Vec<&str> = runs
            .iter()
            .map(|r| {
                r.args
                    .iter()
                    .find_map(|a| a.strip_prefix("--namespace="))
                    .unwrap()
            })
            .collect();
        assert_eq!(
            namespaces,
            [
                "ksg-s1-auth",
                "ksg-s1-default",
                "ksg-s1-frontend",
                "ksg-s1-payments"
            ],
            "{command}"
        );
        for run in &runs {
            assert!(
                !run.args.iter().any(|a| a.contains("all-namespaces")),
                "{command}: {:?}",
                run.args
            );
        }
    }
}

#[test]
fn manifests_are_checked_and_moved_into_the_session() {
    let command = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: frontend\ndata:\n  UPSTREAM: http://auth-service.auth.svc.cluster.local\nEOF";
    let approved = check(command, &map()).unwrap();
    let Plan::Kubectl { runs, .. } = approved.plan else {
        panic!()
    };
    let stdin = runs[0].stdin.as_deref().unwrap();
    let doc: serde_json::Value = serde_json::from_str(stdin.trim()).unwrap();
    assert_eq!(doc["metadata"]["namespace"], "ksg-s1-frontend");
    assert_eq!(
        doc["data"]["UPSTREAM"],
        "http://auth-service.ksg-s1-auth.svc.cluster.local"
    );
    assert_eq!(
        runs[0].args,
        split("apply --filename=- --namespace=ksg-s1-default")
    );

    for (manifest, want) in [
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: kube-system\n",
            "namespace \"kube-system\" is outside",
        ),
        (
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: evil\n",
            "cluster-scoped writes",
        ),
        (
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: evil\n",
            "not among the kinds",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostPID: true\n  containers:\n  - name: c\n    image: busybox\n",
            "sets hostPID",
        ),
    ] {
        let command = format!("kubectl apply -f - <<EOF\n{manifest}EOF");
        let err = check(&command, &map()).unwrap_err();
        assert!(err.message.contains(want), "{manifest}: {}", err.message);
    }
}

#[test]
fn help_is_answered_without_a_cluster() {
    let approved = check("kubectl get --help", &map()).unwrap();
    let Plan::Local { stdout } = approved.plan else {
        panic!()
    };
    assert!(stdout.contains("Display one or many resources"), "{stdout}");
}

#[test]
fn pipes_stay_with_the_invocation_not_the_binary() {
    let approved = check("kubectl get pods -n payments | grep api", &map()).unwrap();
    assert_eq!(approved.invocation.pipeline.len(), 1);
    let Plan::Kubectl { runs, .. } = approved.plan else {
        panic!()
    };
    assert_eq!(runs[0].args, split("get --namespace=ksg-s1-payments pods"));
}
