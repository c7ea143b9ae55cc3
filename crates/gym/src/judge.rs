//! The programmatic judge: deterministic, it classifies each command into an SRE phase, scores
//! its relevance to the incident, and writes feedback and hints that never name the answer.
//!
//! The judge sees the incident's scope (the workloads, Services and root-cause objects involved)
//! to decide relevance, but its words are fixed sentences: nothing it returns to the agent is
//! derived from ground truth.

use std::collections::BTreeSet;

use kubectl::grammar::{Invocation, RolloutWhat, Verb};

use crate::Persona;
use crate::catalogue::Incident;
use crate::scenario::Scenario;

/// Where a step sits in the SRE workflow, in the order a careful engineer follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// A broad look: pods, events, nodes across namespaces.
    Triage,
    /// A close look at particular objects: describe, logs, YAML, a diagnosis.
    Investigate,
    /// A change to the cluster.
    Fix,
    /// A read after a change, checking that it took.
    Verify,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Triage => "triage",
            Phase::Investigate => "investigate",
            Phase::Fix => "fix",
            Phase::Verify => "verify",
        }
    }

    pub fn order(self) -> u8 {
        self as u8
    }
}

/// What the agent typed, as the environment reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// A kubectl command line that parsed.
    Kubectl(Box<Invocation>),
    /// `diagnose: <text>` without a command: a stated root cause.
    Diagnosis(String),
    /// Anything else: not kubectl, `fix:` without a command, a command kubectl refuses to parse.
    Invalid,
}

impl Command {
    /// Whether this command changes objects (by its verb; the cluster decides whether it did).
    pub fn mutates(&self) -> bool {
        match self {
            Command::Kubectl(inv) => is_write(&inv.verb),
            _ => false,
        }
    }
}

pub fn is_write(verb: &Verb) -> bool {
    match verb {
        Verb::Set(_)
        | Verb::Scale
        | Verb::Patch
        | Verb::Delete
        | Verb::Label
        | Verb::Annotate
        | Verb::Create(_)
        | Verb::Apply
        | Verb::Run => true,
        Verb::Rollout(what) => !matches!(what, RolloutWhat::Status | RolloutWhat::History),
        _ => false,
    }
}

/// The judge's per-step weights, before the persona's adjustment.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JudgeWeights {
    /// Not a command the environment accepts, or kubectl refuses to parse it.
    pub invalid: f64,
    /// kubectl ran it and failed (not found, forbidden, invalid).
    pub failed: f64,
    /// A broad look, for the first `triage_budget` of them.
    pub triage: f64,
    pub triage_budget: usize,
    pub investigate_relevant: f64,
    pub investigate_irrelevant: f64,
    pub fix_relevant: f64,
    pub fix_irrelevant: f64,
    pub verify: f64,
    /// Junior: negative scores are multiplied by this (lenient).
    pub junior_leniency: f64,
    /// Principal: positive scores are multiplied by this and negative ones by `principal_strictness`.
    pub principal_credit: f64,
    pub principal_strictness: f64,
    /// Principal: reads beyond this share of the step budget without any change each cost
    /// `principal_idle_cost` (bigger incidents get a longer look).
    pub principal_read_share: f64,
    pub principal_idle_cost: f64,
}

impl Default for JudgeWeights {
    fn default() -> Self {
        JudgeWeights {
            invalid: -0.3,
            failed: -0.1,
            triage: 0.1,
            triage_budget: 3,
            investigate_relevant: 0.2,
            investigate_irrelevant: -0.05,
            fix_relevant: 0.5,
            fix_irrelevant: -0.4,
            verify: 0.15,
            junior_leniency: 0.5,
            principal_credit: 0.8,
            principal_strictness: 1.5,
            principal_read_share: 0.4,
            principal_idle_cost: 0.1,
        }
    }
}

/// What the judge needs to know about the incident: the names and namespaces involved. It is
/// held by the environment, never shown.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    namespaces: BTreeSet<String>,
    names: BTreeSet<String>,
    /// Nodes and StorageClasses: no namespace, so naming one is enough.
    cluster_scoped: BTreeSet<String>,
}

impl Scope {
    pub fn of(scenario: &Scenario) -> Scope {
        Scope::of_incidents(&scenario.incidents)
    }

    /// The scope of incidents outside a scenario (one injected on a live cluster).
    pub fn of_incidents(incidents: &[Incident]) -> Scope {
        let mut scope = Scope::default();
        for i in incidents {
            scope.add(&i.target.namespace, &i.target.name);
            for w in &i.workloads {
                scope.add(&w.namespace, &w.name);
            }
            for (ns, name) in &i.services {
                scope.add(ns, name);
            }
            for e in &i.ground_truth.root_causes {
                scope.add(&e.namespace, &e.name);
            }
        }
        scope
    }

