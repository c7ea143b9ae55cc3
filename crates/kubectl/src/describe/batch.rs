//! The batch/v1 describers: Job and CronJob (`describeJob`, `describeCronJob`).

use cluster::k8s_openapi::api::batch::v1::{CronJob, Job};

use super::apps::selector_string;
use super::tabwriter::Writer;
use super::{
    Context, annotations, controller_of, events, events_about, go_bool, labels, rfc1123z,
    title_bool,
};
use crate::table::human_duration;

pub(crate) fn job(ctx: &Context, job: &Job) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &job.metadata;
    let spec = job.spec.clone().unwrap_or_default();
    let status = job.status.clone().unwrap_or_default();
    let ns = m.namespace.as_deref().unwrap_or("");
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!("Namespace:\t{ns}\n"));
    w.push(&format!(
        "Selector:\t{}\n",
        selector_string(spec.selector.as_ref())
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    if let Some(c) = controller_of(m) {
        w.push(&format!("Controlled By:\t{c}\n"));
    }
    if let Some(p) = spec.parallelism {
        w.push(&format!("Parallelism:\t{p}\n"));
    }
    match spec.completions {
        Some(c) => w.push(&format!("Completions:\t{c}\n")),
        None => w.push("Completions:\t<unset>\n"),
    }
    if let Some(mode) = spec.completion_mode.as_deref() {
        w.push(&format!("Completion Mode:\t{mode}\n"));
    }
    if let Some(s) = spec.suspend {
        w.push(&format!("Suspend:\t{}\n", go_bool(s)));
    }
    if let Some(b) = spec.backoff_limit {
        w.push(&format!("Backoff Limit:\t{b}\n"));
    }
    if let Some(ttl) = spec.ttl_seconds_after_finished {
        w.push(&format!("TTL Seconds After Finished:\t{ttl}\n"));
    }
    if let Some(t) = status.start_time.as_ref() {
        w.push(&format!("Start Time:\t{}\n", rfc1123z(t)));
    }
    if let Some(t) = status.completion_time.as_ref() {
        w.push(&format!("Completed At:\t{}\n", rfc1123z(t)));
    }
    if let (Some(start), Some(end)) = (status.start_time.as_ref(), status.completion_time.as_ref())
    {
        // Timestamps travel with second precision.
        let ms = (end.0.as_second() - start.0.as_second()) * 1000;
        w.push(&format!(
            "Duration:\t{}\n",
            human_duration(std::time::Duration::from_millis(
                u64::try_from(ms).unwrap_or(0)
            ))
        ));
    }
    if let Some(d) = spec.active_deadline_seconds {
        w.push(&format!("Active Deadline Seconds:\t{d}s\n"));
    }
    let active = status.active.unwrap_or(0);
    let succeeded = status.succeeded.unwrap_or(0);
    let failed = status.failed.unwrap_or(0);
    match status.ready {
        None => w.push(&format!(
            "Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n"
        )),
        Some(ready) => w.push(&format!(
            "Pods Statuses:\t{active} Active ({ready} Ready) / {succeeded} Succeeded / {failed} Failed\n"
        )),
    }
    if spec.completion_mode.as_deref() == Some("Indexed") {
        let indexes = status
            .completed_indexes
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("<none>");
        w.push(&format!("Completed Indexes:\t{indexes}\n"));
    }
    super::pod::template(&mut w, Some(&spec.template));
    object_events(ctx, &mut w, m);
    w.finish()
}

pub(crate) fn cron_job(ctx: &Context, cj: &CronJob) -> String {
    let mut w = Writer::with_capacity(4096);
    let m = &cj.metadata;
    let spec = cj.spec.clone().unwrap_or_default();
    let status = cj.status.clone().unwrap_or_default();
    w.push(&format!("Name:\t{}\n", m.name.as_deref().unwrap_or("")));
    w.push(&format!(
        "Namespace:\t{}\n",
        m.namespace.as_deref().unwrap_or("")
    ));
    labels(&mut w, "Labels", m.labels.as_ref());
    annotations(&mut w, "Annotations", m.annotations.as_ref());
    w.push(&format!("Schedule:\t{}\n", spec.schedule));
    w.push(&format!(
        "Concurrency Policy:\t{}\n",
        spec.concurrency_policy.as_deref().unwrap_or("")
    ));
    w.push(&format!(
        "Suspend:\t{}\n",
        spec.suspend.map_or("<unset>", title_bool)
    ));
    let unset_or = |v: Option<i32>, suffix: &str| {
        v.map_or_else(|| "<unset>".to_string(), |v| format!("{v}{suffix}"))
    };
    w.push(&format!(
        "Successful Job History Limit:\t{}\n",
        unset_or(spec.successful_jobs_history_limit, "")
    ));
    w.push(&format!(
        "Failed Job History Limit:\t{}\n",
        unset_or(spec.failed_jobs_history_limit, "")
    ));
    w.push(&format!(
        "Starting Deadline Seconds:\t{}\n",
        spec.starting_deadline_seconds
            .map_or_else(|| "<unset>".to_string(), |v| format!("{v}s"))
    ));
    let job_spec = spec.job_template.spec.clone().unwrap_or_default();
    match job_spec.selector.as_ref() {
        Some(s) => w.push(&format!("Selector:\t{}\n", selector_string(Some(s)))),
        None => w.push("Selector:\t<unset>\n"),
    }
    w.push(&format!(
        "Parallelism:\t{}\n",
        unset_or(job_spec.parallelism, "")
    ));
    w.push(&format!(
        "Completions:\t{}\n",
        unset_or(job_spec.completions, "")
    ));
    if let Some(d) = job_spec.active_deadline_seconds {
        w.push(&format!("Active Deadline Seconds:\t{d}s\n"));
    }
    super::pod::template(&mut w, Some(&job_spec.template));
    match status.last_schedule_time.as_ref() {
        Some(t) => w.push(&format!("Last Schedule Time:\t{}\n", rfc1123z(t))),
        None => w.push("Last Schedule Time:\t<unset>\n"),
    }
    let active: Vec<&str> = status
        .active
        .iter()
        .flatten()
        .map(|r| r.name.as_deref().unwrap_or(""))
        .collect();
    if active.is_empty() {
        w.push("Active Jobs:\t<none>\n");
    } else {
        w.push(&format!("Active Jobs:\t{}\n", active.join(", ")));
    }
    object_events(ctx, &mut w, m);
    w.finish()
}

fn object_events(
    ctx: &Context,
    w: &mut Writer,
    meta: &cluster::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) {
    if ctx.show_events {
        let list = events_about(
            ctx.cluster,
            meta.namespace.as_deref().unwrap_or(""),
            meta.uid.as_deref().unwrap_or(""),
        );
        events(ctx, w, list);
    }
}
