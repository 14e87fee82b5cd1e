//! Single-flight reads: concurrent identical reads share one request.
//!
//! Terraform refreshes the permission rows of one role in parallel, and each
//! row's read needs the role's whole settings list; without this every row
//! would fetch the same list. A read joins a request that is in flight or
//! finished less than [`GRACE`] ago, unless this process wrote to the same key
//! since — so a result is never reused across a write, and never outlives the
//! Terraform operation (each operation runs its own provider process).
//!
//! When the shared request fails, every caller that joined it gets the same
//! error (a clone of it: the real cause, not a note that someone else's read
//! failed), and the failure is forgotten at once: the next read tries again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Error;

/// How long a finished read may still be joined.
pub(crate) const GRACE: Duration = Duration::from_millis(250);

struct Flight<T> {
    result: tokio::sync::OnceCell<Result<Arc<T>, Error>>,
    generation: u64,
    finished: Mutex<Option<Instant>>,
}

/// Shared reads keyed by a string (site, company and object).
pub(crate) struct Coalescer<T> {
    flights: Mutex<HashMap<String, Arc<Flight<T>>>>,
    generations: Mutex<HashMap<String, u64>>,
}

impl<T> Coalescer<T> {
    pub(crate) fn new() -> Self {
        Coalescer {
            flights: Mutex::new(HashMap::new()),
            generations: Mutex::new(HashMap::new()),
        }
    }

    fn generation(&self, key: &str) -> u64 {
        self.generations
            .lock()
            .map(|g| g.get(key).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Forgets reads of `key`: call after writing to it.
    pub(crate) fn invalidate(&self, key: &str) {
        if let Ok(mut g) = self.generations.lock() {
            *g.entry(key.to_string()).or_insert(0) += 1;
        }
        if let Ok(mut f) = self.flights.lock() {
            f.remove(key);
        }
    }

    /// Runs `fetch`, or joins an identical read that is in flight or just finished. The result
    /// is shared, not copied: a role's settings list is ~109 rows and every row of the role reads it.
    pub(crate) async fn read<F, Fut>(&self, key: &str, fetch: F) -> Result<Arc<T>, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let generation = self.generation(key);
        let flight = {
            let Ok(mut flights) = self.flights.lock() else {
                return fetch().await.map(Arc::new);
            };
            let reusable = flights.get(key).filter(|f| {
                f.generation == generation
                    && f.finished
                        .lock()
                        .map(|t| t.is_none_or(|t| t.elapsed() < GRACE))
                        .unwrap_or(false)
            });
            match reusable {
                Some(f) => f.clone(),
                None => {
                    // Drop finished reads that can no longer be joined, so
                    // memory does not grow with the number of roles.
                    flights.retain(|_, f| {
                        f.finished
                            .lock()
                            .map(|t| t.is_none_or(|t| t.elapsed() < GRACE))
                            .unwrap_or(false)
                    });
                    let f = Arc::new(Flight {
                        result: tokio::sync::OnceCell::new(),
                        generation,
                        finished: Mutex::new(None),
                    });
                    flights.insert(key.to_string(), f.clone());
                    f
                }
            }
        };
        let result = flight
            .result
            .get_or_init(|| async {
                let result = fetch().await.map(Arc::new);
                if let Ok(mut t) = flight.finished.lock() {
                    *t = Some(Instant::now());
                }
                result
            })
            .await;
        if result.is_err() {
            // A failure is shared only with the callers already waiting for it.
            self.forget(key, &flight);
        }
        result.clone()
    }

    /// Removes `flight` from the map unless a newer read of `key` replaced it.
    fn forget(&self, key: &str, flight: &Arc<Flight<T>>) {
        if let Ok(mut flights) = self.flights.lock()
            && flights.get(key).is_some_and(|f| Arc::ptr_eq(f, flight))
        {
            flights.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_reads_share_one_fetch_and_writes_invalidate() {
        let c = Arc::new(Coalescer::<u32>::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (c, calls) = (c.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                c.read("role/1", || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(7)
                })
                .await
            }));
        }
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), 7);
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one request for eight readers"
        );

        c.invalidate("role/1");
        let v = c
            .read("role/1", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(8)
            })
            .await
            .unwrap();
        assert_eq!(*v, 8, "a write makes the next read fetch again");
        assert_eq!(calls.load(Ordering::SeqCst), 2);

        tokio::time::sleep(GRACE + Duration::from_millis(50)).await;
        let _ = c
            .read("role/1", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(9)
            })
            .await;
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "an old result is not reused"
        );
    }

    /// Every caller that joined a failed read gets that read's own error (here a refused
    /// connection, with its cause), and the next read sends a new request.
    #[tokio::test]
    async fn every_waiter_gets_the_original_error() {
        let refused = refused_connection().await;
        let c = Arc::new(Coalescer::<u32>::new());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (c, calls, refused) = (c.clone(), calls.clone(), refused.clone());
            tasks.push(tokio::spawn(async move {
                c.read("role/2", || async move {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    Err(refused)
                })
                .await
            }));
        }
        let original = refused.to_string();
        for t in tasks {
            let err = t.await.unwrap().unwrap_err();
            assert_eq!(err.to_string(), original);
            assert!(matches!(err, Error::Transport { .. }), "{err:?}");
            assert!(err.to_string().contains("refused"), "{err}");
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one request for six readers"
        );
        let v = c
            .read("role/2", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(3)
            })
            .await
            .unwrap();
        assert_eq!(*v, 3, "a failure is not reused");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    /// A real transport error: a connection to a loopback port nothing listens on.
    async fn refused_connection() -> Error {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let source = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .unwrap_err();
        Error::Transport {
            call: "GET /system/securityRoles/2/settings".into(),
            source: Arc::new(source.without_url()),
        }
    }
}
