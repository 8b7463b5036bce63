//! `cargo xtask corpus`: the generator tried on every botocore service that speaks JSON and on
//! historical cognito-idp models, each generated crate built with `-D warnings`, documented with
//! `-D warnings` and its doctests run, in a scratch workspace under `target/corpus/`.
//!
//! Nothing here is part of CI (building two hundred crates takes about an hour on two cores, and
//! some 15 GB of disk without debug info or incremental state); the
//! failure classes it found are kept as small fixture models that the codegen tests compile.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{pull, source};

/// Historical botocore releases whose cognito-idp model the corpus builds: the first that
/// ships cognito-idp (1.4.12), then the newest of each minor series to today.
const HISTORY: &[&str] = &[
    "1.4.12", "1.4.*", "1.5.*", "1.6.*", "1.7.*", "1.8.*", "1.9.*", "1.10.*", "1.11.*", "1.12.*",
    "1.13.*", "1.14.*", "1.15.*", "1.16.*", "1.17.*", "1.18.*", "1.19.*", "1.20.*", "1.21.*",
    "1.22.*", "1.23.*", "1.24.*", "1.25.*", "1.26.*", "1.27.*", "1.28.*", "1.29.*", "1.30.*",
    "1.31.*", "1.32.*", "1.33.*", "1.34.*", "1.35.*", "1.36.*", "1.37.*", "1.38.*", "1.39.*",
    "1.40.*", "1.41.*", "1.42.*", "1.43.*", "1.44.*",
];

/// What the corpus runs on.
struct Options {
    /// botocore for the services (default: the version `model/` was pulled from).
    version: String,
    /// botocore releases for historical cognito-idp models.
    history: Vec<String>,
    /// Only these services (all when empty).
    only: Vec<String>,
    /// Generate only.
    no_build: bool,
}

/// One generated crate and how it fared.
#[derive(Default)]
struct Entry {
    /// `service` or `cognito-idp@botocore-version`.
    label: String,
    /// The Cargo package name.
    package: String,
    /// How the model says it speaks JSON: `protocol` or a `protocols` list.
    via: &'static str,
    operations: usize,
    /// How long generating its files took (a debug build of xtask is several times slower).
    generate_ms: f64,
    /// `Err` holds why generation failed.
    generated: Option<Result<(), String>>,
    build: Stage,
    doc: Stage,
    doctests: Stage,
}

#[derive(Default)]
enum Stage {
    #[default]
    NotRun,
    Ok(String),
    Failed(String),
}

impl Stage {
    fn cell(&self) -> String {
        match self {
            Stage::NotRun => "-".to_owned(),
            Stage::Ok(detail) if detail.is_empty() => "ok".to_owned(),
            Stage::Ok(detail) => format!("ok ({detail})"),
            Stage::Failed(why) => format!("**FAILED** {why}"),
        }
    }

    fn ok(&self) -> bool {
        matches!(self, Stage::Ok(_))
    }
}

