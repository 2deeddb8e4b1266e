//! The provider function `provider::genesys::render(content, substitutions)` (Terraform >= 1.8):
//! the exact document `genesys_script_template` uploads for that content and those
//! substitutions, through the one code path the resource uses (`document::render`), with the
//! same errors.

use super::document;
use crate::cty::{Type, Value};
use crate::tfplugin5::{Function, FunctionFailure, FunctionParameter, FunctionSignature};
use async_trait::async_trait;
use std::collections::BTreeMap;

/// The function's name in `provider::genesys::NAME`.
pub const NAME: &str = "render";

/// `render(content, substitutions)`.
pub struct RenderFunction;

#[async_trait]
impl Function for RenderFunction {
    fn signature(&self) -> FunctionSignature {
        FunctionSignature {
            parameters: vec![
                FunctionParameter {
                    name: "content".into(),
                    ty: Type::String,
                    description: "The script document, as for `genesys_script_template.content`.".into(),
                    allow_null: false,
                },
                FunctionParameter {
                    name: "substitutions".into(),
                    ty: Type::map(Type::String),
                    description: "Values for the `{{key}}` placeholders, as for `genesys_script_template.substitutions` (`{}` for none).".into(),
                    allow_null: true,
                },
            ],
            return_type: Type::String,
            summary: "The document genesys_script_template uploads".into(),
            description: "Returns exactly the document `genesys_script_template` would upload for `content` with `substitutions` applied: the same code path and the same errors as the resource.".into(),
        }
    }

    async fn call(&self, arguments: Vec<Value>) -> Result<Value, FunctionFailure> {
        let content = match arguments.first() {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(failure("content must be a string", 0)),
        };
        let subs = match arguments.get(1) {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(Value::Map(m)) => {
                let mut subs = BTreeMap::new();
                for (k, v) in m {
                    match v {
                        Value::String(s) => {
                            subs.insert(k.clone(), s.clone());
                        }
                        _ => {
                            return Err(failure(
                                format!("substitutions[{k:?}] must be a string, not null"),
                                1,
                            ))
                        }
                    }
                }
                subs
            }
            Some(_) => return Err(failure("substitutions must be a map of strings", 1)),
        };
        document::render(&content, &subs)
            .map(Value::String)
            .map_err(|e| failure(e.to_string(), 0))
    }
}

fn failure(text: impl Into<String>, argument: i64) -> FunctionFailure {
    FunctionFailure {
        text: text.into(),
        argument: Some(argument),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(content: &str, subs: &[(&str, &str)]) -> Result<Value, FunctionFailure> {
        let map = subs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect();
        futures::executor::block_on(
            RenderFunction.call(vec![Value::string(content), Value::Map(map)]),
        )
    }

    #[test]
    fn render_returns_what_the_resource_uploads() {
        let content = r#"{"pages":[{"name":"Hello {{who}}"}]}"#;
        let subs: BTreeMap<String, String> = [("who".to_string(), "Acme".to_string())].into();
        let expected = document::render(content, &subs).unwrap();
        assert_eq!(
            call(content, &[("who", "Acme")]),
            Ok(Value::String(expected))
        );
    }

    #[test]
    fn render_fails_with_the_resources_error_on_the_content_argument() {
        let err = call("{not json", &[]).unwrap_err();
        let expected = document::render("{not json", &BTreeMap::new()).unwrap_err();
        assert_eq!(err.text, expected.to_string());
        assert_eq!(err.argument, Some(0));
    }

    #[test]
    fn null_substitutions_mean_none() {
        let content = r#"{"pages":[]}"#;
        let got = futures::executor::block_on(
            RenderFunction.call(vec![Value::string(content), Value::Null]),
        );
        assert_eq!(got, Ok(Value::string(content)));
    }
}
