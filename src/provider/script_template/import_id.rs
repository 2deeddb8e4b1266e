//! Import ids of `genesys_script_template`: `ID`, `name:NAME`, `ORG/ID` and `ORG/name:NAME`,
//! so one `import` block with `for_each` can adopt the same-named script in every org.

/// What an import id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportId {
    /// `None`: the default org.
    pub org: Option<String>,
    pub target: ImportTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportTarget {
    Id(String),
    /// The one script with exactly this name.
    Name(String),
}

const NAME_PREFIX: &str = "name:";

/// Parses an import id; `Err` says what is wrong and which forms are accepted.
pub fn parse(id: &str) -> Result<ImportId, String> {
    let forms = "Use ID, name:NAME, ORG/ID or ORG/name:NAME.";
    // A name may contain '/': a leading `name:` means the default org, whatever follows.
    let (org, rest) = match id.strip_prefix(NAME_PREFIX) {
        Some(_) => (None, id),
        None => match id.split_once('/') {
            Some((org, rest)) => (Some(org), rest),
            None => (None, id),
        },
    };
    if org.is_some_and(|o| o.trim().is_empty()) {
        return Err(format!("{id:?} has an empty org before '/'. {forms}"));
    }
    let target = match rest.strip_prefix(NAME_PREFIX) {
        Some("") => return Err(format!("{id:?} has an empty name after \"name:\". {forms}")),
        Some(name) => ImportTarget::Name(name.to_string()),
        None if rest.trim().is_empty() => return Err(format!("{id:?} names no script. {forms}")),
        None if rest.contains('/') => {
            return Err(format!(
                "{id:?} is not an import id: a script id has no '/'. {forms}"
            ))
        }
        None => ImportTarget::Id(rest.to_string()),
    };
    Ok(ImportId {
        org: org.map(str::to_string),
        target,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(org: Option<&str>, target: ImportTarget) -> Result<ImportId, String> {
        Ok(ImportId {
            org: org.map(str::to_string),
            target,
        })
    }

    #[test]
    fn the_four_forms() {
        use ImportTarget::*;
        assert_eq!(parse("abc-123"), id(None, Id("abc-123".into())));
        assert_eq!(
            parse("name:Standard Greeting"),
            id(None, Name("Standard Greeting".into()))
        );
        assert_eq!(
            parse("acme/abc-123"),
            id(Some("acme"), Id("abc-123".into()))
        );
        assert_eq!(
            parse("acme/name:Standard Greeting"),
            id(Some("acme"), Name("Standard Greeting".into()))
        );
        // Names may hold '/' and ':'.
        assert_eq!(parse("name:a/b"), id(None, Name("a/b".into())));
        assert_eq!(
            parse("acme/name:a/b:c"),
            id(Some("acme"), Name("a/b:c".into()))
        );
    }

    #[test]
    fn malformed_ids_say_which_forms_work() {
        for bad in ["", "/abc", "acme/", "name:", "acme/name:", "a/b/c"] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains("ORG/name:NAME"), "{bad:?}: {e}");
        }
    }
}
