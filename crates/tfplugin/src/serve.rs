//! The go-plugin handshake and the gRPC server Terraform talks to.
//!
//! Terraform starts the binary with `TF_PLUGIN_MAGIC_COOKIE` and (AutoMTLS)
//! `PLUGIN_CLIENT_CERT`. We answer with one stdout line
//! `1|6|tcp|127.0.0.1:PORT|grpc|<base64 DER of our certificate>` and serve the
//! provider, go-plugin's controller and stdio services, and gRPC health.
//! Accepted sockets get `TCP_NODELAY`: without it Nagle's algorithm and delayed
//! ACKs stall every small reply (measured 6.8× Terraform's floor in the crate
//! we did not adopt; see docs/design.md).

use std::io::Write;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use base64::Engine;
use tokio::sync::watch;
use tokio_stream::Stream;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic::{Request, Response, Status};

use super::framework::Provider;
use super::proto::health::{self, health_server};
use super::proto::plugin::{self as goplugin, grpc_controller_server, grpc_stdio_server};
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::server::ProviderService;

/// The cookie every Terraform plugin checks, so it is not run by mistake.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
const CORE_PROTOCOL_VERSION: u32 = 1;
const APP_PROTOCOL_VERSION: u32 = 6;

/// Why the plugin could not serve.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(
        "This binary is a Terraform provider plugin: Terraform starts it (see the provider's README)."
    )]
    NotLaunchedByTerraform,
    #[error("Terraform asked for plugin protocol versions {0:?}; this provider speaks only 6")]
    UnsupportedProtocol(String),
    #[error("cannot listen on loopback: {0}")]
    Listen(std::io::Error),
    #[error("cannot create the TLS certificate: {0}")]
    Certificate(String),
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves `provider` to the Terraform process that started this binary,
/// until Terraform asks it to shut down.
pub async fn serve(provider: Arc<dyn Provider>) -> Result<(), ServeError> {
    if std::env::var(MAGIC_COOKIE_KEY).ok().as_deref() != Some(MAGIC_COOKIE_VALUE) {
        return Err(ServeError::NotLaunchedByTerraform);
    }
    if let Ok(versions) = std::env::var("PLUGIN_PROTOCOL_VERSIONS")
        && !versions.is_empty()
        && !versions.split(',').any(|v| v.trim() == "6")
    {
        return Err(ServeError::UnsupportedProtocol(versions));
    }
    let client_cert = std::env::var("PLUGIN_CLIENT_CERT")
        .ok()
        .filter(|c| !c.is_empty());
    let (_addr, running) = serve_inner(provider, client_cert, None).await?;
    running.await
}

/// Starts the server and returns the address plus the future that runs it.
/// `announce` receives the handshake line (tests); `None` prints it to stdout.
pub async fn serve_inner(
    provider: Arc<dyn Provider>,
    client_cert_pem: Option<String>,
    announce: Option<tokio::sync::oneshot::Sender<String>>,
) -> Result<
    (
        SocketAddr,
        Pin<Box<dyn Future<Output = Result<(), ServeError>> + Send>>,
    ),
    ServeError,
