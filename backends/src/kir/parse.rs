//! The parser of the text form: a kernel, as [`print`](super::print::print) writes it.
//!
//! A hand-written recursive descent over the `lex` tokens; every error names the
//! line and column. Items and statements are one per line. Kernel items are parsed here,
//! statements in `parse_stmt`, expressions, extents and types in `parse_expr`.
//!
//! Names resolve leniently, so that what is wrong with a kernel is the verifier's to say, with
//! its message: a local may be named before its definition or outside its block (the verifier
//! reports the use), a function may be called before it is defined (reported: functions are
//! defined before their callers), and an extent may name a dim that no `dim` line declares (it
//! becomes an undeclared dim, reported). Only a name that is nothing at all is a parse error.

use super::arena::{Arena, Handle};
use super::body::{Body, Function, Role};
use super::error::KirError;
use super::extent::{Dim, DimDecl};
use super::kernel::{Dispatch, Kernel};
use super::lex::{lex, Tok, Token};
use super::local::{Local, LocalKind};
use super::memory::{Access, Binding, BindingKind, SharedArray};

/// How deeply blocks and expressions may nest before the parser gives up (instead of
/// overflowing its stack).
const MAX_DEPTH: usize = 200;

/// Parses the text form of one kernel (`;` comments and blank lines anywhere).
pub fn parse(text: &str) -> Result<Kernel, KirError> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
        depth: 0,
        names: Names::default(),
        body: BodyCtx::default(),
    };
    p.skip_newlines();
    let k = p.kernel()?;
    p.skip_newlines();
    p.expect_tok(&Tok::Eof, "the end of the text after the kernel")?;
    Ok(k)
}

/// The kernel-level names, collected before the items are parsed so that order does not
/// matter.
#[derive(Default)]
pub(super) struct Names {
    pub dims: Arena<Dim>,
    pub bindings: Vec<String>,
    pub shared: Vec<String>,
    pub functions: Vec<String>,
}

/// The body being parsed: its arenas and the names in scope.
#[derive(Default)]
pub(super) struct BodyCtx {
    pub body: Body,
    /// The names in scope, innermost block last.
    pub scopes: Vec<Vec<(String, Handle<Local>)>>,
    /// Every local the body defines, in order (arguments first), from a scan ahead.
    pub all: Vec<String>,
}

pub(super) struct Parser {
    pub toks: Vec<Token>,
    pub pos: usize,
    pub depth: usize,
    pub names: Names,
    pub body: BodyCtx,
}

/// How a token reads in a message.
fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) | Tok::Number(s) => format!("`{s}`"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Newline => "the end of the line".into(),
        Tok::Eof => "the end of the text".into(),
    }
}

impl Parser {
    // ---- tokens -------------------------------------------------------------------------

    pub(super) fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    pub(super) fn peek_at(&self, k: usize) -> &Tok {
        self.toks
            .get(self.pos + k)
            .or(self.toks.last())
            .map_or(&Tok::Eof, |t| &t.tok)
    }

