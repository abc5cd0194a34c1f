//! Extents: sizes that may be symbolic, over the kernel's run-time [`Dim`]s.
//!
//! An [`Extent`] is a small tree of constants, dims and `+`, `×`, floor division and `min`, all
//! on `u64`. Workgroup counts, shared-array lengths and the bounds they are checked against are
//! extents, so one compiled kernel serves every size up to its dims' bounds: a launch evaluates
//! its extents with the dims' values ([`Extent::eval`]); a backend that needs a constant (a WGSL
//! workgroup array) takes the [`Extent::upper_bound`] over the dims' bounds.
//!
//! The text form (`(seq * 8 + 63) / 64`, `min(n, 128)`) is written by [`Extent::display`] with
//! the fewest parentheses that keep the tree: `+` binds loosest, `*` and `/` tighter, both left
//! associative.

use super::arena::{Arena, Handle};
use super::error::KirError;
use std::fmt;
use std::ops::{Add, Mul};

/// A run-time size the kernel reads: a name, and where its value comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Dim {
    /// The name (also what the graph calls the symbolic dim).
    pub name: String,
    /// Its bound and parameter slot; `None` for a dim that is used but was never declared (the
    /// parser records such a name so that the verifier can report it).
    pub decl: Option<DimDecl>,
}

/// How a declared dim reaches the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DimDecl {
    /// The largest value the dim may take: what buffers and shared arrays are sized for.
    pub bound: u64,
    /// Its slot (a `u32` index) in the kernel's uniform parameter buffer.
    pub slot: u32,
}

/// A size: constant or symbolic.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Extent {
    /// A constant.
    Const(u64),
    /// The value of a dim of the kernel.
    Dim(Handle<Dim>),
    /// `a + b`.
    Add(Box<Extent>, Box<Extent>),
    /// `a * b`.
    Mul(Box<Extent>, Box<Extent>),
    /// `a / b`, rounded down; dividing by zero is an evaluation error.
    FloorDiv(Box<Extent>, Box<Extent>),
    /// `min(a, b)`.
    Min(Box<Extent>, Box<Extent>),
}

impl From<u64> for Extent {
    fn from(c: u64) -> Extent {
        Extent::Const(c)
    }
}

impl From<Handle<Dim>> for Extent {
    fn from(d: Handle<Dim>) -> Extent {
        Extent::Dim(d)
    }
}

/// `a + b` builds [`Extent::Add`] (unsimplified).
impl<T: Into<Extent>> Add<T> for Extent {
    type Output = Extent;

    fn add(self, other: T) -> Extent {
        Extent::Add(Box::new(self), Box::new(other.into()))
    }
}

/// `a * b` builds [`Extent::Mul`] (unsimplified).
impl<T: Into<Extent>> Mul<T> for Extent {
    type Output = Extent;

    fn mul(self, other: T) -> Extent {
        Extent::Mul(Box::new(self), Box::new(other.into()))
    }
}

impl Extent {
    /// `self / other`, rounded down.
    pub fn floor_div(self, other: impl Into<Extent>) -> Extent {
        Extent::FloorDiv(Box::new(self), Box::new(other.into()))
    }

    /// `min(self, other)`.
    pub fn min(self, other: impl Into<Extent>) -> Extent {
        Extent::Min(Box::new(self), Box::new(other.into()))
    }

    /// `self / d` rounded up, as `(self + (d - 1)) / d`, simplified (`d = 0` divides by zero).
    pub fn ceil_div(self, d: u64) -> Extent {
        self.add(d.saturating_sub(1)).floor_div(d).simplify()
    }

