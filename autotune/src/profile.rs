//! Device profiles: `profiles/*.toml`, embedded at build time so the compiler needs no files at
//! run time. [`profile`] looks one up by name; [`match_adapter`] picks the profile whose
//! `adapter_match` substrings occur in an adapter's name (for `--target auto`).

use crate::caps::DeviceCaps;

/// A profile that is missing or does not parse.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown device profile `{name}`; known profiles: {known}")]
    Unknown { name: String, known: String },
    #[error("device profile `{file}`: {message}")]
    Invalid { file: String, message: String },
}

/// The embedded profile files: (file name, contents).
const PROFILES: &[(&str, &str)] = &[
    ("lavapipe.toml", include_str!("../profiles/lavapipe.toml")),
    ("adreno-740.toml", include_str!("../profiles/adreno-740.toml")),
    ("mali-g715.toml", include_str!("../profiles/mali-g715.toml")),
    ("apple-m2.toml", include_str!("../profiles/apple-m2.toml")),
    ("orin-nano.toml", include_str!("../profiles/orin-nano.toml")),
    ("agx-orin.toml", include_str!("../profiles/agx-orin.toml")),
    ("xavier-nx.toml", include_str!("../profiles/xavier-nx.toml")),
    ("h100.toml", include_str!("../profiles/h100.toml")),
];

/// Parses one profile file.
pub fn parse(file: &str, text: &str) -> Result<DeviceCaps, ProfileError> {
    toml::from_str(text).map_err(|e| ProfileError::Invalid {
        file: file.to_string(),
        message: e.to_string(),
    })
}

/// Every embedded profile.
pub fn all() -> Result<Vec<DeviceCaps>, ProfileError> {
    PROFILES.iter().map(|(f, t)| parse(f, t)).collect()
}

/// The names of the embedded profiles, in file order.
pub fn profile_names() -> Vec<String> {
    PROFILES
        .iter()
        .map(|(f, _)| f.trim_end_matches(".toml").to_string())
        .collect()
}

/// The profile called `name`.
pub fn profile(name: &str) -> Result<DeviceCaps, ProfileError> {
    for (file, text) in PROFILES {
        if file.trim_end_matches(".toml") == name {
            return parse(file, text);
        }
    }
    Err(ProfileError::Unknown {
        name: name.to_string(),
        known: profile_names().join(", "),
    })
}

/// The first profile whose `adapter_match` substrings occur in `adapter_name` (case-insensitive).
pub fn match_adapter(adapter_name: &str) -> Result<Option<DeviceCaps>, ProfileError> {
    let lower = adapter_name.to_lowercase();
    for caps in all()? {
        if caps.adapter_match.iter().any(|m| lower.contains(m.as_str())) {
            return Ok(Some(caps));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_parses_and_is_named_after_its_file() {
        for (file, text) in PROFILES {
            let caps = parse(file, text).unwrap();
            assert_eq!(caps.name, file.trim_end_matches(".toml"));
            assert!(caps.max_workgroup_invocations > 0 && caps.shared_memory_bytes > 0);
        }
    }

    #[test]
    fn lookup_and_matching() {
        assert_eq!(profile("lavapipe").unwrap().subgroup_size, 8);
        let err = profile("nope").unwrap_err().to_string();
        assert!(
            err.contains("unknown device profile `nope`") && err.contains("lavapipe"),
            "{err}"
        );
        assert_eq!(
            match_adapter("llvmpipe (LLVM 15.0.6, 256 bits)").unwrap().unwrap().name,
            "lavapipe"
        );
        assert!(match_adapter("Some Unknown GPU").unwrap().is_none());
    }

    #[test]
    fn bad_profile_is_an_error_naming_the_file() {
        let err = parse("x.toml", "name = 3").unwrap_err().to_string();
        assert!(err.starts_with("device profile `x.toml`"), "{err}");
    }
}
