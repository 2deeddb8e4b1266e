//! The short fuzz run CI can afford on stable: every `tpg::fuzzing` target (the functions the
//! cargo-fuzz targets in `fuzz/` wrap) over its committed seed corpus in `fuzz/corpus/<target>/`
//! and over a few thousand deterministic pseudo-random mutations of it. Any panic fails the
//! test and prints the input in hex, ready to be added to the corpus as a regression seed.
//!
//! Needs the `fuzzing` cargo feature (`required-features` in Cargo.toml; scripts/test.sh
//! enables it). `FUZZ_WRITE_CORPUS=1 cargo test --features fuzzing --test fuzz_short_run --
//! --ignored write_seed_corpus` regenerates the generated part of the seed corpus.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use prost::Message;
use tpg::cty::{json, msgpack, type_json, Number, Type, Value};
use tpg::framework::{Attr, CtyField};
use tpg::fuzzing;
use tpg::provider::script_template::model::{ScriptTemplate, Timeouts};

/// Mutated inputs per target (`FUZZ_ITERATIONS` overrides it for a longer local hunt).
const MUTATIONS: usize = 5000;
/// Time budget per target (the run stops early when spent; `FUZZ_ITERATIONS` lifts it).
const BUDGET: Duration = Duration::from_millis(1000);

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn load_corpus(target: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(target))
        .unwrap_or_else(|e| panic!("corpus of {target}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Bytes that mean something to the decoders: msgpack markers (nil, bools, ext / unknown,
/// str/bin/array/map headers with large lengths), JSON punctuation, UTF-8 lead bytes.
const INTERESTING: &[u8] = &[
    0x00, 0xc0, 0xc2, 0xc3, 0xd4, 0xc7, 0xd9, 0xda, 0xdb, 0xc4, 0xdc, 0xdd, 0xde, 0xdf, 0x90, 0x91,
    0x9f, 0x80, 0x81, 0x8f, 0xa0, 0xbf, 0xcb, 0xcf, 0xd3, 0xff, b'{', b'}', b'[', b']', b'"',
    b'\\', b':', b',', b'-', b'e', b'9', b'.', 0xe2, 0xf0, 0x7f,
];

/// Tokens inserted whole (a small dictionary, as libFuzzer's `-dict`): extreme numbers,
/// JSON keywords, type names, units.
const DICTIONARY: &[&str] = &[
    "18446744073709551615",
    "9223372036854775808",
    "-9223372036854775809",
    "4294967296",
    "1e999",
    "-0",
    "0.5e-400",
    "null",
    "true",
    "\"\"",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "[]",
    "{}",
    "\"dynamic\"",
    "[\"list\",\"string\"]",
    "[\"object\",{}]",
    "[\"tuple\",[]]",
    "{{",
    "}}",
    "s",
    "h",
    "ms",
];

/// One mutation of `seed` (or of a splice of two seeds).
fn mutate(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut d = corpus[rng.below(corpus.len())].clone();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        match rng.below(9) {
            0 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] ^= 1 << rng.below(8);
            }
            1 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = rng.byte();
            }
            2 => {
                let i = rng.below(d.len() + 1);
                d.insert(i, INTERESTING[rng.below(INTERESTING.len())]);
            }
            3 if !d.is_empty() => {
                let i = rng.below(d.len());
                let n = 1 + rng.below((d.len() - i).min(8));
                d.drain(i..i + n);
            }
            4 => d.truncate(rng.below(d.len() + 1)),
            5 if !d.is_empty() => {
                // Duplicate a slice (grows nesting and repeated structure).
                let i = rng.below(d.len());
                let n = 1 + rng.below((d.len() - i).min(32));
                let chunk: Vec<u8> = d[i..i + n].to_vec();
                let at = rng.below(d.len() + 1);
                d.splice(at..at, chunk);
            }
            6 => {
                // Splice with another seed.
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(d.len() + 1);
                let from = rng.below(other.len() + 1);
                d.truncate(cut);
                d.extend_from_slice(&other[from..]);
            }
            7 if rng.below(2) == 0 => {
                let word = DICTIONARY[rng.below(DICTIONARY.len())].as_bytes();
                let at = rng.below(d.len() + 1);
                d.splice(at..at, word.iter().copied());
            }
            7 if !d.is_empty() => {
                let i = rng.below(d.len());
                d[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            _ => {
                // Random bytes.
                let n = rng.below(16);
                let at = rng.below(d.len() + 1);
                let fresh: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
                d.splice(at..at, fresh);
            }
        }
    }
    d
}

fn run_one(target: &str, input: &[u8]) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        assert!(fuzzing::run(target, input), "unknown target {target}");
    }));
    if result.is_err() {
        panic!("target {target} panicked on input (hex) {}", hex_of(input));
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let started = Instant::now();
    let mut report = Vec::new();
    for (k, target) in fuzzing::TARGETS.iter().enumerate() {
        let corpus = load_corpus(target);
        assert!(corpus.len() >= 3, "{target}: seed corpus too small");
        for seed in &corpus {
            run_one(target, seed);
        }
        let t0 = Instant::now();
        let seed = std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        let mut rng = Rng(seed ^ (k as u64 + 1).wrapping_mul(0x1000_0001) | 1);
        let (limit, budget) = match std::env::var("FUZZ_ITERATIONS")
            .ok()
            .and_then(|s| s.parse().ok())
        {
            Some(n) => (n, Duration::MAX),
            None => (MUTATIONS, BUDGET),
        };
        let mut n = 0;
        while n < limit && t0.elapsed() < budget {
            let input = mutate(&mut rng, &corpus);
            run_one(target, &input);
            n += 1;
        }
        report.push(format!(
            "{target}: {} seeds, {n} mutations in {:?}",
            corpus.len(),
            t0.elapsed()
        ));
    }
    eprintln!("{}\ntotal {:?}", report.join("\n"), started.elapsed());
}

