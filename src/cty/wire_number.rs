//! Numbers on the wire, shared by the msgpack and JSON codecs: bounded parsing of untrusted
//! decimal text, exact conversions between `f64` and decimals, and the form cty writes a
//! number in (int, float64 or decimal text; go-cty cty/msgpack/marshal.go).

use super::Number;
use bigdecimal::num_bigint::BigInt;
use bigdecimal::num_traits::{ToPrimitive, Zero};
use bigdecimal::BigDecimal;

/// Longest decimal text accepted on decode.
pub(crate) const MAX_TEXT_LEN: usize = 4096;
/// Largest decimal exponent (scale) magnitude accepted on decode. go-cty's 512-bit floats reach
/// further, but no Terraform value does, and arithmetic on `1e-999999999` would take forever.
pub(crate) const MAX_SCALE: i64 = 8192;

/// How a number goes on the msgpack wire.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WireNumber {
    /// A whole number that fits an i64: a (compact) msgpack int.
    Int(i64),
    /// Exactly representable as an f64 (or an infinity): a float64.
    Float(f64),
    /// Anything else: its decimal text.
    Text(String),
}

/// Parses decimal text from untrusted input, refusing sizes that would make later
/// arithmetic (comparison, hashing, printing) expensive.
pub(crate) fn parse_text(text: &str) -> Result<Number, String> {
    if text.len() > MAX_TEXT_LEN {
        return Err(format!("number text too long ({} bytes)", text.len()));
    }
    let n = Number::parse(text).map_err(|e| e.to_string())?;
    if let Number::Finite(d) = &n {
        // The text the encoder would write must fit the limit too, or a decoded value could
        // not be read back after encoding (found by fuzzing: JSON `199704e6422`).
        if d.fractional_digit_count().abs() > MAX_SCALE || self::text(d).len() > MAX_TEXT_LEN {
            return Err(format!("number {text:?} is out of the supported range"));
        }
    }
    Ok(n)
}

/// The number a float stands for, exactly (`0.1f64` is 0.1000000000000000055511151231257827…,
/// as go-cty's `NumberFloatVal`); `None` for NaN.
pub(crate) fn from_f64_exact(f: f64) -> Option<Number> {
    if f.is_nan() {
        None
    } else if f == f64::INFINITY {
        Some(Number::PosInfinity)
    } else if f == f64::NEG_INFINITY {
        Some(Number::NegInfinity)
    } else {
        Some(Number::Finite(f64_to_decimal(f)))
    }
}

/// The exact decimal value of a finite f64.
fn f64_to_decimal(f: f64) -> BigDecimal {
    let bits = f.to_bits();
    let negative = bits >> 63 != 0;
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exp2) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    let mut int = BigInt::from(mantissa);
    let scale = if exp2 >= 0 {
        int <<= exp2 as usize;
        0
    } else {
        // m·2^-k = m·5^k / 10^k
        let k = exp2.unsigned_abs() as u32;
        int *= BigInt::from(5u8).pow(k);
        i64::from(k)
    };
    if negative {
        int = -int;
    }
    BigDecimal::new(int, scale).normalized()
}

/// The f64 exactly equal to `d`, when there is one.
pub(crate) fn exact_f64(d: &BigDecimal) -> Option<f64> {
    if d.is_zero() {
        return Some(0.0);
    }
    let n = d.normalized();
    let (int, scale) = n.as_bigint_and_exponent();
    // A binary fraction 2^-k has exactly k decimals (k ≤ 1074); nothing above 1e309 is finite.
    if !(-309..=1074).contains(&scale) {
        return None;
    }
    // Rust's float parsing rounds correctly; the candidate is exact iff it converts back.
    let f: f64 = format!("{int}e{}", -scale).parse().ok()?;
    (f.is_finite() && f64_to_decimal(f) == n).then_some(f)
}

/// How cty writes `n` in msgpack: exact i64 as int, exact f64 as float64, the rest as text.
pub(crate) fn wire_form(n: &Number) -> WireNumber {
    match n {
        Number::PosInfinity => WireNumber::Float(f64::INFINITY),
        Number::NegInfinity => WireNumber::Float(f64::NEG_INFINITY),
        Number::Finite(d) => {
            let norm = d.normalized();
            let (int, scale) = norm.as_bigint_and_exponent();
            // Whole numbers within i64 have at most 19 digits: never scale below -18.
            if (-18..=0).contains(&scale) {
                let whole = int * BigInt::from(10u8).pow(scale.unsigned_abs() as u32);
                if let Some(i) = whole.to_i64() {
                    return WireNumber::Int(i);
                }
            }
            match exact_f64(&norm) {
                Some(f) => WireNumber::Float(f),
                None => WireNumber::Text(text(&norm)),
            }
        }
    }
}

