//! A serde `Deserializer` over JSON text: what [`super::write`] writes (and serde_json) reads
//! back. Integers are `u64` or `i64` (beyond them, `f64`), other numbers `f64` parsed exactly;
//! enums are a string or a one-member object; map keys are strings, parsed when the key type
//! asks for a number or a `bool`. Nesting is bounded, so hostile input cannot overflow the stack.

use std::borrow::Cow;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::Error;

/// Deeper than anything perf-runtime writes, as serde_json's limit.
const MAX_DEPTH: usize = 128;

/// The value `bytes` holds; nothing but whitespace may follow it.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut reader = Reader { text: bytes, at: 0, depth: 0 };
    let value = T::deserialize(&mut reader)?;
    reader.skip_space();
    if reader.at < bytes.len() {
        return Err(reader.error("trailing characters"));
    }
    Ok(value)
}

struct Reader<'de> {
    text: &'de [u8],
    at: usize,
    depth: usize,
}

impl<'de> Reader<'de> {
    fn error(&self, what: &str) -> Error {
        Error::new(format_args!("{what} at byte {}", self.at))
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Result<u8, Error> {
        self.skip_space();
        self.text.get(self.at).copied().ok_or_else(|| self.error("unexpected end"))
    }

    fn expect(&mut self, byte: u8) -> Result<(), Error> {
        if self.peek()? != byte {
            return Err(self.error(&format!("expected `{}`", byte as char)));
        }
        self.at += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), Error> {
        if !self.text[self.at..].starts_with(word) {
            return Err(self.error("expected a value"));
        }
        self.at += word.len();
        Ok(())
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deep"));
        }
        Ok(())
    }

