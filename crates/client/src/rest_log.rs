//! One DEBUG line per HTTP attempt of either client, under one target (`api_client::rest`), so
//! that `TF_LOG=debug` shows every REST call the provider makes: the vendor, the method, the path
//! (never the query string, a header or a body), the status or the transport failure in words,
//! the attempt number (from 1), the duration in milliseconds, and the vendor's request id when
//! the answer carries one (ConnectWise: `x-cw-request-id`).

use std::time::Instant;

use reqwest::Method;
use reqwest::header::HeaderMap;

/// The vendors, as the `vendor` field spells them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Vendor {
    ConnectWise,
    Umbrella,
}

impl Vendor {
    fn name(self) -> &'static str {
        match self {
            Vendor::ConnectWise => "ConnectWise",
            Vendor::Umbrella => "Umbrella",
        }
    }

    /// The answer header that identifies the request on the vendor's side. ConnectWise sends
    /// `x-cw-request-id`; Umbrella documents none, so a common `x-request-id` is logged if sent.
    fn request_id_header(self) -> &'static str {
        match self {
            Vendor::ConnectWise => "x-cw-request-id",
            Vendor::Umbrella => "x-request-id",
        }
    }
}

/// One attempt of a call, started now.
pub(crate) struct Attempt<'a> {
    vendor: Vendor,
    method: &'a Method,
    path: &'a str,
    number: u32,
    started: Instant,
}

impl<'a> Attempt<'a> {
    /// Attempt `number` (from 1) of `method path`; `path` must carry no query string.
    pub(crate) fn start(vendor: Vendor, method: &'a Method, path: &'a str, number: u32) -> Self {
        Attempt {
            vendor,
            method,
            path,
            number,
            started: Instant::now(),
        }
    }

    fn duration_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Logs an attempt that got an answer with `status`.
    pub(crate) fn answered(&self, status: u16, headers: &HeaderMap) {
        let request_id = headers
            .get(self.vendor.request_id_header())
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::debug!(
            target: "api_client::rest",
            vendor = self.vendor.name(),
            method = %self.method,
            path = self.path,
            status,
            attempt = self.number,
            duration_ms = self.duration_ms(),
            request_id,
            "REST call"
        );
    }

    /// Logs an attempt that got no answer (refused, DNS, TLS, timeout, connection lost).
    pub(crate) fn failed(&self, error: &reqwest::Error) {
        let mut cause = crate::transport_error::describe(error);
        // reqwest's own words may quote the whole URL: keep its path, never its query.
        if let Some(url) = error.url() {
            cause = cause.replace(url.as_str(), url.path());
        }
        tracing::debug!(
            target: "api_client::rest",
            vendor = self.vendor.name(),
            method = %self.method,
            path = self.path,
            status = "none",
            error = %cause,
            attempt = self.number,
            duration_ms = self.duration_ms(),
            "REST call"
        );
    }
}
