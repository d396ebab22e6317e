//! Rules about the source tree that no compiler checks.
//!
//! - No import cycle runs through more than two files of one folder, in `src/` or `simulator/src/`:
//!   a cycle means no file of it can be read, changed or tested without the others, and in one
//!   folder it usually means a shared type sits in the wrong file (the simulator's router once
//!   exported its answer types to the handlers it called: a 22-file cycle). Two files that use each
//!   other (a module and its tests, a parent and its re-exported child) are allowed.
//! - Every process a test spawns has a deadline: it runs through the harness's `output_of` or
//!   `wait_at_most` (the simulator's tests: `bin_output`), never `Command::output` or `status`,
//!   which wait forever on a hung binary.
//!
//! The import graph is read from the text, good enough for this tree: `use` declarations (braces
//! expanded) and `crate::`/`super::`/`self::` paths anywhere in the code, each resolved to the file
//! that defines the named module or item, following `pub use` re-exports to where the item lives.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, by its path from `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path.strip_prefix(dir).unwrap_or(&path).to_path_buf());
            }
        }
    }
    found.sort();
    found
}

/// The module path of a file of the library crate rooted at `lib.rs`; `None` for `main.rs`, the root
/// of another crate.
fn module_of(file: &Path) -> Option<Vec<String>> {
    let mut parts: Vec<String> = file.iter().map(|part| part.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?;
    match last.as_str() {
        "main.rs" if parts.is_empty() => return None,
        "lib.rs" if parts.is_empty() => {}
        "mod.rs" => {}
        name => parts.push(name.trim_end_matches(".rs").to_owned()),
    }
    Some(parts)
}

/// The code of a file without comments and string literals (which may spell paths as examples).
fn code_of(text: &str) -> String {
    let mut code = String::with_capacity(text.len());
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            match (in_string, escaped, c) {
                (true, false, '\\') => escaped = true,
                (true, false, '"') => in_string = false,
                (true, ..) => escaped = false,
                (false, _, '"') => in_string = true,
                (false, ..) => code.push(c),
            }
        }
        code.push('\n');
    }
    code
}

/// `a::{b, c::{d, e as f}}` as `[a::b, a::c::d, a::c::e]` (each a list of segments; the name an
/// `as` gives is the second element).
fn expand(tree: &str) -> Vec<(Vec<String>, String)> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut leaves = Vec::new();
    expand_into(&tree, &[], &mut leaves);
    leaves
}

fn expand_into(tree: &str, prefix: &[String], leaves: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let mut path = prefix.to_vec();
        path.extend(segments(tree[..open].trim_end_matches("::")));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        for part in split_top(inner) {
            expand_into(part, &path, leaves);
        }
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path, alias.trim().to_owned()),
        None => (tree, String::new()),
    };
    let mut full = prefix.to_vec();
    full.extend(segments(path));
    let name = if alias.is_empty() {
        full.last().cloned().unwrap_or_default()
    } else {
        alias
    };
    if !full.is_empty() {
        leaves.push((full, name));
    }
}

fn segments(path: &str) -> impl Iterator<Item = String> + '_ {
    path.split("::")
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
}

/// `a, b::{c, d}, e` split at the commas outside braces.
fn split_top(list: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
    for (index, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts.into_iter().filter(|part| !part.trim().is_empty()).collect()
}

/// One file's `use` declarations (with whether each is `pub`) and its other paths from `crate`,
/// `super` or `self`.
struct Parsed {
    uses: Vec<(bool, Vec<String>, String)>,
    paths: Vec<Vec<String>>,
}

fn parse(code: &str) -> Parsed {
    let mut uses = Vec::new();
    let mut rest = code;
    let mut outside_uses = String::new();
    while let Some(at) = find_use(rest) {
        outside_uses.push_str(&rest[..at]);
        let statement_end = rest[at..].find(';').map_or(rest.len(), |end| at + end);
        let statement = &rest[at..statement_end];
        let public = statement.starts_with("pub");
        let tree = statement.split_once("use ").map_or("", |(_, tree)| tree);
        uses.extend(expand(tree).into_iter().map(|(path, name)| (public, path, name)));
        rest = &rest[(statement_end + 1).min(rest.len())..];
    }
    outside_uses.push_str(rest);
    Parsed {
        uses,
        paths: relative_paths(&outside_uses),
    }
}

/// Where the next `use` declaration (or `pub(...) use`) starts in `code`, at the start of a line.
fn find_use(code: &str) -> Option<usize> {
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let keyword = trimmed
            .strip_prefix("pub(crate) ")
            .or_else(|| trimmed.strip_prefix("pub(super) "))
            .or_else(|| trimmed.strip_prefix("pub "))
            .unwrap_or(trimmed);
        if keyword.starts_with("use ") {
            return Some(offset + line.len() - trimmed.len());
        }
        offset += line.len();
    }
    None
}

