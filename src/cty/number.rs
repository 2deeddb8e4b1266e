//! Arbitrary-precision cty numbers. Terraform sends numbers as msgpack ints, floats or
//! decimal strings (512-bit big floats); this type keeps them exactly.

use bigdecimal::BigDecimal;
use std::fmt;
use std::str::FromStr;

/// A cty number: a finite decimal of arbitrary precision, or an infinity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Number {
    Finite(BigDecimal),
    PosInfinity,
    NegInfinity,
}

/// The text was not a number cty accepts.
#[derive(Debug, thiserror::Error)]
#[error("{0:?} is not a valid number")]
pub struct ParseNumberError(pub String);

impl Number {
    pub fn from_i64(v: i64) -> Number {
        Number::Finite(BigDecimal::from(v))
    }

    /// A float; NaN is not a cty number and yields `None`.
    pub fn from_f64(v: f64) -> Option<Number> {
        if v.is_nan() {
            None
        } else if v == f64::INFINITY {
            Some(Number::PosInfinity)
        } else if v == f64::NEG_INFINITY {
            Some(Number::NegInfinity)
        } else {
            // Shortest round-trip text of the float, so 0.1 stays 0.1.
            BigDecimal::from_str(&format!("{v}"))
                .ok()
                .map(Number::Finite)
        }
    }

    /// Parses decimal text as Terraform writes it (`123`, `-1.5`, `1e3`, `+Inf`, `-Inf`).
    pub fn parse(text: &str) -> Result<Number, ParseNumberError> {
        match text.trim() {
            "+Inf" | "Inf" | "inf" | "+inf" => Ok(Number::PosInfinity),
            "-Inf" | "-inf" => Ok(Number::NegInfinity),
            t => BigDecimal::from_str(t)
                .map(Number::Finite)
                .map_err(|_| ParseNumberError(text.to_string())),
        }
    }

    /// The value as an `i64`, when it is a whole number in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Number::Finite(d) if d.is_integer() => {
                use bigdecimal::ToPrimitive;
                d.to_i64()
            }
            _ => None,
        }
    }

    /// The value as an `f64` (possibly rounded).
    pub fn as_f64(&self) -> f64 {
        use bigdecimal::ToPrimitive;
        match self {
            Number::Finite(d) => d.to_f64().unwrap_or(f64::NAN),
            Number::PosInfinity => f64::INFINITY,
            Number::NegInfinity => f64::NEG_INFINITY,
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Finite(d) => write!(f, "{}", d.normalized().to_plain_string()),
            Number::PosInfinity => write!(f, "+Inf"),
            Number::NegInfinity => write!(f, "-Inf"),
        }
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Self {
        Number::from_i64(v)
    }
}
