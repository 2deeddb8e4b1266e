//! cargo-fuzz target `cty_msgpack_decode`: a thin wrapper over `tpg::fuzzing::cty_msgpack_decode` (see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tpg::fuzzing::cty_msgpack_decode(data);
});