#[test]
fn fuzz_targets_and_corpus_directories_match() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for target in fuzzing::TARGETS {
        assert!(
            src.join(format!("{target}.rs")).is_file(),
            "fuzz/fuzz_targets/{target}.rs is missing"
        );
        assert!(corpus_dir(target).is_dir(), "corpus of {target} is missing");
    }
    assert!(!fuzzing::run("no_such_target", b""));
}

/// Seeds from real cases: values of the provider's schemas in both codecs, type JSON, protobuf
/// DynamicValues, and Genesys API bodies as the simulator and the real API send them.
fn generated_seeds() -> BTreeMap<(&'static str, String), Vec<u8>> {
    let mut out = BTreeMap::new();
    let types = fuzzing::representative_types();
    // Built from the resource's model, so that it always has every attribute of the schema.
    let model = ScriptTemplate {
        id: Attr::string("3b0a6e1c-2d6f-4c36-a7a0-9c1f0f1f2a11"),
        name: Attr::string("Greeting"),
        content: Attr::string(r#"{"pages":[{"id":"p1","name":"Start"}]}"#),
        substitutions: Attr::Known([("company".to_string(), Attr::string("Acme Corp"))].into()),
        division_id: Attr::Unknown,
        publish: Attr::Known(true),
        version_id: Attr::Unknown,
        version: Attr::Known(3),
        content_sha256: Attr::Unknown,
        created_date: Attr::string("2026-01-01T00:00:00Z"),
        timeouts: Attr::Known(Timeouts {
            create: Attr::string("10m"),
            ..Timeouts::default()
        }),
        ..ScriptTemplate::default()
    };
    let resource = model.to_cty();
    let values: Vec<(usize, Value)> = vec![
        (0, resource.clone()),
        (0, Value::Null),
        (0, Value::Unknown),
        (
            3,
            Value::Dynamic(
                Type::list(Type::String),
                Box::new(Value::List(vec![Value::string("a"), Value::Unknown])),
            ),
        ),
        (4, Value::string("héllo")),
        (5, Value::Number(Number::from_i64(-42))),
        (6, Value::Bool(false)),
        (8, Value::Set(vec![Value::number(1), Value::number(2)])),
        (
            10,
            Value::Tuple(vec![
                Value::string("x"),
                Value::number(7),
                Value::Dynamic(Type::Bool, Box::new(Value::Bool(true))),
            ]),
        ),
    ];
    let resource_ty = &types[0];
    for (i, (t, v)) in values.iter().enumerate() {
        let ty = &types[*t];
        let mut mp = vec![*t as u8];
        mp.extend(msgpack::encode(v, ty).unwrap());
        out.insert(("cty_msgpack_decode", format!("seed-{i:02}")), mp);
        if v.is_wholly_known() {
            let mut js = vec![*t as u8];
            js.extend(json::encode_value(v, ty).unwrap());
            out.insert(("cty_json_decode", format!("seed-{i:02}")), js);
        }
    }
    for (i, t) in types.iter().enumerate() {
        out.insert(
            ("cty_type_json_decode", format!("seed-{i:02}")),
            type_json::encode_type(t),
        );
    }
    let dv = tpg::tfplugin5::proto::tfplugin5::DynamicValue {
        msgpack: msgpack::encode(&resource, resource_ty).unwrap(),
        json: Vec::new(),
    };
    out.insert(
        ("tfplugin5_dynamic_value", "seed-msgpack".into()),
        dv.encode_to_vec(),
    );
    let known = ScriptTemplate {
        division_id: Attr::string("x"),
        version_id: Attr::string("x"),
        content_sha256: Attr::string("x"),
        ..model
    }
    .to_cty();
    let dv = tpg::tfplugin5::proto::tfplugin5::DynamicValue {
        msgpack: Vec::new(),
        json: json::encode_value(&known, resource_ty).unwrap(),
    };
    out.insert(
        ("tfplugin5_dynamic_value", "seed-json".into()),
        dv.encode_to_vec(),
    );
    let mut js = vec![0u8];
    js.extend(json::encode_value(&known, resource_ty).unwrap());
    out.insert(("cty_json_decode", "seed-resource".into()), js);
    out.insert(
        ("tfplugin5_dynamic_value", "seed-raw-msgpack".into()),
        msgpack::encode(&known, resource_ty).unwrap(),
    );
    out
}

#[test]
#[ignore = "writes the seed corpus; run with FUZZ_WRITE_CORPUS=1"]
fn write_seed_corpus() {
    if std::env::var_os("FUZZ_WRITE_CORPUS").is_none() {
        return;
    }
    for ((target, name), bytes) in generated_seeds() {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
