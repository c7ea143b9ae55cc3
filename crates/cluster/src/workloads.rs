//! The workload controllers: Deployment -> ReplicaSet -> Pod and StatefulSet, as the
//! kube-controller-manager runs them, with their events, status and conditions.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{
    Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet, ReplicaSetCondition,
    ReplicaSetSpec, ReplicaSetStatus, StatefulSet, StatefulSetStatus,
};
use k8s_openapi::api::core::v1::{
    PersistentVolumeClaim, PersistentVolumeClaimVolumeSource, Pod, PodTemplateSpec, Volume,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::cluster::{Cluster, DeleteOptions, Work};
use crate::events::{EventType, Reporter};
use crate::names;
use crate::selectors::{controlled_by, controller_ref, is_active, is_available, is_ready};
use crate::store::{ObjectKey, WithStatus};
use crate::time::SimTime;

const REVISION: &str = "deployment.kubernetes.io/revision";
const DESIRED: &str = "deployment.kubernetes.io/desired-replicas";
const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
const HASH_LABEL: &str = "pod-template-hash";

/// Resolves `25%` or `1` against `total`, rounding up (surge) or down (unavailable).
pub fn scaled_value(v: Option<&IntOrString>, total: i32, round_up: bool) -> i32 {
    match v {
        None => 0,
        Some(IntOrString::Int(n)) => *n,
        Some(IntOrString::String(s)) => {
            let pct: i64 = s.trim_end_matches('%').parse().unwrap_or(0);
            let raw = pct * i64::from(total);
            (if round_up {
                (raw + 99) / 100
            } else {
                raw / 100
            }) as i32
        }
    }
}

fn revision_of(meta: &ObjectMeta) -> i64 {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get(REVISION))
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The template hash the deployment controller labels a ReplicaSet with.
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: i32) -> String {
    let json = serde_json::to_vec(template).unwrap_or_default();
    names::template_hash(&json, collision_count)
}

