//! Provider functions (protocol 5.5, Terraform >= 1.8): the protocol-shaped trait a provider
//! implements for each `provider::NAME::FUNC(...)`, and its wire form for GetFunctions and
//! GetProviderSchema. No domain knowledge here.

use super::proto::tfplugin5 as pb;
use crate::cty::type_json::encode_type;
use crate::cty::{Type, Value};
use async_trait::async_trait;

/// One positional parameter. Null arguments are refused by Terraform itself unless
/// `allow_null` is set; unknown arguments are never sent (the call is skipped).
pub struct FunctionParameter {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub allow_null: bool,
}

/// A function's signature and documentation.
pub struct FunctionSignature {
    pub parameters: Vec<FunctionParameter>,
    pub return_type: Type,
    pub summary: String,
    pub description: String,
}

/// Why a call failed: the text Terraform shows, and the index of the argument at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionFailure {
    pub text: String,
    pub argument: Option<i64>,
}

/// A provider function.
#[async_trait]
pub trait Function: Send + Sync {
    fn signature(&self) -> FunctionSignature;
    /// CallFunction: the arguments decoded against the parameter types, wholly known.
    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionFailure>;
}

/// The wire form of a signature.
pub fn function_to_proto(sig: &FunctionSignature) -> pb::Function {
    pb::Function {
        parameters: sig
            .parameters
            .iter()
            .map(|p| pb::function::Parameter {
                name: p.name.clone(),
                r#type: encode_type(&p.ty),
                allow_null_value: p.allow_null,
                allow_unknown_values: false,
                description: p.description.clone(),
                description_kind: pb::StringKind::Markdown as i32,
            })
            .collect(),
        variadic_parameter: None,
        r#return: Some(pb::function::Return {
            r#type: encode_type(&sig.return_type),
        }),
        summary: sig.summary.clone(),
        description: sig.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecation_message: String::new(),
    }
}
