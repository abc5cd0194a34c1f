//! The parser's statements and name resolution (see [`parse`](super::parse)).
//!
//! A block is `{`, a line end, one statement per line, `}`. A local is in scope from its
//! definition to the end of its block; a name that is not in scope still resolves (to a local
//! defined earlier out of scope, or later) so that the verifier reports the use with its message.

use super::arena::Handle;
use super::body::{Block, Expr, Function, Stmt};
use super::error::KirError;
use super::extent::{Dim, Extent};
use super::lex::Tok;
use super::local::{Local, LocalKind};
use super::memory::Memory;
use super::parse::Parser;
use super::types::Type;

impl Parser {
    /// `{`, line end, statements, `}`; `scope` holds names to enter first (a loop variable).
    pub(super) fn block(&mut self, scope: Vec<(String, Handle<Local>)>) -> Result<Block, KirError> {
        self.expect_punct("{")?;
        self.end_of_line()?;
        self.nest()?;
        self.body.scopes.push(scope);
        let mut out = Vec::new();
        while !self.is_punct("}") {
            out.push(self.stmt()?);
            self.end_of_line()?;
        }
        self.advance();
        self.body.scopes.pop();
        self.depth -= 1;
        Ok(out)
    }

    fn stmt(&mut self) -> Result<Stmt, KirError> {
        let word = match self.peek() {
            Tok::Ident(w) => w.clone(),
            _ => return Err(self.expected("a statement")),
        };
        match word.as_str() {
            "let" | "var" => {
                self.advance();
                let (name, ty) = self.typed_name()?;
                self.expect_punct("=")?;
                let value = self.expr()?;
                if word == "let" {
                    let local = self.define(name, ty, LocalKind::Let);
                    Ok(Stmt::Let { local, value })
                } else {
                    let local = self.define(name, ty, LocalKind::Var);
                    Ok(Stmt::Var { local, init: value })
                }
            }
            "store" => {
                self.advance();
                let target = self.memory()?;
                self.expect_punct("[")?;
                let index = self.expr()?;
                self.expect_punct("]")?;
                self.expect_punct("=")?;
                let value = self.expr()?;
                Ok(Stmt::Store { target, index, value })
            }
            "if" => {
                self.advance();
                let cond = self.expr()?;
                let accept = self.block(Vec::new())?;
                let reject = if self.is_word("else") {
                    self.advance();
                    self.block(Vec::new())?
                } else {
                    Vec::new()
                };
                Ok(Stmt::If { cond, accept, reject })
            }
            "for" => {
                self.advance();
                let (name, ty) = self.typed_name()?;
                self.expect_word("in")?;
                let start = self.expr()?;
                self.expect_punct("..")?;
                let end = self.expr()?;
                self.expect_word("step")?;
                let step = self.expr()?;
                let var = self.define(name.clone(), ty, LocalKind::LoopVar);
                let body = self.block(vec![(name, var)])?;
                Ok(Stmt::For {
                    var,
                    start,
                    end,
                    step,
                    body,
                })
            }
            "barrier" => {
                self.advance();
                Ok(Stmt::Barrier)
            }
            "return" => {
                self.advance();
                if matches!(self.peek(), Tok::Newline | Tok::Punct("}")) {
                    Ok(Stmt::Return(None))
                } else {
                    Ok(Stmt::Return(Some(self.expr()?)))
                }
            }
            "call" => {
                self.advance();
                let function = self.callee()?;
                let args = self.call_args()?;
                Ok(Stmt::Call { function, args })
            }
            _ => {
                let local = self.assign_target()?;
                self.expect_punct("=")?;
                let value = self.expr()?;
                Ok(Stmt::Assign { local, value })
            }
        }
    }

    /// `name: T`.
    fn typed_name(&mut self) -> Result<(String, Type), KirError> {
        let name = self.name("a local's name")?;
        self.expect_punct(":")?;
        Ok((name, self.ty()?))
    }

    /// Enters a local defined by a statement, in scope from now to the end of the block.
    fn define(&mut self, name: String, ty: Type, kind: LocalKind) -> Handle<Local> {
        let h = self.body.body.locals.append(Local {
            name: name.clone(),
            ty,
            kind,
        });
        if let Some(scope) = self.body.scopes.last_mut() {
            scope.push((name, h));
        }
        h
    }

    /// The local a name refers to: the one in scope, else one defined earlier out of scope,
    /// else one defined later (the last two for the verifier to report).
    pub(super) fn lookup_local(&self, name: &str) -> Option<Handle<Local>> {
        let in_scope = self
            .body
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name);
        if let Some((_, h)) = in_scope {
            return Some(*h);
        }
        let locals = &self.body.body.locals;
        if let Some((h, _)) = locals.iter().filter(|(_, l)| l.name == name).last() {
            return Some(h);
        }
        let later = self.body.all.iter().skip(locals.len()).position(|n| n == name)?;
        u32::try_from(locals.len() + later).ok().map(Handle::new)
    }

    fn assign_target(&mut self) -> Result<Handle<Local>, KirError> {
        let name = self.name("a statement")?;
        if !self.is_punct("=") {
            self.pos -= 1;
            return Err(self.error(format!(
                "expected a statement, found `{name}` (assignments are `name = value`, calls `call f(..)`)"
            )));
        }
        self.lookup_local(&name).ok_or_else(|| {
            let what = if self.names.dims.find(|d| d.name == name).is_some() {
                "a dim, which cannot be assigned"
            } else {
                "not a local"
            };
            self.error(format!("`{name}` is {what}"))
        })
    }

    /// A binding or shared array by name.
    pub(super) fn memory(&mut self) -> Result<Memory, KirError> {
        let name = self.name("a binding or shared array")?;
        let idx = |v: &[String]| v.iter().position(|n| *n == name).and_then(|i| u32::try_from(i).ok());
        if let Some(i) = idx(&self.names.bindings) {
            Ok(Memory::Binding(Handle::new(i)))
        } else if let Some(i) = idx(&self.names.shared) {
            Ok(Memory::Shared(Handle::new(i)))
        } else {
            self.pos -= 1;
            Err(self.error(format!("unknown binding or shared array `{name}`")))
        }
    }

    /// A function by name.
    pub(super) fn callee(&mut self) -> Result<Handle<Function>, KirError> {
        let name = self.name("a function name")?;
        match self.names.functions.iter().position(|n| *n == name) {
            Some(i) => Ok(Handle::new(u32::try_from(i).unwrap_or(u32::MAX))),
            None => {
                self.pos -= 1;
                Err(self.error(format!("unknown function `{name}`")))
            }
        }
    }

    /// `(a, b, ..)`.
    pub(super) fn call_args(&mut self) -> Result<Vec<Handle<Expr>>, KirError> {
        self.expect_punct("(")?;
        let mut args = Vec::new();
        while !self.is_punct(")") {
            if !args.is_empty() {
                self.expect_punct(",")?;
            }
            args.push(self.expr()?);
        }
        self.advance();
        Ok(args)
    }

    /// A dim by name in an extent; an unknown name becomes an undeclared dim.
    pub(super) fn extent_dim(&mut self, name: String) -> Extent {
        match self.names.dims.find(|d| d.name == name) {
            Some((h, _)) => Extent::Dim(h),
            None => Extent::Dim(self.names.dims.append(Dim { name, decl: None })),
        }
    }
}
