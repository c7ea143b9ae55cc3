//! The shell layer: the command string an agent types is a line of POSIX shell, so quoting,
//! pipes, here-documents and the metacharacters we refuse are decided here, before kubectl's own
//! parser sees the words. Nothing is ever executed; words are only split.

use super::ParseError;

/// Where the kubectl command's standard error goes (`2>&1`, `2>/dev/null`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StderrRedirect {
    /// Not redirected: errors bypass the pipeline.
    #[default]
    Inherit,
    /// `2>&1`: errors flow into the pipeline with the output.
    ToStdout,
    /// `2>/dev/null`: errors are dropped.
    Discard,
}

/// A command line split into pipeline segments of words.
#[derive(Debug, Default)]
pub struct Lexed {
    pub segments: Vec<Vec<String>>,
    /// The body of a `<<DELIM` here-document attached to the first segment.
    pub heredoc: Option<String>,
    pub stderr: StderrRedirect,
}

fn refuse(msg: impl Into<String>) -> ParseError {
    ParseError::new(format!("error: {}", msg.into()), 1)
}

struct Lexer<'a> {
    src: &'a str,
    chars: Vec<char>,
    i: usize,
    line: usize,
    segments: Vec<Vec<String>>,
    cur: Option<String>,
    /// The current word so far was typed without quotes (used to recognise `2>`).
    cur_plain: bool,
    pending: Vec<Heredoc>,
    heredoc: Option<String>,
    stderr: StderrRedirect,
}

struct Heredoc {
    delim: String,
    strip_tabs: bool,
    quoted: bool,
}

const EXPANSIONS: &str = "error: shell expansions ($VAR, $(...), `...`) are not supported: \
                          type the literal values";

