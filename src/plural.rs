//! A count and its noun, in the singular for one: "1 record", "2 records".
//!
//! Log lines and outputs count many things (records, observables, searches, calls), and "Found 1
//! records" reads as a defect to whoever meets it first. Every count in a sentence goes through
//! `count`, so the rule lives in one place. It sits outside the rooms because all of them count.

use std::fmt;

/// `n` followed by `noun`, made plural unless `n` is 1.
pub(crate) fn count<N: Into<u64>>(n: N, noun: &str) -> Count<'_> {
    Count { n: n.into(), noun }
}

/// `count` for a `usize`, which does not convert into `u64` by `Into`.
pub(crate) fn count_of(n: usize, noun: &str) -> Count<'_> {
    count(u64::try_from(n).unwrap_or(u64::MAX), noun)
}

/// A count and its noun, written by `Display`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Count<'a> {
    n: u64,
    noun: &'a str,
}

impl fmt::Display for Count<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.n)?;
        if self.n == 1 {
            f.write_str(self.noun)
        } else {
            write_plural(f, self.noun)
        }
    }
}

/// The regular English plural: "searches", "entries", "records". The nouns counted here are all
/// regular; an irregular one would need its own rule.
fn write_plural(f: &mut fmt::Formatter<'_>, noun: &str) -> fmt::Result {
    let consonant_y = noun
        .strip_suffix('y')
        .and_then(|stem| stem.chars().last())
        .is_some_and(|before| !"aeiou".contains(before));
    if consonant_y {
        return write!(f, "{}ies", &noun[..noun.len() - 1]);
    }
    let sibilant = ["s", "x", "z", "ch", "sh"].iter().any(|end| noun.ends_with(end));
    if sibilant {
        write!(f, "{noun}es")
    } else {
        write!(f, "{noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1u32, "record").to_string(), "1 record");
        assert_eq!(count(0u32, "record").to_string(), "0 records");
        assert_eq!(count(2u32, "record").to_string(), "2 records");
        assert_eq!(count_of(1, "observable").to_string(), "1 observable");
        assert_eq!(count_of(1000, "observable").to_string(), "1000 observables");
    }

    #[test]
    fn regular_plurals_follow_the_ending() {
        assert_eq!(count(3u32, "search").to_string(), "3 searches");
        assert_eq!(count(3u32, "entry").to_string(), "3 entries");
        assert_eq!(count(3u32, "key").to_string(), "3 keys");
        assert_eq!(count(3u32, "byte").to_string(), "3 bytes");
        assert_eq!(count(3u32, "tag").to_string(), "3 tags");
        assert_eq!(count(3u32, "ID").to_string(), "3 IDs");
        assert_eq!(count(1u32, "entry").to_string(), "1 entry");
    }
}
