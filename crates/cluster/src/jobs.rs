//! batch/v1 Jobs and CronJobs: what the API server does to them (defaulting, the generated
//! selector, validation) and the Job controller of kube-controller-manager 1.33 for
//! NonIndexed jobs: pods from the template, `completions`, `parallelism`, `backoffLimit`,
//! the delayed terminal conditions (SuccessCriteriaMet then Complete, FailureTarget then
//! Failed) and the status counters. CronJobs are stored and served; nothing schedules them.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, Job, JobCondition, JobStatus, UncountedTerminatedPods};
use k8s_openapi::api::core::v1::{Pod, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use crate::admission::{Ctx, Schema, default_pod_spec, validate_pod_spec};
use crate::cluster::{Cluster, DeleteOptions, Work};
use crate::error::{FieldError, quoted};
use crate::events::{EventType, Reporter};
use crate::selectors::{controlled_by, controller_ref, is_ready};
use crate::store::{ObjectKey, WithStatus};
use crate::time::SimTime;

pub const JOB_NAME_LABEL: &str = "batch.kubernetes.io/job-name";
pub const LEGACY_JOB_NAME_LABEL: &str = "job-name";
pub const CONTROLLER_UID_LABEL: &str = "batch.kubernetes.io/controller-uid";
pub const LEGACY_CONTROLLER_UID_LABEL: &str = "controller-uid";

const REPORTER: Reporter = Reporter::Controller("job-controller");
/// The controller's pod failure back-off: 10 s doubling, at most 6 minutes.
const BACKOFF_BASE: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(360);
const COMPLETIONS_REACHED: &str = "Reached expected number of succeeded pods";
const BACKOFF_EXCEEDED: &str = "Job has reached the specified backoff limit";

fn default_template(template: &mut PodTemplateSpec) {
    default_pod_spec(template.spec.get_or_insert_default());
}

fn validate_job_template(template: &PodTemplateSpec, path: &str) -> Vec<FieldError> {
    let Some(spec) = template.spec.as_ref() else {
        return vec![FieldError::required(format!("{path}.spec.containers"), "")];
    };
    let mut errs = validate_pod_spec(spec, &format!("{path}.spec"));
    match spec.restart_policy.as_deref() {
        Some("Never" | "OnFailure") => {}
        Some("Always") | None => errs.push(FieldError::required(
            format!("{path}.spec.restartPolicy"),
            "valid values: \"OnFailure\", \"Never\"",
        )),
        // validate_pod_spec reported it.
        Some(_) => {}
    }
    errs
}

fn non_negative(value: Option<i32>, path: &str, errs: &mut Vec<FieldError>) {
    if let Some(v) = value.filter(|v| *v < 0) {
        errs.push(FieldError::invalid(
            path,
            v.to_string(),
            "must be greater than or equal to 0",
        ));
    }
}

impl Schema for Job {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    /// `SetDefaults_Job`.
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        if spec.completions.is_none() && spec.parallelism.is_none() {
            spec.completions = Some(1);
        }
        spec.parallelism.get_or_insert(1);
        let backoff = if spec.backoff_limit_per_index.is_some() {
            i32::MAX
        } else {
            6
        };
        spec.backoff_limit.get_or_insert(backoff);
        spec.completion_mode
            .get_or_insert_with(|| "NonIndexed".into());
        spec.suspend.get_or_insert(false);
        spec.manual_selector.get_or_insert(false);
        let replacement = if spec.pod_failure_policy.is_some() {
            "Failed"
        } else {
            "TerminatingOrFailed"
        };
        spec.pod_replacement_policy
            .get_or_insert_with(|| replacement.into());
        default_template(&mut spec.template);
    }
    fn validate(&self, old: Option<&Self>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let spec = self.spec.clone().unwrap_or_default();
        non_negative(spec.parallelism, "spec.parallelism", &mut errs);
        non_negative(spec.completions, "spec.completions", &mut errs);
        non_negative(spec.backoff_limit, "spec.backoffLimit", &mut errs);
        if let Some(mode) = spec.completion_mode.as_deref()
            && !["NonIndexed", "Indexed"].contains(&mode)
        {
            errs.push(FieldError::unsupported(
                "spec.completionMode",
                quoted(mode),
                &["NonIndexed", "Indexed"],
            ));
        }
        errs.extend(validate_job_template(&spec.template, "spec.template"));
        if spec.manual_selector == Some(true) && spec.selector.is_none() {
            errs.push(FieldError::required("spec.selector", ""));
        }
        if let Some(old) = old {
            let before = old.spec.clone().unwrap_or_default();
            if before.selector != spec.selector {
                errs.push(FieldError::invalid(
                    "spec.selector",
                    format!("{:?}", spec.selector),
                    "field is immutable",
                ));
            }
            if before.template != spec.template {
                errs.push(FieldError::invalid(
                    "spec.template",
                    "core.PodTemplateSpec{...}",
                    "field is immutable",
                ));
            }
            if before.completions != spec.completions {
                errs.push(FieldError::invalid(
                    "spec.completions",
                    spec.completions.unwrap_or(0).to_string(),
                    "field is immutable",
                ));
            }
            if before.completion_mode != spec.completion_mode {
                errs.push(FieldError::invalid(
                    "spec.completionMode",
                    quoted(spec.completion_mode.as_deref().unwrap_or("")),
                    "field is immutable",
                ));
            }
        }
        errs
    }
    /// `generateSelector`, which the job strategy runs once the uid is known, and the labels
    /// the Job takes from its template when it has none of its own.
    fn complete_create(&mut self) -> Vec<FieldError> {
        let name = self.metadata.name.clone().unwrap_or_default();
        let uid = self.metadata.uid.clone().unwrap_or_default();
        let spec = self.spec.get_or_insert_default();
        let mut errs = Vec::new();
        if spec.manual_selector != Some(true) {
            let labels = spec
                .template
                .metadata
                .get_or_insert_default()
                .labels
                .get_or_insert_default();
            for key in [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL] {
                labels.entry(key.into()).or_insert_with(|| name.clone());
            }
            for key in [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL] {
                labels.entry(key.into()).or_insert_with(|| uid.clone());
            }
            let user_selector = spec.selector.is_some();
            let selector = spec.selector.get_or_insert_with(LabelSelector::default);
            selector
                .match_labels
                .get_or_insert_default()
                .entry(CONTROLLER_UID_LABEL.into())
                .or_insert_with(|| uid.clone());
            if user_selector {
                errs.push(FieldError::invalid(
                    "spec.selector",
                    format!("{selector:?}"),
                    "`selector` not auto-generated",
                ));
            }
        }
        let template_labels = spec
            .template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone());
        if let Some(selector) = spec.selector.as_ref()
            && !crate::selectors::matches(selector, template_labels.as_ref())
        {
            errs.push(FieldError::invalid(
                "spec.template.metadata.labels",
                format!("{template_labels:?}"),
                "`selector` does not match template `labels`",
            ));
        }
        if self.metadata.labels.as_ref().is_none_or(BTreeMap::is_empty) {
            self.metadata.labels = template_labels;
        }
        errs
    }
}

