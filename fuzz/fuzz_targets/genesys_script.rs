//! cargo-fuzz target `genesys_script`: a thin wrapper over `tpg::fuzzing::genesys_script` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::genesys_script(data);
});
