//! The one error type of encoding and decoding.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Expected, Unexpected};

/// A parse, data or encoding error: a message and, for errors found in the input, the byte
/// offset where it was found.
///
/// One pointer wide: every `?` in the decoding code moves a `Result`, and a wide error made
/// that code twice the size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    msg: Cow<'static, str>,
    offset: Option<usize>,
}

impl Error {
    /// An error at byte `offset` of the input.
    #[cold]
    pub(crate) fn at(msg: &'static str, offset: usize) -> Self {
        Error(Box::new(Inner { msg: Cow::Borrowed(msg), offset: Some(offset) }))
    }

    /// An error with no position (encoding errors).
    #[cold]
    pub(crate) fn msg(msg: &'static str) -> Self {
        Error(Box::new(Inner { msg: Cow::Borrowed(msg), offset: None }))
    }

    /// Gives a position to an error raised by a `Deserialize` impl, which cannot know it.
    pub(crate) fn or_at(mut self, offset: usize) -> Self {
        self.0.offset = self.0.offset.or(Some(offset));
        self
    }

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.0.msg
    }

    /// The byte offset in the input, for errors found while decoding.
    pub fn offset(&self) -> Option<usize> {
        self.0.offset
    }

    #[cold]
    fn owned(msg: String) -> Self {
        Error(Box::new(Inner { msg: Cow::Owned(msg), offset: None }))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.msg)?;
        match self.0.offset {
            Some(offset) => write!(f, " at byte {offset}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for Error {}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::owned(msg.to_string())
    }

    // serde's defaults print `Unexpected` with its `Display`, whose `Float` arm would link
    // core's float formatting into the bundle.
    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::owned(describe("invalid type: ", unexp, exp))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        Error::owned(describe("invalid value: ", unexp, exp))
    }
}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::owned(msg.to_string())
    }
}

/// `"{prefix}{unexp}, expected {exp}"`, never formatting a float.
fn describe(prefix: &str, unexp: Unexpected<'_>, exp: &dyn Expected) -> String {
    let mut s = String::from(prefix);
    match unexp {
        Unexpected::Bool(b) => s.push_str(if b { "boolean `true`" } else { "boolean `false`" }),
        Unexpected::Unsigned(n) => {
            s.push_str("integer `");
            crate::ser::push_u64(&mut s, n);
            s.push('`');
        }
        Unexpected::Signed(n) => {
            s.push_str(if n < 0 { "integer `-" } else { "integer `" });
            crate::ser::push_u64(&mut s, n.unsigned_abs());
            s.push('`');
        }
        Unexpected::Char(c) => {
            s.push_str("character `");
            s.push(c);
            s.push('`');
        }
        Unexpected::Str(text) => {
            s.push_str("string \"");
            s.push_str(text);
            s.push('"');
        }
        other => s.push_str(match other {
            Unexpected::Float(_) => "a number",
            Unexpected::Bytes(_) => "byte array",
            Unexpected::Unit => "null",
            Unexpected::Option => "option",
            Unexpected::NewtypeStruct => "newtype struct",
            Unexpected::Seq => "array",
            Unexpected::Map => "object",
            Unexpected::Enum => "enum",
            Unexpected::UnitVariant => "unit variant",
            Unexpected::NewtypeVariant => "newtype variant",
            Unexpected::TupleVariant => "tuple variant",
            Unexpected::StructVariant => "struct variant",
            Unexpected::Other(other) => other,
            _ => "a value",
        }),
    }
    // `Expected` can only be written through a formatter; it is text, never a float.
    let _ = fmt::Write::write_fmt(&mut s, format_args!(", expected {exp}"));
    s
}
