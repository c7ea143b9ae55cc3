//! What the grammar makes of the forms people and models type: verbs, positional arguments,
//! targets and typed flags, whatever the flag order.

use kubectl::grammar::{
    CreateWhat, Filter, Invocation, Output, RolloutWhat, SetWhat, StderrRedirect, Target, TopWhat,
    Verb, help_text, parse,
};

fn p(line: &str) -> Invocation {
    parse(line).unwrap_or_else(|e| panic!("{line:?} was refused: {}", e.message))
}

fn t(resource: &str, name: Option<&str>) -> Target {
    Target {
        resource: resource.to_string(),
        name: name.map(str::to_string),
    }
}

#[test]
fn namespace_in_every_spelling_and_position() {
    for line in [
        "kubectl -n payments get po",
        "kubectl get po -n payments",
        "kubectl get -n payments po",
        "kubectl get pods -npayments",
        "kubectl get pods -n=payments",
        "kubectl get pods --namespace payments",
        "kubectl get pods --namespace=payments",
        "kubectl --namespace payments get pods",
        "kubectl --namespace=payments get pods",
        "get pods -npayments",
        "kubectl get pods -n default -n payments",
    ] {
        let inv = p(line);
        assert_eq!(inv.verb, Verb::Get, "{line}");
        assert_eq!(inv.flags.namespace.as_deref(), Some("payments"), "{line}");
        assert_eq!(inv.targets.len(), 1, "{line}");
    }
    // An empty namespace is no namespace, as for kubectl.
    assert_eq!(p("kubectl get pods -n ''").flags.namespace, None);
}

