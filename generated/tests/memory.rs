//! Memory for a response is bounded by a small multiple of its bytes, whatever its shape: bodies
//! just under the 8 MiB limit, built to decode into as much memory as possible, each raise the
//! peak resident memory by less than 64 MiB. Measured by the kernel (Linux's `VmHWM`, reset
//! through `clear_refs` before each call); one test in this binary, so nothing else runs meanwhile.

mod support;

use support::{RawStub, json};

/// A field of `/proc/self/status`, in KiB.
fn status_kib(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Makes the peak resident size the current one.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("writable /proc/self/clear_refs");
}

const LIMIT: usize = 8 << 20;

/// `{"<member>":[<item>,<item>,...]}`, as close to the size limit as it gets.
fn filled(prefix: &str, item: &str, suffix: &str) -> String {
    let room = LIMIT - prefix.len() - suffix.len() - 64;
    let count = room / (item.len() + 1);
    let mut body = String::with_capacity(LIMIT);
    body.push_str(prefix);
    for i in 0..count {
        if i > 0 {
            body.push(',');
        }
        body.push_str(item);
    }
    body.push_str(suffix);
    body
}

fn cases() -> Vec<(&'static str, u16, String)> {
    vec![
        (
            "AdminListUserAuthEvents [{},...]",
            200,
            filled(r#"{"AuthEvents":["#, "{}", "]}"),
        ),
        (
            "ListUsers [{},...]",
            200,
            filled(r#"{"Users":["#, "{}", "]}"),
        ),
        (
            "ListUsers [{\"MFAOptions\":[{}]},...]",
            200,
            filled(r#"{"Users":["#, r#"{"MFAOptions":[{}]}"#, "]}"),
        ),
        (
            "StartWebAuthnRegistration document [0,...]",
            200,
            filled(r#"{"CredentialCreationOptions":["#, "0", "]}"),
        ),
        (
            "DescribeUserPoolClient [\"\",...]",
            200,
            filled(r#"{"UserPoolClient":{"CallbackURLs":["#, r#""""#, "]}}"),
        ),
        (
            "ListUsers error {\"__type\":..,\"x\":[0,...]}",
            400,
            filled(r#"{"__type":"InvalidParameterException","x":["#, "0", "]}"),
        ),
        (
            "ListUsers error {\"__type\":..,\"x\":[{},...]}",
            400,
            filled(r#"{"__type":"InvalidParameterException","x":["#, "{}", "]}"),
        ),
    ]
}

/// Each case runs in a fresh process (this test binary again, told which case by
/// `MEMORY_CASE`), so that memory one case freed cannot hide what the next one takes.
#[test]
fn hostile_bodies_raise_peak_memory_by_less_than_64_mib() {
    if let Ok(case) = std::env::var("MEMORY_CASE") {
        return measure(case.parse().expect("a case number"));
    }
    let mut report = Vec::new();
    let mut worst = 0.0f64;
    for case in 0..cases().len() {
        let run = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "hostile_bodies_raise_peak_memory_by_less_than_64_mib",
                "--nocapture",
            ])
            .env("MEMORY_CASE", case.to_string())
            .output()
            .expect("the test binary runs again");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "case {case} failed: {stdout}{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let line = stdout
            .lines()
            .find(|l| l.starts_with("MEMORY "))
            .unwrap_or_else(|| panic!("case {case} printed no figure: {stdout}"));
        let (growth, text) = line["MEMORY ".len()..].split_once(' ').unwrap();
        worst = worst.max(growth.parse::<f64>().unwrap());
        report.push(text.to_owned());
    }
    println!("{}", report.join("\n"));
    assert!(worst < 64.0, "{}", report.join("\n"));
}

/// Serves case `index` and prints `MEMORY <MiB> <report>`.
fn measure(index: usize) {
    let (name, status, body) = cases().swap_remove(index);
    let reply = json(status, &body);
    drop(body);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stub = RawStub::start(move |_| reply.clone()).await;
        let client = stub.client();
        reset_peak();
        let baseline = status_kib("VmRSS:");
        let outcome = call(&client, name).await;
        let growth = status_kib("VmHWM:").saturating_sub(baseline) as f64 / 1024.0;
        assert_eq!(stub.requests(), 1, "one request, no retry");
        println!("MEMORY {growth:.1} {name}: +{growth:.1} MiB peak, {outcome}");
    });
}

/// Calls the operation the case is for; how it ended, in a few words.
async fn call(client: &cognito_idp::Client, case: &str) -> String {
    fn outcome<T, E: std::fmt::Display>(result: Result<T, E>) -> String {
        match result {
            Ok(_) => "read".into(),
            Err(e) => e.to_string().chars().take(120).collect(),
        }
    }
    let operation = case.split_whitespace().next().unwrap();
    match operation {
        "AdminListUserAuthEvents" => outcome(
            client
                .admin_list_user_auth_events()
                .user_pool_id("p")
                .username("u")
                .send()
                .await,
        ),
        "StartWebAuthnRegistration" => outcome(
            client
                .start_web_authn_registration()
                .access_token("t")
                .send()
                .await,
        ),
        "DescribeUserPoolClient" => outcome(
            client
                .describe_user_pool_client()
                .user_pool_id("p")
                .client_id("c")
                .send()
                .await,
        ),
        _ => outcome(client.list_users().user_pool_id("p").send().await),
    }
}
