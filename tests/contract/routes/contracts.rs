//! The contract's rows, read from the `# Contract` sections beside the calls in `src/threatstream/`,
//! and the table of docs/threatstream-api.md written from them.
//!
//! A route's contract is written where its request is built, in the doc comment of the call that
//! sends it, so a new endpoint is one file (the call and its contract) rather than two, and a reviewer
//! of the call reads what the public clients confirm about it. `make generate` writes the doc's table
//! from these sections; the doc keeps the prose, the source key and the conventions.
//!
//! A section, in a `///` or `//!` comment:
//!
//! ```text
//! # Contract: GET `/api/v1/rule/{id}/`
//!
//! - Capability: Rules (`list_rules` with an ID)
//! - Parameters and body: None
//! - Answer and paging: The rule's detail object. 404: no rule with that ID. No paging
//! - Confirmed by: XS3 `list_rule_request` with a `rule_id`
//! - Fixtures: None yet (...)
//! - Choice: None
//! ```
//!
//! Blank lines may part the items; a line indented by a space or more goes on with the item above
//! it, and an item's value may start on its second line. The section ends at the next heading or the
//! end of the doc comment; an item after a line of other prose is an error, never an item lost. Every
//! label but Fixtures and Choice is required; a `|` needs no escaping here (the table escapes it). A
//! `///` section is on the function that sends the route (the table's Call column names it); a `//!`
//! section stands for its module.

use std::collections::BTreeMap;
use std::path::Path;

use super::read;
use super::table::Row;

/// The labels of a section's items and the table's columns they fill, in the table's order.
const COLUMNS: [(&str, &str); 6] = [
    ("Capability", "Capability (steps)"),
    ("Parameters and body", "Parameters and body"),
    ("Answer and paging", "Answer and paging"),
    ("Confirmed by", "Confirmed by"),
    ("Fixtures", "Fixtures"),
    ("Choice", "Where sources disagree → choice"),
];

/// The labels a section must have.
const REQUIRED: [&str; 4] = ["Capability", "Parameters and body", "Answer and paging", "Confirmed by"];

const HEADING: &str = "# Contract: ";

/// Where the calls and their contracts live.
pub const CALLS_DIR: &str = "src/threatstream";

/// The sections of every file under `src/threatstream/`, file by file in name order, each in the
/// order it is written; or what is wrong with the ones that cannot be read.
pub fn contract_rows(root: &Path) -> Result<Vec<Row>, Vec<String>> {
    let mut files = Vec::new();
    collect_files(&root.join(CALLS_DIR), &mut files);
    files.sort();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let (found, wrong) = sections(&name, &read(&path));
        rows.extend(found);
        problems.extend(wrong);
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn collect_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())) {
        let path = entry.expect("a readable entry").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            files.push(path);
        }
    }
}

/// The text of a doc comment line (`///` or `//!`, one space dropped), or `None` for any other line.
fn doc_text(line: &str) -> Option<&str> {
    let line = line.trim_start();
    let text = line.strip_prefix("///").or_else(|| line.strip_prefix("//!"))?;
    Some(text.strip_prefix(' ').unwrap_or(text))
}

/// The sections of one file, named `file`.
pub fn sections(file: &str, source: &str) -> (Vec<Row>, Vec<String>) {
    let lines: Vec<&str> = source.lines().collect();
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(route) = doc_text(line).and_then(|text| text.strip_prefix(HEADING)) else {
            continue;
        };
        let place = format!("{file}:{}", at + 1);
        let read = section(&place, route, &lines[at + 1..]).and_then(|mut row| {
            let call = call(file, &place, line, &lines[at + 1..])?;
            row.cells.insert("Call".to_owned(), call);
            Ok(row)
        });
        match read {
            Ok(row) => rows.push(row),
            Err(problem) => problems.push(problem),
        }
    }
    (rows, problems)
}

