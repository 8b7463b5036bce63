//! A seeded fuzzer of responses, for the generated crate's tests.
//!
//! Each operation comes with a sample of its input (sensitive members holding [`SECRET`]), of
//! its output and of each of its errors, written from the model by the generator. Every round
//! serves each operation one response made from those samples, structure-aware: the valid
//! output, a modelled error, or either of them mutated (values of the wrong type, members gone
//! or unknown, strings with control characters or the request's secrets, arrays repeated towards
//! a megabyte, deep nesting, cut or garbage bodies, odd statuses, labels and headers). Each call
//! must end in time in a typed outcome, with no secret in any error and memory bounded by the
//! body. Same seed, same responses.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use cognito_idp_runtime::error::{DecodeError, ResponseErrorKind, SdkError};
use cognito_idp_runtime::transport::Handle;
use cognito_idp_runtime::{Config, Credentials, RetryConfig};

/// What the samples put in sensitive input members; no error may show it.
pub const SECRET: &str = "SECRET-MARKER";

/// A call of one operation with its sample input, through `Handle`.
pub type Call = fn(Handle, &'static str) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One operation, as the generator describes it.
#[derive(Debug)]
pub struct Case {
    pub operation: &'static str,
    pub input: &'static str,
    pub output: &'static str,
    /// Each modelled error: its code and a sample body.
    pub errors: &'static [(&'static str, &'static str)],
    pub call: Call,
}

/// How a call ended: a kind to count, and everything it shows, to search for secrets.
#[derive(Debug)]
pub struct Outcome {
    pub kind: String,
    pub shown: String,
}

/// The outcome of a call's result.
pub fn outcome<O, E>(result: Result<O, SdkError<E>>) -> Outcome
where
    E: std::error::Error + 'static,
{
    let error = match result {
        Ok(_) => {
            return Outcome {
                kind: "ok".into(),
                shown: String::new(),
            };
        }
        Err(error) => error,
    };
    let kind = match &error {
        SdkError::Construction(_) => "construction".to_owned(),
        SdkError::Timeout(_) => "timeout".to_owned(),
        SdkError::Dispatch(_) => "dispatch".to_owned(),
        SdkError::Pagination(_) => "pagination".to_owned(),
        SdkError::Response(e) => format!(
            "response: {}",
            match &e.kind {
                ResponseErrorKind::TooLarge { .. } => "too large",
                ResponseErrorKind::Redirect { .. } => "redirect",
                ResponseErrorKind::Redirected { .. } => "redirected",
                ResponseErrorKind::Encoded { .. } => "encoded",
                ResponseErrorKind::Undecodable(DecodeError::Syntax { .. }) => "not JSON",
                ResponseErrorKind::Undecodable(DecodeError::Shape { .. }) => "not the output",
                ResponseErrorKind::Undecodable(DecodeError::OverBudget { .. }) => "over budget",
                _ => "another kind",
            }
        ),
        SdkError::Service(e) => {
            let debug = format!("{:?}", e.error);
            match debug.starts_with("Unhandled(") {
                true => "service: unhandled".to_owned(),
                false => "service: modelled".to_owned(),
            }
        }
        _ => "another kind".to_owned(),
    };
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    Outcome { kind, shown }
}

/// What a response is expected to end in.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Ok,
    Modelled,
    /// Any typed outcome of a response that was read (not a construction, transport or time
    /// failure: the stub always answers in full).
    Typed,
}

/// Counts of outcomes, by kind.
#[derive(Debug, Default)]
pub struct Report {
    pub calls: usize,
    pub outcomes: BTreeMap<String, usize>,
    /// The largest peak growth of resident memory in one call, in KiB, and that call's body size.
    pub worst_memory: (usize, usize),
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} calls", self.calls)?;
        for (kind, count) in &self.outcomes {
            writeln!(f, "  {count:>6}  {kind}")?;
        }
        write!(
            f,
            "  worst peak memory growth {} KiB, for a body of {} bytes",
            self.worst_memory.0, self.worst_memory.1
        )
    }
}

