//! Reading the few fields an analyst wants out of a raw WHOIS text, with bounded work.
//!
//! ThreatStream hands WHOIS back as the registry wrote it, and registries disagree on everything: gTLD
//! registrars write `Creation Date: ...`, JPRS writes `[Created on]` (or `[登録年月日]` in Japanese),
//! ARIN writes `RegDate:`, RIPE and APNIC write one `last-modified:` per object of the record. Splunk
//! SOAR's WHOIS parsing hung on `.jp` domains (§2.3), so this parser is built to be boring: one pass
//! over lines, no regular expressions, no backtracking, and caps on the bytes read, the lines looked
//! at, the length of a line worth reading, the number of name servers and the length of every value.
//! Any text, however large, odd or binary, costs at most `MAX_PARSED_BYTES` of linear work and can
//! neither hang nor panic. What it cannot read reliably it leaves out; the raw text is always there.
//!
//! `updated` is the one field read as a date (`dates`): a record changes in many places, and the
//! newest date of any of them is when it last changed, never an e-mail address beside a date.

mod dates;

use crate::excerpt::head;

/// Whois texts worth parsing are a few kilobytes; past this the rest is notices and padding.
const MAX_PARSED_BYTES: usize = 256 * 1024;

/// Lines looked at, at most.
const MAX_LINES: usize = 10_000;

/// A line longer than this is no `key: value` line.
const MAX_LINE_BYTES: usize = 1024;

/// Registries list two to thirteen name servers; more is noise.
const MAX_NAME_SERVERS: usize = 16;

/// Longer values are cut to this many bytes.
const MAX_VALUE_BYTES: usize = 256;

/// The raw text an output carries: every real whois record fits, a 2 MB one is cut.
const MAX_RAW_BYTES: usize = 64 * 1024;

/// The fields read from a whois text; each is absent when no line of the text gave it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct WhoisFields {
    pub(crate) registrar: Option<String>,
    pub(crate) created: Option<String>,
    pub(crate) updated: Option<String>,
    pub(crate) expires: Option<String>,
    pub(crate) name_servers: Vec<String>,
    pub(crate) registrant_organization: Option<String>,
}

