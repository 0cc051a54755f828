//! Accepting connections: at most `max_connections` open at once (more wait in the kernel's backlog), and at
//! most `connections_per_address` from one address (more are closed as soon as they are accepted, before
//! anything is read), each served by hyper's HTTP/1.1 with a header read timeout that also closes idle
//! kept-alive connections, and a graceful shutdown bounded in time.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// How a listener serves its connections.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnLimits {
    pub max_connections: usize,
    pub connections_per_address: usize,
    pub header_timeout: Duration,
    /// After shutdown is asked, how long open connections have to finish.
    pub grace: Duration,
}

/// Connections open from each address (see [`source`]).
#[derive(Debug, Default)]
struct PerAddress(parking_lot::Mutex<HashMap<IpAddr, usize>>);

/// One open connection, counted against its address until it is dropped.
struct FromAddress {
    counts: Arc<PerAddress>,
    source: IpAddr,
}

impl PerAddress {
    /// Counts a connection from `source`, unless that address already has `most` open.
    fn take(self: &Arc<Self>, source: IpAddr, most: usize) -> Option<FromAddress> {
        let mut counts = self.0.lock();
        let n = counts.entry(source).or_insert(0);
        if *n >= most {
            return None;
        }
        *n += 1;
        Some(FromAddress {
            counts: Arc::clone(self),
            source,
        })
    }
}

impl Drop for FromAddress {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock();
        if let Some(n) = counts.get_mut(&self.source) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.source);
            }
        }
    }
}

/// Whose a connection is, for `connections_per_address`: its IPv4 address (also when mapped into IPv6), or
/// the /64 of its IPv6 address (one host is commonly given a whole /64).
fn source(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

/// Serves `router` on `listener` until `closing` turns true, then lets open connections finish their
/// requests for at most `limits.grace`.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    mut closing: watch::Receiver<bool>,
) {
    let max = limits
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let slots = Arc::new(Semaphore::new(max));
    let per_address = Arc::new(PerAddress::default());
    let most_per_address = limits.connections_per_address.max(1);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    let service = TowerToHyperService::new(router);
    loop {
        let permit = tokio::select! {
            _ = closed(&mut closing) => break,
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = closed(&mut closing) => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of descriptors or a connection reset before it was taken: wait a moment, go on.
                tracing::warn!("accepting a connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // An address that already holds its share of the slots gets no more: the connection is closed before
        // anything of it is read (its slot is given back at once).
        let Some(counted) = per_address.take(source(peer), most_per_address) else {
            tracing::debug!(%peer, "connections_per_address reached; closing a new connection");
            drop(stream);
            drop(permit);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = http
            .serve_connection(TokioIo::new(stream), service.clone())
            .with_upgrades();
        let mut closing = closing.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = closed(&mut closing) => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(counted);
            drop(permit);
        });
    }
    drop(listener);
    // Every slot back means every connection has ended; past the grace they are dropped with the runtime.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.grace, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open {} ms after shutdown was asked; closing them",
            limits.grace.as_millis()
        );
    }
}

/// Resolves once `closing` is true (or can no longer change).
pub(crate) async fn closed(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

/// Turns `closing` true once `shutdown` resolves.
pub(crate) fn on_shutdown(
    shutdown: impl Future<Output = ()> + Send + 'static,
    closing: watch::Sender<bool>,
) {
    tokio::spawn(async move {
        shutdown.await;
        closing.send_replace(true);
    });
}
