//! The executor never panics, whatever is typed, and a refused command changes nothing.

use cluster::Cluster;
use proptest::prelude::*;

fn words() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "get",
        "describe",
        "logs",
        "top",
        "scale",
        "patch",
        "label",
        "annotate",
        "delete",
        "set",
        "rollout",
        "image",
        "resources",
        "env",
        "restart",
        "pods",
        "pod",
        "po",
        "deploy",
        "deployments.apps",
        "svc",
        "all",
        "nodes",
        "-n",
        "payments",
        "frontend",
        "-A",
        "-o",
        "wide",
        "yaml",
        "json",
        "name",
        "jsonpath={.items[*].metadata.name}",
        "-l",
        "app=web-app",
        "--replicas=2",
        "--replicas",
        "3",
        "-p",
        "{\"spec\":{}}",
        "--type=json",
        "[]",
        "x=y",
        "x-",
        "payment-api",
        "web-app",
        "payment-db-0",
        "|",
        "grep",
        "-v",
        "Running",
        "head",
        "-n",
        "1",
        "wc",
        "-l",
        "--sort-by=.metadata.name",
        "--show-labels",
        "--no-headers",
        "-c",
        "postgres",
        "--previous",
        "--tail=2",
        "deployment/web-app",
        "pod/payment-db-0",
        "'quoted arg'",
        "\"dq\"",
        ";",
        "&&",
        "$(x)",
        "`x`",
        ">",
        "<<EOF",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(line in ".{0,200}") {
        let mut c = Cluster::baseline(1);
        let _ = kubectl::exec::run(&mut c, &line);
    }

    #[test]
    fn kubectl_like_lines_never_panic_and_refusals_change_nothing(ws in prop::collection::vec(words(), 0..10)) {
        let mut c = Cluster::baseline(1);
        let before = c.resource_version();
        let line = format!("kubectl {}", ws.join(" "));
        let out = kubectl::exec::run(&mut c, &line);
        if out.exit_code != 0 && out.stdout.is_empty() {
            prop_assert_eq!(c.resource_version(), before, "a refused command changed the cluster: {}", line);
        }
        prop_assert!(out.exit_code >= 0);
    }
}
