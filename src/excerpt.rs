//! How much of a long text an error repeats.
//!
//! Errors quote what a user sent and what ThreatStream answered, and either can be megabytes long: a
//! pasted file, an HTML page from a proxy. Every quote in an error goes through `shorten`, so one rule
//! decides where a quote ends and how the cut is marked, and one constant caps error data. This sits
//! outside both rooms because both quote: `threatstream` keeps excerpts of answers in its errors,
//! `protocol` caps what reaches the envelope.

use std::borrow::Cow;

/// Most bytes of error data (the envelope's `exception.data`): an API error body, never a whole page.
pub(crate) const ERROR_DATA_BYTES: usize = 4096;

/// Most bytes of a user's value repeated inside an error sentence: enough to recognise it.
pub(crate) const QUOTED_VALUE_BYTES: usize = 80;

/// `text` cut to at most `limit` bytes on a character boundary, with what was cut said at the end.
pub(crate) fn shorten(text: &str, limit: usize) -> Cow<'_, str> {
    shorten_start(text, limit, text.len())
}

/// `shorten` for `start`, the beginning of a text of `total` bytes that was not read whole.
pub(crate) fn shorten_start(start: &str, limit: usize, total: usize) -> Cow<'_, str> {
    if start.len() <= limit && total <= start.len() {
        return Cow::Borrowed(start);
    }
    Cow::Owned(format!("{}… ({total} bytes in all)", head(start, limit)))
}

/// The longest start of `text` of at most `limit` bytes that ends on a character boundary
/// (`str::floor_char_boundary` is newer than this crate's minimum Rust).
pub(crate) fn head(text: &str, limit: usize) -> &str {
    let mut cut = limit.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_left_alone() {
        assert!(matches!(shorten("abc", 3), Cow::Borrowed("abc")));
    }

    #[test]
    fn a_head_ends_on_a_character_boundary() {
        assert_eq!(head("aéé", 2), "a");
        assert_eq!(head("aéé", 3), "aé");
        assert_eq!(head("aéé", 99), "aéé");
        assert_eq!(head("é", 1), "");
        assert_eq!(head("", 0), "");
    }

    #[test]
    fn long_texts_are_cut_on_a_character_boundary_and_say_so() {
        assert_eq!(shorten("abcdef", 4), "abcd… (6 bytes in all)");
        // "é" is two bytes; a cut in its middle moves back before it.
        assert_eq!(shorten("aéé", 2), "a… (5 bytes in all)");
        let long = "x".repeat(10 * ERROR_DATA_BYTES);
        let cut = shorten(&long, ERROR_DATA_BYTES);
        assert_eq!(cut.matches('x').count(), ERROR_DATA_BYTES);
    }
}