/// Decimal text of a finite number: plain digits (as go-cty's `Text('f', -1)`), or
/// scientific notation when plain digits would be absurdly long.
pub(crate) fn text(d: &BigDecimal) -> String {
    let norm = d.normalized();
    let (int, scale) = norm.as_bigint_and_exponent();
    if scale.abs() <= MAX_SCALE {
        norm.to_plain_string()
    } else {
        format!("{int}e{}", -scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> BigDecimal {
        s.parse().unwrap()
    }

    #[test]
    fn wire_forms_follow_go_cty() {
        let form = |s: &str| wire_form(&Number::parse(s).unwrap());
        assert_eq!(form("5"), WireNumber::Int(5));
        assert_eq!(form("5.000"), WireNumber::Int(5));
        assert_eq!(form("1e3"), WireNumber::Int(1000));
        assert_eq!(form("-9223372036854775808"), WireNumber::Int(i64::MIN));
        assert_eq!(form("1.5"), WireNumber::Float(1.5));
        // 2^64 is no i64 but is exactly a float64, as go-cty's big.Float.Float64 reports.
        assert_eq!(
            form("18446744073709551616"),
            WireNumber::Float(18446744073709551616.0)
        );
        // 2^64-1 and 0.1 are not exactly floats: decimal text.
        assert_eq!(
            form("18446744073709551615"),
            WireNumber::Text("18446744073709551615".into())
        );
        assert_eq!(form("0.1"), WireNumber::Text("0.1".into()));
        assert_eq!(form("-0.25"), WireNumber::Float(-0.25));
        assert_eq!(
            form("1e400"),
            WireNumber::Text(format!("1{}", "0".repeat(400)))
        );
        assert_eq!(form("1e-9000"), WireNumber::Text("1e-9000".into()));
        assert_eq!(
            wire_form(&Number::PosInfinity),
            WireNumber::Float(f64::INFINITY)
        );
    }

    #[test]
    fn floats_convert_exactly_both_ways() {
        let tenth = from_f64_exact(0.1).unwrap();
        assert_eq!(
            tenth.to_string(),
            "0.1000000000000000055511151231257827021181583404541015625"
        );
        assert_eq!(wire_form(&tenth), WireNumber::Float(0.1));
        let tiny = f64::from_bits(1); // smallest subnormal
        let n = from_f64_exact(tiny).unwrap();
        assert_eq!(wire_form(&n), WireNumber::Float(tiny));
        assert_eq!(exact_f64(&dec("1e308")), None);
        assert_eq!(exact_f64(&dec("8.98846567431158e307")), None);
        let max = from_f64_exact(f64::MAX).unwrap();
        assert_eq!(wire_form(&max), WireNumber::Float(f64::MAX));
        assert!(from_f64_exact(f64::NAN).is_none());
    }

    #[test]
    fn hostile_text_is_refused() {
        assert!(parse_text("1e-999999999").is_err());
        assert!(parse_text("1e999999999").is_err());
        assert!(parse_text(&"9".repeat(MAX_TEXT_LEN + 1)).is_err());
        assert!(parse_text("NaN").is_err());
        // Short text whose written form would exceed the limit: refused, so every accepted
        // number encodes to text that decodes again.
        assert!(parse_text("199704e6422").is_err());
        assert!(parse_text("1e-5000").is_err());
        let wide = format!("1e{}", MAX_TEXT_LEN - 1);
        let n = parse_text(&wide).unwrap();
        let WireNumber::Text(t) = wire_form(&n) else {
            panic!("expected text")
        };
        assert_eq!(parse_text(&t).unwrap(), n);
        assert_eq!(parse_text("1e3").unwrap(), Number::from_i64(1000));
        assert_eq!(parse_text("-Inf").unwrap(), Number::NegInfinity);
        // Equality is numeric: 1.0 == 1.00 == 1.
        assert_eq!(parse_text("1.0").unwrap(), parse_text("1.00").unwrap());
        assert_eq!(parse_text("1.0").unwrap(), Number::from_i64(1));
    }
}