impl WhoisFields {
    /// Where a single-valued field goes; name servers are a list.
    fn single(&mut self, field: Field) -> Option<&mut Option<String>> {
        Some(match field {
            Field::Registrar => &mut self.registrar,
            Field::Created => &mut self.created,
            Field::Updated => &mut self.updated,
            Field::Expires => &mut self.expires,
            Field::RegistrantOrganization => &mut self.registrant_organization,
            Field::NameServer => return None,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Registrar,
    Created,
    Updated,
    Expires,
    NameServer,
    RegistrantOrganization,
}

/// Known keys, normalised (lower case, single spaces), with their field and a rank: when several keys
/// of one field appear, the lowest rank wins, whatever the order of the lines. This is how
/// `Registrant Organization` beats ARIN's `Organization`, and JPRS's English `[Organization]` beats
/// its Japanese `[組織名]`. `updated` takes the newest date of any of its keys, so their rank is 0.
const KEYS: &[(&str, Field, u8)] = &[
    ("registrar", Field::Registrar, 0),
    ("sponsoring registrar", Field::Registrar, 1),
    ("registrar name", Field::Registrar, 2),
    ("creation date", Field::Created, 0),
    ("created on", Field::Created, 1),
    ("created", Field::Created, 2),
    ("registration date", Field::Created, 3),
    ("registered on", Field::Created, 4),
    ("registered", Field::Created, 5),
    ("regdate", Field::Created, 6),
    ("登録年月日", Field::Created, 7),
    ("updated date", Field::Updated, 0),
    ("last updated", Field::Updated, 0),
    ("last-updated", Field::Updated, 0),
    ("last update", Field::Updated, 0),
    ("last-update", Field::Updated, 0),
    ("last modified", Field::Updated, 0),
    ("last-modified", Field::Updated, 0),
    ("updated", Field::Updated, 0),
    ("changed", Field::Updated, 0),
    ("最終更新", Field::Updated, 0),
    ("registry expiry date", Field::Expires, 0),
    ("registrar registration expiration date", Field::Expires, 1),
    ("expiration date", Field::Expires, 2),
    ("expiry date", Field::Expires, 3),
    ("expires on", Field::Expires, 4),
    ("expires", Field::Expires, 5),
    ("paid-till", Field::Expires, 6),
    ("有効期限", Field::Expires, 7),
    ("name server", Field::NameServer, 0),
    ("nameserver", Field::NameServer, 0),
    ("nserver", Field::NameServer, 0),
    ("ネームサーバ", Field::NameServer, 0),
    ("registrant organization", Field::RegistrantOrganization, 0),
    ("registrant organisation", Field::RegistrantOrganization, 1),
    ("registrant", Field::RegistrantOrganization, 2),
    ("orgname", Field::RegistrantOrganization, 3),
    ("org-name", Field::RegistrantOrganization, 4),
    ("organization", Field::RegistrantOrganization, 5),
    ("organisation", Field::RegistrantOrganization, 6),
    ("組織名", Field::RegistrantOrganization, 7),
    // RIPE and APNIC describe the network's holder in its first `descr:`; any named key is better.
    ("descr", Field::RegistrantOrganization, 8),
];

/// The fields of `text`, from at most its first `MAX_PARSED_BYTES`.
pub(crate) fn parse(text: &str) -> WhoisFields {
    let mut reader = Reader::default();
    for line in head(text, MAX_PARSED_BYTES).lines().take(MAX_LINES) {
        if line.len() <= MAX_LINE_BYTES {
            if let Some((key, value)) = key_and_value(line) {
                reader.read(&key, value);
            }
        }
    }
    reader.fields
}

/// The start of `text` an output shows, and whether it was cut.
pub(crate) fn raw_head(text: &str) -> (&str, bool) {
    let start = head(text, MAX_RAW_BYTES);
    (start, start.len() < text.len())
}

#[derive(Default)]
struct Reader {
    fields: WhoisFields,
    /// The rank of the key each single-valued field was taken from.
    ranks: [Option<u8>; 6],
    /// The instant of `fields.updated`, in milliseconds since the epoch.
    newest: Option<i64>,
}

impl Reader {
    fn read(&mut self, key: &str, value: &str) {
        let Some(&(_, field, rank)) = KEYS.iter().find(|(known, _, _)| *known == key) else {
            return;
        };
        let value = cleaned(value);
        if value.is_empty() {
            return;
        }
        match field {
            Field::NameServer => return self.name_server(&value),
            Field::Updated => return self.updated(&value),
            _ => {}
        }
        // Every other field keeps the value of its best-ranked key.
        let slot = &mut self.ranks[field as usize];
        if slot.is_some_and(|kept| kept <= rank) {
            return;
        }
        *slot = Some(rank);
        if let Some(target) = self.fields.single(field) {
            *target = Some(value);
        }
    }

    /// The date in `value`, if it is newer than any before it; the first of equal dates stays.
    fn updated(&mut self, value: &str) {
        let Some(dated) = dates::date_in(value) else {
            return;
        };
        if self.newest.is_some_and(|newest| newest >= dated.ms) {
            return;
        }
        self.newest = Some(dated.ms);
        self.fields.updated = Some(dated.text.to_owned());
    }

    /// `ns1.example.com 192.0.2.1` keeps the name only, lower-cased, without a final dot, once.
    fn name_server(&mut self, value: &str) {
        let servers = &mut self.fields.name_servers;
        let name = value.split_whitespace().next().unwrap_or_default();
        let name = name.trim_end_matches('.').to_lowercase();
        if !name.is_empty() && servers.len() < MAX_NAME_SERVERS && !servers.contains(&name) {
            servers.push(name);
        }
    }
}

/// A line's key, normalised, and its value, in either of the two layouts registries use:
/// `Key: value`, or JPRS's `[Key]   value`, possibly behind a list marker (`a. [Key] value`).
/// Comment and banner lines (`%`, `#`, `>>>`) have none.
fn key_and_value(line: &str) -> Option<(String, &str)> {
    let line = line.trim();
    if line.is_empty() || line.starts_with(['%', '#', '>']) {
        return None;
    }
    let bracketed = line
        .split_once(". [")
        .filter(|(marker, _)| marker.chars().count() == 1)
        .map(|(_, rest)| rest)
        .or_else(|| line.strip_prefix('['));
    let (key, value) = match bracketed {
        Some(rest) => rest.split_once(']')?,
        None => line.split_once(':')?,
    };
    let key = normalised(key);
    (!key.is_empty()).then_some((key, value))
}

/// Lower case, with runs of spaces made one.
fn normalised(key: &str) -> String {
    key.split_whitespace().collect::<Vec<&str>>().join(" ").to_lowercase()
}

/// The value trimmed, without control characters, and cut to `MAX_VALUE_BYTES`.
fn cleaned(value: &str) -> String {
    let text: String = value.trim().chars().filter(|c| !c.is_control()).collect();
    head(&text, MAX_VALUE_BYTES).trim_end().to_owned()
}

#[cfg(test)]
mod tests;
