//! Sending: one call with retries through the site's limiter, error answers turned into
//! [`Error`]s, and creates that must not run twice.

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use serde::de::DeserializeOwned;
use url::Url;

use crate::connectwise::ConnectWise;
use crate::connectwise::error::{self, Error, Target};
use crate::rest_log::{self, Vendor};

use super::request::Call;
use super::response::{self, MAX_BODY_BYTES, RawResponse, ReadFailure, decode};
use super::retry::{
    Attempts, Outcome, RETRY_POLICY, maybe_performed, outcome_unknown, should_retry,
};

impl ConnectWise {
    /// Sends an unauthenticated GET (companyinfo) with the same retries.
    pub(crate) async fn get_unauthenticated(
        &self,
        url: &str,
        label: &str,
    ) -> Result<RawResponse, Error> {
        let url = Url::parse(url)
            .map_err(|e| Error::InvalidInput(format!("invalid URL for {label}: {e}")))?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert("clientid", self.inner.client_id.clone());
        let (raw, attempts) = self
            .execute(&Method::GET, &url, label, &headers, None)
            .await?;
        if attempts.count > 1 && should_retry(&Method::GET, Outcome::Status(raw.status)) {
            let err = error::from_response(
                raw.status,
                raw.content_type(),
                &raw.body,
                label,
                &Target {
                    resource: "company",
                    id: self.inner.config.company_id.clone(),
                },
                raw.retry_after,
            );
            return Err(attempts.gave_up(label, err));
        }
        Ok(raw)
    }

    /// Runs one call with retries; `extra_query` adds paging parameters. Error answers become
    /// [`Error`]s.
    pub(crate) async fn send(
        &self,
        call: &Call,
        extra_query: &[(String, String)],
    ) -> Result<RawResponse, Error> {
        let url = self.url(call, extra_query).await?;
        let label = call.label();
        let headers = self.headers(call);

        let (raw, attempts) = self
            .execute(&call.method, &url, &label, &headers, call.body.as_deref())
            .await?;
        if (200..300).contains(&raw.status) {
            return Ok(raw);
        }
        if call.method == Method::DELETE && raw.status == 404 && attempts.earlier_maybe_performed {
            // An earlier DELETE whose answer was lost did the job.
            tracing::debug!(call = %label, "DELETE answered 404 after a lost answer: already deleted");
            return Ok(RawResponse {
                status: 204,
                headers: HeaderMap::new(),
                body: Vec::new(),
                retry_after: None,
            });
        }
        if let Some(err) = response::missing_extension(call, &raw, &label) {
            return Err(err);
        }
        let err = response::error_answer(call, &raw, &label);
        Err(if should_retry(&call.method, Outcome::Status(raw.status)) {
            attempts.gave_up(&label, err)
        } else {
            err
        })
    }

