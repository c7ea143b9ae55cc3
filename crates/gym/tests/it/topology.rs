//! Generated worlds: they come up ready, deterministically; every mechanism has somewhere to
//! apply in the generated part; a sample of each mechanism's targets injects with its symptom
//! showing; every generated workload reaches a user-facing one through its callers.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cluster::Cluster;
use gym::catalogue::{CATALOGUE, CatalogueFault, Mechanism};
use gym::topology::{Topology, fault_targets_in};

/// Sizes 5, 15 and 30, one seed each.
const WORLDS: [Topology; 3] = [
    Topology::Generated {
        seed: 1,
        services: 5,
    },
    Topology::Generated {
        seed: 2,
        services: 15,
    },
    Topology::Generated {
        seed: 3,
        services: 30,
    },
];

fn built(i: usize) -> &'static Cluster {
    static WORLD: [OnceLock<Cluster>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    WORLD[i].get_or_init(|| {
        WORLDS[i]
            .build(100 + i as u64)
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn generated_namespaces(t: &Topology) -> BTreeSet<String> {
    t.blueprint()
        .unwrap()
        .unwrap()
        .namespaces
        .into_iter()
        .collect()
}

/// Targets of `m` in the generated namespaces of world `i`.
fn generated_targets(i: usize, m: Mechanism) -> Vec<CatalogueFault> {
    let namespaces = generated_namespaces(&WORLDS[i]);
    fault_targets_in(built(i), m)
        .into_iter()
        .filter(|f| namespaces.contains(&f.namespace))
        .collect()
}

#[test]
fn generated_worlds_come_up_ready() {
    for (i, t) in WORLDS.iter().enumerate() {
        let c = built(i);
        assert!(c.workloads_ready(), "{t}");
        let pods = c
            .list::<cluster::k8s_openapi::api::core::v1::Pod>()
            .filter(|p| cluster::selectors::is_ready(p))
            .count();
        let b = t.blueprint().unwrap().unwrap();
        let want: usize = b
            .services
            .iter()
            .map(|s| {
                usize::from(s.replicas) + usize::from(s.database.is_some()) + usize::from(s.worker)
            })
            .sum();
        let namespaces = generated_namespaces(t);
        let generated_ready = c
            .list::<cluster::k8s_openapi::api::core::v1::Pod>()
            .filter(|p| {
                p.metadata
                    .namespace
                    .as_ref()
                    .is_some_and(|n| namespaces.contains(n))
                    && cluster::selectors::is_ready(p)
            })
            .count();
        assert_eq!(generated_ready, want, "{t}: {pods} ready pods in all");
        // The shop is still there.
        assert!(
            c.get::<cluster::k8s_openapi::api::apps::v1::Deployment>("payments", "payment-api")
                .is_ok()
        );
    }
}

#[test]
fn building_is_deterministic() {
    let t = WORLDS[1];
    assert!(t.build(7).unwrap().snapshot() == t.build(7).unwrap().snapshot());
    assert!(t.build(7).unwrap().snapshot() != t.build(8).unwrap().snapshot());
}

#[test]
fn every_mechanism_applies_in_every_generated_world() {
    for (i, t) in WORLDS.iter().enumerate() {
        let missing: Vec<&str> = CATALOGUE
            .iter()
            .filter(|info| generated_targets(i, info.mechanism).is_empty())
            .map(|info| info.name)
            .collect();
        assert!(
            missing.is_empty(),
            "{t}: no generated target for {missing:?}"
        );
    }
}

/// The targets read from the objects alone are the ones read from the running world.
#[test]
fn targets_from_objects_match_the_built_world() {
    let t = WORLDS[1];
    for info in CATALOGUE {
        assert_eq!(
            t.fault_targets(info.mechanism).unwrap(),
            fault_targets_in(built(1), info.mechanism),
            "{t}: {}",
            info.name
        );
    }
}

/// The shop's default targets are among the targets the rules find.
#[test]
fn the_default_targets_are_found_in_their_world() {
    let shop = Topology::Storefront;
    for info in CATALOGUE {
        let targets = shop.fault_targets(info.mechanism).unwrap();
        assert!(
            targets.contains(&info.mechanism.default_fault()),
            "{}: {:?}",
            info.name,
            targets.iter().map(|t| t.to_string()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn every_generated_workload_reaches_a_user_facing_one() {
    for (i, t) in WORLDS.iter().enumerate() {
        let graph = gym::topology::ServiceGraph::from_cluster(built(i), t.entry_points());
        assert_eq!(
            graph,
            t.graph().unwrap(),
            "{t}: the graph is read from objects alone"
        );
        let namespaces = generated_namespaces(t);
        for w in graph
            .workloads()
            .filter(|w| namespaces.contains(&w.namespace))
        {
            // Workers call their database; nobody calls them.
            if w.name.ends_with("-worker") {
                assert!(graph.callers_of(w).is_empty());
                continue;
            }
            let chain = graph
                .caller_chain(w)
                .unwrap_or_else(|| panic!("{t}: {w} reaches no entry point"));
            assert_eq!(chain.first(), Some(w));
            assert!(graph.is_user_facing(chain.last().unwrap()));
            for pair in chain.windows(2) {
                assert!(graph.dependencies_of(&pair[1]).contains(&pair[0]));
            }
        }
    }
}

/// Every target the rules find, shop and storefront included, injects with its symptom showing
/// and is graded unresolved.
fn inject_all(t: Topology, c: &Cluster) {
    let mut failures = Vec::new();
    let mut count = 0;
    for info in CATALOGUE {
        for fault in fault_targets_in(c, info.mechanism) {
            count += 1;
            let mut f = c.clone();
            match fault.inject(&mut f) {
                Err(e) => failures.push(e.to_string()),
                Ok(incident) if incident.grade(&f).resolved => {
                    failures.push(format!("{fault} graded resolved once injected"))
                }
                Ok(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{t}: {} of {count} failed: {failures:#?}",
        failures.len()
    );
}

#[test]
fn every_target_injects_in_the_storefront() {
    let t = Topology::Storefront;
    inject_all(t, &t.build(5).unwrap());
}

#[test]
fn every_target_injects_in_the_small_world() {
    inject_all(WORLDS[0], built(0));
}

#[test]
fn every_target_injects_in_the_medium_world() {
    inject_all(WORLDS[1], built(1));
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes unoptimised; run with --release")]
fn every_target_injects_in_the_large_world() {
    inject_all(WORLDS[2], built(2));
}

/// More seeds and sizes: each world comes up and offers every mechanism in its generated part.
#[test]
fn a_sweep_of_seeds_and_sizes_comes_up_with_every_mechanism() {
    for seed in 10..22u64 {
        let services = 5 + (seed as u8 * 7) % 26;
        let t = Topology::Generated { seed, services };
        let c = t.build(seed).unwrap_or_else(|e| panic!("{e}"));
        let namespaces = generated_namespaces(&t);
        for info in CATALOGUE {
            assert!(
                fault_targets_in(&c, info.mechanism)
                    .iter()
                    .any(|f| namespaces.contains(&f.namespace)),
                "{t}: no generated target for {}",
                info.name
            );
        }
    }
}

/// Puts back every object the fault changed, created or deleted, as they were before it, and
/// restarts the incident's workloads so that they read restored configuration.
fn restore(f: &mut Cluster, before: &Cluster, incident: &gym::Incident) {
    use cluster::k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
    use cluster::k8s_openapi::api::core::v1::{ConfigMap, Node, ResourceQuota, Secret, Service};
    use cluster::k8s_openapi::api::networking::v1::NetworkPolicy;
    use cluster::k8s_openapi::api::storage::v1::StorageClass;
    use cluster::{DeleteOptions, Stored};

    fn key<T: Stored>(o: &T) -> (String, String) {
        let m = o.metadata();
        (
            m.namespace.clone().unwrap_or_default(),
            m.name.clone().unwrap_or_default(),
        )
    }
    for d in before.list::<Deployment>() {
        let (ns, name) = key(d.as_ref());
        let spec = d.spec.clone();
        f.modify::<Deployment>(&ns, &name, |x| x.spec = spec)
            .unwrap();
    }
    for s in before.list::<StatefulSet>() {
        let (ns, name) = key(s.as_ref());
        let spec = s.spec.clone();
        f.modify::<StatefulSet>(&ns, &name, |x| x.spec = spec)
            .unwrap();
    }
    for s in before.list::<Service>() {
        let (ns, name) = key(s.as_ref());
        let (selector, ports) = s
            .spec
            .as_ref()
            .map(|s| (s.selector.clone(), s.ports.clone()))
            .unwrap_or_default();
        f.modify::<Service>(&ns, &name, |x| {
            if let Some(spec) = x.spec.as_mut() {
                spec.selector = selector;
                spec.ports = ports;
            }
        })
        .unwrap();
    }
    for m in before.list::<ConfigMap>() {
        let (ns, name) = key(m.as_ref());
        let data = m.data.clone();
        f.modify::<ConfigMap>(&ns, &name, |x| x.data = data)
            .unwrap();
    }
    for s in before.list::<Secret>() {
        let (ns, name) = key(s.as_ref());
        let data = s.data.clone();
        f.modify::<Secret>(&ns, &name, |x| x.data = data).unwrap();
    }
    for n in before.list::<Node>() {
        let (_, name) = key(n.as_ref());
        let spec = n.spec.clone();
        f.modify::<Node>("", &name, |x| x.spec = spec).unwrap();
    }
    for sc in before.list::<StorageClass>() {
        let (_, name) = key(sc.as_ref());
        if f.get::<StorageClass>("", &name).is_err() {
            let mut fresh = StorageClass::clone(sc);
            fresh.metadata.resource_version = None;
            fresh.metadata.uid = None;
            fresh.metadata.creation_timestamp = None;
            f.create(fresh).unwrap();
        }
    }
    let added_policies: Vec<_> = f
        .list::<NetworkPolicy>()
        .map(|p| key(p.as_ref()))
        .filter(|(ns, name)| before.get::<NetworkPolicy>(ns, name).is_err())
        .collect();
    for (ns, name) in added_policies {
        f.delete::<NetworkPolicy>(&ns, &name, DeleteOptions::default())
            .unwrap();
    }
    let added_quotas: Vec<_> = f
        .list::<ResourceQuota>()
        .map(|q| key(q.as_ref()))
        .filter(|(ns, name)| before.get::<ResourceQuota>(ns, name).is_err())
        .collect();
    for (ns, name) in added_quotas {
        f.delete::<ResourceQuota>(&ns, &name, DeleteOptions::default())
            .unwrap();
    }
    f.settle();
    // Databases first, so that their clients reconnect to a server with the restored password.
    let mut workloads = incident.workloads.clone();
    workloads.sort_by_key(|w| w.kind != gym::catalogue::WorkloadKind::StatefulSet);
    for w in &workloads {
        let kind = match w.kind {
            gym::catalogue::WorkloadKind::Deployment => "deployment",
            gym::catalogue::WorkloadKind::StatefulSet => "statefulset",
        };
        let line = format!("rollout restart {kind}/{} -n {}", w.name, w.namespace);
        let out = kubectl::exec::run(f, &line);
        assert_eq!(out.exit_code, 0, "{line}: {}", out.stderr);
        // A StatefulSet waits for its broken pod to become ready before replacing it, as
        // Kubernetes does: the pod must be deleted by hand.
        if w.kind == gym::catalogue::WorkloadKind::StatefulSet {
            let pods: Vec<String> = f
                .list_in::<cluster::k8s_openapi::api::core::v1::Pod>(&w.namespace)
                .filter(|p| p.metadata.labels.as_ref().and_then(|l| l.get("app")) == Some(&w.name))
                .filter_map(|p| p.metadata.name.clone())
                .collect();
            for pod in pods {
                let line = format!("delete pod {pod} -n {}", w.namespace);
                let out = kubectl::exec::run(f, &line);
                assert_eq!(out.exit_code, 0, "{line}: {}", out.stderr);
            }
        }
        f.advance(std::time::Duration::from_secs(60));
    }
}

/// Every target is fixed by putting back what the fault changed: the incidents the generated
/// worlds give can be resolved, and grading says so.
fn restoring_resolves_every_target(i: usize) {
    let (t, before) = (WORLDS[i], built(i));
    let mut failures = Vec::new();
    for info in CATALOGUE {
        for fault in fault_targets_in(before, info.mechanism) {
            let mut f = before.clone();
            let incident = fault.inject(&mut f).unwrap();
            restore(&mut f, before, &incident);
            f.advance(std::time::Duration::from_secs(600));
            let grade = incident.grade(&f);
            if !grade.resolved {
                failures.push(format!("{fault}: {grade:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{t}: {failures:#?}");
}

#[test]
fn restoring_what_the_fault_changed_resolves_every_target_in_the_small_world() {
    restoring_resolves_every_target(0);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes unoptimised; run with --release")]
fn restoring_what_the_fault_changed_resolves_every_target_in_the_large_world() {
    restoring_resolves_every_target(2);
}

#[test]
#[cfg_attr(debug_assertions, ignore = "minutes unoptimised; run with --release")]
fn restoring_what_the_fault_changed_resolves_every_target_in_the_medium_world() {
    restoring_resolves_every_target(1);
}
