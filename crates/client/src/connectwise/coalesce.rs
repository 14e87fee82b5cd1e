//! Single-flight reads: concurrent identical reads share one request.
//!
//! Terraform refreshes the permission rows of one role in parallel, and each
//! row's read needs the role's whole settings list; without this every row
//! would fetch the same list. A read joins a request that is in flight or
//! finished less than [`GRACE`] ago, unless this process wrote to the same key
//! since — so a result is never reused across a write, and never outlives the
//! Terraform operation (each operation runs its own provider process).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Error;

/// How long a finished read may still be joined.
pub(crate) const GRACE: Duration = Duration::from_millis(250);

struct Flight<T> {
    result: tokio::sync::OnceCell<Option<Arc<T>>>,
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
        let mut own_error = None;
        let shared = flight
            .result
            .get_or_init(|| async {
                let r = match fetch().await {
                    Ok(v) => Some(Arc::new(v)),
                    Err(e) => {
                        own_error = Some(e);
                        None
                    }
                };
                if let Ok(mut t) = flight.finished.lock() {
                    *t = Some(Instant::now());
                }
                r
            })
            .await;
        match (shared, own_error) {
            (_, Some(e)) => Err(e),
            (Some(v), None) => Ok(v.clone()),
            // The shared read failed for someone else: fail the same way,
            // with our own request, rather than guessing.
            (None, None) => {
                if let Ok(mut flights) = self.flights.lock()
                    && flights.get(key).is_some_and(|f| Arc::ptr_eq(f, &flight))
                {
                    flights.remove(key);
                }
                Err(Error::InvalidInput(format!(
                    "a shared read of {key} failed; the error was reported to the call that made it"
                )))
            }
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
}
