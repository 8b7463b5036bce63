//! `model/SOURCE.toml`: where the model came from (the botocore wheel, its version and sha256,
//! the licence) and the sha256 of every model file, written by `model pull` and read by
//! `codegen --check`. Its one owner, both ways.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The file's name, in `model/`.
pub const FILE: &str = "SOURCE.toml";

/// What a pull records.
#[derive(Debug, PartialEq, Eq)]
pub struct Source {
    pub version: String,
    pub wheel_sha256: String,
    /// Each model file (its path under `model/`) and its sha256.
    pub files: Vec<(String, String)>,
}

impl Source {
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Written by `cargo xtask model pull`; do not edit.\n\
             # The model files below are data from the botocore Python package, Apache-2.0 licensed,\n\
             # copyright Amazon.com, Inc. or its affiliates; see that package's LICENSE.txt and NOTICE.\n\n",
        );
        let _ = writeln!(out, "package = \"botocore\"");
        let _ = writeln!(out, "version = \"{}\"", self.version);
        let _ = writeln!(out, "license = \"Apache-2.0\"");
        let _ = writeln!(out, "wheel-sha256 = \"{}\"\n", self.wheel_sha256);
        let _ = writeln!(out, "[files]");
        for (path, sha) in &self.files {
            let _ = writeln!(out, "\"{path}\" = \"{sha}\"");
        }
        out
    }

    /// Reads what [`to_toml`](Self::to_toml) writes (the subset of TOML it uses).
    pub fn parse(text: &str) -> Result<Source, String> {
        let mut source = Source {
            version: String::new(),
            wheel_sha256: String::new(),
            files: Vec::new(),
        };
        let mut in_files = false;
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') {
                in_files = line == "[files]";
                continue;
            }
            let (key, value) = line
                .split_once(" = ")
                .ok_or_else(|| format!("{FILE}: not `key = value`: {line}"))?;
            let (key, value) = (key.trim_matches('"'), value.trim_matches('"'));
            match (in_files, key) {
                (true, path) => source.files.push((path.to_owned(), value.to_owned())),
                (false, "version") => source.version = value.to_owned(),
                (false, "wheel-sha256") => source.wheel_sha256 = value.to_owned(),
                (false, _) => {}
            }
        }
        Ok(source)
    }
}

/// The sha256 of `bytes`, in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// Fails when a model file's bytes are not those `SOURCE.toml` recorded when it was pulled:
/// `model/` is input data, never edited by hand.
pub fn verify(model: &Path) -> Result<(), String> {
    let path = model.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let source = Source::parse(&text)?;
    let mut problems = Vec::new();
    if source.files.is_empty() {
        problems.push(format!("  {}: no [files] recorded", path.display()));
    }
    for (file, recorded) in &source.files {
        let file = model.join(file);
        match std::fs::read(&file) {
            Ok(bytes) => {
                let actual = sha256_hex(&bytes);
                if actual != *recorded {
                    problems.push(format!(
                        "  {}: sha256 {actual}, recorded {recorded}",
                        file.display()
                    ));
                }
            }
            Err(e) => problems.push(format!("  {}: {e}", file.display())),
        }
    }
    match problems.is_empty() {
        true => Ok(()),
        false => Err(format!(
            "model/ differs from what `cargo xtask model pull` recorded (model files are never \
             edited by hand; pull again):\n{}",
            problems.join("\n")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_read_back() {
        let source = Source {
            version: "1.44.8".into(),
            wheel_sha256: sha256_hex(b"wheel"),
            files: vec![
                (
                    "cognito-idp/2016-04-18/service-2.json".into(),
                    sha256_hex(b"a"),
                ),
                ("partitions.json".into(), sha256_hex(b"b")),
            ],
        };
        assert_eq!(Source::parse(&source.to_toml()).unwrap(), source);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn the_projects_own_record_reads() {
        let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../model");
        let text = std::fs::read_to_string(model.join(FILE)).unwrap();
        let source = Source::parse(&text).unwrap();
        assert_eq!(source.files.len(), 4);
        assert!(!source.version.is_empty());
    }
}