/// One section: its heading's route, then its items, read to the end of the doc comment or the next
/// heading. Blank lines may part items; a line indented by a space or more goes on with the item
/// above. The section ends at the first other line, and an item after that end is an error rather
/// than an item lost.
fn section(place: &str, route: &str, below: &[&str]) -> Result<Row, String> {
    let (method, path) = route
        .split_once(' ')
        .filter(|(method, path)| !method.is_empty() && path.starts_with('`') && path.ends_with('`'))
        .ok_or_else(|| format!("{place}: a contract's heading is `{HEADING}METHOD `/api/...``, found {route:?}"))?;
    let block = below
        .iter()
        .map_while(|line| doc_text(line))
        .take_while(|text| !text.starts_with('#'));
    let mut items: Vec<(&str, String)> = Vec::new();
    let mut ended: Option<&str> = None;
    for text in block.filter(|text| !text.trim().is_empty()) {
        match (item(text), ended) {
            (Some(Err(label)), None) => {
                return Err(format!(
                    "{place}: `{label}` is not a contract's label; they are {:?}",
                    labels()
                ))
            }
            (Some(Ok((label, _))), Some(end)) => {
                return Err(format!(
                    "{place}: `- {label}:` comes after the section ended at {end:?}; an item's further lines \
                     are indented"
                ))
            }
            (Some(Ok((label, value))), None) => items.push((label, value.to_owned())),
            (_, None) if text.starts_with(' ') && !items.is_empty() => {
                let last = items.last_mut().expect("an item to go on");
                last.1 = format!("{} {}", last.1, text.trim()).trim_start().to_owned();
            }
            (_, None) => ended = Some(text),
            (_, Some(_)) => {}
        }
    }
    let mut cells = BTreeMap::from([
        ("Method".to_owned(), method.to_owned()),
        ("Path".to_owned(), path.to_owned()),
    ]);
    for (label, value) in items {
        let column = column(label).expect("items have known labels");
        if cells.insert(column.to_owned(), value).is_some() {
            return Err(format!("{place}: `{label}` is given twice"));
        }
    }
    if let Some(missing) = REQUIRED
        .iter()
        .find(|label| column(label).is_none_or(|c| !cells.contains_key(c)))
    {
        return Err(format!(
            "{place}: the contract of {route} has no `- {missing}: ...` item"
        ));
    }
    Ok(Row::at(place.to_owned(), cells))
}

/// A line that is an item, `- Label: value` (the value may start on the next line): its known label
/// and value, or the label it names that is no contract's (`Err`); `None` for any other line.
fn item(text: &str) -> Option<Result<(&'static str, &str), String>> {
    let (label, value) = text.strip_prefix("- ")?.split_once(':')?;
    let looks_like_label =
        !label.is_empty() && label.len() <= 40 && label.chars().all(|c| c.is_alphabetic() || c == ' ');
    if !looks_like_label || !(value.is_empty() || value.starts_with(' ')) {
        return None;
    }
    let known = COLUMNS.iter().map(|(known, _)| *known).find(|known| *known == label);
    Some(known.map(|known| (known, value.trim())).ok_or_else(|| label.to_owned()))
}

/// The column a label fills.
fn column(label: &str) -> Option<&'static str> {
    COLUMNS
        .iter()
        .find(|(known, _)| *known == label)
        .map(|(_, column)| *column)
}

/// The call a section documents, linked to its file: the function its `///` doc comment is on
/// (`rules::rule`), or the module for a section in a module's `//!` doc. A `///` section on anything
/// but a function is an error: the table would name no call.
fn call(file: &str, place: &str, heading: &str, below: &[&str]) -> Result<String, String> {
    let module = file
        .trim_start_matches(CALLS_DIR)
        .trim_start_matches('/')
        .trim_end_matches(".rs")
        .trim_end_matches("/mod")
        .replace('/', "::");
    if heading.trim_start().starts_with("//!") {
        return Ok(format!("[`{module}`](../{file})"));
    }
    let function = item_after(below)
        .and_then(|line| line.split_once("fn ").map(|(_, rest)| rest))
        .and_then(|rest| rest.split(|c: char| !c.is_alphanumeric() && c != '_').next())
        .filter(|name| !name.is_empty())
        .ok_or_else(|| format!("{place}: a `///` contract is written on the function that sends its route"))?;
    Ok(format!("[`{module}::{function}`](../{file})"))
}

/// The first line of the item a doc comment is on: past the rest of the comment, blank lines and
/// attributes, however many lines an attribute takes.
fn item_after<'a>(below: &[&'a str]) -> Option<&'a str> {
    let mut open_brackets = 0i32;
    for line in below.iter().map(|line| line.trim()) {
        let in_attribute = open_brackets > 0 || line.starts_with("#[");
        if in_attribute {
            open_brackets += line.matches('[').count() as i32 - line.matches(']').count() as i32;
            continue;
        }
        if !(line.is_empty() || line.starts_with("//")) {
            return Some(line);
        }
    }
    None
}

fn labels() -> Vec<&'static str> {
    COLUMNS.iter().map(|(label, _)| *label).collect()
}

/// The table of routes, as docs/threatstream-api.md shows it.
pub fn table(rows: &[Row]) -> String {
    let mut columns = vec![COLUMNS[0].1, "Method", "Path", "Call"];
    columns.extend(COLUMNS[1..].iter().map(|(_, column)| *column));
    let mut table = format!("| {} |\n|{}\n", columns.join(" | "), "---|".repeat(columns.len()));
    for row in rows {
        let cells: Vec<String> = columns
            .iter()
            .map(|column| match *column {
                "Call" => row.cell(column).to_owned(),
                column => row.cell(column).replace('|', "\\|"),
            })
            .collect();
        table.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    table
}
