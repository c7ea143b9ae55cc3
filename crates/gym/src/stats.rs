//! Statistics for evaluation reports: pass@k and pass^k over repeated trials, confidence
//! intervals (Student t for means, Wilson for rates), and paired tests for comparing two
//! policies on the same incidents (exact sign test / McNemar, Wilcoxon signed-rank, paired t).
//! Pure functions of their inputs; no randomness, so a report is the same bytes every run.

use serde::{Deserialize, Serialize};

/// The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained
/// on Code"): the chance that at least one of `k` trials drawn without replacement from `n`
/// trials, `c` of them successes, succeeds: `1 - C(n-c, k) / C(n, k)`. `None` when `k` is 0 or
/// more than `n`.
pub fn pass_at_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n || c > n {
        return None;
    }
    if n - c < k {
        return Some(1.0);
    }
    // C(n-c, k) / C(n, k) = prod_{i = n-c+1}^{n} (1 - k / i), stable for large n.
    let fail: f64 = ((n - c + 1)..=n)
        .map(|i| 1.0 - k as f64 / i as f64)
        .product();
    Some(1.0 - fail)
}

/// The unbiased pass^k estimator (Yao et al. 2024, "τ-bench"): the chance that all of `k`
/// trials drawn without replacement from `n`, `c` of them successes, succeed:
/// `C(c, k) / C(n, k)`. `None` when `k` is 0 or more than `n`.
pub fn pass_hat_k(n: u64, c: u64, k: u64) -> Option<f64> {
    if k == 0 || k > n || c > n {
        return None;
    }
    if c < k {
        return Some(0.0);
    }
    Some((0..k).map(|i| (c - i) as f64 / (n - i) as f64).product())
}

/// A mean with its two-sided confidence interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MeanCi {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.
    pub sd: f64,
    pub lo: f64,
    pub hi: f64,
}

