//! TLS in the server itself (`[tls]`, `--tls-certificate`/`--tls-key`): HTTPS answered, secure
//! cookies implied, plain HTTP not answered; a key that is not the certificate's refused before
//! the server starts. The pair here is a test fixture (self-signed for localhost and 127.0.0.1).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};

use super::logs::{serve, stop};
use super::{ok, probity_db, stderr};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name)
}

/// One request over TLS, trusting only the fixture's certificate: the whole answer.
#[allow(deprecated)]
async fn https_get(addr: &str, path: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(fixture("cert.pem")).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    // A server may close without close_notify: what was read is the answer.
    let _ = tls.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[test]
fn the_server_speaks_https_with_the_configured_pair() {
    let dir = tempfile::tempdir().unwrap();
    ok(probity_db(dir.path(), &["init"]));
    let (cert, key) = (fixture("cert.pem"), fixture("key.pem"));
    let (server, addr) = serve(
        dir.path(),
        &[
            "--tls-certificate",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answer = rt.block_on(https_get(&addr, "/healthz"));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // TLS here implies what --secure-cookies says: browsers told to keep to HTTPS.
    assert!(answer.contains("strict-transport-security:"), "{answer}");
    let login = rt.block_on(https_get(&addr, "/login"));
    assert!(
        login.contains("set-cookie: __Host-probity_login="),
        "{login}"
    );
    // Plain HTTP on the same port gets no HTTP answer.
    let plain = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    assert!(!plain.contains("HTTP/1.1 200"), "{plain}");
    stop(server);
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused_before_serving() {
    let dir = tempfile::tempdir().unwrap();
    ok(probity_db(dir.path(), &["init"]));
    let (cert, key) = (fixture("cert.pem"), fixture("other-key.pem"));
    for verb in [
        &["config", "check"][..],
        &["serve", "--bind", "127.0.0.1:0"][..],
    ] {
        let o = probity_db(
            dir.path(),
            &[
                verb,
                &[
                    "--tls-certificate",
                    cert.to_str().unwrap(),
                    "--tls-key",
                    key.to_str().unwrap(),
                ],
            ]
            .concat(),
        );
        assert_eq!(o.status.code(), Some(1), "{verb:?}");
        assert!(stderr(&o).contains("tls"), "{verb:?}: {}", stderr(&o));
    }
}
