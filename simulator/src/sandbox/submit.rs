//! Judging a sandbox submission the way ThreatStream does before it queues a
//! detonation: which form fields must be there, which values it refuses.
//!
//! The rules come from anomali-plugin.md §3.4-3.5 (what the published plugin
//! sends) and threatstream-api-and-peers.md §1.13: a URL or a file, a
//! platform the standard or premium sandbox offers (`platforms.rs`) unless
//! VMRay is asked for, and the sandbox flags spelled as the
//! lower-case strings `true`/`false` (Splunk SOAR notes that `True` is
//! refused).

use crate::http::form::{FormFile, SubmittedForm};
use crate::sandbox::platforms::Platforms;

/// Platforms of `GET /api/v1/submit/parameters/`: the union of the published
/// plugin's enum and the names §1.13 lists.
pub(crate) const PLATFORMS: [&str; 18] = [
    "ANDROID4.4",
    "ANDROID5.1",
    "ANDROID6.0",
    "ANDROID9.0",
    "LINUX",
    "MACOSX",
    "MACOSXVM",
    "WINDOWSXP",
    "WINDOWSXPNATIVE",
    "WINDOWS7",
    "WINDOWS7NATIVE",
    "WINDOWS7OFFICE2010",
    "WINDOWS7OFFICE2013",
    "WINDOWS7x64OFFICE2010",
    "WINDOWS10",
    "WINDOWS10x64",
    "ALL",
    "VMRAY",
];

/// What `ALL` detonates on: the two platforms of the published plugin's help
/// example, which answers one report for each.
const ALL_PLATFORMS: [&str; 2] = ["WINDOWS7", "WINDOWSXP"];

/// An accepted submission, before it has ids.
pub(crate) struct Plan<'a> {
    pub(crate) platforms: Vec<String>,
    pub(crate) target: Detonated<'a>,
}

pub(crate) enum Detonated<'a> {
    Url(&'a str),
    File(&'a FormFile),
}

/// The part names a file may arrive under: the published plugin and Splunk
/// SOAR send `file`, Cortex XSOAR `report_radio-file`.
const FILE_PARTS: [&str; 2] = ["file", "report_radio-file"];

/// The submission `form` asks for, on a sandbox that offers `offered`.
pub(crate) fn plan<'a>(form: &'a SubmittedForm, offered: &Platforms) -> Result<Plan<'a>, String> {
    let premium = flag(form, "use_premium_sandbox")?;
    let vmray = flag(form, "use_vmray_sandbox")?;
    if premium && vmray {
        return Err("The premium sandbox and the VMRay sandbox cannot be used together.".to_owned());
    }
    check_classification(form)?;
    let platforms = if vmray {
        vec!["VMRAY".to_owned()]
    } else {
        platforms(form.field("report_radio-platform"), offered, premium)?
    };
    Ok(Plan {
        platforms,
        target: target(form)?,
    })
}

fn flag(form: &SubmittedForm, name: &str) -> Result<bool, String> {
    match form.field(name) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!(
            "Invalid value for '{name}': '{other}'. Use \"true\" or \"false\"."
        )),
    }
}

fn check_classification(form: &SubmittedForm) -> Result<(), String> {
    match form.field("report_radio-classification") {
        None | Some("private" | "public") => Ok(()),
        Some(other) => Err(format!(
            "Invalid value for 'report_radio-classification': '{other}'. Use \"private\" or \"public\"."
        )),
    }
}

fn platforms(platform: Option<&str>, offered: &Platforms, premium: bool) -> Result<Vec<String>, String> {
    match platform {
        None | Some("") => Err("'report_radio-platform' is required unless the VMRay sandbox is used.".to_owned()),
        Some("ALL") => Ok(ALL_PLATFORMS.iter().map(|p| (*p).to_owned()).collect()),
        Some(name) if name != "VMRAY" && offered.offers(name, premium) => Ok(vec![name.to_owned()]),
        Some(name) => {
            let sandbox = if premium { "premium" } else { "standard" };
            Err(format!(
                "Invalid platform: '{name}' is not a platform of the {sandbox} sandbox."
            ))
        }
    }
}

