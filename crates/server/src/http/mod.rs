//! The HTTP shell: who is asking (`auth`), the handlers (`routes`, one module per resource), the router and
//! its layers (`router`), connections (accepting, bounding, timing out, shutting down: `conn`), the
//! WebSocket follower (`stream`), and the threads core work runs on (`work`).

pub(crate) mod auth;
pub(crate) mod conn;
pub(crate) mod router;
pub(crate) mod routes;
pub(crate) mod stream;
pub(crate) mod work;