#[test]
fn get_forms() {
    let inv = p("kubectl get pods -A -o wide");
    assert!(inv.flags.all_namespaces);
    assert_eq!(inv.flags.output, Some(Output::Wide));
    for line in [
        "kubectl get pods -Aowide",
        "kubectl get pods -owide -A",
        "kubectl get pods --all-namespaces --output=wide",
        "kubectl get pods --all_namespaces -o=wide",
    ] {
        let inv = p(line);
        assert!(inv.flags.all_namespaces, "{line}");
        assert_eq!(inv.flags.output, Some(Output::Wide), "{line}");
    }
    assert_eq!(
        p("kubectl get pods -o jsonpath='{.items[*].metadata.name}'")
            .flags
            .output,
        Some(Output::JsonPath("{.items[*].metadata.name}".into()))
    );
    assert_eq!(
        p(r#"kubectl get pods -o "jsonpath={range .items[*]}{.metadata.name}{'\n'}{end}""#)
            .flags
            .output,
        Some(Output::JsonPath(
            r"{range .items[*]}{.metadata.name}{'\n'}{end}".into()
        ))
    );
    assert_eq!(
        p("kubectl get pods -o jsonpath-as-json={.items}")
            .flags
            .output,
        Some(Output::JsonPathAsJson("{.items}".into()))
    );
    assert_eq!(
        p("kubectl get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName")
            .flags
            .output,
        Some(Output::CustomColumns(
            "NAME:.metadata.name,NODE:.spec.nodeName".into()
        ))
    );
    assert_eq!(
        p("kubectl get pods -o go-template='{{.kind}}'")
            .flags
            .output,
        Some(Output::GoTemplate("{{.kind}}".into()))
    );
    assert_eq!(
        p("kubectl get pods --template='{{.kind}}'").flags.output,
        Some(Output::GoTemplate("{{.kind}}".into()))
    );
    assert_eq!(
        p("kubectl get pods -o template --template={{.kind}}")
            .flags
            .output,
        Some(Output::GoTemplate("{{.kind}}".into()))
    );
    for (o, want) in [
        ("yaml", Output::Yaml),
        ("json", Output::Json),
        ("name", Output::Name),
    ] {
        assert_eq!(
            p(&format!("kubectl get pods -o {o}")).flags.output,
            Some(want)
        );
    }

    let inv = p("kubectl get pods -l app=web,tier!=db --field-selector=status.phase=Running");
    assert_eq!(inv.flags.selector.as_deref(), Some("app=web,tier!=db"));
    assert_eq!(
        inv.flags.field_selector.as_deref(),
        Some("status.phase=Running")
    );
    let inv = p("kubectl get events --sort-by=.lastTimestamp --no-headers --show-kind");
    assert_eq!(inv.flags.sort_by.as_deref(), Some(".lastTimestamp"));
    assert!(inv.flags.no_headers && inv.flags.show_kind);
    let inv = p("kubectl get pods -L app -Ltier --label-columns=a,b --show-labels");
    assert_eq!(inv.flags.label_columns, ["app", "tier", "a", "b"]);
    assert!(inv.flags.show_labels);
}

#[test]
fn resource_arguments() {
    assert_eq!(p("kubectl get pods").targets, [t("pods", None)]);
    assert_eq!(
        p("kubectl get deploy,svc").targets,
        [t("deploy", None), t("svc", None)]
    );
    assert_eq!(
        p("kubectl get deploy,svc,deploy").targets,
        [t("deploy", None), t("svc", None)]
    );
    assert_eq!(
        p("kubectl get pod a b").targets,
        [t("pod", Some("a")), t("pod", Some("b"))]
    );
    assert_eq!(
        p("kubectl get deploy/web svc/web").targets,
        [t("deploy", Some("web")), t("svc", Some("web"))]
    );
    assert_eq!(
        p("kubectl get deploy,svc web").targets,
        [t("deploy", Some("web")), t("svc", Some("web"))]
    );
    // The raw words are kept; aliases are the executor's.
    assert_eq!(p("kubectl get deploy,svc web").args, ["deploy,svc", "web"]);
    assert_eq!(p("kubectl describe pod/x").targets, [t("pod", Some("x"))]);

    let e = parse("kubectl get pod/x pod").unwrap_err();
    assert_eq!(
        e.message,
        "error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'\n"
    );
    assert_eq!(e.exit_code, 1);
    assert_eq!(
        parse("kubectl get pods/a/b").unwrap_err().message,
        "error: arguments in resource/name form may not have more than one slash\n"
    );
    assert_eq!(
        parse("kubectl get /x").unwrap_err().message,
        "error: arguments in resource/name form must have a single resource and name\n"
    );
}

#[test]
fn logs_forms() {
    let inv = p("kubectl logs -p -c web pod/x");
    assert_eq!(inv.verb, Verb::Logs);
    assert!(inv.flags.previous);
    assert_eq!(inv.flags.container.as_deref(), Some("web"));
    assert_eq!(inv.targets, [t("pod", Some("x"))]);

    let inv = p("kubectl logs x web --tail 20 --timestamps --since=5m");
    assert_eq!(inv.targets, [t("pods", Some("x"))]);
    assert_eq!(inv.operands, ["web"]);
    assert_eq!(inv.flags.tail, Some(20));
    assert!(inv.flags.timestamps);
    assert_eq!(inv.flags.since.as_deref(), Some("5m"));
    assert_eq!(p("kubectl logs x --tail=20").flags.tail, Some(20));
    assert_eq!(p("kubectl logs x").flags.tail, None);
    assert!(p("kubectl logs --previous x").flags.previous);
    assert!(p("kubectl logs -f deployment/web").flags.follow);
    let inv = p("kubectl logs -l app=web --all-containers");
    assert_eq!(inv.flags.selector.as_deref(), Some("app=web"));
    assert!(inv.flags.all_containers);
    assert_eq!(inv.targets, [t("pods", None)]);
    // `-p` is --previous for logs, and --patch for patch (shorthands belong to commands).
    assert!(p("kubectl logs x -pc web").flags.previous);
}

#[test]
fn patch_forms() {
    let inv = p(r#"kubectl patch deploy x -p '{"spec":{}}' --type merge"#);
    assert_eq!(inv.verb, Verb::Patch);
    assert_eq!(inv.flags.patch.as_deref(), Some(r#"{"spec":{}}"#));
    assert_eq!(inv.flags.patch_type.as_deref(), Some("merge"));
    assert_eq!(inv.targets, [t("deploy", Some("x"))]);
    let inv = p(
        r#"kubectl patch deployment/x --type=json -p='[{"op":"replace","path":"/spec/replicas","value":2}]'"#,
    );
    assert_eq!(inv.flags.patch_type.as_deref(), Some("json"));
    assert_eq!(
        inv.flags.patch.as_deref(),
        Some(r#"[{"op":"replace","path":"/spec/replicas","value":2}]"#)
    );
    assert_eq!(
        p(r#"kubectl patch deploy x --patch "{\"a\":1}""#)
            .flags
            .patch_type
            .as_deref(),
        Some("strategic")
    );
    assert_eq!(
        p("kubectl patch deploy x -p {} --type=MERGE")
            .flags
            .patch_type
            .as_deref(),
        Some("merge")
    );
}

#[test]
fn set_forms() {
    let inv = p("kubectl set resources deployment/x -c=app --limits=memory=128Mi");
    assert_eq!(inv.verb, Verb::Set(SetWhat::Resources));
    assert_eq!(inv.flags.containers.as_deref(), Some("app"));
    assert_eq!(inv.flags.limits.as_deref(), Some("memory=128Mi"));
    assert_eq!(inv.targets, [t("deployment", Some("x"))]);
    assert_eq!(inv.deferred_error, None);
    let inv = p(
        "kubectl set resources deploy x --limits cpu=200m,memory=512Mi --requests=cpu=100m -n payments",
    );
    assert_eq!(inv.flags.limits.as_deref(), Some("cpu=200m,memory=512Mi"));
    assert_eq!(inv.flags.requests.as_deref(), Some("cpu=100m"));
    assert_eq!(inv.flags.namespace.as_deref(), Some("payments"));

    let inv = p("kubectl set image deploy/web web=nginx:1.25 sidecar=busybox");
    assert_eq!(inv.verb, Verb::Set(SetWhat::Image));
    assert_eq!(inv.targets, [t("deploy", Some("web"))]);
    assert_eq!(inv.operands, ["web=nginx:1.25", "sidecar=busybox"]);

    let inv = p("kubectl set env deploy/web LOG_LEVEL=debug OLD- -e X=1");
    assert_eq!(inv.verb, Verb::Set(SetWhat::Env));
    assert_eq!(inv.operands, ["LOG_LEVEL=debug", "OLD-"]);
    assert_eq!(inv.flags.env, ["X=1"]);
}

#[test]
fn scale_rollout_delete_label() {
    for line in [
        "kubectl scale deploy x --replicas=3",
        "kubectl scale deploy x --replicas 3",
        "kubectl scale --replicas=3 deployment/x",
        "kubectl scale deploy/x --replicas=0x3",
    ] {
        assert_eq!(p(line).flags.replicas, Some(3), "{line}");
    }
    assert_eq!(
        p("kubectl rollout restart deployment/web").verb,
        Verb::Rollout(RolloutWhat::Restart)
    );
    assert_eq!(
        p("kubectl rollout -n payments status deploy web").verb,
        Verb::Rollout(RolloutWhat::Status)
    );
    // rollout status waits by default; that is not a stream.
    assert!(p("kubectl rollout status deploy/web").flags.watch);
    assert!(!p("kubectl rollout status deploy/web -w=false").flags.watch);
    assert_eq!(
        p("kubectl rollout undo deploy/web --to-revision=2")
            .flags
            .to_revision,
        Some(2)
    );
    assert_eq!(
        p("kubectl rollout history deploy/web --revision 3")
            .flags
            .revision,
        Some(3)
    );
    let inv = p("kubectl delete pod x --grace-period=0 --force");
    assert_eq!(inv.verb, Verb::Delete);
    assert!(inv.flags.force);
    assert_eq!(inv.flags.grace_period, Some(0));
    assert_eq!(inv.warnings.len(), 1);
    assert_eq!(
        p("kubectl delete pod x --dry-run").flags.dry_run.as_deref(),
        Some("client")
    );
    assert_eq!(
        p("kubectl delete pod x --dry-run=server")
            .flags
            .dry_run
            .as_deref(),
        Some("server")
    );
    assert!(p("kubectl delete pods --all").flags.ignore_not_found);
    let inv = p("kubectl label pods x app=web tier- --overwrite");
    assert_eq!(inv.operands, ["app=web", "tier-"]);
    assert!(inv.flags.overwrite);
    assert_eq!(inv.targets, [t("pods", Some("x"))]);
    let inv = p("kubectl annotate deploy/web note='fix memory'");
    assert_eq!(inv.operands, ["note=fix memory"]);
}

#[test]
fn top_and_misc_verbs() {
    for (line, what) in [
        ("kubectl top pod", TopWhat::Pod),
        ("kubectl top pods -A", TopWhat::Pod),
        ("kubectl top po x", TopWhat::Pod),
        ("kubectl top node", TopWhat::Node),
        ("kubectl top nodes --sort-by=cpu", TopWhat::Node),
        ("kubectl top no", TopWhat::Node),
    ] {
        assert_eq!(p(line).verb, Verb::Top(what), "{line}");
    }
    assert!(p("kubectl top pods --containers").flags.print_containers);
    assert_eq!(
        p("kubectl events --for pod/x").flags.for_object.as_deref(),
        Some("pod/x")
    );
    assert_eq!(
        p("kubectl api-resources -o wide").flags.output,
        Some(Output::Wide)
    );
    assert_eq!(
        p("kubectl api-resources --namespaced=false")
            .flags
            .namespaced,
        Some(false)
    );
    assert_eq!(
        p("kubectl explain pods.spec").targets,
        [t("pods.spec", None)]
    );
    assert_eq!(
        p("kubectl version -o json").flags.output,
        Some(Output::Json)
    );
    assert_eq!(p("kubectl cluster-info").verb, Verb::ClusterInfo);
    assert_eq!(p("kubectl api-versions").verb, Verb::ApiVersions);
    let inv = p("kubectl auth can-i delete deployments -n payments");
    assert_eq!(inv.verb, Verb::AuthCanI);
    assert_eq!(inv.operands, ["delete", "deployments"]);
    let inv = p("kubectl create deployment web --image=nginx --replicas=2 -- sleep 10");
    assert_eq!(inv.verb, Verb::Create(CreateWhat::Deployment));
    assert_eq!(inv.flags.image, ["nginx"]);
    assert_eq!(inv.flags.replicas, Some(2));
    assert_eq!(inv.operands, ["sleep", "10"]);
    assert_eq!(inv.args_len_at_dash, Some(1));
    assert_eq!(
        p("kubectl create ns test").verb,
        Verb::Create(CreateWhat::Namespace)
    );
    assert_eq!(
        p("kubectl create cm c --from-literal=a=1 --from-literal=b=2,3")
            .flags
            .from_literal,
        ["a=1", "b=2,3"]
    );
    assert_eq!(
        p("kubectl create secret generic s --from-literal=k=v").verb,
        Verb::Create(CreateWhat::SecretGeneric)
    );
    let inv = p("kubectl run debug --image=busybox --restart=Never -- sleep 3600");
    assert_eq!(inv.verb, Verb::Run);
    assert_eq!(inv.targets, [t("pods", Some("debug"))]);
    assert_eq!(inv.operands, ["sleep", "3600"]);
}

#[test]
fn deprecation_notices() {
    let inv = p("kubectl scale deploy/x --replicas=2 --record");
    assert_eq!(
        inv.warnings,
        ["Flag --record has been deprecated, --record will be removed in the future\n"]
    );
    // pflag prints the notice before a later check fails.
    assert_eq!(
        parse("kubectl scale deploy/x --record")
            .unwrap_err()
            .message,
        "Flag --record has been deprecated, --record will be removed in the future\nerror: required flag(s) \"replicas\" not set\n"
    );
}

#[test]
fn global_connection_flags_are_recorded() {
    let inv =
        p("kubectl --context prod --kubeconfig=/x --server https://h:6443 get pods --token t");
    assert_eq!(inv.flags.context.as_deref(), Some("prod"));
    assert_eq!(inv.flags.kubeconfig.as_deref(), Some("/x"));
    assert_eq!(inv.flags.server.as_deref(), Some("https://h:6443"));
    assert_eq!(inv.flags.token.as_deref(), Some("t"));
    assert_eq!(
        p("kubectl -s https://h get pods").flags.server.as_deref(),
        Some("https://h")
    );
    assert_eq!(p("kubectl get pods -v=6").flags.verbosity, Some(6));
    let given = p("kubectl get pods -n a --show-labels").flags.given;
    assert_eq!(
        given,
        [
            ("namespace".to_string(), "a".to_string()),
            ("show-labels".to_string(), "true".to_string())
        ]
    );
}

#[test]
fn heredoc_apply() {
    let inv = p(
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\nEOF",
    );
    assert_eq!(inv.verb, Verb::Apply);
    assert_eq!(inv.flags.filename, ["-"]);
    assert_eq!(
        inv.flags.stdin_manifest.as_deref(),
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n")
    );
    // Quoted delimiter, tab-stripping form, trailing newline and a missing terminator.
    let inv = p("kubectl apply -f - <<-'YAML'\n\tkind: Namespace\n\tYAML\n");
    assert_eq!(
        inv.flags.stdin_manifest.as_deref(),
        Some("kind: Namespace\n")
    );
    let inv = p("kubectl create -f - <<EOF\nkind: Namespace");
    assert_eq!(
        inv.flags.stdin_manifest.as_deref(),
        Some("kind: Namespace\n")
    );
    assert_eq!(inv.verb, Verb::Create(CreateWhat::FromFile));
    let inv = p("cat <<EOF | kubectl apply -f -\nkind: Namespace\nEOF");
    assert_eq!(inv.verb, Verb::Apply);
    assert_eq!(
        inv.flags.stdin_manifest.as_deref(),
        Some("kind: Namespace\n")
    );
}

#[test]
fn pipes() {
    let inv = p("kubectl get pods | grep -v Running | wc -l");
    assert_eq!(inv.pipeline.len(), 2);
    assert!(matches!(
        &inv.pipeline[0],
        Filter::Grep { pattern, invert: true, ignore_case: false, .. } if pattern == "Running"
    ));
    assert_eq!(inv.pipeline[1], Filter::WcLines);
    let inv = p("kubectl get pods -A | grep -iE 'crash|error' | sort -rn | head -5");
    assert!(matches!(
        &inv.pipeline[0],
        Filter::Grep { pattern, ignore_case: true, extended: true, .. } if pattern == "crash|error"
    ));
    assert_eq!(
        inv.pipeline[1],
        Filter::Sort {
            reverse: true,
            numeric: true,
            unique: false
        }
    );
    assert_eq!(inv.pipeline[2], Filter::Head(5));
    for (line, want) in [
        ("kubectl logs x | tail -n 20", Filter::Tail(20)),
        ("kubectl logs x | tail -20", Filter::Tail(20)),
        ("kubectl logs x | tail -n20", Filter::Tail(20)),
        ("kubectl logs x | tail --lines=20", Filter::Tail(20)),
        ("kubectl logs x | tail", Filter::Tail(10)),
        ("kubectl get pods | tail -n +2", Filter::TailFrom(2)),
        ("kubectl logs x | head", Filter::Head(10)),
        ("kubectl logs x | head -n 3", Filter::Head(3)),
        ("kubectl get pods | wc --lines", Filter::WcLines),
    ] {
        assert_eq!(p(line).pipeline, [want], "{line}");
    }
    let inv = p("kubectl describe pod x | grep -A 10 Events:");
    assert!(matches!(
        &inv.pipeline[0],
        Filter::Grep { after: 10, before: 0, pattern, .. } if pattern == "Events:"
    ));
    let inv = p("kubectl get pods | grep -c Running");
    assert!(matches!(&inv.pipeline[0], Filter::Grep { count: true, .. }));
    // A `|` inside quotes is not a pipe.
    let inv = p("kubectl get pods -o 'jsonpath={.items[*].metadata.name}' | grep 'a|b'");
    assert_eq!(inv.pipeline.len(), 1);
    assert!(matches!(&inv.pipeline[0], Filter::Grep { pattern, .. } if pattern == "a|b"));
    let inv = p("kubectl get pods -l 'app in (a|b)'");
    assert!(inv.pipeline.is_empty());
    assert_eq!(
        p("kubectl logs x |& grep err").stderr,
        StderrRedirect::ToStdout
    );
    // Stderr redirections that only route kubectl's errors.
    assert_eq!(
        p("kubectl logs x 2>&1 | grep err").stderr,
        StderrRedirect::ToStdout
    );
    assert_eq!(
        p("kubectl get pods 2>/dev/null").stderr,
        StderrRedirect::Discard
    );
}

#[test]
fn help_forms() {
    for (line, topic) in [
        ("kubectl", vec![]),
        ("kubectl --help", vec![]),
        ("kubectl -h", vec![]),
        ("kubectl help", vec![]),
        ("kubectl -n x", vec![]),
        ("kubectl --help get", vec![]),
        ("kubectl help get", vec!["get"]),
        ("kubectl get --help", vec!["get"]),
        ("kubectl get pods -h", vec!["get"]),
        ("kubectl set resources --help", vec!["set", "resources"]),
        ("kubectl help top pods", vec!["top", "pod"]),
        ("kubectl top pods --help", vec!["top", "pod"]),
        ("kubectl create deploy -h", vec!["create", "deployment"]),
    ] {
        let topic: Vec<String> = topic.into_iter().map(String::from).collect();
        let inv = p(line);
        assert_eq!(
            inv.verb,
            Verb::Help {
                topic: topic.clone()
            },
            "{line}"
        );
        assert!(help_text(&topic).is_some(), "{line}");
    }
    assert!(
        help_text(&["get".to_string()])
            .unwrap()
            .starts_with("Display one or many resources.\n")
    );
}
