//! A row of the contract (from a `# Contract` section, `contracts`) or of another table of the doc
//! (the source key), read from markdown.

use std::collections::BTreeMap;

use super::scan::normalised;

/// One row: where it is written (`file:line`) and its cells by column name.
#[derive(Debug, Clone)]
pub struct Row {
    pub place: String,
    pub cells: BTreeMap<String, String>,
}

impl Row {
    pub fn at(place: String, cells: BTreeMap<String, String>) -> Row {
        Row { place, cells }
    }

    pub fn cell(&self, column: &str) -> &str {
        self.cells.get(column).map(String::as_str).unwrap_or_default()
    }

    pub fn method(&self) -> String {
        self.cell("Method").replace('`', "").trim().to_owned()
    }

    /// The path written in the Path cell (in backticks).
    pub fn path(&self) -> String {
        backticked(self.cell("Path")).into_iter().next().unwrap_or_default()
    }

    pub fn routes(&self) -> Vec<String> {
        normalised(&self.path())
    }
}

/// The text inside each pair of backticks.
pub fn backticked(cell: &str) -> Vec<String> {
    cell.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// A table row's cells, split on the `|` that are not escaped (`\|` stays in its cell, as `|`).
pub fn cells(line: &str) -> Vec<String> {
    let line = line.trim().trim_start_matches('|');
    let line = line.strip_suffix('|').unwrap_or(line);
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => cell.push(chars.next().unwrap_or('|')),
            '|' => cells.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    cells.push(cell);
    cells.into_iter().map(|cell| cell.trim().to_owned()).collect()
}

/// Every table of `doc` (named `name` in each row's place) whose header has all of `columns`, as rows.
pub fn tables_with(name: &str, doc: &str, columns: &[&str]) -> Vec<Vec<Row>> {
    let lines: Vec<&str> = doc.lines().collect();
    let mut tables = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let header = cells(lines[i]);
        let is_header = lines[i].trim_start().starts_with('|')
            && columns.iter().all(|column| header.iter().any(|cell| cell == column))
            && lines
                .get(i + 1)
                .is_some_and(|line| line.trim_start().starts_with("|-") || line.contains("|---"));
        if !is_header {
            i += 1;
            continue;
        }
        let mut rows = Vec::new();
        i += 2;
        while i < lines.len() && lines[i].trim_start().starts_with('|') {
            let cells = header.iter().cloned().zip(cells(lines[i])).collect();
            rows.push(Row::at(format!("{name}:{}", i + 1), cells));
            i += 1;
        }
        tables.push(rows);
    }
    tables
}
