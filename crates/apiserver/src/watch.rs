//! Watch streams: one JSON event per line (`ADDED`, `MODIFIED`, `DELETED`), computed by
//! comparing snapshots of the watched objects whenever the cluster changes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use cluster::Cluster;
use serde_json::{Value, json};

use crate::Shared;

/// The watched objects as (key, resourceVersion, event object).
pub type SnapshotFn = Box<dyn Fn(&Cluster) -> Vec<(String, u64, Value)> + Send + Sync>;

/// What to watch and from which resourceVersion on.
pub struct Plan {
    pub snapshot: SnapshotFn,
    /// Objects at or below this resourceVersion are known to the client already.
    pub since: Option<u64>,
}

pub type Snapshot = Box<Plan>;

/// Streams events until the client goes away or `timeout_seconds` pass.
pub fn stream(shared: Arc<Shared>, plan: Snapshot, timeout_seconds: Option<u64>) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, std::io::Error>>(64);
    let mut changes = shared.changes.subscribe();
    tokio::spawn(async move {
        let deadline =
            tokio::time::Instant::now() + Duration::from_secs(timeout_seconds.unwrap_or(1800));
        let mut known: BTreeMap<String, (u64, Value)> = BTreeMap::new();
        let mut first = true;
        loop {
            let current = {
                let cluster = shared.cluster();
                (plan.snapshot)(&cluster)
            };
            let mut lines = Vec::new();
            let mut seen = BTreeMap::new();
            for (key, rv, obj) in current {
                match known.get(&key) {
                    None if first && plan.since.is_some_and(|s| rv <= s) => {}
                    None => lines.push(json!({"type": "ADDED", "object": obj}).to_string()),
                    Some((old, _)) if *old != rv => {
                        lines.push(json!({"type": "MODIFIED", "object": obj}).to_string())
                    }
                    Some(_) => {}
                }
                seen.insert(key, (rv, obj));
            }
            for (key, (_, obj)) in &known {
                if !seen.contains_key(key) {
                    lines.push(json!({"type": "DELETED", "object": obj}).to_string());
                }
            }
            known = seen;
            first = false;
            for line in lines {
                if tx.send(Ok(format!("{line}\n"))).await.is_err() {
                    return;
                }
            }
            tokio::select! {
                changed = changes.changed() => if changed.is_err() { return },
                _ = tokio::time::sleep_until(deadline) => return,
                _ = tx.closed() => return,
            }
        }
    });
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }));
    (
        [
            ("content-type", "application/json"),
            ("transfer-encoding", "chunked"),
        ],
        body,
    )
        .into_response()
}
