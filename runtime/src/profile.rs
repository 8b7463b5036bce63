//! The shared `config` and `credentials` files of the AWS tools, read as far as this crate needs:
//! one profile's top-level `key = value` pairs.

use std::collections::HashMap;
use std::path::PathBuf;

/// Where settings come from: environment variables and the shared files they point to.
///
/// Tests give their own variables; [`Environment::process`] reads the real ones.
#[derive(Clone, Copy)]
pub struct Environment<'a> {
    var: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

impl std::fmt::Debug for Environment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Environment")
    }
}

fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl<'a> Environment<'a> {
    /// The process's own environment.
    pub fn process() -> Environment<'static> {
        Environment { var: &process_var }
    }

    /// Variables looked up through `var`, for tests and embedding.
    pub fn from_fn(var: &'a (dyn Fn(&str) -> Option<String> + Sync)) -> Self {
        Environment { var }
    }

    /// A variable's value; empty counts as unset, as in the AWS tools.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.var)(name).filter(|v| !v.is_empty())
    }

    /// The profile named by `AWS_PROFILE`, else `default`.
    pub fn profile_name(&self) -> String {
        self.var("AWS_PROFILE")
            .unwrap_or_else(|| "default".to_owned())
    }

    /// One profile's settings: the credentials file's section overrides the config file's.
    /// Missing files give an empty profile; unreadable ones are reported.
    pub fn profile(&self, name: &str) -> Result<HashMap<String, String>, std::io::Error> {
        let mut settings = HashMap::new();
        if let Some(path) = self.file("AWS_CONFIG_FILE", "config") {
            let header = if name == "default" {
                "default".to_owned()
            } else {
                format!("profile {name}")
            };
            if let Some(text) = read_optional(&path)? {
                settings.extend(section(&text, &header));
            }
        }
        if let Some(path) = self.file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
            && let Some(text) = read_optional(&path)?
        {
            settings.extend(section(&text, name));
        }
        Ok(settings)
    }

    /// `$<override_var>`, else `~/.aws/<name>`.
    fn file(&self, override_var: &str, name: &str) -> Option<PathBuf> {
        if let Some(path) = self.var(override_var) {
            return Some(expand_home(&path, self.home()));
        }
        Some(PathBuf::from(self.home()?).join(".aws").join(name))
    }

    fn home(&self) -> Option<String> {
        self.var("HOME").or_else(|| self.var("USERPROFILE"))
    }
}

fn expand_home(path: &str, home: Option<String>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

fn read_optional(path: &PathBuf) -> Result<Option<String>, std::io::Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        )),
    }
}

/// The `key = value` pairs of `[header]`. Comments (`#`, `;`), blank lines and indented
/// sub-settings (`s3 =` followed by indented lines) are skipped; a repeated section continues.
fn section(text: &str, header: &str) -> HashMap<String, String> {
    let mut settings = HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            inside = name.split_whitespace().collect::<Vec<_>>().join(" ") == header;
            continue;
        }
        if inside && let Some((key, value)) = line.split_once('=') {
            let value = value.split(" #").next().unwrap_or(value).trim();
            settings.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# comment
[default]
region = eu-west-1

[profile dev]
region=us-west-2 # inline comment
s3 =
  max_concurrent_requests = 10
output = json
[ profile   dev ]
cli_pager =
";

    #[test]
    fn reads_one_section_of_a_config_file() {
        let dev = section(CONFIG, "profile dev");
        assert_eq!(dev.get("region").map(String::as_str), Some("us-west-2"));
        assert_eq!(dev.get("output").map(String::as_str), Some("json"));
        assert_eq!(dev.get("cli_pager").map(String::as_str), Some(""));
        assert!(!dev.contains_key("max_concurrent_requests"));
        assert_eq!(
            section(CONFIG, "default").get("region").map(String::as_str),
            Some("eu-west-1")
        );
        assert!(section(CONFIG, "profile missing").is_empty());
    }

    #[test]
    fn credentials_file_overrides_config_file() {
        let dir = std::env::temp_dir().join(format!("cognito-profile-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(
            dir.join(".aws/config"),
            "[profile dev]\nregion = us-west-2\naws_access_key_id = FROMCONFIG\n",
        )
        .unwrap();
        std::fs::write(
            dir.join(".aws/credentials"),
            "[dev]\naws_access_key_id = FROMCREDENTIALS\n",
        )
        .unwrap();
        let home = dir.to_string_lossy().into_owned();
        let vars = move |name: &str| (name == "HOME").then(|| home.clone());
        let env = Environment::from_fn(&vars);
        let dev = env.profile("dev").unwrap();
        assert_eq!(
            dev.get("aws_access_key_id").map(String::as_str),
            Some("FROMCREDENTIALS")
        );
        assert_eq!(dev.get("region").map(String::as_str), Some("us-west-2"));
        assert!(env.profile("other").unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
