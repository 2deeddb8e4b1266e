//! cargo-fuzz target `provider_private_state`: a thin wrapper over `tpg::fuzzing::provider_private_state` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::provider_private_state(data);
});
