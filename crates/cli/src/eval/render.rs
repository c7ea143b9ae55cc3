//! An evaluation report as Markdown, as a plain-text summary, and as one self-contained HTML
//! page (inline CSS and SVG charts; nothing fetched from anywhere).

use std::fmt::Write as _;

use gym::report::{Comparison, Figures, Group, PolicyReport, Report};

const PALETTE: [&str; 6] = [
    "#2f6fdf", "#e0662f", "#2e9e5b", "#9b51c9", "#c9a227", "#d13f6b",
];

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// `p = 0.0123`, `p = 4.56e-9`, or `p < 1e-300` where it underflowed.
fn p_value(p: f64) -> String {
    if p <= 0.0 {
        "p < 1e-300".into()
    } else if p < 1e-3 {
        format!("p = {p:.2e}")
    } else {
        format!("p = {p:.4}")
    }
}

/// Axis ticks at a round step (1, 2, 2.5 or 5 times a power of ten) covering `lo..hi`.
fn ticks(lo: f64, hi: f64) -> (f64, f64, f64) {
    let span = (hi - lo).max(1e-9);
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((lo / step).floor() * step, (hi / step).ceil() * step, step)
}

/// The largest k of a figures' pass@k table, and its entry.
fn last_k(f: &Figures) -> Option<&gym::report::PassK> {
    f.pass_k.last()
}

fn header_line(report: &Report) -> String {
    let c = &report.config;
    format!(
        "{} incidents of the {} split ({}), {} trial{} each per policy, seed {}; {} simulated seconds per step.",
        c.incidents,
        c.split,
        c.tiers.join(", "),
        c.repeats,
        if c.repeats == 1 { "" } else { "s" },
        c.seed,
        c.step_seconds
    )
}

/// One row of the summary table per policy.
fn summary_rows(report: &Report) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let k = report.config.repeats;
    let mut head = vec![
        "policy",
        "episodes",
        "resolved",
        "95% CI",
        "pass@1",
        "pass@k",
        "pass^k",
        "reward (95% CI)",
        "steps to mitigate",
        "sim time to mitigate",
        "collateral",
    ];
    let spend = report.policies.iter().any(|p| p.overall.spend.is_some());
    if spend {
        head.extend(["tokens/episode", "cost"]);
    }
    let rows = report
        .policies
        .iter()
        .map(|p| {
            let f = &p.overall;
            let pk = last_k(f);
            let mut row = vec![
                p.policy.clone(),
                f.episodes.to_string(),
                pct(f.resolution_rate),
                format!(
                    "{:.1}-{:.1}%",
                    100.0 * f.resolution_ci.lo,
                    100.0 * f.resolution_ci.hi
                ),
                f.pass_k
                    .first()
                    .map_or_else(|| "-".into(), |x| pct(x.pass_at_k)),
                pk.map_or_else(|| "-".into(), |x| format!("{} (k={k})", pct(x.pass_at_k))),
                pk.map_or_else(|| "-".into(), |x| format!("{} (k={k})", pct(x.pass_hat_k))),
                format!(
                    "{:+.2} ({:+.2}, {:+.2})",
                    f.reward.mean, f.reward.lo, f.reward.hi
                ),
                f.steps_to_mitigate.map_or_else(
                    || "-".into(),
                    |d| format!("{:.1} (median {:.0})", d.mean, d.median),
                ),
                f.sim_seconds_to_mitigate.map_or_else(
                    || "-".into(),
                    |d| format!("{:.0} s (median {:.0} s)", d.mean, d.median),
                ),
                format!("{} ({})", pct(f.collateral_rate), f.collateral_episodes),
            ];
            if spend {
                match &f.spend {
                    Some(s) => {
                        row.push(format!("{:.0}", s.tokens_per_episode));
                        row.push(format!("${:.4}", s.total.cost_usd));
                    }
                    None => row.extend(["-".to_string(), "-".to_string()]),
                }
            }
            row
        })
        .collect();
    (head, rows)
}