impl Cluster {
    pub(crate) fn reconcile_deployment(&mut self, k: &ObjectKey) {
        let Some(d) = self.store.get::<Deployment>(&k.0, &k.1).cloned() else {
            return;
        };
        if d.metadata.deletion_timestamp.is_some() {
            return;
        }
        let uid = d.metadata.uid.clone().unwrap_or_default();
        let Some(spec) = d.spec.as_ref() else { return };
        let desired = spec.replicas.unwrap_or(1);
        let mut all: Vec<Arc<ReplicaSet>> = self
            .store
            .list_in::<ReplicaSet>(&k.0)
            .filter(|rs| controlled_by(&rs.metadata, &uid))
            .cloned()
            .collect();
        fn age_order(rs: &ReplicaSet) -> (Option<k8s_openapi::jiff::Timestamp>, Option<&str>) {
            (
                rs.metadata.creation_timestamp.as_ref().map(|t| t.0),
                rs.metadata.name.as_deref(),
            )
        }
        all.sort_by(|a, b| age_order(a).cmp(&age_order(b)));
        let collision_count = d
            .status
            .as_ref()
            .and_then(|s| s.collision_count)
            .unwrap_or(0);
        let hash = self.template_hash(&uid, d.metadata.generation, collision_count, &spec.template);
        let max_revision = all
            .iter()
            .map(|rs| revision_of(&rs.metadata))
            .max()
            .unwrap_or(0);
        // The ReplicaSet of this template: same hash label (a rollback finds its old one).
        let mut new_rs = all
            .iter()
            .find(|rs| rs.metadata.labels.as_ref().and_then(|l| l.get(HASH_LABEL)) == Some(&hash))
            .cloned();
        let mut created_new = false;
        let paused = spec.paused.unwrap_or(false);
        let strategy = spec.strategy.clone().unwrap_or_default();
        let rolling = strategy.type_.as_deref() != Some("Recreate");
        let ru = strategy.rolling_update.clone().unwrap_or_default();
        let max_surge = if rolling {
            scaled_value(ru.max_surge.as_ref(), desired, true)
        } else {
            0
        };
        let max_unavailable = if rolling {
            scaled_value(ru.max_unavailable.as_ref(), desired, false).min(desired)
        } else {
            desired
        };

        // The new ReplicaSet: reuse a matching one (rollback) or create it.
        if !paused {
            match &new_rs {
                Some(rs)
                    if revision_of(&rs.metadata) < max_revision
                        || revision_of(&rs.metadata) == 0 =>
                {
                    let mut updated = (**rs).clone();
                    let old_rev = revision_of(&rs.metadata);
                    let ann = updated.metadata.annotations.get_or_insert_default();
                    if old_rev > 0 {
                        let history = ann.get(REVISION_HISTORY).cloned();
                        let entry = old_rev.to_string();
                        ann.insert(
                            REVISION_HISTORY.into(),
                            history.map(|h| format!("{h},{entry}")).unwrap_or(entry),
                        );
                    }
                    ann.insert(REVISION.into(), (max_revision + 1).to_string());
                    new_rs = Some(self.commit_if_changed(updated, rs));
                }
                Some(_) => {}
                None => {
                    let current: i32 = all
                        .iter()
                        .map(|rs| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0))
                        .sum();
                    let initial = if all.is_empty() || !rolling {
                        if rolling { desired } else { 0 }
                    } else {
                        (desired + max_surge - current).clamp(0, desired)
                    };
                    let mut tmpl = spec.template.clone();
                    let tm = tmpl.metadata.get_or_insert_default();
                    tm.labels
                        .get_or_insert_default()
                        .insert(HASH_LABEL.into(), hash.clone());
                    let mut selector = spec.selector.clone();
                    selector
                        .match_labels
                        .get_or_insert_default()
                        .insert(HASH_LABEL.into(), hash.clone());
                    let mut labels = tm.labels.clone().unwrap_or_default();
                    labels.insert(HASH_LABEL.into(), hash.clone());
                    let mut annotations = d.metadata.annotations.clone().unwrap_or_default();
                    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
                    annotations.insert(REVISION.into(), (max_revision + 1).to_string());
                    annotations.insert(DESIRED.into(), desired.to_string());
                    annotations.insert(MAX_REPLICAS.into(), (desired + max_surge).to_string());
                    let name = format!("{}-{hash}", k.1);
                    let rs = ReplicaSet {
                        metadata: ObjectMeta {
                            name: Some(name.clone()),
                            namespace: Some(k.0.clone()),
                            labels: Some(labels),
                            annotations: Some(annotations),
                            owner_references: Some(vec![controller_ref(d.as_ref())]),
                            ..Default::default()
                        },
                        spec: Some(ReplicaSetSpec {
                            replicas: Some(initial),
                            min_ready_seconds: spec.min_ready_seconds,
                            selector,
                            template: Some(tmpl),
                        }),
                        status: None,
                    };
                    match self.create(rs) {
                        Ok(rs) => {
                            created_new = true;
                            if initial > 0 {
                                self.record(
                                    d.as_ref(),
                                    None,
                                    EventType::Normal,
                                    "ScalingReplicaSet",
                                    format!("Scaled up replica set {name} from 0 to {initial}"),
                                    Reporter::Controller("deployment-controller"),
                                );
                            }
                            all.push(rs.clone());
                            new_rs = Some(rs);
                        }
                        Err(_) => {
                            // A name clash with a foreign ReplicaSet: bump the collision count.
                            let mut updated = (*d).clone();
                            updated.status.get_or_insert_default().collision_count =
                                Some(collision_count + 1);
                            self.commit_if_changed(updated, &d);
                            return;
                        }
                    }
                }
            }
        }

        let new_name = new_rs.as_ref().and_then(|r| r.metadata.name.clone());
        let olds: Vec<Arc<ReplicaSet>> = all
            .iter()
            .filter(|rs| rs.metadata.name != new_name)
            .cloned()
            .collect();
        let replicas_of = |rs: &ReplicaSet| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        let available_of = |rs: &ReplicaSet| {
            rs.status
                .as_ref()
                .and_then(|s| s.available_replicas)
                .unwrap_or(0)
        };

