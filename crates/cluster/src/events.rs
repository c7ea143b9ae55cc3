//! The event recorder: `core/v1` Events with the reasons and messages the real components emit,
//! aggregated the way client-go's recorder does (same object, reason, message and source: the
//! count goes up and `lastTimestamp` moves).

use k8s_openapi::api::core::v1::{Event, EventSource, ObjectReference};

use crate::cluster::{Cluster, Work, meta};
use crate::store::Stored;
use crate::time::SimTime;

/// `Normal` or `Warning`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

/// The component that reports an event, as `source.component` and `reportingComponent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reporter {
    Kubelet(String),
    Scheduler,
    Controller(&'static str),
}

impl Reporter {
    fn component(&self) -> &str {
        match self {
            Reporter::Kubelet(_) => "kubelet",
            Reporter::Scheduler => "default-scheduler",
            Reporter::Controller(name) => name,
        }
    }

    fn host(&self) -> Option<&str> {
        match self {
            Reporter::Kubelet(node) => Some(node),
            _ => None,
        }
    }
}

impl Cluster {
    /// Records an event about `obj`. `field_path` names a container (`spec.containers{app}`).
    pub(crate) fn record<T: Stored>(
        &mut self,
        obj: &T,
        field_path: Option<String>,
        type_: EventType,
        reason: &str,
        message: impl Into<String>,
        reporter: Reporter,
    ) {
        self.record_times(obj, field_path, type_, reason, message.into(), reporter, 1);
    }

    /// Records `times` occurrences at once (probe failures seen together).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_times<T: Stored>(
        &mut self,
        obj: &T,
        field_path: Option<String>,
        type_: EventType,
        reason: &str,
        message: String,
        reporter: Reporter,
        times: i32,
    ) {
        let m = obj.metadata();
        let uid = m.uid.clone().unwrap_or_default();
        let type_name = match type_ {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        };
        // Joined without `format!`: most kubelet and controller actions record an event.
        let field = field_path.as_deref().unwrap_or("");
        let component = reporter.component();
        let index_key =
            [uid.as_str(), field, type_name, reason, &message, component].join("\u{1f}");
        let now = self.now;
        let namespace = m.namespace.clone().unwrap_or_else(|| "default".into());
        // A repeat (a probe failing again, a back-off) bumps the count of the stored event in
        // place: no copy of it where no fork shares it. One deleted since (`kubectl delete
        // event`) is recorded afresh.
        if let Some(name) = self.runtime.events.get(&namespace, &index_key).cloned() {
            let bumped = self.commit_in_place(&namespace, &name, |ev: &mut Event| {
                ev.count = Some(ev.count.unwrap_or(1) + times);
                ev.last_timestamp = Some(now.time());
            });
            if bumped {
                return;
            }
        }
        let involved_name = m.name.clone().unwrap_or_default();
        self.event_seq += 1;
        let nanos = u128::from(now.millis()) * 1_000_000 + u128::from(self.event_seq % 1_000_000);
        let mut name = String::with_capacity(involved_name.len() + 1 + 32);
        name.push_str(&involved_name);
        name.push('.');
        crate::names::push_hex(&mut name, nanos);
        let event = Event {
            metadata: meta(&namespace, &name),
            involved_object: ObjectReference {
                api_version: Some(T::API_VERSION.to_string()),
                kind: Some(T::OBJECT_KIND.name().to_string()),
                name: Some(involved_name),
                namespace: m.namespace.clone(),
                uid: m.uid.clone(),
                resource_version: m.resource_version.clone(),
                field_path,
            },
            reason: Some(reason.to_string()),
            message: Some(message),
            source: Some(EventSource {
                component: Some(reporter.component().to_string()),
                host: reporter.host().map(str::to_string),
            }),
            first_timestamp: Some(now.time()),
            last_timestamp: Some(now.time()),
            count: Some(times),
            type_: Some(type_name.to_string()),
            reporting_component: Some(reporter.component().to_string()),
            reporting_instance: Some(reporter.host().unwrap_or("").to_string()),
            ..Default::default()
        };
        // Events are written by the components themselves: no admission to go through, and the
        // name is unique by construction.
        let mut event = event;
        event.metadata.uid = Some(self.new_uid());
        event.metadata.creation_timestamp = Some(now.time());
        self.commit(event);
        self.runtime.events.insert(&namespace, &index_key, name);
        if self.runtime.event_expiry.is_none() {
            let at = now + self.config.event_ttl;
            self.runtime.event_expiry = Some(at);
            self.schedule(at, Work::ExpireEvents);
        }
    }

    /// Deletes events whose last occurrence is older than the event TTL.
    pub(crate) fn expire_events(&mut self) {
        let ttl = self.config.event_ttl;
        let cutoff = self.now - ttl;
        let last = |e: &Event| {
            e.last_timestamp
                .as_ref()
                .map(SimTime::from_time)
                .unwrap_or_default()
        };
        let expired: Vec<(String, String)> = self
            .store
            .list::<Event>()
            .filter(|e| last(e) <= cutoff)
            .map(|e| {
                (
                    e.metadata.namespace.clone().unwrap_or_default(),
                    e.metadata.name.clone().unwrap_or_default(),
                )
            })
            .collect();
        for (ns, name) in &expired {
            self.remove::<Event>(ns, name);
        }
        if !expired.is_empty() {
            let gone: std::collections::BTreeSet<(String, String)> = expired.into_iter().collect();
            self.runtime
                .events
                .retain(|ns, _, name| !gone.contains(&(ns.to_string(), name.clone())));
        }
        self.runtime.event_expiry = self
            .store
            .list::<Event>()
            .map(|e| last(e))
            .min()
            .map(|oldest| oldest + ttl);
        if let Some(at) = self.runtime.event_expiry {
            self.schedule(at, Work::ExpireEvents);
        }
    }
}

/// Events about one object, oldest first (what `kubectl describe` shows).
pub fn events_for<'a>(
    cluster: &'a Cluster,
    namespace: &'a str,
    uid: &'a str,
) -> impl Iterator<Item = &'a Event> + 'a {
    let mut events: Vec<&Event> = cluster
        .store
        .list_in::<Event>(namespace)
        .map(|e| e.as_ref())
        .filter(move |e| e.involved_object.uid.as_deref() == Some(uid))
        .collect();
    events.sort_by(|a, b| {
        (a.first_timestamp.as_ref().map(|t| t.0), &a.metadata.name)
            .cmp(&(b.first_timestamp.as_ref().map(|t| t.0), &b.metadata.name))
    });
    events.into_iter()
}
