//! The lexer of the text form: identifiers, numbers, punctuation and line ends.
//!
//! Lines matter (one item or statement per line), so a line end is a token; `;` starts a
//! comment to the end of the line, which is how filetests put their directives in a `.kir` file.
//! A number is `digits[.digits][e[+-]digits][u|i|h]`; its meaning (which type) is the parser's.

use super::error::KirError;

/// A token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// A name or keyword.
    Ident(String),
    /// A number, as written (with its suffix).
    Number(String),
    /// Punctuation.
    Punct(&'static str),
    /// A line end.
    Newline,
    /// The end of the text.
    Eof,
}

/// A token and where it starts (1-based line and column).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
    pub col: usize,
}

/// Punctuation, longest first so that `<=` is not read as `<` `=`.
const PUNCT: [&str; 30] = [
    "->", "..", "<=", ">=", "<<", ">>", "==", "!=", "&&", "||", "{", "}", "(", ")", "[", "]", "<", ">", "=", ":", ",",
    ".", "+", "-", "*", "/", "%", "&", "|", "^",
];

/// The tokens of `text`, ending with [`Tok::Eof`].
pub(crate) fn lex(text: &str) -> Result<Vec<Token>, KirError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 1usize);
    while i < chars.len() {
        let c = chars[i];
        let start = (line, col);
        let push = |out: &mut Vec<Token>, tok| {
            out.push(Token {
                tok,
                line: start.0,
                col: start.1,
            })
        };
        if c == '\n' {
            push(&mut out, Tok::Newline);
            i += 1;
            line += 1;
            col = 1;
            continue;
        }
        let len = if c == ' ' || c == '\t' || c == '\r' {
            1
        } else if c == ';' {
            chars[i..].iter().take_while(|c| **c != '\n').count()
        } else if c.is_ascii_alphabetic() || c == '_' || c == '@' {
            let n = 1 + chars[i + 1..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            push(&mut out, Tok::Ident(chars[i..i + n].iter().collect()));
            n
        } else if c.is_ascii_digit() {
            let n = number_len(&chars[i..]).map_err(|message| KirError::Parse { line, col, message })?;
            push(&mut out, Tok::Number(chars[i..i + n].iter().collect()));
            n
        } else if let Some(p) = PUNCT.iter().find(|p| starts_with(&chars[i..], p)) {
            push(&mut out, Tok::Punct(p));
            p.len()
        } else {
            return Err(KirError::Parse {
                line,
                col,
                message: format!("unexpected character `{c}`"),
            });
        };
        i += len;
        col += len;
    }
    out.push(Token {
        tok: Tok::Eof,
        line,
        col,
    });
    Ok(out)
}

fn starts_with(chars: &[char], p: &str) -> bool {
    p.chars().enumerate().all(|(k, pc)| chars.get(k) == Some(&pc))
}

/// The length of the number at the start of `s` (which starts with a digit).
fn number_len(s: &[char]) -> Result<usize, String> {
    let digits = |from: usize| s[from.min(s.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut n = digits(0);
    if s.get(n) == Some(&'.') && s.get(n + 1).is_some_and(char::is_ascii_digit) {
        n += 1 + digits(n + 1);
    }
    if matches!(s.get(n), Some('e' | 'E')) {
        let sign = usize::from(matches!(s.get(n + 1), Some('+' | '-')));
        if s.get(n + 1 + sign).is_some_and(char::is_ascii_digit) {
            n += 1 + sign + digits(n + 1 + sign);
        }
    }
    let suffix = s[n..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
        .count();
    match s[n..n + suffix].iter().collect::<String>().as_str() {
        "" | "u" | "i" | "h" => Ok(n + suffix),
        other => Err(format!(
            "bad number suffix `{other}` (a number ends in `u`, `i`, `h` or nothing)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s)
            .map(|v| v.into_iter().map(|t| t.tok).collect())
            .unwrap_or_default()
    }

    #[test]
    fn tokens_and_positions() {
        use Tok::*;
        assert_eq!(
            toks("a<=1.5e-3h ; x\n0..n"),
            [
                Ident("a".into()),
                Punct("<="),
                Number("1.5e-3h".into()),
                Newline,
                Number("0".into()),
                Punct(".."),
                Ident("n".into()),
                Eof
            ]
        );
        assert_eq!(toks("@param 3u"), [Ident("@param".into()), Number("3u".into()), Eof]);
        let t = lex("x\n  y").unwrap_or_default();
        assert_eq!((t[2].line, t[2].col), (2, 3));
        let err = lex("a\n b $").unwrap_err().to_string();
        assert!(err.starts_with("line 2:4: unexpected character `$`"), "{err}");
        assert!(lex("1.0f").unwrap_err().to_string().contains("suffix `f`"));
    }
}
