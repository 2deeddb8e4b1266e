//! cargo-fuzz target `genesys_token`: a thin wrapper over `tpg::fuzzing::genesys_token` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::genesys_token(data);
});
