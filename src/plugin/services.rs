//! go-plugin's side services: `plugin.GRPCController` (Shutdown ends the process) and
//! `plugin.GRPCStdio` (an open stream that carries nothing and ends at shutdown).

use crate::tfplugin5::proto::plugin as pb;
use futures::{Stream, StreamExt};
use std::pin::Pin;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

/// Answers `Shutdown` by cancelling the server's shutdown token.
pub struct Controller {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _req: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        tracing::debug!("shutdown requested by the plugin client");
        self.shutdown.cancel();
        Ok(Response::new(pb::Empty {}))
    }
}

/// Keeps the stdio stream open (empty) until shutdown.
pub struct Stdio {
    pub shutdown: CancellationToken,
}

type StdioStream = Pin<Box<dyn Stream<Item = Result<pb::StdioData, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(&self, _req: Request<()>) -> Result<Response<StdioStream>, Status> {
        let done = self.shutdown.clone().cancelled_owned();
        let stream = futures::stream::once(done).filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}
