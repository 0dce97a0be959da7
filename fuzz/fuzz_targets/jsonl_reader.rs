//! `cargo fuzz run jsonl_reader -s none`: see `fuzz/README.md` and `gongkai_fuzz_checks::jsonl_reader`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gongkai_fuzz_checks::jsonl_reader(data));
