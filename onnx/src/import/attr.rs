//! Typed access to a node's attributes. A missing attribute is `None` (the caller applies the
//! spec's default); one of the wrong type is an error naming it.

use crate::proto::attribute_proto::AttributeType;
use crate::proto::{AttributeProto, TensorProto};

/// A node's attributes, looked up by name (the first of duplicate names wins).
pub(crate) struct Attrs<'a> {
    list: &'a [AttributeProto],
}

fn kind(a: &AttributeProto) -> Option<AttributeType> {
    a.r#type.and_then(|t| AttributeType::try_from(t).ok())
}

impl<'a> Attrs<'a> {
    pub fn new(list: &'a [AttributeProto]) -> Self {
        Attrs { list }
    }

    pub fn get(&self, name: &str) -> Option<&'a AttributeProto> {
        self.list.iter().find(|a| a.name() == name)
    }

    fn wrong(name: &str, want: &str, a: &AttributeProto) -> String {
        let got = kind(a)
            .map(|k| k.as_str_name().to_string())
            .unwrap_or_else(|| "untyped".into());
        format!("attribute `{name}` must be {want}, got {got}")
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match (a.i, kind(a)) {
            (Some(i), None | Some(AttributeType::Int)) => Ok(Some(i)),
            (None, Some(AttributeType::Int)) => Ok(Some(0)),
            _ => Err(Self::wrong(name, "an int", a)),
        }
    }

    pub fn float(&self, name: &str) -> Result<Option<f32>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match (a.f, a.i, kind(a)) {
            (Some(f), _, None | Some(AttributeType::Float)) => Ok(Some(f)),
            (None, _, Some(AttributeType::Float)) => Ok(Some(0.0)),
            (None, Some(i), None | Some(AttributeType::Int)) => Ok(Some(i as f32)),
            _ => Err(Self::wrong(name, "a float", a)),
        }
    }

    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match kind(a) {
            Some(AttributeType::Ints) => Ok(Some(a.ints.clone())),
            None if a.floats.is_empty() && a.strings.is_empty() => Ok(Some(a.ints.clone())),
            _ => Err(Self::wrong(name, "a list of ints", a)),
        }
    }

    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match kind(a) {
            Some(AttributeType::Floats) => Ok(Some(a.floats.clone())),
            None if a.ints.is_empty() && a.strings.is_empty() => Ok(Some(a.floats.clone())),
            _ => Err(Self::wrong(name, "a list of floats", a)),
        }
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match (&a.s, kind(a)) {
            (Some(s), None | Some(AttributeType::String)) => Ok(Some(String::from_utf8_lossy(s).into_owned())),
            (None, Some(AttributeType::String)) => Ok(Some(String::new())),
            _ => Err(Self::wrong(name, "a string", a)),
        }
    }

    pub fn tensor(&self, name: &str) -> Result<Option<&'a TensorProto>, String> {
        let Some(a) = self.get(name) else { return Ok(None) };
        match (&a.t, kind(a)) {
            (Some(t), None | Some(AttributeType::Tensor)) => Ok(Some(t)),
            _ => Err(Self::wrong(name, "a tensor", a)),
        }
    }
}
