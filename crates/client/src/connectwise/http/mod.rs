//! The ConnectWise transport, one concern per file:
//!
//! - `setup`: checks the configuration and builds, once per client, the HTTP client and the
//!   headers every call sends (`Authorization: Basic`, `clientId`, `Accept` with the version).
//! - `request`: the base URL with its codebase, escaping, the [`Call`] description of one API
//!   call, and the URL and headers sent for it.
//! - `send`: one call with retries through the site's limiter, error answers turned into
//!   [`Error`](crate::Error)s, and creates that must not run twice.
//! - `retry`: which attempts may be repeated, ConnectWise's [`RETRY_POLICY`](retry::RETRY_POLICY), and the error
//!   after the last attempt.
//! - `response`: reading an answer within a size limit, and JSON decoding.
//! - `paging`: `pageSize` and the `Link rel="next"` header.

mod paging;
mod request;
mod response;
mod retry;
mod send;
mod setup;

pub(crate) use request::{Call, encode_component, segment};
pub(crate) use response::decode;
pub(crate) use setup::Inner;

#[cfg(test)]
pub(crate) use {retry::RETRY_POLICY, setup::basic_auth_value};
