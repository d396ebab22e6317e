//! Search filters for `GET /api/v2/intelligence/`, built from types.
//!
//! ThreatStream ignores a filter it does not know, silently: peers shipped `confidence_gte` and
//! `update_id_gt` and searched everything (reference §1.4, pitfall 2). Every parameter name here is
//! made from a `Field` and a `Lookup`, so a misspelt name cannot be written, and a test pins each name
//! against the ones the API documents.

use std::fmt::Display;

/// A field the intelligence search filters or sorts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Value,
    Type,
    Itype,
    Status,
    /// `meta.severity`: v2 keeps severity under `meta`.
    Severity,
    /// `tags.name`: a tag's name, not the tag object.
    TagName,
    TrustedCircles,
    Confidence,
    Source,
    UpdateId,
    CreatedTs,
    ModifiedTs,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Value => "value",
            Field::Type => "type",
            Field::Itype => "itype",
            Field::Status => "status",
            Field::Severity => "meta.severity",
            Field::TagName => "tags.name",
            Field::TrustedCircles => "trustedcircles",
            Field::Confidence => "confidence",
            Field::Source => "source",
            Field::UpdateId => "update_id",
            Field::CreatedTs => "created_ts",
            Field::ModifiedTs => "modified_ts",
        }
    }
}

/// A Tastypie comparison, written `<field>__<lookup>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Lookup {
    fn suffix(self) -> &'static str {
        match self {
            Lookup::Gt => "gt",
            Lookup::Gte => "gte",
            Lookup::Lt => "lt",
            Lookup::Lte => "lte",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    Ascending,
    Descending,
}

/// The query string of one search, in the order the parts were added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SearchQuery {
    pairs: Vec<(String, String)>,
}

impl SearchQuery {
    /// Records whose `field` is any of `values` (a comma list, as ThreatStream takes it); nothing is
    /// added when `values` is empty, so an empty filter never narrows the search to nothing.
    pub(crate) fn any_of<T: Display>(mut self, field: Field, values: impl IntoIterator<Item = T>) -> SearchQuery {
        let list: Vec<String> = values.into_iter().map(|value| value.to_string()).collect();
        if !list.is_empty() {
            self.pairs.push((field.name().to_owned(), list.join(",")));
        }
        self
    }

    /// Records whose `field` is `value`, sent as given (a value may hold a comma).
    pub(crate) fn equals(mut self, field: Field, value: impl Display) -> SearchQuery {
        self.pairs.push((field.name().to_owned(), value.to_string()));
        self
    }

    /// ThreatStream's query language (`q`), beside any other filter.
    pub(crate) fn query(mut self, q: &str) -> SearchQuery {
        self.pairs.push(("q".to_owned(), q.to_owned()));
        self
    }

    pub(crate) fn compare(mut self, field: Field, lookup: Lookup, value: impl Display) -> SearchQuery {
        let name = format!("{}__{}", field.name(), lookup.suffix());
        self.pairs.push((name, value.to_string()));
        self
    }

    pub(crate) fn order_by(mut self, field: Field, order: Order) -> SearchQuery {
        let sign = if order == Order::Descending { "-" } else { "" };
        self.pairs
            .push(("order_by".to_owned(), format!("{sign}{}", field.name())));
        self
    }

    pub(crate) fn limit(mut self, limit: usize) -> SearchQuery {
        self.pairs.push(("limit".to_owned(), limit.to_string()));
        self
    }

    /// The pairs as the client sends them.
    pub(crate) fn pairs(&self) -> Vec<(&str, String)> {
        self.pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the API documents (reference §1.4), and nothing else.
    const DOCUMENTED: [&str; 19] = [
        "q",
        "value",
        "source",
        "type",
        "itype",
        "status",
        "meta.severity",
        "tags.name",
        "trustedcircles",
        "confidence__gte",
        "confidence__gt",
        "confidence__lt",
        "confidence__lte",
        "update_id__gt",
        "modified_ts__lt",
        "modified_ts__gt",
        "order_by",
        "order_by",
        "limit",
    ];

    #[test]
    fn every_name_is_a_documented_one() {
        let query = SearchQuery::default()
            .query("confidence>=90")
            .equals(Field::Value, "a,b.example")
            .equals(Field::Source, "Analyst")
            .any_of(Field::Type, ["ip", "domain"])
            .any_of(Field::Itype, ["c2_ip"])
            .any_of(Field::Status, ["active"])
            .any_of(Field::Severity, ["high", "very-high"])
            .any_of(Field::TagName, ["apt"])
            .any_of(Field::TrustedCircles, [146_u64, 147])
            .compare(Field::Confidence, Lookup::Gte, 60)
            .compare(Field::Confidence, Lookup::Gt, 60)
            .compare(Field::Confidence, Lookup::Lt, 90)
            .compare(Field::Confidence, Lookup::Lte, 90)
            .compare(Field::UpdateId, Lookup::Gt, 7)
            .compare(Field::ModifiedTs, Lookup::Lt, "2024-03-05T11:02:17.000Z")
            .compare(Field::ModifiedTs, Lookup::Gt, "2024-03-04T11:02:17.000Z")
            .order_by(Field::UpdateId, Order::Descending)
            .order_by(Field::CreatedTs, Order::Ascending)
            .limit(1000);
        let names: Vec<&str> = query.pairs().into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, DOCUMENTED);
        assert_eq!(query.pairs()[1].1, "a,b.example");
        assert_eq!(query.pairs()[3].1, "ip,domain");
        assert_eq!(query.pairs()[8].1, "146,147");
        assert_eq!(query.pairs()[16].1, "-update_id");
        assert_eq!(query.pairs()[17].1, "created_ts");
    }

    #[test]
    fn an_empty_list_adds_no_filter() {
        let none: [&str; 0] = [];
        assert!(SearchQuery::default().any_of(Field::Type, none).pairs().is_empty());
    }
}
