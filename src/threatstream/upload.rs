//! A file uploaded as multipart form data, beside text fields: what an import with approval and a
//! sandbox submission of a file both send, under ThreatStream's field name `file`.

use reqwest::multipart::{Form, Part};

/// A file with its name, which ThreatStream reads (an import decides how to parse it by its
/// extension).
pub(crate) struct Upload {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// `fields` as text parts, in order, and `upload`, when given, as the `file` part.
pub(crate) fn form(fields: Vec<(&'static str, String)>, upload: Option<Upload>) -> Form {
    let form = fields
        .into_iter()
        .fold(Form::new(), |form, (name, value)| form.text(name, value));
    match upload {
        Some(Upload { name, bytes }) => form.part("file", Part::bytes(bytes).file_name(name)),
        None => form,
    }
}
