//! Properties of the grammar: it never panics, shell quoting round-trips, and flag order and
//! spelling do not change what a command means.

use kubectl::grammar::{Invocation, parse};
use proptest::prelude::*;
use proptest::sample::select;

/// Words an agent might type, including the awkward ones, for the no-panic property.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "kubectl",
            "get",
            "pods",
            "po",
            "deploy,svc",
            "pod/x",
            "a/b/c",
            "-n",
            "-nx",
            "-n=x",
            "--namespace",
            "--namespace=",
            "-A",
            "-Aw",
            "-o",
            "-owide",
            "-o=json",
            "jsonpath={.a}",
            "-l",
            "app=web",
            "--",
            "-",
            "---",
            "--=",
            "-p",
            "-c",
            "logs",
            "patch",
            "set",
            "resources",
            "image",
            "env",
            "rollout",
            "restart",
            "status",
            "undo",
            "top",
            "node",
            "scale",
            "--replicas",
            "--replicas=3",
            "x=y",
            "k-",
            "delete",
            "--all",
            "label",
            "annotate",
            "create",
            "deployment",
            "--image=nginx",
            "apply",
            "-f",
            "help",
            "--help",
            "-h",
            "explain",
            "version",
            "auth",
            "can-i",
            "events",
            "--for",
            "exec",
            "-it",
            "run",
            "|",
            "| grep x",
            "| head -5",
            "| wc -l",
            "| sort -rn",
            "| tail -n +2",
            "<<EOF",
            "\nEOF",
            "'",
            "\"",
            "\\",
            "$",
            "$(",
            "`",
            ";",
            "&&",
            "&",
            ">",
            "<",
            "2>&1",
            "(",
            ")",
            "#",
            "\n",
            "\t",
            " ",
            "é",
            "\u{0}",
            "--v=x",
            "--vmodule=a=1",
            "-L",
            "'a\"b'",
        ])
        .prop_map(str::to_string),
        "[ -~]{0,12}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn never_panics_on_arbitrary_text(s in any::<String>()) {
        let _ = parse(&s);
        let _ = parse(&format!("kubectl {s}"));
    }

    #[test]
    fn never_panics_on_kubectl_like_input(tokens in prop::collection::vec(token(), 0..12)) {
        let line = tokens.join(" ");
        let _ = parse(&line);
        let _ = parse(&format!("kubectl {line}"));
        let _ = parse(&tokens.concat());
    }

    /// Any value survives shell quoting and comes back as the flag's value.
    #[test]
    fn quoted_values_round_trip(value in any::<String>().prop_filter("non-empty", |v| !v.is_empty())) {
        let line = format!("kubectl get pods -l {}", shell_words::quote(&value));
        let inv = parse(&line).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert_eq!(inv.flags.selector.as_deref(), Some(value.as_str()));
    }
}

/// The spellings kubectl accepts for one flag of `kubectl get` with one value.
type Spellings = Vec<Vec<String>>;

fn valued(long: &str, short: Option<char>, value: &str) -> Spellings {
    let mut forms = vec![
        vec![format!("--{long}"), value.to_string()],
        vec![format!("--{long}={value}")],
    ];
    if let Some(c) = short {
        forms.push(vec![format!("-{c}"), value.to_string()]);
        forms.push(vec![format!("-{c}{value}")]);
        forms.push(vec![format!("-{c}={value}")]);
    }
    forms
}

fn boolean(long: &str, short: Option<char>) -> Spellings {
    let mut forms = vec![
        vec![format!("--{long}")],
        vec![format!("--{long}=true")],
        vec![format!("--{long}=1")],
        // kubectl normalises `_` to `-` in flag names.
        vec![format!("--{}", long.replace('-', "_"))],
    ];
    if let Some(c) = short {
        forms.push(vec![format!("-{c}")]);
        forms.push(vec![format!("-{c}=true")]);
    }
    forms
}

/// A subset of `get`'s flags, each with all its spellings.
fn get_flags() -> impl Strategy<Value = Vec<Spellings>> {
    (
        "[a-z][a-z0-9-]{0,10}",
        select(vec![
            "wide",
            "yaml",
            "json",
            "name",
            "jsonpath={.items[*].metadata.name}",
        ]),
        select(vec!["app=web", "tier!=db", "app in (a,b)", "env notin (x)"]),
        select(vec![".metadata.name", "{.status.phase}"]),
        prop::collection::vec(any::<bool>(), 9),
    )
        .prop_map(|(ns, o, l, sort, keep)| {
            let all = vec![
                valued("namespace", Some('n'), &ns),
                valued("output", Some('o'), o),
                valued("selector", Some('l'), l),
                valued("sort-by", None, sort),
                valued("label-columns", Some('L'), "app,tier"),
                boolean("no-headers", None),
                boolean("show-kind", None),
                boolean("ignore-not-found", None),
                boolean("all-namespaces", Some('A')),
            ];
            all.into_iter()
                .zip(keep)
                .filter_map(|(f, k)| k.then_some(f))
                .collect()
        })
}

