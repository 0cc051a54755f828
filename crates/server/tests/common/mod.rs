//! What the tests that run the server on a real socket share: starting and stopping it, and opening a party's
//! stream.

use std::sync::Arc;
use std::time::Duration;

use deconflict_server::Line;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The server on a loopback port.
pub struct Served {
    pub addr: String,
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serves `line` on a free loopback port.
pub async fn serve(line: &Arc<Line>) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(deconflict_server::run(listener, Arc::clone(line), async {
        let _ = stopped.await;
    }));
    Served { addr, stop, handle }
}

impl Served {
    /// Shuts the server down and waits (a while) for it.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.handle).await;
    }
}

/// `token`'s party's stream from `cursor`.
pub async fn connect(addr: &str, token: &str, cursor: u64) -> Ws {
    let mut req = format!("ws://{addr}/v1/stream?cursor={cursor}")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    tokio_tungstenite::connect_async(req)
        .await
        .expect("connect")
        .0
}

/// Serves `line` on a free loopback port with `options`, and the operator's metrics on another; returns
/// the server and the metrics address.
#[allow(dead_code)]
pub async fn serve_with_metrics(
    line: &Arc<Line>,
    options: deconflict_server::Options,
) -> (Served, String) {
    let api = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = api.local_addr().expect("addr").to_string();
    let metrics_addr = metrics.local_addr().expect("addr").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(deconflict_server::serve(
        deconflict_server::Listeners {
            api,
            metrics: Some(metrics),
        },
        Arc::clone(line),
        options,
        async {
            let _ = stopped.await;
        },
    ));
    (Served { addr, stop, handle }, metrics_addr)
}

/// One request on a fresh connection, as raw bytes; the status, the headers (lower-case names) and the body
/// (read until the server closes or `Content-Length` is reached).
#[allow(dead_code)]
pub async fn raw_request(addr: &str, request: &str) -> (u16, Vec<(String, String)>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut chunk))
            .await
            .expect("an answer in time")
            .unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(usize::MAX);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}