fn md_table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        head.iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { " --- " } else { " ---: " })
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in rows {
        let _ = writeln!(out, "| {} |", r.join(" | "));
    }
}

/// The summary table as aligned plain text, for the terminal.
pub fn summary_table(report: &Report) -> String {
    let (head, rows) = summary_rows(report);
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(
        out,
        "{}",
        line(head.iter().map(|h| h.to_uppercase()).collect())
    );
    for r in rows {
        let _ = writeln!(out, "{}", line(r));
    }
    out
}

/// One comparison in a sentence.
pub fn comparison_sentence(c: &Comparison) -> String {
    let mut s = format!(
        "{} vs {} on {} shared incidents: resolved {} vs {}; {} better on {}, {} better on {}, tied on {}; exact sign test{} {}. Reward difference ({} minus {}) {:+.2} (95% CI {:+.2} to {:+.2}), paired t {}, Wilcoxon signed-rank {}{}.",
        c.first,
        c.second,
        c.incidents,
        pct(c.first_rate),
        pct(c.second_rate),
        c.first,
        c.first_better,
        c.second,
        c.second_better,
        c.ties,
        if c.mcnemar.is_some() {
            " (McNemar's exact test)"
        } else {
            ""
        },
        p_value(c.resolution_p),
        c.first,
        c.second,
        c.reward_diff.diff.mean,
        c.reward_diff.diff.lo,
        c.reward_diff.diff.hi,
        p_value(c.reward_diff.p_value),
        p_value(c.reward_wilcoxon.p_value),
        if c.reward_wilcoxon.exact {
            " (exact)"
        } else {
            " (normal approximation)"
        },
    );
    if let Some(m) = &c.mcnemar {
        let _ = write!(
            s,
            " Table: both {}, {} only {}, {} only {}, neither {}.",
            m.both, c.first, m.first_only, c.second, m.second_only, m.neither
        );
    }
    s
}

fn group_cell(g: Option<&Group>) -> String {
    g.map_or_else(
        || "-".into(),
        |g| {
            format!(
                "{} ({}/{}) {:+.2}",
                pct(g.figures.resolution_rate),
                g.figures.resolved,
                g.figures.episodes,
                g.figures.reward.mean
            )
        },
    )
}

fn breakdown_rows(
    report: &Report,
    groups: impl Fn(&PolicyReport) -> &Vec<Group>,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut names: Vec<String> = Vec::new();
    for p in &report.policies {
        for g in groups(p) {
            if !names.contains(&g.name) {
                names.push(g.name.clone());
            }
        }
    }
    let rows = names
        .iter()
        .map(|n| {
            let mut row = vec![n.clone()];
            for p in &report.policies {
                row.push(group_cell(groups(p).iter().find(|g| &g.name == n)));
            }
            row
        })
        .collect();
    (names, rows)
}