pub fn corpus(root: &Path, args: &[&str]) -> Result<(), String> {
    let options = parse_options(root, args)?;
    let work = root.join("target/corpus");
    let models = work.join("models");
    let crates = work.join("crates");
    // Kept between runs: files are rewritten only when they change, so cargo rebuilds only what
    // a generator change touched.
    fs::create_dir_all(&crates).map_err(|e| format!("{}: {e}", crates.display()))?;
    let started = Instant::now();

    let mut entries = Vec::new();
    let wheel = cached_wheel(&work, &options.version)?;
    let (_, service_models) = unpack(&wheel, &models, None, None)?;
    // Releases before partitions.json (botocore 1.4 has endpoints.json) use today's.
    let partitions = models.join(&options.version).join("partitions.json");
    for model in service_models {
        if !options.only.is_empty() && !options.only.contains(&model.service) {
            continue;
        }
        let package = format!("corpus-{}", model.service);
        entries.push(generate(&model, model.service.clone(), package, &crates));
    }
    for version in &options.history {
        let wheel = cached_wheel(&work, version)?;
        let (resolved, mut found) =
            unpack(&wheel, &models, Some("cognito-idp"), Some(&partitions))?;
        let Some(model) = found.pop() else {
            eprintln!("corpus: botocore {resolved} has no cognito-idp");
            continue;
        };
        let package = format!("corpus-cognito-idp-{}", resolved.replace('.', "-"));
        entries.push(generate(
            &model,
            format!("cognito-idp@{resolved}"),
            package,
            &crates,
        ));
    }
    eprintln!(
        "corpus: generated {} crates in {:.1} s",
        entries.len(),
        started.elapsed().as_secs_f64()
    );

    if !options.no_build {
        build_all(root, &work, &mut entries)?;
    }
    let report = report(&options, &entries, started.elapsed().as_secs_f64());
    fs::write(work.join("REPORT.md"), &report).map_err(|e| format!("REPORT.md: {e}"))?;
    println!("{report}");
    Ok(())
}

fn parse_options(root: &Path, args: &[&str]) -> Result<Options, String> {
    let mut options = Options {
        version: pinned_version(root)?,
        history: HISTORY.iter().map(|v| (*v).to_owned()).collect(),
        only: Vec::new(),
        no_build: false,
    };
    let list = |v: &str| v.split(',').map(str::to_owned).collect::<Vec<_>>();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .copied()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match *arg {
            "--version" => options.version = value()?.to_owned(),
            "--history" => options.history = list(value()?),
            "--no-history" => options.history.clear(),
            "--only" => options.only = list(value()?),
            "--no-build" => options.no_build = true,
            other => return Err(format!("corpus: unknown argument {other}")),
        }
    }
    Ok(options)
}

/// The botocore version `model/SOURCE.toml` records.
fn pinned_version(root: &Path) -> Result<String, String> {
    let path = root.join("model").join(source::FILE);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let version = source::Source::parse(&text)?.version;
    match version.is_empty() {
        true => Err(format!("{}: no version", path.display())),
        false => Ok(version),
    }
}

/// The wheel for `requirement`, downloaded once into `target/corpus/wheels/<requirement>/`.
fn cached_wheel(work: &Path, requirement: &str) -> Result<PathBuf, String> {
    let dir = work.join("wheels").join(requirement.replace('*', "x"));
    let cached = fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "whl"))
    });
    if let Some(wheel) = cached {
        return Ok(wheel);
    }
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("corpus: downloading botocore {requirement}");
    pull::download(&dir, Some(requirement))
}

/// One service model unpacked from a wheel.
struct Unpacked {
    service: String,
    dir: PathBuf,
    partitions: PathBuf,
    via: &'static str,
    operations: usize,
}

