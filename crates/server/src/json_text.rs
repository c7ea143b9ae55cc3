//! JSON text for the observation envelope, written by hand because it is the reply to every
//! step: kilobytes of kubectl output that `serde_json` escapes one byte at a time. Runs of bytes
//! that need no escape are found eight at a time and copied whole. The output is byte for byte
//! what `serde_json` writes for the same values.

use gym::Observation;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is below `n` (exact for `n <= 128`).
const fn has_below(word: u64, n: u8) -> bool {
    word.wrapping_sub(ONES * n as u64) & !word & HIGHS != 0
}

const fn has_byte(word: u64, b: u8) -> bool {
    has_below(word ^ (ONES * b as u64), 1)
}

/// Whether any of eight bytes is a control character, `"` or `\`.
const fn needs_escape(chunk: [u8; 8]) -> bool {
    let word = u64::from_le_bytes(chunk);
    has_below(word, 0x20) || has_byte(word, b'"') || has_byte(word, b'\\')
}

/// Appends `s` as a JSON string literal, escaped as `serde_json` escapes it: `"`, `\` and the
/// control characters, short forms where JSON has them; everything else as it is.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    let (chunks, _) = bytes.as_chunks::<8>();
    for (k, chunk) in chunks.iter().enumerate() {
        if needs_escape(*chunk) {
            for i in k * 8..k * 8 + 8 {
                escape_at(out, bytes, i, &mut copied);
            }
        }
    }
    for i in chunks.len() * 8..bytes.len() {
        escape_at(out, bytes, i, &mut copied);
    }
    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

/// Writes `bytes[i]`'s escape, after the plain bytes before it, if it has one.
fn escape_at(out: &mut Vec<u8>, bytes: &[u8], i: usize, copied: &mut usize) {
    let b = bytes[i];
    let short: &[u8] = match b {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\r' => b"\\r",
        b'\t' => b"\\t",
        0x08 => b"\\b",
        0x0c => b"\\f",
        0..0x20 => b"",
        _ => return,
    };
    out.extend_from_slice(&bytes[*copied..i]);
    *copied = i + 1;
    if short.is_empty() {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        out.extend_from_slice(b"\\u00");
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    } else {
        out.extend_from_slice(short);
    }
}

/// `{"observation": {...}, "reward": r, "done": d, "metadata": {...}}`, the same text as
/// serialising [`crate::protocol::Envelope`] with `serde_json`. `prefix` and `suffix` wrap it
/// (a `/ws` frame's `{"type":"observation","data":` and `}`).
pub(crate) fn envelope(
    obs: &Observation,
    prefix: &str,
    suffix: &str,
) -> serde_json::Result<String> {
    let mut metadata = Vec::with_capacity(512);
    serde_json::to_writer(&mut metadata, &obs.metadata)?;
    let mut out = Vec::with_capacity(
        prefix.len()
            + obs.command_output.len()
            + obs.cluster_status_summary.len()
            + obs.hint.len()
            + 2 * metadata.len()
            + 256,
    );
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(br#"{"observation":{"command_output":"#);
    push_str(&mut out, &obs.command_output);
    out.extend_from_slice(br#","cluster_status_summary":"#);
    push_str(&mut out, &obs.cluster_status_summary);
    out.extend_from_slice(br#","active_alerts":["#);
    for (i, alert) in obs.active_alerts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_str(&mut out, alert);
    }
    out.extend_from_slice(br#"],"steps_taken":"#);
    serde_json::to_writer(&mut out, &obs.steps_taken)?;
    out.extend_from_slice(br#","max_steps":"#);
    serde_json::to_writer(&mut out, &obs.max_steps)?;
    out.extend_from_slice(br#","hint":"#);
    push_str(&mut out, &obs.hint);
    out.extend_from_slice(br#","metadata":"#);
    out.extend_from_slice(&metadata);
    out.extend_from_slice(br#"},"reward":"#);
    serde_json::to_writer(&mut out, &obs.reward)?;
    out.extend_from_slice(if obs.done {
        br#","done":true,"metadata":"#
    } else {
        br#","done":false,"metadata":"#
    });
    out.extend_from_slice(&metadata);
    out.push(b'}');
    out.extend_from_slice(suffix.as_bytes());
    // Every piece is UTF-8: the escapes are ASCII and the rest is copied from `str`s.
    String::from_utf8(out).map_err(serde::ser::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        push_str(&mut out, s);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn escapes_as_serde_json_does() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "plain",
            "exactly8",
            "NAME   READY\nweb-1  1/1\n",
            "quote \" and backslash \\ at odd offsets\u{7f}",
            "\u{0}\u{1}\u{1f}\u{8}\u{c}\r\t",
            "ünïcödé — 日本語 🚀 \"mixed\" \n",
            every_ascii.as_str(),
        ] {
            assert_eq!(
                escaped(s),
                serde_json::to_string(s).expect("serialises"),
                "{s:?}"
            );
        }
    }

    fn serde_frame(obs: &Observation) -> String {
        crate::protocol::frame("observation", crate::protocol::Envelope::of(obs))
    }

    #[test]
    fn envelopes_read_as_serde_json_writes_them() {
        let env = std::sync::Arc::new(gym::Environment::new(gym::EnvConfig::default()));
        let mut session = env.session();
        let mut observations = vec![session.reset(gym::ResetOptions::default()).expect("reset")];
        for command in [
            "kubectl get events -A",
            "kubectl nonsense \"quoted\"\t",
            "fix: x",
        ] {
            observations.push(session.step(command).expect("a step"));
        }
        let mut odd = observations[0].clone();
        odd.active_alerts = vec![];
        odd.reward = f64::NAN;
        odd.done = true;
        odd.hint = "\u{1}ü\\".into();
        observations.push(odd);
        for obs in &observations {
            let ours = crate::protocol::observation_frame(obs);
            assert_eq!(ours, serde_frame(obs));
            let plain = envelope(obs, "", "").expect("writes");
            assert_eq!(
                plain,
                serde_json::to_string(&crate::protocol::Envelope::of(obs)).expect("serialises")
            );
        }
    }

    proptest! {
        #[test]
        fn any_string_escapes_as_serde_json_does(s in any::<String>()) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).expect("serialises"));
        }

        #[test]
        fn mostly_ascii_escapes_as_serde_json_does(s in "[ -~\n\t\"\\\\\u{0}-\u{1f}é]{0,80}") {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).expect("serialises"));
        }
    }
}