impl<'a> Lexer<'a> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn word(&mut self) -> &mut String {
        self.cur.get_or_insert_with(String::new)
    }

    fn finish_word(&mut self) {
        if let Some(w) = self.cur.take() {
            self.segments.last_mut().expect("one segment").push(w);
        }
        self.cur_plain = true;
    }

    fn line_text(&self) -> &str {
        self.src.lines().nth(self.line - 1).unwrap_or("")
    }

    /// bash's message for a token it cannot parse, as `bash -c` prints it.
    fn unexpected(&self, token: &str) -> ParseError {
        let n = self.line;
        ParseError::new(
            format!(
                "bash: -c: line {n}: syntax error near unexpected token `{token}'\n\
                 bash: -c: line {n}: `{}'",
                self.line_text()
            ),
            2,
        )
    }

    fn unexpected_eof(&self, quote: char) -> ParseError {
        ParseError::new(
            format!(
                "bash: -c: line {}: unexpected EOF while looking for matching `{quote}'",
                self.line
            ),
            2,
        )
    }

    /// `$` starts an expansion unless what follows cannot name one (then bash keeps it);
    /// `$'...'` and `$"..."` are quoting forms outside double quotes only.
    fn dollar_expands(&self, in_double_quotes: bool) -> bool {
        matches!(self.peek(1), Some(c) if c.is_ascii_alphanumeric()
            || matches!(c, '_' | '{' | '(' | '?' | '$' | '!' | '#' | '*' | '@' | '-')
            || (!in_double_quotes && matches!(c, '\'' | '"')))
    }

    fn run(mut self) -> Result<Lexed, ParseError> {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' => {
                    self.finish_word();
                    self.i += 1;
                }
                '\n' => {
                    self.finish_word();
                    self.i += 1;
                    self.line += 1;
                    if !self.pending.is_empty() {
                        self.read_heredocs()?;
                        self.ensure_no_more_commands()?;
                        break;
                    }
                    // A line ending in `|` continues on the next line, as in bash.
                    let after_pipe =
                        self.segments.len() > 1 && self.segments.last().is_some_and(Vec::is_empty);
                    if !after_pipe {
                        self.ensure_no_more_commands()?;
                        break;
                    }
                }
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => {
                            self.line += 1;
                        }
                        Some(n) => {
                            self.word().push(n);
                            self.cur_plain = false;
                        }
                        None => self.word().push('\\'),
                    }
                    self.i += 2;
                }
                '\'' => {
                    self.i += 1;
                    let w = self.cur.get_or_insert_with(String::new);
                    loop {
                        match self.chars.get(self.i) {
                            None => return Err(self.unexpected_eof('\'')),
                            Some('\'') => break,
                            Some(&ch) => {
                                if ch == '\n' {
                                    self.line += 1;
                                }
                                w.push(ch);
                            }
                        }
                        self.i += 1;
                    }
                    self.cur_plain = false;
                    self.i += 1;
                }
                '"' => {
                    self.i += 1;
                    self.word();
                    self.cur_plain = false;
                    loop {
                        let Some(ch) = self.peek(0) else {
                            return Err(self.unexpected_eof('"'));
                        };
                        match ch {
                            '"' => break,
                            '\\' => match self.peek(1) {
                                Some('\n') => {
                                    self.line += 1;
                                    self.i += 1;
                                }
                                Some(n @ ('$' | '`' | '"' | '\\')) => {
                                    self.word().push(n);
                                    self.i += 1;
                                }
                                _ => self.word().push('\\'),
                            },
                            '`' => return Err(ParseError::new(EXPANSIONS, 1)),
                            '$' if self.dollar_expands(true) => {
                                return Err(ParseError::new(EXPANSIONS, 1));
                            }
                            _ => {
                                if ch == '\n' {
                                    self.line += 1;
                                }
                                self.word().push(ch);
                            }
                        }
                        self.i += 1;
                    }
                    self.i += 1;
                }
                '|' => {
                    if self.peek(1) == Some('|') {
                        return Err(refuse(
                            "'||' is not supported: run one kubectl command at a time",
                        ));
                    }
                    self.finish_word();
                    if self.peek(1) == Some('&') {
                        // `|&` pipes standard error too.
                        self.set_stderr(StderrRedirect::ToStdout);
                        self.i += 1;
                    }
                    if self.segments.last().is_some_and(Vec::is_empty) {
                        return Err(self.unexpected("|"));
                    }
                    self.segments.push(Vec::new());
                    self.i += 1;
                }
                '&' => {
                    if self.peek(1) == Some('&') {
                        return Err(refuse(
                            "'&&' is not supported: run one kubectl command at a time",
                        ));
                    }
                    return Err(refuse(
                        "'&' (background jobs) is not supported: run one kubectl command at a time",
                    ));
                }
                ';' => {
                    return Err(refuse(
                        "';' is not supported: run one kubectl command at a time",
                    ));
                }
                '>' => self.redirect_out()?,
                '<' => {
                    if self.peek(1) == Some('<') {
                        if self.peek(2) == Some('<') {
                            return Err(refuse(
                                "here-strings ('<<<') are not supported: use 'kubectl apply -f - <<EOF' with the manifest on the following lines",
                            ));
                        }
                        self.finish_word();
                        self.i += 2;
                        self.heredoc_operator()?;
                    } else {
                        return Err(refuse(
                            "input redirection ('<') is not supported: there are no files here; use 'kubectl apply -f - <<EOF' with the manifest on the following lines",
                        ));
                    }
                }
                '`' => return Err(ParseError::new(EXPANSIONS, 1)),
                '$' if self.dollar_expands(false) => return Err(ParseError::new(EXPANSIONS, 1)),
                '(' | ')' => return Err(self.unexpected(&c.to_string())),
                '#' if self.cur.is_none() => {
                    // A comment runs to the end of the line.
                    while let Some(ch) = self.peek(0) {
                        if ch == '\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                _ => {
                    self.word().push(c);
                    self.i += 1;
                }
            }
        }
        self.finish_word();
        if !self.pending.is_empty() {
            // `<<EOF` with nothing after it: bash warns and feeds an empty document.
            self.heredoc = Some(String::new());
            self.pending.clear();
        }
        if self.segments.len() > 1 && self.segments.last().is_some_and(Vec::is_empty) {
            return Err(ParseError::new(
                format!(
                    "bash: -c: line {}: syntax error: unexpected end of file",
                    self.src.lines().count().max(1) + 1
                ),
                2,
            ));
        }
        Ok(Lexed {
            segments: self.segments,
            heredoc: self.heredoc,
            stderr: self.stderr,
        })
    }

    /// After a command line ends, anything but blank lines and comments is a second command.
    fn ensure_no_more_commands(&mut self) -> Result<(), ParseError> {
        let rest: String = self.chars[self.i..].iter().collect();
        let more = rest.lines().any(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with('#')
        });
        if more {
            return Err(refuse(
                "only one command can run at a time: the input has more than one line \
                 (a here-document is the only multi-line form supported)",
            ));
        }
        self.i = self.chars.len();
        Ok(())
    }

    fn redirect_out(&mut self) -> Result<(), ParseError> {
        // `2>&1` and `2>/dev/null` only change where kubectl's errors go; anything that would
        // write a file is refused.
        let fd2 = self.cur_plain && self.cur.as_deref() == Some("2");
        if !fd2 {
            return Err(refuse(
                "output redirection ('>') is not supported: there is no filesystem here; \
                 read the output directly or filter it with '| grep'",
            ));
        }
        self.cur = None;
        self.i += 1;
        if self.peek(0) == Some('&') {
            self.i += 1;
            let mut target = String::new();
            while let Some(c) = self.peek(0).filter(|c| c.is_ascii_digit()) {
                target.push(c);
                self.i += 1;
            }
            if target == "1" && self.peek(0).is_none_or(|c| " \t\n|".contains(c)) {
                self.set_stderr(StderrRedirect::ToStdout);
                return Ok(());
            }
        } else {
            while matches!(self.peek(0), Some(' ' | '\t')) {
                self.i += 1;
            }
            let mut target = String::new();
            while let Some(c) = self.peek(0).filter(|c| !" \t\n|;&<>".contains(*c)) {
                target.push(c);
                self.i += 1;
            }
            if target == "/dev/null" {
                self.set_stderr(StderrRedirect::Discard);
                return Ok(());
            }
        }
        Err(refuse(
            "output redirection ('>') is not supported: only '2>&1' and '2>/dev/null' are accepted",
        ))
    }

    fn set_stderr(&mut self, r: StderrRedirect) {
        // Only the kubectl command's errors matter; filters never print errors of their own.
        if self.segments.len() == 1 {
            self.stderr = r;
        }
    }

    fn heredoc_operator(&mut self) -> Result<(), ParseError> {
        if self.segments.len() > 1 {
            return Err(refuse(
                "a here-document can only feed the kubectl command, not a filter after '|'",
            ));
        }
        if !self.pending.is_empty() || self.heredoc.is_some() {
            return Err(refuse("only one here-document is supported"));
        }
        let strip_tabs = if self.peek(0) == Some('-') {
            self.i += 1;
            true
        } else {
            false
        };
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.i += 1;
        }
        let mut delim = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\n' | '|' | ';' | '&' | '<' | '>' | '(' | ')' => break,
                '\'' | '"' => {
                    quoted = true;
                    self.i += 1;
                    loop {
                        match self.peek(0) {
                            None => return Err(self.unexpected_eof(c)),
                            Some(q) if q == c => break,
                            Some(q) => delim.push(q),
                        }
                        self.i += 1;
                    }
                    self.i += 1;
                }
                '\\' => {
                    quoted = true;
                    if let Some(n) = self.peek(1) {
                        delim.push(n);
                    }
                    self.i += 2;
                }
                _ => {
                    delim.push(c);
                    self.i += 1;
                }
            }
        }
        if delim.is_empty() {
            let tok = match self.peek(0) {
                None | Some('\n') => "newline".to_string(),
                Some(c) => c.to_string(),
            };
            return Err(self.unexpected(&tok));
        }
        self.pending.push(Heredoc {
            delim,
            strip_tabs,
            quoted,
        });
        Ok(())
    }

    /// Reads the here-document bodies that start on the line after their operator.
    fn read_heredocs(&mut self) -> Result<(), ParseError> {
        let pending = std::mem::take(&mut self.pending);
        for doc in pending {
            let mut body = String::new();
            loop {
                if self.i >= self.chars.len() {
                    // bash warns "here-document delimited by end-of-file" and uses what it has.
                    break;
                }
                let start = self.i;
                while self.i < self.chars.len() && self.chars[self.i] != '\n' {
                    self.i += 1;
                }
                let mut line: String = self.chars[start..self.i].iter().collect();
                if self.i < self.chars.len() {
                    self.i += 1;
                }
                self.line += 1;
                if doc.strip_tabs {
                    line = line.trim_start_matches('\t').to_string();
                }
                if line == doc.delim {
                    break;
                }
                body.push_str(&line);
                body.push('\n');
            }
            if !doc.quoted {
                body = expand_heredoc(&body)?;
            }
            self.heredoc = Some(body);
        }
        Ok(())
    }
}

