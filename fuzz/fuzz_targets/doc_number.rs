//! `cargo fuzz run doc_number -s none`: see `fuzz/README.md` and `gongkai_fuzz_checks::doc_number`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gongkai_fuzz_checks::doc_number(data));
