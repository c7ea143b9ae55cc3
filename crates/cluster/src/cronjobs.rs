//! The CronJob controller (kube-controller-manager's cronjob-controller v2), in UTC: a Job per
//! schedule time named `<cronjob>-<minutes since the epoch>`, the concurrency policy, the
//! starting deadline, suspend, the active list and the history limits.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::jiff::Timestamp;
use k8s_openapi::jiff::tz::TimeZone;

use crate::cluster::{Cluster, DeleteOptions, Work};
use crate::events::{EventType, Reporter};
use crate::selectors::{controlled_by, controller_ref};
use crate::store::{ObjectKey, WithStatus};
use crate::time::SimTime;

const REPORTER: Reporter = Reporter::Controller("cronjob-controller");
const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";
const MINUTE_MS: u64 = 60_000;
const DAY_MS: u64 = 24 * 60 * MINUTE_MS;
/// How far the controller looks for a schedule time, either way.
const HORIZON_MS: u64 = 400 * DAY_MS;

/// A parsed five-field cron schedule (minute hour day-of-month month day-of-week).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    minutes: BTreeSet<u32>,
    hours: BTreeSet<u32>,
    days: BTreeSet<u32>,
    months: BTreeSet<u32>,
    weekdays: BTreeSet<u32>,
    /// Both day fields restricted: a day matches either, as cron does.
    day_or: bool,
}

fn field(text: &str, min: u32, max: u32) -> Option<BTreeSet<u32>> {
    let mut out = BTreeSet::new();
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().ok()?, b.parse().ok()?)
        } else {
            let v: u32 = range.parse().ok()?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return None;
        }
        out.extend((lo..=hi).step_by(step as usize));
    }
    Some(out)
}

impl Schedule {
    /// Parses `*/5 * * * *` or a descriptor (`@hourly`, `@daily`...); `None` if invalid.
    pub fn parse(text: &str) -> Option<Schedule> {
        let text = match text.trim() {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            t => t,
        };
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [m, h, dom, mon, dow] = parts.as_slice() else {
            return None;
        };
        let mut weekdays = field(dow, 0, 7)?;
        if weekdays.remove(&7) {
            weekdays.insert(0);
        }
        let starred = |f: &str| f.starts_with('*') || f.starts_with('?');
        Some(Schedule {
            minutes: field(m, 0, 59)?,
            hours: field(h, 0, 23)?,
            days: field(dom, 1, 31)?,
            months: field(mon, 1, 12)?,
            weekdays,
            day_or: !starred(dom) && !starred(dow),
        })
    }

    fn day_matches(&self, ms: u64) -> bool {
        let z = Timestamp::from_millisecond(ms as i64)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(TimeZone::UTC);
        if !self.months.contains(&(z.month() as u32)) {
            return false;
        }
        let dom = self.days.contains(&(z.day() as u32));
        let dow = self
            .weekdays
            .contains(&(z.weekday().to_sunday_zero_offset() as u32));
        if self.day_or { dom || dow } else { dom && dow }
    }

    fn minute_matches(&self, ms: u64) -> bool {
        let in_day = ms % DAY_MS;
        self.hours.contains(&((in_day / (60 * MINUTE_MS)) as u32))
            && self.minutes.contains(&((in_day / MINUTE_MS % 60) as u32))
    }

    /// The latest schedule time in `(after, at]`.
    pub fn latest(&self, after: SimTime, at: SimTime) -> Option<SimTime> {
        let floor = after.0.max(at.0.saturating_sub(HORIZON_MS));
        let mut t = at.0 / MINUTE_MS * MINUTE_MS;
        while t > floor {
            if !self.day_matches(t) {
                // The last minute of the day before.
                t = (t / DAY_MS * DAY_MS).saturating_sub(MINUTE_MS);
                continue;
            }
            if self.minute_matches(t) {
                return Some(SimTime(t));
            }
            t -= MINUTE_MS;
        }
        None
    }

    /// The first schedule time after `at`.
    pub fn next(&self, at: SimTime) -> Option<SimTime> {
        let limit = at.0 + HORIZON_MS;
        let mut t = at.0 / MINUTE_MS * MINUTE_MS + MINUTE_MS;
        while t <= limit {
            if !self.day_matches(t) {
                t = t / DAY_MS * DAY_MS + DAY_MS;
                continue;
            }
            if self.minute_matches(t) {
                return Some(SimTime(t));
            }
            t += MINUTE_MS;
        }
        None
    }
}

