//! Structure-aware mutations of `.edgebin` sections for the resealed property tests: JSON
//! mutations at the token level (so that key order and the compact form survive, and the
//! loader's deeper checks run instead of the canonical-form check), same-length edits of shader
//! text, and arbitrary edits of weight bytes.

/// A JSON token's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Num,
    /// `true`, `false`, `null`.
    Lit,
    Punct(u8),
}

#[derive(Clone, Copy, Debug)]
pub struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

/// Tokens of `json` (best effort: unknown bytes become one-byte punctuation tokens).
pub fn tokens(json: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < json.len() {
        let c = json[i];
        let start = i;
        let kind = match c {
            b' ' | b'\n' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'"' => {
                i += 1;
                while i < json.len() && json[i] != b'"' {
                    if json[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i = (i + 1).min(json.len());
                Kind::Str
            }
            b'-' | b'0'..=b'9' => {
                while i < json.len() && matches!(json[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
                    i += 1;
                }
                Kind::Num
            }
            b'a'..=b'z' => {
                while i < json.len() && json[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Kind::Lit
            }
            other => {
                i += 1;
                Kind::Punct(other)
            }
        };
        out.push(Token { kind, start, end: i });
    }
    out
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "4",
    "7",
    "8",
    "64",
    "255",
    "256",
    "257",
    "1024",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "1.5",
    "1e3",
    "-0",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"x\"",
    "\"f32\"",
    "\"f16\"",
    "\"i32\"",
    "\"i64\"",
    "\"bool\"",
    "\"u32\"",
    "\"i4\"",
    "\"own\"",
    "\"arena\"",
    "\"input\"",
    "\"output\"",
    "\"weight\"",
    "\"activation\"",
    "\"scratch\"",
    "\"static\"",
    "\"sym\"",
    "\"lavapipe\"",
    "\"adreno-740\"",
    "\"wgsl\"",
    "\"cuda\"",
    "\"nonsense_field\"",
    "\"\\u0078\"",
    "\"\\ud800\"",
];

/// The elements of the array or object opened by token `open` (a `[` or `{`): their token
/// ranges (start token index, end token index exclusive).
fn elements(toks: &[Token], open: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut elem_start = open + 1;
    for (j, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Punct(b'[') | Kind::Punct(b'{') => depth += 1,
            Kind::Punct(b']') | Kind::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    if j > elem_start {
                        out.push((elem_start, j));
                    }
                    return out;
                }
            }
            Kind::Punct(b',') if depth == 1 => {
                out.push((elem_start, j));
                elem_start = j + 1;
            }
            _ => {}
        }
    }
    out
}

/// Applies mutation `op` (chosen by `a`, `b`, `c`) to the JSON text `json`.
pub fn mutate_json(json: &[u8], op: u8, a: usize, b: usize, c: u64) -> Vec<u8> {
    let toks = tokens(json);
    if toks.is_empty() {
        return json.to_vec();
    }
    let pick = |kind: fn(Kind) -> bool, n: usize| -> Option<Token> {
        let of: Vec<&Token> = toks.iter().filter(|t| kind(t.kind)).collect();
        (!of.is_empty()).then(|| *of[n % of.len()])
    };
    let splice = |t: Token, with: &[u8]| -> Vec<u8> {
        let mut out = json[..t.start].to_vec();
        out.extend_from_slice(with);
        out.extend_from_slice(&json[t.end..]);
        out
    };
    match op % 8 {
        // A number becomes an interesting number (or a random one).
        0 => match pick(|k| k == Kind::Num, a) {
            Some(t) => {
                let v = if b.is_multiple_of(4) {
                    c.to_string()
                } else {
                    NUMBERS[b % NUMBERS.len()].to_string()
                };
                splice(t, v.as_bytes())
            }
            None => json.to_vec(),
        },
        // A number moves by one.
        1 => match pick(|k| k == Kind::Num, a) {
            Some(t) => {
                let n: u64 = std::str::from_utf8(&json[t.start..t.end]).unwrap().parse().unwrap_or(0);
                let v = if b.is_multiple_of(2) {
                    n.wrapping_add(1)
                } else {
                    n.wrapping_sub(1)
                };
                splice(t, v.to_string().as_bytes())
            }
            None => json.to_vec(),
        },
        // A string (a key or a value) becomes another string.
        2 => match pick(|k| k == Kind::Str, a) {
            Some(t) => {
                if b.is_multiple_of(3) {
                    let other = pick(|k| k == Kind::Str, c as usize).unwrap();
                    splice(t, &json[other.start..other.end])
                } else {
                    splice(t, STRINGS[b % STRINGS.len()].as_bytes())
                }
            }
            None => json.to_vec(),
        },
        // A literal flips, or a value changes its type.
        3 => match pick(|k| matches!(k, Kind::Lit | Kind::Num | Kind::Str), a) {
            Some(t) => {
                let text = &json[t.start..t.end];
                let with: &[u8] = match (text, b % 4) {
                    (b"true", 0) => b"false",
                    (b"false", 0) => b"true",
                    (_, 1) => b"null",
                    (_, 2) => b"[]",
                    (_, 3) => b"{}",
                    _ => b"true",
                };
                splice(t, with)
            }
            None => json.to_vec(),
        },
        // An array or object element is removed.
        4 | 5 => {
            let Some(open) = pick_open(&toks, a) else {
                return json.to_vec();
            };
            let elems = elements(&toks, open);
            if elems.is_empty() {
                return json.to_vec();
            }
            let (s, e) = elems[b % elems.len()];
            // Remove the element and one adjacent comma.
            let (from, to) = if e < toks.len() && toks[e].kind == Kind::Punct(b',') {
                (toks[s].start, toks[e].end)
            } else if s >= 1 && toks[s - 1].kind == Kind::Punct(b',') {
                (toks[s - 1].start, toks[e - 1].end)
            } else {
                (toks[s].start, toks[e - 1].end)
            };
            let mut out = json[..from].to_vec();
            out.extend_from_slice(&json[to..]);
            out
        }
        // An array or object element is duplicated (objects: a repeated key).
        6 => {
            let Some(open) = pick_open(&toks, a) else {
                return json.to_vec();
            };
            let elems = elements(&toks, open);
            if elems.is_empty() {
                return json.to_vec();
            }
            let (s, e) = elems[b % elems.len()];
            let text = &json[toks[s].start..toks[e - 1].end];
            let at = toks[e - 1].end;
            let mut out = json[..at].to_vec();
            out.push(b',');
            out.extend_from_slice(text);
            out.extend_from_slice(&json[at..]);
            out
        }
        // Two numbers swap values.
        _ => {
            let (Some(x), Some(y)) = (pick(|k| k == Kind::Num, a), pick(|k| k == Kind::Num, b)) else {
                return json.to_vec();
            };
            if x.start == y.start {
                return json.to_vec();
            }
            let (x, y) = if x.start < y.start { (x, y) } else { (y, x) };
            let mut out = json[..x.start].to_vec();
            out.extend_from_slice(&json[y.start..y.end]);
            out.extend_from_slice(&json[x.end..y.start]);
            out.extend_from_slice(&json[x.start..x.end]);
            out.extend_from_slice(&json[y.end..]);
            out
        }
    }
}

fn pick_open(toks: &[Token], n: usize) -> Option<usize> {
    let opens: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t.kind, Kind::Punct(b'[') | Kind::Punct(b'{')))
        .map(|(i, _)| i)
        .collect();
    (!opens.is_empty()).then(|| opens[n % opens.len()])
}