/// The JSON-protocol services of a wheel (or only `service`), newest API version of each,
/// written under `models/<botocore version>/`, with the wheel's partitions or, when it has
/// none, `fallback_partitions`; returns the wheel's version too.
fn unpack(
    wheel: &Path,
    models: &Path,
    service: Option<&str>,
    fallback_partitions: Option<&Path>,
) -> Result<(String, Vec<Unpacked>), String> {
    let version = pull::wheel_version(wheel)?;
    let bytes = fs::read(wheel).map_err(|e| format!("{}: {e}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))
        .map_err(|e| format!("{}: not a wheel: {e}", wheel.display()))?;
    // service -> newest API version folder.
    let mut newest: BTreeMap<String, String> = BTreeMap::new();
    for name in archive.file_names().flatten() {
        let Some(rest) = name.strip_prefix("botocore/data/") else {
            continue;
        };
        let parts: Vec<&str> = rest.split('/').collect();
        if let [svc, api, file] = parts[..]
            && file.starts_with("service-2.json")
            && service.is_none_or(|s| s == svc)
        {
            let slot = newest.entry(svc.to_owned()).or_default();
            if api > slot.as_str() {
                *slot = api.to_owned();
            }
        }
    }
    let base = models.join(&version);
    fs::create_dir_all(&base).map_err(|e| format!("{}: {e}", base.display()))?;
    let partitions = match extract_any(&mut archive, "botocore/data/partitions.json")? {
        Some(text) => {
            let path = base.join("partitions.json");
            fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            path
        }
        None => fallback_partitions
            .ok_or_else(|| format!("botocore {version} has no partitions.json"))?
            .to_owned(),
    };

    let mut out = Vec::new();
    for (svc, api) in newest {
        let prefix = format!("botocore/data/{svc}/{api}/");
        let service_text = extract_any(&mut archive, &format!("{prefix}service-2.json"))?
            .ok_or_else(|| format!("{prefix}: no service-2.json"))?;
        let value: serde_json::Value =
            serde_json::from_str(&service_text).map_err(|e| format!("{prefix}: {e}"))?;
        let metadata: cognito_idp_codegen::model::Metadata =
            serde_json::from_value(value["metadata"].clone())
                .map_err(|e| format!("{prefix}: metadata: {e}"))?;
        let via = match (metadata.protocol.as_str(), metadata.speaks_json()) {
            (_, false) => continue,
            ("json", true) => "protocol",
            (_, true) => "protocols",
        };
        let dir = base.join(&svc).join(&api);
        fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        fs::write(
            dir.join(cognito_idp_codegen::model::SERVICE_FILE),
            &service_text,
        )
        .map_err(|e| format!("{}: {e}", dir.display()))?;
        for file in [
            cognito_idp_codegen::model::PAGINATORS_FILE,
            cognito_idp_codegen::model::ENDPOINT_RULES_FILE,
        ] {
            if let Some(text) = extract_any(&mut archive, &format!("{prefix}{file}"))? {
                fs::write(dir.join(file), text).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
        }
        out.push(Unpacked {
            service: svc,
            dir,
            partitions: partitions.clone(),
            via,
            operations: value["operations"].as_object().map_or(0, |o| o.len()),
        });
    }
    Ok((version, out))
}

/// `name` or `name.gz` from the wheel, or `None` when it has neither.
fn extract_any(
    archive: &mut zip::ZipArchive<std::io::Cursor<&Vec<u8>>>,
    name: &str,
) -> Result<Option<String>, String> {
    for candidate in [name.to_owned(), format!("{name}.gz")] {
        if archive.index_for_name(&candidate).is_some() {
            return pull::extract(archive, &candidate).map(Some);
        }
    }
    Ok(None)
}

/// Generates one crate under `crates/<package>/`.
fn generate(model: &Unpacked, label: String, package: String, crates: &Path) -> Entry {
    let lib = package.replace('-', "_");
    let mut entry = Entry {
        label,
        via: model.via,
        operations: model.operations,
        ..Entry::default()
    };
    let started = Instant::now();
    let generated =
        cognito_idp_codegen::generate(&model.dir, &model.partitions, &Default::default(), &lib);
    entry.generate_ms = started.elapsed().as_secs_f64() * 1e3;
    let result = generated
        .map_err(|e| first_line(&e.to_string()))
        .and_then(|files| {
            let dir = crates.join(&package);
            cognito_idp_codegen::write(&files, &dir.join("src")).map_err(|e| e.to_string())?;
            fs::write(dir.join("Cargo.toml"), manifest(&package))
                .map_err(|e| format!("{}: {e}", dir.display()))
        });
    entry.generated = Some(result);
    entry.package = package;
    entry
}

fn manifest(package: &str) -> String {
    format!(
        "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ncognito-idp-runtime.workspace = true\nserde.workspace = true\n\
         serde_json.workspace = true\n"
    )
}

/// Builds, documents and doctests every generated crate in one scratch workspace (so the
/// runtime and its dependencies build once), attributing each diagnostic to its crate.
fn build_all(root: &Path, work: &Path, entries: &mut [Entry]) -> Result<(), String> {
    let members: Vec<&Entry> = entries
        .iter()
        .filter(|e| matches!(e.generated, Some(Ok(()))))
        .collect();
    let mut manifest = String::from("[workspace]\nresolver = \"3\"\nmembers = [\n");
    for entry in &members {
        let _ = writeln!(manifest, "  \"crates/{}\",", entry.package);
    }
    let _ = write!(
        manifest,
        "]\n\n[workspace.dependencies]\ncognito-idp-runtime = {{ path = \"{}\" }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n\
         [profile.dev]\ndebug = 0\nincremental = false\n",
        root.join("runtime").display()
    );
    fs::write(work.join("Cargo.toml"), manifest).map_err(|e| format!("corpus manifest: {e}"))?;
    // The workspace's lock file, so the corpus builds what the project builds.
    let _ = fs::copy(root.join("Cargo.lock"), work.join("Cargo.lock"));

    let started = Instant::now();
    let built = cargo_json(work, &["build", "--workspace", "--keep-going"], "RUSTFLAGS")?;
    eprintln!("corpus: built in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let documented = cargo_json(
        work,
        &["doc", "--workspace", "--no-deps", "--keep-going"],
        "RUSTDOCFLAGS",
    )?;
    eprintln!(
        "corpus: documented in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for entry in entries.iter_mut() {
        if !matches!(entry.generated, Some(Ok(()))) {
            continue;
        }
        entry.build = built.stage(&entry.package);
        entry.doc = documented.stage(&entry.package);
        if entry.build.ok() {
            entry.doctests = doctests(work, &entry.package);
        }
    }
    eprintln!(
        "corpus: doctests in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What one cargo run said of each package.
#[derive(Default)]
struct Diagnostics {
    /// package -> (errors, warnings, first error)
    by_package: BTreeMap<String, (usize, usize, Option<String>)>,
    /// packages whose library was produced
    finished: Vec<String>,
}

impl Diagnostics {
    fn stage(&self, package: &str) -> Stage {
        let (errors, warnings, first) = self.by_package.get(package).cloned().unwrap_or_default();
        match (errors, warnings) {
            (0, 0) if self.finished.iter().any(|p| p == package) => Stage::Ok(String::new()),
            (0, 0) => Stage::Failed("no output (a dependency failed?)".to_owned()),
            _ => Stage::Failed(format!(
                "{errors} errors, {warnings} warnings: {}",
                first.unwrap_or_default()
            )),
        }
    }
}

/// Runs cargo with `-D warnings` in `flags_var` and JSON messages, tallying diagnostics per
/// package (by the package name in each message's package id).
fn cargo_json(work: &Path, args: &[&str], flags_var: &str) -> Result<Diagnostics, String> {
    let mut child = scratch_cargo(work)
        .args(args)
        .arg("--message-format=json")
        .env(flags_var, "-D warnings")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cargo: {e}"))?;
    let stdout = child.stdout.take().expect("piped");
    let mut diagnostics = Diagnostics::default();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("cargo output: {e}"))?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let package = package_name(message["package_id"].as_str().unwrap_or_default());
        match message["reason"].as_str() {
            Some("compiler-message") => {
                let level = message["message"]["level"].as_str().unwrap_or_default();
                let slot = diagnostics.by_package.entry(package).or_default();
                match level {
                    "error" => {
                        slot.0 += 1;
                        if slot.2.is_none() {
                            slot.2 = message["message"]["message"]
                                .as_str()
                                .map(|m| first_line(m).chars().take(120).collect());
                        }
                    }
                    "warning" => slot.1 += 1,
                    _ => {}
                }
            }
            Some("compiler-artifact") => diagnostics.finished.push(package),
            _ => {}
        }
    }
    child.wait().map_err(|e| format!("cargo: {e}"))?;
    Ok(diagnostics)
}

/// Cargo in the scratch workspace, with its own target folder.
fn scratch_cargo(work: &Path) -> Command {
    let mut cargo = crate::cargo();
    cargo
        .current_dir(work)
        .env("CARGO_TARGET_DIR", work.join("target"));
    cargo
}

/// `path+file:///x/crates/corpus-foo#0.0.0` or `corpus-foo 0.0.0 (path+...)` -> `corpus-foo`.
fn package_name(id: &str) -> String {
    if let Some((_, rest)) = id.split_once('#') {
        let name = id.rsplit('/').next().unwrap_or(rest);
        return name.split('#').next().unwrap_or(name).to_owned();
    }
    id.split(' ').next().unwrap_or(id).to_owned()
}

/// `cargo test --doc` for one package: how many passed, or what failed.
fn doctests(work: &Path, package: &str) -> Stage {
    let output = scratch_cargo(work)
        .args(["test", "--doc", "-p", package])
        .env("RUSTFLAGS", "-D warnings")
        .env("RUSTDOCFLAGS", "-D warnings")
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => return Stage::Failed(format!("cargo: {e}")),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let result = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("test result: "))
        .unwrap_or("");
    let count = |label: &str| -> usize {
        result
            .split(';')
            .find_map(|part| part.trim().strip_suffix(label))
            .and_then(|n| n.split_whitespace().last()?.parse().ok())
            .unwrap_or(0)
    };
    let (passed, failed) = (count(" passed"), count(" failed"));
    if output.status.success() && failed == 0 {
        Stage::Ok(format!("{passed}"))
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let why = stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("see cargo test --doc")
            .chars()
            .take(120)
            .collect::<String>();
        Stage::Failed(format!("{passed} passed, {failed} failed: {why}"))
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_owned()
}

fn report(options: &Options, entries: &[Entry], seconds: f64) -> String {
    let services: Vec<&Entry> = entries.iter().filter(|e| !e.label.contains('@')).collect();
    let history: Vec<&Entry> = entries.iter().filter(|e| e.label.contains('@')).collect();
    let mut out = format!(
        "# Corpus: botocore {} ({:.0} s)\n\n",
        options.version, seconds
    );
    for (title, group) in [
        ("Services that speak JSON", &services),
        ("Historical cognito-idp models", &history),
    ] {
        if group.is_empty() {
            continue;
        }
        let tally = |via: Option<&str>| {
            let rows: Vec<&&Entry> = group
                .iter()
                .filter(|e| via.is_none_or(|v| e.via == v))
                .collect();
            let generated = rows
                .iter()
                .filter(|e| matches!(e.generated, Some(Ok(()))))
                .count();
            let built = rows.iter().filter(|e| e.build.ok()).count();
            let documented = rows.iter().filter(|e| e.doc.ok()).count();
            let tested = rows.iter().filter(|e| e.doctests.ok()).count();
            format!(
                "{} models: {generated} generate, {built} build, {documented} document, \
                 {tested} pass their doctests (all with -D warnings)",
                rows.len()
            )
        };
        let _ = writeln!(out, "## {title}\n");
        let _ = writeln!(out, "- all: {}", tally(None));
        if title.starts_with("Services") {
            let _ = writeln!(out, "- by `protocol`: {}", tally(Some("protocol")));
            let _ = writeln!(out, "- by `protocols`: {}", tally(Some("protocols")));
        }
        let _ = writeln!(
            out,
            "\n| model | via | operations | generate | ms | build | doc | doctests |\n|---|---|---|---|---|---|---|---|"
        );
        for entry in group.iter() {
            let generated = match &entry.generated {
                Some(Ok(())) => "ok".to_owned(),
                Some(Err(why)) => format!("**FAILED** {why}"),
                None => "-".to_owned(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.0} | {} | {} | {} |",
                entry.label,
                entry.via,
                entry.operations,
                generated,
                entry.generate_ms,
                entry.build.cell(),
                entry.doc.cell(),
                entry.doctests.cell()
            );
        }
        out.push('\n');
    }
    out
}