const DEFINITIONS: &str = "Resolved: the final grade passed (every fault fixed, the workloads stable for 7 simulated minutes, no collateral damage). pass@k: the chance that at least one of k trials of an incident resolves it; pass^k: that all k do (unbiased estimators over the trials run, averaged over incidents). Resolution intervals are Wilson intervals; reward intervals are Student-t. Steps and simulated time to mitigate count resolved episodes only. Collateral: episodes that harmed objects outside the fix. Fault-type rows count an episode under every fault type of its incident (cells: resolution rate (resolved/episodes) mean reward).";

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# kube-sre-gym evaluation\n");
    let _ = writeln!(out, "{}\n", header_line(report));
    let _ = writeln!(out, "## Summary\n");
    let (head, rows) = summary_rows(report);
    md_table(&mut out, &head, &rows);
    if report.config.repeats > 1 {
        let _ = writeln!(out, "\n## pass@k and pass^k\n");
        let mut head = vec!["policy".to_string()];
        for k in 1..=report.config.repeats {
            head.push(format!("pass@{k}"));
            head.push(format!("pass^{k}"));
        }
        let rows: Vec<Vec<String>> = report
            .policies
            .iter()
            .map(|p| {
                let mut r = vec![p.policy.clone()];
                for x in &p.overall.pass_k {
                    r.push(pct(x.pass_at_k));
                    r.push(pct(x.pass_hat_k));
                }
                r
            })
            .collect();
        let head: Vec<&str> = head.iter().map(String::as_str).collect();
        md_table(&mut out, &head, &rows);
    }
    if !report.comparisons.is_empty() {
        let _ = writeln!(out, "\n## Paired comparisons\n");
        for c in &report.comparisons {
            let _ = writeln!(out, "- {}", comparison_sentence(c));
        }
    }
    let policy_names: Vec<&str> = report.policies.iter().map(|p| p.policy.as_str()).collect();
    let mut head = vec!["tier"];
    head.extend(&policy_names);
    let _ = writeln!(out, "\n## By tier\n");
    let (_, rows) = breakdown_rows(report, |p| &p.by_tier);
    md_table(&mut out, &head, &rows);
    head[0] = "fault type";
    let _ = writeln!(out, "\n## By fault type\n");
    let (_, rows) = breakdown_rows(report, |p| &p.by_fault);
    md_table(&mut out, &head, &rows);
    let _ = writeln!(out, "\n## Notes\n");
    for n in &report.config.notes {
        let _ = writeln!(out, "- {n}");
    }
    let _ = writeln!(out, "- {DEFINITIONS}");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A bar with an optional interval whisker.
struct Bar {
    value: f64,
    interval: Option<(f64, f64)>,
}

/// Vertical grouped bars: one group per category, one bar per series; `lo..hi` the y range.
fn bar_chart(
    title: &str,
    w: f64,
    categories: &[String],
    series: &[(String, Vec<Bar>)],
    (lo, hi): (f64, f64),
    label: impl Fn(f64) -> String,
) -> String {
    let (lo, hi, step) = ticks(lo, hi);
    let h = 300.0;
    let (left, right, top, bottom) = (60.0, 10.0, 30.0, 60.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let y = |v: f64| top + plot_h * (1.0 - (v.clamp(lo, hi) - lo) / (hi - lo));
    let mut s = format!(
        r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}"><text x="{left}" y="18" class="title">{t}</text>"#,
        t = esc(title)
    );
    let steps = ((hi - lo) / step).round() as i32;
    for i in 0..=steps {
        let v = lo + step * f64::from(i);
        let yy = y(v);
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{l}</text>"#,
            x2 = w - right,
            tx = left - 6.0,
            ty = yy + 4.0,
            l = esc(&label(v))
        );
    }
    if lo < 0.0 && hi > 0.0 {
        let z = y(0.0);
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{x2}" y1="{z:.1}" y2="{z:.1}" class="zero"/>"#,
            x2 = w - right
        );
    }
    let groups = categories.len().max(1) as f64;
    let group_w = plot_w / groups;
    let bar_w = (group_w * 0.8 / series.len().max(1) as f64).min(60.0);
    for (ci, cat) in categories.iter().enumerate() {
        let gx = left + group_w * ci as f64;
        let start = gx + (group_w - bar_w * series.len() as f64) / 2.0;
        for (si, (name, bars)) in series.iter().enumerate() {
            let Some(b) = bars.get(ci) else { continue };
            let x = start + bar_w * si as f64;
            let (y0, y1) = (y(0f64.max(lo)), y(b.value));
            let (top_y, height) = if y1 < y0 {
                (y1, y0 - y1)
            } else {
                (y0, y1 - y0)
            };
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{top_y:.1}" width="{bw:.1}" height="{height:.1}" fill="{c}"><title>{n} {cat}: {v}</title></rect>"#,
                bw = bar_w * 0.92,
                c = PALETTE[si % PALETTE.len()],
                n = esc(name),
                cat = esc(cat),
                v = esc(&label(b.value))
            );
            if let Some((a, z)) = b.interval {
                let cx = x + bar_w * 0.46;
                let _ = write!(
                    s,
                    r#"<line x1="{cx:.1}" x2="{cx:.1}" y1="{ya:.1}" y2="{yz:.1}" class="whisker"/><line x1="{l:.1}" x2="{r:.1}" y1="{ya:.1}" y2="{ya:.1}" class="whisker"/><line x1="{l:.1}" x2="{r:.1}" y1="{yz:.1}" y2="{yz:.1}" class="whisker"/>"#,
                    ya = y(a),
                    yz = y(z),
                    l = cx - 4.0,
                    r = cx + 4.0
                );
            }
        }
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{ty}" class="axis" text-anchor="middle">{c}</text>"#,
            tx = gx + group_w / 2.0,
            ty = h - bottom + 16.0,
            c = esc(cat)
        );
    }
    legend(
        &mut s,
        series.iter().map(|(n, _)| n.as_str()),
        h - 14.0,
        left,
    );
    s.push_str("</svg>");
    s
}

