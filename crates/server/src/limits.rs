//! Every bound the line puts on what a party may send or hold, in one place, with its default.
//!
//! A party may be hostile, careless or running a buggy feed: nothing it sends may silence the line (work that
//! never ends), stall it (work under a lock, a slow client), flood it (the log, memory) or make it reveal what
//! was never shared. Each bound here is configurable (`deconflict serve --help` names the flag), documented in
//! the README with its default, and a request that passes one is answered with a problem naming the limit
//! (`limit` in the problem's body).

use std::time::Duration;

/// The line's bounds. `Limits::default()` is what `deconflict serve` runs with unless told otherwise.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    // --- Live tracks -------------------------------------------------------------------------------------
    /// A report older than this (line time) is refused, and a live track not reported again within it is
    /// dropped.
    pub track_ttl: Duration,
    /// How far ahead of the line's clock a report's time may be (clock skew between a feed and the line).
    pub track_future_skew: Duration,
    /// Most reports in one `POST /v1/tracks`.
    pub track_batch: usize,
    /// Most live tracks one party may hold at once; reports of new tracks beyond it are refused.
    pub tracks_per_party: usize,
    /// Most track reports one party may send per second (over a sliding second), all batches together.
    pub track_reports_per_second: usize,
    /// Most alerts between one pair of parties that a scan raises one by one; beyond it the pair's further
    /// findings are folded into one storm alert with counts.
    pub alerts_per_party_pair: usize,

    // --- Declarations ------------------------------------------------------------------------------------
    /// Most volumes in one declaration.
    pub volumes_per_declaration: usize,
    /// Most positions in one footprint (polygon vertices, corridor or line path points); at most
    /// [`deconflict_space::MAX_VERTICES`], which every reader keeps.
    pub vertices_per_footprint: usize,
    /// Most positions in one declaration, all its footprints together (the work of checking a declaration
    /// grows with them, and it is done while other writes wait).
    pub vertices_per_declaration: usize,
    /// Longest time window of one volume.
    pub volume_window: Duration,
    /// Most conflicts one write may open (a new declaration or a new version): each is an entry of the log
    /// and a notice to two parties, all made while other writes wait. A write that would open more is
    /// refused whole, nothing stored.
    pub conflicts_per_write: usize,
    /// Most live declarations (neither ended nor cancelled) one party may hold; a new declaration beyond it
    /// is refused.
    pub declarations_per_party: usize,
    /// Most positions one party's live declarations may hold together (counted as
    /// `vertices_per_declaration` counts them: a circle is one); a new declaration, or a version with more
    /// positions than the one it replaces, that would pass it is refused.
    pub vertices_per_party: usize,

    // --- Writes ------------------------------------------------------------------------------------------
    /// Writes (declarations, messages, acknowledgements, agreements, credentials…) one party may make per
    /// second, sustained (real time); a burst of `write_burst` is allowed. More are refused with 429.
    /// Previews (`POST /v1/declarations/preview`) are charged to the same allowance: each is the work of a
    /// declaration, stored nowhere.
    pub writes_per_party_per_second: f64,
    /// Writes one party may make at once before the rate applies.
    pub write_burst: f64,

    // --- Memory and lists --------------------------------------------------------------------------------
    /// How long closed alerts, resolved conflicts and answered messages stay in memory (the log keeps them).
    pub retention: Duration,
    /// Most of those that stay in memory at once, whatever their age: beyond it the oldest leave first.
    pub retained: usize,
    /// Items a list returns when the request names no `limit`.
    pub page_default: usize,
    /// Most items a list returns at once (`limit` above it is refused).
    pub page_max: usize,
    /// Most bytes of JSON in one page of a list (a page stops before the item that would pass it; it always
    /// holds one item).
    pub page_bytes: usize,

    // --- HTTP --------------------------------------------------------------------------------------------
    /// Requests handled at once across the whole server; more are refused with 503 `overloaded`.
    pub max_in_flight: usize,
    /// Pieces of core work for requests and streams that run at once on blocking threads (the rest wait
    /// their turn; the background loops are not counted).
    pub work_threads: usize,
    /// Requests one party may have handled at once (429 beyond; streams once open are not counted).
    pub in_flight_per_party: usize,
    /// Connections open at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Connections open at once from one address (an IPv6 address counts by its /64); a connection from an
    /// address that already has that many is closed at once, before anything is read, so that one client
    /// cannot take every slot of `max_connections` without a token.
    pub connections_per_address: usize,
    /// Time for a client to send a request's headers (and for an idle kept-alive connection to start its
    /// next request).
    pub header_timeout: Duration,
    /// Time for a whole request: body read, handled and answered (streams excepted once open).
    pub request_timeout: Duration,
    /// Largest request body (bytes), except track batches.
    pub body_bytes: usize,
    /// Largest `POST /v1/tracks` body (bytes).
    pub track_body_bytes: usize,
    /// Time a stream client has to take one frame before it is cut off with its cursor.
    pub stream_send_timeout: Duration,
    /// Streams one party may hold open at once.
    pub streams_per_party: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            track_ttl: Duration::from_secs(60),
            track_future_skew: Duration::from_secs(5),
            track_batch: 10_000,
            tracks_per_party: 20_000,
            track_reports_per_second: 50_000,
            alerts_per_party_pair: 128,
            volumes_per_declaration: 64,
            vertices_per_footprint: 1_000,
            vertices_per_declaration: 2_000,
            volume_window: Duration::from_secs(400 * 86_400),
            conflicts_per_write: 256,
            declarations_per_party: 2_000,
            vertices_per_party: 200_000,
            writes_per_party_per_second: 50.0,
            write_burst: 500.0,
            retention: Duration::from_secs(24 * 3_600),
            retained: 10_000,
            page_bytes: 4 << 20,
            page_default: 200,
            page_max: 1_000,
            max_in_flight: 1_024,
            work_threads: 16,
            in_flight_per_party: 64,
            max_connections: 4_096,
            connections_per_address: 256,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            body_bytes: 1 << 20,
            track_body_bytes: 4 << 20,
            stream_send_timeout: Duration::from_secs(10),
            streams_per_party: 32,
        }
    }
}