impl Schema for CronJob {
    fn tracks_generation() -> bool {
        true
    }
    fn same_spec(a: &Self, b: &Self) -> bool {
        a.spec == b.spec
    }
    fn keep_status(new: &mut Self, old: &Self) {
        new.status = old.status.clone();
    }
    /// `SetDefaults_CronJob`.
    fn apply_defaults(&mut self, _ctx: &mut Ctx<'_>) {
        let spec = self.spec.get_or_insert_default();
        spec.concurrency_policy
            .get_or_insert_with(|| "Allow".into());
        spec.suspend.get_or_insert(false);
        spec.successful_jobs_history_limit.get_or_insert(3);
        spec.failed_jobs_history_limit.get_or_insert(1);
        if let Some(job_spec) = spec.job_template.spec.as_mut() {
            default_template(&mut job_spec.template);
        }
    }
    fn validate(&self, _old: Option<&Self>) -> Vec<FieldError> {
        let spec = self.spec.clone().unwrap_or_default();
        let mut errs = Vec::new();
        if spec.schedule.trim().is_empty() {
            errs.push(FieldError::required("spec.schedule", ""));
        }
        if let Some(job_spec) = spec.job_template.spec.as_ref() {
            errs.extend(validate_job_template(
                &job_spec.template,
                "spec.jobTemplate.spec.template",
            ));
        }
        errs
    }
    /// CronJob names leave room for the Job suffix: at most 52 characters.
    fn validate_name(name: &str) -> Vec<String> {
        let mut errs = crate::names::validate_subdomain(name);
        if name.len() > 52 {
            errs.push("must be no more than 52 characters".into());
        }
        errs
    }
}

