//! The HTTP shell around the router: connections (accepting, bounding, timing out, shutting down) and the
//! stream.

pub(crate) mod conn;
pub(crate) mod stream;
