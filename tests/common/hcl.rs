//! HCL for the tests' configurations, built rather than written as escaped `format!` strings:
//! blocks (`resource`, `data`, `provider`, `output`, `variable`, and nested ones such as
//! `timeouts`), quoted strings, and expressions written as they are.
//!
//! ```ignore
//! hcl::resource("genesys_script_template", "greeting")
//!     .str("name", "Standard Greeting")
//!     .expr("content", hcl::file("script.json"))
//!     .to_string()
//! ```
//! renders
//! ```text
//! resource "genesys_script_template" "greeting" {
//!   name = "Standard Greeting"
//!   content = file("${path.module}/script.json")
//! }
//! ```

use std::fmt;

/// One HCL block: a type, its labels and a body of attributes, nested blocks and raw lines.
#[derive(Debug, Clone)]
pub struct Block {
    kind: String,
    labels: Vec<String>,
    body: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    Attr(String, String),
    Block(Block),
    Raw(String),
}

/// `resource "TY" "NAME" { }`
pub fn resource(ty: &str, name: &str) -> Block {
    Block::new("resource", &[ty, name])
}

/// `data "TY" "NAME" { }`
pub fn data(ty: &str, name: &str) -> Block {
    Block::new("data", &[ty, name])
}

/// `provider "NAME" { }`
pub fn provider(name: &str) -> Block {
    Block::new("provider", &[name])
}

/// `output "NAME" { }`
pub fn output(name: &str) -> Block {
    Block::new("output", &[name])
}

/// `variable "NAME" { }`
pub fn variable(name: &str) -> Block {
    Block::new("variable", &[name])
}

/// A block without labels, e.g. `timeouts { }` or `terraform { }`.
pub fn block(kind: &str) -> Block {
    Block::new(kind, &[])
}

/// `s` as an HCL quoted string: `"` and `\` escaped. Templates (`${...}`) are kept, so that
/// `"listed-${count.index}"` interpolates as written.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `file("${path.module}/NAME")`: a file of the working directory.
pub fn file(name: &str) -> String {
    format!("file({})", quote(&format!("${{path.module}}/{name}")))
}

/// An object expression on one line: `{ k1 = v1, k2 = v2 }` (values are expressions; use
/// [`quote`] for strings).
pub fn object<K: AsRef<str>, V: AsRef<str>>(entries: impl IntoIterator<Item = (K, V)>) -> String {
    let inner: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{} = {}", k.as_ref(), v.as_ref()))
        .collect();
    if inner.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", inner.join(", "))
    }
}

/// An object expression with one entry a line, indented for an attribute of a top-level block.
pub fn object_lines<K: AsRef<str>, V: AsRef<str>>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> String {
    let mut out = String::from("{\n");
    for (k, v) in entries {
        out.push_str(&format!("    {} = {}\n", k.as_ref(), v.as_ref()));
    }
    out.push_str("  }");
    out
}

impl Block {
    fn new(kind: &str, labels: &[&str]) -> Self {
        Block {
            kind: kind.to_string(),
            labels: labels.iter().map(|l| l.to_string()).collect(),
            body: Vec::new(),
        }
    }

    /// `key = "value"` (see [`quote`]).
    pub fn str(self, key: &str, value: impl AsRef<str>) -> Self {
        let quoted = quote(value.as_ref());
        self.expr(key, quoted)
    }

    /// `key = EXPR`, the expression as written (`genesys.acme`, `3`, `true`, `file(...)`).
    pub fn expr(mut self, key: &str, expr: impl AsRef<str>) -> Self {
        self.body
            .push(Item::Attr(key.to_string(), expr.as_ref().to_string()));
        self
    }

    /// A nested block.
    pub fn block(mut self, nested: Block) -> Self {
        self.body.push(Item::Block(nested));
        self
    }

    /// Body text as it is (lines such as `  publish = false\n` that a caller passes through).
    pub fn raw(mut self, text: impl AsRef<str>) -> Self {
        let text = text.as_ref();
        if !text.is_empty() {
            self.body.push(Item::Raw(text.to_string()));
        }
        self
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = " ".repeat(indent);
        write!(f, "{pad}{}", self.kind)?;
        for label in &self.labels {
            write!(f, " {}", quote(label))?;
        }
        writeln!(f, " {{")?;
        for item in &self.body {
            match item {
                Item::Attr(k, v) => writeln!(f, "{pad}  {k} = {v}")?,
                Item::Block(b) => b.write(f, indent + 2)?,
                Item::Raw(text) => {
                    f.write_str(text)?;
                    if !text.ends_with('\n') {
                        writeln!(f)?;
                    }
                }
            }
        }
        writeln!(f, "{pad}}}")
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 0)
    }
}
