//! Provider mirrors for `terraform init`: the packed filesystem-mirror layout
//! (`HOST/NAMESPACE/TYPE/terraform-provider-genesys_VERSION_OS_ARCH.zip`) and an HTTPS server
//! speaking the provider network mirror protocol (`HOST/NAMESPACE/TYPE/index.json`,
//! `HOST/NAMESPACE/TYPE/VERSION.json` with `zh:` hashes taken from SHA256SUMS, and the zips),
//! with a test CA that Terraform trusts through `SSL_CERT_FILE`.

use super::release::Dist;
use crate::common::hcl;
use axum::body::Body;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The provider address as a mirror path: `registry.terraform.io/local/genesys`.
pub const PROVIDER_PATH: &str = "registry.terraform.io/local/genesys";

/// Copies each release's linux_amd64 zip into `root` in the packed layout; returns `root`.
pub fn fill_filesystem_mirror(root: &Path, dists: &[&Dist]) -> PathBuf {
    let dir = root.join(PROVIDER_PATH);
    std::fs::create_dir_all(&dir).expect("mirror dir");
    for d in dists {
        std::fs::copy(d.zip(), dir.join(d.zip_name())).expect("copy zip into mirror");
    }
    root.to_path_buf()
}

/// CLI configuration installing this provider from a filesystem mirror only.
pub fn filesystem_mirror_config(mirror: &Path) -> String {
    let mirror = hcl::block("filesystem_mirror")
        .str("path", mirror.display().to_string())
        .expr("include", format!("[{}]", hcl::quote(PROVIDER_PATH)));
    hcl::block("provider_installation")
        .block(mirror)
        .to_string()
}

/// CLI configuration installing this provider from a network mirror only.
pub fn network_mirror_config(url: &str) -> String {
    let mirror = hcl::block("network_mirror")
        .str("url", url)
        .expr("include", format!("[{}]", hcl::quote(PROVIDER_PATH)));
    hcl::block("provider_installation")
        .block(mirror)
        .to_string()
}

/// The JSON documents and zips a network mirror serves for `dists`, keyed by URL path. The
/// `zh:` hash of each zip comes from its SHA256SUMS (not from the zip itself), as a mirror
/// operator publishing a release would take it.
pub fn network_mirror_files(dists: &[&Dist]) -> HashMap<String, Vec<u8>> {
    let mut files = HashMap::new();
    let mut versions = serde_json::Map::new();
    for d in dists {
        versions.insert(d.version.clone(), serde_json::json!({}));
        let sha = d
            .listed_sha256(&d.zip_name())
            .expect("SHA256SUMS lists the zip");
        let doc = serde_json::json!({
            "archives": {
                "linux_amd64": { "url": d.zip_name(), "hashes": [format!("zh:{sha}")] }
            }
        });
        files.insert(
            format!("/{PROVIDER_PATH}/{}.json", d.version),
            doc.to_string().into_bytes(),
        );
        files.insert(
            format!("/{PROVIDER_PATH}/{}", d.zip_name()),
            std::fs::read(d.zip()).expect("read zip"),
        );
    }
    files.insert(
        format!("/{PROVIDER_PATH}/index.json"),
        serde_json::json!({ "versions": versions })
            .to_string()
            .into_bytes(),
    );
    files
}

/// A running HTTPS network mirror on 127.0.0.1; stops on drop (with its runtime).
pub struct HttpsMirror {
    /// `https://127.0.0.1:PORT/` (the `network_mirror` url).
    pub url: String,
    /// PEM of the CA that signed the server certificate (for `SSL_CERT_FILE`).
    pub ca_pem: String,
    /// Paths requested so far.
    pub requests: Arc<Mutex<Vec<String>>>,
    _rt: tokio::runtime::Runtime,
}

impl HttpsMirror {
    pub fn start(files: HashMap<String, Vec<u8>>) -> HttpsMirror {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let (ca_pem, server_config) = test_pki();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind mirror");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let files = Arc::new(files);
        let seen = requests.clone();
        rt.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, files, seen) = (acceptor.clone(), files.clone(), seen.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let svc = hyper::service::service_fn(move |req: hyper::Request<_>| {
                        let path = req.uri().path().to_string();
                        seen.lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(path.clone());
                        let resp = match files.get(&path) {
                            Some(body) => hyper::Response::builder()
                                .header(
                                    "content-type",
                                    if path.ends_with(".json") {
                                        "application/json"
                                    } else {
                                        "application/zip"
                                    },
                                )
                                .body(Body::from(body.clone())),
                            None => hyper::Response::builder()
                                .status(404)
                                .body(Body::from("not found")),
                        };
                        async move { resp }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), svc)
                        .await;
                });
            }
        });
        HttpsMirror {
            url: format!("https://127.0.0.1:{port}/"),
            ca_pem,
            requests,
            _rt: rt,
        }
    }

    /// The paths requested so far.
    pub fn requested(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// A CA and a server certificate for 127.0.0.1 / localhost signed by it.
fn test_pki() -> (String, rustls::ServerConfig) {
    use rcgen::*;
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "tpg test mirror CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA cert");

    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("server params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
    params
        .distinguished_name
        .push(DnType::CommonName, "127.0.0.1");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &ca).expect("server cert");
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server TLS config");
    (ca.pem(), config)
}
