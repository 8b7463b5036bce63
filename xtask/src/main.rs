//! Project commands.
//!
//! - `cargo xtask codegen [--check]`: regenerate `generated/src` from `model/`; with `--check`,
//!   write nothing and fail listing the stale files.
//! - `cargo xtask model pull [--version X]`: fetch the `botocore` package with pip and refresh
//!   `model/` from it, printing what changed.
//! - `cargo xtask model diff OLD NEW [--json]`: what changed between two model folders (API
//!   version folders holding `service-2.json`), breaking or not, as Markdown or JSON.
//! - `cargo xtask corpus [--version X] [--history V,..|--no-history] [--only S,..] [--no-build]`:
//!   every botocore service that speaks JSON, and cognito-idp as historical botocore releases
//!   shipped it, generated, built, documented and doctested in `target/corpus/`; prints a table.
//! - `cargo xtask test [ARGS]`: installs and starts the local Cognito server (moto), runs every
//!   test of the workspace against it, stops it, and prints one line totalling the tests.

mod corpus;
mod moto;
mod pull;
mod source;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The service this workspace generates, as botocore names its data folder.
const SERVICE: &str = "cognito-idp";
/// The generated crate's name in Rust paths.
const CRATE_NAME: &str = "cognito_idp";
/// botocore's partition table, which `cargo xtask model pull` writes beside the service.
const PARTITIONS: &str = "model/partitions.json";
/// Hand-written modules the generated crate includes verbatim.
const EXTRAS: &str = "codegen/extras/cognito-idp";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen(false),
        ["codegen", "--check"] => codegen(true),
        ["model", "pull"] => pull::pull(&root(), SERVICE, None),
        ["model", "pull", "--version", version] => pull::pull(&root(), SERVICE, Some(version)),
        ["model", "diff", old, new] => model_diff(old, new, false),
        ["model", "diff", old, new, "--json"] => model_diff(old, new, true),
        ["corpus", rest @ ..] => corpus::corpus(&root(), rest),
        ["test", rest @ ..] => test(rest),
        _ => Err(
            "usage: cargo xtask codegen [--check] | cargo xtask model pull [--version X] | \
                  cargo xtask model diff OLD NEW [--json] | cargo xtask corpus [--version X] \
                  [--history V,..|--no-history] [--only S,..] [--no-build] | cargo xtask test [ARGS]"
                .into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The cargo that runs xtask (`CARGO`), for the cargo commands xtask runs in turn.
fn cargo() -> std::process::Command {
    std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
}

/// The workspace root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_owned()
}

fn codegen(check: bool) -> Result<(), String> {
    // Relative paths, so the `@generated` header names the model the same on every machine.
    let root = root();
    std::env::set_current_dir(&root).map_err(|e| format!("{}: {e}", root.display()))?;
    let model_dir = model_dir(Path::new("."))?;
    let model_dir = model_dir.strip_prefix(".").unwrap_or(&model_dir);
    if !model_dir
        .join(cognito_idp_codegen::model::PAGINATORS_FILE)
        .exists()
    {
        eprintln!(
            "warning: {} has no {}: no operation is paginated",
            model_dir.display(),
            cognito_idp_codegen::model::PAGINATORS_FILE
        );
    }
    if check {
        source::verify(Path::new("model"))?;
    }
    let files = cognito_idp_codegen::load_extras(Path::new(EXTRAS))
        .and_then(|extras| {
            cognito_idp_codegen::generate(model_dir, Path::new(PARTITIONS), &extras, CRATE_NAME)
        })
        .map_err(|e| e.to_string())?;
    let out = Path::new("generated/src");
    if check {
        let stale = cognito_idp_codegen::check(&files, out).map_err(|e| e.to_string())?;
        if stale.is_empty() {
            return Ok(());
        }
        let list: Vec<String> = stale
            .iter()
            .map(|p| format!("  generated/src/{}", p.display()))
            .collect();
        return Err(format!(
            "generated/ is stale; run `cargo xtask codegen`:\n{}",
            list.join("\n")
        ));
    }
    let changed = cognito_idp_codegen::write(&files, out).map_err(|e| e.to_string())?;
    println!("{} of {} files changed", changed.len(), files.len());
    Ok(())
}

