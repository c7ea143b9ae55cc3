//! `delete` by label selector and `--all`: every matching object goes, and nothing else.

use cluster::Cluster;
use cluster::k8s_openapi::api::core::v1::Pod;
use kubectl::exec::run;

fn terminating(c: &Cluster, ns: &str) -> Vec<String> {
    c.list_in::<Pod>(ns)
        .filter(|p| p.metadata.deletion_timestamp.is_some())
        .filter_map(|p| p.metadata.name.clone())
        .collect()
}

#[test]
fn a_selector_deletes_exactly_the_matching_pods() {
    let mut c = Cluster::baseline(4);
    run(
        &mut c,
        "kubectl scale deploy payment-api --replicas=3 -n payments",
    );
    c.advance(std::time::Duration::from_secs(60));
    let api: Vec<String> = c
        .list_in::<Pod>("payments")
        .filter(|p| {
            p.metadata
                .name
                .as_deref()
                .unwrap()
                .starts_with("payment-api-")
        })
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(api.len(), 3);
    let out = run(&mut c, "kubectl delete pods -l app=payment-api -n payments");
    assert_eq!(out.exit_code, 0, "{}", out.stderr);
    let expected: String = api
        .iter()
        .map(|n| format!("pod \"{n}\" deleted\n"))
        .collect();
    assert_eq!(out.stdout, expected);
    assert_eq!(terminating(&c, "payments"), api);
}

#[test]
fn without_a_name_or_selector_nothing_is_deleted() {
    let mut c = Cluster::baseline(4);
    let before = c.resource_version();
    let out = run(&mut c, "kubectl delete pods -n payments");
    assert_eq!(out.exit_code, 1);
    assert!(
        out.stderr.contains("no name was specified"),
        "{}",
        out.stderr
    );
    let out = run(&mut c, "kubectl delete pods -l app=ghost -n payments");
    assert_eq!(
        (out.exit_code, out.stdout.as_str()),
        (0, "No resources found\n")
    );
    assert_eq!(c.resource_version(), before);
}
