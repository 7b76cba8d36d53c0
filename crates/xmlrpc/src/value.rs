//! XML-RPC values: the types Python's `xmlrpc.client` reads and writes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

/// One XML-RPC value.
///
/// `Int` is `<int>`/`<i4>` (32 bits, the XML-RPC spec's range and all Python's `dumps` writes);
/// `I8` is the `<i8>` extension for 64-bit integers, which Python's client reads as `int`
/// (Supervisor 4.3.0's *server* reads it as a string). `Nil` is `<nil/>` (Python's
/// `allow_none`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>` / `<i4>`: a 32-bit signed integer.
    Int(i32),
    /// `<i8>`: a 64-bit signed integer.
    I8(i64),
    /// `<boolean>`: `0` or `1`.
    Bool(bool),
    /// `<string>`, or a `<value>` with text and no type element.
    String(String),
    /// `<double>`.
    Double(f64),
    /// `<dateTime.iso8601>` in Python's `YYYYMMDDTHH:MM:SS` form.
    DateTime(DateTime),
    /// `<base64>`: arbitrary bytes.
    Base64(Vec<u8>),
    /// `<array><data>…</data></array>`.
    Array(Vec<Value>),
    /// `<struct>`: named members in document order.
    Struct(Struct),
    /// `<nil/>`: Python's `None`.
    Nil,
}

impl Value {
    /// A `<string>` value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// A `<string>` from bytes that may not be UTF-8: invalid sequences become U+FFFD (the way
    /// log data is turned into text; spec Q32).
    pub fn string_lossy(bytes: &[u8]) -> Value {
        Value::String(String::from_utf8_lossy(bytes).into_owned())
    }

    /// An integer, as `<int>` when it fits 32 bits and `<i8>` otherwise.
    pub fn int(i: i64) -> Value {
        match i32::try_from(i) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::I8(i),
        }
    }

    /// A `<base64>` value.
    pub fn base64(bytes: impl Into<Vec<u8>>) -> Value {
        Value::Base64(bytes.into())
    }

    /// An `<array>` of the given items.
    pub fn array<I, T>(items: I) -> Value
    where
        I: IntoIterator<Item = T>,
        T: Into<Value>,
    {
        Value::Array(items.into_iter().map(Into::into).collect())
    }

    /// A `<struct>` of the given members (a repeated key keeps its first position and its last
    /// value, like a Python dict).
    pub fn structure<I, K, V>(members: I) -> Value
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<Value>,
    {
        Value::Struct(members.into_iter().collect())
    }

    /// The XML-RPC type name: `int`, `i8`, `boolean`, `string`, `double`, `dateTime.iso8601`,
    /// `base64`, `array`, `struct` or `nil`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::I8(_) => "i8",
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Array(_) => "array",
            Value::Struct(_) => "struct",
            Value::Nil => "nil",
        }
    }

    /// The integer, if this is an `Int`, or an `I8` that fits 32 bits.
    pub fn as_i32(&self) -> Option<i32> {
        match *self {
            Value::Int(i) => Some(i),
            Value::I8(i) => i32::try_from(i).ok(),
            _ => None,
        }
    }

    /// The integer, if this is an `Int` or an `I8`.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i64::from(i)),
            Value::I8(i) => Some(i),
            _ => None,
        }
    }

    /// The boolean, if this is a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The text, if this is a `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a `Double`.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Double(d) => Some(d),
            _ => None,
        }
    }

    /// The date and time, if this is a `DateTime`.
    pub fn as_datetime(&self) -> Option<DateTime> {
        match *self {
            Value::DateTime(d) => Some(d),
            _ => None,
        }
    }

    /// The bytes, if this is `Base64`.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Base64(b) => Some(b),
            _ => None,
        }
    }

    /// The items, if this is an `Array`.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is a `Struct`.
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Value::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is `Nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The text, if this is a `String`, without copying.
    pub fn into_string(self) -> Result<String, Value> {
        match self {
            Value::String(s) => Ok(s),
            other => Err(other),
        }
    }

    /// The items, if this is an `Array`, without copying.
    pub fn into_array(self) -> Result<Vec<Value>, Value> {
        match self {
            Value::Array(a) => Ok(a),
            other => Err(other),
        }
    }

    /// The members, if this is a `Struct`, without copying.
    pub fn into_struct(self) -> Result<Struct, Value> {
        match self {
            Value::Struct(s) => Ok(s),
            other => Err(other),
        }
    }
}

impl From<i32> for Value {
    fn from(i: i32) -> Value {
        Value::Int(i)
    }
}

impl From<i64> for Value {
    /// `<int>` when the number fits 32 bits, `<i8>` otherwise.
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

impl From<u32> for Value {
    /// `<int>` when the number fits 32 bits, `<i8>` otherwise.
    fn from(i: u32) -> Value {
        Value::int(i64::from(i))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Value {
        Value::Double(d)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<DateTime> for Value {
    fn from(d: DateTime) -> Value {
        Value::DateTime(d)
    }
}

impl From<Struct> for Value {
    fn from(s: Struct) -> Value {
        Value::Struct(s)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(items: Vec<T>) -> Value {
        Value::array(items)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` becomes `Nil`.
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Nil, Into::into)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Value {
        Value::Array(iter.into_iter().collect())
    }
}

