//! kubectl's human-readable output of a Table (`kubectl get` without `-o`, and `-o wide`): the
//! columns it keeps, the ones it adds (NAMESPACE, LABELS, `-L` label columns), the `kind/name`
//! prefix, and its tab-writer alignment (three spaces between columns, no trailing padding).

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

/// The header and data lines, cells separated by tabs, before alignment.
pub fn lines(columns: &[ColumnDefinition], rows: &[Row], opts: &Options) -> Vec<Vec<String>> {
    let shown: Vec<usize> = columns
        .iter()
        .enumerate()
        .filter(|(_, c)| opts.wide || c.priority == 0)
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::with_capacity(rows.len() + 1);
    if !opts.no_headers {
        let mut header = Vec::new();
        if opts.namespace_column {
            header.push("NAMESPACE".to_string());
        }
        header.extend(shown.iter().map(|&i| columns[i].name.to_uppercase()));
        header.extend(opts.label_columns.iter().map(|l| label_column_header(l)));
        if opts.show_labels {
            header.push("LABELS".to_string());
        }
        out.push(header);
    }
    for row in rows {
        let mut line = Vec::new();
        if opts.namespace_column {
            line.push(row.namespace.clone());
        }
        for &i in &shown {
            let mut text = row.cells.get(i).map(cell_text).unwrap_or_default();
            if i == 0
                && let Some(prefix) = &opts.kind_prefix
            {
                text = format!("{prefix}/{text}");
            }
            line.push(text);
        }
        for key in &opts.label_columns {
            line.push(row.labels.get(key).cloned().unwrap_or_default());
        }
        if opts.show_labels {
            line.push(format_labels(&row.labels));
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
pub fn align(lines: &[Vec<String>]) -> String {
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            if i + 1 < line.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    for line in lines {
        for (i, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < line.len() {
                let pad = (widths[i] + PADDING).max(MIN_WIDTH) - cell.chars().count();
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
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
