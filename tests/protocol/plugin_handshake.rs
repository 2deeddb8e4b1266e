//! Plays Terraform's part from Rust: launches the provider binary like go-plugin does (cookie,
//! `PLUGIN_PROTOCOL_VERSIONS=5,6`, a P-521 CA:TRUE client certificate in `PLUGIN_CLIENT_CERT`),
//! parses the handshake line, connects over mTLS and calls GetSchema, health, Shutdown.
//! Also: wrong or missing client certificates are refused, no cookie fails with a human
//! message, SIGINT is ignored, plaintext without a client cert, and `--debug`.
//!
//! rcgen (aws_lc_rs backend) signs with `PKCS_ECDSA_P521_SHA512`, so the client certificate is
//! the same kind go-plugin's `generateCert()` makes.

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_rustls::rustls;
use tonic::codegen::http::uri::PathAndQuery;
use tpg::tfplugin5::proto::{plugin as plugin_pb, tfplugin5 as pb};

const BIN: &str = env!("CARGO_BIN_EXE_terraform-provider-genesys");
const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A client identity like go-plugin's: ECDSA P-521, self-signed, CA:TRUE, SAN localhost.
struct ClientIdentity {
    pem: String,
    cert: rustls::pki_types::CertificateDer<'static>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn go_plugin_client_identity() -> ClientIdentity {
    use rcgen::*;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params = CertificateParams::new(vec!["localhost".into()]).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params.self_signed(&key).expect("self-signed");
    ClientIdentity {
        pem: cert.pem(),
        cert: cert.der().clone(),
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    }
}

/// A launched provider process and its parsed handshake.
struct Plugin {
    child: Child,
    socket: PathBuf,
    server_cert: Option<Vec<u8>>,
    line: String,
}