    pub(super) fn advance(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    pub(super) fn error(&self, message: impl Into<String>) -> KirError {
        let (line, col) = self.toks.get(self.pos).map_or((1, 1), |t| (t.line, t.col));
        KirError::Parse {
            line,
            col,
            message: message.into(),
        }
    }

    pub(super) fn expected(&self, what: &str) -> KirError {
        self.error(format!("expected {what}, found {}", describe(self.peek())))
    }

    pub(super) fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    pub(super) fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == w)
    }

    pub(super) fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.advance();
        }
        yes
    }

    pub(super) fn expect_punct(&mut self, p: &str) -> Result<(), KirError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    pub(super) fn expect_word(&mut self, w: &str) -> Result<(), KirError> {
        if self.is_word(w) {
            self.advance();
            Ok(())
        } else {
            Err(self.expected(&format!("`{w}`")))
        }
    }

    fn expect_tok(&mut self, t: &Tok, what: &str) -> Result<(), KirError> {
        if self.peek() == t {
            self.advance();
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    /// The closing `>` of a type argument; half of a `>>` (as in `cast<vec4<f32>>`) counts.
    pub(super) fn expect_close_angle(&mut self) -> Result<(), KirError> {
        if self.is_punct(">>") {
            if let Some(t) = self.toks.get_mut(self.pos) {
                t.tok = Tok::Punct(">");
                t.col += 1;
            }
            return Ok(());
        }
        self.expect_punct(">")
    }

    pub(super) fn end_of_line(&mut self) -> Result<(), KirError> {
        self.expect_tok(&Tok::Newline, "the end of the line")?;
        self.skip_newlines();
        Ok(())
    }

    fn skip_newlines(&mut self) {
        while *self.peek() == Tok::Newline {
            self.advance();
        }
    }

    /// A name (an identifier that is not `@param`).
    pub(super) fn name(&mut self, what: &str) -> Result<String, KirError> {
        match self.peek() {
            Tok::Ident(s) if !s.starts_with('@') => {
                let s = s.clone();
                self.advance();
                Ok(s)
            }
            _ => Err(self.expected(what)),
        }
    }

    /// An unsuffixed decimal integer.
    pub(super) fn int(&mut self, what: &str) -> Result<u64, KirError> {
        let v = match self.peek() {
            Tok::Number(s) => s.parse::<u64>().ok(),
            _ => None,
        };
        let v = v.ok_or_else(|| self.expected(what))?;
        self.advance();
        Ok(v)
    }

    fn int_u32(&mut self, what: &str) -> Result<u32, KirError> {
        let v = self.int(what)?;
        u32::try_from(v).map_err(|_| self.error(format!("{what}: {v} does not fit in u32")))
    }

    pub(super) fn nest(&mut self) -> Result<(), KirError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("nested more than {MAX_DEPTH} deep")));
        }
        Ok(())
    }

    // ---- kernel ---------------------------------------------------------------------------

    fn kernel(&mut self) -> Result<Kernel, KirError> {
        self.expect_word("kernel")?;
        let name = self.name("the kernel's name")?;
        self.expect_punct("{")?;
        self.scan_names();
        self.end_of_line()?;
        let mut bindings = Arena::new();
        let mut shared = Arena::new();
        let mut functions = Arena::new();
        let (mut workgroup_size, mut launch, mut entry) = (None, None, None);
        let mut dims_seen = 0usize;
        while !self.is_punct("}") {
            let at = self.pos;
            let word = self
                .name("a kernel item (`dim`, `binding`, `shared`, `workgroup_size`, `launch`, `fn`, `entry`) or `}`")?;
            let once = |p: &mut Self, seen: bool| {
                if seen {
                    p.pos = at;
                    return Err(p.error(format!("a second `{word}` line")));
                }
                Ok(())
            };
            match word.as_str() {
                "dim" => {
                    self.dim_item(dims_seen)?;
                    dims_seen += 1;
                }
                "binding" => {
                    bindings.append(self.binding_item()?);
                }
                "shared" => {
                    shared.append(self.shared_item()?);
                }
                "workgroup_size" => {
                    once(self, workgroup_size.is_some())?;
                    let x = self.int_u32("the workgroup size in x")?;
                    let y = self.int_u32("the workgroup size in y")?;
                    let z = self.int_u32("the workgroup size in z")?;
                    workgroup_size = Some([x, y, z]);
                }
                "launch" => {
                    once(self, launch.is_some())?;
                    let x = self.extent()?;
                    self.expect_punct(",")?;
                    let y = self.extent()?;
                    self.expect_punct(",")?;
                    let z = self.extent()?;
                    launch = Some([x, y, z]);
                }
                "fn" => {
                    functions.append(self.function()?);
                }
                "entry" => {
                    once(self, entry.is_some())?;
                    self.body = BodyCtx::default();
                    self.scan_locals();
                    let block = self.block(Vec::new())?;
                    let mut body = std::mem::take(&mut self.body).body;
                    body.block = block;
                    entry = Some(body);
                }
                other => {
                    self.pos = at;
                    return Err(self.error(format!("unknown kernel item `{other}`")));
                }
            }
            self.end_of_line()?;
        }
        let missing = |what: &str| self.error(format!("kernel `{name}` has no `{what}` line"));
        let workgroup_size = workgroup_size.ok_or_else(|| missing("workgroup_size"))?;
        let workgroups = launch.ok_or_else(|| missing("launch"))?;
        let entry = entry.ok_or_else(|| missing("entry"))?;
        self.advance();
        Ok(Kernel {
            name,
            dims: std::mem::take(&mut self.names.dims),
            bindings,
            shared,
            functions,
            workgroup_size,
            dispatch: Dispatch { workgroups },
            entry,
        })
    }

    /// Collects the names the kernel's items declare, from the current token (just after the
    /// kernel's `{`) to its closing `}`. Dims are entered at once (undeclared ones come later).
    fn scan_names(&mut self) {
        let mut depth = 0usize;
        let mut i = self.pos;
        while let Some(t) = self.toks.get(i) {
            let next = |k: usize| self.toks.get(i + k).map(|t| &t.tok);
            match &t.tok {
                Tok::Punct("{") => depth += 1,
                Tok::Punct("}") if depth == 0 => break,
                Tok::Punct("}") => depth -= 1,
                Tok::Ident(w) if depth == 0 => match (w.as_str(), next(1), next(2)) {
                    ("dim", Some(Tok::Ident(n)), _) => {
                        self.names.dims.append(Dim {
                            name: n.clone(),
                            decl: None,
                        });
                    }
                    ("shared", Some(Tok::Ident(n)), _) => self.names.shared.push(n.clone()),
                    ("fn", Some(Tok::Ident(n)), _) => self.names.functions.push(n.clone()),
                    ("binding", Some(Tok::Number(_)), Some(Tok::Ident(n))) => self.names.bindings.push(n.clone()),
                    _ => {}
                },
                _ => {}
            }
            i += 1;
        }
    }

    /// Collects the names of the locals a body defines, from its `{` to its `}`.
    fn scan_locals(&mut self) {
        let mut depth = 0usize;
        let mut i = self.pos;
        while let Some(t) = self.toks.get(i) {
            match &t.tok {
                Tok::Punct("{") => depth += 1,
                Tok::Punct("}") if depth <= 1 => break,
                Tok::Punct("}") => depth -= 1,
                Tok::Ident(w) if matches!(w.as_str(), "let" | "var" | "for") => {
                    if let Some(Tok::Ident(n)) = self.toks.get(i + 1).map(|t| &t.tok) {
                        self.body.all.push(n.clone());
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn dim_item(&mut self, k: usize) -> Result<(), KirError> {
        self.name("the dim's name")?;
        let decl = if self.eat_punct("<=") {
            let bound = self.int("the dim's bound")?;
            self.expect_word("@param")?;
            let slot = self.int_u32("the dim's parameter slot")?;
            Some(DimDecl { bound, slot })
        } else {
            None
        };
        if let Some(d) = self
            .names
            .dims
            .get_mut(Handle::new(u32::try_from(k).unwrap_or(u32::MAX)))
        {
            d.decl = decl;
        }
        Ok(())
    }

    fn binding_item(&mut self) -> Result<Binding, KirError> {
        let index = self.int_u32("the binding number")?;
        let name = self.name("the binding's name")?;
        self.expect_punct(":")?;
        let kind = if self.is_word("uniform") {
            self.advance();
            BindingKind::Uniform
        } else {
            self.expect_word("array")?;
            self.expect_punct("<")?;
            let elem = self.ty()?;
            self.expect_close_angle()?;
            let access = if self.is_word("read") {
                Access::Read
            } else if self.is_word("read_write") {
                Access::ReadWrite
            } else {
                return Err(self.expected("`read` or `read_write`"));
            };
            self.advance();
            BindingKind::Storage { elem, access }
        };
        Ok(Binding { index, name, kind })
    }

    fn shared_item(&mut self) -> Result<SharedArray, KirError> {
        let name = self.name("the shared array's name")?;
        self.expect_punct(":")?;
        self.expect_word("array")?;
        self.expect_punct("<")?;
        let elem = self.ty()?;
        self.expect_punct(",")?;
        let len = self.extent()?;
        self.expect_close_angle()?;
        Ok(SharedArray { name, elem, len })
    }

    fn function(&mut self) -> Result<Function, KirError> {
        let name = self.name("the function's name")?;
        self.body = BodyCtx::default();
        self.expect_punct("(")?;
        let mut args = Vec::new();
        let mut scope = Vec::new();
        while !self.is_punct(")") {
            if !args.is_empty() {
                self.expect_punct(",")?;
            }
            let arg = self.name("a parameter name")?;
            self.expect_punct(":")?;
            let ty = self.ty()?;
            let h = self.body.body.locals.append(Local {
                name: arg.clone(),
                ty,
                kind: LocalKind::Arg,
            });
            self.body.all.push(arg.clone());
            scope.push((arg, h));
            args.push(h);
        }
        self.advance();
        let ret = if self.eat_punct("->") { Some(self.ty()?) } else { None };
        self.expect_word("role")?;
        let role_name = self.name("a role")?;
        let role = Role::from_name(&role_name).ok_or_else(|| {
            self.error(format!(
                "unknown role `{role_name}` (roles: operand_load, prologue, epilogue, store)"
            ))
        })?;
        self.scan_locals();
        let block = self.block(scope)?;
        let mut body = std::mem::take(&mut self.body).body;
        body.block = block;
        Ok(Function {
            name,
            role,
            args,
            ret,
            body,
        })
    }
}
