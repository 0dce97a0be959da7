//! `cargo fuzz run query_parser -s none`: see `fuzz/README.md` and `gongkai_fuzz_checks::query_parser`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gongkai_fuzz_checks::query_parser(data));