    /// A string, after its opening quote: borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'de, str>, Error> {
        let start = self.at;
        let mut owned: Option<Vec<u8>> = None;
        let mut run = start;
        loop {
            let Some(&b) = self.text.get(self.at) else {
                return Err(self.error("unterminated string"));
            };
            match b {
                b'"' => {
                    let tail = &self.text[run..self.at];
                    self.at += 1;
                    return match owned {
                        None => std::str::from_utf8(tail)
                            .map(Cow::Borrowed)
                            .map_err(|_| self.error("invalid UTF-8")),
                        Some(mut buf) => {
                            buf.extend_from_slice(tail);
                            String::from_utf8(buf)
                                .map(Cow::Owned)
                                .map_err(|_| self.error("invalid UTF-8"))
                        }
                    };
                }
                b'\\' => {
                    let buf = owned.get_or_insert_with(Vec::new);
                    buf.extend_from_slice(&self.text[run..self.at]);
                    self.at += 1;
                    let escaped = self.text.get(self.at).copied();
                    self.at += 1;
                    match escaped {
                        Some(b'"') => buf.push(b'"'),
                        Some(b'\\') => buf.push(b'\\'),
                        Some(b'/') => buf.push(b'/'),
                        Some(b'b') => buf.push(0x08),
                        Some(b'f') => buf.push(0x0c),
                        Some(b'n') => buf.push(b'\n'),
                        Some(b'r') => buf.push(b'\r'),
                        Some(b't') => buf.push(b'\t'),
                        Some(b'u') => {
                            let c = self.unicode_escape()?;
                            buf.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                    run = self.at;
                }
                0..=0x1f => return Err(self.error("control character in string")),
                _ => self.at += 1,
            }
        }
    }

    /// The char of `\uXXXX` (after the `u`), joining a surrogate pair.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let high = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&high) {
            if !self.text[self.at..].starts_with(b"\\u") {
                return Err(self.error("lone surrogate"));
            }
            self.at += 2;
            let low = self.hex4()?;
            if !(0xdc00..0xe000).contains(&low) {
                return Err(self.error("lone surrogate"));
            }
            0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("lone surrogate"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("bad \\u"))?;
        let digits = std::str::from_utf8(digits).map_err(|_| self.error("bad \\u"))?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("bad \\u"))?;
        self.at += 4;
        Ok(code)
    }

    /// An `i128` or `u128`, which a `u64`, `i64` or `f64` would not hold exactly.
    fn wide_integer<T: std::str::FromStr>(&mut self) -> Result<T, Error> {
        self.skip_space();
        let start = self.at;
        while let Some(b'0'..=b'9' | b'-') = self.text.get(self.at) {
            self.at += 1;
        }
        let text = std::str::from_utf8(&self.text[start..self.at]).expect("ASCII");
        text.parse().map_err(|_| self.error("invalid integer"))
    }

    /// A number, given to the visitor as `u64`, `i64` or `f64`.
    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let start = self.at;
        let mut integer = true;
        while let Some(&b) = self.text.get(self.at) {
            match b {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => integer = false,
                _ => break,
            }
            self.at += 1;
        }
        // Only ASCII was taken.
        let text = std::str::from_utf8(&self.text[start..self.at]).expect("ASCII");
        let digits = text.strip_prefix('-').unwrap_or(text);
        let well_formed = digits.starts_with(|c: char| c.is_ascii_digit())
            && !(digits.len() > 1
                && digits.starts_with('0')
                && digits.as_bytes()[1].is_ascii_digit());
        if !well_formed {
            return Err(self.error("invalid number"));
        }
        if integer {
            if text.starts_with('-') {
                if let Ok(v) = text.parse::<i64>() {
                    return visitor.visit_i64(v);
                }
            } else if let Ok(v) = text.parse::<u64>() {
                return visitor.visit_u64(v);
            }
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => visitor.visit_f64(v),
            _ => Err(self.error("invalid number")),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            b'n' => {
                self.literal(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.literal(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                visitor.visit_bool(false)
            }
            b'"' => {
                self.at += 1;
                match self.string()? {
                    Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                    Cow::Owned(s) => visitor.visit_string(s),
                }
            }
            b'[' => {
                self.at += 1;
                self.enter()?;
                let value = visitor.visit_seq(Elements { reader: &mut *self, first: true })?;
                self.expect(b']')?;
                self.depth -= 1;
                Ok(value)
            }
            b'{' => {
                self.at += 1;
                self.enter()?;
                let value = visitor.visit_map(Members { reader: &mut *self, first: true })?;
                self.expect(b'}')?;
                self.depth -= 1;
                Ok(value)
            }
            b'-' | b'0'..=b'9' => self.number(visitor),
            _ => Err(self.error("expected a value")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek()? == b'n' {
            self.literal(b"null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let name = self.string()?.into_owned();
                visitor.visit_enum(name.into_deserializer())
            }
            b'{' => {
                self.at += 1;
                self.enter()?;
                let value = visitor.visit_enum(Variant { reader: &mut *self })?;
                self.expect(b'}')?;
                self.depth -= 1;
                Ok(value)
            }
            _ => Err(self.error("expected an enum")),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_i128(self.wide_integer()?)
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_u128(self.wide_integer()?)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string bytes byte_buf
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// The elements of an array, after its `[`.
struct Elements<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Elements<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.reader.peek()? {
            b']' => return Ok(None),
            b',' if !self.first => self.reader.at += 1,
            _ if self.first => {}
            _ => return Err(self.reader.error("expected `,` or `]`")),
        }
        self.first = false;
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

/// The members of an object, after its `{`.
struct Members<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Members<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.reader.peek()? {
            b'}' => return Ok(None),
            b',' if !self.first => self.reader.at += 1,
            _ if self.first => {}
            _ => return Err(self.reader.error("expected `,` or `}`")),
        }
        self.first = false;
        self.reader.expect(b'"')?;
        let key = self.reader.string()?;
        self.reader.expect(b':')?;
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }
}

/// `{"Variant": value}`, after its `{`.
struct Variant<'a, 'de> {
    reader: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: de::DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        self.reader.expect(b'"')?;
        let name = self.reader.string()?;
        self.reader.expect(b':')?;
        Ok((seed.deserialize(Key(name))?, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(&mut *self.reader)
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.reader)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.reader, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_any(&mut *self.reader, visitor)
    }
}

/// An object's key: a string, or the number or `bool` the key type asks for, written as one.
struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    fn parse<T: std::str::FromStr>(&self) -> Result<T, Error> {
        self.0.parse().map_err(|_| Error::new(format_args!("invalid key `{}`", self.0)))
    }
}

macro_rules! parsed_keys {
    ($($method:ident $visit:ident $ty:ty,)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse::<$ty>()?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    parsed_keys! {
        deserialize_bool visit_bool bool,
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128,
        deserialize_f32 visit_f32 f32,
        deserialize_f64 visit_f64 f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_owned().into_deserializer())
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}
