//! The InsightConnect `file` type, as imports and sandbox submissions take it, decoded from base64
//! while the input is read.
//!
//! A file of 50 MiB is 67 MiB of base64 in the start message. Decoding it straight from the message
//! text, instead of into a `String` first, keeps the peak memory at the message plus the decoded file.

use std::io::Read;

use base64::{DecodeError, Engine};
use schemars::JsonSchema;
use serde::Deserialize;

use super::input::{line, Untouched, MAX_FILE_NAME_CHARS};
use crate::protocol::Failure;
use crate::threatstream::Upload;

/// The InsightConnect `file` type.
#[derive(Deserialize, JsonSchema)]
#[schemars(rename = "file", title = "File")]
pub(crate) struct File {
    /// Name of the file
    #[schemars(title = "Filename")]
    filename: String,
    /// File contents, base64-encoded
    #[schemars(title = "Content", extend("format" = "bytes", "displayType" = "bytes"))]
    content: Base64Bytes,
}

impl Untouched for File {
    /// Nothing given: the orchestrator sends `{"filename": "", "content": ""}` for a file input left
    /// empty, as the samples it writes do.
    fn untouched(&self) -> bool {
        self.filename.trim().is_empty() && self.content.0.is_empty()
    }
}

impl File {
    /// The file's name and bytes, refused when either is empty; `input` names the input it came in.
    /// The name goes into the upload's part header, where a line break or a NUL would end it early or
    /// forge another header, so it is one line of at most `MAX_FILE_NAME_CHARS`.
    pub(crate) fn decoded(self, input: &str) -> Result<Upload, Failure> {
        let name = self.filename.trim().to_owned();
        let name_input = format!("{input}.filename");
        if name.is_empty() {
            let reason = "the file has no filename; ThreatStream reads the extension to decide how to parse it";
            return Err(Failure::invalid_input(&name_input, reason));
        }
        line(&name, &name_input, "the file name", MAX_FILE_NAME_CHARS)?;
        let Base64Bytes(bytes) = self.content;
        if bytes.is_empty() {
            return Err(Failure::invalid_input(&format!("{input}.content"), "the file is empty"));
        }
        Ok(Upload { name, bytes })
    }
}

/// A file's contents, decoded: the base64 text is never copied out of the start message.
pub(crate) struct Base64Bytes(pub(crate) Vec<u8>);

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Base64Bytes, D::Error> {
        deserializer.deserialize_str(Base64Visitor)
    }
}

struct Base64Visitor;

impl serde::de::Visitor<'_> for Base64Visitor {
    type Value = Base64Bytes;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("base64 text")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Base64Bytes, E> {
        decode_base64(text)
            .map(Base64Bytes)
            .map_err(|problem| E::custom(format!("the content is not base64: {problem}")))
    }
}

/// Decodes base64, skipping the line breaks some encoders put every 76 characters; a failure says
/// what is wrong with the text (`problem`).
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let engine = &base64::engine::general_purpose::STANDARD;
    if !text.bytes().any(|byte| byte.is_ascii_whitespace()) {
        return engine.decode(text).map_err(|error| problem(&error));
    }
    let mut bytes = Vec::with_capacity(text.len() / 4 * 3);
    base64::read::DecoderReader::new(WithoutWhitespace(text.as_bytes()), engine)
        .read_to_end(&mut bytes)
        .map_err(
            |error| match error.get_ref().and_then(|inner| inner.downcast_ref::<DecodeError>()) {
                Some(decoding) => problem(decoding),
                None => error.to_string(),
            },
        )?;
    Ok(bytes)
}