/// Runs the fuzzer in a child process of the test binary (`test` is the test's path, so the
/// child runs it alone), so that memory can be measured with nothing else running; the child
/// prints its report, which the parent passes on. `FUZZ_SEED` and `FUZZ_ROUNDS` override the
/// seed (1) and the rounds (12).
pub fn run_in_child(test: &str, cases: fn() -> Vec<Case>, handle: fn(Config) -> Handle) {
    const CHILD: &str = "COGNITO_IDP_FUZZ_CHILD";
    let number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name} is not a number"))
            })
            .unwrap_or(default)
    };
    if std::env::var_os(CHILD).is_some() {
        let (seed, rounds) = (number("FUZZ_SEED", 1), number("FUZZ_ROUNDS", 12));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let report = runtime.block_on(run(&cases(), handle, seed, rounds as usize, true));
        println!("fuzz report (seed {seed}, {rounds} rounds): {report}");
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads", "1"])
        .env(CHILD, "1")
        .output()
        .expect("the test binary runs again");
    let stdout = String::from_utf8_lossy(&child.stdout);
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        child.status.success(),
        "the fuzzer failed:\n{stdout}\n{stderr}"
    );
    let report = stdout
        .split_once("fuzz report")
        .map(|(_, report)| {
            report
                .lines()
                .take_while(|l| !l.starts_with("test "))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_else(|| panic!("the fuzzer printed no report:\n{stdout}"));
    println!("fuzz report{report}");
}

/// Runs `rounds` rounds over `cases` from `seed`, with clients made by `client`. Panics (failing
/// the test) on a hang, an untyped outcome, an unexpected one, a secret shown, or memory out
/// of proportion; `measure_memory` only where nothing else runs in the process.
pub async fn run(
    cases: &[Case],
    handle: fn(Config) -> Handle,
    seed: u64,
    rounds: usize,
    measure_memory: bool,
) -> Report {
    let stub = Stub::start().await;
    let config = Config::builder()
        .endpoint_url(&stub.url)
        .region("us-east-1")
        .credentials(Credentials::new("AKIDFUZZ", "fuzz-secret-key"))
        .retry(RetryConfig::disabled())
        .timeouts(
            cognito_idp_runtime::TimeoutConfig::default()
                .with_attempt(Some(Duration::from_secs(10)))
                .with_operation(Some(Duration::from_secs(10))),
        )
        .build();
    let handle = handle(config);
    let mut rng = Rng(seed);
    let mut report = Report::default();
    for round in 0..rounds {
        for case in cases {
            let (expect, reply) = response(case, &mut rng);
            let size = reply.len();
            *stub.reply.lock().unwrap() = reply;
            if measure_memory {
                memory::reset_peak();
            }
            let before = measure_memory.then(memory::resident_kib);
            let call = (case.call)(handle.clone(), case.input);
            let outcome = tokio::time::timeout(Duration::from_secs(20), call)
                .await
                .unwrap_or_else(|_| panic!("{} hung (round {round}, seed {seed})", case.operation));
            let context = || {
                format!(
                    "{} (round {round}, seed {seed}): {outcome:?}",
                    case.operation
                )
            };
            if let Some(before) = before {
                let growth = memory::peak_kib().saturating_sub(before);
                if growth > report.worst_memory.0 {
                    report.worst_memory = (growth, size);
                }
                // The body, read once, plus a few times it for decoding, plus fixed costs.
                assert!(
                    growth <= 8 * size / 1024 + 32 * 1024,
                    "{growth} KiB: {}",
                    context()
                );
            }
            assert!(
                !outcome.shown.contains(SECRET),
                "a secret shows: {}",
                context()
            );
            let typed = !matches!(
                outcome.kind.as_str(),
                "construction" | "timeout" | "dispatch"
            );
            assert!(typed, "untyped outcome: {}", context());
            match expect {
                Expect::Ok => assert_eq!(outcome.kind, "ok", "{}", context()),
                Expect::Modelled => assert_eq!(outcome.kind, "service: modelled", "{}", context()),
                Expect::Typed => {}
            }
            report.calls += 1;
            *report.outcomes.entry(outcome.kind).or_default() += 1;
        }
    }
    report
}

/// A loopback server answering every request with the current reply.
struct Stub {
    url: String,
    reply: Arc<Mutex<Vec<u8>>>,
}

impl Stub {
    async fn start() -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let reply = Arc::new(Mutex::new(Vec::new()));
        let current = reply.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let current = current.clone();
                tokio::spawn(async move {
                    if crate::http::read_request(&mut socket).await.is_some() {
                        let reply = current.lock().unwrap().clone();
                        let _ = socket.write_all(&reply).await;
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        Stub { url, reply }
    }
}

/// An HTTP response with `headers` and `body`.
fn http(status: u16, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} Fuzzed\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn header(name: &str, value: &str) -> (String, String) {
    (name.to_owned(), value.to_owned())
}

const JSON_TYPE: &str = "application/x-amz-json-1.1";

/// One response for `case`, and what it should end in.
fn response(case: &Case, rng: &mut Rng) -> (Expect, Vec<u8>) {
    let output: Value = serde_json::from_str(case.output).expect("the output sample is JSON");
    let input: Value = serde_json::from_str(case.input).expect("the input sample is JSON");
    let mut texts = Vec::new();
    strings(&input, &mut texts);
    let json_type = vec![header("Content-Type", JSON_TYPE)];
    match rng.below(10) {
        0 => (
            Expect::Ok,
            http(200, &json_type, output.to_string().as_bytes()),
        ),
        1 if !case.errors.is_empty() => {
            let (code, sample) = case.errors[rng.below(case.errors.len())];
            let mut body: Value = serde_json::from_str(sample).expect("error samples are JSON");
            body["__type"] = json!(code);
            (
                Expect::Modelled,
                http(400, &json_type, body.to_string().as_bytes()),
            )
        }
        4 => {
            let mut body = output;
            inflate(&mut body, rng);
            (
                Expect::Typed,
                http(200, &json_type, body.to_string().as_bytes()),
            )
        }
        2 | 3 => {
            let mut body = output;
            for _ in 0..1 + rng.below(4) {
                mutate(&mut body, rng, &texts, 0);
            }
            (
                Expect::Typed,
                http(200, &json_type, body.to_string().as_bytes()),
            )
        }
        5..=7 => (Expect::Typed, error_response(case, rng, &texts)),
        _ => (Expect::Typed, odd_response(&output, rng)),
    }
}

/// An error status with a modelled, unknown or malformed code, mutated body and odd headers.
fn error_response(case: &Case, rng: &mut Rng, texts: &[String]) -> Vec<u8> {
    let (code, mut body) = match case.errors.get(rng.below(case.errors.len() + 1)) {
        Some((code, sample)) => (
            code.to_string(),
            serde_json::from_str(sample).expect("error samples are JSON"),
        ),
        None => (
            "SomethingElseException".to_owned(),
            json!({"message": "text"}),
        ),
    };
    let code = match rng.below(6) {
        0 => format!("com.amazonaws#{code}:http://internal"),
        1 => "X".repeat(5000),
        2 => format!("{code}\u{1b}[31m\r\n"),
        _ => code,
    };
    body["__type"] = json!(code);
    if rng.below(2) == 0 {
        let echo = texts.get(rng.below(texts.len().max(1))).cloned();
        body["message"] = json!(format!("you sent {}", echo.unwrap_or_default()));
    }
    for _ in 0..rng.below(3) {
        mutate(&mut body, rng, texts, 0);
    }
    let status = [400, 403, 404, 409, 429, 500, 503][rng.below(7)];
    let mut headers = vec![header(
        "Content-Type",
        [
            "application/json",
            JSON_TYPE,
            "text/html",
            "text/plain; x=json",
        ][rng.below(4)],
    )];
    match rng.below(5) {
        0 => {
            // What a header can carry of the code: no line breaks, or the response is no HTTP.
            let code: String = code.chars().filter(|c| !c.is_control()).collect();
            headers.push(header(
                "X-Amzn-ErrorType",
                ["", "#", "  ", &code][rng.below(4)],
            ));
        }
        1 => headers.push(header("x-amzn-RequestId", &"r".repeat(3000))),
        _ => {}
    }
    let body = match rng.below(8) {
        // An error page echoing the request.
        0 => format!("<html>{}</html>", texts.join("&")).into_bytes(),
        _ => body.to_string().into_bytes(),
    };
    http(status, &headers, &body)
}

/// Bodies that are not JSON, statuses that are not answers, labels that lie.
fn odd_response(output: &Value, rng: &mut Rng) -> Vec<u8> {
    let text = output.to_string();
    let json_type = [header("Content-Type", JSON_TYPE)];
    match rng.below(9) {
        0 => http(200, &json_type, &text.as_bytes()[..rng.below(text.len())]),
        1 => http(200, &json_type, b"\xff\xfe{\"\x00"),
        2 => http(200, &[header("Content-Type", "text/html")], b""),
        3 => http(
            200,
            &[header("Content-Type", "text/plain")],
            text.as_bytes(),
        ),
        4 => http(
            200,
            &[
                header("Content-Type", JSON_TYPE),
                header("Content-Encoding", "gzip"),
            ],
            text.as_bytes(),
        ),
        5 => http(
            [301, 302, 303, 307, 308][rng.below(5)],
            &[header("Location", "http://elsewhere.invalid/x")],
            b"",
        ),
        6 => http(204, &[], b""),
        7 => http(200, &json_type, format!("{text} trailing").as_bytes()),
        _ => http(200, &json_type, deep(1000).as_bytes()),
    }
}

/// Fills one array of `value` (or a new member, where it has none) with up to 1 MiB of copies
/// of an element: a body that is small on the wire and large once decoded.
fn inflate(value: &mut Value, rng: &mut Rng) {
    fn arrays<'v>(value: &'v mut Value, out: &mut Vec<&'v mut Vec<Value>>) {
        match value {
            Value::Array(items) => {
                // Its elements' arrays are reached through it; inflating it is enough.
                out.push(items);
            }
            Value::Object(map) => map.values_mut().for_each(|v| arrays(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    arrays(value, &mut found);
    let pick = rng.below(found.len() + 1);
    let target = match found.into_iter().nth(pick) {
        Some(items) => items,
        None => {
            let Value::Object(map) = value else { return };
            let entry = map.entry("Unknown").or_insert(json!([{}]));
            let Value::Array(items) = entry else { return };
            items
        }
    };
    let element = match (rng.below(3), target.first()) {
        (0, Some(first)) => first.clone(),
        (1, _) => json!(0),
        _ => json!({}),
    };
    let size = element.to_string().len() + 1;
    let copies = ((1 + rng.below(4)) << 18) / size;
    target.extend(std::iter::repeat_n(element, copies));
}

/// `[[[...]]]`, nested `depth` times.
fn deep(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Applies one structure-aware mutation somewhere in `value`.
fn mutate(value: &mut Value, rng: &mut Rng, texts: &[String], depth: usize) {
    // Go deeper half the time, where there is somewhere to go.
    let descend = depth < 8 && rng.below(2) == 0;
    match value {
        Value::Object(map) if descend && !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned();
            if let Some(child) = key.and_then(|k| map.get_mut(&k)) {
                return mutate(child, rng, texts, depth + 1);
            }
        }
        Value::Array(items) if descend && !items.is_empty() => {
            let index = rng.below(items.len());
            return mutate(&mut items[index], rng, texts, depth + 1);
        }
        _ => {}
    }
    match (rng.below(9), &mut *value) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(rng.below(map.len()))
                .cloned()
                .unwrap_or_default();
            map.remove(&key);
        }
        (1, Value::Object(map)) => {
            map.insert(format!("Unknown{}", rng.below(100)), other(rng, texts));
        }
        (2, Value::Array(items)) if !items.is_empty() => {
            // Towards a megabyte of copies of one element.
            let element = items[0].clone();
            let size = element.to_string().len() + 1;
            let copies = (1 << 20) / size.max(1);
            items.extend(std::iter::repeat_n(element, copies.min(1 << 18)));
        }
        (3, Value::String(text)) => {
            *text = match rng.below(4) {
                0 => format!("{text}\u{1b}[2J\r\nforged\u{0}"),
                1 => "é".repeat(40_000),
                2 => texts
                    .get(rng.below(texts.len().max(1)))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            };
        }
        (4, _) => *value = json!([]),
        (5, _) => *value = json!({}),
        (6, _) => {
            // Past serde_json's recursion limit.
            let mut nested = Value::Null;
            for _ in 0..200 {
                nested = Value::Array(vec![nested]);
            }
            *value = nested;
        }
        _ => *value = other(rng, texts),
    }
}

/// A value of any JSON type.
fn other(rng: &mut Rng, texts: &[String]) -> Value {
    match rng.below(9) {
        0 => Value::Null,
        1 => json!(true),
        2 => json!(-1),
        3 => json!(1e308),
        4 => json!(u64::MAX),
        5 => json!(""),
        6 => json!(texts.first().cloned().unwrap_or_default()),
        7 => json!([null]),
        _ => json!({"k": 1}),
    }
}

/// Every string in `value`.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out);
        }),
        _ => {}
    }
}

/// SplitMix64: small, seedable, good enough to choose mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        match n {
            0 => 0,
            n => (self.next() % n as u64) as usize,
        }
    }
}

/// Resident memory as Linux reports it, for a process that runs only the fuzzer.
mod memory {
    fn status_kib(field: &str) -> usize {
        let status =
            std::fs::read_to_string("/proc/self/status").expect("Linux's /proc/self/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix("kB"))
            .and_then(|kib| kib.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
    }

    pub fn resident_kib() -> usize {
        status_kib("VmRSS:")
    }

    pub fn peak_kib() -> usize {
        status_kib("VmHWM:")
    }

    /// Makes the peak resident size the current one.
    pub fn reset_peak() {
        std::fs::write("/proc/self/clear_refs", "5").expect("a writable /proc/self/clear_refs");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_replay_from_a_seed() {
        let sample = json!({"Users":[{"Username":"u","Attributes":[{"Name":"n","Value":"v"}]}]});
        let texts = vec![SECRET.to_owned()];
        let run = |seed| {
            let mut rng = Rng(seed);
            (0..50)
                .map(|_| {
                    let mut value = sample.clone();
                    mutate(&mut value, &mut rng, &texts, 0);
                    value.to_string().len()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