/// The mean of `values` with a Student-t interval at `level` (e.g. 0.95). With fewer than two
/// values the interval is the mean itself; with none, everything is 0.
pub fn mean_ci(values: &[f64], level: f64) -> MeanCi {
    let n = values.len();
    if n == 0 {
        return MeanCi::default();
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return MeanCi {
            n: 1,
            mean,
            sd: 0.0,
            lo: mean,
            hi: mean,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let sd = var.sqrt();
    let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
    MeanCi {
        n: n as u64,
        mean,
        sd,
        lo: mean - half,
        hi: mean + half,
    }
}

/// The Wilson score interval for `successes` out of `n` at `level`; (0, 0) when `n` is 0.
pub fn wilson(successes: u64, n: u64, level: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let z = normal_quantile(0.5 + level / 2.0);
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At 0 or n successes a bound is exactly 0 or 1; rounding would leave it a hair off.
    let lo = if successes == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if p == 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// The `q` quantile (0 <= q <= 1) by linear interpolation between order statistics (the
/// default of numpy and R type 7); `None` when empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    Some(v[lo] + (v[hi] - v[lo]) * (pos - lo as f64))
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection keeps the series in its accurate range.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified
/// Lentz), using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where that converges faster.
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    const TINY: f64 = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..=500 {
        let m = m as f64;
        // Even step.
        let num = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
        d = 1.0 + num * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + num / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        f *= c * d;
        // Odd step.
        let num = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
        d = 1.0 + num * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + num / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f / a
}

/// P(T <= t) for Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    let tail = 0.5 * inc_beta(df / (df + t * t), df / 2.0, 0.5);
    if t > 0.0 { 1.0 - tail } else { tail }
}

/// P(|T| >= |t|) for Student's t with `df` degrees of freedom, computed from the tail itself
/// so that tiny p-values keep their digits (1 - cdf would round them to 0).
pub fn t_two_sided(t: f64, df: f64) -> f64 {
    if t.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    inc_beta(df / (df + t * t), df / 2.0, 0.5).min(1.0)
}

/// The `p` quantile of Student's t with `df` degrees of freedom (bisection on [`t_cdf`]).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
        if hi > 1e12 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-12 * hi.max(1.0) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Φ(z), the standard normal distribution function.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function: Numerical Recipes' Chebyshev fit `erfcc` (fractional
/// error below 1.2e-7, ample for p-values printed to four digits).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The `p` quantile of the standard normal (bisection on [`normal_cdf`]).
pub fn normal_quantile(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// ln C(n, k).
fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// The exact two-sided sign test: `plus` pairs favour one side and `minus` the other (ties
/// dropped beforehand); under the null each side is a fair coin. With binary outcomes this is
/// McNemar's exact test on the discordant pairs. 1 when there are no discordant pairs.
pub fn sign_test(plus: u64, minus: u64) -> f64 {
    let n = plus + minus;
    if n == 0 {
        return 1.0;
    }
    let k = plus.min(minus);
    let half_ln = -(n as f64) * std::f64::consts::LN_2;
    let tail: f64 = (0..=k).map(|i| (ln_choose(n, i) + half_ln).exp()).sum();
    (2.0 * tail).min(1.0)
}

/// McNemar's exact test of two policies' binary outcomes on the same incidents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// Incidents both resolved.
    pub both: u64,
    /// Resolved by the first policy only.
    pub first_only: u64,
    /// Resolved by the second policy only.
    pub second_only: u64,
    pub neither: u64,
    /// Two-sided exact p-value (a sign test on the discordant pairs).
    pub p_value: f64,
}

pub fn mcnemar(pairs: &[(bool, bool)]) -> McNemar {
    let mut m = McNemar::default();
    for &(a, b) in pairs {
        match (a, b) {
            (true, true) => m.both += 1,
            (true, false) => m.first_only += 1,
            (false, true) => m.second_only += 1,
            (false, false) => m.neither += 1,
        }
    }
    m.p_value = sign_test(m.first_only, m.second_only);
    m
}

/// The Wilcoxon signed-rank test of paired differences.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Wilcoxon {
    /// Non-zero differences (zeros are dropped, Wilcoxon's convention).
    pub n: u64,
    /// The sums of the ranks of the positive and of the negative differences.
    pub w_plus: f64,
    pub w_minus: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Whether `p_value` is exact (few differences, no tied ranks) or from the normal
    /// approximation with tie and continuity corrections.
    pub exact: bool,
}

/// Up to this many differences without ties the p-value is computed exactly.
const WILCOXON_EXACT_MAX: usize = 50;

pub fn wilcoxon(diffs: &[f64]) -> Wilcoxon {
    let mut d: Vec<f64> = diffs.iter().copied().filter(|x| *x != 0.0).collect();
    let n = d.len();
    if n == 0 {
        return Wilcoxon {
            p_value: 1.0,
            exact: true,
            ..Wilcoxon::default()
        };
    }
    d.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    // Average ranks over ties in |d|.
    let mut ranks = vec![0.0; n];
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && d[j + 1].abs() == d[i].abs() {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        ranks[i..=j].iter_mut().for_each(|x| *x = r);
        let t = (j - i + 1) as f64;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    let w_plus: f64 = d
        .iter()
        .zip(&ranks)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let total = (n * (n + 1)) as f64 / 2.0;
    let w_minus = total - w_plus;
    let ties = tie_term > 0.0;
    if n <= WILCOXON_EXACT_MAX && !ties {
        // Counts of subsets of {1..n} by rank sum: the null distribution of W+.
        let max = n * (n + 1) / 2;
        let mut counts = vec![0f64; max + 1];
        counts[0] = 1.0;
        for r in 1..=n {
            for s in (r..=max).rev() {
                counts[s] += counts[s - r];
            }
        }
        let w = w_plus.min(w_minus) as usize;
        let tail: f64 = counts[..=w].iter().sum::<f64>() / 2f64.powi(n as i32);
        return Wilcoxon {
            n: n as u64,
            w_plus,
            w_minus,
            p_value: (2.0 * tail).min(1.0),
            exact: true,
        };
    }
    let nf = n as f64;
    let mean = nf * (nf + 1.0) / 4.0;
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
    let p_value = if var <= 0.0 {
        1.0
    } else {
        let z = ((w_plus - mean).abs() - 0.5).max(0.0) / var.sqrt();
        // 2 (1 - Φ(z)) = erfc(z / √2), from the tail so small values keep their digits.
        erfc(z / std::f64::consts::SQRT_2).min(1.0)
    };
    Wilcoxon {
        n: n as u64,
        w_plus,
        w_minus,
        p_value,
        exact: false,
    }
}

/// The paired t test of differences (first minus second).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PairedT {
    /// The mean difference with its 95% interval.
    pub diff: MeanCi,
    pub t: f64,
    pub df: f64,
    /// Two-sided p-value; 1 when the differences have no spread.
    pub p_value: f64,
}

pub fn paired_t(diffs: &[f64]) -> PairedT {
    let diff = mean_ci(diffs, 0.95);
    let n = diffs.len();
    if n < 2 || diff.sd == 0.0 {
        let p_value = if n >= 2 && diff.mean != 0.0 { 0.0 } else { 1.0 };
        return PairedT {
            diff,
            t: 0.0,
            df: n.saturating_sub(1) as f64,
            p_value,
        };
    }
    let df = (n - 1) as f64;
    let t = diff.mean / (diff.sd / (n as f64).sqrt());
    PairedT {
        diff,
        t,
        df,
        p_value: t_two_sided(t, df),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn pass_at_k_and_pass_hat_k_match_hand_computed_values() {
        // n = 5, c = 2: pass@1 = 2/5; pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10.
        assert!(close(pass_at_k(5, 2, 1).unwrap(), 0.4, 1e-12));
        assert!(close(pass_at_k(5, 2, 2).unwrap(), 0.7, 1e-12));
        // pass@4 = 1 - C(3,4)/C(5,4) = 1: four draws always include a success.
        assert_eq!(pass_at_k(5, 2, 4), Some(1.0));
        // pass^2 = C(2,2)/C(5,2) = 1/10; pass^3 = 0 with only two successes.
        assert!(close(pass_hat_k(5, 2, 2).unwrap(), 0.1, 1e-12));
        assert_eq!(pass_hat_k(5, 2, 3), Some(0.0));
        // pass^1 = pass@1 = c/n.
        assert!(close(pass_hat_k(5, 2, 1).unwrap(), 0.4, 1e-12));
        // n = 10, c = 7, k = 3: pass@3 = 1 - C(3,3)/C(10,3) = 1 - 1/120;
        // pass^3 = C(7,3)/C(10,3) = 35/120.
        assert!(close(pass_at_k(10, 7, 3).unwrap(), 119.0 / 120.0, 1e-12));
        assert!(close(pass_hat_k(10, 7, 3).unwrap(), 35.0 / 120.0, 1e-12));
        // All or nothing: a deterministic policy's k trials agree, so pass@k = pass^k.
        for k in 1..=4 {
            assert_eq!(pass_at_k(4, 4, k), Some(1.0));
            assert_eq!(pass_hat_k(4, 4, k), Some(1.0));
            assert_eq!(pass_at_k(4, 0, k), Some(0.0));
            assert_eq!(pass_hat_k(4, 0, k), Some(0.0));
        }
        assert_eq!(pass_at_k(3, 1, 4), None);
        assert_eq!(pass_hat_k(3, 1, 0), None);
    }

    #[test]
    fn t_and_normal_quantiles_match_tables() {
        for (df, t) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (10.0, 2.228_138_852),
            (30.0, 2.042_272_456),
            (999.0, 1.962_341_461),
        ] {
            let q = t_quantile(0.975, df);
            assert!(close(q, t, 1e-6), "df {df}: {q} vs {t}");
        }
        assert!(close(t_cdf(0.0, 5.0), 0.5, 1e-12));
        assert!(close(t_cdf(-2.570_581_836, 5.0), 0.025, 1e-8));
        assert!(close(normal_quantile(0.975), 1.959_963_985, 1e-6));
        assert!(close(normal_cdf(1.0), 0.841_344_746, 1e-7));
        assert!(close(normal_cdf(-3.0), 0.001_349_898, 1e-8));
    }

    #[test]
    fn mean_intervals_and_wilson_intervals_match_hand_computed_values() {
        // 1..5: mean 3, sd sqrt(2.5), half-width t(0.975, 4) * sd / sqrt(5) = 2.776445 * 0.707107.
        let m = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95);
        assert_eq!((m.n, m.mean), (5, 3.0));
        assert!(close(m.sd, 2.5f64.sqrt(), 1e-12));
        assert!(close(m.hi - m.mean, 1.963_243_161, 1e-6), "{m:?}");
        assert!(close(m.mean - m.lo, 1.963_243_161, 1e-6));
        assert_eq!(mean_ci(&[], 0.95), MeanCi::default());
        assert_eq!(mean_ci(&[2.0], 0.95).lo, 2.0);
        // Wilson, 8 of 10 at 95%: (0.4902, 0.9433) (Newcombe 1998, table I style values).
        let (lo, hi) = wilson(8, 10, 0.95);
        assert!(
            close(lo, 0.490_162, 1e-5) && close(hi, 0.943_318, 1e-5),
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(0, 10, 0.95);
        assert!(lo == 0.0 && close(hi, 0.277_533, 1e-5), "{hi}");
        assert_eq!(wilson(0, 0, 0.95), (0.0, 0.0));
        assert_eq!(quantile(&[3.0, 1.0, 2.0, 4.0], 0.5), Some(2.5));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn paired_tests_match_hand_computed_values() {
        // 9 discordant pairs one way, 1 the other: 2 * (1 + 10) / 1024.
        assert!(close(sign_test(9, 1), 22.0 / 1024.0, 1e-12));
        assert!(close(sign_test(1, 9), 22.0 / 1024.0, 1e-12));
        assert_eq!(sign_test(0, 0), 1.0);
        assert_eq!(sign_test(3, 3), 1.0);
        // A large sample stays finite: 600 vs 400 of 1000, p about 3e-10.
        let p = sign_test(600, 400);
        assert!(p > 1e-11 && p < 1e-9, "{p}");

        let m = mcnemar(&[(true, true), (true, false), (true, false), (false, false)]);
        assert_eq!(
            (m.both, m.first_only, m.second_only, m.neither),
            (1, 2, 0, 1)
        );
        // Two discordant pairs, both one way: 2 * 1/4.
        assert!(close(m.p_value, 0.5, 1e-12));

        // Five positive differences without ties: W- = 0, exact p = 2 / 32.
        let w = wilcoxon(&[1.0, 2.0, 3.0, 4.0, 5.0, 0.0]);
        assert_eq!((w.n, w.w_plus, w.w_minus, w.exact), (5, 15.0, 0.0, true));
        assert!(close(w.p_value, 0.0625, 1e-12));
        // Ranks 1..4 with signs + - + +: W- = 2; P(W <= 2) = #{{}, {1}, {2}} / 16.
        let w = wilcoxon(&[1.0, -2.0, 3.0, 4.0]);
        assert_eq!(w.w_minus, 2.0);
        assert!(close(w.p_value, 2.0 * 3.0 / 16.0, 1e-12));
        // Ties fall back to the normal approximation: |d| all 1, 6 positive, 2 negative;
        // ranks 4.5 each, W+ = 27, mean 18, var = 8*9*17/24 - (8^3-8)/48 = 51 - 10.5 = 40.5.
        let w = wilcoxon(&[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0, -1.0]);
        assert!(!w.exact);
        let z = (27.0f64 - 18.0 - 0.5) / 40.5f64.sqrt();
        assert!(close(w.p_value, 2.0 * (1.0 - normal_cdf(z)), 1e-12));
        assert_eq!(wilcoxon(&[0.0, 0.0]).p_value, 1.0);

        // Differences 1, 2, 3, 4: mean 2.5, sd 1.290994, t = 3.872983, df 3, p = 0.030466.
        let t = paired_t(&[1.0, 2.0, 3.0, 4.0]);
        assert!(close(t.t, 3.872_983_346, 1e-8), "{t:?}");
        assert_eq!(t.df, 3.0);
        assert!(close(t.p_value, 0.030_466_3, 1e-6), "{}", t.p_value);
        assert_eq!(paired_t(&[1.0, 1.0]).p_value, 0.0);
        // A huge effect keeps a tiny, non-zero p-value: t = 60 on 49 df is about 1e-48.
        let p = t_two_sided(60.0, 49.0);
        assert!(p > 0.0 && p < 1e-40, "{p}");
        assert!(close(t_two_sided(2.570_581_836, 5.0), 0.05, 1e-8));
        assert_eq!(paired_t(&[0.0, 0.0]).p_value, 1.0);
    }
}
