//! `printPod`: the READY, STATUS and RESTARTS columns kubectl users read most.

use cluster::SimTime;
use k8s_openapi::api::core::v1::{Container, ContainerStatus, Pod, PodCondition};
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

use super::duration::{push_signed, ratio, set, since};
use super::{Priority, name_of, none_if_empty};

pub(super) fn cells(pod: &Pod, now: SimTime, priority: Priority) -> Vec<Value> {
    let spec = pod.spec.as_ref();
    let status = pod.status.as_ref();
    let containers = spec.map_or(&[][..], |s| s.containers.as_slice());
    let init_containers = spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default();
    let init_statuses = status
        .and_then(|s| s.init_container_statuses.as_deref())
        .unwrap_or_default();
    let statuses = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or_default();
    let status_reason = status.and_then(|s| s.reason.as_deref()).unwrap_or_default();

    let is_restartable = |name: &str| {
        init_containers
            .iter()
            .find(|c| c.name == name)
            .is_some_and(is_restartable_init_container)
    };

    let total = containers.len()
        + init_containers
            .iter()
            .filter(|c| is_restartable_init_container(c))
            .count();
    let mut ready = 0usize;
    let mut restarts: i64 = 0;
    let mut restartable_restarts: i64 = 0;
    let mut last_restart: Option<Timestamp> = None;
    let mut last_restartable_restart: Option<Timestamp> = None;

    let mut reason = if status_reason.is_empty() {
        phase
    } else {
        status_reason
    }
    .to_string();
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }

    let mut initializing = false;
    for (i, cs) in init_statuses.iter().enumerate() {
        restarts += i64::from(cs.restart_count);
        note_restart(&mut last_restart, cs);
        let restartable = is_restartable(&cs.name);
        if restartable {
            restartable_restarts += i64::from(cs.restart_count);
            note_restart(&mut last_restartable_restart, cs);
        }
        let state = cs.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        let waiting_reason = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .unwrap_or_default();
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if restartable && cs.started == Some(true) {
            if cs.ready {
                ready += 1;
            }
            continue;
        }
        reason = if let Some(t) = terminated {
            match t.reason.as_deref().unwrap_or_default() {
                "" if t.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", t.signal.unwrap_or(0))
                }
                "" => format!("Init:ExitCode:{}", t.exit_code),
                r => format!("Init:{r}"),
            }
        } else if !waiting_reason.is_empty() && waiting_reason != "PodInitializing" {
            format!("Init:{waiting_reason}")
        } else {
            format!("Init:{i}/{}", init_containers.len())
        };
        initializing = true;
        break;
    }

    if !initializing || condition_true(conditions, "Initialized") {
        // Once initialised, only sidecar (restartable init) restarts still count.
        restarts = restartable_restarts;
        last_restart = last_restartable_restart;
        let mut has_running = false;
        // Walked backwards so that the first container's state wins, as in Go.
        for cs in statuses.iter().rev() {
            restarts += i64::from(cs.restart_count);
            note_restart(&mut last_restart, cs);
            let state = cs.state.as_ref();
            let waiting_reason = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .unwrap_or_default();
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if !waiting_reason.is_empty() {
                reason = waiting_reason.to_string();
            } else if let Some(t) = terminated {
                reason = match t.reason.as_deref().unwrap_or_default() {
                    "" if t.signal.unwrap_or(0) != 0 => format!("Signal:{}", t.signal.unwrap_or(0)),
                    "" => format!("ExitCode:{}", t.exit_code),
                    r => r.to_string(),
                };
            } else if cs.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            reason = if condition_true_any(conditions, "Ready") {
                "Running"
            } else {
                "NotReady"
            }
            .to_string();
        }
    }

    if pod.metadata.deletion_timestamp.is_some() {
        if status_reason == "NodeLost" {
            reason = "Unknown".to_string();
        } else if phase != "Failed" && phase != "Succeeded" {
            reason = "Terminating".to_string();
        }
    }

    // Every pod row has these two: written without formatting machinery.
    let mut restarts_cell = String::with_capacity(16);
    push_signed(&mut restarts_cell, restarts);
    if let Some(at) = last_restart.filter(|_| restarts != 0) {
        restarts_cell.push_str(" (");
        restarts_cell.push_str(&since(Some(&at), now));
        restarts_cell.push_str(" ago)");
    }

    let mut cells = Vec::with_capacity(9);
    cells.extend([
        json!(name_of(&pod.metadata)),
        json!(ratio(ready as i64, total as i64)),
        json!(reason),
        json!(restarts_cell),
        json!(since(
            pod.metadata.creation_timestamp.as_ref().map(|t| &t.0),
            now
        )),
    ]);
    if priority == Priority::Zero {
        cells.extend([Value::Null, Value::Null, Value::Null, Value::Null]);
        return cells;
    }
    let pod_ip = status
        .and_then(|s| {
            // The v1 → internal conversion makes status.podIP authoritative over podIPs.
            none_if_empty(s.pod_ip.as_deref()).or_else(|| {
                s.pod_ips
                    .as_ref()
                    .and_then(|ips| ips.first())
                    .map(|ip| ip.ip.as_str())
            })
        })
        .filter(|ip| !ip.is_empty())
        .unwrap_or("<none>");
    let node = spec
        .and_then(|s| none_if_empty(s.node_name.as_deref()))
        .unwrap_or("<none>");
    let nominated = status
        .and_then(|s| none_if_empty(s.nominated_node_name.as_deref()))
        .unwrap_or("<none>");

    cells.extend([
        json!(pod_ip),
        json!(node),
        json!(nominated),
        json!(readiness_gates(pod, conditions)),
    ]);
    cells
}

/// Completed pods carry a row condition so that `kubectl get` can hide them on request.
pub(super) fn row_conditions(pod: &Pod) -> Option<Value> {
    let (reason, message) = match pod.status.as_ref()?.phase.as_deref()? {
        "Succeeded" => ("Succeeded", "The pod has completed successfully."),
        "Failed" => ("Failed", "The pod failed."),
        _ => return None,
    };
    Some(json!([{"type": "Completed", "status": "True", "reason": reason, "message": message}]))
}

fn is_restartable_init_container(c: &Container) -> bool {
    c.restart_policy.as_deref() == Some("Always")
}

/// Keeps the latest `lastState.terminated.finishedAt` seen.
fn note_restart(latest: &mut Option<Timestamp>, cs: &ContainerStatus) {
    let finished = cs
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| set(t.finished_at.as_ref().map(|f| &f.0)));
    if let Some(finished) = finished
        && latest.is_none_or(|l| l < finished)
    {
        *latest = Some(finished);
    }
}

/// `isPodInitializedConditionTrue`: the first condition of that type decides.
fn condition_true(conditions: &[PodCondition], type_: &str) -> bool {
    conditions
        .iter()
        .find(|c| c.type_ == type_)
        .is_some_and(|c| c.status == "True")
}

/// `hasPodReadyCondition`: any condition of that type that is true.
fn condition_true_any(conditions: &[PodCondition], type_: &str) -> bool {
    conditions
        .iter()
        .any(|c| c.type_ == type_ && c.status == "True")
}

fn readiness_gates(pod: &Pod, conditions: &[PodCondition]) -> String {
    let gates = pod
        .spec
        .as_ref()
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default();
    if gates.is_empty() {
        return "<none>".to_string();
    }
    let passing = gates
        .iter()
        .filter(|g| condition_true(conditions, &g.condition_type))
        .count();
    format!("{passing}/{}", gates.len())
}
