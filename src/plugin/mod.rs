//! The go-plugin transport: magic cookie, protocol negotiation, unix socket, AutoMTLS,
//! handshake line, health / controller / stdio services, SIGINT handling, debug (reattach) mode.
//! PLACEHOLDER: owned by the protocol worker.