        if !paused {
            if let Some(new) = new_rs.clone() {
                if rolling {
                    // Scale the new ReplicaSet up within maxSurge.
                    let current: i32 = all.iter().map(|rs| replicas_of(rs)).sum();
                    let new_replicas = replicas_of(&new);
                    let target = if new_replicas >= desired {
                        desired
                    } else {
                        let room = desired + max_surge - current;
                        (new_replicas + room.max(0)).min(desired)
                    };
                    if target != new_replicas {
                        self.scale_replicaset(&d, &new, target, desired, max_surge);
                    }
                    // Scale old ReplicaSets down within maxUnavailable.
                    let all_pods: i32 = self.replicas_total(&k.0, &uid);
                    let min_available = desired - max_unavailable;
                    let new_unavailable =
                        (replicas_of(&new).max(target) - available_of(&new)).max(0);
                    let mut budget = all_pods - min_available - new_unavailable;
                    for old in &olds {
                        if budget <= 0 {
                            break;
                        }
                        // Unhealthy replicas first: they serve nothing.
                        let r = replicas_of(old);
                        if r == 0 {
                            continue;
                        }
                        let unhealthy = (r - available_of(old)).max(0);
                        let cut = unhealthy.min(budget).min(r);
                        if cut > 0 {
                            self.scale_replicaset(&d, old, r - cut, desired, max_surge);
                            budget -= cut;
                        }
                    }
                    let total_available: i32 =
                        olds.iter().map(|rs| available_of(rs)).sum::<i32>() + available_of(&new);
                    let mut budget = (total_available - min_available)
                        .min(all_pods - min_available - new_unavailable);
                    for old in &olds {
                        if budget <= 0 {
                            break;
                        }
                        let Some(current) = self
                            .store
                            .get::<ReplicaSet>(&k.0, old.metadata.name.as_deref().unwrap_or(""))
                            .cloned()
                        else {
                            continue;
                        };
                        let r = replicas_of(&current);
                        if r == 0 {
                            continue;
                        }
                        let cut = r.min(budget);
                        self.scale_replicaset(&d, &current, r - cut, desired, max_surge);
                        budget -= cut;
                    }
                } else {
                    // Recreate: everything old goes first, then the new one comes up.
                    let mut old_running = 0;
                    for old in &olds {
                        if replicas_of(old) > 0 {
                            self.scale_replicaset(&d, old, 0, desired, 0);
                        }
                        old_running += self
                            .store
                            .list_in::<Pod>(&k.0)
                            .filter(|p| {
                                controlled_by(
                                    &p.metadata,
                                    old.metadata.uid.as_deref().unwrap_or(""),
                                )
                            })
                            .count();
                    }
                    if old_running == 0 && replicas_of(&new) != desired {
                        self.scale_replicaset(&d, &new, desired, desired, 0);
                    }
                }
            }
            self.cleanup_history(
                &d,
                &uid,
                spec.revision_history_limit.unwrap_or(10),
                new_name.as_deref(),
            );
        } else if let Some(new) = new_rs.clone()
            && olds.iter().all(|o| replicas_of(o) == 0)
            && replicas_of(&new) != desired
        {
            self.scale_replicaset(&d, &new, desired, desired, max_surge);
        }

