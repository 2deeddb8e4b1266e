//! The interface check of a content change (issue 18): flows bind to a script's `input` and
//! `output` variables (a screen pop's inputs by the variable's id, Archy by its name), so a
//! new document that removes such a variable, renames it, changes its id or type, or turns its
//! flag off breaks them. Pure: the variables compared here and the consumers (asked by the
//! caller through `provider::consumers`) go in, the diagnostics come out.

use super::model::ScriptTemplate;
use crate::cty::AttributePath;
use crate::framework::{Attr, Diagnostics};
use crate::provider::consumers::{listing, Consumers};
use crate::provider::script_variables::ScriptVariable;

/// The argument that lets an interface-breaking change through.
pub const OPT_IN: &str = "allow_interface_changes";

/// One way a new document breaks a variable that flows may bind to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// The variable's name in the document the org holds now.
    pub name: String,
    /// `input`, `output` or `input/output`: what the variable is now.
    pub role: &'static str,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Removed { id: String },
    Renamed { to: String },
    IdChanged { from: String, to: String },
    TypeChanged { from: String, to: String },
    FlagOff { flag: &'static str },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Break { name, role, change } = self;
        match change {
            Change::Removed { id } => write!(f, "{role} '{name}' (id {id}) is removed"),
            Change::Renamed { to } => write!(f, "{role} '{name}' is renamed to '{to}'"),
            Change::IdChanged { from, to } => {
                write!(f, "{role} '{name}' changes its id from {from} to {to}")
            }
            Change::TypeChanged { from, to } => {
                write!(f, "{role} '{name}' changes its type from {from} to {to}")
            }
            Change::FlagOff { flag } => write!(f, "{role} '{name}' is no longer an {flag}"),
        }
    }
}

/// A variable's fields, nulls as empty text and false.
struct Var {
    id: String,
    name: String,
    input: bool,
    output: bool,
    ty: String,
}

fn plain(vars: &[Attr<ScriptVariable>]) -> Vec<Var> {
    vars.iter()
        .filter_map(Attr::known)
        .map(|v| Var {
            id: v.id.as_deref().unwrap_or_default().to_string(),
            name: v.name.as_deref().unwrap_or_default().to_string(),
            input: v.input.known().copied().unwrap_or(false),
            output: v.output.known().copied().unwrap_or(false),
            ty: v.var_type.as_deref().unwrap_or_default().to_string(),
        })
        .collect()
}

/// What `new` breaks of the `input`/`output` variables of `old`, in `old`'s order. A variable
/// is followed by its id; one whose id is gone is followed by its name (its id changed), and
/// is removed when neither is found. Added variables, and changes to variables that are
/// neither input nor output, break nothing.
pub fn breaks(old: &[Attr<ScriptVariable>], new: &[Attr<ScriptVariable>]) -> Vec<Break> {
    let new = plain(new);
    let mut out = vec![];
    for was in plain(old).into_iter().filter(|v| v.input || v.output) {
        let role = match (was.input, was.output) {
            (true, true) => "input/output",
            (true, false) => "input",
            _ => "output",
        };
        let at = |change| Break {
            name: was.name.clone(),
            role,
            change,
        };
        let by_id = new.iter().find(|n| !was.id.is_empty() && n.id == was.id);
        let Some(now) = by_id.or_else(|| new.iter().find(|n| n.name == was.name)) else {
            out.push(at(Change::Removed { id: was.id.clone() }));
            continue;
        };
        if now.id != was.id {
            out.push(at(Change::IdChanged {
                from: was.id.clone(),
                to: now.id.clone(),
            }));
        }
        if now.name != was.name {
            out.push(at(Change::Renamed {
                to: now.name.clone(),
            }));
        }
        if now.ty != was.ty {
            out.push(at(Change::TypeChanged {
                from: was.ty.clone(),
                to: now.ty.clone(),
            }));
        }
        for (flag, before, after) in [
            ("input", was.input, now.input),
            ("output", was.output, now.output),
        ] {
            if before && !after {
                out.push(at(Change::FlagOff { flag }));
            }
        }
    }
    out
}

