//! cargo-fuzz target `tfplugin5_dynamic_value`: a thin wrapper over `tpg::fuzzing::tfplugin5_dynamic_value` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::tfplugin5_dynamic_value(data);
});
