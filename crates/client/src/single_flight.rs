//! One shared read of a whole list, for as long as its owner lives.
//!
//! Terraform refreshes and plans every resource instance in parallel, and with hundreds of
//! Umbrella customers each instance would otherwise read the same mapping table or customer
//! list, at 14 requests per minute. A [`SingleFlight`] runs the read once: callers that come
//! while it is in flight join it, callers that come later get its result. A write through the
//! owner calls [`SingleFlight::invalidate`], so a result is never reused across a write; a read
//! that was in flight during the write serves only the callers that joined it before.
//!
//! Unlike the ConnectWise `coalesce` (a grace period of 250 ms), the result does not expire: the
//! owner decides how long it lives. The provider keeps one owner per `configure` call, and
//! Terraform starts a new provider process (and so configures anew) for every plan, apply or
//! import, so a result never outlives the operation that read it.
//!
//! A failed read is shared with the callers already waiting for it (the same error, behind an
//! `Arc`, as error types holding a transport error cannot be cloned), then forgotten: the next
//! caller reads again.

use std::future::Future;
use std::sync::{Arc, Mutex};

/// The outcome of one read, shared by everyone who joined it.
pub type Shared<T, E> = Result<Arc<T>, Arc<E>>;

struct Flight<T, E> {
    generation: u64,
    result: tokio::sync::OnceCell<Shared<T, E>>,
}

struct State<T, E> {
    generation: u64,
    flight: Option<Arc<Flight<T, E>>>,
}

/// A read shared by every caller until [`SingleFlight::invalidate`].
pub struct SingleFlight<T, E> {
    state: Mutex<State<T, E>>,
}

impl<T, E> Default for SingleFlight<T, E> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                generation: 0,
                flight: None,
            }),
        }
    }
}

impl<T, E> std::fmt::Debug for SingleFlight<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SingleFlight").finish_non_exhaustive()
    }
}

impl<T, E> SingleFlight<T, E> {
    /// The result of the current read, running `fetch` only when there is none.
    pub async fn get<F, Fut>(&self, fetch: F) -> Shared<T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let flight = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let generation = state.generation;
            match &state.flight {
                Some(f) if f.generation == generation => f.clone(),
                _ => {
                    let f = Arc::new(Flight {
                        generation,
                        result: tokio::sync::OnceCell::new(),
                    });
                    state.flight = Some(f.clone());
                    f
                }
            }
        };
        let result = flight
            .result
            .get_or_init(|| async { fetch().await.map(Arc::new).map_err(Arc::new) })
            .await
            .clone();
        if result.is_err() {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if state
                .flight
                .as_ref()
                .is_some_and(|f| Arc::ptr_eq(f, &flight))
            {
                state.flight = None;
            }
        }
        result
    }

    /// Forgets the current result: call after a write to what it read.
    pub fn invalidate(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.generation += 1;
        state.flight = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn many_callers_one_read_until_invalidated() {
        let shared = Arc::new(SingleFlight::<usize, String>::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (shared, reads) = (shared.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                shared
                    .get(|| async {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok(reads.fetch_add(1, Ordering::SeqCst) + 1)
                    })
                    .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.ok().and_then(|r| r.ok()).map(|v| *v), Some(1));
        }
        // Long after the read finished, it is still served (no time limit)...
        tokio::time::sleep(Duration::from_millis(300)).await;
        let again = shared.get(|| async { Ok(99) }).await;
        assert_eq!(again.ok().map(|v| *v), Some(1));
        // ...until a write invalidates it.
        shared.invalidate();
        let fresh = shared
            .get(|| async { Ok(reads.fetch_add(1, Ordering::SeqCst) + 1) })
            .await;
        assert_eq!(fresh.ok().map(|v| *v), Some(2));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failure_is_shared_with_waiters_then_forgotten() {
        let shared = Arc::new(SingleFlight::<u32, String>::default());
        let reads = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let (shared, reads) = (shared.clone(), reads.clone());
            tasks.push(tokio::spawn(async move {
                shared
                    .get(|| async {
                        reads.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Err("HTTP 503".to_string())
                    })
                    .await
            }));
        }
        for t in tasks {
            let err = t.await.ok().and_then(|r| r.err());
            assert_eq!(err.as_deref().map(String::as_str), Some("HTTP 503"));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        let next = shared.get(|| async { Ok(7) }).await;
        assert_eq!(next.ok().map(|v| *v), Some(7), "the failure is not reused");
    }

    #[tokio::test]
    async fn a_read_in_flight_during_a_write_serves_no_later_caller() {
        let shared = Arc::new(SingleFlight::<&'static str, String>::default());
        let slow = {
            let shared = shared.clone();
            tokio::spawn(async move {
                shared
                    .get(|| async {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok("before the write")
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        shared.invalidate();
        let after = shared.get(|| async { Ok("after the write") }).await;
        assert_eq!(after.ok().map(|v| *v), Some("after the write"));
        let before = slow.await.ok().and_then(|r| r.ok()).map(|v| *v);
        assert_eq!(before, Some("before the write"));
    }
}
