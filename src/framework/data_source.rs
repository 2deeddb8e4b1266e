//! The data source half of the lifecycle layer: a data source implements `TypedDataSource` on
//! its typed model, and [`Served`] serves it as a protocol-shaped `tfplugin5::DataSource`.

use super::attr::CtyField;
use super::model::from_object;
use crate::cty::Value;
use crate::tfplugin5::{DataSource, Diagnostics, Schema};
use async_trait::async_trait;

#[async_trait]
pub trait TypedDataSource: Send + Sync + 'static {
    type Model: CtyField + Send + Sync + 'static;
    /// The full type name, such as `genesys_script`.
    const TYPE_NAME: &'static str;

    fn schema(&self) -> Schema;

    /// Configuration checks; values may be unknown.
    async fn validate(&self, _config: &Self::Model) -> Diagnostics {
        Diagnostics::new()
    }

    /// Reads the object the (wholly known) configuration names. Warnings travel with `Ok`.
    async fn read(&self, config: Self::Model) -> Result<(Self::Model, Diagnostics), Diagnostics>;
}

/// A `TypedDataSource` served as a protocol-shaped `DataSource`.
pub struct Served<D>(pub D);

#[async_trait]
impl<D: TypedDataSource> DataSource for Served<D> {
    fn schema(&self) -> Schema {
        self.0.schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        match from_object::<D::Model>(config, D::TYPE_NAME) {
            Ok(m) => self.0.validate(&m).await,
            Err(e) => e.diagnostics(D::TYPE_NAME),
        }
    }

    async fn read(&self, config: Value) -> (Value, Diagnostics) {
        let config = match from_object::<D::Model>(&config, D::TYPE_NAME) {
            Ok(m) => m,
            Err(e) => return (Value::Null, e.diagnostics(D::TYPE_NAME)),
        };
        match self.0.read(config).await {
            Ok((state, d)) => (state.to_cty(), d),
            Err(d) => (Value::Null, d),
        }
    }
}
