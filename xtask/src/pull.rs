//! `cargo xtask model pull`: the service's model files from the `botocore` Python package.
//!
//! pip downloads the wheel (so no host name is written here), the service's files are read out
//! of it, decompressed and pretty-printed, and `model/` is replaced in one rename at the end:
//! any failure before that leaves `model/` as it was.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::source::{self, Source, sha256_hex};

/// The files taken from `botocore/data/<service>/<api-version>/`.
const FILES: &[&str] = &[
    "service-2.json.gz",
    "paginators-1.json",
    "endpoint-rule-set-1.json.gz",
];
/// Where the partition data goes, under `model/`.
const PARTITIONS: &str = "partitions.json";

pub fn pull(root: &Path, service: &str, version: Option<&str>) -> Result<(), String> {
    let work = root.join("target/xtask-model-pull");
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;

    let wheel = download(&work, version)?;
    let wheel_bytes = fs::read(&wheel).map_err(|e| format!("{}: {e}", wheel.display()))?;
    let package_version = wheel_version(&wheel)?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&wheel_bytes))
        .map_err(|e| format!("{}: not a wheel: {e}", wheel.display()))?;

    let prefix = format!("botocore/data/{service}/");
    let api_version = archive
        .file_names()
        .filter_map(|name| {
            Some(
                name.ok()?
                    .strip_prefix(&prefix)?
                    .split('/')
                    .next()?
                    .to_owned(),
            )
        })
        .max()
        .ok_or_else(|| format!("botocore {package_version} has no {prefix}"))?;

    let staging = work.join(service).join(&api_version);
    fs::create_dir_all(&staging).map_err(|e| format!("{}: {e}", staging.display()))?;
    let mut hashes = Vec::new();
    for file in FILES {
        let pretty = extract(&mut archive, &format!("{prefix}{api_version}/{file}"))?;
        let out_name = file.trim_end_matches(".gz");
        fs::write(staging.join(out_name), &pretty).map_err(|e| format!("{out_name}: {e}"))?;
        hashes.push((
            format!("{service}/{api_version}/{out_name}"),
            sha256_hex(pretty.as_bytes()),
        ));
    }
    // The endpoint rules name partitions (`aws.partition`); their data is shared by all services.
    let partitions = extract(&mut archive, "botocore/data/partitions.json")?;
    fs::write(work.join(PARTITIONS), &partitions).map_err(|e| format!("{PARTITIONS}: {e}"))?;
    hashes.push((PARTITIONS.to_owned(), sha256_hex(partitions.as_bytes())));

    let source = Source {
        version: package_version.clone(),
        wheel_sha256: sha256_hex(&wheel_bytes),
        files: hashes,
    };
    fs::write(work.join(source::FILE), source.to_toml())
        .map_err(|e| format!("{}: {e}", source::FILE))?;

    // What changes, for the maintainer's review (and a pull request's description).
    let previous = root.join("model").join(service).join(&api_version);
    if previous.exists() {
        match cognito_idp_codegen::diff::diff(&previous, &staging) {
            Ok(diff) => println!(
                "{}",
                diff.to_markdown(&format!("Model changes: botocore {package_version}"))
            ),
            Err(e) => eprintln!("warning: no model diff: {e}"),
        }
    }

    // Everything is ready: swap it in.
    let model = root.join("model");
    fs::create_dir_all(&model).map_err(|e| format!("{}: {e}", model.display()))?;
    let target = model.join(service);
    let _ = fs::remove_dir_all(&target);
    fs::rename(work.join(service), &target).map_err(|e| format!("{}: {e}", target.display()))?;
    fs::rename(work.join(PARTITIONS), model.join(PARTITIONS))
        .map_err(|e| format!("{PARTITIONS}: {e}"))?;
    fs::rename(work.join(source::FILE), model.join(source::FILE))
        .map_err(|e| format!("{}: {e}", source::FILE))?;
    let _ = fs::remove_dir_all(&work);
    println!("model/{service}/{api_version} from botocore {package_version}");
    Ok(())
}

/// One JSON file of the wheel, gunzipped when its name ends in `.gz`, pretty-printed.
pub(crate) fn extract(
    archive: &mut zip::ZipArchive<std::io::Cursor<&Vec<u8>>>,
    name: &str,
) -> Result<String, String> {
    let mut entry = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut raw = Vec::new();
    entry
        .read_to_end(&mut raw)
        .map_err(|e| format!("{name}: {e}"))?;
    let json = match name.strip_suffix(".gz") {
        Some(_) => {
            let mut text = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut text)
                .map_err(|e| format!("{name}: {e}"))?;
            text
        }
        None => raw,
    };
    let value: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| format!("{name}: {e}"))?;
    Ok(serde_json::to_string_pretty(&value).map_err(|e| format!("{name}: {e}"))? + "\n")
}

/// Runs `pip download` for botocore (the newest, or `version`) and returns the wheel's path.
pub(crate) fn download(dir: &Path, version: Option<&str>) -> Result<PathBuf, String> {
    let requirement = match version {
        Some(v) => format!("botocore=={v}"),
        None => "botocore".to_owned(),
    };
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let output = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--quiet",
            "--dest",
        ])
        .arg(dir)
        .arg(&requirement)
        .output()
        .map_err(|e| format!("cannot run {python} -m pip (is Python with pip installed?): {e}"))?;
    if !output.status.success() {
        // pip lists every version it knows; the last line says what went wrong.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason: String = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .chars()
            .take(300)
            .collect();
        return Err(format!(
            "pip could not download {requirement}: {}",
            reason.trim()
        ));
    }
    fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|path| path.extension().is_some_and(|ext| ext == "whl"))
        .ok_or_else(|| format!("pip downloaded no wheel for {requirement}"))
}

/// `botocore-1.2.3-py3-none-any.whl` -> `1.2.3`.
pub(crate) fn wheel_version(wheel: &Path) -> Result<String, String> {
    let name = wheel
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.split('-')
        .nth(1)
        .map(str::to_owned)
        .ok_or_else(|| format!("unexpected wheel name {name}"))
}