fn phase(pod: &Pod) -> Option<&str> {
    pod.status.as_ref().and_then(|s| s.phase.as_deref())
}

fn condition_true(status: &JobStatus, type_: &str) -> bool {
    status
        .conditions
        .iter()
        .flatten()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn job_condition(type_: &str, reason: &str, message: &str, now: SimTime) -> JobCondition {
    JobCondition {
        type_: type_.into(),
        status: "True".into(),
        reason: Some(reason.into()),
        message: Some(message.into()),
        last_probe_time: Some(now.time()),
        last_transition_time: Some(now.time()),
    }
}

/// Replaces the condition of the same type, or adds it.
fn set_condition(status: &mut JobStatus, c: JobCondition) {
    let conditions = status.conditions.get_or_insert_default();
    match conditions.iter_mut().find(|x| x.type_ == c.type_) {
        Some(existing) => *existing = c,
        None => conditions.push(c),
    }
}

fn add_condition(status: &mut JobStatus, c: JobCondition) {
    if !condition_true(status, &c.type_) {
        status.conditions.get_or_insert_default().push(c);
    }
}

/// When a failed pod's containers stopped, or `None` if it never ran one.
fn finished_at(pod: &Pod) -> Option<SimTime> {
    pod.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|c| c.state.as_ref()?.terminated.as_ref()?.finished_at.as_ref())
        .map(SimTime::from_time)
        .max()
}

/// Whether a Job has finished: Complete or Failed.
pub fn job_finished(job: &Job) -> bool {
    job.status
        .as_ref()
        .is_some_and(|s| condition_true(s, "Complete") || condition_true(s, "Failed"))
}

fn nonzero(n: i32) -> Option<i32> {
    (n != 0).then_some(n)
}

