//! Many observables in few requests: the searches behind a bulk lookup.
//!
//! ThreatStream's `q` language takes `(value="a" OR value="b" ...)` (reference §1.4; Polarity looks
//! entities up this way), so a thousand observables need a handful of searches, not a thousand.
//! Observables are grouped by their v2 type, which narrows the loose `value` match (`type=md5` for
//! every hash, as ThreatStream files them), and each group is cut into chunks whose URL stays under
//! `MAX_URL_BYTES`, below the 8 KB request line many servers and proxies accept. Every chunk is
//! paged to its end. At most `concurrency` requests are in flight at once (pages of one chunk follow
//! each other), and each has the client's retries. `value=` in `q` is no exact match either, so each
//! record is routed back to the one observable it is exactly about, or dropped.
//!
//! The legacy v1 API has no `q`: there every observable is a search of its own, with the same limit
//! on requests in flight.
//!
//! The first chunk that fails ends the whole lookup with its error: the caller would otherwise judge
//! observables on records it never saw.

use std::collections::HashMap;

use futures_util::stream::{self, StreamExt};
use tracing::{info, warn};

use super::client::{ApiVersion, Client};
use super::error::ApiError;
use super::intelligence::{self, search, Observable, Record};
use super::paging::max_paging_bytes;
use crate::plural::count_of;

/// The longest URL a batch sends, scheme, host, path and paging included: under 8 KB, with room to
/// spare for the request line around it.
const MAX_URL_BYTES: usize = 8000;

/// One search: which observables it is for, and its filters.
#[derive(Debug, PartialEq, Eq)]
struct Chunk {
    members: Vec<usize>,
    filters: Vec<(&'static str, String)>,
}

/// Looks every one of `observables` up and answers with one sink per observable, in order: each
/// starts as `new_sink()` and receives, through `keep`, every record exactly about its observable,
/// page by page as they arrive, so a caller that tallies records never holds them.
pub(crate) async fn lookup_many<S, N, K>(
    client: &Client,
    observables: &[Observable],
    concurrency: usize,
    new_sink: N,
    keep: K,
) -> Result<Vec<S>, ApiError>
where
    S: Send,
    N: Fn() -> S + Sync,
    K: Fn(&mut S, Record) + Sync,
{
    let chunks = chunks(client, observables);
    info!(
        "Looking {} up in {}, at most {concurrency} requests at a time",
        count_of(observables.len(), "observable"),
        count_of(chunks.len(), "search")
    );
    // Collected first: a lazy `map` over borrowed chunks is a closure the compiler cannot prove
    // `Send` for every lifetime, which an action's future must be.
    let searches: Vec<_> = chunks
        .iter()
        .map(|chunk| look_up(client, observables, chunk, &new_sink, &keep))
        .collect();
    let mut answers = stream::iter(searches).buffer_unordered(concurrency.max(1));
    let mut sinks: Vec<Option<S>> = observables.iter().map(|_| None).collect();
    while let Some(answer) = answers.next().await {
        for (member, sink) in answer? {
            sinks[member] = Some(sink);
        }
    }
    Ok(sinks.into_iter().map(|sink| sink.unwrap_or_else(&new_sink)).collect())
}

/// One chunk's search, every page of it, each record handed to its observable's sink.
async fn look_up<S, N, K>(
    client: &Client,
    observables: &[Observable],
    chunk: &Chunk,
    new_sink: &N,
    keep: &K,
) -> Result<Vec<(usize, S)>, ApiError>
where
    N: Fn() -> S,
    K: Fn(&mut S, Record),
{
    let mut sinks: Vec<S> = chunk.members.iter().map(|_| new_sink()).collect();
    let router = Router::new(observables, &chunk.members);
    search(client, &chunk.filters, |page| {
        for record in page {
            if let Some(slot) = router.slot_of(&record) {
                keep(&mut sinks[slot], record);
            }
        }
    })
    .await?;
    Ok(chunk.members.iter().copied().zip(sinks).collect())
}

/// Which member of a chunk a record is exactly about, by its position among the chunk's members.
struct Router<'a> {
    members: Vec<&'a Observable>,
    slots: HashMap<&'a Observable, usize>,
}