fn target(form: &SubmittedForm) -> Result<Detonated<'_>, String> {
    let url = form.field("report_radio-url").filter(|url| !url.is_empty());
    let mut files = form
        .files
        .iter()
        .filter(|file| FILE_PARTS.contains(&file.field.as_str()));
    let file = files.next();
    if files.next().is_some() {
        return Err("Only one file can be detonated at a time.".to_owned());
    }
    match (url, file) {
        (Some(url), None) => Ok(Detonated::Url(url)),
        (None, Some(file)) => Ok(Detonated::File(file)),
        (Some(_), Some(_)) => Err("Send either a URL or a file, not both.".to_owned()),
        (None, None) => Err("Nothing to detonate: send 'report_radio-url' or a file.".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> SubmittedForm {
        SubmittedForm {
            fields: fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..SubmittedForm::default()
        }
    }

    fn url_form(extra: &[(&str, &str)]) -> SubmittedForm {
        let mut fields = vec![
            ("report_radio-platform", "WINDOWS7"),
            ("use_premium_sandbox", "false"),
            ("report_radio-classification", "private"),
            ("report_radio-url", "google.com"),
        ];
        fields.extend_from_slice(extra);
        form(&fields)
    }

    #[test]
    fn the_published_plugins_url_form_is_accepted() {
        let form = url_form(&[]);
        let plan = plan(&form, &Platforms::default()).expect("accepted");
        assert_eq!(plan.platforms, vec!["WINDOWS7"]);
        assert!(matches!(plan.target, Detonated::Url("google.com")));
    }

    #[test]
    fn all_means_two_platforms_and_vmray_needs_none() {
        let form = url_form(&[("report_radio-platform", "ALL")]);
        assert_eq!(
            plan(&form, &Platforms::default()).expect("accepted").platforms,
            vec!["WINDOWS7", "WINDOWSXP"]
        );
        let vmray = form_without_platform(&[("use_vmray_sandbox", "true")]);
        assert_eq!(
            plan(&vmray, &Platforms::default()).expect("accepted").platforms,
            vec!["VMRAY"]
        );
    }

    fn form_without_platform(extra: &[(&str, &str)]) -> SubmittedForm {
        let mut fields = vec![("report_radio-url", "google.com")];
        fields.extend_from_slice(extra);
        form(&fields)
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let cases = [
            (url_form(&[("report_radio-platform", "WINDOWS95")]), "Invalid platform"),
            (url_form(&[("use_premium_sandbox", "True")]), "use_premium_sandbox"),
            (url_form(&[("report_radio-classification", "secret")]), "classification"),
            (form(&[("report_radio-platform", "WINDOWS7")]), "Nothing to detonate"),
            (form_without_platform(&[]), "report_radio-platform"),
            (
                url_form(&[("use_premium_sandbox", "true"), ("use_vmray_sandbox", "true")]),
                "cannot be used together",
            ),
        ];
        for (form, expected) in cases {
            let message = plan(&form, &Platforms::default()).err().unwrap_or_default();
            assert!(message.contains(expected), "{message:?} should mention {expected:?}");
        }
    }

    #[test]
    fn a_url_and_a_file_together_are_refused() {
        let mut form = url_form(&[]);
        form.files.push(FormFile {
            field: "file".into(),
            file_name: "a.exe".into(),
            bytes: b"MZ".to_vec(),
        });
        assert!(plan(&form, &Platforms::default()).is_err());
        form.fields.retain(|(name, _)| name != "report_radio-url");
        assert!(matches!(
            plan(&form, &Platforms::default()).map(|p| p.target),
            Ok(Detonated::File(_))
        ));
    }
}
