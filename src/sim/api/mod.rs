//! The handlers of the api, apps and download endpoints, one file per resource. They read and
//! change the store and answer its views; they know nothing of routing or middleware, which
//! `server` wires from the table in `kind`. Dependencies run one way: clock and errors, store,
//! views, these handlers, then server.

pub(crate) mod audit;
pub(crate) mod dependencies;
pub(crate) mod divisions;
pub(crate) mod export;
pub(crate) mod pages;
pub(crate) mod published;
pub(crate) mod scripts;
pub(crate) mod uploads;
