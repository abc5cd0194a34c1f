//! The names kir gives things: identifiers that are not words of the text form (checked by
//! the verifier and kept clear of by the renderers).

use super::error::KirError;
use super::ops::UnaryOp;
use super::types::Scalar;

/// The words of the text form, which no name may be.
const KEYWORDS: [&str; 36] = [
    "kernel",
    "dim",
    "binding",
    "shared",
    "workgroup_size",
    "launch",
    "fn",
    "role",
    "entry",
    "let",
    "var",
    "if",
    "else",
    "for",
    "in",
    "step",
    "store",
    "barrier",
    "return",
    "call",
    "read",
    "read_write",
    "uniform",
    "array",
    "vec4",
    "true",
    "false",
    "inf",
    "infh",
    "nan",
    "nanh",
    "select",
    "cast",
    "min",
    "max",
    "pow",
];

/// Whether `name` is a word of the text form (a keyword, type, built-in or operation).
pub fn is_reserved(name: &str) -> bool {
    KEYWORDS.contains(&name)
        || Scalar::from_name(name).is_some()
        || UnaryOp::from_name(name).is_some()
        || matches!(
            name,
            "global_id" | "local_id" | "workgroup_id" | "num_workgroups" | "local_index"
        )
}

/// Whether `name` is an identifier (`[A-Za-z_][A-Za-z0-9_]*`).
pub fn is_identifier(name: &str) -> bool {
    let mut cs = name.chars();
    cs.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && cs.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks that `name` may name something.
pub(crate) fn check_name(at: &str, what: &str, name: &str) -> Result<(), KirError> {
    if !is_identifier(name) {
        return Err(KirError::invalid(at, format!("{what} `{name}` is not an identifier")));
    }
    if is_reserved(name) {
        return Err(KirError::invalid(
            at,
            format!("{what} `{name}` is a reserved word; rename it"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_identifier("a_1") && is_identifier("_x") && !is_identifier("1a") && !is_identifier(""));
        assert!(is_identifier("a") && !is_identifier("a-b") && !is_identifier("@param"));
        for w in ["let", "f32", "exp", "global_id", "local_index", "min", "store"] {
            assert!(is_reserved(w), "{w}");
        }
        assert!(!is_reserved("load_x") && !is_reserved("x"));
        assert!(check_name("here", "dim", "let")
            .unwrap_err()
            .to_string()
            .contains("reserved"));
    }
}
