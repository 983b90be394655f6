//! Reading JSON text into serde values.
//!
//! The scanning is plain methods on `Deserializer`, not generic, so each `Deserialize` type
//! adds only its visitor glue to the bundle.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use crate::{Error, MAX_DEPTH};

pub(crate) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut de = Deserializer { text, pos: 0, depth: 0 };
    let value = T::deserialize(&mut de).map_err(|e| e.or_at(de.pos))?;
    match de.peek() {
        None => Ok(value),
        Some(_) => Err(de.error("trailing characters")),
    }
}

pub(crate) fn top_level_str(text: &str, key: &str) -> Result<Option<String>, Error> {
    let mut de = Deserializer { text, pos: 0, depth: 0 };
    de.open(b'{', "expected an object")?;
    let mut first = true;
    while de.map_more(&mut first)? {
        let name = de.string()?;
        de.colon()?;
        if name == key {
            if de.peek() == Some(b'"') {
                return Ok(Some(de.string()?.into_owned()));
            }
            return Ok(None);
        }
        de.skip_value()?;
    }
    Ok(None)
}

/// A number JSON text can hold that we accept: an integer, in `u64` or `i64`.
enum Integer {
    Unsigned(u64),
    Signed(i64),
}

/// A cursor over JSON text.
pub(crate) struct Deserializer<'de> {
    text: &'de str,
    pos: usize,
    depth: u32,
}

impl<'de> Deserializer<'de> {
    fn error(&self, msg: &'static str) -> Error {
        Error::at(msg, self.pos)
    }

    fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next byte after whitespace, not consumed.
    #[inline(never)]
    fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte() {
            self.pos += 1;
        }
        self.byte()
    }

    #[inline(never)]
    fn colon(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.error("expected `:`")),
        }
    }

    #[inline(never)]
    fn literal(&mut self, word: &'static str) -> Result<(), Error> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    #[inline(never)]
    fn null(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'n') => self.literal("null"),
            _ => Err(self.error("expected null")),
        }
    }

    #[inline(never)]
    fn boolean(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(self.error("expected a boolean")),
        }
    }

    /// Consumes `bracket` (`[` or `{`) and goes one level deeper.
    #[inline(never)]
    fn open(&mut self, bracket: u8, msg: &'static str) -> Result<(), Error> {
        if self.peek() != Some(bracket) {
            return Err(self.error(msg));
        }
        if self.depth >= MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    /// Whether another element follows in an array; consumes the `,` or the closing `]`.
    #[inline(never)]
    fn seq_more(&mut self, first: &mut bool) -> Result<bool, Error> {
        self.more(first, b']', "expected `,` or `]`")
    }

    /// Whether another member follows in an object, its key next; consumes `,` or `}`.
    #[inline(never)]
    fn map_more(&mut self, first: &mut bool) -> Result<bool, Error> {
        if !self.more(first, b'}', "expected `,` or `}`")? {
            return Ok(false);
        }
        match self.peek() {
            Some(b'"') => Ok(true),
            _ => Err(self.error("expected a string key")),
        }
    }

    #[inline(never)]
    fn more(&mut self, first: &mut bool, close: u8, msg: &'static str) -> Result<bool, Error> {
        let next = self.peek();
        if next == Some(close) {
            self.pos += 1;
            self.depth -= 1;
            return Ok(false);
        }
        if !std::mem::replace(first, false) {
            if next != Some(b',') {
                return Err(self.error(msg));
            }
            self.pos += 1;
        }
        Ok(true)
    }

    /// After a visitor is done with an array or object: it must have read to the end.
    #[inline(never)]
    fn close(&mut self, first: bool, done: bool, close: u8) -> Result<(), Error> {
        let mut first = first;
        if done || !self.more(&mut first, close, "too many elements")? {
            return Ok(());
        }
        Err(self.error("too many elements"))
    }

    /// A string at the cursor, borrowed from the text when it has no escapes.
    #[inline(never)]
    fn string(&mut self) -> Result<Cow<'de, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        self.pos += 1;
        let text = self.text;
        let mut owned: Option<String> = None;
        let mut run = self.pos;
        loop {
            match self.byte() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    let tail = &text[run..self.pos];
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&text[run..self.pos]);
                    self.pos += 1;
                    s.push(self.escape()?);
                    run = self.pos;
                }
                Some(0..=0x1f) => return Err(self.error("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The character of the escape after a `\`.
    fn escape(&mut self) -> Result<char, Error> {
        let c = self.byte().ok_or_else(|| self.error("unterminated string"))?;
        self.pos += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                let code = match unit {
                    0xd800..=0xdbff => {
                        if !self.text[self.pos..].starts_with("\\u") {
                            return Err(self.error("lone surrogate in escape"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xdc00..=0xdfff).contains(&low) {
                            return Err(self.error("lone surrogate in escape"));
                        }
                        0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00)
                    }
                    0xdc00..=0xdfff => return Err(self.error("lone surrogate in escape")),
                    unit => unit,
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid escape"))?
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.byte().and_then(|b| (b as char).to_digit(16));
            let digit = digit.ok_or_else(|| self.error("invalid escape"))?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.byte() {
            self.pos += 1;
        }
        self.pos - start
    }

    #[inline(never)]
    fn integer(&mut self) -> Result<Integer, Error> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            return Err(self.error("expected an integer"));
        }
        let negative = self.byte() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        let start = self.pos;
        let count = self.digits();
        let digits = &self.text[start..self.pos];
        if count == 0 || (count > 1 && digits.starts_with('0')) {
            return Err(Error::at("invalid number", start));
        }
        if let Some(b'.' | b'e' | b'E') = self.byte() {
            return Err(self.error("only integers are supported"));
        }
        let mut value: u64 = 0;
        for d in digits.bytes() {
            let next = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(d - b'0')));
            value = next.ok_or_else(|| Error::at("number out of range", start))?;
        }
        if !negative {
            return Ok(Integer::Unsigned(value));
        }
        if value > 1 << 63 {
            return Err(Error::at("number out of range", start));
        }
        Ok(Integer::Signed((value as i64).wrapping_neg()))
    }

    /// Passes over any number, fractions and exponents included, without reading it.
    fn skip_number(&mut self) -> Result<(), Error> {
        if self.byte() == Some(b'-') {
            self.pos += 1;
        }
        let start = self.pos;
        let count = self.digits();
        let mut ok = count == 1 || (count > 1 && self.text.as_bytes()[start] != b'0');
        if self.byte() == Some(b'.') {
            self.pos += 1;
            ok &= self.digits() > 0;
        }
        if let Some(b'e' | b'E') = self.byte() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.byte() {
                self.pos += 1;
            }
            ok &= self.digits() > 0;
        }
        if ok {
            Ok(())
        } else {
            Err(self.error("invalid number"))
        }
    }

    /// Passes over one value of any kind, checking that it is well formed.
    fn skip_value(&mut self) -> Result<(), Error> {
        let mut first = true;
        match self.peek() {
            Some(b'"') => self.string().map(drop),
            Some(b'n') => self.literal("null"),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'-' | b'0'..=b'9') => self.skip_number(),
            Some(b'[') => {
                self.open(b'[', "expected an array")?;
                while self.seq_more(&mut first)? {
                    self.skip_value()?;
                }
                Ok(())
            }
            Some(b'{') => {
                self.open(b'{', "expected an object")?;
                while self.map_more(&mut first)? {
                    self.string()?;
                    self.colon()?;
                    self.skip_value()?;
                }
                Ok(())
            }
            None => Err(self.error("unexpected end of input")),
            Some(_) => Err(self.error("expected a value")),
        }
    }
}