    /// Creates an object with a POST without ever creating it twice.
    ///
    /// A POST whose answer is lost (HTTP 500/502/503/504, a timeout, a connection dropped after
    /// sending) may or may not have created the object. Before sending it again, `recover` looks
    /// the object up: `Some(object)` is adopted as the result; `None` means it does not exist (or
    /// `recover` removed a useless half-created object), and the POST is sent again after a
    /// backoff, within `max_retries` and `retry_deadline`. Other failures (validation errors,
    /// 401/403/404) end the call at once. If the lookup itself fails the error is
    /// [`Error::OutcomeUnknown`].
    pub(crate) async fn create_idempotent<T, F, Fut>(
        &self,
        call: Call,
        recover: F,
    ) -> Result<T, Error>
    where
        T: DeserializeOwned,
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Option<T>, Error>>,
    {
        let label = call.label();
        let started = Instant::now();
        let deadline = started + self.inner.config.retry_deadline;
        let max_retries = self.inner.config.max_retries;
        let mut attempts: u32 = 0;
        let mut last_status = None;
        loop {
            attempts += 1;
            let err = match self.send(&call, &[]).await {
                Ok(raw) => return decode(&raw, &label, call.secret_response),
                Err(err) => err,
            };
            if !outcome_unknown(&err) {
                return Err(err);
            }
            last_status = err.status().or(last_status);
            tracing::debug!(
                call = %label,
                attempt = attempts,
                error = %err.root(),
                "create: answer lost, looking the object up before trying again"
            );
            match recover().await {
                Ok(Some(found)) => {
                    tracing::debug!(call = %label, "create: the lost create had succeeded; using the object found");
                    return Ok(found);
                }
                Ok(None) => {}
                Err(lookup) => {
                    return Err(Error::OutcomeUnknown {
                        call: label,
                        cause: Box::new(err),
                        lookup: Box::new(lookup),
                    });
                }
            }
            let wait = RETRY_POLICY.backoff(attempts - 1);
            if attempts > max_retries || Instant::now() + wait >= deadline {
                return Err(Error::GaveUp {
                    call: label,
                    attempts,
                    elapsed: started.elapsed(),
                    last: Box::new(match err {
                        Error::GaveUp { last, .. } => *last,
                        other => other,
                    }),
                    last_status,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one request with retries within `max_retries` and `retry_deadline`, through the
    /// site's shared limiter. Returns the last HTTP answer (success or not) with the attempts
    /// made; transport failures, timeouts and oversized answers are errors here (wrapped in
    /// [`Error::GaveUp`] after retries).
    async fn execute(
        &self,
        method: &Method,
        url: &Url,
        label: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
    ) -> Result<(RawResponse, Attempts), Error> {
        let config = &self.inner.config;
        let mut attempts = Attempts {
            count: 0,
            started: Instant::now(),
            earlier_maybe_performed: false,
            last_status: None,
        };
        let deadline = attempts.started + config.retry_deadline;
        loop {
            let permit = self.inner.limiter.acquire().await;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                // Only reachable when the limiter itself made the call wait past its deadline.
                drop(permit);
                return Err(attempts.gave_up(label, timeout_error(label)));
            }
            let attempt = attempts.count;
            attempts.count += 1;
            let timeout = config.request_timeout.min(remaining);
            let log =
                rest_log::Attempt::start(Vendor::ConnectWise, method, url.path(), attempts.count);
            let result = self
                .attempt(method, url, label, headers, body, timeout)
                .await?;
            drop(permit);
            match &result {
                Ok(raw) => log.answered(raw.status, &raw.headers),
                Err(e) => log.failed(e),
            }
            let outcome = Outcome::of(&result);
            if let Outcome::Status(status) = outcome {
                attempts.last_status = Some(status);
            }
            let retry_after = result.as_ref().ok().and_then(|raw| raw.retry_after);
            let wait = if attempt < config.max_retries && should_retry(method, outcome) {
                RETRY_POLICY
                    .wait(attempt, retry_after)
                    .filter(|wait| Instant::now() + *wait < deadline)
            } else {
                None
            };
            if let Some(wait) = wait {
                attempts.earlier_maybe_performed |= maybe_performed(outcome);
                tokio::time::sleep(wait).await;
                continue;
            }
            return match result {
                Ok(raw) => Ok((raw, attempts)),
                Err(e) if e.is_timeout() => Err(attempts.gave_up(label, timeout_error(label))),
                Err(e) => Err(attempts.gave_up(
                    label,
                    Error::Transport {
                        call: label.to_owned(),
                        source: std::sync::Arc::new(e.without_url()),
                    },
                )),
            };
        }
    }

    /// Sends one request and reads its answer. The inner error is a transport failure the caller
    /// may retry; the outer one (an answer too large to read) ends the call.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        label: &str,
        headers: &HeaderMap,
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Result<RawResponse, reqwest::Error>, Error> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .timeout(timeout);
        if let Some(body) = body {
            request = request.body(body.to_vec());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Ok(Err(e)),
        };
        match response::read(response).await {
            Ok(raw) => Ok(Ok(raw)),
            Err(ReadFailure::Transport(e)) => Ok(Err(e)),
            Err(ReadFailure::TooLarge(status)) => Err(Error::Decode {
                call: label.to_owned(),
                message: format!(
                    "the answer (HTTP {status}) is larger than {} MiB; stopped reading it",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
            }),
        }
    }
}

/// [`Error::Timeout`] for `call`.
fn timeout_error(call: &str) -> Error {
    Error::Timeout {
        call: call.to_owned(),
    }
}

#[cfg(test)]
mod tests;
