//! The kubectl grammar over arbitrary command lines: it answers or refuses, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|line: &str| {
    let _ = kubectl::grammar::parse(line);
});