fn legend<'a>(s: &mut String, names: impl Iterator<Item = &'a str>, y: f64, mut x: f64) {
    for (i, n) in names.enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{x:.1}" y="{ry:.1}" width="12" height="12" fill="{c}"/><text x="{tx:.1}" y="{y:.1}" class="axis">{n}</text>"#,
            ry = y - 10.0,
            c = PALETTE[i % PALETTE.len()],
            tx = x + 16.0,
            n = esc(n)
        );
        x += 28.0 + 7.0 * n.chars().count() as f64;
    }
}

/// Horizontal grouped bars of rates in [0, 1], one row per category.
fn hbar_chart(title: &str, categories: &[String], series: &[(String, Vec<Option<f64>>)]) -> String {
    let row_h = 8.0 * series.len().max(1) as f64 + 8.0;
    let (left, right, top) = (230.0, 50.0, 30.0);
    let w = 920.0;
    let h = top + row_h * categories.len() as f64 + 40.0;
    let plot_w = w - left - right;
    let mut s = format!(
        r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}"><text x="10" y="18" class="title">{t}</text>"#,
        t = esc(title)
    );
    for i in 0..=4 {
        let x = left + plot_w * f64::from(i) / 4.0;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{y2:.1}" class="grid"/><text x="{x:.1}" y="{ty:.1}" class="axis" text-anchor="middle">{p}%</text>"#,
            y2 = h - 36.0,
            ty = h - 22.0,
            p = 25 * i
        );
    }
    for (ci, cat) in categories.iter().enumerate() {
        let y0 = top + row_h * ci as f64;
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{c}</text>"#,
            tx = left - 6.0,
            ty = y0 + row_h / 2.0 + 3.0,
            c = esc(cat)
        );
        for (si, (name, values)) in series.iter().enumerate() {
            let Some(Some(v)) = values.get(ci) else {
                continue;
            };
            let _ = write!(
                s,
                r#"<rect x="{left}" y="{y:.1}" width="{bw:.1}" height="7" fill="{c}"><title>{n} {cat}: {p}</title></rect>"#,
                y = y0 + 4.0 + 8.0 * si as f64,
                bw = (plot_w * v.clamp(0.0, 1.0)).max(0.5),
                c = PALETTE[si % PALETTE.len()],
                n = esc(name),
                cat = esc(cat),
                p = pct(*v)
            );
        }
    }
    legend(
        &mut s,
        series.iter().map(|(n, _)| n.as_str()),
        h - 4.0,
        left,
    );
    s.push_str("</svg>");
    s
}

