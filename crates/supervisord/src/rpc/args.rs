//! Typed access to a call's positional parameters.
//!
//! Conversions follow what Python's method bodies do with their arguments (`int(offset)`,
//! `if wait:`), so every value a Python client can send and Supervisor accepts is accepted
//! here too. Where Supervisor fails with an HTTP 500 (a type `int()` cannot convert, a
//! non-string name) we answer `INCORRECT_PARAMETERS` instead (fix Q31).

use supervisor_xmlrpc::{Fault, FaultCode, Value};

use crate::owner::SignalArg;

/// The parameters of one call, consumed left to right.
#[derive(Debug)]
pub struct Args {
    params: std::vec::IntoIter<Value>,
    count: usize,
}

fn incorrect() -> Fault {
    FaultCode::IncorrectParameters.fault()
}

impl Args {
    /// Wraps a parameter list.
    pub fn new(params: Vec<Value>) -> Args {
        let count = params.len();
        Args {
            params: params.into_iter(),
            count,
        }
    }

    /// How many parameters were given.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no parameters were given.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Fails unless the call had between `min` and `max` parameters (Python's TypeError).
    pub fn arity(&self, min: usize, max: usize) -> Result<(), Fault> {
        if self.count < min || self.count > max {
            return Err(incorrect());
        }
        Ok(())
    }

    fn next(&mut self) -> Option<Value> {
        self.params.next()
    }

    /// A required string (a process or group name).
    pub fn string(&mut self) -> Result<String, Fault> {
        match self.next() {
            Some(Value::String(s)) => Ok(s),
            _ => Err(incorrect()),
        }
    }

    /// A required integer, converted the way Python's `int()` converts it: integers and
    /// booleans as they are, doubles truncated toward zero, strings of decimal digits.
    pub fn int(&mut self) -> Result<i64, Fault> {
        self.next().as_ref().and_then(py_int).ok_or_else(incorrect)
    }

    /// An optional flag defaulting to `default` (the `wait` argument), judged by Python's
    /// truthiness: `0`, `false`, `""`, empty arrays and structs, and nil are false.
    pub fn opt_bool(&mut self, default: bool) -> Result<bool, Fault> {
        Ok(self.next().map_or(default, |v| truthy(&v)))
    }

    /// Any value (for parameters Python accepts loosely, like a signal name or number).
    pub fn value(&mut self) -> Result<Value, Fault> {
        self.next().ok_or_else(incorrect)
    }
}

/// A signal given as a name (`HUP`, `SIGHUP`) or a number (int or numeric string), as
/// Python's `signal_number` reads it; it also accepts 0, which tests that the process exists.
pub fn signal(v: &Value) -> SignalArg {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Int(_) | Value::I8(_) | Value::Bool(_) => py_int(v).unwrap_or(-1).to_string(),
        other => return SignalArg::Invalid(py_str(other)),
    };
    if parse_int_text(&text) == Some(0) {
        return SignalArg::Number(0);
    }
    match supervisor_core::signal_number(&text) {
        Ok(n) => SignalArg::Number(n),
        Err(_) => SignalArg::Invalid(text),
    }
}

/// Python's `str()` of a decoded value, for fault details (`INCORRECT_PARAMETERS: 5`).
pub fn py_str(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::I8(i) => i.to_string(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Double(d) => supervisor_xmlrpc::encode::format_double(*d),
        Value::String(s) => s.clone(),
        Value::Nil => "None".into(),
        other => other.type_name().to_string(),
    }
}

/// Python's `int(v)` for the XML-RPC types, `None` where it raises.
pub fn py_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::I8(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Double(d) if d.is_finite() => Some(d.trunc() as i64),
        Value::String(s) => parse_int_text(s),
        _ => None,
    }
}

/// `int(str)`: optional surrounding whitespace, an optional sign, decimal digits with single
/// underscores between them.
fn parse_int_text(s: &str) -> Option<i64> {
    let t = s.trim();
    let (negative, digits) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let magnitude: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// Python's truthiness of a decoded XML-RPC value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Int(i) => *i != 0,
        Value::I8(i) => *i != 0,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Double(d) => *d != 0.0,
        Value::Base64(b) => !b.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Struct(s) => !s.is_empty(),
        Value::DateTime(_) => true,
        Value::Nil => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_follows_python_int() {
        assert_eq!(py_int(&Value::Int(-5)), Some(-5));
        assert_eq!(py_int(&Value::Bool(true)), Some(1));
        assert_eq!(py_int(&Value::Double(-2.9)), Some(-2));
        assert_eq!(py_int(&"  12 ".into()), Some(12));
        assert_eq!(py_int(&"-1_000".into()), Some(-1000));
        assert_eq!(py_int(&"+7".into()), Some(7));
        for bad in ["", "a", "1.5", "_1", "1__0", "1_", "- 1", "0x10"] {
            assert_eq!(py_int(&bad.into()), None, "{bad:?}");
        }
        assert_eq!(py_int(&Value::Double(f64::NAN)), None);
        assert_eq!(py_int(&Value::Array(vec![])), None);
    }

    #[test]
    fn wait_flags_use_truthiness() {
        let mut a = Args::new(vec![
            "false".into(),
            "".into(),
            Value::Int(0),
            Value::Array(vec![]),
        ]);
        assert!(a.opt_bool(false).unwrap());
        assert!(!a.opt_bool(true).unwrap());
        assert!(!a.opt_bool(true).unwrap());
        assert!(!a.opt_bool(true).unwrap());
        assert!(a.opt_bool(true).unwrap(), "missing means the default");
    }

    #[test]
    fn signals_are_names_or_numbers() {
        assert_eq!(signal(&"HUP".into()), SignalArg::Number(1));
        assert_eq!(signal(&"sigterm".into()), SignalArg::Number(15));
        assert_eq!(signal(&Value::Int(9)), SignalArg::Number(9));
        assert_eq!(signal(&" 0 ".into()), SignalArg::Number(0));
        assert_eq!(signal(&"BOGUS".into()), SignalArg::Invalid("BOGUS".into()));
        assert_eq!(
            signal(&Value::Double(1.5)),
            SignalArg::Invalid("1.5".into())
        );
    }

    #[test]
    fn names_must_be_strings() {
        let mut a = Args::new(vec![Value::Int(5)]);
        assert_eq!(a.string().unwrap_err().code, 2);
        assert!(a.arity(2, 2).is_err());
        assert!(a.arity(1, 1).is_ok());
    }
}