impl Drop for Plugin {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch(client_cert_pem: Option<&str>) -> Plugin {
    launch_on("unix", client_cert_pem)
}

/// Launches the provider expecting `network` (`unix`, or `tcp` through the
/// `TF_PROVIDER_GENESYS_TCP` switch) in its handshake line.
fn launch_on(network: &str, client_cert_pem: Option<&str>) -> Plugin {
    let mut cmd = Command::new(BIN);
    if network == "tcp" {
        cmd.env("TF_PROVIDER_GENESYS_TCP", "1");
    } else {
        cmd.env_remove("TF_PROVIDER_GENESYS_TCP");
    }
    cmd.env("TF_PLUGIN_MAGIC_COOKIE", COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(pem) = client_cert_pem {
        cmd.env("PLUGIN_CLIENT_CERT", pem);
    }
    let mut child = cmd.spawn().expect("spawn provider");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read handshake line");
    let fields: Vec<&str> = line.trim_end_matches('\n').split('|').collect();
    assert_eq!(
        fields.len(),
        6,
        "handshake line {line:?} must have 6 fields"
    );
    assert_eq!(&fields[..3], &["1", "5", network], "line {line:?}");
    assert_eq!(fields[4], "grpc");
    let server_cert = if fields[5].is_empty() {
        None
    } else {
        assert!(
            !fields[5].contains('='),
            "cert must be base64 without padding"
        );
        Some(STANDARD_NO_PAD.decode(fields[5]).expect("raw std base64"))
    };
    let socket = PathBuf::from(fields[3]);
    Plugin {
        child,
        socket,
        server_cert,
        line,
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A gRPC channel over the plugin's unix socket, through TLS when `tls` is given.
async fn channel(
    socket: PathBuf,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<tonic::transport::Channel, String> {
    let connector = tower::service_fn(move |_: tonic::codegen::http::Uri| {
        let socket = socket.clone();
        let tls = tls.clone();
        async move {
            let stream = tokio::net::UnixStream::connect(&socket).await?;
            wrap(stream, tls).await
        }
    });
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
        .map_err(|e| format!("{e:?}"))
}

/// A gRPC channel over TCP (`127.0.0.1:PORT`), through TLS when `tls` is given.
async fn tcp_channel(
    addr: String,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<tonic::transport::Channel, String> {
    let connector = tower::service_fn(move |_: tonic::codegen::http::Uri| {
        let addr = addr.clone();
        let tls = tls.clone();
        async move {
            let stream = tokio::net::TcpStream::connect(&addr).await?;
            wrap(stream, tls).await
        }
    });
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(connector)
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn wrap<S: IoStream + 'static>(
    stream: S,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> std::io::Result<hyper_util::rt::TokioIo<Box<dyn IoStream>>> {
    let io: Box<dyn IoStream> = match tls {
        None => Box::new(stream),
        Some(config) => {
            let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await?;
            assert_eq!(
                tls.get_ref().1.alpn_protocol(),
                Some(&b"h2"[..]),
                "server must negotiate ALPN h2"
            );
            Box::new(tls)
        }
    };
    Ok(hyper_util::rt::TokioIo::new(io))
}

trait IoStream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> IoStream for T {}

fn tls_config(
    server_cert: &[u8],
    client: Option<&ClientIdentity>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> Arc<rustls::ClientConfig> {
    // go-plugin trusts exactly the server certificate from the handshake line (Go's verifier
    // short-circuits on a pinned root, so CA:TRUE on that leaf is fine; webpki would refuse it).
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(PinnedServer {
        cert: server_cert.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        Some(id) => builder
            .with_client_auth_cert(vec![id.cert.clone()], id.key.clone_key())
            .expect("client auth"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Arc::new(config)
}

/// Accepts exactly the server certificate from the handshake line; signatures are verified.
#[derive(Debug)]
struct PinnedServer {
    cert: Vec<u8>,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl rustls::client::danger::ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        assert_eq!(server_name.to_str(), "localhost");
        if end_entity.as_ref() == self.cert.as_slice() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

async fn unary<Req, Resp>(
    channel: tonic::transport::Channel,
    path: &'static str,
    req: Req,
) -> Result<Resp, tonic::Status>
where
    Req: prost::Message + Send + Sync + 'static,
    Resp: prost::Message + Default + Send + Sync + 'static,
{
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| tonic::Status::unavailable(e.to_string()))?;
    let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
    grpc.unary(
        tonic::Request::new(req),
        PathAndQuery::from_static(path),
        codec,
    )
    .await
    .map(|r| r.into_inner())
}

async fn get_schema(
    ch: tonic::transport::Channel,
) -> Result<pb::get_provider_schema::Response, tonic::Status> {
    unary(
        ch,
        "/tfplugin5.Provider/GetSchema",
        pb::get_provider_schema::Request {},
    )
    .await
}

async fn shutdown(ch: tonic::transport::Channel) -> Result<plugin_pb::Empty, tonic::Status> {
    unary(ch, "/plugin.GRPCController/Shutdown", plugin_pb::Empty {}).await
}

fn wait_exit(child: &mut Child, limit: Duration) -> Option<(std::process::ExitStatus, Duration)> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some((status, start.elapsed()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn assert_schema(resp: &pb::get_provider_schema::Response) {
    assert!(
        resp.provider
            .as_ref()
            .and_then(|s| s.block.as_ref())
            .is_some(),
        "provider schema with a block"
    );
    assert!(
        !resp.resource_schemas.is_empty(),
        "at least one resource type"
    );
    for s in resp
        .resource_schemas
        .values()
        .chain(resp.data_source_schemas.values())
    {
        assert!(s.block.is_some());
    }
    let caps = resp
        .server_capabilities
        .as_ref()
        .expect("server capabilities");
    assert!(caps.plan_destroy && caps.get_provider_schema_optional);
}

#[test]
fn automtls_handshake_get_schema_health_and_shutdown() {
    let id = go_plugin_client_identity();
    let mut plugin = launch(Some(&id.pem));
    let server_cert = plugin
        .server_cert
        .clone()
        .expect("AutoMTLS: a server certificate in the handshake line");
    assert!(plugin.socket.exists());
    let rt = rt();
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let ch = rt
            .block_on(channel(
                plugin.socket.clone(),
                Some(tls_config(&server_cert, Some(&id), versions)),
            ))
            .expect("mTLS connect");
        let resp = rt
            .block_on(get_schema(ch.clone()))
            .expect("GetSchema over mTLS");
        assert_schema(&resp);
        let health = rt
            .block_on(unary::<_, tonic_health::pb::HealthCheckResponse>(
                ch.clone(),
                "/grpc.health.v1.Health/Check",
                tonic_health::pb::HealthCheckRequest {
                    service: "plugin".into(),
                },
            ))
            .expect("health");
        assert_eq!(
            health.status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
    }
    let ch = rt
        .block_on(channel(
            plugin.socket.clone(),
            Some(tls_config(
                &server_cert,
                Some(&id),
                &[&rustls::version::TLS13],
            )),
        ))
        .expect("connect");
    rt.block_on(shutdown(ch)).expect("Shutdown");
    let (status, took) =
        wait_exit(&mut plugin.child, Duration::from_secs(2)).expect("exits after Shutdown");
    assert!(status.success(), "exit status {status:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(!plugin.socket.exists(), "socket file removed on exit");
}

#[test]
fn tcp_switch_serves_on_loopback_within_the_port_range_with_mandatory_mtls() {
    let id = go_plugin_client_identity();
    let mut plugin = launch_on("tcp", Some(&id.pem));
    let addr: std::net::SocketAddr = plugin
        .socket
        .to_str()
        .expect("utf-8")
        .parse()
        .expect("handshake address is host:port");
    assert!(addr.ip().is_loopback(), "{addr}");
    assert!((10000..=25000).contains(&addr.port()), "{addr}");
    let server_cert = plugin.server_cert.clone().expect("AutoMTLS over TCP too");
    let rt = rt();
    let ch = rt
        .block_on(tcp_channel(
            addr.to_string(),
            Some(tls_config(
                &server_cert,
                Some(&id),
                &[&rustls::version::TLS13],
            )),
        ))
        .expect("mTLS connect over TCP");
    assert_schema(&rt.block_on(get_schema(ch.clone())).expect("GetSchema"));
    // Without a client certificate, or in plaintext, nothing is served.
    let no_client = rt.block_on(async {
        let ch = tcp_channel(
            addr.to_string(),
            Some(tls_config(&server_cert, None, &[&rustls::version::TLS13])),
        )
        .await?;
        get_schema(ch).await.map_err(|e| e.to_string())
    });
    assert!(no_client.is_err(), "served a client without certificate");
    let plain = rt.block_on(async {
        let ch = tcp_channel(addr.to_string(), None).await?;
        get_schema(ch).await.map_err(|e| e.to_string())
    });
    assert!(plain.is_err(), "served plaintext over TCP");
    rt.block_on(shutdown(ch)).expect("Shutdown");
    let (status, _) =
        wait_exit(&mut plugin.child, Duration::from_secs(2)).expect("exits after Shutdown");
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn wrong_or_missing_client_certificate_is_refused() {
    let id = go_plugin_client_identity();
    let other = go_plugin_client_identity();
    let plugin = launch(Some(&id.pem));
    let server_cert = plugin.server_cert.clone().expect("server cert");
    let rt = rt();
    let good = rt.block_on(async {
        let ch = channel(
            plugin.socket.clone(),
            Some(tls_config(
                &server_cert,
                Some(&id),
                &[&rustls::version::TLS13],
            )),
        )
        .await?;
        get_schema(ch).await.map_err(|s| s.to_string())
    });
    assert!(
        good.is_ok(),
        "the pinned client certificate is accepted: {good:?}"
    );
    for client in [Some(&other), None] {
        for versions in [
            &[&rustls::version::TLS13][..],
            &[&rustls::version::TLS12][..],
        ] {
            let result = rt.block_on(async {
                let ch = channel(
                    plugin.socket.clone(),
                    Some(tls_config(&server_cert, client, versions)),
                )
                .await?;
                get_schema(ch).await.map_err(|s| s.to_string())
            });
            assert!(
                result.is_err(),
                "client cert {:?} over {versions:?} must be refused",
                client.map(|_| "other")
            );
        }
    }
    // Plaintext against a TLS server fails too.
    let plain = rt.block_on(async {
        let ch = channel(plugin.socket.clone(), None).await?;
        get_schema(ch).await.map_err(|s| s.to_string())
    });
    assert!(plain.is_err());
}

#[test]
fn without_cookie_it_explains_itself_and_exits_non_zero() {
    let out = Command::new(BIN)
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdin(Stdio::null())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("This binary is a plugin") && err.contains("dev_overrides"),
        "{err}"
    );
}

#[test]
fn sigterm_stops_and_removes_the_socket() {
    let mut plugin = launch(None);
    // SAFETY: signalling our own child.
    assert_eq!(
        unsafe { libc::kill(plugin.child.id() as i32, libc::SIGTERM) },
        0
    );
    assert!(wait_exit(&mut plugin.child, Duration::from_secs(1)).is_some());
    assert!(!plugin.socket.exists());
}

#[test]
fn sigint_is_ignored() {
    let id = go_plugin_client_identity();
    let mut plugin = launch(Some(&id.pem));
    let pid = plugin.child.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        plugin.child.try_wait().expect("try_wait").is_none(),
        "still running after SIGINT"
    );
    let rt = rt();
    let server_cert = plugin.server_cert.clone().expect("cert");
    let ch = rt
        .block_on(channel(
            plugin.socket.clone(),
            Some(tls_config(
                &server_cert,
                Some(&id),
                &[&rustls::version::TLS13],
            )),
        ))
        .expect("connect");
    rt.block_on(get_schema(ch)).expect("still serving");
}

#[test]
fn plaintext_without_client_cert_and_unimplemented_rpcs() {
    let mut plugin = launch(None);
    assert!(plugin.line.ends_with("|grpc|\n"), "{:?}", plugin.line);
    let rt = rt();
    let ch = rt
        .block_on(channel(plugin.socket.clone(), None))
        .expect("h2c connect");
    assert_schema(&rt.block_on(get_schema(ch.clone())).expect("GetSchema"));
    // RPCs of newer protocol minors (Terraform >= 1.12 probes identity schemas) are Unimplemented.
    let path = "/tfplugin5.Provider/GetResourceIdentitySchemas";
    let status = rt
        .block_on(unary::<_, pb::get_metadata::Response>(
            ch.clone(),
            path,
            pb::get_metadata::Request {},
        ))
        .expect_err("not served");
    assert_eq!(status.code(), tonic::Code::Unimplemented, "{path}");
    // Protocol 5.5's GetFunctions is served: the provider function `render`.
    let functions = rt
        .block_on(unary::<_, pb::get_functions::Response>(
            ch.clone(),
            "/tfplugin5.Provider/GetFunctions",
            pb::get_functions::Request {},
        ))
        .expect("GetFunctions");
    assert!(
        functions.functions.contains_key("render"),
        "{:?}",
        functions.functions.keys().collect::<Vec<_>>()
    );
    let meta = rt
        .block_on(unary::<_, pb::get_metadata::Response>(
            ch.clone(),
            "/tfplugin5.Provider/GetMetadata",
            pb::get_metadata::Request {},
        ))
        .expect("GetMetadata");
    assert!(!meta.resources.is_empty());
    rt.block_on(shutdown(ch)).expect("Shutdown");
    assert!(wait_exit(&mut plugin.child, Duration::from_secs(1)).is_some());
}

#[test]
fn debug_mode_prints_reattach_config_and_stops_on_ctrl_c() {
    let mut child = Command::new(BIN)
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env("PLUGIN_CLIENT_CERT", go_plugin_client_identity().pem) // ignored in debug mode
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut text = String::new();
    let json = loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).expect("read") > 0,
            "no reattach line in {text:?}"
        );
        text.push_str(&line);
        if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
            break rest.trim_end_matches('\'').to_string();
        }
    };
    let v: serde_json::Value = serde_json::from_str(&json).expect("reattach json");
    let entry = &v[tpg::provider::PROVIDER_SOURCE];
    assert_eq!(entry["ProtocolVersion"], 5);
    assert_eq!(entry["Pid"], child.id());
    let socket = PathBuf::from(entry["Addr"]["String"].as_str().expect("socket"));
    let rt = rt();
    let ch = rt
        .block_on(channel(socket.clone(), None))
        .expect("plaintext connect");
    assert_schema(&rt.block_on(get_schema(ch)).expect("GetSchema"));
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let (_, took) = wait_exit(&mut child, Duration::from_secs(2)).expect("Ctrl-C stops debug mode");
    assert!(took < Duration::from_secs(1));
    let mut rest = String::new();
    let _ = reader.read_to_string(&mut rest);
    assert!(!socket.exists());
}
