//! The managed-login example against the scripted user-pool domain: the test reads the authorize
//! URL it prints, plays the hosted UI (a code for the URL's challenge) and the browser (the
//! redirect back to the example's loopback listener), then reads who signed in.

use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

use cognito_idp_testkit::oauth::{CLIENT_ID, CLIENT_SECRET, TokenEndpoint};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_example_signs_in_through_managed_login() {
    let endpoint = TokenEndpoint::start().await;
    let example = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("examples/login");
    assert!(
        example.exists(),
        "{} is not built: run the tests with `cargo xtask test`",
        example.display()
    );
    let mut child = std::process::Command::new(example)
        .args([
            "--domain",
            &endpoint.url,
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ])
        .args(["--port", "0", "--timeout-seconds", "30"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the example starts");
    let (lines, printed) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let url = loop {
        let line = printed
            .recv_timeout(Duration::from_secs(30))
            .expect("the authorize URL");
        if line.starts_with(&endpoint.url) {
            break reqwest::Url::parse(&line).unwrap();
        }
    };
    assert_eq!(url.path(), "/oauth2/authorize");
    // The hosted UI: the user signs in; the browser is sent back with a code.
    let back = endpoint.sign_in(url.as_str());
    let browser = cognito_idp::http_client_builder().unwrap().build().unwrap();
    let page = browser
        .get(back)
        .send()
        .await
        .expect("the loopback answers");
    assert_eq!(page.status().as_u16(), 200);
    let output = child.wait_with_output().unwrap();
    // The reader thread ends at the example's end of output, closing the channel: wait for every
    // line rather than taking what has arrived so far.
    let rest: Vec<String> = printed.iter().collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{rest:?} {stderr}");
    let said = rest.join("\n");
    assert!(
        said.contains("Signed in as sub-user (user@example.com)."),
        "{said}"
    );
    assert!(
        !said.contains("eyJ") && !stderr.contains("eyJ"),
        "no token is printed: {said}"
    );
}
