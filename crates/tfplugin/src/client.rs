//! A protocol-level client: starts a provider binary the way Terraform does
//! (magic cookie, AutoMTLS client certificate), reads its handshake line and
//! connects over TLS. Tests and benchmarks use it to drive the provider
//! without the Terraform CLI. The identity calls of protocol 6.9, which the
//! Terraform on these machines (1.11) never makes, have helpers here.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine;
use tokio::io::{AsyncBufReadExt, BufReader};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use super::proto::plugin::Empty;
use super::proto::plugin::grpc_controller_client::GrpcControllerClient;
use super::proto::tfplugin6 as pb;
use super::proto::tfplugin6::provider_client::ProviderClient;
use super::serve::{MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
use super::value::{self, DecodeError, Type, Value};

/// The parsed handshake line `core|app|network|address|protocol|cert`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Handshake {
    pub core_version: u32,
    pub protocol_version: u32,
    pub network: String,
    pub address: String,
    pub protocol: String,
    /// The server certificate (DER); empty when TLS is off.
    pub certificate: Vec<u8>,
}

/// Why a handshake line could not be understood.
#[derive(Debug, thiserror::Error)]
#[error("invalid handshake line {line:?}: {why}")]
pub struct HandshakeError {
    pub line: String,
    pub why: String,
}

impl Handshake {
    /// Parses one handshake line.
    pub fn parse(line: &str) -> Result<Handshake, HandshakeError> {
        let err = |why: &str| HandshakeError {
            line: line.to_string(),
            why: why.to_string(),
        };
        let parts: Vec<&str> = line.trim().split('|').collect();
        if parts.len() < 5 {
            return Err(err("expected at least 5 fields separated by '|'"));
        }
        let core_version = parts[0]
            .parse()
            .map_err(|_| err("core version is not a number"))?;
        let protocol_version = parts[1]
            .parse()
            .map_err(|_| err("protocol version is not a number"))?;
        let certificate = match parts.get(5) {
            Some(c) if !c.is_empty() => base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(c.trim_end_matches('='))
                .map_err(|_| err("certificate is not base64"))?,
            _ => Vec::new(),
        };
        Ok(Handshake {
            core_version,
            protocol_version,
            network: parts[2].to_string(),
            address: parts[3].to_string(),
            protocol: parts[4].to_string(),
            certificate,
        })
    }
}

/// A running provider process and a connected client.
pub struct PluginProcess {
    child: tokio::process::Child,
    pub handshake: Handshake,
    /// From spawning the process to reading its handshake line.
    pub handshake_time: Duration,
    pub provider: ProviderClient<Channel>,
    controller: GrpcControllerClient<Channel>,
}

/// Why the provider could not be started or reached.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("cannot start the provider: {0}")]
    Spawn(std::io::Error),
    #[error("the provider printed no handshake line within 10 s")]
    NoHandshake,
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    #[error("cannot create a client certificate: {0}")]
    Certificate(String),
    #[error("cannot connect to the provider: {0}")]
    Connect(#[from] tonic::transport::Error),
}

impl PluginProcess {
    /// Starts `binary` as Terraform would and connects to it over mTLS.
    pub async fn launch(
        binary: &Path,
        extra_env: &[(&str, &str)],
    ) -> Result<PluginProcess, LaunchError> {
        let (client_cert_pem, client_key_pem) = client_certificate()?;
        let started = Instant::now();
        let mut cmd = tokio::process::Command::new(binary);
        cmd.env(MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env("PLUGIN_CLIENT_CERT", &client_cert_pem)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().map_err(LaunchError::Spawn)?;
        let stdout = child.stdout.take().ok_or(LaunchError::NoHandshake)?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .map_err(|_| LaunchError::NoHandshake)?
            .map_err(LaunchError::Spawn)?
            .ok_or(LaunchError::NoHandshake)?;
        let handshake_time = started.elapsed();
        let handshake = Handshake::parse(&line)?;
        // Keep draining stdout so the provider never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

        let server_pem = der_to_pem(&handshake.certificate);
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(server_pem))
            .domain_name("localhost")
            .identity(Identity::from_pem(client_cert_pem, client_key_pem));
        let channel = Endpoint::from_shared(format!("https://{}", handshake.address))?
            .tls_config(tls)?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(PluginProcess {
            child,
            handshake,
            handshake_time,
            provider: ProviderClient::new(channel.clone())
                .max_decoding_message_size(256 * 1024 * 1024),
            controller: GrpcControllerClient::new(channel),
        })
    }

