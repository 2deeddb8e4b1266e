//! The one-walk `canonical` and the byte-wise placeholder scan against the straightforward
//! forms they replaced (strip a copy, normalize it, write it sorted; scan char by char), on the
//! real script files of tests/fixtures/scripts and on hand-made edge cases.

use super::*;
use crate::genesys::scripts::normalize_numbers;

/// The canonical form as first written: strip a copy, normalize its numbers, write it sorted.
fn reference_canonical(doc: &Json) -> String {
    fn write(v: &Json, out: &mut String) {
        match v {
            Json::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Json::String((*k).clone()).to_string());
                    out.push(':');
                    write(&map[*k], out);
                }
                out.push('}');
            }
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut d = doc.clone();
    strip_server_fields(&mut d);
    normalize_numbers(&mut d);
    let mut out = String::new();
    write(&d, &mut out);
    out
}

/// The placeholders as the char-by-char scan found them.
fn reference_placeholders(content: &str) -> Vec<Placeholder> {
    let mut found = vec![];
    let (mut in_string, mut escaped, mut line) = (false, false, 1);
    let mut rest = content;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("{{") && !escaped {
            if let Some(end) = rest[2..].find("}}") {
                let inner = &rest[2..2 + end];
                if is_key_shaped(inner) {
                    found.push(Placeholder {
                        key: inner.to_string(),
                        line,
                        in_string,
                    });
                    rest = &rest[end + 4..];
                    continue;
                }
            }
        }
        if c == '\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        }
        rest = &rest[c.len_utf8()..];
    }
    found
}

fn fixture_texts() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/scripts");
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((path.display().to_string(), text));
        }
    }
    assert!(out.len() >= 5, "the real script fixtures are missing");
    out
}

#[test]
fn canonical_matches_the_reference_on_real_scripts() {
    for (name, text) in fixture_texts() {
        let doc: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(canonical(&doc), reference_canonical(&doc), "{name}");
    }
}

#[test]
fn canonical_matches_the_reference_on_edge_cases() {
    for text in [
        r#"{"id":"x","name":"n","pages":[{"scriptId":"s","id":"p","name":"P","versionId":"v"},3,"x"],"versionId":"v"}"#,
        // Server field names below the top level and outside pages are content.
        r#"{"pages":[],"features":{"id":"keep","versionId":"keep"},"other":[{"scriptId":"keep"}]}"#,
        r#"{"pages":{"scriptId":"a pages object is not stripped"}}"#,
        r#"{"pages":[[{"scriptId":"nested arrays are not pages"}]]}"#,
        r#"{"pages":[],"n":[1.0,1e3,-0,0.50,10e-1,123456789012345678901234567890,1e1000000]}"#,
        r#"{"pages":[],"s":"quote \" backslash \\ tab \t control \u0001 é 😀","k\"ey":null,"b":true}"#,
        r#"["not","an","object",{"id":"kept"}]"#,
        r#""just a string""#,
    ] {
        let doc: Json = serde_json::from_str(text).unwrap();
        assert_eq!(canonical(&doc), reference_canonical(&doc), "{text}");
    }
}

#[test]
fn placeholder_scan_matches_the_reference() {
    let mut texts: Vec<String> = fixture_texts().into_iter().map(|(_, t)| t).collect();
    texts.extend(
        [
            r#"{"a":"{{x}}","b":{{y}},"c":"\"{{z}}\"","d":"\\{{w}}"}"#,
            "{\"a\":\"é{{k}}😀\",\n\"b\":\"\\{{not}}\",\n\"c\":\"{{open\"}",
            r#"{"a":"{{Scripter.Customer Name}} {{0f8fad5b-d9cb-469f-a165-70867728950e}} {{}} {{{x}}} }}{{"}"#,
            "{{a}}{{b}}\n\"{{c}}\"",
        ]
        .map(String::from),
    );
    for text in &texts {
        assert_eq!(placeholders(text), reference_placeholders(text), "{text}");
        // Substituting every key by a marker changes exactly the placeholders in strings.
        let keys: BTreeMap<String, String> = placeholders(text)
            .into_iter()
            .map(|p| (p.key.clone(), format!("<{}>", p.key)))
            .collect();
        let out = substitute(text, &keys);
        let in_strings = placeholders(text).iter().filter(|p| p.in_string).count();
        assert_eq!(
            out.matches('<').count() - text.matches('<').count(),
            in_strings,
            "{text}"
        );
    }
}

