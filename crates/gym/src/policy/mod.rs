//! Policies that act on an incident through kubectl command lines only, never through ground
//! truth: a scripted SRE baseline, a seeded random policy and reward hacks, and the loop that
//! runs one of them against a cluster.

use std::fmt::Write as _;
use std::time::Duration;

use cluster::Cluster;

mod hacks;
mod random;
mod scripted;
mod view;

pub use hacks::{Hack, HackPolicy};
pub use random::RandomPolicy;
pub use scripted::{EXPECTED_ANNOTATION, ScriptedSre};

/// What a policy sees before choosing its next command.
#[derive(Clone, Copy, Debug)]
pub struct Observation<'a> {
    /// The pager's alert text.
    pub alert: &'a str,
    /// Commands run so far.
    pub step: usize,
    pub max_steps: usize,
    /// The previous command and what it printed.
    pub last: Option<&'a Turn>,
}

/// One command and its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    pub command: String,
    pub stdout: String,
    pub stderr: String,
}

/// Chooses kubectl command lines from what earlier commands printed.
pub trait Policy {
    fn name(&self) -> String;
    /// The next command line (`kubectl ...`), or `None` to stop.
    fn next_command(&mut self, obs: &Observation<'_>) -> Option<String>;
    /// What the policy has spent on model calls since it was built; `None` for policies that
    /// call no model.
    fn spend(&self) -> Option<Spend> {
        None
    }
}

/// Model calls, tokens and their cost, as an LLM policy counts them.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Spend {
    pub calls: u64,
    pub failures: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// US dollars, from the configured prices (0 for unpriced models).
    pub cost_usd: f64,
}

impl Spend {
    pub fn add(&mut self, other: &Spend) {
        self.calls += other.calls;
        self.failures += other.failures;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cost_usd += other.cost_usd;
    }
}

/// Plays a recorded list of commands, then stops: replays and `replay:FILE` evaluations.
#[derive(Clone, Debug)]
pub struct Replay {
    name: String,
    commands: std::collections::VecDeque<String>,
}

impl Replay {
    pub fn new(name: impl Into<String>, commands: impl IntoIterator<Item = String>) -> Replay {
        Replay {
            name: name.into(),
            commands: commands.into_iter().collect(),
        }
    }
}

impl Policy for Replay {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn next_command(&mut self, _obs: &Observation<'_>) -> Option<String> {
        self.commands.pop_front()
    }
}

/// How long an episode may run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    pub max_steps: usize,
    /// Simulated time that passes after each command.
    pub step_time: Duration,
}

impl Default for RunLimits {
    fn default() -> Self {
        RunLimits {
            max_steps: 24,
            step_time: Duration::from_secs(10),
        }
    }
}

/// What happened in an episode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub turns: Vec<Turn>,
    /// The number of commands run when the incident was first found resolved.
    pub resolved_at: Option<usize>,
}

impl Transcript {
    /// The transcript as a shell session, for logs and byte-for-byte comparisons.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for t in &self.turns {
            let _ = writeln!(out, "$ {}", t.command);
            out.push_str(&t.stdout);
            out.push_str(&t.stderr);
        }
        if let Some(n) = self.resolved_at {
            let _ = writeln!(out, "# resolved after {n} commands");
        }
        out
    }
}

/// Runs commands through [`kubectl::exec::run`] on `cluster`, advancing `step_time` after each.
/// After each step in which the cluster changed (its resource version moved, by the command or
/// by the controllers during the step) it calls `is_resolved(&cluster)`, and stops when that
/// returns true, when the policy returns `None`, or at `max_steps`.
pub fn run(
    cluster: &mut Cluster,
    alert: &str,
    policy: &mut dyn Policy,
    limits: &RunLimits,
    mut is_resolved: impl FnMut(&Cluster) -> bool,
) -> Transcript {
    let mut transcript = Transcript::default();
    for step in 0..limits.max_steps {
        let obs = Observation {
            alert,
            step,
            max_steps: limits.max_steps,
            last: transcript.turns.last(),
        };
        let Some(command) = policy.next_command(&obs) else {
            break;
        };
        let before = cluster.resource_version();
        let out = kubectl::exec::run(cluster, &command);
        cluster.advance(limits.step_time);
        transcript.turns.push(Turn {
            command,
            stdout: out.stdout,
            stderr: out.stderr,
        });
        if cluster.resource_version() != before && is_resolved(cluster) {
            transcript.resolved_at = Some(step + 1);
            break;
        }
    }
    transcript
}

/// Quotes a word for the shell kubectl's command lines are parsed with.
pub(crate) fn sq(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plays a fixed list of commands.
    struct Script(Vec<&'static str>);

    impl Policy for Script {
        fn name(&self) -> String {
            "script".into()
        }
        fn next_command(&mut self, obs: &Observation<'_>) -> Option<String> {
            self.0.get(obs.step).map(|c| c.to_string())
        }
    }

    #[test]
    fn the_loop_stops_when_resolved_when_the_policy_stops_and_at_the_step_limit() {
        let base = Cluster::baseline(1);
        let limits = RunLimits {
            max_steps: 3,
            ..RunLimits::default()
        };
        let scale = "kubectl scale deployment/web-app -n frontend --replicas=3";
        let mut c = base.clone();
        let t = run(&mut c, "", &mut Script(vec![scale; 5]), &limits, |_| true);
        assert_eq!((t.turns.len(), t.resolved_at), (1, Some(1)));
        assert!(t.turns[0].stdout.contains("scaled"), "{:?}", t.turns[0]);

        let mut c = base.clone();
        let t = run(&mut c, "", &mut Script(vec![scale; 5]), &limits, |_| false);
        assert_eq!((t.turns.len(), t.resolved_at), (3, None));

        let mut c = base.clone();
        let t = run(&mut c, "", &mut Script(vec![]), &limits, |_| true);
        assert!(t.turns.is_empty());

        // Time passes with each step, whatever the command.
        let mut c = base.clone();
        let before = c.now();
        run(
            &mut c,
            "",
            &mut Script(vec!["kubectl get pods"; 2]),
            &limits,
            |_| false,
        );
        assert_eq!(c.now().0 - before.0, 20_000);
    }

    #[test]
    fn words_are_quoted_for_the_shell() {
        assert_eq!(sq("payments_pass"), "payments_pass");
        assert_eq!(sq(r#"{"a":1}"#), r#"'{"a":1}'"#);
        assert_eq!(sq("it's"), r"'it'\''s'");
    }
}
