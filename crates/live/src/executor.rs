//! Runs an allowed command with the real `kubectl` binary: no shell, an argument vector, the
//! session's kubeconfig, a time limit and an output limit. The outputs of the per-namespace runs
//! that stand for `-A` are merged into what `kubectl ... -A` prints (one table with a NAMESPACE
//! column, one `List`), real namespace names are rewritten to the logical ones, and the safe
//! pipes (`| grep`, `| head`, ...) are applied as the simulator's kubectl applies them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kubectl::grammar::{Output as OutputFlag, Verb};
use kubectl::output::Output;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::namespaces::NamespaceMap;
use crate::policy::{Approved, KubectlRun, Plan};

/// Bounds on one command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The whole command, every run of it together.
    pub timeout: Duration,
    /// Bytes kept of each run's stdout (and, apart, of its stderr); the rest is cut with a note.
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(30),
            max_output_bytes: 1 << 20,
        }
    }
}

/// The real `kubectl` binary bound to one session's kubeconfig.
#[derive(Clone, Debug)]
pub struct Executor {
    program: PathBuf,
    kubeconfig: PathBuf,
    limits: Limits,
}

/// What one run of the binary gave.
struct RunOutput {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Executor {
    /// `kubectl` from `PATH` with the default limits.
    pub fn new(kubeconfig: impl Into<PathBuf>) -> Executor {
        Executor {
            program: PathBuf::from("kubectl"),
            kubeconfig: kubeconfig.into(),
            limits: Limits::default(),
        }
    }

    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Executor {
        self.program = program.into();
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Executor {
        self.limits = limits;
        self
    }

    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
    }

    /// Checks a command line against the allow-list and runs it: what the agent's terminal
    /// shows, in logical namespace names. A refusal runs nothing.
    pub async fn execute(&self, command_line: &str, map: &NamespaceMap) -> Output {
        match crate::policy::check(command_line, map) {
            Ok(approved) => self.run(&approved, map).await,
            Err(refusal) => Output::error(refusal.message, refusal.exit_code),
        }
    }

    /// Runs an approved command.
    pub async fn run(&self, approved: &Approved, map: &NamespaceMap) -> Output {
        let (runs, all_namespaces) = match &approved.plan {
            Plan::Local { stdout } => {
                let mut out = Output {
                    stdout: stdout.clone(),
                    ..Output::default()
                };
                kubectl::exec::apply_pipeline(&approved.invocation.pipeline, &mut out);
                return out;
            }
            Plan::Kubectl {
                runs,
                all_namespaces,
            } => (runs, *all_namespaces),
        };
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        let mut outputs = Vec::with_capacity(runs.len());
        for run in runs {
            match tokio::time::timeout_at(deadline, self.run_one(run)).await {
                Ok(Ok(out)) => outputs.push(out),
                Ok(Err(e)) => {
                    return Output::error(format!("error: running kubectl: {e}\n"), 1);
                }
                Err(_) => {
                    return Output::error(
                        format!(
                            "error: the command did not finish within {}s and was stopped\n",
                            self.limits.timeout.as_secs()
                        ),
                        124,
                    );
                }
            }
        }
        let mut out = if all_namespaces {
            merge(&approved.invocation, map, outputs)
        } else {
            let one = outputs.pop().unwrap_or(RunOutput {
                stdout: String::new(),
                stderr: String::new(),
                code: 0,
            });
            Output {
                stdout: map.to_logical_text(&one.stdout),
                stderr: map.to_logical_text(&one.stderr),
                exit_code: one.code,
            }
        };
        kubectl::exec::apply_pipeline(&approved.invocation.pipeline, &mut out);
        out
    }