/// Contents with placeholders: each real script with `{{a}}` and `{{b}}` put into every
/// string value (compact and pretty), and hand-made cases at the edges of the fast path.
fn template_texts() -> Vec<String> {
    fn put_placeholders(v: &mut Json, n: &mut usize) {
        match v {
            Json::String(s) => {
                *n += 1;
                s.push_str(if *n % 2 == 0 { " {{a}}" } else { "{{b}}!" });
            }
            Json::Array(items) => items.iter_mut().for_each(|i| put_placeholders(i, n)),
            Json::Object(map) => map.values_mut().for_each(|c| put_placeholders(c, n)),
            _ => {}
        }
    }
    let mut out = vec![];
    for (_, text) in fixture_texts() {
        out.push(text.clone());
        let mut doc: Json = serde_json::from_str(&text).unwrap();
        put_placeholders(&mut doc, &mut 0);
        out.push(doc.to_string());
        out.push(serde_json::to_string_pretty(&doc).unwrap());
    }
    out.extend(
        [
            r#"{"pages":[{"id":"p","name":"Hello {{a}}","versionId":"{{b}}"}],"name":"{{a}}{{b}}"}"#,
            // Server fields that hold placeholders are dropped either way.
            r#"{"versionId":"{{a}}","pages":[{"scriptId":"{{b}}"}],"x":"{{{a}}} {{a}}{{b}}"}"#,
            // Escapes read and written differently: the long way.
            r#"{"pages":[],"x":"\u007b{a}} {{b}}","y":"\/{{a}}"}"#,
            r#"{"pages":[],"x":"{{a\u007d} {{b}}"}"#,
            // Escapes written back as read, beside placeholders.
            r#"{"pages":[],"x":"\"{{a}}\" \\{{b}} \n\t{{a}}\b\f\r"}"#,
            // Keys with placeholders: the long way (order, collisions, the pages check).
            r#"{"pages":[],"{{a}}":"x"}"#,
            r#"{"{{a}}":[],"name":"n"}"#,
            r#"{"pages":[],"o":{"{{b}}":1,"m":2}}"#,
            // Duplicate keys: the last one counts, both ways.
            r#"{"pages":[],"x":"{{a}}","x":"{{b}}"}"#,
            // Refused documents.
            r#"{"pages":[],"x":{{a}}}"#,
            r#"{"pages":[],"x":"{{c}}"}"#,
            r#"{"pages":"{{a}}"}"#,
            r#"{"name":"{{a}}"}"#,
            r#"{"pages":[],"x":"{{a}}""#,
            r#"["{{a}}"]"#,
            r#"{"pages":[],"n":[1.0,1e3,"{{a}}",-0]}"#,
        ]
        .map(String::from),
    );
    out
}

#[test]
fn the_template_gives_what_rendering_gives() {
    let values = [
        "Acme",
        "",
        "quote \" backslash \\ slash /",
        "line\nbreak\ttab \u{0} \u{1f} \u{7f}",
        "é \u{2028} 😀",
        "{{b}} {{a}}",
        "\\u007b",
        "pages",
    ];
    let mut fast = 0;
    for text in template_texts() {
        // Each value as `a`, beside two others as `b` (every pair would take long on the
        // large fixtures and find nothing more: the values do not interact).
        for (i, a) in values.iter().enumerate() {
            for b in [
                values[(i + 3) % values.len()],
                values[(i + 5) % values.len()],
            ] {
                let subs: BTreeMap<String, String> = [
                    ("a".to_string(), a.to_string()),
                    ("b".to_string(), b.to_string()),
                ]
                .into();
                let rendered = render_parsed(&text, &subs);
                let expected = rendered
                    .as_ref()
                    .map(|(_, d)| canonical(d))
                    .map_err(Clone::clone);
                assert_eq!(
                    desired_canonical(&text, &subs),
                    expected,
                    "{text} a={a:?} b={b:?}"
                );
                assert_eq!(
                    check_render(&text, &subs),
                    rendered.map(|_| ()),
                    "{text} a={a:?} b={b:?}"
                );
            }
            let only_a: BTreeMap<String, String> = [("a".to_string(), a.to_string())].into();
            assert_eq!(
                desired_canonical(&text, &only_a),
                render_parsed(&text, &only_a).map(|(_, d)| canonical(&d)),
                "{text} a={a:?}"
            );
        }
        for keys in [None, Some(BTreeSet::from(["a".to_string()]))] {
            let expected = check_placeholders(&text, keys.as_ref())
                .and_then(|_| parse_script(&text).map(|_| ()));
            assert_eq!(check_template(&text, keys.as_ref()), expected, "{text}");
        }
        let keys = ["a".to_string(), "b".to_string(), "c".to_string()];
        let used: BTreeSet<String> = placeholders(&text).into_iter().map(|p| p.key).collect();
        let unused: Vec<String> = keys
            .iter()
            .filter(|k| !used.contains(*k))
            .cloned()
            .collect();
        assert_eq!(unused_keys(&text, &keys), unused, "{text}");
        fast += usize::from(
            super::super::document_template::template(&text)
                .canonical()
                .is_some(),
        );
    }
    // The fast path is taken for most real scripts, or this test would prove little.
    assert!(
        fast >= 10,
        "only {fast} contents took the template's canonical form"
    );
}