impl Cluster {
    pub(crate) fn reconcile_job(&mut self, k: &ObjectKey) {
        let Some(job) = self.store.get::<Job>(&k.0, &k.1).cloned() else {
            return;
        };
        if job.metadata.deletion_timestamp.is_some() || job_finished(&job) {
            return;
        }
        let uid = job.metadata.uid.clone().unwrap_or_default();
        let spec = job.spec.clone().unwrap_or_default();
        let now = self.now;
        let mut status = job.status.clone().unwrap_or_default();
        let suspended = spec.suspend == Some(true);
        let mut events: Vec<(EventType, &str, &str)> = Vec::new();
        let suspended_now = condition_true(&status, "Suspended");
        if suspended && !suspended_now {
            set_condition(
                &mut status,
                job_condition("Suspended", "JobSuspended", "Job suspended", now),
            );
            events.push((EventType::Normal, "Suspended", "Job suspended"));
        } else if !suspended && suspended_now {
            let mut resumed = job_condition("Suspended", "JobResumed", "Job resumed", now);
            resumed.status = "False".into();
            set_condition(&mut status, resumed);
            events.push((EventType::Normal, "Resumed", "Job resumed"));
            // A resumed Job starts its clock again.
            status.start_time = Some(now.time());
        }
        if !suspended && status.start_time.is_none() {
            status.start_time = Some(now.time());
        }
        let owned = |c: &Cluster| -> Vec<Arc<Pod>> {
            c.store
                .list_in::<Pod>(&k.0)
                .filter(|p| controlled_by(&p.metadata, &uid))
                .cloned()
                .collect()
        };
        let pods = owned(self);
        let terminal = |p: &Pod| matches!(phase(p), Some("Succeeded" | "Failed"));
        let active: Vec<&Arc<Pod>> = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && !terminal(p))
            .collect();
        let succeeded_now = pods
            .iter()
            .filter(|p| phase(p) == Some("Succeeded"))
            .count() as i32;
        let failed_pods: Vec<&Arc<Pod>> =
            pods.iter().filter(|p| phase(p) == Some("Failed")).collect();
        // Counters only grow: a terminated pod deleted later stays counted.
        let succeeded = status.succeeded.unwrap_or(0).max(succeeded_now);
        let mut failed = status.failed.unwrap_or(0).max(failed_pods.len() as i32);
        let backoff_limit = spec.backoff_limit.unwrap_or(6);
        let parallelism = spec.parallelism.unwrap_or(1).max(0);
        let on_failure = spec
            .template
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.as_deref())
            == Some("OnFailure");

        let mut failure_target = condition_true(&status, "FailureTarget");
        let mut success_met = condition_true(&status, "SuccessCriteriaMet");
        if !failure_target && !success_met {
            let restarts: i32 = active
                .iter()
                .filter_map(|p| p.status.as_ref()?.container_statuses.as_ref())
                .flatten()
                .map(|c| c.restart_count)
                .sum();
            let exceeded = if on_failure {
                backoff_limit == 0 && failed > 0 || restarts + failed > backoff_limit
            } else {
                failed > backoff_limit
            };
            let complete = match spec.completions {
                Some(c) => succeeded >= c,
                None => succeeded > 0 && active.is_empty(),
            };
            if complete {
                success_met = true;
                add_condition(
                    &mut status,
                    job_condition(
                        "SuccessCriteriaMet",
                        "CompletionsReached",
                        COMPLETIONS_REACHED,
                        now,
                    ),
                );
            } else if exceeded {
                failure_target = true;
                add_condition(
                    &mut status,
                    job_condition(
                        "FailureTarget",
                        "BackoffLimitExceeded",
                        BACKOFF_EXCEEDED,
                        now,
                    ),
                );
            }
        }

        if success_met || failure_target || suspended {
            // The job is done (or paused): its running pods go, counted as failed.
            for p in &active {
                let name = p.metadata.name.clone().unwrap_or_default();
                if self
                    .delete::<Pod>(&k.0, &name, DeleteOptions::default())
                    .is_ok()
                    && !suspended
                {
                    failed += 1;
                }
            }
        } else {
            let want = match spec.completions {
                Some(c) => parallelism.min((c - succeeded).max(0)),
                None if succeeded > 0 => 0,
                None => parallelism,
            };
            let mut running = active.len() as i32;
            if spec.pod_replacement_policy.as_deref() == Some("Failed") {
                running += pods
                    .iter()
                    .filter(|p| p.metadata.deletion_timestamp.is_some() && !terminal(p))
                    .count() as i32;
            }
            let mut to_create = (want - running).max(0);
            // After failures the controller waits before replacing: 10 s doubling.
            if to_create > 0 && !failed_pods.is_empty() {
                let exp = (failed_pods.len() as u32 - 1).min(6);
                let delay = (BACKOFF_BASE * 2u32.pow(exp)).min(BACKOFF_MAX);
                let last = failed_pods.iter().filter_map(|p| finished_at(p)).max();
                if let Some(last) = last
                    && last + delay > now
                {
                    self.schedule(last + delay, Work::Job(k.clone()));
                    to_create = 0;
                }
            }
            for _ in 0..to_create {
                if !self.create_job_pod(&job, &spec.template) {
                    break;
                }
            }
            // Too many running (parallelism lowered): remove the newest.
            if running > want {
                let mut extra: Vec<&&Arc<Pod>> = active.iter().collect();
                extra.sort_by_key(|p| {
                    std::cmp::Reverse((
                        p.metadata.creation_timestamp.as_ref().map(|t| t.0),
                        p.metadata.name.clone(),
                    ))
                });
                for p in extra.into_iter().take((running - want) as usize) {
                    let name = p.metadata.name.clone().unwrap_or_default();
                    let _ = self.delete::<Pod>(&k.0, &name, DeleteOptions::default());
                }
            }
        }

        let pods = owned(self);
        let active: Vec<&Arc<Pod>> = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none() && !terminal(p))
            .collect();
        let terminating = pods
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_some() && !terminal(p))
            .count() as i32;
        status.active = nonzero(active.len() as i32);
        status.ready = Some(active.iter().filter(|p| is_ready(p)).count() as i32);
        status.terminating = Some(terminating);
        status.succeeded = nonzero(succeeded);
        status.failed = nonzero(failed);
        status.uncounted_terminated_pods = Some(UncountedTerminatedPods::default());
        // Terminal conditions wait until no pod of the job is still terminating.
        if terminating == 0 && active.is_empty() {
            if success_met {
                add_condition(
                    &mut status,
                    job_condition("Complete", "CompletionsReached", COMPLETIONS_REACHED, now),
                );
                status.completion_time = Some(now.time());
                events.push((EventType::Normal, "Completed", "Job completed"));
            } else if failure_target {
                add_condition(
                    &mut status,
                    job_condition("Failed", "BackoffLimitExceeded", BACKOFF_EXCEEDED, now),
                );
                events.push((EventType::Warning, "BackoffLimitExceeded", BACKOFF_EXCEEDED));
            }
        }
        if job.status.as_ref() != Some(&status) {
            let stored = self.commit_if_changed(job.with_status(status), &job);
            for (type_, reason, message) in events {
                self.record(stored.as_ref(), None, type_, reason, message, REPORTER);
            }
        }
    }

    /// Creates one pod of `job` from its template; false when the API refused it.
    fn create_job_pod(&mut self, job: &Job, template: &PodTemplateSpec) -> bool {
        let name = job.metadata.name.clone().unwrap_or_default();
        let tm = template.metadata.clone().unwrap_or_default();
        let pod = Pod {
            metadata: ObjectMeta {
                generate_name: Some(format!("{name}-")),
                namespace: job.metadata.namespace.clone(),
                labels: tm.labels,
                annotations: tm.annotations,
                owner_references: Some(vec![controller_ref(job)]),
                ..Default::default()
            },
            spec: template.spec.clone(),
            status: None,
        };
        match self.create(pod) {
            Ok(p) => {
                let pod_name = p.metadata.name.clone().unwrap_or_default();
                self.record(
                    job,
                    None,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created pod: {pod_name}"),
                    REPORTER,
                );
                true
            }
            Err(e) => {
                self.record(
                    job,
                    None,
                    EventType::Warning,
                    "FailedCreate",
                    format!("Error creating: {}", e.message),
                    REPORTER,
                );
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Propagation;

    fn job_yaml(name: &str, script: &str, extra: &str, restart: &str) -> String {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n{extra}  template:\n    spec:\n      restartPolicy: {restart}\n      containers:\n      - name: work\n        image: busybox:1.36\n        command: [\"sh\", \"-c\", \"{script}\"]\n"
        )
    }

    fn run(script: &str, extra: &str, restart: &str) -> Cluster {
        let mut c = Cluster::baseline(3);
        c.apply_yaml("job.yaml", &job_yaml("work", script, extra, restart))
            .expect("job applies");
        c.run_until(Duration::from_secs(1800), |c| {
            c.get::<Job>("default", "work")
                .is_ok_and(|j| job_finished(&j))
        });
        c
    }

    fn pods(c: &Cluster) -> Vec<Arc<Pod>> {
        c.list_in::<Pod>("default")
            .filter(|p| {
                p.metadata
                    .name
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("work-")
            })
            .cloned()
            .collect()
    }

    fn conditions(job: &Job) -> Vec<String> {
        let status = job.status.clone().unwrap_or_default();
        status
            .conditions
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.type_)
            .collect()
    }

    #[test]
    fn defaults_and_generated_selector() {
        let mut c = Cluster::new(1);
        c.apply_yaml("job.yaml", &job_yaml("work", "exit 0", "", "Never"))
            .expect("job applies");
        let job = c.get::<Job>("default", "work").expect("stored");
        let spec = job.spec.clone().expect("spec");
        let uid = job.metadata.uid.clone().expect("uid");
        assert_eq!(spec.completions, Some(1));
        assert_eq!(spec.parallelism, Some(1));
        assert_eq!(spec.backoff_limit, Some(6));
        assert_eq!(spec.completion_mode.as_deref(), Some("NonIndexed"));
        assert_eq!(spec.suspend, Some(false));
        assert_eq!(spec.manual_selector, Some(false));
        assert_eq!(
            spec.pod_replacement_policy.as_deref(),
            Some("TerminatingOrFailed")
        );
        let selector = spec
            .selector
            .expect("generated")
            .match_labels
            .expect("labels");
        assert_eq!(selector.get(CONTROLLER_UID_LABEL), Some(&uid));
        let labels = job.metadata.labels.clone().expect("copied from template");
        assert_eq!(labels.get(JOB_NAME_LABEL).map(String::as_str), Some("work"));
        assert_eq!(labels.get(LEGACY_CONTROLLER_UID_LABEL), Some(&uid));
    }

    #[test]
    fn restart_policy_always_is_rejected() {
        let mut c = Cluster::new(1);
        let err = c
            .apply_yaml("job.yaml", &job_yaml("work", "exit 0", "", "Always"))
            .expect_err("Always is not allowed");
        assert!(format!("{err}").contains("restartPolicy"), "{err}");
    }

    #[test]
    fn a_job_completes_with_labelled_owned_pods() {
        let c = run("echo done; exit 0", "", "Never");
        let job = c.get::<Job>("default", "work").expect("job");
        let status = job.status.clone().expect("status");
        assert_eq!(status.succeeded, Some(1));
        assert_eq!(status.active, None);
        assert!(status.completion_time.is_some());
        assert_eq!(conditions(&job), ["SuccessCriteriaMet", "Complete"]);
        let pods = pods(&c);
        assert_eq!(pods.len(), 1);
        let pod = &pods[0];
        let name = pod.metadata.name.clone().unwrap_or_default();
        assert_eq!(name.len(), "work-".len() + 5, "{name}");
        assert_eq!(phase(pod), Some("Succeeded"));
        let labels = pod.metadata.labels.clone().unwrap_or_default();
        for key in [
            JOB_NAME_LABEL,
            LEGACY_JOB_NAME_LABEL,
            CONTROLLER_UID_LABEL,
            LEGACY_CONTROLLER_UID_LABEL,
        ] {
            assert!(labels.contains_key(key), "{key}");
        }
        let owner = &pod.metadata.owner_references.clone().unwrap_or_default()[0];
        assert_eq!((owner.kind.as_str(), owner.controller), ("Job", Some(true)));
        let reasons: Vec<String> = c
            .list_in::<k8s_openapi::api::core::v1::Event>("default")
            .filter(|e| e.involved_object.kind.as_deref() == Some("Job"))
            .filter_map(|e| e.reason.clone())
            .collect();
        assert_eq!(reasons, ["SuccessfulCreate", "Completed"]);
    }

    #[test]
    fn completions_run_parallelism_pods_at_a_time() {
        let mut c = Cluster::baseline(3);
        c.apply_yaml(
            "job.yaml",
            &job_yaml(
                "work",
                "sleep 30; exit 0",
                "  completions: 5\n  parallelism: 2\n",
                "Never",
            ),
        )
        .expect("job applies");
        c.advance(Duration::from_secs(5));
        let job = c.get::<Job>("default", "work").expect("job");
        assert_eq!(job.status.clone().unwrap_or_default().active, Some(2));
        assert_eq!(pods(&c).len(), 2);
        c.run_until(Duration::from_secs(1800), |c| {
            c.get::<Job>("default", "work")
                .is_ok_and(|j| job_finished(&j))
        });
        let job = c.get::<Job>("default", "work").expect("job");
        assert_eq!(job.status.clone().unwrap_or_default().succeeded, Some(5));
        assert_eq!(pods(&c).len(), 5);
        assert_eq!(conditions(&job), ["SuccessCriteriaMet", "Complete"]);
    }

    #[test]
    fn failures_past_the_backoff_limit_fail_the_job() {
        let c = run("echo boom; exit 1", "  backoffLimit: 2\n", "Never");
        let job = c.get::<Job>("default", "work").expect("job");
        let status = job.status.clone().expect("status");
        assert_eq!(status.failed, Some(3));
        assert_eq!(status.succeeded, None);
        assert!(status.completion_time.is_none());
        assert_eq!(conditions(&job), ["FailureTarget", "Failed"]);
        let failed = status.conditions.unwrap_or_default().pop().expect("Failed");
        assert_eq!(failed.reason.as_deref(), Some("BackoffLimitExceeded"));
        assert_eq!(pods(&c).len(), 3);
        assert!(pods(&c).iter().all(|p| phase(p) == Some("Failed")));
    }

    #[test]
    fn on_failure_counts_restarts_against_the_limit() {
        let c = run("exit 1", "  backoffLimit: 1\n", "OnFailure");
        let job = c.get::<Job>("default", "work").expect("job");
        assert_eq!(conditions(&job), ["FailureTarget", "Failed"]);
        // The restarting pod was deleted when the job failed.
        assert!(pods(&c).is_empty());
    }

    #[test]
    fn suspending_removes_the_pods_and_resuming_restarts_them() {
        let mut c = Cluster::baseline(3);
        c.apply_yaml("job.yaml", &job_yaml("work", "sleep 600", "", "Never"))
            .expect("job applies");
        c.advance(Duration::from_secs(10));
        c.modify::<Job>("default", "work", |j| {
            j.spec.get_or_insert_default().suspend = Some(true);
        })
        .expect("suspended");
        c.advance(Duration::from_secs(60));
        assert!(pods(&c).is_empty());
        let job = c.get::<Job>("default", "work").expect("job");
        assert_eq!(conditions(&job), ["Suspended"]);
        assert_eq!(job.status.clone().unwrap_or_default().active, None);
        c.modify::<Job>("default", "work", |j| {
            j.spec.get_or_insert_default().suspend = Some(false);
        })
        .expect("resumed");
        c.advance(Duration::from_secs(10));
        assert_eq!(pods(&c).len(), 1);
        let job = c.get::<Job>("default", "work").expect("job");
        let status = job.status.clone().unwrap_or_default();
        let suspended = &status.conditions.unwrap_or_default()[0];
        assert_eq!(
            (suspended.status.as_str(), suspended.reason.as_deref()),
            ("False", Some("JobResumed"))
        );
        assert_eq!(status.active, Some(1));
    }

    #[test]
    fn deleting_a_job_collects_its_pods() {
        let mut c = Cluster::baseline(3);
        c.apply_yaml("job.yaml", &job_yaml("work", "sleep 600", "", "Never"))
            .expect("job applies");
        c.advance(Duration::from_secs(10));
        assert_eq!(pods(&c).len(), 1);
        c.delete::<Job>(
            "default",
            "work",
            DeleteOptions {
                propagation: Propagation::Background,
                ..Default::default()
            },
        )
        .expect("deleted");
        c.advance(Duration::from_secs(60));
        assert!(c.get::<Job>("default", "work").is_err());
        assert!(pods(&c).is_empty());
    }
}
