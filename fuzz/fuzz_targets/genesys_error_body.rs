//! cargo-fuzz target `genesys_error_body`: a thin wrapper over `tpg::fuzzing::genesys_error_body` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::genesys_error_body(data);
});
