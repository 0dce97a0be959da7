//! `cargo fuzz run html_extract -s none`: see `fuzz/README.md` and `gongkai_fuzz_checks::html_extract`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gongkai_fuzz_checks::html_extract(data));