/// Every `crate::a::b`, `super::a` or `self::a` path in `code`.
fn relative_paths(code: &str) -> Vec<Vec<String>> {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    for (start, _) in code.match_indices(['c', 's']) {
        if code[..start].chars().next_back().is_some_and(|c| word(c) || c == ':') {
            continue;
        }
        let end = code[start..]
            .find(|c: char| !(word(c) || c == ':'))
            .map_or(code.len(), |end| start + end);
        let path: Vec<String> = segments(&code[start..end]).collect();
        if path.len() > 1 && ["crate", "super", "self"].contains(&path[0].as_str()) {
            found.push(path);
        }
    }
    found
}

/// One crate's files and what each refers to.
struct Crate {
    files: BTreeMap<Vec<String>, PathBuf>,
    parsed: HashMap<Vec<String>, Parsed>,
}

impl Crate {
    fn read(dir: &Path) -> Crate {
        let mut files = BTreeMap::new();
        let mut parsed = HashMap::new();
        for file in sources(dir) {
            let Some(module) = module_of(&file) else { continue };
            if module.last().is_some_and(|name| name == "tests") {
                continue;
            }
            let text = std::fs::read_to_string(dir.join(&file)).unwrap_or_default();
            // Unit tests sit at a file's end, after `#[cfg(test)]`; what they import is no cycle of
            // the code's.
            let text = text.split("\n#[cfg(test)]").next().unwrap_or_default();
            parsed.insert(module.clone(), parse(&code_of(text)));
            files.insert(module, file);
        }
        Crate { files, parsed }
    }

    /// `path` as written in `module`, from the crate's root; `None` for another crate's path.
    fn absolute(&self, module: &[String], path: &[String]) -> Option<Vec<String>> {
        let mut base = module.to_vec();
        let mut rest = path;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                base.clear();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            Some("super") => {
                while rest.first().is_some_and(|part| part == "super") {
                    base.pop()?;
                    rest = &rest[1..];
                }
            }
            Some(first) => {
                // A path from a child module of this one (2018 paths); anything else is another crate.
                let mut child = module.to_vec();
                child.push(first.to_owned());
                if !self.files.contains_key(&child) {
                    return None;
                }
            }
            None => return None,
        }
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The file that defines what `path` (from the root) names, through re-exports.
    fn file_of(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let module = (0..=path.len())
            .rev()
            .map(|len| &path[..len])
            .find(|prefix| self.files.contains_key(*prefix))?;
        let Some(item) = path.get(module.len()) else {
            return Some(module.to_vec());
        };
        let reexport = self.parsed[module]
            .uses
            .iter()
            .find(|(public, _, name)| *public && name == item)
            .and_then(|(_, target, _)| self.absolute(module, target));
        match reexport {
            Some(mut target) if depth < 8 => {
                target.extend(path[module.len() + 1..].iter().cloned());
                self.file_of(&target, depth + 1).or_else(|| Some(module.to_vec()))
            }
            _ => Some(module.to_vec()),
        }
    }

    /// Which files each file refers to.
    fn graph(&self) -> Graph {
        let mut graph = BTreeMap::new();
        for (module, parsed) in &self.parsed {
            // A `pub use` re-export is the module's table of contents, not something its code uses;
            // a path through it is followed to the file that defines the item.
            let used = parsed.uses.iter().filter(|(public, ..)| !public);
            let written = used.map(|(_, path, _)| path).chain(&parsed.paths);
            let targets: BTreeSet<Vec<String>> = written
                .filter_map(|path| self.absolute(module, path))
                .filter_map(|path| self.file_of(&path, 0))
                .filter(|target| target != module)
                .collect();
            graph.insert(module.clone(), targets);
        }
        graph
    }
}

/// The strongly connected components of `graph` with more than one file (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: HashMap<&'a Vec<String>, usize>,
        low: HashMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, node: &'a Vec<String>) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            for next in self.graph.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.stack.contains(&next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    component.push(member.clone());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for node in graph.keys() {
        if !walk.index.contains_key(node) {
            walk.visit(node);
        }
    }
    walk.found
}

type Graph = BTreeMap<Vec<String>, BTreeSet<Vec<String>>>;

/// More simple cycles than this in one component is itself the problem: no one can follow them.
const MAX_CYCLES: usize = 10_000;

