//! Printing resources the way NetApp's Python library prints them.

use std::fmt;
use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

use crate::resource::{Resource, fields_json};

/// JSON with `", "` and `": "` between items, as Python's `json.dumps`.
struct PythonStyle;

impl Formatter for PythonStyle {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }
}

/// `value` as one line of JSON in Python's spacing.
pub(crate) fn python_json<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonStyle);
    value.serialize(&mut serializer)?;
    // serde_json writes valid UTF-8.
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Prints `Name({"field": value, ...})`: the fields that are set, by wire name in
/// sorted order, secrets as `*********`.
pub fn fmt_resource<R: Resource>(resource: &R, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let fields = fields_json(resource, None, false).map_err(|_| fmt::Error)?;
    let text = python_json(&fields).map_err(|_| fmt::Error)?;
    write!(f, "{}({text})", R::NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_spacing_and_sorted_keys() {
        let value = serde_json::json!({"url": "u", "a": [1, 2], "_links": {"self": {"href": "/x"}}});
        assert_eq!(
            python_json(&value).unwrap(),
            r#"{"_links": {"self": {"href": "/x"}}, "a": [1, 2], "url": "u"}"#
        );
    }
}
