//! The schedule source: where code generation gets each kernel's schedule.
//!
//! Code generation never calls a default itself: it builds the problem's key and asks the
//! source. A source answers with a schedule fixed for that key (tests, tuner trials, and the
//! tuning database's measured winners) or, when it has none, with the default derived from the
//! device capabilities, which the lowering computes for the problem. Whichever answers, the
//! schedule's fit rule ([`crate::GemmSchedule::check`] and the others) decides whether the
//! device can run it; a fixed schedule that does not fit is an error naming the kernel, never
//! silently replaced.

use crate::{ProblemKey, Schedule};
use std::collections::BTreeMap;

/// Schedules fixed per problem key, over the capability-derived defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleSource {
    fixed: BTreeMap<ProblemKey, Schedule>,
}

/// Where a chosen schedule came from (recorded per dispatch in a binary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScheduleOrigin {
    /// Derived from the device capabilities.
    Default,
    /// Fixed for this problem key by the source.
    Fixed,
}

impl ScheduleSource {
    /// The defaults only.
    pub fn defaults() -> ScheduleSource {
        ScheduleSource::default()
    }

    /// Fixes the schedule of problem `key`. Errors when the schedule's kind is not the key's
    /// (a GEMM schedule for an attention problem); a conv problem takes a GEMM schedule (it is an
    /// implicit GEMM), and row and top-k problems take reduce schedules.
    pub fn fix(&mut self, key: ProblemKey, schedule: Schedule) -> Result<(), String> {
        check_kind(&key, &schedule).map_err(|e| e.to_string())?;
        self.fixed.insert(key, schedule);
        Ok(())
    }

    /// Parses `KEY=SCHEDULE` (the text forms of [`ProblemKey`] and [`Schedule`], e.g.
    /// `gemm.f32.b1.m64.n64.k64.a=mk.b=kn=gemm tile=32x32x16 reg=4x4 vec=4 stages=1`: the key
    /// ends at the first `=` followed by a schedule kind) and fixes it.
    pub fn fix_text(&mut self, text: &str) -> Result<(), String> {
        let kinds = ["elementwise ", "gemm ", "reduce ", "attention "];
        let split = text
            .match_indices('=')
            .map(|(i, _)| i)
            .find(|&i| kinds.iter().any(|k| text[i + 1..].starts_with(k)))
            .ok_or_else(|| {
                format!("`{text}` is not KEY=SCHEDULE (e.g. KEY=gemm tile=32x32x16 reg=4x4 vec=4 stages=1)")
            })?;
        let key = ProblemKey::parse(text[..split].trim())?;
        let schedule: Schedule = text[split + 1..].parse()?;
        self.fix(key, schedule)
    }

    /// The schedule fixed for `key`, if any.
    pub fn fixed(&self, key: &ProblemKey) -> Option<&Schedule> {
        self.fixed.get(key)
    }

    /// The schedule for `key`: the fixed one, else `default()`; with where it came from.
    pub fn choose(&self, key: &ProblemKey, default: impl FnOnce() -> Schedule) -> (Schedule, ScheduleOrigin) {
        match self.fixed.get(key) {
            Some(s) => (s.clone(), ScheduleOrigin::Fixed),
            None => (default(), ScheduleOrigin::Default),
        }
    }

    /// Every fixed key with its schedule, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&ProblemKey, &Schedule)> {
        self.fixed.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.fixed.is_empty()
    }
}

/// Why a schedule cannot go with a problem key ([`check_kind`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindError {
    /// The key's kind is none this edgecc knows.
    UnknownProblemKind(ProblemKey),
    /// The schedule is not of the kind the problem takes.
    WrongScheduleKind {
        key: ProblemKey,
        want: &'static str,
        schedule: Schedule,
    },
}

impl std::fmt::Display for KindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KindError::UnknownProblemKind(key) => {
                write!(f, "problem key `{key}` is of an unknown kind `{}`", key.kind())
            }
            KindError::WrongScheduleKind { key, want, schedule } => {
                write!(f, "problem `{key}` takes a {want} schedule, not `{schedule}`")
            }
        }
    }
}

/// Checks that `schedule` is of the kind problem `key` takes (a conv problem takes a GEMM
/// schedule; row and top-k problems take reduce schedules).
pub fn check_kind(key: &ProblemKey, schedule: &Schedule) -> Result<(), KindError> {
    let want = schedule_kind_for(key.kind()).ok_or_else(|| KindError::UnknownProblemKind(key.clone()))?;
    if schedule.kind() != want {
        return Err(KindError::WrongScheduleKind {
            key: key.clone(),
            want,
            schedule: schedule.clone(),
        });
    }
    Ok(())
}

/// The schedule kind problems of `problem_kind` take.
pub fn schedule_kind_for(problem_kind: &str) -> Option<&'static str> {
    Some(match problem_kind {
        "gemm" | "conv" => "gemm",
        "row" | "topk" => "reduce",
        "attention" => "attention",
        "elementwise" => "elementwise",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_schedules_win_over_defaults() {
        let key = ProblemKey::parse("gemm.f32.b1.m64.n64.k64.a=mk.b=kn").unwrap();
        let mut src = ScheduleSource::defaults();
        let def = || Schedule::Elementwise { workgroup: 1 };
        assert_eq!(src.choose(&key, def).1, ScheduleOrigin::Default);
        src.fix_text("gemm.f32.b1.m64.n64.k64.a=mk.b=kn=gemm tile=32x32x16 reg=4x4 vec=4 stages=1")
            .unwrap();
        let (s, origin) = src.choose(&key, def);
        assert_eq!(origin, ScheduleOrigin::Fixed);
        assert_eq!(s.to_string(), "gemm tile=32x32x16 reg=4x4 vec=4 stages=1");
        let e = src
            .fix(key.clone(), Schedule::Elementwise { workgroup: 64 })
            .unwrap_err();
        assert!(e.contains("takes a gemm schedule"), "{e}");
        assert!(src.fix_text("gemm.f32.b1").unwrap_err().contains("KEY=SCHEDULE"));
        let bad_kind = ProblemKey::parse("warp.f32").unwrap();
        assert!(src.fix(bad_kind, Schedule::Elementwise { workgroup: 1 }).is_err());
    }
}