fn model_diff(old: &str, new: &str, json: bool) -> Result<(), String> {
    let diff = cognito_idp_codegen::diff::diff(Path::new(old), Path::new(new))
        .map_err(|e| e.to_string())?;
    match json {
        true => println!("{}", diff.to_json()),
        false => println!(
            "{}",
            diff.to_markdown(&format!("Model changes: {old} -> {new}"))
        ),
    }
    Ok(())
}

/// `cargo test --workspace` with two moto servers running, passing on any extra arguments, then
/// one line totalling every test binary's result (cargo prints one result per binary, the last
/// often a doc-test run of none).
///
/// The tests find the servers through `COGNITO_IDP_TEST_MOTO_URL` (TOTP checking on) and
/// `COGNITO_IDP_TEST_SIGV4_URL` with `COGNITO_IDP_TEST_SIGV4_KEY` (a moto that checks SigV4, and
/// an access key `id:secret` it accepts).
fn test(args: &[&str]) -> Result<(), String> {
    use std::io::{BufRead, BufReader};

    let root = root();
    let bin = moto::install(&root)?;
    let logs = root.join("target");
    let moto = moto::Moto::start(
        &bin,
        &logs.join("moto.log"),
        &[("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")],
    )?;
    let signing = moto::Moto::start(
        &bin,
        &logs.join("moto-sigv4.log"),
        &[("INITIAL_NO_AUTH_ACTION_COUNT", moto::FREE_REQUESTS)],
    )?;
    let (key_id, secret) = moto::make_signing_user(&bin, &signing.url)?;
    eprintln!(
        "xtask: moto at {} and, checking signatures, at {}",
        moto.url, signing.url
    );

    // One build of the workspace with the runtime's optional features on, so the tests of the
    // SDK credentials types and of the bearer layer run beside the rest (the features only add
    // modules; clippy checks the runtime without them).
    let features = "cognito-idp-runtime/aws-credential-types,cognito-idp-runtime/tower";
    let run = [&["test", "--workspace", "--features", features][..], args].concat();
    let mut child = cargo()
        .args(&run)
        .current_dir(&root)
        .env("COGNITO_IDP_TEST_MOTO_URL", &moto.url)
        .env("COGNITO_IDP_TEST_SIGV4_URL", &signing.url)
        .env("COGNITO_IDP_TEST_SIGV4_KEY", format!("{key_id}:{secret}"))
        // No test may reach for real instance metadata (169.254.169.254).
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let (mut passed, mut failed) = (0u64, 0u64);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| format!("reading cargo's output: {e}"))?;
            println!("{line}");
            if let Some(result) = line.strip_prefix("test result: ") {
                passed += count(result, "passed");
                failed += count(result, "failed");
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("waiting for cargo: {e}"))?;
    println!("all: {passed} passed, {failed} failed");
    match status.success() {
        true => Ok(()),
        false => Err(format!("tests failed: cargo {} ({status})", run.join(" "))),
    }
}

/// The number before `label` in `ok. 12 passed; 0 failed; ...`.
fn count(result: &str, label: &str) -> u64 {
    result
        .split(';')
        .find_map(|part| {
            let mut words = part.split_whitespace().rev();
            if words.next() != Some(label) {
                return None;
            }
            words.next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// `model/<service>/<api-version>/`: the newest API version present.
fn model_dir(root: &Path) -> Result<PathBuf, String> {
    let service_dir = root.join("model").join(SERVICE);
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&service_dir)
        .map_err(|e| {
            format!(
                "{}: {e} (run `cargo xtask model pull`)",
                service_dir.display()
            )
        })?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.is_dir())
        .collect();
    versions.sort();
    versions
        .pop()
        .ok_or_else(|| format!("{}: no API version folder", service_dir.display()))
}
