//! The repository tests itself with nothing beside it: a public clone has no sibling `shared` folder (or any
//! other sibling folder), so no tracked file outside the documentation may refer to one. The
//! vectors the tests use are vendored in tests/vectors/ with their provenance.

use std::path::Path;
use std::process::Command;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

#[test]
fn no_tracked_file_but_documentation_refers_to_a_sibling_shared_folder() {
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(ROOT)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files failed");
    let sibling = ["..", "shared"].join("/");
    let offenders: Vec<String> = listed
        .stdout
        .split(|b| *b == 0)
        .filter_map(|name| std::str::from_utf8(name).ok())
        .filter(|name| !name.is_empty() && !name.ends_with(".md"))
        .filter(|name| {
            std::fs::read(Path::new(ROOT).join(name))
                .map(|bytes| String::from_utf8_lossy(&bytes).contains(&sibling))
                .unwrap_or(false)
        })
        .map(str::to_string)
        .collect();
    assert!(
        offenders.is_empty(),
        "files reading outside the repository: {offenders:?}"
    );
}

#[test]
fn the_vendored_vectors_name_their_source() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("tests/vectors/README.md")).unwrap();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests/vectors")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} is not in tests/vectors/README.md"
            );
        }
    }
}

#[test]
fn every_test_file_of_the_library_is_a_module_of_the_spec_binary() {
    // `autotests = false`: a file in tests/ that spec.rs does not name would never run.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let spec = std::fs::read_to_string(tests.join("spec.rs")).unwrap();
    for entry in std::fs::read_dir(&tests).unwrap() {
        let path = entry.unwrap().path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if stem == "spec" || (path.is_file() && path.extension().is_none_or(|e| e != "rs")) {
            continue;
        }
        if path.is_dir() && !path.join("mod.rs").exists() {
            continue;
        }
        assert!(
            spec.contains(&format!("mod {stem};")),
            "tests/{stem} is not a module of tests/spec.rs"
        );
    }
}