    async fn run_one(&self, run: &KubectlRun) -> std::io::Result<RunOutput> {
        let mut child = tokio::process::Command::new(&self.program)
            .arg(format!("--kubeconfig={}", self.kubeconfig.display()))
            .args(&run.args)
            // No other kubeconfig may be merged in.
            .env("KUBECONFIG", &self.kubeconfig)
            .stdin(if run.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        if let (Some(text), Some(mut stdin)) = (&run.stdin, child.stdin.take()) {
            stdin.write_all(text.as_bytes()).await?;
            drop(stdin);
        }
        let limit = self.limits.max_output_bytes;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let (stdout, stderr) =
            tokio::join!(read_bounded(stdout, limit), read_bounded(stderr, limit));
        let (stdout, cut_out) = stdout?;
        let (stderr, cut_err) = stderr?;
        if cut_out || cut_err {
            // Whatever it still wanted to print is not read; it must not wait on the pipe.
            let _ = child.start_kill();
        }
        let status = child.wait().await?;
        let mut stdout = stdout;
        let mut stderr = stderr;
        if cut_out {
            stdout.push_str(&format!("\n... output cut at {limit} bytes\n"));
        }
        if cut_err {
            stderr.push_str(&format!("\n... output cut at {limit} bytes\n"));
        }
        let code = if cut_out || cut_err {
            0
        } else {
            status.code().unwrap_or(1)
        };
        Ok(RunOutput {
            stdout,
            stderr,
            code,
        })
    }
}

/// Reads at most `limit` bytes; says whether there was more.
async fn read_bounded<R: tokio::io::AsyncRead + Unpin>(
    reader: Option<R>,
    limit: usize,
) -> std::io::Result<(String, bool)> {
    let Some(reader) = reader else {
        return Ok((String::new(), false));
    };
    let mut buf = Vec::new();
    let mut taken = reader.take(limit as u64 + 1);
    taken.read_to_end(&mut buf).await?;
    let cut = buf.len() > limit;
    buf.truncate(limit);
    Ok((String::from_utf8_lossy(&buf).into_owned(), cut))
}

/// Merges the per-namespace runs that stand for `-A` into what kubectl prints for `-A`.
fn merge(inv: &kubectl::grammar::Invocation, map: &NamespaceMap, runs: Vec<RunOutput>) -> Output {
    let logical: Vec<&str> = map.logical_names().collect();
    let mut stderr = String::new();
    let mut code = 0;
    let mut stdouts: Vec<(&str, String)> = Vec::new();
    for (ns, run) in logical.iter().zip(runs) {
        let err = map.to_logical_text(&run.stderr);
        // Each empty namespace says so; `-A` says it once, below.
        if !err.starts_with("No resources found") {
            stderr.push_str(&err);
        }
        if run.code != 0 {
            code = run.code;
        }
        stdouts.push((ns, map.to_logical_text(&run.stdout)));
    }
    let stdout = match &inv.flags.output {
        Some(OutputFlag::Json) => merge_lists(&stdouts, false),
        Some(OutputFlag::Yaml) => merge_lists(&stdouts, true),
        None | Some(OutputFlag::Wide)
            if matches!(inv.verb, Verb::Get | Verb::Events | Verb::Top(_)) =>
        {
            merge_tables(&stdouts, !inv.flags.no_headers)
        }
        // Names, describe, templates: one after another.
        _ => stdouts.iter().map(|(_, s)| s.as_str()).collect(),
    };
    if stdout.is_empty() && stderr.is_empty() && code == 0 {
        stderr.push_str("No resources found\n");
    }
    Output {
        stdout,
        stderr,
        exit_code: code,
    }
}

/// One `List` of every run's items (a run that printed one object counts as one item).
fn merge_lists(stdouts: &[(&str, String)], yaml: bool) -> String {
    let mut items = Vec::new();
    for (_, text) in stdouts {
        if text.trim().is_empty() {
            continue;
        }
        let docs = cluster::manifests::parse_documents("kubectl", text).unwrap_or_default();
        for doc in docs {
            match doc.get("items").and_then(|i| i.as_array()) {
                Some(list) => items.extend(list.iter().cloned()),
                None => items.push(doc),
            }
        }
    }
    let list = serde_json::json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    });
    if yaml {
        kubectl::output::yaml(&list)
    } else {
        kubectl::output::json(&list)
    }
}

