//! Unicode NFC normalization of decoded strings (cty normalizes every string and map key to
//! NFC), with a fast path: a string that is ASCII, or that the quick check proves normalized,
//! is copied as it is. Most strings, script documents above all, take the fast path, so a
//! plan of many large documents does not re-compose them character by character.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// `s` in NFC.
pub fn nfc(s: &str) -> String {
    if s.is_ascii() || is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s.to_owned()
    } else {
        s.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::nfc;

    #[test]
    fn ascii_and_composed_text_are_kept_and_decomposed_text_is_composed() {
        assert_eq!(nfc("Hello {{name}}"), "Hello {{name}}");
        assert_eq!(nfc("caf\u{e9}"), "caf\u{e9}");
        assert_eq!(nfc("cafe\u{301}"), "caf\u{e9}");
        // Hangul jamo compose; a lone combining mark after a space stays.
        assert_eq!(nfc("\u{1100}\u{1161}"), "\u{ac00}");
        assert_eq!(nfc(" \u{301}"), " \u{301}");
    }
}
