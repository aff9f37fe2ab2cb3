//! The server's shape, as ARCHITECTURE.md promises it: no module imports one that imports it
//! back, and the services know nothing of HTTP.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of `src`, by its path (`control::service`), with its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> =
                rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            (parts.join("::"), std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

/// The source without comments and without its unit tests: what the module really uses.
fn code(source: &str) -> String {
    let source = source.split("#[cfg(test)]").next().unwrap_or("");
    source.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Which modules each module names through `crate::`.
fn graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut g = BTreeMap::new();
    for (name, source) in modules {
        let code = code(source);
        let mut uses = BTreeSet::new();
        for (i, _) in code.match_indices("crate::") {
            let path: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
            // The longest prefix that is a module.
            if let Some(m) = (1..=parts.len())
                .rev()
                .map(|k| parts[..k].join("::"))
                .find(|m| modules.contains_key(m))
                && m != *name
            {
                uses.insert(m);
            }
        }
        g.insert(name.clone(), uses);
    }
    g
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph(&modules());
    let mut circles = Vec::new();
    for start in g.keys() {
        // A path back to `start` from any module it uses.
        let mut stack: Vec<Vec<&String>> = g[start].iter().map(|m| vec![m]).collect();
        let mut seen = BTreeSet::new();
        while let Some(path) = stack.pop() {
            let last = *path.last().unwrap();
            if last == start {
                circles.push(format!(
                    "{start} -> {}",
                    path.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" -> ")
                ));
                break;
            }
            if !seen.insert(last) {
                continue;
            }
            for next in g.get(last).into_iter().flatten() {
                let mut p = path.clone();
                p.push(next);
                stack.push(p);
            }
        }
    }
    assert!(circles.is_empty(), "import circles:\n{}", circles.join("\n"));
}

#[test]
fn the_services_know_nothing_of_http() {
    let modules = modules();
    let services: Vec<_> =
        modules.keys().filter(|m| m.ends_with("::service") || *m == "app").collect();
    assert!(services.len() >= 7, "{services:?}");
    for name in services {
        let code = code(&modules[name]);
        for word in ["axum", "crate::http", "StatusCode", "ApiError", "Authed"] {
            assert!(!code.contains(word), "{name} names {word}");
        }
    }
}

#[test]
fn each_capability_has_its_service_its_api_and_its_pages() {
    let modules = modules();
    for capability in
        ["accounts", "agencies", "control", "permits", "port", "statistics", "watchlist"]
    {
        for part in ["service", "api", "pages"] {
            let m = format!("{capability}::{part}");
            assert!(modules.contains_key(&m), "{m} is missing");
        }
    }
}
