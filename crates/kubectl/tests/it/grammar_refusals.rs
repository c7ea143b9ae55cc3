//! Refusals: shell features, unsupported pipe targets, interactive and host-touching commands,
//! streaming, and input that is not a kubectl command. Messages that a real tool prints (bash,
//! GNU grep and coreutils) were copied from those tools; the others are this environment's own
//! and must name what was refused and what to do instead.

use kubectl::grammar::{MAX_COMMAND_LEN, parse};

fn refused(line: &str) -> (String, i32) {
    match parse(line) {
        Ok(inv) => panic!("{line:?} was accepted: {inv:?}"),
        Err(e) => (e.message, e.exit_code),
    }
}

#[test]
fn shell_syntax_errors_are_bashs() {
    // `bash -c` output (bash 5.2), with `kubectl` in place of the program name.
    for (line, msg) in [
        (
            "kubectl get pods |",
            "bash: -c: line 2: syntax error: unexpected end of file\n",
        ),
        (
            "| grep x",
            "bash: -c: line 1: syntax error near unexpected token `|'\nbash: -c: line 1: `| grep x'\n",
        ),
        (
            "kubectl get pods | | grep x",
            "bash: -c: line 1: syntax error near unexpected token `|'\nbash: -c: line 1: `kubectl get pods | | grep x'\n",
        ),
        (
            "kubectl get pods -l 'a",
            "bash: -c: line 1: unexpected EOF while looking for matching `''\n",
        ),
        (
            "kubectl get pods -l \"a",
            "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n",
        ),
        (
            "kubectl get pods )",
            "bash: -c: line 1: syntax error near unexpected token `)'\nbash: -c: line 1: `kubectl get pods )'\n",
        ),
        (
            "kubectl get (pods)",
            "bash: -c: line 1: syntax error near unexpected token `('\nbash: -c: line 1: `kubectl get (pods)'\n",
        ),
        (
            "kubectl apply -f - <<",
            "bash: -c: line 1: syntax error near unexpected token `newline'\nbash: -c: line 1: `kubectl apply -f - <<'\n",
        ),
    ] {
        assert_eq!(refused(line), (msg.to_string(), 2), "{line}");
    }
}

#[test]
fn filter_errors_are_the_tools() {
    // GNU grep 3.x and coreutils 9.x output.
    let usage =
        "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n";
    for (line, msg, code) in [
        ("kubectl get pods | grep", usage.to_string(), 2),
        (
            "kubectl get pods | grep -Q x",
            format!("grep: invalid option -- 'Q'\n{usage}"),
            2,
        ),
        (
            "kubectl get pods | grep -A",
            format!("grep: option requires an argument -- 'A'\n{usage}"),
            2,
        ),
        (
            "kubectl get pods | grep --after-context",
            format!("grep: option '--after-context' requires an argument\n{usage}"),
            2,
        ),
        (
            "kubectl get pods | grep -A x y",
            "grep: x: invalid context length argument\n".to_string(),
            2,
        ),
        (
            "kubectl get pods | grep x nofile",
            "grep: nofile: No such file or directory\n".to_string(),
            2,
        ),
        (
            "kubectl get pods | grep -E -F x",
            "grep: conflicting matchers specified\n".to_string(),
            2,
        ),
        (
            "kubectl get pods | head -n",
            "head: option requires an argument -- 'n'\nTry 'head --help' for more information.\n"
                .to_string(),
            1,
        ),
        (
            "kubectl get pods | head nofile",
            "head: cannot open 'nofile' for reading: No such file or directory\n".to_string(),
            1,
        ),
        (
            "kubectl get pods | tail -n x",
            "tail: invalid number of lines: \u{2018}x\u{2019}\n".to_string(),
            1,
        ),
        (
            "kubectl get pods | wc nofile",
            "wc: nofile: No such file or directory\n".to_string(),
            1,
        ),
        (
            "kubectl get pods | sort nofile",
            "sort: cannot read: nofile: No such file or directory\n".to_string(),
            2,
        ),
    ] {
        assert_eq!(refused(line), (msg, code), "{line}");
    }
}

#[test]
fn unsupported_pipe_targets() {
    for (line, target) in [
        ("kubectl get pods | xargs kubectl delete pod", "xargs"),
        ("kubectl get pods | awk '{print $1}'", "awk"),
        ("kubectl get pods | sh", "sh"),
        ("kubectl get pods | bash", "bash"),
        ("kubectl get pods | cut -d' ' -f1", "cut"),
        ("kubectl get pods | sed s/a/b/", "sed"),
        ("kubectl get pods | tee out.txt", "tee"),
    ] {
        let (msg, code) = refused(line);
        assert_eq!(
            msg,
            format!(
                "error: '{target}' cannot be used after '|': only grep, head, tail, wc -l and sort can follow '|'\n"
            ),
            "{line}"
        );
        assert_eq!(code, 1);
    }
    let (msg, _) = refused("kubectl get pods -o json | jq '.items[].metadata.name'");
    assert!(msg.contains("-o jsonpath"), "{msg}");
    let (msg, _) = refused("kubectl get pods | kubectl apply -f -");
    assert!(
        msg.starts_with("error: piping into another kubectl command"),
        "{msg}"
    );
    for line in [
        "kubectl get pods | wc",
        "kubectl get pods | wc -c",
        "kubectl get pods | sort -k2",
        "kubectl logs x | tail -f",
        "kubectl get pods | grep -r x",
        "kubectl get pods | grep -e a -e b",
        "kubectl get pods | head -n -2",
    ] {
        let (msg, code) = refused(line);
        assert!(msg.starts_with("error: "), "{line}: {msg}");
        assert_eq!(code, 1, "{line}");
    }
}

