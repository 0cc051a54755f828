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
