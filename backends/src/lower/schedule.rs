//! Choosing a dispatch's schedule: the schedule source first, then the problem's default, and
//! the problem's fit rule over either.

use super::problem::Problem;
use edgecc_autotune::{DeviceCaps, ProblemKey, Schedule, ScheduleOrigin, ScheduleSource};

/// A dispatch's problem key and the schedule it is compiled with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub key: ProblemKey,
    pub schedule: Schedule,
    pub origin: ScheduleOrigin,
}

/// The schedule of `problem` on `caps`: the one `source` fixes for its key, else the default.
/// A fixed schedule that does not fit is an error (the caller names the kernel); a default
/// that does not fit means the problem is too large for the device, and is an error too.
pub fn choose(source: &ScheduleSource, caps: &DeviceCaps, problem: &Problem) -> Result<Chosen, String> {
    let key = problem.key();
    let (schedule, origin) = source.choose(&key, || problem.default_schedule(caps));
    if let Err(e) = problem.check(&schedule, caps) {
        return Err(match origin {
            ScheduleOrigin::Fixed => format!("the schedule fixed for problem `{key}` (`{schedule}`) does not fit: {e}"),
            ScheduleOrigin::Default => format!("no schedule of problem `{key}` fits the device: {e}"),
        });
    }
    Ok(Chosen { key, schedule, origin })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lower::problem::{GemmProblem, Layout};
    use edgecc_ir::DType;

    #[test]
    fn fixed_schedules_are_checked() {
        let caps = edgecc_autotune::profile("lavapipe").unwrap();
        let p = Problem::Gemm(GemmProblem {
            batch: 1,
            m: 64,
            n: 64,
            k: 64,
            dtype: DType::F32,
            a: Layout::RowMajor,
            b: Layout::RowMajor,
        });
        let mut src = ScheduleSource::defaults();
        let c = choose(&src, &caps, &p).unwrap();
        assert_eq!(c.origin, ScheduleOrigin::Default);
        src.fix(p.key(), "gemm tile=32x32x8 reg=4x4 vec=1 stages=1".parse().unwrap())
            .unwrap();
        let c = choose(&src, &caps, &p).unwrap();
        assert_eq!(c.origin, ScheduleOrigin::Fixed);
        assert_eq!(c.schedule.to_string(), "gemm tile=32x32x8 reg=4x4 vec=1 stages=1");
        src.fix(p.key(), "gemm tile=64x64x8 reg=1x1 vec=1 stages=1".parse().unwrap())
            .unwrap();
        let e = choose(&src, &caps, &p).unwrap_err();
        assert!(
            e.contains("fixed for problem `gemm.f32.b1.m64.n64.k64.a=mk.b=kn`"),
            "{e}"
        );
        assert!(e.contains("invocations"), "{e}");
    }
}