#[test]
fn metacharacters_outside_quotes() {
    for (line, needle) in [
        ("kubectl get pods; kubectl get svc", "';'"),
        ("kubectl get pods && kubectl get svc", "'&&'"),
        ("kubectl get pods || true", "'||'"),
        ("kubectl get pods &", "'&'"),
        ("kubectl get pods > out.txt", "output redirection"),
        ("kubectl get pods >> out.txt", "output redirection"),
        ("kubectl get pods 2> err.txt", "output redirection"),
        ("kubectl apply -f - < pod.yaml", "input redirection"),
        ("kubectl apply -f - <<< 'kind: Pod'", "here-strings"),
        ("kubectl get pods `echo -A`", "shell expansions"),
        ("kubectl get pods $(echo -A)", "shell expansions"),
        ("kubectl get pods -n $NS", "shell expansions"),
        ("kubectl get pods -n ${NS}", "shell expansions"),
        ("kubectl get pods -n \"$NS\"", "shell expansions"),
        ("kubectl get pods\nkubectl get svc", "one command"),
        (
            "kubectl apply -f - <<EOF\nkind: Pod\nEOF\nkubectl get pods",
            "one command",
        ),
    ] {
        let (msg, code) = refused(line);
        assert!(msg.starts_with("error: "), "{line}: {msg}");
        assert!(msg.contains(needle), "{line}: {msg}");
        assert_eq!(code, 1, "{line}");
    }
    // Quoted, the same characters are data.
    for line in [
        "kubectl get pods -l 'a;b'",
        "kubectl get pods -o 'jsonpath={$.items}'",
        "kubectl annotate pod x 'note=a && b > c'",
        "kubectl get pods -o jsonpath=\"{.items[?(@.status.phase=='Running')].metadata.name}\"",
        "kubectl get pods # a comment",
        "kubectl get \\\n  pods",
    ] {
        assert!(parse(line).is_ok(), "{line}: {:?}", parse(line));
    }
}

#[test]
fn interactive_and_host_commands() {
    for (line, command) in [
        ("kubectl exec -it payment-api-0 -- sh", "kubectl exec"),
        (
            "kubectl exec payment-api-0 -- cat /etc/hosts",
            "kubectl exec",
        ),
        ("kubectl edit deploy/web", "kubectl edit"),
        (
            "kubectl port-forward svc/web 8080:80",
            "kubectl port-forward",
        ),
        ("kubectl proxy", "kubectl proxy"),
        ("kubectl cp pod:/tmp/a ./a", "kubectl cp"),
        ("kubectl attach -it pod", "kubectl attach"),
        ("kubectl debug node/n1 -it --image=busybox", "kubectl debug"),
    ] {
        let (msg, code) = refused(line);
        assert!(
            msg.starts_with(&format!("error: \"{command}\" is not supported here: ")),
            "{line}: {msg}"
        );
        assert_eq!(code, 1);
    }
    for line in [
        "kubectl run debug --image=busybox -it -- sh",
        "kubectl run debug --image=busybox -i -t --rm",
        "kubectl run debug --image=busybox --attach",
    ] {
        let (msg, _) = refused(line);
        assert!(msg.contains("no terminal"), "{line}: {msg}");
    }
    // Asking for their help gets the same answer.
    let (msg, _) = refused("kubectl help exec");
    assert!(
        msg.starts_with("error: \"kubectl exec\" is not supported here: "),
        "{msg}"
    );
    let (msg, _) = refused("kubectl delete pod x -i");
    assert!(msg.contains("--interactive"), "{msg}");
    let (msg, _) = refused("kubectl cordon node-1");
    assert!(
        msg.starts_with("error: \"kubectl cordon\" is not supported in this environment."),
        "{msg}"
    );
}

#[test]
fn streaming_is_refused() {
    for line in [
        "kubectl get pods -w",
        "kubectl get pods --watch",
        "kubectl get pods -Aw",
        "kubectl get pods -wA -n x",
        "kubectl get pods --watch-only",
        "kubectl events -w",
    ] {
        let (msg, code) = refused(line);
        assert!(msg.contains("cannot stream"), "{line}: {msg}");
        assert_eq!(code, 1);
    }
}

#[test]
fn not_kubectl_at_all() {
    assert_eq!(
        refused("curl http://payment-api:8080/health"),
        (
            "error: unknown command \"curl\" for \"kubectl\"\n".to_string(),
            1
        )
    );
    let (msg, _) = refused("bash -c 'kubectl get pods'");
    assert!(msg.starts_with("error: unknown command \"bash\" for \"kubectl\""));
    let (msg, _) = refused("");
    assert!(msg.starts_with("error: no command given"), "{msg}");
    let (msg, _) = refused("   # only a comment");
    assert!(msg.starts_with("error: no command given"), "{msg}");
    let (msg, _) = refused("cat pod.yaml | kubectl apply -f -");
    assert!(msg.contains("here-document"), "{msg}");
    let long = format!("kubectl get pods {}", "a".repeat(MAX_COMMAND_LEN));
    let (msg, code) = refused(&long);
    assert!(msg.starts_with("error: the command is too long"), "{msg}");
    assert_eq!(code, 1);
}