/// pass@k (solid) and pass^k (dashed) against k.
fn pass_k_chart(report: &Report) -> String {
    let k_max = report.config.repeats.max(1) as f64;
    let (w, h) = (920.0, 280.0);
    let (left, right, top, bottom) = (60.0, 30.0, 30.0, 50.0);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let x = |k: f64| {
        if k_max <= 1.0 {
            left + pw / 2.0
        } else {
            left + pw * (k - 1.0) / (k_max - 1.0)
        }
    };
    let y = |v: f64| top + ph * (1.0 - v.clamp(0.0, 1.0));
    let mut s = format!(
        r#"<svg viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="pass@k and pass^k"><text x="{left}" y="18" class="title">pass@k (solid) and pass^k (dashed) against k</text>"#
    );
    for i in 0..=4 {
        let v = f64::from(i) / 4.0;
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{x2}" y1="{yy:.1}" y2="{yy:.1}" class="grid"/><text x="{tx}" y="{ty:.1}" class="axis" text-anchor="end">{p}%</text>"#,
            x2 = w - right,
            yy = y(v),
            tx = left - 6.0,
            ty = y(v) + 4.0,
            p = 25 * i
        );
    }
    for k in 1..=report.config.repeats {
        let _ = write!(
            s,
            r#"<text x="{tx:.1}" y="{ty}" class="axis" text-anchor="middle">k={k}</text>"#,
            tx = x(f64::from(k)),
            ty = h - bottom + 16.0
        );
    }
    for (i, p) in report.policies.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        for (dash, pick) in [("", true), (r#" stroke-dasharray="6 4""#, false)] {
            let pts: Vec<String> = p
                .overall
                .pass_k
                .iter()
                .map(|e| {
                    let v = if pick { e.pass_at_k } else { e.pass_hat_k };
                    format!("{:.1},{:.1}", x(e.k as f64), y(v))
                })
                .collect();
            let _ = write!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"{dash}/>"#,
                pts.join(" ")
            );
            for pt in &pts {
                let (cx, cy) = pt.split_once(',').unwrap_or(("0", "0"));
                let _ = write!(s, r#"<circle cx="{cx}" cy="{cy}" r="3" fill="{c}"/>"#);
            }
        }
    }
    legend(
        &mut s,
        report.policies.iter().map(|p| p.policy.as_str()),
        h - 10.0,
        left,
    );
    s.push_str("</svg>");
    s
}

