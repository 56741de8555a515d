//! Writes the `guard.toml` that `edgeguard migrate` generates: rules in order, each preceded by
//! comments naming its origin. Written by hand rather than through a TOML serialiser so the
//! comments sit next to the rule they explain; every string goes through [`super::quote`].

use super::bucket_policy::Gate;
use super::quote;
use crate::referer::MissingReferer;

/// One generated rule.
#[derive(Debug, Clone)]
pub(crate) struct GuardRule {
    /// Its path pattern.
    pub(crate) path: String,
    /// Its Referer check; `None` checks nothing.
    pub(crate) check: Option<Gate>,
    /// Comment lines (without `#`) explaining where it comes from.
    pub(crate) comments: Vec<String>,
}

/// The whole file: header comments, `scheme`, the rules, and the default deny response.
pub(crate) fn render(header: &[String], rules: &[GuardRule], catch_all: bool) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("# {line}\n"));
    }
    out.push_str("\nscheme = \"https\"\n");
    for (i, rule) in rules.iter().enumerate() {
        out.push_str(&format!("\n# Rule {}: {}\n", i + 1, rule.path));
        for c in &rule.comments {
            out.push_str(&format!("#   {c}\n"));
        }
        out.push_str("[[rules]]\n");
        out.push_str(&format!("paths = [{}]\n", quote(&rule.path)));
        if let Some(gate) = &rule.check {
            let allow: Vec<String> = match &gate.hosts {
                Some(list) => list.iter().map(|p| quote(p)).collect(),
                None => vec![quote(super::referer_value::ANY_REFERER)],
            };
            let missing = if gate.missing_allowed {
                MissingReferer::Allow
            } else {
                MissingReferer::Deny
            };
            out.push_str(&format!(
                "referer = {{ allow = [{}], missing = {} }}\n",
                allow.join(", "),
                match missing {
                    MissingReferer::Allow => "\"allow\"",
                    MissingReferer::Deny => "\"deny\"",
                }
            ));
        }
    }
    if !catch_all {
        out.push_str("\n# No other rule: a path no rule matches is denied (no_rule), as the policy grants no other\n# object without a Referer condition.\n");
    }
    out.push_str("\n[deny]\nstatus = 403\nbody = \"Forbidden\"\ncontent_type = \"text/plain; charset=utf-8\"\n");
    out
}