/// The simple cycles within `component`, each once (from its smallest file), or `None` past
/// [`MAX_CYCLES`]. Components are a few files, so a depth-first walk is enough.
fn simple_cycles(graph: &Graph, component: &[Vec<String>]) -> Option<Vec<Vec<Vec<String>>>> {
    fn walk<'a>(
        graph: &'a Graph,
        component: &[Vec<String>],
        path: &mut Vec<&'a Vec<String>>,
        found: &mut Vec<Vec<Vec<String>>>,
    ) -> Option<()> {
        let (start, last) = (path[0], path[path.len() - 1]);
        for next in graph[last]
            .iter()
            .filter(|next| component.contains(next) && *next >= start)
        {
            if next == start {
                found.push(path.iter().map(|module| (*module).clone()).collect());
                if found.len() > MAX_CYCLES {
                    return None;
                }
            } else if !path.contains(&next) {
                path.push(next);
                walk(graph, component, path, found)?;
                path.pop();
            }
        }
        Some(())
    }
    let mut found = Vec::new();
    for start in component {
        walk(graph, component, &mut vec![start], &mut found)?;
    }
    Some(found)
}

/// The cycles of the crate in `dir` that run through more than two files of one folder.
fn long_cycles(dir: &str) -> Vec<String> {
    let krate = Crate::read(&root().join(dir));
    let shown = |module: &Vec<String>| format!("{dir}/{}", krate.files[module].display());
    let graph = krate.graph();
    let mut problems = Vec::new();
    for component in cycles(&graph) {
        let Some(found) = simple_cycles(&graph, &component) else {
            let files: Vec<String> = component.iter().map(shown).collect();
            problems.push(format!(
                "more than {MAX_CYCLES} import cycles among {}",
                files.join(", ")
            ));
            continue;
        };
        for cycle in found {
            let mut by_folder: BTreeMap<Option<&Path>, usize> = BTreeMap::new();
            for module in &cycle {
                *by_folder.entry(krate.files[module].parent()).or_default() += 1;
            }
            if by_folder.values().any(|count| *count > 2) {
                let files: Vec<String> = cycle.iter().map(shown).collect();
                problems.push(format!(
                    "an import cycle through {} files: {}",
                    files.len(),
                    files.join(" -> ")
                ));
            }
        }
    }
    problems
}

#[test]
fn no_import_cycle_runs_through_more_than_two_files_of_a_folder() {
    let mut problems = long_cycles("src");
    problems.extend(long_cycles("simulator/src"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The reader finds what a cycle is made of; a check that could not fail would prove nothing.
#[test]
fn the_import_reader_sees_uses_paths_and_reexports() {
    let parsed = parse(&code_of(
        "pub(crate) use inner::{Thing, other::{A as B}};\nuse std::fmt; // crate::not::this\nfn f() { crate::x::y(); let s = \"super::no\"; }\n",
    ));
    let uses: Vec<(bool, String, String)> = parsed
        .uses
        .iter()
        .map(|(public, path, name)| (*public, path.join("::"), name.clone()))
        .collect();
    assert_eq!(
        uses,
        [
            (true, "inner::Thing".to_owned(), "Thing".to_owned()),
            (true, "inner::other::A".to_owned(), "B".to_owned()),
            (false, "std::fmt".to_owned(), "fmt".to_owned()),
        ]
    );
    assert_eq!(parsed.paths, [vec!["crate".to_owned(), "x".to_owned(), "y".to_owned()]]);
    let graph: Graph =
        [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
            .into_iter()
            .fold(BTreeMap::new(), |mut graph, (from, to)| {
                graph
                    .entry(vec![from.to_owned()])
                    .or_default()
                    .insert(vec![to.to_owned()]);
                graph
            });
    let components = cycles(&graph);
    assert_eq!(components.len(), 1);
    assert_eq!(simple_cycles(&graph, &components[0]).map(|found| found.len()), Some(1));
    // Two files each using a third and used by it: one component, but only cycles of two.
    let star: Graph = [("hub", "a"), ("a", "hub"), ("hub", "b"), ("b", "hub")]
        .into_iter()
        .fold(BTreeMap::new(), |mut graph, (from, to)| {
            graph
                .entry(vec![from.to_owned()])
                .or_default()
                .insert(vec![to.to_owned()]);
            graph
        });
    let found = simple_cycles(&star, &cycles(&star)[0]).unwrap_or_default();
    assert_eq!(found.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2]);
}

/// Test files where a process may be waited on without the harness: the harness itself.
const WAITERS: [&str; 3] = ["tests/harness.rs", "tests/harness/", "simulator/tests/support.rs"];

#[test]
fn every_spawned_process_has_a_deadline() {
    let mut problems = Vec::new();
    for dir in ["tests", "simulator/tests"] {
        for file in sources(&root().join(dir)) {
            let shown = format!("{dir}/{}", file.display());
            let code = code_of(&std::fs::read_to_string(root().join(dir).join(&file)).unwrap_or_default());
            for statement in code.split(';') {
                let spawns = statement.contains("Command::new") || statement.contains("_command()");
                let waits_forever = statement.contains(".output()") || statement.contains(".status()");
                if spawns && waits_forever && !WAITERS.iter().any(|waiter| shown.starts_with(waiter)) {
                    problems.push(format!("{shown}: {}", statement.trim()));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "run these through harness::output_of:\n{}",
        problems.join("\n")
    );
}