> {
    let incoming = TcpIncoming::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .map_err(ServeError::Listen)?
        .with_nodelay(Some(true));
    let addr = incoming.local_addr().map_err(ServeError::Listen)?;

    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let mut builder = Server::builder();
    let mut cert_field = String::new();
    if let Some(client_pem) = client_cert_pem {
        let (cert_pem, key_pem, cert_der) = self_signed_certificate()?;
        cert_field = base64::engine::general_purpose::STANDARD_NO_PAD.encode(cert_der);
        // Terraform's client key is P-521, which rustls' ring backend cannot
        // verify, so Go sends no client certificate; accept that (the channel is
        // still encrypted and Terraform pins our certificate). See docs/design.md.
        let tls = ServerTlsConfig::new()
            .identity(Identity::from_pem(cert_pem, key_pem))
            .client_ca_root(Certificate::from_pem(client_pem))
            .client_auth_optional(true);
        builder = builder.tls_config(tls)?;
    }

    let provider_service = ProviderService::new(provider);
    let router = builder
        .add_service(
            ProviderServer::new(provider_service).max_decoding_message_size(256 * 1024 * 1024),
        )
        .add_service(grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: shutdown_tx.clone(),
            },
        ))
        .add_service(grpc_stdio_server::GrpcStdioServer::new(Stdio {
            shutdown: shutdown_rx.clone(),
        }))
        .add_service(health_server::HealthServer::new(Health));

    let line =
        format!("{CORE_PROTOCOL_VERSION}|{APP_PROTOCOL_VERSION}|tcp|{addr}|grpc|{cert_field}");
    match announce {
        Some(tx) => {
            let _ = tx.send(line);
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    // Terraform forwards Ctrl-C to the whole process group; like go-plugin
    // servers we ignore it and wait for StopProvider / Shutdown instead.
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::debug!("ignoring interrupt; Terraform will stop the provider");
        }
    });

    let fut = async move {
        router
            .serve_with_incoming_shutdown(incoming, async move {
                let _ = shutdown_rx.wait_for(|stop| *stop).await;
            })
            .await
            .map_err(ServeError::from)
    };
    Ok((addr, Box::pin(fut)))
}

/// A fresh self-signed certificate for `localhost` (ECDSA P-256, one year).
fn self_signed_certificate() -> Result<(String, String, Vec<u8>), ServeError> {
    use rcgen::{
        CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
    };
    let err = |e: rcgen::Error| ServeError::Certificate(e.to_string());
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    // Not a CA: Terraform pins this exact certificate, and rustls-based
    // clients (our protocol client) refuse a CA certificate as an end entity.
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::days(365);
    let cert = params.self_signed(&key).map_err(err)?;
    Ok((cert.pem(), key.serialize_pem(), cert.der().to_vec()))
}

/// go-plugin's controller: Shutdown ends the server.
struct Controller {
    shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl grpc_controller_server::GrpcController for Controller {
    async fn shutdown(
        &self,
        _req: Request<goplugin::Empty>,
    ) -> Result<Response<goplugin::Empty>, Status> {
        let _ = self.shutdown.send(true);
        Ok(Response::new(goplugin::Empty {}))
    }
}

/// go-plugin's stdio stream. Our logs go to the real stderr, so this stream
/// stays open and silent until shutdown.
struct Stdio {
    shutdown: watch::Receiver<bool>,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<goplugin::StdioData, Status>> + Send>>;

#[tonic::async_trait]
impl grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = StdioStream;

    async fn stream_stdio(&self, _req: Request<()>) -> Result<Response<StdioStream>, Status> {
        use tokio_stream::StreamExt;
        // Ends when shutdown is signalled, so graceful shutdown is not held up.
        let stream = tokio_stream::wrappers::WatchStream::new(self.shutdown.clone())
            .take_while(|stop| !*stop)
            .filter_map(|_| None);
        Ok(Response::new(Box::pin(stream)))
    }
}

/// gRPC health: always serving while the process runs.
struct Health;

type HealthStream = Pin<Box<dyn Stream<Item = Result<health::HealthCheckResponse, Status>> + Send>>;

#[tonic::async_trait]
impl health_server::Health for Health {
    type WatchStream = HealthStream;

    async fn check(
        &self,
        _req: Request<health::HealthCheckRequest>,
    ) -> Result<Response<health::HealthCheckResponse>, Status> {
        Ok(Response::new(health::HealthCheckResponse {
            status: health::health_check_response::ServingStatus::Serving as i32,
        }))
    }

    async fn watch(
        &self,
        _req: Request<health::HealthCheckRequest>,
    ) -> Result<Response<HealthStream>, Status> {
        Err(Status::unimplemented("watch is not supported"))
    }
}
