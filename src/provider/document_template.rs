//! A `content` document apart from its substitutions, worked out once per distinct text: its
//! placeholders, whether it is a script document, and, when substituting cannot change how it
//! parses or normalizes, its canonical form with the placeholders still in it.
//!
//! A fleet plans one content for hundreds of orgs, each with its own substitutions. With the
//! template, each org only checks its keys against the placeholders and substitutes into the
//! canonical text, instead of substituting, parsing and normalizing the whole document again
//! (docs/performance.md "Fleet of 1,000 orgs"). The answers are exactly those of
//! `document::render_parsed` and `document::canonical` (tested beside them, on the real
//! scripts of tests/fixtures/scripts).

use super::document::{
    canonical, check_against_keys, check_found_placeholders, parse_script, placeholders,
    DocumentError, Placeholder,
};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// What a content text is, whatever its substitutions.
#[derive(Debug)]
pub struct Template {
    content: String,
    placeholders: Vec<Placeholder>,
    /// `parse_script(content)`'s verdict.
    shape: Result<(), DocumentError>,
    /// `canonical(parse_script(content))`, when substituting into it gives the canonical form
    /// of the substituted document (see [`commutes`]); `None` sends callers the long way.
    canonical: Option<String>,
}

/// The template of `content`, from the few kept most recently or made now.
pub fn template(content: &str) -> Arc<Template> {
    // A handful is enough: one content per resource type in a fan-out, a few per state.
    // Kept process-wide (the provider serves one configuration), most recent first.
    static KEPT: Mutex<Vec<Arc<Template>>> = Mutex::new(Vec::new());
    const KEEP: usize = 4;
    let mut kept = KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(i) = kept.iter().position(|t| t.content == content) {
        let t = kept.remove(i);
        kept.insert(0, Arc::clone(&t));
        return t;
    }
    let t = Arc::new(Template::new(content));
    kept.insert(0, Arc::clone(&t));
    kept.truncate(KEEP);
    t
}

impl Template {
    fn new(content: &str) -> Template {
        let placeholders = placeholders(content);
        let parsed = parse_script(content);
        let canonical = match &parsed {
            Ok(doc) if commutes(content, &placeholders, doc) => Some(canonical(doc)),
            _ => None,
        };
        Template {
            content: content.to_string(),
            placeholders,
            shape: parsed.map(|_| ()),
            canonical,
        }
    }

    pub fn placeholders(&self) -> &[Placeholder] {
        &self.placeholders
    }

    /// `parse_script(content)`'s verdict (the document as written, placeholders unreplaced).
    pub fn shape(&self) -> Result<(), DocumentError> {
        self.shape.clone()
    }

    /// `document::check_placeholders` from the placeholders found once: each sits inside a
    /// JSON string and, when `keys` is known, has a key.
    pub fn check_placeholders(&self, keys: Option<&BTreeSet<String>>) -> Result<(), DocumentError> {
        check_against_keys(&self.placeholders, keys)
    }

    /// The same check against the keys of `substitutions`.
    pub fn check_substitutions(
        &self,
        substitutions: &BTreeMap<String, String>,
    ) -> Result<(), DocumentError> {
        check_found_placeholders(
            &self.placeholders,
            |key| substitutions.contains_key(key),
            || substitutions.keys().cloned().collect(),
        )
    }

    /// The canonical text with its placeholders in place, when substituting into it is exact.
    pub fn canonical(&self) -> Option<&str> {
        self.canonical.as_deref()
    }
}

/// Whether substituting into the canonical form of `content` gives the canonical form of the
/// substituted `content`, for every substitution. It does when:
/// - every placeholder sits in a string (otherwise rendering refuses the document anyway);
/// - no object key holds `{{` (keys decide order and which server fields are dropped, and a
///   substituted key could collide with another);
/// - every string is written in `content` exactly as serde_json writes it back: no `\u` and
///   no `\/` escape, the only two that it reads and writes differently (it writes `\"`, `\\`,
///   `\b`, `\f`, `\n`, `\r`, `\t` as read, and nothing else that valid JSON holds unescaped).
///
/// Then every placeholder is found at the same place in both texts, and its value, escaped
/// into the content and parsed back, is escaped again exactly as substituting escapes it.
/// Parsing and the `pages` check do not change either: a value escaped into a string keeps
/// it a string, and the keys stay as they are.
fn commutes(content: &str, placeholders: &[Placeholder], doc: &Json) -> bool {
    placeholders.iter().all(|p| p.in_string)
        && !content.contains("\\u")
        && !content.contains("\\/")
        && !any_key_holds(doc, "{{")
}

fn any_key_holds(v: &Json, text: &str) -> bool {
    match v {
        Json::Object(map) => map
            .iter()
            .any(|(k, child)| k.contains(text) || any_key_holds(child, text)),
        Json::Array(items) => items.iter().any(|item| any_key_holds(item, text)),
        _ => false,
    }
}