const SHADER_BYTES: &[u8] = b"0123456789abcdefxyzu(){}[];,.:<>=+-*/ \n@_";

/// A same-length edit of shader text: a digit becomes another digit, or any byte becomes a
/// byte of WGSL's alphabet (or, rarely, a byte that is not UTF-8).
pub fn mutate_shader(text: &[u8], op: u8, a: usize, b: usize) -> Vec<u8> {
    let mut out = text.to_vec();
    if out.is_empty() {
        return out;
    }
    match op % 3 {
        0 => {
            let digits: Vec<usize> = (0..out.len()).filter(|&i| out[i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                out[digits[a % digits.len()]] = b'0' + (b % 10) as u8;
            }
        }
        1 => {
            let i = a % out.len();
            out[i] = SHADER_BYTES[b % SHADER_BYTES.len()];
        }
        _ => {
            let i = a % out.len();
            out[i] = (b % 256) as u8;
        }
    }
    out
}

/// An edit of weight bytes: an overwrite (same length, so the result is still a valid binary
/// with other weights), or an insertion or deletion (a length the weight table does not match).
pub fn mutate_weights(bytes: &[u8], op: u8, a: usize, b: usize, c: u64) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        out.push(c as u8);
        return out;
    }
    let i = a % out.len();
    match op % 4 {
        0 | 1 => {
            let n = (b % 16 + 1).min(out.len() - i);
            for (k, byte) in out[i..i + n].iter_mut().enumerate() {
                *byte = (c >> (8 * (k % 8))) as u8;
            }
        }
        2 => {
            let n = b % 8 + 1;
            out.splice(i..i, std::iter::repeat_n(c as u8, n));
        }
        _ => {
            let n = (b % 8 + 1).min(out.len() - i);
            out.drain(i..i + n);
        }
    }
    out
}