impl<'a> Router<'a> {
    fn new(observables: &'a [Observable], members: &[usize]) -> Router<'a> {
        let members: Vec<&Observable> = members.iter().map(|&member| &observables[member]).collect();
        let slots = members
            .iter()
            .enumerate()
            .map(|(slot, &observable)| (observable, slot))
            .collect();
        Router { members, slots }
    }

    /// A typed record finds its observable in the map at once. A record the map cannot place is
    /// matched the slow way: v1's shape has no type, and an `Any` observable has no typed key. A loose
    /// match ThreatStream added matches no member either way, at the cost of one scan of its chunk.
    fn slot_of(&self, record: &Record) -> Option<usize> {
        let about = |slot: &usize| self.members[*slot].matches(record);
        Observable::of_record(record)
            .and_then(|observable| self.slots.get(&observable).copied())
            .filter(about)
            .or_else(|| (0..self.members.len()).find(about))
    }
}

/// The searches for `observables`: batches over v2, one per observable over v1.
fn chunks(client: &Client, observables: &[Observable]) -> Vec<Chunk> {
    match client.api_version() {
        ApiVersion::V1 => observables
            .iter()
            .enumerate()
            .map(|(member, observable)| Chunk {
                members: vec![member],
                filters: observable.filters(ApiVersion::V1),
            })
            .collect(),
        ApiVersion::V2 => {
            let fixed =
                client.endpoint(&intelligence::path(ApiVersion::V2)).as_str().len() + "?q=".len() + max_paging_bytes();
            batches(observables, MAX_URL_BYTES.saturating_sub(fixed))
        }
    }
}

/// Observables grouped by type (in the order types first appear) and cut into `q` searches of at
/// most `budget` bytes once URL-encoded. An observable too long for any batch is searched alone.
fn batches(observables: &[Observable], budget: usize) -> Vec<Chunk> {
    let mut groups: Vec<(Option<&'static str>, Vec<usize>)> = Vec::new();
    for (member, observable) in observables.iter().enumerate() {
        let kind = observable.v2_type();
        match groups.iter_mut().find(|(group, _)| *group == kind) {
            Some((_, members)) => members.push(member),
            None => groups.push((kind, vec![member])),
        }
    }
    let mut chunks = Vec::new();
    for (kind, members) in groups {
        let tail = kind.map_or_else(|| ")".to_owned(), |kind| format!(") AND type={kind}"));
        let mut batch = Batch::new(&tail);
        for member in members {
            let term = term(&observables[member]);
            if !batch.fits(&term, budget) && !batch.members.is_empty() {
                chunks.push(batch.finish(&tail));
                batch = Batch::new(&tail);
            }
            if !batch.fits(&term, budget) {
                warn!("One observable's search is longer than {MAX_URL_BYTES} bytes; it is sent alone");
            }
            batch.add(member, &term);
        }
        if !batch.members.is_empty() {
            chunks.push(batch.finish(&tail));
        }
    }
    chunks
}

/// A `q` search being filled: its terms so far and their encoded length with the parentheses and
/// the type clause.
struct Batch {
    members: Vec<usize>,
    q: String,
    encoded: usize,
}

const OR: &str = " OR ";

impl Batch {
    fn new(tail: &str) -> Batch {
        Batch {
            members: Vec::new(),
            q: String::from("("),
            encoded: encoded_len("(") + encoded_len(tail),
        }
    }

    fn cost(&self, term: &str) -> usize {
        encoded_len(term) + if self.members.is_empty() { 0 } else { encoded_len(OR) }
    }

    fn fits(&self, term: &str, budget: usize) -> bool {
        self.encoded + self.cost(term) <= budget
    }

    fn add(&mut self, member: usize, term: &str) {
        self.encoded += self.cost(term);
        if !self.members.is_empty() {
            self.q.push_str(OR);
        }
        self.q.push_str(term);
        self.members.push(member);
    }

    fn finish(mut self, tail: &str) -> Chunk {
        self.q.push_str(tail);
        Chunk {
            members: self.members,
            filters: vec![("q", self.q)],
        }
    }
}

/// `value="..."`, with `"` and `\` escaped as the `q` language wants them.
fn term(observable: &Observable) -> String {
    let value = observable.value();
    let mut term = String::with_capacity(value.len() + 9);
    term.push_str("value=\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            term.push('\\');
        }
        term.push(c);
    }
    term.push('"');
    term
}

/// The length of `text` in a query string, encoded as reqwest encodes a query
/// (application/x-www-form-urlencoded).
fn encoded_len(text: &str) -> usize {
    form_urlencoded::byte_serialize(text.as_bytes()).map(str::len).sum()
}

#[cfg(test)]
mod tests;
