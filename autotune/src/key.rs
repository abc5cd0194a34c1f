//! Problem keys: the canonical text of a kernel's problem (its kind, shapes, dtypes and operand
//! layouts), what a schedule is chosen for and what a tuning database is indexed by.
//!
//! A key is built by the lowering (`edgecc_backends::lower`) from a problem, never parsed back
//! into one: two kernels with the same key take the same schedule. Its text is one token, e.g.
//! `gemm.f32.b1.m100.n8.k36.a=mk.b=kn` or `attention.f32.b4.lq16.lk16.d32.dv32.causal`:
//! fields joined by `.`, made of ASCII letters, digits and `=_-x:`.

use std::fmt;

/// A problem's canonical key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProblemKey(String);

impl ProblemKey {
    /// A key from its fields: the problem kind first (`gemm`, `conv`, `row`, `attention`,
    /// `topk`, `elementwise`), then what distinguishes problems of that kind. Errors when a
    /// field is empty or holds a character keys do not allow.
    pub fn new<I, S>(kind: &str, fields: I) -> Result<ProblemKey, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut text = String::from(kind);
        for f in fields {
            text.push('.');
            text.push_str(f.as_ref());
        }
        ProblemKey::parse(&text)
    }

    /// Checks a key's text (from a command line, a file or a tuning database).
    pub fn parse(text: &str) -> Result<ProblemKey, String> {
        if text.is_empty() {
            return Err("an empty problem key".into());
        }
        for field in text.split('.') {
            if field.is_empty() {
                return Err(format!("problem key `{text}` has an empty field"));
            }
            if let Some(c) = field
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || "=_-x:".contains(*c)))
            {
                return Err(format!("problem key `{text}` holds `{c}`, which keys do not allow"));
            }
        }
        Ok(ProblemKey(text.to_string()))
    }

    /// The problem kind: the first field.
    pub fn kind(&self) -> &str {
        self.0.split('.').next().unwrap_or("")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProblemKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked() {
        let k = ProblemKey::new("gemm", ["f32", "b1", "m100", "a=mk"]).unwrap();
        assert_eq!(k.as_str(), "gemm.f32.b1.m100.a=mk");
        assert_eq!(k.kind(), "gemm");
        assert_eq!(ProblemKey::parse(k.as_str()).unwrap(), k);
        assert!(ProblemKey::parse("gemm..f32").unwrap_err().contains("empty field"));
        assert!(ProblemKey::parse("gemm.f 32").unwrap_err().contains("` `"));
        assert!(ProblemKey::parse("").is_err());
    }
}