    /// The value, when the extent is a constant.
    pub fn as_const(&self) -> Option<u64> {
        match self {
            Extent::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// Every dim the extent uses, in order of appearance (with repeats).
    pub fn dims(&self) -> Vec<Handle<Dim>> {
        let mut out = Vec::new();
        self.visit_dims(&mut |d| out.push(d));
        out
    }

    fn visit_dims(&self, f: &mut impl FnMut(Handle<Dim>)) {
        match self {
            Extent::Const(_) => {}
            Extent::Dim(d) => f(*d),
            Extent::Add(a, b) | Extent::Mul(a, b) | Extent::FloorDiv(a, b) | Extent::Min(a, b) => {
                a.visit_dims(f);
                b.visit_dims(f);
            }
        }
    }

    /// The extent with constant arithmetic folded: `2 * 3` → `6`, `x + 0` → `x`, `x * 1` → `x`,
    /// `x * 0` → `0`, `x / 1` → `x`, `min(x, x)` → `x`, `min(x, 0)` → `0`, constants moved to
    /// the right of `+`, `*` and `min`, and `(x + 2) + 3` → `x + 5`, `(x * 2) * 3` → `x * 6`,
    /// `(x / 2) / 3` → `x / 6`. A fold that would overflow, or divide by zero, is left as it
    /// is, so evaluation reports it.
    pub fn simplify(&self) -> Extent {
        use Extent::*;
        match self {
            Const(_) | Dim(_) => self.clone(),
            Add(a, b) => match (a.simplify(), b.simplify()) {
                (Const(x), Const(y)) if x.checked_add(y).is_some() => Const(x + y),
                (x, Const(0)) | (Const(0), x) => x,
                (Const(c), x) if x.as_const().is_none() => x.add(c).simplify(),
                (Add(x, c1), Const(c2)) if c1.as_const().and_then(|c1| c1.checked_add(c2)).is_some() => {
                    let c = c1.as_const().unwrap_or(0) + c2;
                    Add(x, Box::new(Const(c)))
                }
                (x, y) => x.add(y),
            },
            Mul(a, b) => match (a.simplify(), b.simplify()) {
                (Const(x), Const(y)) if x.checked_mul(y).is_some() => Const(x * y),
                (x, Const(1)) | (Const(1), x) => x,
                (_, Const(0)) | (Const(0), _) => Const(0),
                (Const(c), x) if x.as_const().is_none() => x.mul(c).simplify(),
                (Mul(x, c1), Const(c2)) if c1.as_const().and_then(|c1| c1.checked_mul(c2)).is_some() => {
                    let c = c1.as_const().unwrap_or(1) * c2;
                    Mul(x, Box::new(Const(c)))
                }
                (x, y) => x.mul(y),
            },
            FloorDiv(a, b) => match (a.simplify(), b.simplify()) {
                (Const(x), Const(y)) if y != 0 => Const(x / y),
                (x, Const(1)) => x,
                (FloorDiv(x, c1), Const(c2))
                    if c2 != 0 && c1.as_const().is_some_and(|c1| c1 != 0 && c1.checked_mul(c2).is_some()) =>
                {
                    let c = c1.as_const().unwrap_or(1) * c2;
                    FloorDiv(x, Box::new(Const(c)))
                }
                (x, y) => x.floor_div(y),
            },
            Min(a, b) => match (a.simplify(), b.simplify()) {
                (Const(x), Const(y)) => Const(x.min(y)),
                (_, Const(0)) | (Const(0), _) => Const(0),
                (x, y) if x == y => x,
                (Const(c), x) => x.min(c),
                (x, y) => x.min(y),
            },
        }
    }

    /// The value, given the value of every dim (`values[d.index()]` for dim `d` of `dims`).
    ///
    /// Errors on a dim without a value, a division by zero, or an overflow of `u64`.
    pub fn eval(&self, dims: &Arena<Dim>, values: &[u64]) -> Result<u64, KirError> {
        let fail = |message: &str| KirError::Eval {
            extent: self.display(dims).to_string(),
            message: message.to_string(),
        };
        let two = |a: &Extent, b: &Extent| Ok::<_, KirError>((a.eval(dims, values)?, b.eval(dims, values)?));
        match self {
            Extent::Const(c) => Ok(*c),
            Extent::Dim(d) => values.get(d.index()).copied().ok_or_else(|| KirError::UnknownDim {
                at: format!("extent `{}`", self.display(dims)),
                dim: dim_name(dims, *d),
            }),
            Extent::Add(a, b) => {
                let (x, y) = two(a, b)?;
                x.checked_add(y).ok_or_else(|| fail("the sum overflows u64"))
            }
            Extent::Mul(a, b) => {
                let (x, y) = two(a, b)?;
                x.checked_mul(y).ok_or_else(|| fail("the product overflows u64"))
            }
            Extent::FloorDiv(a, b) => {
                let (x, y) = two(a, b)?;
                x.checked_div(y).ok_or_else(|| fail("division by zero"))
            }
            Extent::Min(a, b) => {
                let (x, y) = two(a, b)?;
                Ok(x.min(y))
            }
        }
    }

    /// The largest value over all dim values up to their bounds (dims are at least 0); `None`
    /// when a dim is unknown or undeclared, or the bound overflows `u64`.
    pub fn upper_bound(&self, dims: &Arena<Dim>) -> Option<u64> {
        match self {
            Extent::Const(c) => Some(*c),
            Extent::Dim(d) => dims.get(*d)?.decl.map(|decl| decl.bound),
            Extent::Add(a, b) => a.upper_bound(dims)?.checked_add(b.upper_bound(dims)?),
            Extent::Mul(a, b) => a.upper_bound(dims)?.checked_mul(b.upper_bound(dims)?),
            Extent::FloorDiv(a, b) => Some(a.upper_bound(dims)? / b.lower_bound(dims)?.max(1)),
            Extent::Min(a, b) => Some(a.upper_bound(dims)?.min(b.upper_bound(dims)?)),
        }
    }

    /// The smallest value over all dim values (each dim at 0); `None` for an unknown dim.
    pub fn lower_bound(&self, dims: &Arena<Dim>) -> Option<u64> {
        match self {
            Extent::Const(c) => Some(*c),
            Extent::Dim(d) => dims.get(*d).map(|_| 0),
            Extent::Add(a, b) => Some(a.lower_bound(dims)?.saturating_add(b.lower_bound(dims)?)),
            Extent::Mul(a, b) => Some(a.lower_bound(dims)?.saturating_mul(b.lower_bound(dims)?)),
            Extent::FloorDiv(a, b) => match b.upper_bound(dims) {
                Some(0) | None => Some(0),
                Some(ub) => Some(a.lower_bound(dims)? / ub),
            },
            Extent::Min(a, b) => Some(a.lower_bound(dims)?.min(b.lower_bound(dims)?)),
        }
    }

    /// The text form, with dims named from `dims`.
    pub fn display<'a>(&'a self, dims: &'a Arena<Dim>) -> ExtentDisplay<'a> {
        ExtentDisplay { extent: self, dims }
    }

    fn level(&self) -> u8 {
        match self {
            Extent::Add(..) => 0,
            Extent::Mul(..) | Extent::FloorDiv(..) => 1,
            _ => 2,
        }
    }
}

/// A dim's name, or `#index` for a handle that is not in `dims`.
pub(crate) fn dim_name(dims: &Arena<Dim>, d: Handle<Dim>) -> String {
    dims.get(d)
        .map_or_else(|| format!("#{}", d.index()), |dim| dim.name.clone())
}

/// [`Extent::display`].
pub struct ExtentDisplay<'a> {
    extent: &'a Extent,
    dims: &'a Arena<Dim>,
}

impl ExtentDisplay<'_> {
    fn write(&self, f: &mut fmt::Formatter<'_>, e: &Extent, min_level: u8) -> fmt::Result {
        if e.level() < min_level {
            f.write_str("(")?;
            self.write(f, e, 0)?;
            return f.write_str(")");
        }
        match e {
            Extent::Const(c) => write!(f, "{c}"),
            Extent::Dim(d) => match self.dims.get(*d) {
                Some(dim) => f.write_str(&dim.name),
                None => write!(f, "<bad dim #{}>", d.index()),
            },
            Extent::Add(a, b) => {
                self.write(f, a, 0)?;
                f.write_str(" + ")?;
                self.write(f, b, 1)
            }
            Extent::Mul(a, b) | Extent::FloorDiv(a, b) => {
                self.write(f, a, 1)?;
                f.write_str(if matches!(e, Extent::Mul(..)) { " * " } else { " / " })?;
                self.write(f, b, 2)
            }
            Extent::Min(a, b) => {
                f.write_str("min(")?;
                self.write(f, a, 0)?;
                f.write_str(", ")?;
                self.write(f, b, 0)?;
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for ExtentDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, self.extent, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> (Arena<Dim>, Handle<Dim>, Handle<Dim>) {
        let mut a = Arena::new();
        let decl = |bound, slot| Some(DimDecl { bound, slot });
        let seq = a.append(Dim {
            name: "seq".into(),
            decl: decl(512, 0),
        });
        let n = a.append(Dim {
            name: "n".into(),
            decl: decl(64, 1),
        });
        (a, seq, n)
    }

    #[test]
    fn folds_constants() {
        let c = Extent::Const;
        assert_eq!(c(2).mul(3).add(4).simplify(), c(10));
        assert_eq!(c(7).floor_div(2).simplify(), c(3));
        assert_eq!(c(7).min(c(2).add(3)).simplify(), c(5));
        let (_, seq, _) = dims();
        let s = Extent::Dim(seq);
        assert_eq!(s.clone().add(0).simplify(), s);
        assert_eq!(c(0).add(s.clone()).mul(1).floor_div(1).simplify(), s);
        assert_eq!(s.clone().mul(0).simplify(), c(0));
        assert_eq!(s.clone().min(s.clone()).simplify(), s);
        assert_eq!(s.clone().min(0).simplify(), c(0));
        assert_eq!(c(3).add(s.clone()).simplify(), s.clone().add(3));
        assert_eq!(s.clone().add(2).add(3).simplify(), s.clone().add(5));
        assert_eq!(c(2).mul(s.clone()).mul(4).simplify(), s.clone().mul(8));
        assert_eq!(s.clone().floor_div(2).floor_div(3).simplify(), s.clone().floor_div(6));
        assert_eq!(
            c(1).floor_div(0).simplify(),
            c(1).floor_div(0),
            "division by zero stays"
        );
        assert_eq!(c(u64::MAX).add(1).simplify(), c(u64::MAX).add(1), "overflow stays");
        assert_eq!(s.clone().mul(8).ceil_div(64), s.mul(8).add(63).floor_div(64));
    }

    #[test]
    fn evaluates_and_bounds() {
        let (a, seq, n) = dims();
        let e = Extent::Dim(seq).mul(8).ceil_div(64);
        assert_eq!(e.display(&a).to_string(), "(seq * 8 + 63) / 64");
        assert_eq!(e.eval(&a, &[100, 3]), Ok(13));
        assert_eq!(e.upper_bound(&a), Some(64));
        let m = Extent::Dim(seq).min(Extent::Dim(n).add(1));
        assert_eq!(m.display(&a).to_string(), "min(seq, n + 1)");
        assert_eq!(m.eval(&a, &[100, 3]), Ok(4));
        assert_eq!(m.upper_bound(&a), Some(65));
        let d = Extent::Const(1000).floor_div(Extent::Dim(n).add(1));
        assert_eq!(d.upper_bound(&a), Some(1000));
        assert_eq!(d.lower_bound(&a), Some(15));
    }

    #[test]
    fn eval_errors() {
        let (a, seq, n) = dims();
        let err = Extent::Dim(n).add(1).eval(&a, &[4]).unwrap_err();
        assert!(matches!(&err, KirError::UnknownDim { dim, .. } if dim == "n"), "{err}");
        let bad = Extent::Dim(Handle::new(9));
        assert!(bad
            .eval(&a, &[1, 2])
            .unwrap_err()
            .to_string()
            .contains("unknown dim `#9`"));
        assert_eq!(bad.upper_bound(&a), None);
        let z = Extent::Dim(seq).floor_div(Extent::Dim(n));
        assert!(z
            .eval(&a, &[5, 0])
            .unwrap_err()
            .to_string()
            .contains("division by zero"));
        let o = Extent::Dim(seq).mul(u64::MAX);
        assert!(o.eval(&a, &[2, 0]).unwrap_err().to_string().contains("overflows"));
    }

    #[test]
    fn prints_the_tree() {
        let (a, seq, n) = dims();
        let (s, m) = (Extent::Dim(seq), Extent::Dim(n));
        assert_eq!(s.clone().add(m.clone().add(1)).display(&a).to_string(), "seq + (n + 1)");
        assert_eq!(s.clone().mul(m.clone().mul(2)).display(&a).to_string(), "seq * (n * 2)");
        assert_eq!(
            s.clone().floor_div(m.clone()).mul(2).display(&a).to_string(),
            "seq / n * 2"
        );
        assert_eq!(s.mul(2).floor_div(m).display(&a).to_string(), "seq * 2 / n");
    }
}
