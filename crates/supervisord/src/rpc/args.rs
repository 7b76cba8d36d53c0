//! Typed access to a call's positional parameters, with Supervisor's fault for wrong arity or
//! types (`INCORRECT_PARAMETERS`, where Python would raise a 500 for some types: fix Q31).

use supervisor_xmlrpc::{Fault, FaultCode, Value};

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

    /// A required string.
    pub fn string(&mut self) -> Result<String, Fault> {
        match self.next() {
            Some(Value::String(s)) => Ok(s),
            _ => Err(incorrect()),
        }
    }

    /// A required integer (XML-RPC `int`/`i4`).
    pub fn int(&mut self) -> Result<i64, Fault> {
        match self.next() {
            Some(v) => v.as_i64().ok_or_else(incorrect),
            None => Err(incorrect()),
        }
    }

    /// An optional boolean defaulting to `default` (the `wait` argument). Python treats any
    /// value by truthiness; ints and booleans are what clients send.
    pub fn opt_bool(&mut self, default: bool) -> Result<bool, Fault> {
        match self.next() {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(v) => v.as_i64().map(|i| i != 0).ok_or_else(incorrect),
        }
    }

    /// Any value (for parameters Python accepts loosely, like a signal name or number).
    pub fn value(&mut self) -> Result<Value, Fault> {
        self.next().ok_or_else(incorrect)
    }
}
