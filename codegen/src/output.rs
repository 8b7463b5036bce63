//! Writing the generated tree, or checking it for drift.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One generated file, with its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// The files under `dir` that differ from `files`, plus the `.rs` files the generator would no
/// longer write. Empty when `dir` is up to date.
pub fn check(files: &[GeneratedFile], dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut stale = Vec::new();
    for file in files {
        match fs::read_to_string(dir.join(&file.path)) {
            Ok(existing) if existing == file.contents => {}
            Ok(_) => stale.push(file.path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => stale.push(file.path.clone()),
            Err(e) => return Err(e),
        }
    }
    stale.extend(orphans(files, dir)?);
    Ok(stale)
}

/// Writes `files` under `dir`, touching only files whose bytes change, and removes `.rs` files
/// the generator no longer writes. Returns the paths it changed.
pub fn write(files: &[GeneratedFile], dir: &Path) -> io::Result<Vec<PathBuf>> {
    let stale = check(files, dir)?;
    let wanted: BTreeSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    for path in &stale {
        let full = dir.join(path);
        match files.iter().find(|f| &f.path == path) {
            Some(file) => {
                if let Some(parent) = full.parent() {
                    fs::create_dir_all(parent)?;
                }
                // Write beside, then rename: a reader never sees half a file.
                let partial = full.with_extension("rs.partial");
                fs::write(&partial, &file.contents)?;
                fs::rename(&partial, &full)?;
            }
            None if !wanted.contains(path.as_path()) => fs::remove_file(&full)?,
            None => {}
        }
    }
    Ok(stale)
}

fn orphans(files: &[GeneratedFile], dir: &Path) -> io::Result<Vec<PathBuf>> {
    let wanted: BTreeSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        let entries = match fs::read_dir(dir.join(&relative)) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !wanted.contains(path.as_path())
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
