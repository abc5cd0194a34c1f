//! Index arithmetic as WGSL `i32` expressions: flattening a multi-index to a row-major offset
//! and back, with extent-1 axes and constant indices simplified away.

/// Whether `e` is the literal `0`.
pub fn is_zero(e: &str) -> bool {
    e == "0"
}

/// `a * b` for index expressions, with the trivial cases folded.
pub fn mul(a: &str, b: u64) -> String {
    match (a, b) {
        ("0", _) | (_, 0) => "0".into(),
        (_, 1) => a.to_string(),
        _ => format!("({a} * {b})"),
    }
}

/// `a + b` for index expressions, with zeros folded.
pub fn add(a: &str, b: &str) -> String {
    if is_zero(a) {
        b.to_string()
    } else if is_zero(b) {
        a.to_string()
    } else {
        format!("({a} + {b})")
    }
}

/// The row-major offset of `idx` in a tensor of `shape` (`idx.len() == shape.len()`).
pub fn linearize(idx: &[String], shape: &[u64]) -> String {
    let mut acc = "0".to_string();
    for (i, (e, &d)) in idx.iter().zip(shape).enumerate() {
        if i > 0 {
            acc = mul(&acc, d);
        }
        if d != 1 {
            acc = add(&acc, e);
        }
    }
    acc
}

/// The multi-index of row-major offset `lin` (a variable name or expression) in `shape`.
pub fn delinearize(lin: &str, shape: &[u64]) -> Vec<String> {
    let n = shape.len();
    let mut out = vec!["0".to_string(); n];
    let mut stride = 1u64;
    for i in (0..n).rev() {
        let d = shape[i];
        if d != 1 {
            let div = if stride == 1 {
                lin.to_string()
            } else {
                format!("({lin} / {stride})")
            };
            let is_outer = shape[..i].iter().all(|&x| x == 1);
            // An extent of 0 makes the tensor empty (never indexed); `% 1` keeps the shader
            // valid where `% 0` would not be (naga refuses a constant division by zero).
            out[i] = if is_outer {
                div
            } else {
                format!("({div} % {})", d.max(1))
            };
        }
        stride = stride.saturating_mul(d.max(1));
    }
    out
}

/// The index into an operand of `in_shape` broadcast (numpy rules) to an output indexed by
/// `idx`: leading axes dropped, extent-1 axes read at 0.
pub fn broadcast(idx: &[String], in_shape: &[u64]) -> Vec<String> {
    let off = idx.len() - in_shape.len();
    in_shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if d == 1 { "0".to_string() } else { idx[off + i].clone() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn flatten_and_back() {
        assert_eq!(
            linearize(&s(&["a", "b", "c"]), &[2, 3, 4]),
            "((a * 3) + b) * 4 + c".replace("((a * 3) + b) * 4 + c", "((((a * 3) + b) * 4) + c)")
        );
        assert_eq!(linearize(&s(&["0", "b"]), &[1, 5]), "b");
        assert_eq!(
            delinearize("l", &[2, 3, 4]),
            s(&["(l / 12)", "((l / 4) % 3)", "(l % 4)"])
        );
        assert_eq!(delinearize("l", &[1, 4]), s(&["0", "l"]));
        assert_eq!(broadcast(&s(&["i", "j"]), &[1]), s(&["0"]));
        assert_eq!(broadcast(&s(&["i", "j"]), &[3, 1]), s(&["i", "0"]));
    }
}
