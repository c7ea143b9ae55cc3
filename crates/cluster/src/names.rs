//! Object names the way the API server and controllers make them, and name validation with the
//! API server's messages.

/// The alphabet of `generateName` suffixes and `pod-template-hash` values: no vowels (no words)
/// and no easily confused characters.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A random suffix as `generateName` appends: five characters of the safe alphabet.
pub fn random_suffix(next_u64: &mut impl FnMut() -> u64) -> String {
    (0..5)
        .map(|_| SAFE_ALPHABET[(next_u64() % SAFE_ALPHABET.len() as u64) as usize] as char)
        .collect()
}

/// Encodes each character of `s` into the safe alphabet, like the controller library's
/// `SafeEncodeString`, which turns a template hash into the `pod-template-hash` label.
pub fn safe_encode(s: &str) -> String {
    s.bytes()
        .map(|b| SAFE_ALPHABET[b as usize % SAFE_ALPHABET.len()] as char)
        .collect()
}

/// 32-bit FNV-1a, the hash the deployment and statefulset controllers use for templates.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for &b in bytes {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// 64 hex digits derived from `seed`: stable, simulated stand-ins for sha256 digests and
/// container IDs.
pub fn hex_digest(seed: &str) -> String {
    // Every container start and image pull takes one: written without formatting machinery.
    let mut out = String::with_capacity(64);
    let mut h = fnv32a(seed.as_bytes());
    let mut block = [0u8; 8];
    for i in 0u32..8 {
        block[..4].copy_from_slice(&h.to_le_bytes());
        block[4..].copy_from_slice(&i.to_le_bytes());
        h = fnv32a(&block);
        push_hex_digits(&mut out, h.into(), 8);
    }
    out
}

/// Appends the low `digits` hexadecimal digits of `n`, lower case, zero-padded.
fn push_hex_digits(out: &mut String, n: u128, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((n >> (i * 4)) & 0xf) as usize]));
    }
}

/// Appends `n` in lower-case hexadecimal without leading zeros, as `{n:x}` writes it.
pub fn push_hex(out: &mut String, n: u128) {
    push_hex_digits(out, n, (128 - n.leading_zeros()).div_ceil(4).max(1));
}

/// A version 4 UUID (RFC 4122 variant) from 16 random bytes, as Kubernetes writes object uids.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // Every object created takes one: written without formatting machinery.
    let mut out = String::with_capacity(36);
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        push_hex_digits(&mut out, b.into(), 2);
    }
    out
}

/// The `pod-template-hash` of a serialised pod template.
pub fn template_hash(template_json: &[u8], collision_count: i32) -> String {
    let mut bytes = template_json.to_vec();
    if collision_count > 0 {
        bytes.extend_from_slice(&collision_count.to_le_bytes());
    }
    safe_encode(&fnv32a(&bytes).to_string())
}

const DNS1123_LABEL_MAX: usize = 63;
const DNS1123_SUBDOMAIN_MAX: usize = 253;

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= DNS1123_LABEL_MAX
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Validates a DNS-1123 subdomain (most object names), returning the API server's messages.
pub fn validate_subdomain(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    if !name.split('.').all(is_label_chars) {
        errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string());
    }
    errs
}

fn is_label_chars(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Validates a DNS-1123 label (namespaces, services, container names).
pub fn validate_label(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    if !is_label_chars(name) {
        errs.push("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".to_string());
    }
    errs
}

/// Validates a DNS-1035 label (Service names must start with a letter).
pub fn validate_dns1035(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > DNS1123_LABEL_MAX {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    if !is_label(name) || !name.as_bytes()[0].is_ascii_lowercase() {
        errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string());
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_stable() {
        // Digests appear in image IDs and container IDs: a change would change every output.
        let formatted = |seed: &str| {
            let mut out = String::new();
            let mut h = fnv32a(seed.as_bytes());
            for i in 0u32..8 {
                h = fnv32a(&[h.to_le_bytes(), i.to_le_bytes()].concat());
                out.push_str(&format!("{h:08x}"));
            }
            out
        };
        for seed in ["", "nginx:1.25", "uid/app/3/120000", "ünï"] {
            let d = hex_digest(seed);
            assert_eq!(d.len(), 64);
            assert_eq!(d, formatted(seed), "{seed}");
        }
    }

    #[test]
    fn uuids_are_version_4_and_match_the_formatted_layout() {
        let formatted = |b: [u8; 16]| {
            format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                u16::from_be_bytes([b[4], b[5]]),
                u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
                (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
                u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]]),
            )
        };
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..64 {
            let mut bytes = [0u8; 16];
            for b in &mut bytes {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *b = (state >> 56) as u8;
            }
            assert_eq!(uuid_v4(bytes), formatted(bytes));
        }
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn hex_is_written_as_the_formatter_writes_it() {
        for n in [
            0u128,
            1,
            15,
            16,
            255,
            0x1234_5678_9abc,
            u128::from(u64::MAX),
            u128::MAX,
        ] {
            let mut out = String::from("x.");
            push_hex(&mut out, n);
            assert_eq!(out, format!("x.{n:x}"));
        }
    }

    #[test]
    fn suffixes_and_hashes_use_the_safe_alphabet() {
        let mut n = 0u64;
        let mut next = || {
            n = n
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            n >> 11
        };
        let s = random_suffix(&mut next);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|b| SAFE_ALPHABET.contains(&b)));
        let h = template_hash(br#"{"spec":{}}"#, 0);
        assert!(
            h.len() >= 8 && h.bytes().all(|b| SAFE_ALPHABET.contains(&b)),
            "{h}"
        );
        assert_ne!(
            h,
            template_hash(br#"{"spec":{}}"#, 1),
            "collision count changes the hash"
        );
    }

    #[test]
    fn fnv_matches_reference_vectors() {
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
        assert_eq!(fnv32a(b"foobar"), 0xbf9cf968);
    }

    #[test]
    fn validates_names() {
        assert!(validate_subdomain("payment-api").is_empty());
        assert!(validate_subdomain("a.b-c").is_empty());
        assert_eq!(validate_subdomain("Payment_API").len(), 1);
        assert_eq!(validate_subdomain("-x").len(), 1);
        assert!(validate_label("payments").is_empty());
        assert_eq!(validate_label("a.b").len(), 1);
        assert_eq!(validate_label(&"a".repeat(64)).len(), 1);
        assert!(validate_dns1035("web").is_empty());
        assert_eq!(validate_dns1035("9web").len(), 1);
    }
}
