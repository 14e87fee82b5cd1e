//! HTTPS for the emulator (`SandboxConfig::tls`): a CA made fresh for each start, a server
//! certificate it signs for `127.0.0.1`, `::1` and `localhost`, and a listener that hands axum
//! only connections whose handshake succeeded.
//!
//! Clients must be told to trust the CA ([`crate::Sandbox::ca_pem`]); that is the point: tests
//! see what an operator behind a private CA sees. Failed handshakes are counted
//! ([`crate::Sandbox::tls_handshake_failures`]), since they never reach the request log.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A handshake that takes longer than this is dropped (a client that connects and says nothing).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The certificates of one TLS sandbox.
pub(crate) struct TlsIdentity {
    /// The CA's certificate (PEM), the one clients must trust.
    pub(crate) ca_pem: String,
    acceptor: TlsAcceptor,
}

impl TlsIdentity {
    /// A new CA and a server certificate it signs for the loopback names.
    pub(crate) fn generate() -> io::Result<TlsIdentity> {
        let failed = |e: rcgen::Error| io::Error::other(format!("cannot make certificates: {e}"));
        let ca_key = KeyPair::generate().map_err(failed)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "connectwise-sandbox test CA");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(failed)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let names = ["localhost", "127.0.0.1", "::1"]
            .map(str::to_owned)
            .to_vec();
        let mut server_params = CertificateParams::new(names).map_err(failed)?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_key = KeyPair::generate().map_err(failed)?;
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .map_err(failed)?;

        let chain = vec![
            CertificateDer::from(server_cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|e| io::Error::other(format!("cannot set up TLS: {e}")))?;
        Ok(TlsIdentity {
            ca_pem: ca_cert.pem(),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// Accepts TCP connections and completes each handshake in its own task, so one slow or failing
/// client never holds up the others; axum gets only the finished TLS streams.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    pub(crate) fn new(
        listener: TcpListener,
        identity: &TlsIdentity,
        failures: Arc<AtomicU64>,
    ) -> io::Result<TlsListener> {
        let local_addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let acceptor = identity.acceptor.clone();
        let accepting = tokio::spawn(accept_loop(listener, acceptor, tx, failures));
        Ok(TlsListener {
            ready,
            local_addr,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
    failures: Arc<AtomicU64>,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait rather than spin.
                tracing::warn!("sandbox: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Nagle's algorithm and delayed ACKs stall multi-segment answers by ~40 ms.
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let ready = ready.clone();
        let failures = failures.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = ready.send((tls, peer)).await;
                }
                Ok(Err(e)) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%peer, "sandbox: TLS handshake failed: {e}");
                }
                Err(_) => {
                    failures.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(%peer, "sandbox: TLS handshake timed out");
                }
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop never ends on its own; if it was aborted, serve nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

#[cfg(test)]
mod tests {
    use crate::{Sandbox, SandboxConfig};

    async fn tls_sandbox() -> Sandbox {
        let config = SandboxConfig {
            tls: true,
            ..SandboxConfig::default()
        };
        Sandbox::start(config).await.expect("sandbox starts")
    }

    #[tokio::test]
    async fn serves_https_to_a_client_that_trusts_its_ca_only() {
        let sandbox = tls_sandbox().await;
        assert!(sandbox.url().starts_with("https://127.0.0.1:"));
        let pem = sandbox.ca_pem().expect("a CA").to_owned();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let url = format!("{}/login/companyinfo/sandbox", sandbox.url());

        let untrusting = reqwest::Client::new();
        let refused = untrusting.get(&url).send().await;
        assert!(refused.is_err(), "a client without the CA must fail");

        let ca = reqwest::Certificate::from_pem(pem.as_bytes()).expect("the CA parses");
        let trusting = reqwest::Client::builder()
            .add_root_certificate(ca)
            .build()
            .expect("client");
        for host in ["127.0.0.1", "localhost"] {
            let url = url.replace("127.0.0.1", host);
            let answer = trusting.get(&url).send().await.expect("trusted handshake");
            assert_eq!(answer.status(), 200, "{host}");
        }
        // The handshake failure happens on the server's side too; give its task a moment.
        for _ in 0..50 {
            if sandbox.tls_handshake_failures() > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(sandbox.tls_handshake_failures(), 1);
        assert_eq!(
            sandbox.requests().len(),
            2,
            "only the trusted calls were served"
        );
    }

    #[tokio::test]
    async fn every_start_makes_a_new_ca() {
        let (a, b) = (tls_sandbox().await, tls_sandbox().await);
        assert_ne!(a.ca_pem(), b.ca_pem());
        let plain = Sandbox::start(SandboxConfig::default())
            .await
            .expect("starts");
        assert_eq!(plain.ca_pem(), None);
        assert!(plain.url().starts_with("http://"));
    }
}