    fn add(&mut self, namespace: &str, name: &str) {
        if namespace.is_empty() {
            self.cluster_scoped.insert(name.to_string());
        } else {
            self.namespaces.insert(namespace.to_string());
            self.names.insert(name.to_string());
        }
    }

    /// Whether a command looks where the incident is: in one of its namespaces (or across all),
    /// and, when it names objects, at one of the incident's objects or their pods.
    pub fn touches(&self, inv: &Invocation) -> bool {
        let named: Vec<&str> = inv
            .targets
            .iter()
            .filter_map(|t| t.name.as_deref())
            .chain(
                matches!(inv.verb, Verb::Logs)
                    .then(|| inv.args.iter().map(String::as_str))
                    .into_iter()
                    .flatten(),
            )
            .collect();
        // A manifest (`apply -f -`, `create -f -`) names its objects in its text.
        if let Some(manifest) = &inv.flags.stdin_manifest {
            return manifest
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
                .any(|word| self.names.contains(word) || self.cluster_scoped.contains(word));
        }
        let namespace_ok = inv.flags.all_namespaces
            || inv
                .flags
                .namespace
                .as_deref()
                .is_some_and(|ns| self.namespaces.contains(ns))
            || named.iter().any(|n| self.is_cluster_scoped_name(n));
        let name_ok = named.is_empty() || named.iter().any(|n| self.names_object(n));
        namespace_ok && name_ok
    }

    fn names_object(&self, name: &str) -> bool {
        let name = name.rsplit('/').next().unwrap_or(name);
        self.cluster_scoped.contains(name)
            || self
                .names
                .iter()
                .any(|n| name == n || name.starts_with(&format!("{n}-")))
    }

    fn is_cluster_scoped_name(&self, name: &str) -> bool {
        let name = name.rsplit('/').next().unwrap_or(name);
        self.cluster_scoped.contains(name)
    }
}

/// The judge's verdict on one step.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub phase: Option<Phase>,
    /// In [-1, 1], after the persona.
    pub score: f64,
    pub relevant: bool,
    /// A short, fixed sentence about the step; it never names objects.
    pub feedback: &'static str,
}

/// What the judge remembers of the episode so far.
#[derive(Clone, Debug, Default)]
pub struct JudgeMemory {
    pub triage_steps: usize,
    pub reads_without_change: usize,
    pub changed: bool,
}

/// Classifies a command: reads after the first change are verification.
pub fn classify(command: &Command, changed_before: bool) -> Option<Phase> {
    let inv = match command {
        Command::Kubectl(inv) => inv,
        Command::Diagnosis(_) => return Some(Phase::Investigate),
        Command::Invalid => return None,
    };
    if is_write(&inv.verb) {
        return Some(Phase::Fix);
    }
    if changed_before {
        return Some(Phase::Verify);
    }
    // A look at named objects is investigation; a listing, whatever its format, is triage.
    let named = inv.targets.iter().any(|t| t.name.is_some());
    Some(match inv.verb {
        Verb::Describe | Verb::Logs | Verb::Explain | Verb::Rollout(_) => Phase::Investigate,
        Verb::Get if named => Phase::Investigate,
        _ => Phase::Triage,
    })
}

