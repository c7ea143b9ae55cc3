use cluster::Cluster;
use cluster::k8s_openapi::api::core::v1::Pod;

#[test]
fn smoke() {
    let c = Cluster::baseline(7);
    println!("now {}", c.now());
    for p in c.list::<Pod>() {
        let st = p.status.clone().unwrap_or_default();
        let cs = st.container_statuses.clone().unwrap_or_default();
        println!(
            "{}/{} {} ready={} restarts={} node={:?} ip={:?} {:?}",
            p.metadata.namespace.as_deref().unwrap_or(""),
            p.metadata.name.as_deref().unwrap_or(""),
            st.phase.unwrap_or_default(),
            cs.iter().all(|c| c.ready),
            cs.iter().map(|c| c.restart_count).sum::<i32>(),
            p.spec.as_ref().and_then(|s| s.node_name.clone()),
            st.pod_ip,
            cs.iter()
                .map(|c| c
                    .state
                    .clone()
                    .map(|s| format!("{:?}", s.waiting.map(|w| w.reason))))
                .collect::<Vec<_>>()
        );
    }
    println!("objects {}", c.store().object_count());
    assert!(c.workloads_ready());
}
