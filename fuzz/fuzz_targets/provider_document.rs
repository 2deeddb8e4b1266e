//! cargo-fuzz target `provider_document`: a thin wrapper over `tpg::fuzzing::provider_document` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::provider_document(data);
});