fn html_table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;padding:0 16px}h1{font-size:26px;margin-bottom:4px}h2{font-size:19px;margin-top:30px;border-bottom:1px solid #dde2ea;padding-bottom:4px}p.sub{color:#566074;margin-top:0}table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{padding:4px 9px;border-bottom:1px solid #e4e8ef;text-align:right;white-space:nowrap}th{background:#f3f5f9}td:first-child,th:first-child{text-align:left}svg{display:block;margin:10px 0;background:#fbfcfe;border:1px solid #e4e8ef;border-radius:6px}svg .title{font-size:14px;font-weight:600;fill:#1d2330}svg .axis{font-size:11px;fill:#566074}svg .grid{stroke:#e4e8ef}svg .zero{stroke:#8a93a6}svg .whisker{stroke:#1d2330;stroke-width:1.2}.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}li{margin:4px 0;font-size:14px}.scroll{overflow-x:auto}";

pub fn html(report: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>kube-sre-gym evaluation</title><style>{CSS}</style></head><body>"
    );
    let _ = write!(
        out,
        "<h1>kube-sre-gym evaluation</h1><p class=\"sub\">{}</p>",
        esc(&header_line(report))
    );
    out.push_str("<h2>Summary</h2><div class=\"scroll\">");
    let (head, rows) = summary_rows(report);
    html_table(&mut out, &head, &rows);
    out.push_str("</div>");

    let names: Vec<String> = report.policies.iter().map(|p| p.policy.clone()).collect();
    let overall: Vec<(String, Vec<Bar>)> = report
        .policies
        .iter()
        .map(|p| {
            (
                p.policy.clone(),
                vec![Bar {
                    value: p.overall.resolution_rate,
                    interval: Some((p.overall.resolution_ci.lo, p.overall.resolution_ci.hi)),
                }],
            )
        })
        .collect();
    out.push_str("<div class=\"grid2\">");
    out.push_str(&bar_chart(
        "Resolution rate (95% Wilson interval)",
        460.0,
        &["all incidents".to_string()],
        &overall,
        (0.0, 1.0),
        |v| format!("{}%", (100.0 * v).round()),
    ));
    let (mut lo, mut hi) = (0f64, 0f64);
    for p in &report.policies {
        lo = lo.min(p.overall.reward.lo);
        hi = hi.max(p.overall.reward.hi);
    }
    let span = (hi - lo).max(1.0);
    let rewards: Vec<(String, Vec<Bar>)> = report
        .policies
        .iter()
        .map(|p| {
            (
                p.policy.clone(),
                vec![Bar {
                    value: p.overall.reward.mean,
                    interval: Some((p.overall.reward.lo, p.overall.reward.hi)),
                }],
            )
        })
        .collect();
    out.push_str(&bar_chart(
        "Mean episode reward (95% t interval)",
        460.0,
        &["all incidents".to_string()],
        &rewards,
        (lo - 0.05 * span, hi + 0.05 * span),
        |v| format!("{v:+.1}"),
    ));
    out.push_str("</div>");

    let tiers: Vec<String> = report.config.tiers.clone();
    let by_tier: Vec<(String, Vec<Bar>)> = report
        .policies
        .iter()
        .map(|p| {
            let bars = tiers
                .iter()
                .map(|t| {
                    let g = p.by_tier.iter().find(|g| &g.name == t);
                    Bar {
                        value: g.map_or(0.0, |g| g.figures.resolution_rate),
                        interval: g
                            .map(|g| (g.figures.resolution_ci.lo, g.figures.resolution_ci.hi)),
                    }
                })
                .collect();
            (p.policy.clone(), bars)
        })
        .collect();
    out.push_str(&bar_chart(
        "Resolution rate by tier (95% Wilson interval)",
        920.0,
        &tiers,
        &by_tier,
        (0.0, 1.0),
        |v| format!("{}%", (100.0 * v).round()),
    ));
    if report.config.repeats > 1 {
        out.push_str(&pass_k_chart(report));
    }

    if !report.comparisons.is_empty() {
        out.push_str("<h2>Paired comparisons</h2><ul>");
        for c in &report.comparisons {
            let _ = write!(out, "<li>{}</li>", esc(&comparison_sentence(c)));
        }
        out.push_str("</ul>");
    }

    let mut head = vec!["tier"];
    head.extend(names.iter().map(String::as_str));
    out.push_str("<h2>By tier</h2><div class=\"scroll\">");
    let (_, rows) = breakdown_rows(report, |p| &p.by_tier);
    html_table(&mut out, &head, &rows);
    out.push_str("</div>");

    let (faults, rows) = breakdown_rows(report, |p| &p.by_fault);
    out.push_str("<h2>By fault type</h2>");
    let series: Vec<(String, Vec<Option<f64>>)> = report
        .policies
        .iter()
        .map(|p| {
            let v = faults
                .iter()
                .map(|f| {
                    p.by_fault
                        .iter()
                        .find(|g| &g.name == f)
                        .map(|g| g.figures.resolution_rate)
                })
                .collect();
            (p.policy.clone(), v)
        })
        .collect();
    out.push_str(&hbar_chart(
        "Resolution rate by fault type",
        &faults,
        &series,
    ));
    head[0] = "fault type";
    out.push_str("<div class=\"scroll\">");
    html_table(&mut out, &head, &rows);
    out.push_str("</div><h2>Notes</h2><ul>");
    for n in &report.config.notes {
        let _ = write!(out, "<li>{}</li>", esc(n));
    }
    let _ = writeln!(out, "<li>{}</li></ul></body></html>", esc(DEFINITIONS));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_print_small_values_in_scientific_notation() {
        assert_eq!(p_value(0.0), "p < 1e-300");
        assert_eq!(p_value(0.5), "p = 0.5000");
        assert_eq!(p_value(2.5e-9), "p = 2.50e-9");
        assert_eq!(ticks(-2.3, 5.1), (-4.0, 6.0, 2.0));
        assert_eq!(ticks(0.0, 1.0), (0.0, 1.0, 0.25));
    }
}