    /// The provider's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Asks the provider to exit and waits for it (kills it after 5 s).
    pub async fn shutdown(mut self) -> Option<std::process::ExitStatus> {
        let _ = self.controller.shutdown(Empty {}).await;
        match tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await {
            Ok(Ok(status)) => Some(status),
            _ => {
                let _ = self.child.kill().await;
                None
            }
        }
    }
}

/// The identity calls (protocol 6.9).
impl PluginProcess {
    /// Every resource's identity schema, by full type name.
    pub async fn identity_schemas(
        &mut self,
    ) -> Result<HashMap<String, pb::ResourceIdentitySchema>, tonic::Status> {
        let resp = self
            .provider
            .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
            .await?
            .into_inner();
        Ok(resp.identity_schemas)
    }

    /// Asks the provider to upgrade an identity stored (as JSON) with identity `version`.
    pub async fn upgrade_identity(
        &mut self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> Result<pb::upgrade_resource_identity::Response, tonic::Status> {
        let req = pb::upgrade_resource_identity::Request {
            type_name: type_name.to_string(),
            version,
            raw_identity: Some(pb::RawState {
                json: raw_json.to_vec(),
                ..Default::default()
            }),
        };
        Ok(self
            .provider
            .upgrade_resource_identity(req)
            .await?
            .into_inner())
    }

    /// Imports by identity as Terraform 1.12 does: no id, `identity` encoded against `ty`.
    pub async fn import_by_identity(
        &mut self,
        type_name: &str,
        identity: &Value,
        ty: &Type,
    ) -> Result<pb::import_resource_state::Response, tonic::Status> {
        let req = pb::import_resource_state::Request {
            type_name: type_name.to_string(),
            identity: Some(identity_data(identity, ty)),
            ..Default::default()
        };
        Ok(self.provider.import_resource_state(req).await?.into_inner())
    }
}

/// The type of a resource's identity values, read from its identity schema; `None` when an
/// attribute's type is not one Terraform writes.
pub fn identity_type(schema: &pb::ResourceIdentitySchema) -> Option<Type> {
    let fields = schema
        .identity_attributes
        .iter()
        .map(|a| {
            let json = serde_json::from_slice(&a.r#type).ok()?;
            Some((a.name.clone(), Type::from_json(&json)?))
        })
        .collect::<Option<_>>()?;
    Some(Type::Object(fields))
}

/// An identity as the protocol carries it (msgpack).
pub fn identity_data(identity: &Value, ty: &Type) -> pb::ResourceIdentityData {
    pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: value::to_msgpack(identity, ty),
            json: Vec::new(),
        }),
    }
}

/// Decodes identity data from an answer; absent data is null.
pub fn decode_identity(
    data: Option<&pb::ResourceIdentityData>,
    ty: &Type,
) -> Result<Value, DecodeError> {
    match data.and_then(|d| d.identity_data.as_ref()) {
        Some(dv) => value::from_msgpack(&dv.msgpack, ty),
        None => Ok(Value::Null),
    }
}

/// PEM text of a DER certificate.
pub fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

fn client_certificate() -> Result<(String, String), LaunchError> {
    let err = |e: rcgen::Error| LaunchError::Certificate(e.to_string());
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(err)?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).map_err(err)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key).map_err(err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terraform_style_handshake_lines() {
        let h = Handshake::parse("1|6|tcp|127.0.0.1:1234|grpc|AAEC").unwrap();
        assert_eq!(h.protocol_version, 6);
        assert_eq!(h.address, "127.0.0.1:1234");
        assert_eq!(h.certificate, vec![0, 1, 2]);
        assert!(Handshake::parse("garbage").is_err());
        assert!(Handshake::parse("x|6|tcp|a|grpc").is_err());
    }

    #[test]
    fn identity_data_round_trips_with_the_type_of_its_schema() {
        use crate::identity::{Identity, IdentityAttribute};
        let declared = Identity::new("{member_id}/{key_id}")
            .attribute(IdentityAttribute::string("member_id"))
            .attribute(IdentityAttribute::number("key_id"));
        let schema = crate::convert::identity_schema_to_proto(&declared);
        let ty = identity_type(&schema).unwrap();
        assert_eq!(ty, declared.ty());
        let v = Value::object()
            .with("member_id", Value::string("150"))
            .with("key_id", Value::int(7));
        let data = identity_data(&v, &ty);
        assert_eq!(decode_identity(Some(&data), &ty).unwrap(), v);
        assert_eq!(decode_identity(None, &ty).unwrap(), Value::Null);
    }
}
