//! Token and cost accounting: usage as each reply reports it, and a configurable price table.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;

use crate::error::LlmError;

/// US dollars per million tokens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Price {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// Prices by model name. A model matches its exact name, else the longest configured prefix
/// (`claude-sonnet-4` prices `claude-sonnet-4-20250514`). Unpriced models cost nothing (local
/// servers). Empty by default: prices change, so they are configured, not compiled in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceTable {
    prices: BTreeMap<String, Price>,
}

impl PriceTable {
    pub fn with(mut self, model: impl Into<String>, price: Price) -> PriceTable {
        self.prices.insert(model.into(), price);
        self
    }

    pub fn price(&self, model: &str) -> Option<Price> {
        if let Some(p) = self.prices.get(model) {
            return Some(*p);
        }
        self.prices
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| *p)
    }

    /// The cost of `usage` on the first of `models` that has a price.
    pub fn cost(&self, models: &[&str], usage: &Usage) -> f64 {
        models
            .iter()
            .find_map(|m| self.price(m))
            .map(|p| {
                (usage.input_tokens as f64 * p.input_per_mtok
                    + usage.output_tokens as f64 * p.output_per_mtok)
                    / 1e6
            })
            .unwrap_or(0.0)
    }
}

impl FromStr for PriceTable {
    type Err = LlmError;
    /// `model=input/output;model2=input/output`, dollars per million tokens.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut table = PriceTable::default();
        for entry in s.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || {
                LlmError::Config(format!(
                    "price {entry:?}: expected MODEL=INPUT/OUTPUT in dollars per million tokens"
                ))
            };
            let (model, prices) = entry.rsplit_once('=').ok_or_else(bad)?;
            let (i, o) = prices.split_once('/').ok_or_else(bad)?;
            let num = |x: &str| {
                x.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
            };
            let (Some(input), Some(output)) = (num(i), num(o)) else {
                return Err(bad());
            };
            if model.trim().is_empty() {
                return Err(bad());
            }
            table = table.with(
                model.trim(),
                Price {
                    input_per_mtok: input,
                    output_per_mtok: output,
                },
            );
        }
        Ok(table)
    }
}

/// Tokens one reply used, as the server reported them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// A client's totals since it was built.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UsageTotals {
    /// Calls made (each counted once, however many attempts it took).
    pub calls: u64,
    pub failures: u64,
    /// HTTP attempts beyond each call's first.
    pub retries: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_match_by_name_then_longest_prefix() {
        let t: PriceTable = "claude-sonnet-4=3/15; claude=1/5; gpt-4o-mini=0.15/0.6"
            .parse()
            .unwrap();
        let usage = Usage {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
        };
        assert_eq!(t.cost(&["claude-sonnet-4-20250514"], &usage), 4.5);
        assert_eq!(t.cost(&["claude-haiku"], &usage), 1.5);
        assert_eq!(t.cost(&["Qwen/Qwen3-14B"], &usage), 0.0);
        assert_eq!(t.cost(&["unknown", "gpt-4o-mini"], &usage), 0.21);
        assert!("x=1".parse::<PriceTable>().is_err());
        assert!("x=a/b".parse::<PriceTable>().is_err());
        assert!("=1/2".parse::<PriceTable>().is_err());
    }
}
