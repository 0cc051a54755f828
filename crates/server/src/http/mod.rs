//! The HTTP shell: who is asking (`auth`), the handlers (`routes`, one module per resource), the DSS of
//! ASTM F3548-21 under `/dss/v1` (`dss`: its token check, routes and error shape), the router and
//! its layers (`router`), connections (accepting, bounding, timing out, shutting down: `conn`), the
//! WebSocket follower (`stream`), and the threads core work runs on (`work`).

pub(crate) mod auth;
pub(crate) mod conn;
pub mod dss;
pub(crate) mod router;
pub(crate) mod routes;
pub(crate) mod stream;
pub(crate) mod work;