fn job_ref(job: &Job) -> ObjectReference {
    ObjectReference {
        api_version: Some("batch/v1".into()),
        kind: Some("Job".into()),
        name: job.metadata.name.clone(),
        namespace: job.metadata.namespace.clone(),
        resource_version: job.metadata.resource_version.clone(),
        uid: job.metadata.uid.clone(),
        ..Default::default()
    }
}

fn job_condition(job: &Job) -> Option<&str> {
    job.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        .map(|c| c.type_.as_str())
}

impl Cluster {
    pub(crate) fn reconcile_cronjob(&mut self, k: &ObjectKey) {
        let Some(cj) = self.store.get::<CronJob>(&k.0, &k.1).cloned() else {
            return;
        };
        if cj.metadata.deletion_timestamp.is_some() {
            return;
        }
        let uid = cj.metadata.uid.clone().unwrap_or_default();
        let spec = cj.spec.clone().unwrap_or_default();
        let mut status = cj.status.clone().unwrap_or_default();
        let now = self.now;
        let jobs: Vec<Arc<Job>> = self
            .store
            .list_in::<Job>(&k.0)
            .filter(|j| controlled_by(&j.metadata, &uid))
            .cloned()
            .collect();

        // The active list: jobs still running.
        let mut active = Vec::new();
        for job in &jobs {
            let name = job.metadata.name.clone().unwrap_or_default();
            let was_active = status
                .active
                .iter()
                .flatten()
                .any(|r| r.uid == job.metadata.uid);
            match job_condition(job) {
                None => active.push(job_ref(job)),
                Some(condition) if was_active => {
                    self.record(
                        cj.as_ref(),
                        None,
                        EventType::Normal,
                        "SawCompletedJob",
                        format!("Saw completed job: {name}, condition: {condition}"),
                        REPORTER,
                    );
                    if condition == "Complete" {
                        status.last_successful_time =
                            job.status.as_ref().and_then(|s| s.completion_time.clone());
                    }
                }
                Some(_) => {}
            }
        }

        // History limits: the oldest finished jobs beyond them go.
        for (wanted, limit) in [
            ("Complete", spec.successful_jobs_history_limit.unwrap_or(3)),
            ("Failed", spec.failed_jobs_history_limit.unwrap_or(1)),
        ] {
            let mut finished: Vec<&Arc<Job>> = jobs
                .iter()
                .filter(|j| job_condition(j) == Some(wanted))
                .collect();
            finished.sort_by_key(|j| {
                (
                    j.status
                        .as_ref()
                        .and_then(|s| s.start_time.as_ref())
                        .map(|t| t.0),
                    j.metadata.name.clone(),
                )
            });
            let excess = finished.len().saturating_sub(limit.max(0) as usize);
            for job in finished.into_iter().take(excess) {
                self.delete_cron_job_child(&cj, job);
            }
        }

        let schedule = Schedule::parse(&spec.schedule);
        if spec.suspend != Some(true)
            && let Some(schedule) = schedule.as_ref()
        {
            let since = status
                .last_schedule_time
                .as_ref()
                .or(cj.metadata.creation_timestamp.as_ref())
                .map(SimTime::from_time)
                .unwrap_or(now);
            let too_late = |t: SimTime| {
                spec.starting_deadline_seconds
                    .is_some_and(|d| t + Duration::from_secs(d.max(0) as u64) < now)
            };
            if let Some(at) = schedule.latest(since, now).filter(|t| !too_late(*t)) {
                let policy = spec.concurrency_policy.as_deref().unwrap_or("Allow");
                if policy == "Forbid" && !active.is_empty() {
                    // Skipped; retried at the next schedule time.
                } else {
                    if policy == "Replace" {
                        for r in std::mem::take(&mut active) {
                            if let Some(job) = jobs.iter().find(|j| j.metadata.uid == r.uid) {
                                self.delete_cron_job_child(&cj, job);
                            }
                        }
                    }
                    if let Some(job) = self.create_cron_job_child(&cj, at) {
                        active.push(job_ref(&job));
                    }
                    status.last_schedule_time = Some(at.time());
                }
            }
            if let Some(next) = schedule.next(now) {
                self.schedule(next, Work::CronJob(k.clone()));
            }
        }

        status.active = (!active.is_empty()).then_some(active);
        if cj.status.as_ref() != Some(&status) {
            self.commit_if_changed(cj.with_status(status), &cj);
        }
    }

