//! The lexer of the text format: turns source text into tokens with 1-based line/column positions.
//!
//! Comments run from `;` to the end of the line. Columns count characters (not bytes).

use crate::error::IrError;

/// A position in the source, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl Pos {
    /// A parse error at this position.
    pub fn err(self, msg: impl Into<String>) -> IrError {
        IrError::Parse {
            line: self.line,
            col: self.col,
            msg: msg.into(),
        }
    }
}

/// A token kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_.]*`
    Ident(String),
    /// `%name` or `%"quoted"`.
    Value(String),
    /// `@name` or `@"quoted"` (`index` is set for `@123`).
    Const {
        name: String,
        index: Option<u64>,
    },
    /// `"..."` with escapes resolved.
    Str(String),
    /// A number as written: `-?[0-9]...` (decimal, float, exponent, `0x..`), or `-inf`/`-nan`.
    Num(String),
    /// One of `{ } ( ) [ ] < > = , : #`, or `<=` (as `'≤'`).
    Punct(char),
    /// A symbolic dim `name<=max` in an attribute list (made by the parser, not the lexer).
    Dim(String, u64),
    Eof,
}

impl Tok {
    /// A short description for error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Value(s) => format!("`%{}`", super::quote_name(s)),
            Tok::Const { name, .. } => format!("`@{}`", super::quote_name(name)),
            Tok::Str(_) => "a string".into(),
            Tok::Num(s) => format!("number `{s}`"),
            Tok::Punct('≤') => "`<=`".into(),
            Tok::Punct(c) => format!("`{c}`"),
            Tok::Dim(name, max) => format!("`{}<={max}`", super::quote_name(name)),
            Tok::Eof => "end of input".into(),
        }
    }
}

/// A token and where it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// True for characters that may start a plain identifier.
pub fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// True for characters that may continue a plain identifier.
pub fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

struct Lexer<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
    col: usize,
}

impl Lexer<'_> {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            col: self.col,
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            s.push(c);
            self.bump();
        }
        s
    }

    /// Reads a quoted string; the opening quote is the next character.
    fn string(&mut self) -> Result<String, IrError> {
        let start = self.pos();
        self.bump();
        let mut s = String::new();
        loop {
            let p = self.pos();
            match self.bump() {
                None | Some('\n') => return Err(start.err("unterminated string (missing closing `\"`)")),
                Some('"') => return Ok(s),
                Some('\\') => match self.bump() {
                    Some('"') => s.push('"'),
                    Some('\\') => s.push('\\'),
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('u') => {
                        if self.bump() != Some('{') {
                            return Err(p.err("bad escape: expected `\\u{HEX}`"));
                        }
                        let hex = self.take_while(|c| c.is_ascii_hexdigit());
                        if self.bump() != Some('}') || hex.is_empty() || hex.len() > 6 {
                            return Err(p.err("bad escape: expected `\\u{HEX}`"));
                        }
                        let ch = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32);
                        match ch {
                            Some(c) => s.push(c),
                            None => return Err(p.err(format!("`\\u{{{hex}}}` is not a valid character"))),
                        }
                    }
                    _ => return Err(p.err("unknown escape (expected one of \\\" \\\\ \\n \\t \\r \\u{HEX})")),
                },
                Some(c) => s.push(c),
            }
        }
    }

    /// A name after a sigil: plain identifier characters (digits allowed first), or a quoted string.
    fn sigil_name(&mut self, sigil: char, pos: Pos) -> Result<String, IrError> {
        match self.peek() {
            Some('"') => self.string(),
            Some(c) if is_ident_char(c) => Ok(self.take_while(is_ident_char)),
            _ => Err(pos.err(format!(
                "expected a name after `{sigil}` (use `{sigil}\"...\"` for other names)"
            ))),
        }
    }

    fn number(&mut self) -> String {
        let mut s = String::new();
        if self.peek() == Some('-') {
            s.push('-');
            self.bump();
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                s.push(c);
                self.bump();
                // An exponent sign: `1e-5`, `2.5E+3` (not in hex literals).
                if (c == 'e' || c == 'E') && !s.contains(['x', 'X']) && matches!(self.peek(), Some('-' | '+')) {
                    if let Some(sign) = self.bump() {
                        s.push(sign);
                    }
                }
            } else {
                break;
            }
        }
        s
    }

    fn next_token(&mut self) -> Result<Token, IrError> {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some(';') => {
                    self.take_while(|c| c != '\n');
                }
                _ => break,
            }
        }
        let pos = self.pos();
        let Some(c) = self.peek() else {
            return Ok(Token { tok: Tok::Eof, pos });
        };
        let tok = match c {
            '"' => Tok::Str(self.string()?),
            '%' => {
                self.bump();
                Tok::Value(self.sigil_name('%', pos)?)
            }
            '@' => {
                self.bump();
                let quoted = self.peek() == Some('"');
                let name = self.sigil_name('@', pos)?;
                let index = if !quoted && name.starts_with(|c: char| c.is_ascii_digit()) {
                    match name.parse::<u64>() {
                        Ok(i) => Some(i),
                        Err(_) => return Err(pos.err(format!("bad constant reference `@{name}`"))),
                    }
                } else {
                    None
                };
                Tok::Const { name, index }
            }
            '<' => {
                self.bump();
                if self.peek() == Some('=') {
                    self.bump();
                    Tok::Punct('≤')
                } else {
                    Tok::Punct('<')
                }
            }
            '{' | '}' | '(' | ')' | '[' | ']' | '>' | '=' | ',' | ':' | '#' => {
                self.bump();
                Tok::Punct(c)
            }
            '-' => Tok::Num(self.number()),
            c if c.is_ascii_digit() => Tok::Num(self.number()),
            c if is_ident_start(c) => Tok::Ident(self.take_while(is_ident_char)),
            c => return Err(pos.err(format!("unexpected character `{}`", c.escape_debug()))),
        };
        Ok(Token { tok, pos })
    }
}

/// Splits `src` into tokens; the last token is [`Tok::Eof`].
pub fn lex(src: &str) -> Result<Vec<Token>, IrError> {
    let mut lx = Lexer {
        chars: src.chars().peekable(),
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        let t = lx.next_token()?;
        let eof = t.tok == Tok::Eof;
        out.push(t);
        if eof {
            return Ok(out);
        }
    }
}
