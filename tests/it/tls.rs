//! Headquarters behind HTTPS, as a border guard runs it: a TLS front the test controls, with a
//! certificate from a certificate authority made here with `openssl`, independent of the code
//! under test.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use tokio_rustls::rustls;

/// A private authority and a certificate for 127.0.0.1 signed by it.
pub struct TestPki {
    pub dir: tempfile::TempDir,
}

impl TestPki {
    pub fn new() -> TestPki {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("leaf.ext"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        let steps: [&[&str]; 5] = [
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Border Guard Test CA",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
            &[
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "hq.key",
                "-out",
                "hq.csr",
                "-subj",
                "/CN=hq.test",
            ],
            &[
                "x509",
                "-req",
                "-in",
                "hq.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "hq.pem",
                "-days",
                "2",
                "-extfile",
                "leaf.ext",
            ],
            &["x509", "-in", "hq.pem", "-outform", "DER", "-out", "hq.der"],
            &[
                "pkcs8",
                "-topk8",
                "-nocrypt",
                "-in",
                "hq.key",
                "-outform",
                "DER",
                "-out",
                "hq.key.der",
            ],
        ];
        for args in steps {
            let out = Command::new("openssl").args(args).current_dir(d).output().unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        TestPki { dir }
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A revocation list of the authority, revoking nothing, made by `openssl ca`.
    pub fn crl(&self) -> PathBuf {
        let d = self.dir.path();
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("crlnumber"), "01\n").unwrap();
        std::fs::write(
            d.join("ca.cnf"),
            "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
             default_md = sha256\ndefault_crl_days = 30\n",
        )
        .unwrap();
        let out = Command::new("openssl")
            .args(["ca", "-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem"])
            .args(["-gencrl", "-out", "ca.crl"])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl ca: {}", String::from_utf8_lossy(&out.stderr));
        d.join("ca.crl")
    }

    fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }
}

/// Terminates TLS with the PKI's certificate and passes the bytes on to `upstream`.
pub struct TlsFront {
    pub addr: String,
    _runtime: tokio::runtime::Runtime,
}

impl TlsFront {
    pub fn start(pki: &TestPki, upstream: &str) -> TlsFront {
        let cert = rustls::pki_types::CertificateDer::from(pki.read("hq.der"));
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.read("hq.key.der").into());
        // The provider reqwest's rustls is built with here; a test's link needs no
        // post-quantum key exchange.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let upstream = upstream.to_string();
        runtime.spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                tokio::spawn(async move {
                    // A client that refuses the certificate ends here.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let Ok(mut up) = tokio::net::TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                });
            }
        });
        TlsFront { addr, _runtime: runtime }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}
