//! The cursor over JSON text: whitespace, literals, strings, integers, brackets, skipping.
//!
//! Plain methods, not generic, so each `Deserialize` type adds only its visitor glue.

use std::borrow::Cow;

use crate::{Error, MAX_DEPTH};

/// A number JSON text can hold that we accept: an integer, in `u64` or `i64`.
pub(crate) enum Integer {
    Unsigned(u64),
    Signed(i64),
}

/// A cursor over JSON text.
pub(crate) struct Deserializer<'de> {
    pub(crate) text: &'de str,
    pub(crate) pos: usize,
    pub(crate) depth: u32,
}

impl<'de> Deserializer<'de> {
    pub(crate) fn error(&self, msg: &'static str) -> Error {
        Error::at(msg, self.pos)
    }

    pub(crate) fn byte(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next byte after whitespace, not consumed.
    #[inline(never)]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.byte() {
            self.pos += 1;
        }
        self.byte()
    }

    #[inline(never)]
    pub(crate) fn colon(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            _ => Err(self.error("expected `:`")),
        }
    }

    #[inline(never)]
    pub(crate) fn literal(&mut self, word: &'static str) -> Result<(), Error> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    #[inline(never)]
    pub(crate) fn null(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'n') => self.literal("null"),
            _ => Err(self.error("expected null")),
        }
    }

    #[inline(never)]
    pub(crate) fn boolean(&mut self) -> Result<bool, Error> {
        match self.peek() {
            Some(b't') => self.literal("true").map(|()| true),
            Some(b'f') => self.literal("false").map(|()| false),
            _ => Err(self.error("expected a boolean")),
        }
    }

    /// Consumes `bracket` (`[` or `{`) and goes one level deeper.
    #[inline(never)]
    pub(crate) fn open(&mut self, bracket: u8, msg: &'static str) -> Result<(), Error> {
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
    pub(crate) fn seq_more(&mut self, first: &mut bool) -> Result<bool, Error> {
        self.more(first, b']', "expected `,` or `]`")
    }

    /// Whether another member follows in an object, its key next; consumes `,` or `}`.
    #[inline(never)]
    pub(crate) fn map_more(&mut self, first: &mut bool) -> Result<bool, Error> {
        if !self.more(first, b'}', "expected `,` or `}`")? {
            return Ok(false);
        }
        match self.peek() {
            Some(b'"') => Ok(true),
            _ => Err(self.error("expected a string key")),
        }
    }

    #[inline(never)]
    pub(crate) fn more(&mut self, first: &mut bool, close: u8, msg: &'static str) -> Result<bool, Error> {
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
    pub(crate) fn close(&mut self, first: bool, done: bool, close: u8) -> Result<(), Error> {
        let mut first = first;
        if done || !self.more(&mut first, close, "too many elements")? {
            return Ok(());
        }
        Err(self.error("too many elements"))
    }

    /// A string at the cursor, borrowed from the text when it has no escapes.
    #[inline(never)]
    pub(crate) fn string(&mut self) -> Result<Cow<'de, str>, Error> {
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
    pub(crate) fn escape(&mut self) -> Result<char, Error> {
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

    pub(crate) fn hex4(&mut self) -> Result<u32, Error> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.byte().and_then(|b| (b as char).to_digit(16));
            let digit = digit.ok_or_else(|| self.error("invalid escape"))?;
            value = value * 16 + digit;
            self.pos += 1;
        }
        Ok(value)
    }

    pub(crate) fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.byte() {
            self.pos += 1;
        }
        self.pos - start
    }

    #[inline(never)]
    pub(crate) fn integer(&mut self) -> Result<Integer, Error> {
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
    pub(crate) fn skip_number(&mut self) -> Result<(), Error> {
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
    pub(crate) fn skip_value(&mut self) -> Result<(), Error> {
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