/// The members of a `<struct>`, in document (insertion) order, like a Python dict.
///
/// Keys are unique when the struct was built with [`Struct::insert`], `collect()` or the
/// decoder; [`Struct::push`] skips the check for speed and leaves uniqueness to the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Struct {
    members: Vec<(String, Value)>,
}

/// Structs at most this long are de-duplicated by a linear scan; longer ones use a hash set, so
/// building a struct stays linear even for hostile inputs with many members.
const LINEAR_SCAN_MAX: usize = 16;

impl Struct {
    /// An empty struct.
    pub fn new() -> Struct {
        Struct::default()
    }

    /// An empty struct with room for `n` members.
    pub fn with_capacity(n: usize) -> Struct {
        Struct {
            members: Vec::with_capacity(n),
        }
    }

    /// Members from pairs, with Python dict semantics for repeated keys: the first position and
    /// the last value win. Linear time.
    pub fn from_pairs(pairs: Vec<(String, Value)>) -> Struct {
        if !has_duplicate_keys(&pairs) {
            return Struct { members: pairs };
        }
        let mut index: HashMap<String, usize> = HashMap::with_capacity(pairs.len());
        let mut members: Vec<(String, Value)> = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            match index.get(&k) {
                Some(&i) => members[i].1 = v,
                None => {
                    index.insert(k.clone(), members.len());
                    members.push((k, v));
                }
            }
        }
        Struct { members }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The value of the member named `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of the member named `key`, mutably.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Whether a member named `key` exists.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`: replaces an existing member in place (keeping its position) or
    /// appends a new one. Returns the replaced value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.get_mut(&key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.members.push((key, value));
                None
            }
        }
    }

    /// Appends a member without checking for an existing one with the same key (for writers
    /// that know their keys are distinct).
    pub fn push(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.members.push((key.into(), value.into()));
    }

    /// Builder form of [`Struct::insert`].
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Struct {
        self.insert(key, value);
        self
    }

    /// Removes the member named `key` and returns its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.members.iter().position(|(k, _)| k == key)?;
        Some(self.members.remove(i).1)
    }

    /// The member names in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| k.as_str())
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.members.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The members as a slice of pairs.
    pub fn members(&self) -> &[(String, Value)] {
        &self.members
    }

    /// The members as a vector of pairs.
    pub fn into_members(self) -> Vec<(String, Value)> {
        self.members
    }
}

