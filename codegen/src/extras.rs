//! What the generated crate takes hand-written: modules it includes verbatim (`*.rs`), and the
//! guide its front page opens with (`guide.md`).

use std::path::Path;

use crate::error::Error;

/// A hand-written module the generated crate includes verbatim, as `<name>.rs`: code a model
/// cannot describe (the sign-in glue between the runtime and the generated client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extra {
    pub name: String,
    pub source: String,
    /// Where it was read from, for the header.
    pub origin: String,
}

/// The hand-written parts of one generated crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extras {
    pub modules: Vec<Extra>,
    /// Markdown the crate's front page opens with, before the model's own text: the layers a
    /// model cannot describe.
    pub guide: Option<String>,
}

/// Every `*.rs` file of `dir`, by name, and its `guide.md`; nothing when `dir` does not exist.
pub fn load_extras(dir: &Path) -> Result<Extras, Error> {
    let guide_path = dir.join("guide.md");
    let guide = match guide_path.exists() {
        true => Some(
            std::fs::read_to_string(&guide_path).map_err(|source| Error::Read {
                file: guide_path.clone(),
                source,
            })?,
        ),
        false => None,
    };
    Ok(Extras {
        modules: load_modules(dir)?,
        guide,
    })
}

fn load_modules(dir: &Path) -> Result<Vec<Extra>, Error> {
    let read_error = |source| Error::Read {
        file: dir.to_owned(),
        source,
    };
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut extras = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(&path).map_err(|source| Error::Read {
            file: path.clone(),
            source,
        })?;
        extras.push(Extra {
            name: name.to_owned(),
            source,
            origin: path.display().to_string(),
        });
    }
    extras.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(extras)
}