/// What is wrong with base64 text, in the words of whoever encoded the file. The decoder's own
/// message counts offsets into the text with its line breaks left out, which points nowhere a user
/// can look.
fn problem(error: &DecodeError) -> String {
    match *error {
        DecodeError::InvalidByte(_, b'-' | b'_') | DecodeError::InvalidLastSymbol(_, b'-' | b'_') => {
            "it holds '-' or '_', the characters of URL-safe base64; encode the file with standard base64, \
             which uses '+' and '/'"
                .to_owned()
        }
        DecodeError::InvalidByte(_, b'=') | DecodeError::InvalidPadding => {
            "its '=' padding is missing or out of place: base64 ends with just enough '=' to make its length a \
             multiple of 4 and has none elsewhere, so the text was cut short or is two texts joined"
                .to_owned()
        }
        DecodeError::InvalidByte(_, byte) => format!(
            "it holds {}, which base64 never does (it uses A-Z, a-z, 0-9, '+' and '/', and '=' at the end); \
             give the file's bytes encoded in base64",
            character(byte)
        ),
        DecodeError::InvalidLength(_) | DecodeError::InvalidLastSymbol(..) => {
            "it ends in the middle of a group of four characters, so it was cut short or lost its '=' \
             padding"
                .to_owned()
        }
    }
}

/// A byte of the text as a person recognises it.
fn character(byte: u8) -> String {
    match byte {
        b' '..=b'~' => format!("'{}'", char::from(byte)),
        0x80.. => "a character outside ASCII".to_owned(),
        control => format!("the control character {}", char::from(control).escape_default()),
    }
}

/// Reads text with its ASCII whitespace left out.
struct WithoutWhitespace<'a>(&'a [u8]);

impl std::io::Read for WithoutWhitespace<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut written = 0;
        while written < out.len() {
            let Some((&byte, rest)) = self.0.split_first() else {
                break;
            };
            self.0 = rest;
            if !byte.is_ascii_whitespace() {
                out[written] = byte;
                written += 1;
            }
        }
        Ok(written)
    }
}

impl JsonSchema for Base64Bytes {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Base64Bytes".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string"})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_one_line_of_at_most_255_characters() {
        let file = |filename: &str| File {
            filename: filename.to_owned(),
            content: Base64Bytes(b"x".to_vec()),
        };
        assert_eq!(file(" setup.exe ").decoded("file").unwrap().name, "setup.exe");
        for bad in ["a\r\nContent-Type: text/html\r\n\r\nx.csv", "a\0.csv", &"n".repeat(256)] {
            let failure = file(bad).decoded("file").err().expect("refused");
            assert!(
                failure
                    .cause
                    .starts_with("Invalid input 'file.filename': the file name"),
                "{}",
                failure.cause
            );
        }
        assert!(
            !file("").untouched(),
            "content without a name was given, and is refused"
        );
        let empty = File {
            filename: String::new(),
            content: Base64Bytes(Vec::new()),
        };
        assert!(empty.untouched());
    }

    #[test]
    fn decodes_plain_and_wrapped_base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8=\r\n").unwrap(), b"hello");
        assert!(decode_base64("%%%").is_err());
        assert!(decode_base64("aGV\nsbG8").is_err());
    }

    #[test]
    fn a_bad_text_is_described_without_offsets() {
        let problem = |text: &str| decode_base64(text).unwrap_err();
        assert!(
            problem("abc%def=").starts_with("it holds '%', which base64 never does"),
            "{}",
            problem("abc%def=")
        );
        assert!(
            problem("ab\ncd%e").starts_with("it holds '%'"),
            "with line breaks: {}",
            problem("ab\ncd%e")
        );
        assert!(problem("aGVsbG8-").contains("URL-safe"), "{}", problem("aGVsbG8-"));
        assert!(
            problem("aGVsbG8").contains("padding is missing"),
            "{}",
            problem("aGVsbG8")
        );
        assert!(problem("aGVsb").contains("middle of a group"), "{}", problem("aGVsb"));
        assert!(problem("aGVs\nbG8").contains("cut short"), "{}", problem("aGVs\nbG8"));
        assert!(
            problem("aG=sbG8=").contains("padding is missing or out of place"),
            "{}",
            problem("aG=sbG8=")
        );
        assert!(problem("aGVsbG8é").contains("outside ASCII"), "{}", problem("aGVsbG8é"));
        assert!(
            problem("aGVs\u{1b}bG8=").contains("control character \\u{1b}"),
            "{}",
            problem("aGVs\u{1b}bG8=")
        );
        for text in ["abc%def=", "ab\ncd%e", "aGVsbG8", "aG=sbG8="] {
            let problem = problem(text);
            assert!(!problem.contains("offset") && !problem.contains("symbol"), "{problem}");
        }
    }
}