        // Nothing here holds the Deployment while its status is written (in place).
        drop(d);
        self.sync_deployment_status(k, &uid, new_name.as_deref(), created_new, max_unavailable);
    }

    /// The template's hash, computed (it serialises the template) once per owner generation.
    fn template_hash(
        &mut self,
        owner_uid: &str,
        generation: Option<i64>,
        collision_count: i32,
        template: &PodTemplateSpec,
    ) -> String {
        let generation = generation.unwrap_or(0);
        if let Some((g, c, h)) = self.runtime.template_hashes.get(owner_uid)
            && (*g, *c) == (generation, collision_count)
        {
            return h.clone();
        }
        let h = pod_template_hash(template, collision_count);
        std::sync::Arc::make_mut(&mut self.runtime.template_hashes).insert(
            owner_uid.to_string(),
            (generation, collision_count, h.clone()),
        );
        h
    }

    fn replicas_total(&self, ns: &str, deploy_uid: &str) -> i32 {
        self.store
            .list_in::<ReplicaSet>(ns)
            .filter(|rs| controlled_by(&rs.metadata, deploy_uid))
            .map(|rs| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0))
            .sum()
    }

    fn scale_replicaset(
        &mut self,
        d: &Deployment,
        rs: &ReplicaSet,
        to: i32,
        desired: i32,
        max_surge: i32,
    ) {
        let ns = rs.metadata.namespace.clone().unwrap_or_default();
        let name = rs.metadata.name.clone().unwrap_or_default();
        let Some(current) = self.store.get::<ReplicaSet>(&ns, &name) else {
            return;
        };
        let from = current.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0);
        let desired_text = desired.to_string();
        let max_text = (desired + max_surge).to_string();
        let annotated = |key: &str, value: &str| {
            current
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(key))
                .is_some_and(|v| v == value)
        };
        let unchanged = from == to
            && current.spec.as_ref().is_some_and(|s| s.replicas.is_some())
            && annotated(DESIRED, &desired_text)
            && annotated(MAX_REPLICAS, &max_text);
        if unchanged {
            return;
        }
        // In place: the pod template is copied only while a fork shares the ReplicaSet.
        self.commit_in_place(&ns, &name, |rs: &mut ReplicaSet| {
            rs.spec.get_or_insert_default().replicas = Some(to);
            let ann = rs.metadata.annotations.get_or_insert_default();
            ann.insert(DESIRED.into(), desired_text);
            ann.insert(MAX_REPLICAS.into(), max_text);
            if from != to {
                rs.metadata.generation = Some(rs.metadata.generation.unwrap_or(1) + 1);
            }
        });
        if from != to {
            let verb = if to > from { "up" } else { "down" };
            self.record(
                d,
                None,
                EventType::Normal,
                "ScalingReplicaSet",
                format!("Scaled {verb} replica set {name} from {from} to {to}"),
                Reporter::Controller("deployment-controller"),
            );
        }
    }

    fn cleanup_history(&mut self, d: &Deployment, uid: &str, limit: i32, new_name: Option<&str>) {
        let ns = d.metadata.namespace.clone().unwrap_or_default();
        let mut old: Vec<Arc<ReplicaSet>> = self
            .store
            .list_in::<ReplicaSet>(&ns)
            .filter(|rs| {
                controlled_by(&rs.metadata, uid) && rs.metadata.name.as_deref() != new_name
            })
            .filter(|rs| rs.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0) == 0)
            .filter(|rs| rs.status.as_ref().map(|s| s.replicas).unwrap_or(0) == 0)
            .cloned()
            .collect();
        if old.len() as i32 <= limit {
            return;
        }
        old.sort_by_key(|rs| revision_of(&rs.metadata));
        let excess = old.len() - limit.max(0) as usize;
        for rs in old.into_iter().take(excess) {
            let _ = self.delete::<ReplicaSet>(
                &ns,
                rs.metadata.name.as_deref().unwrap_or(""),
                DeleteOptions::default(),
            );
        }
    }

    fn sync_deployment_status(
        &mut self,
        k: &ObjectKey,
        uid: &str,
        new_name: Option<&str>,
        created_new: bool,
        max_unavailable: i32,
    ) {
        let Some(d) = self.store.get::<Deployment>(&k.0, &k.1).cloned() else {
            return;
        };
        let Some(spec) = d.spec.as_ref() else { return };
        let desired = spec.replicas.unwrap_or(1);
        let rss: Vec<Arc<ReplicaSet>> = self
            .store
            .list_in::<ReplicaSet>(&k.0)
            .filter(|rs| controlled_by(&rs.metadata, uid))
            .cloned()
            .collect();
        // (replicas, ready, available) of a ReplicaSet, read in place.
        let st = |rs: &ReplicaSet| {
            rs.status.as_ref().map_or((0, 0, 0), |s| {
                (
                    s.replicas,
                    s.ready_replicas.unwrap_or(0),
                    s.available_replicas.unwrap_or(0),
                )
            })
        };
        let replicas: i32 = rss.iter().map(|rs| st(rs).0).sum();
        let ready: i32 = rss.iter().map(|rs| st(rs).1).sum();
        let available: i32 = rss.iter().map(|rs| st(rs).2).sum();
        let new_rs = rss
            .iter()
            .find(|rs| rs.metadata.name.as_deref() == new_name);
        let updated = new_rs.map(|rs| st(rs).0).unwrap_or(0);
        let now = self.now;
        let default_status = DeploymentStatus::default();
        let old_status = d.status.as_ref().unwrap_or(&default_status);
        let old_conditions = old_status.conditions.as_deref().unwrap_or_default();
        let find = |t: &str| old_conditions.iter().find(|c| c.type_ == t);

        let mut available_cond = {
            let ok = available >= desired - max_unavailable;
            let (status, reason, message) = if ok {
                (
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.",
                )
            } else {
                (
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.",
                )
            };
            condition(
                "Available",
                status,
                reason,
                message.to_string(),
                now,
                find("Available"),
            )
        };
        let rs_name = new_name.unwrap_or("").to_string();
        let complete = updated == desired
            && available == desired
            && replicas == desired
            && new_rs.is_some_and(|rs| st(rs).2 == desired);
        let prev_progress = find("Progressing");
        let progressed = old_status.updated_replicas.unwrap_or(0) != updated
            || old_status.ready_replicas.unwrap_or(0) < ready
            || old_status.available_replicas.unwrap_or(0) < available
            || old_status.replicas.unwrap_or(0) != replicas
            || old_status.observed_generation != d.metadata.generation;
        let deadline = spec.progress_deadline_seconds.unwrap_or(600);
        let mut progressing = if spec.paused.unwrap_or(false) {
            condition(
                "Progressing",
                "Unknown",
                "DeploymentPaused",
                "Deployment is paused".into(),
                now,
                prev_progress,
            )
        } else if created_new {
            condition(
                "Progressing",
                "True",
                "NewReplicaSetCreated",
                format!("Created new replica set \"{rs_name}\""),
                now,
                prev_progress,
            )
        } else if complete {
            let mut c = condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                now,
                prev_progress,
            );
            if let Some(p) = prev_progress
                && p.reason.as_deref() == Some("NewReplicaSetAvailable")
            {
                c.last_update_time = p.last_update_time.clone();
            }
            c
        } else if progressed || prev_progress.is_none() {
            let reason = "ReplicaSetUpdated";
            condition(
                "Progressing",
                "True",
                reason,
                format!("ReplicaSet \"{rs_name}\" is progressing."),
                now,
                prev_progress,
            )
        } else {
            let mut c = prev_progress.cloned().unwrap_or_default();
            let last = c
                .last_update_time
                .as_ref()
                .map(SimTime::from_time)
                .unwrap_or(now);
            let timed_out = now >= last + Duration::from_secs(deadline.max(0) as u64);
            if timed_out && c.status == "True" {
                c = condition(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    format!("ReplicaSet \"{rs_name}\" has timed out progressing."),
                    now,
                    prev_progress,
                );
            } else if !timed_out {
                self.schedule(
                    last + Duration::from_secs(deadline.max(0) as u64),
                    Work::Deployment(k.clone()),
                );
            }
            c
        };
        if progressing.reason.as_deref() != Some("NewReplicaSetAvailable")
            && progressing.status == "True"
            && !spec.paused.unwrap_or(false)
        {
            self.schedule(
                now + Duration::from_secs(deadline.max(0) as u64),
                Work::Deployment(k.clone()),
            );
        }
        // Keep the transition time when only the message or reason moved within the same status.
        if let Some(prev) = prev_progress
            && prev.status == progressing.status
        {
            progressing.last_transition_time = prev.last_transition_time.clone();
        }
        if let Some(prev) = find("Available")
            && prev.status == available_cond.status
        {
            available_cond.last_transition_time = prev.last_transition_time.clone();
            if prev.reason == available_cond.reason {
                available_cond.last_update_time = prev.last_update_time.clone();
            }
        }
        let status = DeploymentStatus {
            observed_generation: d.metadata.generation,
            replicas: (replicas > 0).then_some(replicas),
            updated_replicas: (updated > 0).then_some(updated),
            ready_replicas: (ready > 0).then_some(ready),
            available_replicas: (available > 0).then_some(available),
            unavailable_replicas: (desired > available).then_some(desired - available),
            conditions: Some(vec![available_cond, progressing]),
            collision_count: old_status.collision_count,
            terminating_replicas: None,
        };
        let revision = new_rs.map(|rs| revision_of(&rs.metadata).to_string());
        let current_revision = d
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION));
        if d.status.as_ref() == Some(&status)
            && (revision.is_none() || revision.as_ref() == current_revision)
        {
            return;
        }
        // The status or the revision differs from the stored one: a change, without comparing.
        // Written in place, so the spec is copied only while a fork shares the Deployment.
        drop(rss);
        drop(d);
        self.write_own_status(Work::Deployment(k.clone()), |c| {
            c.commit_in_place(&k.0, &k.1, |d: &mut Deployment| {
                d.status = Some(status);
                if let Some(revision) = revision {
                    d.metadata
                        .annotations
                        .get_or_insert_default()
                        .insert(REVISION.into(), revision);
                }
            });
        });
    }

    pub(crate) fn reconcile_replicaset(&mut self, k: &ObjectKey) {
        let Some(rs) = self.store.get::<ReplicaSet>(&k.0, &k.1).cloned() else {
            return;
        };
        if rs.metadata.deletion_timestamp.is_some() {
            return;
        }
        let uid = rs.metadata.uid.clone().unwrap_or_default();
        let Some(spec) = rs.spec.as_ref() else { return };
        let desired = spec.replicas.unwrap_or(1);
        let pods: Vec<Arc<Pod>> = self
            .store
            .list_in::<Pod>(&k.0)
            .filter(|p| controlled_by(&p.metadata, &uid) && is_active(p))
            .cloned()
            .collect();
        let diff = pods.len() as i32 - desired;
        let mut failure: Option<String> = None;
        if diff < 0 {
            for _ in 0..(-diff) {
                let template = spec.template.as_ref();
                let tm = template.and_then(|t| t.metadata.as_ref());
                let pod = Pod {
                    metadata: ObjectMeta {
                        generate_name: Some(format!("{}-", k.1)),
                        namespace: Some(k.0.clone()),
                        labels: tm.and_then(|m| m.labels.clone()),
                        annotations: tm.and_then(|m| m.annotations.clone()),
                        owner_references: Some(vec![controller_ref(rs.as_ref())]),
                        ..Default::default()
                    },
                    spec: template.and_then(|t| t.spec.clone()),
                    status: None,
                };
                match self.create(pod) {
                    Ok(p) => {
                        let name = p.metadata.name.clone().unwrap_or_default();
                        self.record(
                            rs.as_ref(),
                            None,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("Created pod: {name}"),
                            Reporter::Controller("replicaset-controller"),
                        );
                    }
                    Err(e) => {
                        self.record(
                            rs.as_ref(),
                            None,
                            EventType::Warning,
                            "FailedCreate",
                            format!("Error creating: {}", e.message),
                            Reporter::Controller("replicaset-controller"),
                        );
                        failure = Some(e.message);
                        break;
                    }
                }
            }
        } else if diff > 0 {
            let mut ranked = pods.clone();
            // Delete the least useful first: unscheduled, pending, not ready, most restarts, newest.
            ranked.sort_by_key(|p| {
                let scheduled = p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
                let phase_rank = match p.status.as_ref().and_then(|s| s.phase.as_deref()) {
                    Some("Pending") => 0,
                    Some("Running") => 2,
                    _ => 1,
                };
                let restarts: i32 = p
                    .status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .map(|cs| cs.iter().map(|c| c.restart_count).sum())
                    .unwrap_or(0);
                let created = p
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.as_millisecond())
                    .unwrap_or(0);
                (
                    scheduled,
                    phase_rank,
                    is_ready(p),
                    -restarts,
                    -created,
                    p.metadata.name.clone(),
                )
            });
            for p in ranked.into_iter().take(diff as usize) {
                let name = p.metadata.name.clone().unwrap_or_default();
                if self
                    .delete::<Pod>(&k.0, &name, DeleteOptions::default())
                    .is_ok()
                {
                    self.record(
                        rs.as_ref(),
                        None,
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!("Deleted pod: {name}"),
                        Reporter::Controller("replicaset-controller"),
                    );
                }
            }
        }

        let min_ready = spec.min_ready_seconds.unwrap_or(0);
        let now_ms = self.now.millis();
        let pods: Vec<Arc<Pod>> = self
            .store
            .list_in::<Pod>(&k.0)
            .filter(|p| controlled_by(&p.metadata, &uid) && is_active(p))
            .cloned()
            .collect();
        let ready = pods.iter().filter(|p| is_ready(p)).count() as i32;
        let available = pods
            .iter()
            .filter(|p| is_available(p, min_ready, now_ms))
            .count() as i32;
        let selector_labels = spec.selector.match_labels.clone().unwrap_or_default();
        let fully_labeled = pods
            .iter()
            .filter(|p| {
                selector_labels
                    .iter()
                    .all(|(k, v)| p.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
            })
            .count() as i32;
        let conditions = match &failure {
            Some(msg) => {
                let prev = rs
                    .status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .find(|c| c.type_ == "ReplicaFailure");
                Some(vec![ReplicaSetCondition {
                    type_: "ReplicaFailure".into(),
                    status: "True".into(),
                    reason: Some("FailedCreate".into()),
                    message: Some(msg.clone()),
                    last_transition_time: prev
                        .and_then(|p| p.last_transition_time.clone())
                        .or(Some(self.now.time())),
                }])
            }
            // Creating succeeded or was not needed: the failure condition clears.
            None => None,
        };
        let status = ReplicaSetStatus {
            replicas: pods.len() as i32,
            fully_labeled_replicas: (fully_labeled > 0).then_some(fully_labeled),
            ready_replicas: (ready > 0).then_some(ready),
            available_replicas: (available > 0).then_some(available),
            observed_generation: rs.metadata.generation,
            conditions,
            terminating_replicas: None,
        };
        let failed = failure.is_some();
        if failed {
            // The work queue retries with back-off; quota or capacity may free up.
            let attempts = self.runtime.retries.entry(k.clone()).or_insert(0);
            *attempts += 1;
            let delay = Duration::from_millis((5u64 << (*attempts).min(20)).min(1_000_000));
            self.schedule(
                self.now + delay.max(Duration::from_secs(1)),
                Work::ReplicaSet(k.clone()),
            );
        } else {
            self.runtime.retries.remove(k);
        }
        if min_ready > 0 && ready > available {
            self.schedule(
                self.now + Duration::from_secs(min_ready as u64),
                Work::ReplicaSet(k.clone()),
            );
        }
        drop(rs);
        let changed = self
            .store
            .get::<ReplicaSet>(&k.0, &k.1)
            .is_some_and(|current| current.status.as_ref() != Some(&status));
        if changed {
            // In place: the spec (a whole pod template) is copied only while a fork shares it.
            let write = |c: &mut Cluster| {
                c.commit_in_place(&k.0, &k.1, |rs: &mut ReplicaSet| rs.status = Some(status))
            };
            if failed {
                // The status update requeues the ReplicaSet, as it does a real controller: it
                // tries its creations again (and records FailedCreate again) at once.
                write(self);
            } else {
                self.write_own_status(Work::ReplicaSet(k.clone()), write);
            }
        }
    }

    pub(crate) fn reconcile_statefulset(&mut self, k: &ObjectKey) {
        let Some(sts) = self.store.get::<StatefulSet>(&k.0, &k.1).cloned() else {
            return;
        };
        if sts.metadata.deletion_timestamp.is_some() {
            return;
        }
        let uid = sts.metadata.uid.clone().unwrap_or_default();
        let Some(spec) = sts.spec.as_ref() else {
            return;
        };
        let desired = spec.replicas.unwrap_or(1);
        let revision = format!(
            "{}-{}",
            k.1,
            self.template_hash(&uid, sts.metadata.generation, 0, &spec.template)
        );
        let ordered = spec.pod_management_policy.as_deref() != Some("Parallel");
        let pod_name = |i: i32| format!("{}-{i}", k.1);
        let reporter = || Reporter::Controller("statefulset-controller");

        // Claims first, then pods in ordinal order; OrderedReady waits for each to be ready.
        for i in 0..desired {
            let name = pod_name(i);
            for tmpl in spec.volume_claim_templates.iter().flatten() {
                let tname = tmpl.metadata.name.clone().unwrap_or_default();
                let claim = format!("{tname}-{name}");
                if self
                    .store
                    .get::<PersistentVolumeClaim>(&k.0, &claim)
                    .is_none()
                {
                    let mut labels = spec.selector.match_labels.clone().unwrap_or_default();
                    labels.extend(tmpl.metadata.labels.clone().unwrap_or_default());
                    let pvc = PersistentVolumeClaim {
                        metadata: ObjectMeta {
                            name: Some(claim.clone()),
                            namespace: Some(k.0.clone()),
                            labels: Some(labels),
                            annotations: tmpl.metadata.annotations.clone(),
                            ..Default::default()
                        },
                        spec: tmpl.spec.clone(),
                        status: None,
                    };
                    match self.create(pvc) {
                        Ok(_) => self.record(
                            sts.as_ref(),
                            None,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!(
                                "create Claim {claim} Pod {name} in StatefulSet {} success",
                                k.1
                            ),
                            reporter(),
                        ),
                        Err(e) => {
                            self.record(sts.as_ref(), None, EventType::Warning, "FailedCreate", format!("create Claim {claim} for Pod {name} in StatefulSet {} failed error: {}", k.1, e.message), reporter());
                            return;
                        }
                    }
                }
            }
            match self.store.get::<Pod>(&k.0, &name).cloned() {
                None => {
                    let mut template = spec.template.clone();
                    let tm = template.metadata.get_or_insert_default();
                    let labels = tm.labels.get_or_insert_default();
                    labels.insert("controller-revision-hash".into(), revision.clone());
                    labels.insert("statefulset.kubernetes.io/pod-name".into(), name.clone());
                    labels.insert("apps.kubernetes.io/pod-index".into(), i.to_string());
                    let mut pod_spec = template.spec.clone().unwrap_or_default();
                    pod_spec.hostname = Some(name.clone());
                    pod_spec.subdomain = spec.service_name.clone();
                    for tmpl in spec.volume_claim_templates.iter().flatten() {
                        let tname = tmpl.metadata.name.clone().unwrap_or_default();
                        let volumes = pod_spec.volumes.get_or_insert_default();
                        volumes.retain(|v| v.name != tname);
                        volumes.push(Volume {
                            name: tname.clone(),
                            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                                claim_name: format!("{tname}-{name}"),
                                read_only: None,
                            }),
                            ..Default::default()
                        });
                    }
                    let pod = Pod {
                        metadata: ObjectMeta {
                            name: Some(name.clone()),
                            namespace: Some(k.0.clone()),
                            labels: tm.labels.clone(),
                            annotations: tm.annotations.clone(),
                            owner_references: Some(vec![controller_ref(sts.as_ref())]),
                            ..Default::default()
                        },
                        spec: Some(pod_spec),
                        status: None,
                    };
                    match self.create(pod) {
                        Ok(_) => self.record(
                            sts.as_ref(),
                            None,
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("create Pod {name} in StatefulSet {} successful", k.1),
                            reporter(),
                        ),
                        Err(e) => {
                            self.record(
                                sts.as_ref(),
                                None,
                                EventType::Warning,
                                "FailedCreate",
                                format!(
                                    "create Pod {name} in StatefulSet {} failed error: {}",
                                    k.1, e.message
                                ),
                                reporter(),
                            );
                        }
                    }
                    if ordered {
                        break;
                    }
                }
                Some(p) => {
                    if p.metadata.deletion_timestamp.is_some() {
                        if ordered {
                            break;
                        }
                        continue;
                    }
                    if ordered && !is_ready(&p) {
                        break;
                    }
                }
            }
        }
        // Rolling update: replace the highest-ordinal pod on an old revision, one at a time.
        let all_ready = (0..desired).all(|i| {
            self.store
                .get::<Pod>(&k.0, &pod_name(i))
                .is_some_and(|p| is_ready(p))
        });
        if all_ready {
            for i in (0..desired).rev() {
                if let Some(p) = self.store.get::<Pod>(&k.0, &pod_name(i)).cloned()
                    && p.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get("controller-revision-hash"))
                        != Some(&revision)
                {
                    let _ = self.delete::<Pod>(&k.0, &pod_name(i), DeleteOptions::default());
                    self.record(
                        sts.as_ref(),
                        None,
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!(
                            "delete Pod {} in StatefulSet {} successful",
                            pod_name(i),
                            k.1
                        ),
                        reporter(),
                    );
                    break;
                }
            }
        }
        // Scale down from the highest ordinal, one at a time.
        let mut owned: Vec<Arc<Pod>> = self
            .store
            .list_in::<Pod>(&k.0)
            .filter(|p| controlled_by(&p.metadata, &uid))
            .cloned()
            .collect();
        owned.sort_by_key(|p| ordinal(p.metadata.name.as_deref().unwrap_or(""), &k.1));
        if let Some(extra) = owned
            .iter()
            .rev()
            .find(|p| ordinal(p.metadata.name.as_deref().unwrap_or(""), &k.1) >= desired)
            && extra.metadata.deletion_timestamp.is_none()
        {
            let name = extra.metadata.name.clone().unwrap_or_default();
            let _ = self.delete::<Pod>(&k.0, &name, DeleteOptions::default());
            self.record(
                sts.as_ref(),
                None,
                EventType::Normal,
                "SuccessfulDelete",
                format!("delete Pod {name} in StatefulSet {} successful", k.1),
                reporter(),
            );
        }

        let owned: Vec<Arc<Pod>> = self
            .store
            .list_in::<Pod>(&k.0)
            .filter(|p| controlled_by(&p.metadata, &uid) && is_active(p))
            .cloned()
            .collect();
        let ready = owned.iter().filter(|p| is_ready(p)).count() as i32;
        let updated = owned
            .iter()
            .filter(|p| {
                p.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get("controller-revision-hash"))
                    == Some(&revision)
            })
            .count() as i32;
        let status = StatefulSetStatus {
            observed_generation: sts.metadata.generation,
            replicas: owned.len() as i32,
            ready_replicas: (ready > 0).then_some(ready),
            current_replicas: (updated > 0).then_some(updated),
            updated_replicas: (updated > 0).then_some(updated),
            available_replicas: Some(ready),
            current_revision: Some(revision.clone()),
            update_revision: Some(revision),
            collision_count: Some(0),
            conditions: None,
        };
        if let Some(current) = self.store.get::<StatefulSet>(&k.0, &k.1).cloned()
            && current.status.as_ref() != Some(&status)
        {
            self.commit_if_changed(current.with_status(status), &current);
        }
    }
}

fn ordinal(pod_name: &str, sts_name: &str) -> i32 {
    pod_name
        .strip_prefix(sts_name)
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
}

fn condition(
    type_: &str,
    status: &str,
    reason: &str,
    message: String,
    now: SimTime,
    previous: Option<&DeploymentCondition>,
) -> DeploymentCondition {
    let transition = match previous {
        Some(p) if p.status == status => p.last_transition_time.clone(),
        _ => Some(now.time()),
    };
    DeploymentCondition {
        type_: type_.into(),
        status: status.into(),
        reason: Some(reason.into()),
        message: Some(message),
        last_update_time: Some(now.time()),
        last_transition_time: transition,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surge_rounds_up_and_unavailable_rounds_down() {
        let pct = IntOrString::String("25%".into());
        assert_eq!(scaled_value(Some(&pct), 2, true), 1);
        assert_eq!(scaled_value(Some(&pct), 2, false), 0);
        assert_eq!(scaled_value(Some(&pct), 10, true), 3);
        assert_eq!(scaled_value(Some(&pct), 10, false), 2);
        assert_eq!(scaled_value(Some(&IntOrString::Int(2)), 10, false), 2);
    }
}
