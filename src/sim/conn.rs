//! What the accept loop tells a request about its connection, as request extensions: a
//! [`KillSwitch`] that closes the connection unanswered, and the [`Peer`] address. A leaf: the
//! accept loop (`server`) sets them; the faults and the control API read them.

use std::sync::Arc;

use tokio::sync::Notify;

/// Request extension: firing it closes the request's connection without a response.
#[derive(Clone)]
pub(crate) struct KillSwitch(pub Arc<Notify>);

/// Request extension: the peer address of the connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Peer(pub std::net::SocketAddr);
