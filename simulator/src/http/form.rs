//! HTML forms as ThreatStream's v1 endpoints receive them: multipart when a
//! file is attached, URL-encoded otherwise, exactly as Python's `requests`
//! chooses between them. The sandbox and the import with approval read their
//! forms through this, and tests read any recorded request's form with
//! [`RecordedRequest::form`].

use std::convert::Infallible;

use bytes::Bytes;
use futures_util::FutureExt;

use crate::http::request::RecordedRequest;

/// A form body taken apart: plain fields and file parts, each in arrival
/// order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SubmittedForm {
    /// Every part without a file name (multipart) or every pair (URL-encoded),
    /// in arrival order, repeats kept.
    pub fields: Vec<(String, String)>,
    /// Every multipart part that carried a file name.
    pub files: Vec<FormFile>,
    pub encoding: FormEncoding,
}

/// How the client encoded the form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormEncoding {
    #[default]
    Multipart,
    UrlEncoded,
}

/// One uploaded file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormFile {
    /// The part's name: `file` from the published plugin and Splunk SOAR,
    /// `report_radio-file` from Cortex XSOAR.
    pub field: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl SubmittedForm {
    /// The last value sent for `name`, as a server framework would read it.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

impl RecordedRequest {
    /// The body read as a form, by its `Content-Type`.
    ///
    /// # Errors
    /// When the body is neither multipart nor URL-encoded, or the multipart
    /// body is malformed.
    pub fn form(&self) -> Result<SubmittedForm, String> {
        let content_type = self.header("content-type").unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Ok(url_encoded(&self.body));
        }
        let boundary = multer::parse_boundary(content_type)
            .map_err(|_| "The body must be multipart/form-data or application/x-www-form-urlencoded.".to_owned())?;
        // The whole body is already in memory, so the parse never waits.
        multipart(self.body.clone(), boundary)
            .now_or_never()
            .unwrap_or_else(|| Err("The multipart body could not be read at once.".to_owned()))
    }
}

fn url_encoded(body: &[u8]) -> SubmittedForm {
    SubmittedForm {
        fields: form_urlencoded::parse(body).into_owned().collect(),
        files: Vec::new(),
        encoding: FormEncoding::UrlEncoded,
    }
}

async fn multipart(body: Vec<u8>, boundary: String) -> Result<SubmittedForm, String> {
    let body = Bytes::from(body);
    let stream = futures_util::stream::once(async move { Ok::<Bytes, Infallible>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    let mut form = SubmittedForm::default();
    while let Some(part) = parts.next_field().await.map_err(|e| e.to_string())? {
        let name = part.name().unwrap_or_default().to_owned();
        let file_name = part.file_name().map(str::to_owned);
        let bytes = part.bytes().await.map_err(|e| e.to_string())?;
        match file_name {
            Some(file_name) => form.files.push(FormFile {
                field: name,
                file_name,
                bytes: bytes.to_vec(),
            }),
            None => form.fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(content_type: &str, body: &[u8]) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/api/v1/submit/new/".into(),
            query: None,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.to_vec(),
        }
    }

    #[test]
    fn url_encoded_pairs_keep_their_order() {
        let form = request(
            "application/x-www-form-urlencoded",
            b"report_radio-platform=WINDOWS7&use_premium_sandbox=false&report_radio-url=http%3A%2F%2Fx%2F",
        )
        .form()
        .expect("a form");
        assert_eq!(form.encoding, FormEncoding::UrlEncoded);
        assert_eq!(form.fields[0].0, "report_radio-platform");
        assert_eq!(form.field("report_radio-url"), Some("http://x/"));
        assert!(form.files.is_empty());
    }

    #[test]
    fn multipart_separates_fields_from_files() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"detail\"\r\n\r\na,b\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"testfile\"\r\n\
                    Content-Type: application/octet-stream\r\n\r\nHello World\n\r\n--XyZ--\r\n";
        let form = request("multipart/form-data; boundary=XyZ", body.as_bytes())
            .form()
            .expect("a form");
        assert_eq!(form.fields, vec![("detail".to_owned(), "a,b".to_owned())]);
        assert_eq!(form.files[0].file_name, "testfile");
        assert_eq!(form.files[0].bytes, b"Hello World\n");
    }

    #[test]
    fn other_bodies_are_refused() {
        assert!(request("application/json", b"{}").form().is_err());
        assert!(request("multipart/form-data; boundary=Q", b"not multipart")
            .form()
            .is_err());
    }
}