/// `deserialize_$ty` for integer types: every integer visitor takes `u64` and `i64`.
macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.integer()? {
                Integer::Unsigned(n) => visitor.visit_u64(n),
                Integer::Signed(n) => visitor.visit_i64(n),
            }
        }
    )*};
}

// Each typed method accepts only its own kind of value and calls one visitor method:
// forwarding to `deserialize_any` would instantiate every `visit_*` of every visitor
// (a derived struct's `visit_seq` among them), which tripled the decoding code.
impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'"') => self.deserialize_str(visitor),
            Some(b'n') => self.deserialize_unit(visitor),
            Some(b't' | b'f') => self.deserialize_bool(visitor),
            Some(b'-' | b'0'..=b'9') => self.deserialize_i64(visitor),
            Some(b'[') => self.deserialize_seq(visitor),
            Some(b'{') => self.deserialize_map(visitor),
            None => Err(self.error("unexpected end of input")),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_bool(self.boolean()?)
    }

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    // One `visit_str` per visitor: the borrowed and owned variants would each add a copy.
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(&self.string()?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek() == Some(b'n') {
            self.null()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.null()?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.open(b'[', "expected an array")?;
        let mut seq = Seq { de: self, first: true, done: false };
        let value = visitor.visit_seq(&mut seq)?;
        let (first, done) = (seq.first, seq.done);
        self.close(first, done, b']')?;
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(self, _name: &'static str, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.open(b'{', "expected an object")?;
        let mut map = Map { de: self, first: true, done: false };
        let value = visitor.visit_map(&mut map)?;
        let (first, done) = (map.first, map.done);
        self.close(first, done, b'}')?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    /// Unit variants only, as strings: the one enum shape our formats use.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string (only unit variants are supported)"));
        }
        let name = self.string()?;
        visitor.visit_enum(name.as_ref().into_deserializer())
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.skip_value()?;
        visitor.visit_unit()
    }
}

/// The elements of an array.
struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    done: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.done || !self.de.seq_more(&mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// The members of an object.
struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    done: bool,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.done || !self.de.map_more(&mut self.first)? {
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        self.de.colon()?;
        seed.deserialize(&mut *self.de)
    }
}