    fn delete_cron_job_child(&mut self, cj: &CronJob, job: &Job) {
        let name = job.metadata.name.clone().unwrap_or_default();
        let ns = job.metadata.namespace.clone().unwrap_or_default();
        if self
            .delete::<Job>(&ns, &name, DeleteOptions::default())
            .is_ok()
        {
            self.record(
                cj,
                None,
                EventType::Normal,
                "SuccessfulDelete",
                format!("Deleted job {name}"),
                REPORTER,
            );
        }
    }

    fn create_cron_job_child(&mut self, cj: &CronJob, at: SimTime) -> Option<Arc<Job>> {
        let spec = cj.spec.clone().unwrap_or_default();
        let template = spec.job_template;
        let tm = template.metadata.unwrap_or_default();
        let name = format!(
            "{}-{}",
            cj.metadata.name.as_deref().unwrap_or(""),
            at.0 / MINUTE_MS
        );
        let mut annotations = tm.annotations.unwrap_or_default();
        annotations.insert(
            SCHEDULED_TIMESTAMP.into(),
            at.timestamp().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        );
        let job = Job {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: cj.metadata.namespace.clone(),
                labels: tm.labels,
                annotations: Some(annotations),
                owner_references: Some(vec![controller_ref(cj)]),
                ..Default::default()
            },
            spec: template.spec,
            status: None,
        };
        match self.create(job) {
            Ok(job) => {
                self.record(
                    cj,
                    None,
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {name}"),
                    REPORTER,
                );
                Some(job)
            }
            Err(e) => {
                self.record(
                    cj,
                    None,
                    EventType::Warning,
                    "FailedCreate",
                    format!("Error creating job: {}", e.message),
                    REPORTER,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::job_finished;

    fn at(text: &str) -> SimTime {
        let t: Timestamp = text.parse().expect("timestamp");
        SimTime(t.as_millisecond() as u64)
    }

    #[test]
    fn schedules_parse_and_find_their_times() {
        let every5 = Schedule::parse("*/5 * * * *").expect("valid");
        assert_eq!(
            every5.next(at("2026-01-05T09:02:30Z")),
            Some(at("2026-01-05T09:05:00Z"))
        );
        assert_eq!(
            every5.latest(at("2026-01-05T08:00:00Z"), at("2026-01-05T09:02:30Z")),
            Some(at("2026-01-05T09:00:00Z"))
        );
        let nightly = Schedule::parse("0 2 * * *").expect("valid");
        assert_eq!(
            nightly.next(at("2026-01-05T09:00:00Z")),
            Some(at("2026-01-06T02:00:00Z"))
        );
        assert_eq!(
            nightly.latest(at("2026-01-05T09:00:00Z"), at("2026-01-06T01:59:00Z")),
            None
        );
        // 2026-01-05 is a Monday: Sundays at noon come next on the 11th.
        let sundays = Schedule::parse("0 12 * * 0").expect("valid");
        assert_eq!(
            sundays.next(at("2026-01-05T09:00:00Z")),
            Some(at("2026-01-11T12:00:00Z"))
        );
        assert_eq!(Schedule::parse("@hourly"), Schedule::parse("0 * * * *"));
        for bad in ["", "* * * *", "61 * * * *", "*/0 * * * *", "a b c d e"] {
            assert_eq!(Schedule::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cronjob_runs_jobs_on_schedule_and_keeps_its_history() {
        let mut c = Cluster::baseline(3);
        c.apply_yaml(
            "cj.yaml",
            "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: tick\n  namespace: default\nspec:\n  schedule: \"*/5 * * * *\"\n  successfulJobsHistoryLimit: 2\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n          - name: tick\n            image: busybox:1.36\n            command: [\"sh\", \"-c\", \"echo tick\"]\n",
        )
        .expect("cronjob applies");
        c.advance(Duration::from_secs(30 * 60));
        let jobs: Vec<Arc<Job>> = c
            .list_in::<Job>("default")
            .filter(|j| {
                j.metadata
                    .name
                    .as_deref()
                    .unwrap_or("")
                    .starts_with("tick-")
            })
            .cloned()
            .collect();
        assert_eq!(jobs.len(), 2, "the history limit keeps two");
        assert!(jobs.iter().all(|j| job_finished(j)));
        let name = jobs[1].metadata.name.clone().unwrap_or_default();
        let minutes: u64 = name["tick-".len()..].parse().expect("minutes");
        assert_eq!(minutes % 5, 0, "{name}");
        let cj = c.get::<CronJob>("default", "tick").expect("cronjob");
        let status = cj.status.clone().unwrap_or_default();
        assert!(status.last_schedule_time.is_some());
        assert!(status.last_successful_time.is_some());
        assert_eq!(status.active, None);
    }
}
