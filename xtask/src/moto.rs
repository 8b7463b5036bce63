//! The local Cognito server for `cargo xtask test`: moto, installed into a venv under `target/`
//! from pinned requirements, started on free loopback ports and stopped when dropped.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The pinned requirements, relative to the workspace root.
const REQUIREMENTS: &str = "xtask/moto-requirements.txt";

/// A running moto server.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The venv's `bin/`, made and filled if the requirements changed since the last install.
pub fn install(root: &Path) -> Result<PathBuf, String> {
    let venv = root.join("target/moto-venv");
    let bin = venv.join("bin");
    let requirements = std::fs::read_to_string(root.join(REQUIREMENTS))
        .map_err(|e| format!("{REQUIREMENTS}: {e}"))?;
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|done| done == requirements) {
        return Ok(bin);
    }
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    eprintln!("xtask: installing moto into {}", venv.display());
    run(
        Command::new(&python)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
        "make the moto venv",
    )?;
    run(
        Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(root.join(REQUIREMENTS)),
        "install moto",
    )?;
    std::fs::write(&stamp, requirements).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(bin)
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot {what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cannot {what}: {status}"))
    }
}

impl Moto {
    /// Starts `moto_server` on a free port with `env` set, and waits until it answers.
    pub fn start(bin: &Path, log: &Path, env: &[(&str, &str)]) -> Result<Moto, String> {
        let port = free_port()?;
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(bin.join("moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if answers(port) {
                return Ok(moto);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let tail = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = tail
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        Err(format!(
            "moto did not answer on port {port} within 60 s; its log ends:\n{}",
            tail.join("\n")
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

/// Whether moto serves an unsigned `ListUserPools` with 200.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let body = r#"{"MaxResults":1}"#;
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: AWSCognitoIdentityProviderService.ListUserPools\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200")
}

/// On a moto that checks signatures after a few free requests: an IAM user allowed everything,
/// and its access key, made with the free requests. Returns (key id, secret).
pub fn make_signing_user(bin: &Path, url: &str) -> Result<(String, String), String> {
    const SCRIPT: &str = r#"
import json, sys, boto3
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1",
                   aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam.create_user(UserName="signer")
iam.put_user_policy(UserName="signer", PolicyName="all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="signer")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
"#;
    let output = Command::new(bin.join("python"))
        .args(["-c", SCRIPT, url])
        .output()
        .map_err(|e| format!("cannot run the venv's python: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "making the IAM user failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut words = text.split_whitespace();
    match (words.next(), words.next()) {
        (Some(id), Some(secret)) => Ok((id.to_owned(), secret.to_owned())),
        _ => Err(format!("unexpected output from the IAM script: {text}")),
    }
}

/// Free requests the signing moto allows before it checks signatures: the readiness probe of
/// [`Moto::start`] and the three of [`make_signing_user`].
pub const FREE_REQUESTS: &str = "4";
