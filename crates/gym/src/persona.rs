//! The judge's personas: how lenient the per-step score is and whether hints are given.

use std::fmt;
use std::str::FromStr;

use crate::catalogue::Difficulty;

/// Who judges the agent's steps, chosen by the incident's difficulty.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Persona {
    /// Lenient, partial credit, generic hints that never name the answer.
    Junior,
    /// Standard expectations.
    Senior,
    /// Strict on inefficiency; no hints.
    Principal,
}

impl Persona {
    pub const ALL: [Persona; 3] = [Persona::Junior, Persona::Senior, Persona::Principal];

    /// The original's thresholds on the numeric difficulty: below 0.4 junior, below 0.7
    /// senior, else principal.
    pub fn for_level(level: f64) -> Persona {
        if level < 0.4 {
            Persona::Junior
        } else if level < 0.7 {
            Persona::Senior
        } else {
            Persona::Principal
        }
    }

    /// The persona for a tier's numeric difficulty.
    pub fn for_tier(tier: Difficulty) -> Persona {
        Persona::for_level(crate::scenario::tier_level(tier))
    }

    pub fn name(self) -> &'static str {
        match self {
            Persona::Junior => "junior",
            Persona::Senior => "senior",
            Persona::Principal => "principal",
        }
    }
}

impl fmt::Display for Persona {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Persona {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Persona::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown persona {s:?}: expected junior, senior or principal"))
    }
}
