//! The body of [`crate::Fault::HugeBody`]: exactly N bytes that start like a
//! search page, produced chunk by chunk so a multi-gigabyte answer costs the
//! simulator one small buffer.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame};

const PREFIX: &[u8] = br#"{"meta": {"next": null}, "objects": ["#;
const PATTERN: &[u8] = br#"{"value": "203.0.113.77", "type": "ip", "itype": "scan_ip"}, "#;
const CHUNK: usize = 64 * 1024;

pub(crate) struct Filler {
    remaining: u64,
    started: bool,
    chunk: Bytes,
}

impl Filler {
    pub(crate) fn new(bytes: u64) -> Filler {
        let chunk: Vec<u8> = PATTERN.iter().copied().cycle().take(CHUNK).collect();
        Filler {
            remaining: bytes,
            started: false,
            chunk: Bytes::from(chunk),
        }
    }

    fn next_frame(&mut self) -> Bytes {
        let source = if self.started {
            self.chunk.clone()
        } else {
            self.started = true;
            Bytes::from_static(PREFIX)
        };
        // A remainder too big for usize is bigger than any chunk, hence CHUNK.
        let take = source.len().min(usize::try_from(self.remaining).unwrap_or(CHUNK));
        self.remaining -= take as u64;
        source.slice(..take)
    }
}

impl Body for Filler {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        Poll::Ready(Some(Ok(Frame::data(this.next_frame()))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(mut filler: Filler) -> Vec<u8> {
        let mut out = Vec::new();
        while filler.remaining > 0 {
            out.extend_from_slice(&filler.next_frame());
        }
        out
    }

    #[test]
    fn produces_exactly_the_requested_size() {
        for size in [0_u64, 5, PREFIX.len() as u64, 200_000] {
            let body = drain(Filler::new(size));
            assert_eq!(body.len() as u64, size);
            assert!(PREFIX.starts_with(&body) || body.starts_with(PREFIX));
        }
    }
}
