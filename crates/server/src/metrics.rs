//! Prometheus metrics, served as OpenMetrics text at `/metrics`.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, &'static str)>;

pub struct Metrics {
    registry: Registry,
    pub sessions_active: Gauge,
    pub steps: Counter,
    pub resets: Counter,
    pub resolutions: Counter,
    episodes: Family<Labels, Counter>,
    errors: Family<Labels, Counter>,
    step_seconds: Histogram,
    reset_seconds: Histogram,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("kube_sre_gym");
        let sessions_active = Gauge::default();
        let steps = Counter::default();
        let resets = Counter::default();
        let resolutions = Counter::default();
        let episodes = Family::<Labels, Counter>::default();
        let errors = Family::<Labels, Counter>::default();
        // 20 us to about 1.3 s.
        let step_seconds = Histogram::new(exponential_buckets(0.000_02, 2.0, 17));
        let reset_seconds = Histogram::new(exponential_buckets(0.000_1, 2.0, 16));
        registry.register(
            "sessions_active",
            "Sessions held now (WebSocket connections and bound HTTP sessions)",
            sessions_active.clone(),
        );
        registry.register("steps", "Steps run", steps.clone());
        registry.register("resets", "Episodes started", resets.clone());
        registry.register(
            "resolutions",
            "Episodes that ended with the incident resolved",
            resolutions.clone(),
        );
        registry.register(
            "episodes_ended",
            "Episodes that ended, by outcome (resolved, truncated, gave_up)",
            episodes.clone(),
        );
        registry.register(
            "errors",
            "Error replies, by OpenEnv error code",
            errors.clone(),
        );
        registry.register(
            "step_duration_seconds",
            "Time to run a step, in seconds",
            step_seconds.clone(),
        );
        registry.register(
            "reset_duration_seconds",
            "Time to run a reset, in seconds",
            reset_seconds.clone(),
        );
        Metrics {
            registry,
            sessions_active,
            steps,
            resets,
            resolutions,
            episodes,
            errors,
            step_seconds,
            reset_seconds,
        }
    }

    pub fn step(&self, took: Duration, obs: Option<&gym::Observation>) {
        self.steps.inc();
        self.step_seconds.observe(took.as_secs_f64());
        if let Some(obs) = obs.filter(|o| o.done) {
            let outcome = if obs.metadata.resolved {
                self.resolutions.inc();
                "resolved"
            } else if obs.metadata.truncated {
                "truncated"
            } else {
                "gave_up"
            };
            self.episodes
                .get_or_create(&vec![("outcome", outcome)])
                .inc();
        }
    }

    pub fn reset(&self, took: Duration) {
        self.resets.inc();
        self.reset_seconds.observe(took.as_secs_f64());
    }

    pub fn error(&self, code: &'static str) {
        self.errors.get_or_create(&vec![("code", code)]).inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
