//! kubectl's human-readable output of a Table (`kubectl get` without `-o`, and `-o wide`): the
//! columns it keeps, the ones it adds (NAMESPACE, LABELS, `-L` label columns), the `kind/name`
//! prefix, and its tab-writer alignment (three spaces between columns, no trailing padding).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::table::ColumnDefinition;

/// One row as kubectl sees it: the server's cells plus what it reads off the embedded object.
#[derive(Clone, Debug, Default)]
pub struct Row {
    pub cells: Vec<Value>,
    pub namespace: String,
    pub labels: BTreeMap<String, String>,
}

/// How `kubectl get` was asked to print.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `-o wide`: priority-1 columns too.
    pub wide: bool,
    /// `-A`: a leading NAMESPACE column.
    pub namespace_column: bool,
    /// `--show-labels`: a trailing LABELS column.
    pub show_labels: bool,
    /// `-L key`: a column per label key.
    pub label_columns: Vec<String>,
    pub no_headers: bool,
    /// `deployment.apps` when several types are printed (or `--show-kind`): names become
    /// `deployment.apps/web`.
    pub kind_prefix: Option<String>,
}

/// Renders a cell as kubectl's printer does (`fmt.Sprint` of the JSON value).
pub fn cell_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<none>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// A cell's text, borrowed where the cell already is one.
fn cell_str(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        other => Cow::Owned(cell_text(other)),
    }
}

/// The header and data lines, cells separated by tabs, before alignment.
pub fn lines<'a>(
    columns: &[ColumnDefinition],
    rows: &'a [Row],
    opts: &Options,
) -> Vec<Vec<Cow<'a, str>>> {
    let shown: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| opts.wide || c.priority == 0)
        .map(|(i, _)| i)
        .collect();
    let width = shown.len()
        + usize::from(opts.namespace_column)
        + opts.label_columns.len()
        + usize::from(opts.show_labels);
    let mut out = Vec::with_capacity(rows.len() + 1);
    if !opts.no_headers {
        let mut header: Vec<Cow<'a, str>> = Vec::with_capacity(width);
        if opts.namespace_column {
            header.push("NAMESPACE".into());
        }
        header.extend(shown.iter().map(|&i| columns[i].name.to_uppercase().into()));
        header.extend(
            opts.label_columns
                .iter()
                .map(|l| label_column_header(l).into()),
        );
        if opts.show_labels {
            header.push("LABELS".into());
        }
        out.push(header);
    }
    for row in rows {
        let mut line: Vec<Cow<'a, str>> = Vec::with_capacity(width);
        if opts.namespace_column {
            line.push(Cow::Borrowed(&row.namespace));
        }
        for &i in &shown {
            let text = row.cells.get(i).map(cell_str).unwrap_or_default();
            match &opts.kind_prefix {
                Some(prefix) if i == 0 => line.push(format!("{prefix}/{text}").into()),
                _ => line.push(text),
            }
        }
        for key in &opts.label_columns {
            line.push(
                row.labels
                    .get(key)
                    .map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v)),
            );
        }
        if opts.show_labels {
            line.push(format_labels(&row.labels).into());
        }
        out.push(line);
    }
    out
}

/// kubectl shows a `-L` column under the upper-cased last path segment of the key.
fn label_column_header(key: &str) -> String {
    key.rsplit('/').next().unwrap_or(key).to_uppercase()
}

/// `app=web,tier=fe`, or `<none>`.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return "<none>".to_string();
    }
    // kubectl sorts the `k=v` strings, so `app.kubernetes.io/x=..` comes before `app=..`.
    let mut pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    pairs.join(",")
}

/// kubectl's tabwriter: cells padded by three spaces, and never narrower than six.
const PADDING: usize = 3;
const MIN_WIDTH: usize = 6;

/// Aligns cells like Go's tabwriter with kubectl's settings (min width 0, padding 3, spaces):
/// every column but the last is padded to its widest cell plus three spaces.
pub fn align<S: AsRef<str>>(lines: &[Vec<S>]) -> String {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    // Each padded cell's width in characters, in order: counted once.
    let mut counts: Vec<usize> = Vec::new();
    let mut bytes = 0;
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            let cell = cell.as_ref();
            bytes += cell.len();
            if i + 1 < line.len() {
                let n = cell.chars().count();
                widths[i] = widths[i].max(n);
                counts.push(n);
            }
        }
    }
    let row_width: usize = widths.iter().map(|w| (w + PADDING).max(MIN_WIDTH)).sum();
    let mut out = String::with_capacity(bytes.max(row_width * lines.len()) + lines.len());
    let mut counts = counts.into_iter();
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            out.push_str(cell.as_ref());
            if i + 1 < line.len() {
                let n = counts.next().unwrap_or(0);
                pad(&mut out, (widths[i] + PADDING).max(MIN_WIDTH) - n);
            }
        }
        out.push('\n');
    }
    out
}

/// Appends `n` spaces.
pub(crate) fn pad(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// The whole printed table.
pub fn render(columns: &[ColumnDefinition], rows: &[Row], opts: &Options) -> String {
    align(&lines(columns, rows, opts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const COLUMNS: &[ColumnDefinition] = &[
        ColumnDefinition {
            name: "Name",
            type_: "string",
            format: "name",
            description: "",
            priority: 0,
        },
        ColumnDefinition {
            name: "Ready",
            type_: "string",
            format: "",
            description: "",
            priority: 0,
        },
        ColumnDefinition {
            name: "IP",
            type_: "string",
            format: "",
            description: "",
            priority: 1,
        },
    ];

    fn rows() -> Vec<Row> {
        vec![
            Row {
                cells: vec![json!("web-1"), json!("1/1"), json!("10.0.0.1")],
                namespace: "shop".into(),
                labels: [("app".to_string(), "web".to_string())].into(),
            },
            Row {
                cells: vec![json!("db-0"), json!("0/1"), json!(null)],
                namespace: "shop".into(),
                labels: BTreeMap::new(),
            },
        ]
    }

    #[test]
    fn aligns_with_three_spaces_and_no_trailing_padding() {
        let out = render(COLUMNS, &rows(), &Options::default());
        assert_eq!(out, "NAME    READY\nweb-1   1/1\ndb-0    0/1\n");
    }

    #[test]
    fn wide_namespace_labels_and_kind_prefix() {
        let opts = Options {
            wide: true,
            namespace_column: true,
            show_labels: true,
            kind_prefix: Some("pod".into()),
            ..Default::default()
        };
        let out = render(COLUMNS, &rows(), &opts);
        assert_eq!(
            out,
            "NAMESPACE   NAME        READY   IP         LABELS\nshop        pod/web-1   1/1     10.0.0.1   app=web\nshop        pod/db-0    0/1     <none>     <none>\n"
        );
        let no_headers = render(
            COLUMNS,
            &rows(),
            &Options {
                no_headers: true,
                label_columns: vec!["app".into()],
                ..Default::default()
            },
        );
        assert_eq!(no_headers, "web-1   1/1   web\ndb-0    0/1   \n");
    }
}