/// Scores one step of an episode of `max_steps`. `exit_code` is kubectl's; `memory` is updated.
pub fn judge(
    command: &Command,
    exit_code: i32,
    scope: &Scope,
    persona: Persona,
    weights: &JudgeWeights,
    max_steps: usize,
    memory: &mut JudgeMemory,
) -> Verdict {
    let phase = classify(command, memory.changed);
    let (raw, relevant, feedback) = match (command, phase) {
        (Command::Invalid, _) | (_, None) => (
            weights.invalid,
            false,
            "Not a command this environment runs: use kubectl, `diagnose: <cause>` or `fix: kubectl ...`.",
        ),
        (Command::Diagnosis(_), _) => (0.0, true, "Diagnosis recorded."),
        (Command::Kubectl(_), _) if exit_code != 0 => (
            weights.failed,
            false,
            "kubectl reported an error; read it before trying again.",
        ),
        (Command::Kubectl(inv), Some(phase)) => {
            let relevant = scope.touches(inv);
            match phase {
                Phase::Triage => {
                    memory.triage_steps += 1;
                    let score = if memory.triage_steps <= weights.triage_budget {
                        weights.triage
                    } else {
                        0.0
                    };
                    (score, relevant, "A broad look at the cluster.")
                }
                Phase::Investigate if matches!(inv.verb, Verb::Explain) => {
                    (0.0, false, "Reading the API reference.")
                }
                Phase::Investigate if relevant => (
                    weights.investigate_relevant,
                    true,
                    "A close look where the trouble is.",
                ),
                Phase::Investigate => (
                    weights.investigate_irrelevant,
                    false,
                    "A close look at something that does not seem involved.",
                ),
                Phase::Fix if relevant => (
                    weights.fix_relevant,
                    true,
                    "A change where the trouble is; check that it holds.",
                ),
                Phase::Fix => (
                    weights.fix_irrelevant,
                    false,
                    "A change to something that does not seem involved.",
                ),
                Phase::Verify => (
                    if relevant { weights.verify } else { 0.0 },
                    relevant,
                    "Checking the result of a change.",
                ),
            }
        }
    };
    let mut score = match persona {
        Persona::Junior if raw < 0.0 => raw * weights.junior_leniency,
        Persona::Principal if raw > 0.0 => raw * weights.principal_credit,
        Persona::Principal => raw * weights.principal_strictness,
        _ => raw,
    };
    if command.mutates() && exit_code == 0 {
        memory.changed = true;
        memory.reads_without_change = 0;
    } else if matches!(phase, Some(Phase::Triage | Phase::Investigate)) {
        memory.reads_without_change += 1;
        let budget = (weights.principal_read_share * max_steps as f64).ceil() as usize;
        if persona == Persona::Principal && memory.reads_without_change > budget {
            score -= weights.principal_idle_cost;
        }
    }
    Verdict {
        phase,
        score: score.clamp(-1.0, 1.0),
        relevant,
        feedback,
    }
}

/// A step as an external scorer (an LLM judge) sees it: everything the programmatic judge
/// had, the whole pod listing after the step, the episode so far and the incident's ground
/// truth. The scorer's words never reach the agent; only its score does, blended.
#[derive(Clone, Copy, Debug)]
pub struct StepContext<'a> {
    pub persona: Persona,
    /// The programmatic classifier's phase; none for input that is not a command.
    pub phase: Option<Phase>,
    /// The step as typed (trimmed).
    pub command: &'a str,
    /// What the agent was shown for it: kubectl's output and errors, or the environment's.
    pub output: &'a str,
    pub exit_code: i32,
    /// `kubectl get pods -A` after the step, in full.
    pub pods: &'a str,
    /// The earlier steps of the episode, oldest first.
    pub history: &'a [ScoredStep],
    /// This step's number, from 1.
    pub step: usize,
    pub max_steps: usize,
    /// The programmatic judge's score for this step.
    pub programmatic: f64,
    /// The incident: alerts and ground truth, for the scorer only.
    pub scenario: &'a Scenario,
}

/// An earlier step of the episode, for a scorer's context.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScoredStep {
    pub command: String,
    pub phase: Option<Phase>,
    /// The step's total reward.
    pub reward: f64,
}

/// A scorer's verdict on a step.
#[derive(Clone, Debug, PartialEq)]
pub struct StepScore {
    /// In [-1, 1]; anything else is refused as a failure.
    pub score: f64,
    /// Why, for operators' logs; never shown to the agent.
    pub reason: String,
}

/// A per-step scorer blended with the programmatic judge (an LLM judge). It can only score a
/// step: resolution stays with the state-based grading. An error, or a score outside [-1, 1],
/// leaves the programmatic score standing and is counted.
pub trait StepScorer: Send + Sync {
    fn name(&self) -> &str;
    fn score(&self, ctx: &StepContext<'_>) -> Result<StepScore, String>;
}

/// A junior's hint: what to do next in general terms, from the workflow so far. Fixed
/// sentences only, so no hint can reveal a root cause or a fix.
pub fn junior_hint(seen: &BTreeSet<Phase>, last: Option<&Verdict>, resolved: bool) -> &'static str {
    if resolved {
        return "Resolved. Well done.";
    }
    if last.is_some_and(|v| v.phase.is_none()) {
        return "Commands start with kubectl; state a cause with `diagnose: ...`.";
    }
    if !seen.contains(&Phase::Triage) && !seen.contains(&Phase::Investigate) {
        return "Start with a broad look: pods and recent events across namespaces.";
    }
    if !seen.contains(&Phase::Investigate) {
        return "Pick a workload that looks unhealthy; describe it and read its pods' logs.";
    }
    if !seen.contains(&Phase::Fix) {
        return "When you know the cause, change the object that causes it; the alerting workload is not always the one at fault.";
    }
    "Verify: watch the rollout and the pods. A fix counts once everything stays healthy."
}