fn lines(breaks: &[Break]) -> String {
    breaks
        .iter()
        .map(|b| format!("  - {b}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The distinct variables the breaks concern, as `role 'name'`, in order.
fn variables(breaks: &[Break]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for b in breaks {
        let v = format!("{} '{}'", b.role, b.name);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// `FLOW binds ROLE 'NAME'` for every consumer and every variable broken.
fn bindings(consumers: &[crate::genesys::downstream::Consumer], breaks: &[Break]) -> String {
    let vars = variables(breaks);
    consumers
        .iter()
        .flat_map(|c| {
            vars.iter()
                .map(move |v| format!("  - {} binds {v}", c.name))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The diagnostics of a content change of script `name` (`id`) that breaks `breaks`, given
/// what is known about its consumers and whether the opt-in is set. Nothing when nothing
/// breaks.
pub fn diagnostics(
    breaks: &[Break],
    known: &Consumers,
    name: &str,
    id: &str,
    allowed: bool,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    if breaks.is_empty() {
        return d;
    }
    let content = AttributePath::attr(ScriptTemplate::CONTENT);
    let n = breaks.len();
    const WHICH: &str = "Dependency tracking says which flows use the script, not which of its variables each one binds, so every flow is listed with every variable changed.";
    match known {
        Consumers::Some(list) if allowed => d.warning_at(
            content,
            format!("Changing the interface of script {name:?}, which {} object(s) use, because {OPT_IN} is set", list.len()),
            format!(
                "The new content of script {id} changes {n} input/output variable(s):\n{}\nThese flows may break until they are changed (and published):\n{}\n{}\n{WHICH}",
                lines(breaks),
                bindings(list, breaks),
                listing(list)
            ),
        ),
        Consumers::Some(list) => d.error_at(
            content,
            format!("The new content breaks {} object(s) that use script {name:?}", list.len()),
            format!(
                "The new content of script {id} changes {n} input/output variable(s) that flows bind to:\n{}\nThese would break at their next call:\n{}\n{WHICH}\nObjects using the script:\n{}\nTo proceed, keep the variables as they are (add new ones instead), or change the flows first; or, to deploy the change anyway, set {OPT_IN} = true on this resource.",
                lines(breaks),
                bindings(list, breaks),
                listing(list)
            ),
        ),
        Consumers::None => d.warning_at(
            content,
            format!("The new content changes {n} input/output variable(s) of script {name:?}"),
            format!(
                "No flow uses script {id} now, so nothing is refused, but flows that are added later, or that refer to it from other orgs, bind to these:\n{}",
                lines(breaks)
            ),
        ),
        Consumers::Unknown(why) => d.warning_at(
            content,
            format!("Could not check which flows bind to the variables that the new content of script {name:?} changes"),
            format!(
                "Script {id}: {why}. The change is not refused. It changes {n} input/output variable(s):\n{}",
                lines(breaks)
            ),
        ),
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::downstream::Consumer;

    fn var(id: &str, name: &str, input: bool, output: bool, ty: &str) -> Attr<ScriptVariable> {
        Attr::Known(ScriptVariable {
            id: Attr::string(id),
            name: Attr::string(name),
            input: Attr::Known(input),
            output: Attr::Known(output),
            var_type: Attr::string(ty),
        })
    }

    fn old() -> Vec<Attr<ScriptVariable>> {
        vec![
            var("v1", "Customer Name", true, false, "string"),
            var("v2", "Score", false, true, "number"),
            var("v3", "Visible", false, false, "boolean"),
        ]
    }

    #[test]
    fn additions_and_plain_variables_break_nothing() {
        let mut new = old();
        new.push(var("v4", "Added", true, true, "string"));
        new[2] = var("v3x", "Hidden", false, false, "string");
        assert_eq!(breaks(&old(), &new), vec![]);
        assert_eq!(breaks(&old(), &old()), vec![]);
        let none = diagnostics(&[], &Consumers::Some(vec![]), "S", "s1", false);
        assert!(none.is_empty());
    }

    #[test]
    fn every_kind_of_break_is_found() {
        let removed = vec![old()[1].clone(), old()[2].clone()];
        assert_eq!(
            breaks(&old(), &removed),
            vec![Break {
                name: "Customer Name".into(),
                role: "input",
                change: Change::Removed { id: "v1".into() }
            }]
        );
        let renamed = vec![
            var("v1", "Client Name", true, false, "string"),
            old()[1].clone(),
        ];
        assert_eq!(
            breaks(&old(), &renamed)[0].change,
            Change::Renamed {
                to: "Client Name".into()
            }
        );
        let new_id = vec![
            var("n1", "Customer Name", true, false, "string"),
            old()[1].clone(),
        ];
        assert_eq!(
            breaks(&old(), &new_id)[0].change,
            Change::IdChanged {
                from: "v1".into(),
                to: "n1".into()
            }
        );
        let retyped = vec![old()[0].clone(), var("v2", "Score", false, true, "string")];
        assert_eq!(
            breaks(&old(), &retyped)[0].change,
            Change::TypeChanged {
                from: "number".into(),
                to: "string".into()
            }
        );
        let off = vec![
            var("v1", "Customer Name", false, true, "string"),
            old()[1].clone(),
        ];
        assert_eq!(
            breaks(&old(), &off),
            vec![Break {
                name: "Customer Name".into(),
                role: "input",
                change: Change::FlagOff { flag: "input" }
            }]
        );
    }

    #[test]
    fn consumers_refuse_unless_opted_in_and_the_rest_warns() {
        let flows = Consumers::Some(vec![Consumer {
            id: "f1".into(),
            name: "Inbound Sales Flow".into(),
            kind: "INBOUNDCALLFLOW".into(),
            version: "1.0".into(),
        }]);
        let b = breaks(&old(), &[old()[1].clone()]);
        let d = diagnostics(&b, &flows, "Sales", "s1", false);
        assert!(d.has_errors(), "{d:?}");
        let text = format!("{} {}", d.0[0].summary, d.0[0].detail);
        assert!(
            text.contains("Inbound Sales Flow binds input 'Customer Name'"),
            "{text}"
        );
        assert!(text.contains("allow_interface_changes = true"), "{text}");
        assert!(text.contains("not which of its variables"), "{text}");
        let d = diagnostics(&b, &flows, "Sales", "s1", true);
        assert!(!d.has_errors() && d.0.len() == 1, "{d:?}");
        assert!(d.0[0].detail.contains("Inbound Sales Flow"), "{d:?}");
        let d = diagnostics(&b, &Consumers::None, "Sales", "s1", false);
        assert!(!d.has_errors() && d.0[0].detail.contains("'Customer Name' (id v1) is removed"));
        let d = diagnostics(
            &b,
            &Consumers::Unknown("no permission X".into()),
            "S",
            "s1",
            false,
        );
        assert!(
            !d.has_errors() && d.0[0].detail.contains("no permission X"),
            "{d:?}"
        );
    }
}
