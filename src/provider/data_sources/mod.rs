//! The data sources: `genesys_script` (one script by exact name), `genesys_scripts` (an org's
//! listing) and `genesys_script_consumers` (what uses a script). Each file holds its model,
//! schema declaration and read.

pub mod script;
pub mod script_consumers;
pub mod scripts;
