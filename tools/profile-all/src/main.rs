//! `profile-all CRATE OUT [--groups] [--exclude src/FILE.rs:LINE]... [--list]`
//!
//! `--groups` puts the attribute on each `impl`, `trait` and inline `mod` instead (the outermost
//! ones: `#[profile]` there covers every fn inside, recursively), and
//! `#[perf_runtime::profile(sample = "auto")]`, the same default, on the free fns outside them.
//! A fn inside such a group that an `--exclude` blames gets `#[perf_runtime::profile(skip)]`.
//!
//! Reads every `CRATE/src/**/*.rs`, puts `#[perf_runtime::profile]` on every fn with a body
//! (free fns, inherent and trait impl methods, trait default methods, fns nested in fn bodies
//! and modules) and writes the file to the same path under `OUT`. Left alone: `const fn` (the
//! attribute rejects it), fns inside macro invocations and `macro_rules!` bodies (not parsed;
//! counted), and the fn that holds each `--exclude` line (the innermost one), so that a crate
//! can be built again without the fns that did not compile. A file that does not parse is
//! copied unchanged and reported.
//!
//! Prints on stdout, tab-separated: `unparsed FILE:LINE ERROR` per file left as it was,
//! `blamed EXCLUDE FN_LINE NAME FORMS` per fn left alone for an `--exclude`, `unmatched EXCLUDE`
//! for one inside no fn, with `--list` `STATUS FILE:LINE NAME FORMS` per fn; then the summary as
//! `key value` lines (`form.NAME N` counts the annotated fns of each form).

mod forms;
mod insert;
mod sites;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const ATTRIBUTE: &str = "#[perf_runtime::profile] ";
const ATTRIBUTE_AUTO: &str = "#[perf_runtime::profile(sample = \"auto\")] ";
const SKIP: &str = "#[perf_runtime::profile(skip)] ";

struct Exclude {
    file: String,
    line: usize,
    hit: bool,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("profile-all: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut excludes = Vec::new();
    let mut list = false;
    let mut groups = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" => list = true,
            "--groups" => groups = true,
            "--exclude" => {
                let spec = args.next().ok_or("--exclude needs FILE:LINE")?;
                let (file, line) =
                    spec.rsplit_once(':').ok_or(format!("--exclude {spec}: expected FILE:LINE"))?;
                let line =
                    line.parse().map_err(|_| format!("--exclude {spec}: bad line number"))?;
                excludes.push(Exclude { file: file.to_string(), line, hit: false });
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [krate, out] = &positional[..] else {
        return Err(
            "usage: profile-all CRATE OUT [--groups] [--exclude src/FILE.rs:LINE]... [--list]"
                .into(),
        );
    };

    let mut files = Vec::new();
    rust_files(&krate.join("src"), &mut files).map_err(|e| format!("{}: {e}", krate.display()))?;
    files.sort();

    let mut totals: BTreeMap<&str, usize> = BTreeMap::new();
    let mut forms: BTreeMap<&str, usize> = BTreeMap::new();
    for path in &files {
        let rel = path.strip_prefix(krate).unwrap_or(path).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(path).map_err(|e| format!("{rel}: {e}"))?;
        *totals.entry("files").or_default() += 1;
        let file = match syn::parse_file(&text) {
            Ok(file) => file,
            Err(e) => {
                let at = e.span().start();
                println!("unparsed\t{rel}:{}\t{e}", at.line);
                *totals.entry("unparsed").or_default() += 1;
                write(&out.join(&rel), &text)?;
                continue;
            }
        };
        let found = sites::find(&file);
        *totals.entry("fns_in_macros").or_default() += found.in_macros;
        let blamed = blame(&found.fns, &rel, &mut excludes);
        for &(i, line) in &blamed {
            let site = &found.fns[i];
            let forms = site.forms.join(",");
            println!("blamed\t{rel}:{line}\t{rel}:{}\t{}\t{forms}", site.insert_at.line, site.name);
        }
        let mut inserts = Vec::new();
        if groups {
            *totals.entry("groups").or_default() += found.groups.len();
            inserts.extend(found.groups.iter().map(|&at| (at, ATTRIBUTE)));
        }
        for (i, site) in found.fns.iter().enumerate() {
            *totals.entry("fns").or_default() += 1;
            let status = if site.is_const {
                "const"
            } else if blamed.iter().any(|&(b, _)| b == i) {
                if groups && site.covered {
                    inserts.push((site.insert_at, SKIP));
                }
                "excluded"
            } else {
                match (groups, site.covered) {
                    (false, _) => inserts.push((site.insert_at, ATTRIBUTE)),
                    (true, false) => inserts.push((site.insert_at, ATTRIBUTE_AUTO)),
                    (true, true) => {}
                }
                for form in &site.forms {
                    *forms.entry(form).or_default() += 1;
                }
                "annotated"
            };
            *totals.entry(status).or_default() += 1;
            if list {
                println!(
                    "{status}\t{rel}:{}\t{}\t{}",
                    site.insert_at.line,
                    site.name,
                    site.forms.join(",")
                );
            }
        }
        let bom = text.starts_with('\u{feff}');
        write(&out.join(&rel), &insert::at_each(&text, bom, &inserts))?;
    }
    for e in excludes.iter().filter(|e| !e.hit) {
        println!("unmatched\t{}:{}", e.file, e.line);
    }

    for key in
        ["files", "unparsed", "fns", "annotated", "const", "excluded", "fns_in_macros", "groups"]
    {
        println!("{key} {}", totals.get(key).copied().unwrap_or(0));
    }
    for form in forms::ALL {
        println!("form.{form} {}", forms.get(form).copied().unwrap_or(0));
    }
    Ok(())
}

/// The fns to leave alone: for each exclude line in this file, the innermost fn that holds it
/// (its index, and the line).
fn blame(fns: &[sites::Site], rel: &str, excludes: &mut [Exclude]) -> Vec<(usize, usize)> {
    let mut blamed = Vec::new();
    for exclude in excludes.iter_mut().filter(|e| e.file == rel) {
        let innermost = fns
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                !f.is_const && f.first_line <= exclude.line && exclude.line <= f.last_line
            })
            .min_by_key(|(_, f)| f.last_line - f.first_line);
        if let Some((i, _)) = innermost {
            exclude.hit = true;
            blamed.push((i, exclude.line));
        }
    }
    blamed
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
