//! The readings the simulator offers where Genesys documents nothing: how an import stores a
//! document ([`ImportStorage`]), which version an export without `versionId` serves
//! ([`ExportDefault`]) and how the `name` filter of the listings matches ([`NameFilter`]).
//! Each is a knob value (flag and `PUT /_sim/knobs`, in kebab-case). A leaf: plain enums.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How an upload (an import, or a replace through `scriptIdToReplace`) stores the document.
/// The server may add fields; it never changes or drops a value the file set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportStorage {
    /// The document as uploaded (only `id`, `name` and the stamps of an export differ).
    Verbatim,
    /// Every page without an `id` gets a fresh one; a missing `startPageId` becomes the first
    /// page's id. Ids the file set are kept.
    MintIds,
    /// `MintIds`, plus the defaults an import service plausibly adds: default page
    /// properties, the sections the file left out (`features`, `variables`,
    /// `customActions`) and `dataVersion`.
    AddDefaults,
}

/// The import reading the simulator starts with. **One constant, easy to flip**: the evidence
/// (the SDK's `Page` always has an id, so a real org gives every page one) supports
/// [`ImportStorage::MintIds`], and the provider copes with every reading.
pub const DEFAULT_IMPORT_STORAGE: ImportStorage = ImportStorage::MintIds;

impl Default for ImportStorage {
    fn default() -> Self {
        DEFAULT_IMPORT_STORAGE
    }
}

/// Which version `POST /api/v2/scripts/{id}/export` serves when the body has no `versionId`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExportDefault {
    /// The editable version, as a by-id read sees it (the SDK's documented default).
    #[default]
    Editable,
    /// The published version; the editable one for a script never published.
    Published,
}

/// How the `name` query of the script listings matches a script's name (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameFilter {
    /// The name contains the filter.
    #[default]
    Substring,
    /// The name equals the filter.
    Exact,
}

impl NameFilter {
    /// Whether `name` passes the filter `needle` (already lowercased).
    pub fn matches(self, name: &str, needle: &str) -> bool {
        let name = name.to_lowercase();
        match self {
            NameFilter::Substring => name.contains(needle),
            NameFilter::Exact => name == needle,
        }
    }
}

/// Implements `FromStr` and `Display` over the kebab-case names (the flags' values).
macro_rules! named {
    ($ty:ident { $($variant:ident = $name:literal),* $(,)? }) => {
        impl $ty {
            /// Every value's name, for error messages and `--help`.
            pub const NAMES: &'static [&'static str] = &[$($name),*];

            /// The value's kebab-case name.
            pub fn name(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),*
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($name => Ok($ty::$variant),)*
                    other => Err(format!(
                        "unknown value {other:?} (one of {})",
                        Self::NAMES.join(", ")
                    )),
                }
            }
        }
    };
}

named!(ImportStorage {
    Verbatim = "verbatim",
    MintIds = "mint-ids",
    AddDefaults = "add-defaults",
});
named!(ExportDefault {
    Editable = "editable",
    Published = "published",
});
named!(NameFilter {
    Substring = "substring",
    Exact = "exact",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_str_and_serde() {
        for s in ImportStorage::NAMES {
            let v: ImportStorage = s.parse().unwrap();
            assert_eq!(v.to_string(), *s);
            assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(s));
        }
        assert_eq!("exact".parse::<NameFilter>(), Ok(NameFilter::Exact));
        assert_eq!(
            "published".parse::<ExportDefault>(),
            Ok(ExportDefault::Published)
        );
        let e = "mintids".parse::<ImportStorage>().unwrap_err();
        assert!(e.contains("mint-ids"), "{e}");
    }

    #[test]
    fn defaults_are_todays_behaviour() {
        assert_eq!(ImportStorage::default(), DEFAULT_IMPORT_STORAGE);
        assert_eq!(ExportDefault::default(), ExportDefault::Editable);
        assert_eq!(NameFilter::default(), NameFilter::Substring);
    }

    #[test]
    fn name_filter_readings() {
        assert!(NameFilter::Substring.matches("My Script", "script"));
        assert!(!NameFilter::Exact.matches("My Script", "script"));
        assert!(NameFilter::Exact.matches("My Script", "my script"));
    }
}
