//! The packet capture of a detonation: the file a report's top-level `pcap`
//! link names, served at that link.
//!
//! Splunk SOAR's Get PCAP reads the report's `pcap` (a URL), downloads it
//! with a plain GET carrying no credentials, and refuses a failed or empty
//! download; so the link is self-authorising, and this route answers without
//! the API key, as a pre-signed link would. It is recorded like any API
//! request, so a test sees that the key was not sent. The file is a real
//! pcap (libpcap's format: a global header and a few UDP packets), the same
//! bytes for the same detonation, and its SHA-256 is the report's
//! `network.pcap_sha256`, as Cuckoo writes it.
//!
//! The route's line is in `detonations.rs`'s table, beside the reports it
//! asks about: a table here would import the route kit, and through it the
//! tenant's sandbox, making a cycle through three files of `sandbox/`.

use ring::digest::{digest, SHA256};

use crate::http::answer::{Answer, Refused};
use crate::http::response;

/// Where uploads live, as the report's links spell it.
pub(crate) const UPLOADS_PREFIX: &str = "/userUploads/";

/// `application/vnd.tcpdump.pcap`, the capture's media type.
const PCAP_TYPE: &str = "application/vnd.tcpdump.pcap";

/// The link a report gives for detonation `id`'s capture, on `origin`
/// (`http://127.0.0.1:<port>`): `<origin>/userUploads/<day>/userId-<user>_dump-<id>.pcap`,
/// the shape of Splunk SOAR's example file name.
pub(crate) fn link(origin: &str, day: &str, user_id: u64, id: u64) -> String {
    format!("{origin}{UPLOADS_PREFIX}{day}/userId-{user_id}_dump-{id}.pcap")
}

/// The capture of detonation `id`.
pub(crate) fn capture(id: u64) -> Vec<u8> {
    let mut file = Vec::new();
    // The global header: magic, version 2.4, UTC, accuracy 0, snapshot length, Ethernet.
    file.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    file.extend_from_slice(&2u16.to_le_bytes());
    file.extend_from_slice(&4u16.to_le_bytes());
    for word in [0u32, 0, 65_535, 1] {
        file.extend_from_slice(&word.to_le_bytes());
    }
    for n in 0..3u32 {
        let payload = format!("detonation {id}, packet {n}: a DNS query for evil-domain.example");
        let packet = udp_packet(payload.as_bytes());
        let length = u32::try_from(packet.len()).unwrap_or(u32::MAX);
        for word in [1_575_493_470 + n, 0, length, length] {
            file.extend_from_slice(&word.to_le_bytes());
        }
        file.extend_from_slice(&packet);
    }
    file
}

/// The SHA-256 of detonation `id`'s capture, in hex.
pub(crate) fn sha256(id: u64) -> String {
    digest(&SHA256, &capture(id))
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// An Ethernet frame with an IPv4 UDP datagram from 10.0.2.15 to the
/// sandbox's resolver, port 53; checksums are left 0 ("not computed").
fn udp_packet(payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![
        0x52, 0x54, 0, 0x12, 0x35, 0x02, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x08, 0x00,
    ];
    let udp_length = u16::try_from(8 + payload.len()).unwrap_or(u16::MAX);
    let ip_length = udp_length.saturating_add(20);
    frame.extend_from_slice(&[0x45, 0]);
    frame.extend_from_slice(&ip_length.to_be_bytes());
    frame.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 2, 15, 10, 0, 2, 3]);
    frame.extend_from_slice(&53_211u16.to_be_bytes());
    frame.extend_from_slice(&53u16.to_be_bytes());
    frame.extend_from_slice(&udp_length.to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(payload);
    frame
}

/// `GET /userUploads/<day>/<file>`: the capture named by `file`, when its
/// detonation has a report (`has_report`, the sandbox's word, passed in so
/// that the report, which links here, and this file import only one way);
/// a 404 otherwise.
pub(crate) fn download(path: &str, file: &str, has_report: impl Fn(u64) -> bool) -> Answer {
    let id = file
        .strip_suffix(".pcap")
        .and_then(|stem| stem.rsplit_once("_dump-"))
        .and_then(|(_, id)| id.parse::<u64>().ok())
        .filter(|id| has_report(*id))
        .ok_or_else(|| Refused::not_found(path))?;
    Ok(response::bytes(200, PCAP_TYPE, capture(id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_is_a_pcap_file_and_the_same_every_time() {
        let file = capture(188);
        assert_eq!(&file[..4], &0xa1b2_c3d4_u32.to_le_bytes());
        assert_eq!(file, capture(188));
        assert_ne!(file, capture(189));
        assert_eq!(sha256(188).len(), 64);
        let first_length = u32::from_le_bytes([file[32], file[33], file[34], file[35]]) as usize;
        assert_eq!(file[40 + 12..40 + 14], [0x08, 0x00], "an IPv4 frame");
        assert!(file.len() > 24 + 16 + first_length);
    }
}