/// One table with a NAMESPACE column first, aligned as kubectl aligns (three spaces between
/// columns, the last one unpadded).
fn merge_tables(stdouts: &[(&str, String)], headers: bool) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Option<Vec<String>> = None;
    for (ns, text) in stdouts {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let starts = if headers {
            let Some(first) = lines.next() else { continue };
            let starts = column_starts(first);
            if header.is_none() {
                let mut h = vec!["NAMESPACE".to_string()];
                h.extend(cut(first, &starts));
                header = Some(h);
            }
            Some(starts)
        } else {
            None
        };
        for line in lines {
            let mut row = vec![ns.to_string()];
            match &starts {
                Some(starts) => row.extend(cut(line, starts)),
                None => row.extend(split_cells(line)),
            }
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut all: Vec<Vec<String>> = header.into_iter().collect();
    all.extend(rows);
    let columns = all.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; columns];
    for row in &all {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &all {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where each column starts, from a header line: headers are separated by at least two
/// spaces, a header itself holds at most single spaces (`LAST SEEN`, `NOMINATED NODE`).
fn column_starts(header: &str) -> Vec<usize> {
    let bytes = header.as_bytes();
    let mut starts = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b' ' && (i == 0 || (i >= 2 && bytes[i - 1] == b' ' && bytes[i - 2] == b' '))
        {
            starts.push(i);
        }
        i += 1;
    }
    starts
}

/// A row cut at the header's column starts.
fn cut(line: &str, starts: &[usize]) -> Vec<String> {
    let mut cells = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(line.len());
        let cell = line
            .get(start.min(line.len())..end.min(line.len()).max(start.min(line.len())))
            .unwrap_or("");
        cells.push(cell.trim().to_string());
    }
    cells
}

/// A row without a header: cells are separated by at least two spaces.
fn split_cells(line: &str) -> Vec<String> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::namespaces::SessionId;

    fn map() -> NamespaceMap {
        NamespaceMap::with_logical(SessionId::new("s1").unwrap(), &["auth", "payments"]).unwrap()
    }

    fn run(stdout: &str, stderr: &str) -> RunOutput {
        RunOutput {
            stdout: stdout.into(),
            stderr: stderr.into(),
            code: 0,
        }
    }

    fn invocation(line: &str) -> kubectl::grammar::Invocation {
        kubectl::grammar::parse(line).unwrap()
    }

    #[test]
    fn tables_get_a_namespace_column_and_one_alignment() {
        let out = merge(
            &invocation("kubectl get pods -A"),
            &map(),
            vec![
                run(
                    "NAME        READY   STATUS    RESTARTS      AGE\nauth-db-0   1/1     Running   3 (2m ago)    5m\n",
                    "",
                ),
                run(
                    "NAME                           READY   STATUS             RESTARTS   AGE\npayment-api-5d9c7b8f4d-abcde   0/1     CrashLoopBackOff   4          5m\n",
                    "",
                ),
            ],
        );
        assert_eq!(
            out.stdout,
            "NAMESPACE   NAME                           READY   STATUS             RESTARTS     AGE\n\
             auth        auth-db-0                      1/1     Running            3 (2m ago)   5m\n\
             payments    payment-api-5d9c7b8f4d-abcde   0/1     CrashLoopBackOff   4            5m\n"
        );
        assert_eq!(out.stderr, "");
    }

    #[test]
    fn empty_namespaces_say_no_resources_once() {
        let out = merge(
            &invocation("kubectl get pods -A"),
            &map(),
            vec![
                run("", "No resources found in ksg-s1-auth namespace.\n"),
                run("", "No resources found in ksg-s1-payments namespace.\n"),
            ],
        );
        assert_eq!(
            (out.stdout.as_str(), out.stderr.as_str()),
            ("", "No resources found\n")
        );
        // One empty namespace among full ones says nothing.
        let out = merge(
            &invocation("kubectl get pods -A --no-headers"),
            &map(),
            vec![
                run("", "No resources found in ksg-s1-auth namespace.\n"),
                run("payment-api-1   1/1   Running   0   5m\n", ""),
            ],
        );
        assert_eq!(
            out.stdout,
            "payments   payment-api-1   1/1   Running   0   5m\n"
        );
        assert_eq!(out.stderr, "");
    }

    /// A stand-in for kubectl: a script.
    #[cfg(unix)]
    fn script(dir: &std::path::Path, body: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("fake-kubectl");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn output_is_cut_at_the_limit_and_slow_commands_are_stopped() {
        let dir = tempfile::tempdir().unwrap();
        // Prints its arguments forever: the output bound must end it.
        let chatty = script(dir.path(), r#"while :; do echo "$@"; done"#);
        let executor = Executor::new("/nonexistent/kubeconfig")
            .with_program(&chatty)
            .with_limits(Limits {
                timeout: Duration::from_secs(10),
                max_output_bytes: 1000,
            });
        let out = executor
            .execute("kubectl get pods -n payments", &map())
            .await;
        assert!(
            out.stdout.ends_with("... output cut at 1000 bytes\n"),
            "{out:?}"
        );
        assert!(out.stdout.len() < 1100);
        // The binary got the real namespace; the agent reads the logical one.
        assert!(
            out.stdout
                .starts_with("--kubeconfig=/nonexistent/kubeconfig get --namespace=payments"),
            "{out:?}"
        );

        let sleepy = dir.path().join("sleepy");
        std::fs::rename(script(dir.path(), "sleep 30"), &sleepy).unwrap();
        let executor = Executor::new("/nonexistent/kubeconfig")
            .with_program(&sleepy)
            .with_limits(Limits {
                timeout: Duration::from_millis(300),
                max_output_bytes: 1000,
            });
        let started = std::time::Instant::now();
        let out = executor
            .execute("kubectl get pods -n payments", &map())
            .await;
        assert_eq!(out.exit_code, 124, "{out:?}");
        assert!(out.stderr.contains("did not finish"), "{out:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn refusals_run_nothing() {
        let executor =
            Executor::new("/nonexistent/kubeconfig").with_program("/nonexistent/kubectl");
        let out = executor
            .execute("kubectl get pods -n kube-system", &map())
            .await;
        assert_eq!(out.exit_code, 1);
        assert!(
            out.stderr.contains("outside this incident"),
            "{}",
            out.stderr
        );
    }

    #[test]
    fn json_lists_are_one_list_with_logical_namespaces() {
        let a = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"a","namespace":"ksg-s1-auth"}}]}"#;
        let b = r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"Pod","metadata":{"name":"b","namespace":"ksg-s1-payments"}}]}"#;
        let out = merge(
            &invocation("kubectl get pods -A -o json"),
            &map(),
            vec![run(a, ""), run(b, "")],
        );
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["metadata"]["namespace"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["auth", "payments"]);
        assert_eq!(v["kind"], "List");
    }
}
