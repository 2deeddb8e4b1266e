//! The Genesys provider: provider configuration, `genesys_script_template`, `genesys_script`.
