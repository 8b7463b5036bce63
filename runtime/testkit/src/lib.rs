//! Test support for `cognito-idp`, shared by the runtime's and the generated crate's tests (as
//! rustls keeps its handshake helpers in one test crate): one scripted Cognito [`peer`] that
//! checks what Cognito checks, one scripted user ([`Script`]), a clock the tests move, a store
//! that fails on demand, the server side of SRP written apart from the engine, and the response
//! [`fuzz`]er the generated tests run.

pub mod clock;
pub mod fuzz;
pub mod http;
pub mod journeys;
pub mod oauth;
pub mod peer;
pub mod prompter;
pub mod srp_server;
pub mod store;
pub mod tokens;
pub mod totp;

pub use clock::TestClock;
pub use peer::{Confirm, Fault, Link, Peer};
pub use prompter::Script;
pub use store::FlakyStore;
