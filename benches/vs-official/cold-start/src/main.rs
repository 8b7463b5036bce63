//! Cold start: from spawning a one-call program to the first byte of its request at a loopback
//! stub, for each program given as `name=path`, interleaved over `ROUNDS` rounds (15 unless
//! set). The stub answers `{}` so that every program ends normally. Prints each program's
//! median and its ratio to the first program's.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let programs: Vec<(String, String)> = std::env::args()
        .skip(1)
        .map(|arg| match arg.split_once('=') {
            Some((name, path)) => (name.to_owned(), path.to_owned()),
            None => panic!("arguments are name=path, not {arg}"),
        })
        .collect();
    assert!(!programs.is_empty(), "usage: cold-start name=path...");
    let rounds: usize = std::env::var("ROUNDS").map_or(15, |r| r.parse().expect("ROUNDS is a number"));
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut samples = vec![Vec::new(); programs.len()];
    for round in 0..rounds {
        // Each round starts with another program, so that none always follows the same one.
        for k in 0..programs.len() {
            let i = (round + k) % programs.len();
            samples[i].push(first_byte(&programs[i].1, &url, &listener));
        }
    }
    let medians: Vec<Duration> = samples.iter_mut().map(|s| median(s)).collect();
    println!("cold start to the first request byte (release, median of {rounds} interleaved runs):");
    for ((name, _), median) in programs.iter().zip(&medians) {
        println!(
            "  {name:<9} {:6.2} ms  {:.2}x {}",
            median.as_secs_f64() * 1e3,
            median.as_secs_f64() / medians[0].as_secs_f64(),
            programs[0].0
        );
    }
}

/// Starts `program` against `url` and times its first request byte; answers it and waits for
/// the program to end.
fn first_byte(program: &str, url: &str, listener: &TcpListener) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(program)
        .arg(url)
        .stdout(Stdio::null())
        .env("AWS_ACCESS_KEY_ID", "AKIDCOLDSTART")
        .env("AWS_SECRET_ACCESS_KEY", "cold-start-secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let (mut socket, _) = listener.accept().expect("the program connects");
    let mut byte = [0u8; 1];
    socket.read_exact(&mut byte).expect("a request byte");
    let elapsed = start.elapsed();
    answer(&mut socket);
    let status = child.wait().expect("the program ends");
    assert!(status.success(), "{program} failed: {status}");
    elapsed
}

/// Reads the rest of the request (head and `Content-Length` body) and answers `{}`.
fn answer(socket: &mut TcpStream) {
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = socket.read(&mut chunk).expect("the request");
        request.extend_from_slice(&chunk[..read]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap_or(0));
            if request.len() >= end + 4 + length {
                break;
            }
        }
        if read == 0 {
            break;
        }
    }
    let body = "{}";
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(response.as_bytes()).expect("the answer");
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