/// The reset hint, for the junior persona only.
pub const RESET_HINT: &str = "Start by checking pod status in the namespaces the alert points to.";

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Command {
        Command::Kubectl(Box::new(kubectl::grammar::parse(line).expect("parses")))
    }

    #[test]
    fn phases_follow_the_verb_and_whether_anything_changed() {
        let cases = [
            ("kubectl get pods -A", Phase::Triage),
            ("kubectl get events -n payments", Phase::Triage),
            ("kubectl describe pod x -n payments", Phase::Investigate),
            ("kubectl logs x -n payments --previous", Phase::Investigate),
            (
                "kubectl get deploy x -n payments -o yaml",
                Phase::Investigate,
            ),
            (
                "kubectl rollout history deploy/x -n payments",
                Phase::Investigate,
            ),
            (
                "kubectl set resources deploy/x --limits=memory=1Gi",
                Phase::Fix,
            ),
            ("kubectl rollout undo deploy/x", Phase::Fix),
            ("kubectl delete pod x", Phase::Fix),
        ];
        for (line, phase) in cases {
            assert_eq!(classify(&cmd(line), false), Some(phase), "{line}");
        }
        assert_eq!(
            classify(&cmd("kubectl get pods -A"), true),
            Some(Phase::Verify)
        );
        assert_eq!(
            classify(&cmd("kubectl scale deploy/x --replicas=2"), true),
            Some(Phase::Fix)
        );
        assert_eq!(classify(&Command::Invalid, false), None);
        assert_eq!(
            classify(&Command::Diagnosis("memory".into()), false),
            Some(Phase::Investigate)
        );
    }

    #[test]
    fn relevance_needs_the_incidents_namespace_and_objects() {
        let mut scope = Scope::default();
        scope.add("payments", "payment-api");
        scope.add("", "gke-node-1");
        let touches = |line: &str| match cmd(line) {
            Command::Kubectl(inv) => scope.touches(&inv),
            _ => unreachable!(),
        };
        assert!(touches("kubectl get pods -n payments"));
        assert!(touches("kubectl get pods -A"));
        assert!(touches(
            "kubectl describe pod payment-api-7d9f-abcde -n payments"
        ));
        assert!(touches("kubectl logs payment-api-7d9f-abcde -n payments"));
        assert!(touches(
            "kubectl describe deployment/payment-api -n payments"
        ));
        assert!(touches("kubectl describe node gke-node-1"));
        assert!(!touches("kubectl describe pod web-app-1 -n frontend"));
        assert!(!touches(
            "kubectl describe pod payment-gateway-1 -n payments"
        ));
        assert!(!touches("kubectl get pods"));
        let manifest = "kubectl apply -f - <<EOF\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: gke-node-1\nEOF";
        assert!(touches(manifest));
        assert!(!touches(&manifest.replace("gke-node-1", "other")));
    }

    #[test]
    fn personas_scale_the_same_step_differently() {
        let scope = Scope::default();
        let w = JudgeWeights::default();
        let wrong = cmd("kubectl delete pod x -n nowhere");
        let score = |p| judge(&wrong, 0, &scope, p, &w, 16, &mut JudgeMemory::default()).score;
        let (junior, senior, principal) = (
            score(Persona::Junior),
            score(Persona::Senior),
            score(Persona::Principal),
        );
        assert!(
            junior > senior && senior > principal,
            "{junior} {senior} {principal}"
        );
        let invalid = judge(
            &Command::Invalid,
            0,
            &scope,
            Persona::Senior,
            &w,
            16,
            &mut JudgeMemory::default(),
        );
        assert_eq!((invalid.phase, invalid.score), (None, w.invalid));
    }

    #[test]
    fn a_principal_charges_for_reading_on_without_acting() {
        let scope = Scope::default();
        let w = JudgeWeights::default();
        let mut memory = JudgeMemory::default();
        let read = cmd("kubectl get pods -A");
        let scores: Vec<f64> = (0..8)
            .map(|_| judge(&read, 0, &scope, Persona::Principal, &w, 10, &mut memory).score)
            .collect();
        assert!(scores[7] < 0.0 && scores[0] > 0.0, "{scores:?}");
        let mut memory = JudgeMemory::default();
        let senior: Vec<f64> = (0..8)
            .map(|_| judge(&read, 0, &scope, Persona::Senior, &w, 10, &mut memory).score)
            .collect();
        assert!(senior.iter().all(|s| *s >= 0.0), "{senior:?}");
    }
}
