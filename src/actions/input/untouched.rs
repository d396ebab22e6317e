//! The one rule for inputs nobody touched: what the form leaves in them means "not given".
//!
//! InsightConnect's form, and the samples `insight-plugin` writes from the spec, send a value for every
//! input, filled or not: `""` for a text or an optional enum, `[]` for a list, `0` for a number,
//! `false` for a switch, `{"filename": "", "content": ""}` for a file. A step that read those as
//! values would set a confidence to 0 or a status to nothing because a field was left empty, so every
//! step reads its optional inputs through `given`: absent, `null` and the form's empty value are all
//! "not given", and a write sends only what was given.
//!
//! Where 0 is a value someone may want (a confidence), the input is a `Percent`, which tells the
//! form's 0 from a 0 given on purpose (`"0"`, see `id.rs`).

/// Whether a value is what the form sends for an input left empty.
pub(crate) trait Untouched {
    fn untouched(&self) -> bool;
}

impl Untouched for String {
    /// Blank text: the form's `""`, or only spaces, which no input means.
    fn untouched(&self) -> bool {
        self.trim().is_empty()
    }
}

impl Untouched for str {
    fn untouched(&self) -> bool {
        self.trim().is_empty()
    }
}

impl<T: Untouched + ?Sized> Untouched for &T {
    fn untouched(&self) -> bool {
        (**self).untouched()
    }
}

impl<T> Untouched for [T] {
    fn untouched(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Untouched for Vec<T> {
    fn untouched(&self) -> bool {
        self.is_empty()
    }
}

impl Untouched for bool {
    /// Every switch defaults to off, so off is what an untouched switch holds.
    fn untouched(&self) -> bool {
        !*self
    }
}

/// Numbers where 0 means nothing: counts, limits, IDs, thresholds.
macro_rules! zero_is_untouched {
    ($($number:ty),*) => {$(
        impl Untouched for $number {
            fn untouched(&self) -> bool {
                *self == 0
            }
        }
    )*};
}
zero_is_untouched!(u8, u16, u32, u64, usize, i64);

/// `value` when it was given: `None` for an absent or `null` input and for the form's empty value.
pub(crate) fn given<T: Untouched>(value: Option<T>) -> Option<T> {
    value.filter(|value| !value.untouched())
}

/// A number input with a default: the default when the input is 0, which no such input means (a
/// limit of 0, a concurrency of 0), so a form that sends 0 for a cleared field gets the default.
pub(crate) fn or_default<T: Untouched>(value: T, default: T) -> T {
    if value.untouched() {
        default
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_empty_values_are_not_given() {
        assert_eq!(given(Some(String::new())), None);
        assert_eq!(given(Some("  ".to_owned())), None);
        assert_eq!(given(Some(" x ".to_owned())), Some(" x ".to_owned()));
        assert_eq!(given(Some(Vec::<u8>::new())), None);
        assert_eq!(given(Some(vec![1])), Some(vec![1]));
        assert_eq!(given(Some(0_u64)), None);
        assert_eq!(given(Some(7_u64)), Some(7));
        assert_eq!(given(Some(false)), None);
        assert_eq!(given(Some(true)), Some(true));
        assert_eq!(given::<u64>(None), None);
        assert_eq!(given(Some(" ")), None);
        assert_eq!(given(Some(&String::new())), None);
        assert_eq!(or_default(0_usize, 100), 100);
        assert_eq!(or_default(5_usize, 100), 5);
    }
}