fn has_duplicate_keys(pairs: &[(String, Value)]) -> bool {
    if pairs.len() <= LINEAR_SCAN_MAX {
        return pairs
            .iter()
            .enumerate()
            .any(|(i, (k, _))| pairs[..i].iter().any(|(other, _)| other == k));
    }
    let mut seen: HashSet<&str> = HashSet::with_capacity(pairs.len());
    !pairs.iter().all(|(k, _)| seen.insert(k.as_str()))
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Struct {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Struct {
        Struct::from_pairs(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl IntoIterator for Struct {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<'a> IntoIterator for &'a Struct {
    type Item = &'a (String, Value);
    type IntoIter = std::slice::Iter<'a, (String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

/// A `dateTime.iso8601` value: a calendar date and time without a time zone, as Python's
/// `xmlrpc.client` writes it (`20261125T15:20:00`, `%Y%m%dT%H:%M:%S` with a 4-digit year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

/// Why a date and time was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDateTime {
    /// The text is not `YYYYMMDDTHH:MM:SS`.
    #[error("expected YYYYMMDDTHH:MM:SS")]
    Format,
    /// A field is out of range (year 1–9999, a real day of the month, hour < 24, …).
    #[error("date or time field out of range")]
    OutOfRange,
}

impl DateTime {
    /// A date and time, checked the way Python's `datetime` checks them (year 1–9999, the
    /// day exists in that month, 24-hour clock, no leap seconds).
    pub fn new(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Result<DateTime, InvalidDateTime> {
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        if !valid {
            return Err(InvalidDateTime::OutOfRange);
        }
        Ok(DateTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Parses exactly `YYYYMMDDTHH:MM:SS` (what Supervisor's server accepts via `strptime`).
    pub fn parse(s: &str) -> Result<DateTime, InvalidDateTime> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 17
            && b[8] == b'T'
            && b[11] == b':'
            && b[14] == b':'
            && [0..8, 9..11, 12..14, 15..17]
                .into_iter()
                .all(|r| b[r].iter().all(u8::is_ascii_digit));
        if !shape_ok {
            return Err(InvalidDateTime::Format);
        }
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        };
        // Two-digit fields are at most 99, so the narrowing casts below cannot truncate.
        let two = |r: std::ops::Range<usize>| num(r) as u8;
        DateTime::new(
            num(0..4),
            two(4..6),
            two(6..8),
            two(9..11),
            two(12..14),
            two(15..17),
        )
    }

    /// The year (1–9999).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1–12).
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month (1–31).
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The hour (0–23).
    pub fn hour(&self) -> u8 {
        self.hour
    }

    /// The minute (0–59).
    pub fn minute(&self) -> u8 {
        self.minute
    }

    /// The second (0–59).
    pub fn second(&self) -> u8 {
        self.second
    }
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl FromStr for DateTime {
    type Err = InvalidDateTime;

    fn from_str(s: &str) -> Result<DateTime, InvalidDateTime> {
        DateTime::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_chooses_width() {
        assert_eq!(Value::int(5), Value::Int(5));
        assert_eq!(Value::int(i64::from(i32::MAX)), Value::Int(i32::MAX));
        assert_eq!(Value::int(i64::from(i32::MIN)), Value::Int(i32::MIN));
        assert_eq!(Value::int(1 << 31), Value::I8(1 << 31));
        assert_eq!(Value::from(u32::MAX), Value::I8(i64::from(u32::MAX)));
        assert_eq!(Value::I8(7).as_i32(), Some(7));
        assert_eq!(Value::I8(1 << 40).as_i32(), None);
        assert_eq!(Value::Int(-3).as_i64(), Some(-3));
    }

    #[test]
    fn accessors_and_type_names() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::Int(1), "int"),
            (Value::I8(1), "i8"),
            (Value::Bool(true), "boolean"),
            (Value::from("x"), "string"),
            (Value::Double(1.5), "double"),
            (
                Value::DateTime(DateTime::new(2026, 11, 25, 15, 20, 0).unwrap()),
                "dateTime.iso8601",
            ),
            (Value::base64(b"ab".to_vec()), "base64"),
            (Value::from(vec![1, 2]), "array"),
            (Value::structure([("a", 1)]), "struct"),
            (Value::Nil, "nil"),
        ];
        for (v, name) in &cases {
            assert_eq!(v.type_name(), *name);
        }
        assert_eq!(Value::Bool(true).as_bool(), Some(true));
        assert_eq!(Value::from("x").as_str(), Some("x"));
        assert_eq!(Value::Double(2.5).as_f64(), Some(2.5));
        assert_eq!(Value::base64(vec![1u8]).as_bytes(), Some(&[1u8][..]));
        assert_eq!(
            Value::from(vec!["a"]).as_array(),
            Some(&[Value::from("a")][..])
        );
        assert!(Value::Nil.is_nil());
        assert_eq!(Value::Int(1).as_str(), None);
        assert_eq!(Value::from("s").into_string(), Ok("s".to_owned()));
        assert_eq!(Value::Int(1).into_string(), Err(Value::Int(1)));
        assert_eq!(Value::from(None::<i32>), Value::Nil);
        assert_eq!(Value::from(Some(3)), Value::Int(3));
        assert_eq!(
            [Value::Int(1)].into_iter().collect::<Value>(),
            Value::Array(vec![Value::Int(1)])
        );
        assert_eq!(Value::string_lossy(b"a\xffb"), Value::from("a\u{FFFD}b"));
    }

    #[test]
    fn struct_keeps_order_and_dict_semantics() {
        let mut s = Struct::new().with("b", 1).with("a", 2);
        assert_eq!(s.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(s.insert("b", 3), Some(Value::Int(1)));
        assert_eq!(s.keys().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(s.get("b"), Some(&Value::Int(3)));
        assert!(s.contains_key("a"));
        assert_eq!(s.remove("a"), Some(Value::Int(2)));
        assert_eq!(s.len(), 1);
        assert!(!s.is_empty());

        let collected: Struct = [("x", 1), ("y", 2), ("x", 3)].into_iter().collect();
        assert_eq!(
            collected.members(),
            &[
                ("x".to_owned(), Value::Int(3)),
                ("y".to_owned(), Value::Int(2))
            ]
        );
    }

    #[test]
    fn struct_dedup_large_is_python_like() {
        let mut pairs: Vec<(String, Value)> =
            (0..100).map(|i| (format!("k{i}"), Value::Int(i))).collect();
        pairs.push(("k5".to_owned(), Value::Int(-5)));
        pairs.push(("new".to_owned(), Value::Int(0)));
        let s = Struct::from_pairs(pairs);
        assert_eq!(s.len(), 101);
        assert_eq!(s.members()[5], ("k5".to_owned(), Value::Int(-5)));
        assert_eq!(s.members()[100].0, "new");
    }

    #[test]
    fn datetime_parse_and_format() {
        let d = DateTime::parse("20261125T15:20:00").unwrap();
        assert_eq!(
            (
                d.year(),
                d.month(),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            ),
            (2026, 11, 25, 15, 20, 0)
        );
        assert_eq!(d.to_string(), "20261125T15:20:00");
        assert_eq!(
            DateTime::new(999, 1, 2, 3, 4, 5).unwrap().to_string(),
            "09990102T03:04:05"
        );
        assert_eq!(
            "20240229T00:00:00".parse::<DateTime>().map(|d| d.day()),
            Ok(29)
        );
        for bad in [
            "2026-11-25T15:20:00",
            "20261125T15:20",
            "20261125 15:20:00",
            "2026112aT15:20:00",
            "",
            "20261125T15:20:00Z",
        ] {
            assert_eq!(DateTime::parse(bad), Err(InvalidDateTime::Format), "{bad}");
        }
        for bad in [
            "20230229T00:00:00",
            "19000229T00:00:00",
            "00000101T00:00:00",
            "20261301T00:00:00",
            "20261100T00:00:00",
            "20261125T24:00:00",
            "20261125T23:60:00",
            "20261125T23:59:60",
        ] {
            assert_eq!(
                DateTime::parse(bad),
                Err(InvalidDateTime::OutOfRange),
                "{bad}"
            );
        }
        assert!(DateTime::parse("20000229T23:59:59").is_ok());
    }
}