/// An unquoted here-document undergoes expansion; we keep it literal but refuse what would
/// expand, and apply the backslash escapes bash applies there.
fn expand_heredoc(body: &str) -> Result<String, ParseError> {
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => match chars.get(i + 1) {
                Some('\n') => i += 1,
                Some(&n @ ('$' | '`' | '\\')) => {
                    out.push(n);
                    i += 1;
                }
                _ => out.push('\\'),
            },
            '`' => return Err(ParseError::new(EXPANSIONS, 1)),
            '$' if matches!(chars.get(i + 1), Some(n) if n.is_ascii_alphanumeric()
                || matches!(n, '_' | '{' | '(' | '?' | '$' | '!' | '#' | '*' | '@' | '-')) =>
            {
                return Err(ParseError::new(
                    "error: shell expansions ($VAR, $(...), `...`) are not supported: \
                     quote the here-document delimiter (<<'EOF') to keep '$' literally",
                    1,
                ));
            }
            _ => out.push(c),
        }
        i += 1;
    }
    Ok(out)
}

/// Splits a command line into pipeline segments of words, shell style.
pub fn lex(src: &str) -> Result<Lexed, ParseError> {
    Lexer {
        src,
        chars: src.chars().collect(),
        i: 0,
        line: 1,
        segments: vec![Vec::new()],
        cur: None,
        cur_plain: true,
        pending: Vec::new(),
        heredoc: None,
        stderr: StderrRedirect::Inherit,
    }
    .run()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Vec<String>> {
        lex(s).unwrap().segments
    }

    #[test]
    fn splits_quotes_and_pipes() {
        assert_eq!(
            words(r#"get pods -o 'jsonpath={.a|b}' | grep "x y""#),
            vec![
                vec!["get", "pods", "-o", "jsonpath={.a|b}"],
                vec!["grep", "x y"]
            ]
        );
        assert_eq!(
            words(r#"a\ b "c\"d" '' e"#),
            vec![vec!["a b", "c\"d", "", "e"]]
        );
        assert_eq!(words("a \\\n b"), vec![vec!["a", "b"]]);
        assert_eq!(words("a |\n b"), vec![vec!["a"], vec!["b"]]);
        assert_eq!(words("a # comment"), vec![vec!["a"]]);
        assert_eq!(words("a#b"), vec![vec!["a#b"]]);
        assert_eq!(words("echo $ x"), vec![vec!["echo", "$", "x"]]);
    }

    #[test]
    fn heredoc_body() {
        let l = lex("apply -f - <<EOF\na: 1\nb: 2\nEOF\n").unwrap();
        assert_eq!(l.segments, vec![vec!["apply", "-f", "-"]]);
        assert_eq!(l.heredoc.as_deref(), Some("a: 1\nb: 2\n"));
        let l = lex("apply -f - <<-'EOF'\n\ta: $x\n\tEOF").unwrap();
        assert_eq!(l.heredoc.as_deref(), Some("a: $x\n"));
        assert!(lex("apply -f - <<EOF\na: $x\nEOF").is_err());
        assert!(lex("apply -f - <<EOF\na: 1\nEOF\nget pods").is_err());
    }

    #[test]
    fn refusals() {
        for bad in [
            "a; b", "a && b", "a || b", "a > f", "a < f", "a `b`", "a $(b)", "a $HOME", "a &",
            "a\nb", "a <<< x",
        ] {
            assert!(lex(bad).is_err(), "{bad}");
        }
        assert_eq!(lex("a 2>&1").unwrap().stderr, StderrRedirect::ToStdout);
        assert_eq!(
            lex("a 2>/dev/null").unwrap().stderr,
            StderrRedirect::Discard
        );
        assert_eq!(
            lex("a | | b").unwrap_err().message,
            "bash: -c: line 1: syntax error near unexpected token `|'\nbash: -c: line 1: `a | | b'\n"
        );
    }
}