/// One spelling per flag, in the order given by `perm`.
fn spell(flags: &[Spellings], picks: &[prop::sample::Index], perm: &[usize]) -> Vec<Vec<String>> {
    perm.iter()
        .filter(|&&i| i < flags.len())
        .map(|&i| picks[i].get(&flags[i]).clone())
        .collect()
}

/// Positional words: a resource type and names (never starting with '-').
fn positionals() -> impl Strategy<Value = Vec<String>> {
    (
        select(vec!["pods", "po", "deploy", "deploy,svc", "pods.v1."]),
        prop::collection::vec("[a-z][a-z0-9.-]{0,12}", 0..3),
    )
        .prop_map(|(ty, names)| {
            let mut v = vec![ty.to_string()];
            v.extend(names);
            v
        })
}

/// Interleaves flags among positional words (which keep their order).
fn command_words(flags: &[Vec<String>], pos: &[String], slots: &[usize]) -> Vec<String> {
    let mut words = vec!["get".to_string()];
    let mut positional = pos.iter();
    let mut slots = slots.iter();
    for f in flags {
        for _ in 0..*slots.next().unwrap_or(&0) {
            if let Some(p) = positional.next() {
                words.push(p.clone());
            }
        }
        words.extend(f.iter().cloned());
    }
    words.extend(positional.cloned());
    words
}

/// What a command means, without the record of how its flags were spelled and ordered.
fn meaning(mut inv: Invocation) -> Invocation {
    inv.flags.given.clear();
    inv
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Shuffled, respelled, interleaved with the arguments and shell-quoted, a command keeps
    /// its meaning.
    #[test]
    fn flag_order_and_spelling_do_not_matter(
        flags in get_flags(),
        pos in positionals(),
        picks_a in prop::collection::vec(any::<prop::sample::Index>(), 9),
        picks_b in prop::collection::vec(any::<prop::sample::Index>(), 9),
        perm_a in Just((0..9).collect::<Vec<usize>>()).prop_shuffle(),
        perm_b in Just((0..9).collect::<Vec<usize>>()).prop_shuffle(),
        slots in prop::collection::vec(0usize..3, 9),
        namespace_first in any::<bool>(),
    ) {
        // kubectl refuses names together with a selector; keep only the type then.
        let selector = flags.iter().any(|f| f[0][0] == "--selector");
        let pos = if selector { pos[..1].to_vec() } else { pos };

        let a = spell(&flags, &picks_a, &perm_a);
        let line_a = format!("kubectl {}", shell_words::join(command_words(&a, &pos, &slots)));
        let got_a = parse(&line_a).map_err(|e| TestCaseError::fail(format!("{line_a}: {}", e.message)))?;

        // The same flags spelled and ordered otherwise, after the arguments; the namespace
        // possibly before the verb, where kubectl accepts it too.
        let mut b = spell(&flags, &picks_b, &perm_b);
        let mut prefix: Vec<String> = Vec::new();
        if namespace_first
            && let Some(i) = b.iter().position(|f| f[0].starts_with("-n") || f[0].starts_with("--namespace"))
        {
            prefix = b.remove(i);
        }
        let mut words_b = prefix;
        words_b.push("get".to_string());
        words_b.extend(pos.iter().cloned());
        for f in &b {
            words_b.extend(f.iter().cloned());
        }
        let line_b = format!("kubectl {}", shell_words::join(&words_b));
        let got_b = parse(&line_b).map_err(|e| TestCaseError::fail(format!("{line_b}: {}", e.message)))?;

        prop_assert_eq!(meaning(got_a), meaning(got_b), "{} vs {}", line_a, line_b);
    }
}

#[test]
fn spellings_agree() {
    // The respelling property above samples spellings; these are the ones kubectl documents.
    let reference = meaning(parse("kubectl get pods --namespace payments --output wide").unwrap());
    for line in [
        "kubectl get pods -n payments -o wide",
        "kubectl get pods -npayments -owide",
        "kubectl get pods -n=payments -o=wide",
        "kubectl -n payments get -o wide pods",
        "kubectl get --namespace=payments --output=wide pods",
        "kubectl get 'pods' \"-n\" payments -o\\ wide",
    ] {
        let got = parse(line).map(meaning);
        if line.ends_with("-o\\ wide") {
            // `-o\ wide` is one word: the output format " wide", not "wide".
            assert!(got.is_ok());
            continue;
        }
        assert_eq!(got.unwrap(), reference, "{line}");
    }
}
