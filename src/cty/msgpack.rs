//! msgpack codec for DynamicValue, cty's wire format. Written by hand on top of `rmp`'s
//! primitives because cty's encoding is driven by the schema's type (objects must list every
//! attribute, numbers change representation by value, unknowns are extensions), which is not
//! the shape serde derives.

use super::type_json::{decode_type, encode_type};
use super::wire_number::{self, WireNumber};
use super::{nfc, AttributePath, CodecError, Number, Type, Value};
use bigdecimal::BigDecimal;
use rmp::Marker;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashSet};

/// Deepest nesting accepted on decode; deeper input is hostile, not a Terraform value.
pub const MAX_DEPTH: usize = 256;
/// Most elements preallocated for a collection, whatever length the input declares.
const MAX_PREALLOC: usize = 1024;
/// Largest extension payload accepted (cty's own limit for refinements).
const MAX_EXT_LEN: usize = 1024;
/// The plain unknown value: fixext1, type 0, payload 0.
const UNKNOWN: [u8; 3] = [0xd4, 0x00, 0x00];

/// Encodes `value` as cty msgpack against `ty` (unknown = `d4 00 00`, null = `c0`).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, CodecError> {
    let mut out = Vec::with_capacity(64);
    let mut path = AttributePath::root();
    encode_into(&mut out, value, ty, &mut path)?;
    Ok(out)
}

fn io_err(path: &AttributePath) -> impl Fn(rmp::encode::ValueWriteError) -> CodecError + '_ {
    move |e| CodecError::new(path, format!("msgpack write failed: {e}"))
}

fn encode_into(
    out: &mut Vec<u8>,
    value: &Value,
    ty: &Type,
    path: &mut AttributePath,
) -> Result<(), CodecError> {
    // Collections encode in their own (not inlined) functions so this recursive frame stays
    // small: values MAX_DEPTH deep encode on a 1 MiB stack even in debug builds.
    match (value, ty) {
        (Value::Unknown, _) => {
            out.extend_from_slice(&UNKNOWN);
            Ok(())
        }
        (Value::Null, _) => {
            out.push(0xc0);
            Ok(())
        }
        (Value::Dynamic(t, inner), Type::Dynamic) => encode_dynamic(out, t, inner, path),
        (Value::String(s), Type::String) => rmp::encode::write_str(out, s).map_err(io_err(path)),
        (Value::Bool(b), Type::Bool) => {
            rmp::encode::write_bool(out, *b).map_err(|e| CodecError::new(path, e.to_string()))
        }
        (Value::Number(n), Type::Number) => write_number(out, n, path),
        (Value::List(items) | Value::Set(items), Type::List(elem) | Type::Set(elem)) => {
            encode_array(
                out,
                items.iter().zip(std::iter::repeat(&**elem)),
                items.len(),
                path,
            )
        }
        (Value::Tuple(items) | Value::List(items), Type::Tuple(elems))
            if items.len() == elems.len() =>
        {
            encode_array(out, items.iter().zip(elems), items.len(), path)
        }
        (Value::Map(m) | Value::Object(m), Type::Map(elem)) => encode_map(out, m, elem, path),
        (Value::Object(m), Type::Object(attrs)) => encode_object(out, m, attrs, path),
        (_, ty) => Err(mismatch(value, ty, path)),
    }
}

#[inline(never)]
fn mismatch(value: &Value, ty: &Type, path: &AttributePath) -> CodecError {
    let want = match ty {
        Type::Dynamic => {
            return CodecError::new(path, "a value of dynamic type must carry its concrete type")
        }
        Type::String => "string".to_string(),
        Type::Number => "number".to_string(),
        Type::Bool => "bool".to_string(),
        Type::List(_) | Type::Set(_) => "list or set".to_string(),
        Type::Map(_) => "map".to_string(),
        Type::Tuple(elems) => format!("tuple of {} elements", elems.len()),
        Type::Object(_) => "object".to_string(),
    };
    CodecError::new(
        path,
        format!("{want} is required, found {}", kind_of(value)),
    )
}

#[inline(never)]
fn encode_dynamic(
    out: &mut Vec<u8>,
    t: &Type,
    inner: &Value,
    path: &mut AttributePath,
) -> Result<(), CodecError> {
    rmp::encode::write_array_len(out, 2).map_err(io_err(path))?;
    rmp::encode::write_bin(out, &encode_type(t)).map_err(io_err(path))?;
    encode_into(out, inner, t, path)
}

#[inline(never)]
fn encode_array<'v>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'v Value, &'v Type)>,
    len: usize,
    path: &mut AttributePath,
) -> Result<(), CodecError> {
    rmp::encode::write_array_len(out, len_u32(len, path)?).map_err(io_err(path))?;
    for (i, (item, t)) in items.enumerate() {
        path.steps.push(super::PathStep::Index(i as i64));
        encode_into(out, item, t, path)?;
        path.steps.pop();
    }
    Ok(())
}

#[inline(never)]
fn encode_map(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    elem: &Type,
    path: &mut AttributePath,
) -> Result<(), CodecError> {
    rmp::encode::write_map_len(out, len_u32(m.len(), path)?).map_err(io_err(path))?;
    for (k, v) in m {
        rmp::encode::write_str(out, k).map_err(io_err(path))?;
        let at = path.steps.len();
        encode_into(out, v, elem, path)
            .map_err(|e| e.within(at, super::PathStep::Key(k.clone())))?;
    }
    Ok(())
}

#[inline(never)]
fn encode_object(
    out: &mut Vec<u8>,
    m: &BTreeMap<String, Value>,
    attrs: &BTreeMap<String, Type>,
    path: &mut AttributePath,
) -> Result<(), CodecError> {
    // Both maps are sorted by name: walk them in step (one comparison per attribute, not a
    // tree search), pairing each attribute with its value, null when absent. A key of `m`
    // that no attribute meets is refused before anything is written, the smallest first.
    let unsupported = |k: &String| CodecError::new(path, format!("unsupported attribute {k:?}"));
    let mut values = m.iter().peekable();
    let mut held: Vec<&Value> = Vec::with_capacity(attrs.len());
    for name in attrs.keys() {
        match values.peek() {
            Some((k, _)) if k.as_str() < name.as_str() => return Err(unsupported(k)),
            Some((k, v)) if *k == name => {
                held.push(*v);
                values.next();
            }
            _ => held.push(&Value::Null),
        }
    }
    if let Some((k, _)) = values.next() {
        return Err(unsupported(k));
    }
    // Every attribute is on the wire, keys sorted as cty writes them; an absent one is null.
    rmp::encode::write_map_len(out, len_u32(attrs.len(), path)?).map_err(io_err(path))?;
    for ((name, t), v) in attrs.iter().zip(held) {
        rmp::encode::write_str(out, name).map_err(io_err(path))?;
        let at = path.steps.len();
        encode_into(out, v, t, path)
            .map_err(|e| e.within(at, super::PathStep::Attribute(name.clone())))?;
    }
    Ok(())
}

fn len_u32(n: usize, path: &AttributePath) -> Result<u32, CodecError> {
    u32::try_from(n).map_err(|_| CodecError::new(path, "collection too large for msgpack"))
}

/// Exact i64 as a compact int, exact f64 (and ±Inf) as float64, the rest as decimal text
/// (go-cty's rules, so Terraform reads back exactly the number it sent).
fn write_number(out: &mut Vec<u8>, n: &Number, path: &AttributePath) -> Result<(), CodecError> {
    match wire_number::wire_form(n) {
        // write_sint picks the narrowest form, positive values as uint (go-cty's compact ints).
        WireNumber::Int(i) => rmp::encode::write_sint(out, i)
            .map(|_| ())
            .map_err(io_err(path)),
        WireNumber::Float(f) => {
            rmp::encode::write_f64(out, f).map_err(|e| CodecError::new(path, e.to_string()))
        }
        WireNumber::Text(t) => rmp::encode::write_str(out, &t).map_err(io_err(path)),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Unknown => "an unknown value",
        Value::Null => "null",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a bool",
        Value::List(_) => "a list",
        Value::Set(_) => "a set",
        Value::Map(_) => "a map",
        Value::Tuple(_) => "a tuple",
        Value::Object(_) => "an object",
        Value::Dynamic(..) => "a dynamic value",
    }
}

/// Decodes cty msgpack against `ty`. Malformed bytes give an error, never a panic.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, CodecError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let mut path = AttributePath::root();
    let v = r.value(ty, &mut path, 0)?;
    if r.pos != bytes.len() {
        return Err(CodecError::new(
            &path,
            format!("{} trailing bytes after the value", bytes.len() - r.pos),
        ));
    }
    Ok(v)
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, path: &AttributePath) -> Result<&'a [u8], CodecError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| CodecError::new(path, "unexpected end of msgpack data"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, path: &AttributePath) -> Result<u8, CodecError> {
        Ok(self.take(1, path)?[0])
    }
    fn be(&mut self, n: usize, path: &AttributePath) -> Result<u64, CodecError> {
        Ok(self
            .take(n, path)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }
    fn peek(&self, path: &AttributePath) -> Result<Marker, CodecError> {
        self.buf
            .get(self.pos)
            .map(|b| Marker::from_u8(*b))
            .ok_or_else(|| CodecError::new(path, "unexpected end of msgpack data"))
    }
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn value(
        &mut self,
        ty: &Type,
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        if depth > MAX_DEPTH {
            return Err(CodecError::new(path, "value nested too deeply"));
        }
        match self.peek(path)? {
            Marker::Null => {
                self.pos += 1;
                return Ok(Value::Null);
            }
            m if ext_len(m).is_some() => {
                self.skip_ext(path)?;
                return Ok(Value::Unknown);
            }
            _ => {}
        }
        // Each kind decodes in its own (not inlined) function: this recursive frame stays
        // small, so MAX_DEPTH levels fit a 2 MiB thread stack even in debug builds.
        match ty {
            Type::Dynamic => self.dynamic(path, depth),
            Type::String => self.string(path),
            Type::Bool => match self.u8(path)? {
                0xc3 => Ok(Value::Bool(true)),
                0xc2 => Ok(Value::Bool(false)),
                _ => Err(CodecError::new(path, "bool is required")),
            },
            Type::Number => self.number(path).map(Value::Number),
            Type::List(elem) => self.list(elem, path, depth),
            Type::Set(elem) => self.set(elem, path, depth),
            Type::Tuple(elems) => self.tuple(elems, path, depth),
            Type::Map(elem) => self.map(elem, path, depth),
            Type::Object(attrs) => self.object(attrs, path, depth),
        }
    }

    #[inline(never)]
    fn dynamic(&mut self, path: &mut AttributePath, depth: usize) -> Result<Value, CodecError> {
        let n = self.array_len(path)?;
        if n != 2 {
            return Err(CodecError::new(
                path,
                format!("dynamic value must be a 2-element array, found {n}"),
            ));
        }
        let type_bytes = match self.peek(path)? {
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => self.bin(path)?,
            _ => self.str_bytes(path)?,
        };
        let t = decode_type(type_bytes)
            .map_err(|e| CodecError::new(path, format!("dynamic value type: {}", e.message)))?;
        let inner = self.value(&t, path, depth + 1)?;
        Ok(Value::Dynamic(t, Box::new(inner)))
    }

    #[inline(never)]
    fn string(&mut self, path: &AttributePath) -> Result<Value, CodecError> {
        let b = self.str_or_bin(path)?;
        let s = std::str::from_utf8(b)
            .map_err(|_| CodecError::new(path, "string is not valid UTF-8"))?;
        Ok(Value::String(nfc(s)))
    }

    #[inline(never)]
    fn list(
        &mut self,
        elem: &Type,
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let n = self.array_len(path)?;
        let mut items = Vec::with_capacity(n.min(self.remaining()).min(MAX_PREALLOC));
        for i in 0..n {
            path.steps.push(super::PathStep::Index(i as i64));
            items.push(self.value(elem, path, depth + 1)?);
            path.steps.pop();
        }
        Ok(Value::List(items))
    }

    #[inline(never)]
    fn set(
        &mut self,
        elem: &Type,
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let n = self.array_len(path)?;
        let mut set = SetBuilder::new(elem, n.min(self.remaining()).min(MAX_PREALLOC));
        for i in 0..n {
            path.steps.push(super::PathStep::Index(i as i64));
            let v = self.value(elem, path, depth + 1)?;
            path.steps.pop();
            set.insert(v);
        }
        Ok(Value::Set(set.finish()))
    }

    #[inline(never)]
    fn tuple(
        &mut self,
        elems: &[Type],
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let n = self.array_len(path)?;
        if n != elems.len() {
            return Err(CodecError::new(
                path,
                format!("tuple of {} elements is required ({n} given)", elems.len()),
            ));
        }
        let mut items = Vec::with_capacity(n);
        for (i, t) in elems.iter().enumerate() {
            path.steps.push(super::PathStep::Index(i as i64));
            items.push(self.value(t, path, depth + 1)?);
            path.steps.pop();
        }
        Ok(Value::Tuple(items))
    }

    #[inline(never)]
    fn map(
        &mut self,
        elem: &Type,
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let n = self.map_len(path)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let k = self.key(path)?;
            let at = path.steps.len();
            let v = self
                .value(elem, path, depth + 1)
                .map_err(|e| e.within(at, super::PathStep::Key(k.clone())))?;
            m.insert(k, v);
        }
        Ok(Value::Map(m))
    }

    #[inline(never)]
    fn object(
        &mut self,
        attrs: &BTreeMap<String, Type>,
        path: &mut AttributePath,
        depth: usize,
    ) -> Result<Value, CodecError> {
        let n = self.map_len(path)?;
        // Terraform writes an object's attributes sorted by name, the order `attrs` holds them
        // in: follow both in step (about one comparison per attribute instead of two tree
        // searches), and build the map from the sorted entries at the end. A key out of that
        // order is looked up, and then the entries are checked for duplicates by insertion.
        let mut entries: Vec<(String, Value)> = Vec::with_capacity(n.min(attrs.len()));
        let mut ahead = attrs.iter().peekable();
        let mut in_order = true;
        for _ in 0..n {
            // The key's bytes are compared as they are: equal to an attribute's name, they are
            // that name (attribute names are ASCII identifiers, valid UTF-8 and NFC already).
            // Any other key is decoded and looked up.
            let raw = self.str_or_bin(path)?;
            let mut in_step = None;
            while let Some((name, t)) = ahead.peek() {
                match name.as_bytes().cmp(raw) {
                    std::cmp::Ordering::Less => {
                        ahead.next();
                    }
                    std::cmp::Ordering::Equal => {
                        in_step = Some((*name, *t));
                        ahead.next();
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            let (k, t) = match in_step {
                Some((name, t)) if name.is_ascii() => (name.clone(), t),
                _ => {
                    in_order = false;
                    let k = key_text(raw, path)?;
                    let t = attrs.get(&k).ok_or_else(|| {
                        CodecError::new(path, format!("unsupported attribute {k:?}"))
                    })?;
                    (k, t)
                }
            };
            let at = path.steps.len();
            let v = self
                .value(t, path, depth + 1)
                .map_err(|e| e.within(at, super::PathStep::Attribute(k.clone())))?;
            entries.push((k, v));
        }
        let m = if in_order {
            // Strictly increasing keys: no duplicates.
            entries.into_iter().collect::<BTreeMap<_, _>>()
        } else {
            let mut m = BTreeMap::new();
            for (k, v) in entries {
                match m.entry(k) {
                    Entry::Vacant(slot) => {
                        slot.insert(v);
                    }
                    Entry::Occupied(slot) => {
                        let k = slot.key();
                        return Err(CodecError::new(path, format!("duplicate attribute {k:?}")));
                    }
                }
            }
            m
        };
        // cty requires exactly one entry per attribute, nulls included. Every key of `m` is
        // an attribute, once: only a shorter `m` can lack one.
        let lacking = (m.len() < attrs.len())
            .then(|| attrs.keys().find(|k| !m.contains_key(*k)))
            .flatten();
        if let Some(missing) = lacking {
            return Err(CodecError::new(
                path,
                format!(
                    "attribute {missing:?} is required (an object with {} attributes \
                     is required, {n} given)",
                    attrs.len()
                ),
            ));
        }
        Ok(Value::Object(m))
    }

    fn skip_ext(&mut self, path: &AttributePath) -> Result<(), CodecError> {
        let m = Marker::from_u8(self.u8(path)?);
        let len = match ext_len(m) {
            Some(Some(n)) => n,
            Some(None) => {
                let width = match m {
                    Marker::Ext8 => 1,
                    Marker::Ext16 => 2,
                    _ => 4,
                };
                self.be(width, path)? as usize
            }
            None => return Err(CodecError::new(path, "extension expected")),
        };
        if len > MAX_EXT_LEN {
            return Err(CodecError::new(
                path,
                format!("unknown value refinements too long ({len} bytes)"),
            ));
        }
        let _type = self.u8(path)?;
        self.take(len, path)?;
        Ok(())
    }

    fn array_len(&mut self, path: &AttributePath) -> Result<usize, CodecError> {
        let b = self.u8(path)?;
        Ok(match Marker::from_u8(b) {
            Marker::FixArray(n) => n as usize,
            Marker::Array16 => self.be(2, path)? as usize,
            Marker::Array32 => self.be(4, path)? as usize,
            _ => return Err(CodecError::new(path, "list, set or tuple is required")),
        })
    }

    fn map_len(&mut self, path: &AttributePath) -> Result<usize, CodecError> {
        let b = self.u8(path)?;
        Ok(match Marker::from_u8(b) {
            Marker::FixMap(n) => n as usize,
            Marker::Map16 => self.be(2, path)? as usize,
            Marker::Map32 => self.be(4, path)? as usize,
            _ => return Err(CodecError::new(path, "map or object is required")),
        })
    }

    fn str_bytes(&mut self, path: &AttributePath) -> Result<&'a [u8], CodecError> {
        let b = self.u8(path)?;
        let n = match Marker::from_u8(b) {
            Marker::FixStr(n) => n as usize,
            Marker::Str8 => self.be(1, path)? as usize,
            Marker::Str16 => self.be(2, path)? as usize,
            Marker::Str32 => self.be(4, path)? as usize,
            _ => return Err(CodecError::new(path, "string is required")),
        };
        self.take(n, path)
    }

    /// A str, or a bin (go-cty's `DecodeString` accepts both).
    fn str_or_bin(&mut self, path: &AttributePath) -> Result<&'a [u8], CodecError> {
        match self.peek(path)? {
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => self.bin(path),
            _ => self.str_bytes(path),
        }
    }

    fn bin(&mut self, path: &AttributePath) -> Result<&'a [u8], CodecError> {
        let b = self.u8(path)?;
        let n = match Marker::from_u8(b) {
            Marker::Bin8 => self.be(1, path)? as usize,
            Marker::Bin16 => self.be(2, path)? as usize,
            Marker::Bin32 => self.be(4, path)? as usize,
            _ => return Err(CodecError::new(path, "bytes are required")),
        };
        self.take(n, path)
    }

    fn key(&mut self, path: &AttributePath) -> Result<String, CodecError> {
        let b = self.str_or_bin(path)?;
        key_text(b, path)
    }

    fn number(&mut self, path: &AttributePath) -> Result<Number, CodecError> {
        let b = self.u8(path)?;
        let int = |v: i128| Number::Finite(BigDecimal::from(v));
        Ok(match Marker::from_u8(b) {
            Marker::FixPos(n) => int(i128::from(n)),
            Marker::FixNeg(n) => int(i128::from(n)),
            Marker::U8 => int(self.be(1, path)? as i128),
            Marker::U16 => int(self.be(2, path)? as i128),
            Marker::U32 => int(self.be(4, path)? as i128),
            Marker::U64 => int(self.be(8, path)? as i128),
            Marker::I8 => int(i128::from(self.be(1, path)? as u8 as i8)),
            Marker::I16 => int(i128::from(self.be(2, path)? as u16 as i16)),
            Marker::I32 => int(i128::from(self.be(4, path)? as u32 as i32)),
            Marker::I64 => int(i128::from(self.be(8, path)? as i64)),
            Marker::F32 => float(f64::from(f32::from_bits(self.be(4, path)? as u32)), path)?,
            Marker::F64 => float(f64::from_bits(self.be(8, path)?), path)?,
            Marker::FixStr(_)
            | Marker::Str8
            | Marker::Str16
            | Marker::Str32
            | Marker::Bin8
            | Marker::Bin16
            | Marker::Bin32 => {
                self.pos -= 1;
                let b = self.str_or_bin(path)?;
                let s = std::str::from_utf8(b)
                    .map_err(|_| CodecError::new(path, "number text is not valid UTF-8"))?;
                wire_number::parse_text(s).map_err(|e| CodecError::new(path, e))?
            }
            _ => return Err(CodecError::new(path, "number is required")),
        })
    }
}

/// A float read exactly (0.1f64 stays the binary 0.1000000000000000055…, so echoing it back
/// writes the same float64 Terraform sent).
fn float(f: f64, path: &AttributePath) -> Result<Number, CodecError> {
    wire_number::from_f64_exact(f).ok_or_else(|| CodecError::new(path, "NaN is not a number"))
}

/// A map key or attribute name as cty holds it: UTF-8, in NFC.
fn key_text(b: &[u8], path: &AttributePath) -> Result<String, CodecError> {
    std::str::from_utf8(b)
        .map(nfc)
        .map_err(|_| CodecError::new(path, "map key is not valid UTF-8"))
}

/// Set elements in encounter order with duplicates collapsed, as `cty.SetVal` does. Equal
/// values of one type have equal canonical encodings, so those serve as hash keys (no
/// quadratic scan over hostile input).
pub(crate) struct SetBuilder<'t> {
    elem: &'t Type,
    seen: HashSet<Vec<u8>>,
    items: Vec<Value>,
}

impl<'t> SetBuilder<'t> {
    pub(crate) fn new(elem: &'t Type, capacity: usize) -> Self {
        SetBuilder {
            elem,
            seen: HashSet::with_capacity(capacity),
            items: Vec::with_capacity(capacity),
        }
    }

    pub(crate) fn insert(&mut self, v: Value) {
        let fresh = match encode(&v, self.elem) {
            Ok(key) => self.seen.insert(key),
            // Not encodable (cannot happen for decoded values): fall back to a scan.
            Err(_) => !self.items.contains(&v),
        };
        if fresh {
            self.items.push(v);
        }
    }

    pub(crate) fn finish(self) -> Vec<Value> {
        self.items
    }
}

/// For extension markers: `Some(Some(len))` for fixext, `Some(None)` when a length follows.
fn ext_len(m: Marker) -> Option<Option<usize>> {
    match m {
        Marker::FixExt1 => Some(Some(1)),
        Marker::FixExt2 => Some(Some(2)),
        Marker::FixExt4 => Some(Some(4)),
        Marker::FixExt8 => Some(Some(8)),
        Marker::FixExt16 => Some(Some(16)),
        Marker::Ext8 | Marker::Ext16 | Marker::Ext32 => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("name", Type::String),
            ("version", Type::Number),
        ])
    }

    /// A msgpack map of string keys to strings, in the order given.
    fn string_map(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut out = vec![];
        rmp::encode::write_map_len(&mut out, pairs.len() as u32).unwrap();
        for (k, v) in pairs {
            rmp::encode::write_str(&mut out, k).unwrap();
            rmp::encode::write_str(&mut out, v).unwrap();
        }
        out
    }

    #[test]
    fn object_keys_in_any_order_decode_alike_and_duplicates_are_refused() {
        let t = Type::object([
            ("a", Type::String),
            ("b", Type::String),
            ("c", Type::String),
        ]);
        let sorted = decode(&string_map(&[("a", "1"), ("b", "2"), ("c", "3")]), &t).unwrap();
        for order in [
            [("c", "3"), ("b", "2"), ("a", "1")],
            [("b", "2"), ("a", "1"), ("c", "3")],
            [("a", "1"), ("c", "3"), ("b", "2")],
        ] {
            assert_eq!(
                decode(&string_map(&order), &t).unwrap(),
                sorted,
                "{order:?}"
            );
        }
        for dup in [
            &[("a", "1"), ("a", "1"), ("c", "3")][..],
            &[("b", "2"), ("a", "1"), ("b", "2")][..],
            &[("a", "1"), ("b", "2"), ("c", "3"), ("c", "3")][..],
        ] {
            let e = decode(&string_map(dup), &t).unwrap_err();
            assert!(e.message.contains("duplicate attribute"), "{dup:?}: {e}");
        }
        let e = decode(&string_map(&[("a", "1"), ("zz", "2"), ("b", "2")]), &t).unwrap_err();
        assert!(e.message.contains("unsupported attribute \"zz\""), "{e}");
        let e = decode(&string_map(&[("c", "3"), ("a", "1")]), &t).unwrap_err();
        assert!(e.message.contains("\"b\" is required"), "{e}");
    }

    #[test]
    fn byte_exact_object_with_unknown() {
        let v = Value::object([
            ("id", Value::Unknown),
            ("name", Value::string("x")),
            ("version", Value::number(5)),
        ]);
        let bytes = encode(&v, &obj_type()).unwrap();
        assert_eq!(
            bytes,
            [
                0x83, 0xa2, b'i', b'd', 0xd4, 0, 0, 0xa4, b'n', b'a', b'm', b'e', 0xa1, b'x', 0xa7,
                b'v', b'e', b'r', b's', b'i', b'o', b'n', 0x05
            ]
        );
        assert_eq!(decode(&bytes, &obj_type()).unwrap(), v);
    }

    #[test]
    fn null_and_refined_unknowns() {
        assert_eq!(decode(&[0xc0], &obj_type()).unwrap(), Value::Null);
        assert_eq!(encode(&Value::Null, &obj_type()).unwrap(), [0xc0]);
        // ext8, len 3, type 12, map {1: false}: an unknown string known to be non-null.
        assert_eq!(
            decode(&[0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc2], &Type::String).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            decode(&[0xd4, 0x00, 0x00], &Type::list(Type::Number)).unwrap(),
            Value::Unknown
        );
        assert_eq!(
            decode(&[0xd5, 0x07, 0x00, 0x00], &Type::Bool).unwrap(),
            Value::Unknown
        );
    }

    #[test]
    fn numbers_take_the_narrowest_exact_form() {
        assert_eq!(encode(&Value::number(5), &Type::Number).unwrap(), [0x05]);
        assert_eq!(encode(&Value::number(-1), &Type::Number).unwrap(), [0xff]);
        let half = Value::Number(Number::parse("1.5").unwrap());
        assert_eq!(
            encode(&half, &Type::Number).unwrap(),
            [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]
        );
        let big = Value::Number(Number::parse("123456789012345678901234567890").unwrap());
        let bytes = encode(&big, &Type::Number).unwrap();
        assert_eq!(bytes[0], 0xbe, "30 digits as a fixstr");
        assert_eq!(decode(&bytes, &Type::Number).unwrap(), big);
        let precise = Value::Number(Number::parse("0.1000000000000000000001").unwrap());
        assert_eq!(
            decode(&encode(&precise, &Type::Number).unwrap(), &Type::Number).unwrap(),
            precise
        );
        // Terraform may send uint64, float32 and decimal strings such as "1e3".
        assert_eq!(
            decode(
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                &Type::Number
            )
            .unwrap(),
            Value::Number(Number::parse("18446744073709551615").unwrap())
        );
        assert_eq!(
            decode(&[0xa3, b'1', b'e', b'3'], &Type::Number).unwrap(),
            Value::number(1000)
        );
        assert_eq!(
            decode(&[0xca, 0x3f, 0xc0, 0, 0], &Type::Number).unwrap(),
            half
        );
        let inf = Value::Number(Number::PosInfinity);
        assert_eq!(
            decode(&encode(&inf, &Type::Number).unwrap(), &Type::Number).unwrap(),
            inf
        );
    }

    #[test]
    fn strings_are_nfc_on_decode() {
        let decomposed = "e\u{301}";
        let mut bytes = vec![0xa0 | decomposed.len() as u8];
        bytes.extend_from_slice(decomposed.as_bytes());
        assert_eq!(
            decode(&bytes, &Type::String).unwrap(),
            Value::string("\u{e9}")
        );
    }

    #[test]
    fn dynamic_values_travel_with_their_type() {
        let v = Value::Dynamic(
            Type::list(Type::String),
            Box::new(Value::List(vec![Value::string("a")])),
        );
        let bytes = encode(&v, &Type::Dynamic).unwrap();
        assert_eq!(&bytes[..2], &[0x92, 0xc4]);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), v);
        assert_eq!(
            decode(&[0xd4, 0, 0], &Type::Dynamic).unwrap(),
            Value::Unknown
        );
        // The type may also come as a str.
        let mut as_str = vec![0x92, 0xa8];
        as_str.extend_from_slice(b"\"string\"");
        as_str.extend_from_slice(&[0xa1, b'z']);
        assert_eq!(
            decode(&as_str, &Type::Dynamic).unwrap(),
            Value::Dynamic(Type::String, Box::new(Value::string("z")))
        );
    }

    #[test]
    fn objects_must_be_complete_and_errors_name_the_path() {
        // {id:"a"} against a 3-attribute object.
        let e = decode(&[0x81, 0xa2, b'i', b'd', 0xa1, b'a'], &obj_type()).unwrap_err();
        assert!(e.message.contains("3 attributes"), "{e}");
        let nested = Type::object([("pages", Type::list(Type::object([("name", Type::String)])))]);
        let bytes = [
            0x81, 0xa5, b'p', b'a', b'g', b'e', b's', 0x91, 0x81, 0xa4, b'n', b'a', b'm', b'e',
            0x05,
        ];
        let e = decode(&bytes, &nested).unwrap_err();
        assert_eq!(e.to_string(), "pages[0].name: string is required");
        // Deeper, through a map and on the way out: every step named, in order.
        let deep = Type::object([(
            "a",
            Type::map(Type::list(Type::object([(
                "b",
                Type::object([("c", Type::String)]),
            )]))),
        )]);
        let bad = Value::object([(
            "a",
            Value::Map(BTreeMap::from([(
                "k".to_string(),
                Value::List(vec![
                    Value::object([("b", Value::Null)]),
                    Value::object([("b", Value::object([("c", Value::Bool(true))]))]),
                ]),
            )])),
        )]);
        let e = encode(&bad, &deep).unwrap_err();
        assert_eq!(e.path.to_string(), r#"a["k"][1].b.c"#, "{e}");
        // An absent attribute is written as null; an unexpected one is refused.
        let partial = Value::object([("id", Value::string("a"))]);
        assert_eq!(
            decode(&encode(&partial, &obj_type()).unwrap(), &obj_type())
                .unwrap()
                .get("name"),
            Some(&Value::Null)
        );
        assert!(encode(&Value::object([("zzz", Value::Null)]), &obj_type()).is_err());
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bytes in [
            &[][..],
            &[0x92, 0x01],
            &[0xdd, 0xff, 0xff, 0xff, 0xff],
            &[0xa5, b'a'],
            &[0xc7, 0xff, 0x0c],
            &[0x05, 0x05],
            &[0xc1],
        ] {
            assert!(
                decode(bytes, &Type::list(Type::Number)).is_err(),
                "{bytes:?}"
            );
        }
        // Deep nesting is refused, not a stack overflow.
        let mut deep = vec![0x91; 10_000];
        deep.push(0x01);
        let mut ty = Type::Number;
        for _ in 0..100 {
            ty = Type::list(ty);
        }
        assert!(decode(&deep, &ty).is_err());
        assert!(decode(&deep, &Type::Dynamic).is_err());
    }

    #[test]
    fn ints_use_the_compact_widths() {
        for (n, bytes) in [
            (0i64, &[0x00][..]),
            (127, &[0x7f]),
            (128, &[0xcc, 0x80]),
            (255, &[0xcc, 0xff]),
            (256, &[0xcd, 0x01, 0x00]),
            (70000, &[0xce, 0x00, 0x01, 0x11, 0x70]),
            (1 << 40, &[0xcf, 0, 0, 1, 0, 0, 0, 0, 0]),
            (-32, &[0xe0]),
            (-33, &[0xd0, 0xdf]),
            (-129, &[0xd1, 0xff, 0x7f]),
            (-40000, &[0xd2, 0xff, 0xff, 0x63, 0xc0]),
            (i64::MIN, &[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0]),
        ] {
            let v = Value::number(n);
            assert_eq!(encode(&v, &Type::Number).unwrap(), bytes, "{n}");
            assert_eq!(decode(bytes, &Type::Number).unwrap(), v, "{n}");
        }
        // Any width decodes, even a wasteful one.
        assert_eq!(
            decode(&[0xd3, 0, 0, 0, 0, 0, 0, 0, 5], &Type::Number).unwrap(),
            Value::number(5)
        );
    }

    #[test]
    fn floats_echo_byte_for_byte_and_decimals_stay_decimal() {
        // Terraform sends 0.1 from a float64; sending it back must be the same float64.
        let mut tenth = vec![0xcb];
        tenth.extend_from_slice(&0.1f64.to_bits().to_be_bytes());
        let v = decode(&tenth, &Type::Number).unwrap();
        assert_eq!(encode(&v, &Type::Number).unwrap(), tenth);
        // The decimal 0.1 (from config, as "0.1") is not that float: it goes back as text.
        let dec = decode(&[0xa3, b'0', b'.', b'1'], &Type::Number).unwrap();
        assert_ne!(dec, v);
        assert_eq!(
            encode(&dec, &Type::Number).unwrap(),
            [0xa3, b'0', b'.', b'1']
        );
        // 2^64 fits no int but is exactly a float64.
        let two64 = Value::Number(Number::parse("18446744073709551616").unwrap());
        assert_eq!(
            encode(&two64, &Type::Number).unwrap(),
            [0xcb, 0x43, 0xf0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            encode(&Value::Number(Number::NegInfinity), &Type::Number).unwrap(),
            [0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0]
        );
        // NaN is no cty number; absurd exponents are refused, not computed with.
        assert!(decode(&[0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0], &Type::Number).is_err());
        let mut huge = vec![0xac];
        huge.extend_from_slice(b"1e-999999999");
        assert!(decode(&huge, &Type::Number).is_err());
    }

    #[test]
    fn every_extension_form_is_an_unknown() {
        let forms: [&[u8]; 6] = [
            &[0xd6, 0x05, 1, 2, 3, 4],
            &[
                0xd8, 0x0c, 0x81, 0x01, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ],
            &[0xc7, 0x00, 0x00],
            &[0xc8, 0x00, 0x03, 0x0c, 0x81, 0x01, 0xc2],
            &[0xc9, 0x00, 0x00, 0x00, 0x03, 0x0c, 0x81, 0x01, 0xc3],
            // refined unknown with a string prefix: {1: false, 2: "ab"}
            &[0xc7, 0x07, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa2, b'a', b'b'],
        ];
        for bytes in forms {
            assert_eq!(
                decode(bytes, &Type::String).unwrap(),
                Value::Unknown,
                "{bytes:x?}"
            );
        }
        // Payloads over 1024 bytes are refused; a truncated one is an error.
        let mut long = vec![0xc8, 0x04, 0x01, 0x0c];
        long.extend(std::iter::repeat_n(0u8, 1025));
        assert!(decode(&long, &Type::String).is_err());
        assert!(decode(&[0xc7, 0x05, 0x0c, 0x81], &Type::String).is_err());
    }

    #[test]
    fn strings_keys_and_numbers_may_come_as_bin() {
        assert_eq!(
            decode(&[0xc4, 0x01, b'x'], &Type::String).unwrap(),
            Value::string("x")
        );
        assert_eq!(
            decode(&[0xc4, 0x02, b'4', b'2'], &Type::Number).unwrap(),
            Value::number(42)
        );
        let t = Type::object([("a", Type::Bool)]);
        assert_eq!(
            decode(&[0x81, 0xc4, 0x01, b'a', 0xc3], &t).unwrap(),
            Value::object([("a", Value::Bool(true))])
        );
        assert!(decode(&[0xc4, 0x01, 0xff], &Type::String).is_err());
    }

    #[test]
    fn object_errors_name_the_attribute() {
        // {id, name} without version: the missing attribute is named.
        let bytes = [
            0x82, 0xa2, b'i', b'd', 0xc0, 0xa4, b'n', b'a', b'm', b'e', 0xc0,
        ];
        let e = decode(&bytes, &obj_type()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "attribute \"version\" is required (an object with 3 attributes is required, 2 given)"
        );
        let bytes = [0x81, 0xa3, b'z', b'z', b'z', 0xc0];
        let e = decode(&bytes, &obj_type()).unwrap_err();
        assert_eq!(e.to_string(), "unsupported attribute \"zzz\"");
        let dup = [0x82, 0xa1, b'a', 0xc0, 0xa1, b'a', 0xc0];
        assert!(decode(&dup, &Type::object([("a", Type::Bool), ("b", Type::Bool)])).is_err());
        // An empty map is an object only of the empty object type.
        assert_eq!(
            decode(&[0x80], &Type::Object(BTreeMap::new())).unwrap(),
            Value::Object(BTreeMap::new())
        );
        assert!(decode(&[0x80], &obj_type()).is_err());
    }

    #[test]
    fn sets_collapse_duplicates_lists_keep_them() {
        let bytes = [
            0x94, 0x01, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0xa1, b'1', 0x02,
        ];
        assert_eq!(
            decode(&bytes, &Type::set(Type::Number)).unwrap(),
            Value::Set(vec![Value::number(1), Value::number(2)])
        );
        assert_eq!(
            decode(&bytes, &Type::list(Type::Number))
                .unwrap()
                .as_map()
                .map(|_| ()),
            None
        );
        let Value::List(items) = decode(&bytes, &Type::list(Type::Number)).unwrap() else {
            panic!("list expected")
        };
        assert_eq!(items.len(), 4);
        // NFC makes composed and decomposed é the same element.
        let nfc = [0x92, 0xa2, 0xc3, 0xa9, 0xa3, b'e', 0xcc, 0x81];
        assert_eq!(
            decode(&nfc, &Type::set(Type::String)).unwrap(),
            Value::Set(vec![Value::string("\u{e9}")])
        );
    }

    #[test]
    fn maps_and_tuples() {
        let t = Type::map(Type::Number);
        let v = Value::Map(
            [
                ("b".to_string(), Value::number(2)),
                ("a".to_string(), Value::Unknown),
            ]
            .into(),
        );
        let bytes = encode(&v, &t).unwrap();
        assert_eq!(bytes, [0x82, 0xa1, b'a', 0xd4, 0, 0, 0xa1, b'b', 0x02]);
        assert_eq!(decode(&bytes, &t).unwrap(), v);
        let tup = Type::Tuple(vec![Type::String, Type::Number]);
        let v = Value::Tuple(vec![Value::string("a"), Value::Null]);
        let bytes = encode(&v, &tup).unwrap();
        assert_eq!(bytes, [0x92, 0xa1, b'a', 0xc0]);
        assert_eq!(decode(&bytes, &tup).unwrap(), v);
        assert!(decode(&[0x91, 0xa1, b'a'], &tup).is_err());
        assert!(encode(&Value::Tuple(vec![]), &tup).is_err());
    }

    #[test]
    fn dynamic_null_and_unknown_forms() {
        // Null / unknown of unknown type: bare nil / extension.
        assert_eq!(encode(&Value::Null, &Type::Dynamic).unwrap(), [0xc0]);
        assert_eq!(
            encode(&Value::Unknown, &Type::Dynamic).unwrap(),
            [0xd4, 0, 0]
        );
        // A typed null keeps its type, as go-cty's marshalDynamic does.
        let typed_null = Value::Dynamic(Type::String, Box::new(Value::Null));
        let bytes = encode(&typed_null, &Type::Dynamic).unwrap();
        let mut want = vec![0x92, 0xc4, 0x08];
        want.extend_from_slice(b"\"string\"");
        want.push(0xc0);
        assert_eq!(bytes, want);
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), typed_null);
        // Plain values cannot go in a dynamic slot: they must carry a type.
        assert!(encode(&Value::string("x"), &Type::Dynamic).is_err());
        // Wrong arity and bad type JSON are errors.
        assert!(decode(&[0x91, 0xc0], &Type::Dynamic).is_err());
        assert!(decode(&[0x92, 0xa1, b'x', 0xc0], &Type::Dynamic).is_err());
    }

    #[test]
    fn depth_limit_allows_deep_schemas_refuses_deeper() {
        let nest = |levels: usize| {
            let mut ty = Type::Number;
            let mut bytes = vec![0x91; levels];
            bytes.push(0x07);
            for _ in 0..levels {
                ty = Type::list(ty);
            }
            (ty, bytes)
        };
        // Half of tokio's default 2 MiB worker stack is enough, even unoptimized.
        let (ty, bytes) = nest(MAX_DEPTH);
        let at_limit = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                decode(&bytes, &ty).and_then(|v| encode(&v, &ty)).ok() == Some(bytes.clone())
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(at_limit);
        let (ty, bytes) = nest(MAX_DEPTH + 1);
        assert_eq!(
            decode(&bytes, &ty).unwrap_err().message,
            "value nested too deeply"
        );
    }

    #[test]
    fn huge_declared_lengths_are_not_trusted() {
        for bytes in [
            &[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01][..],
            &[0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, b'a', 0x01],
            &[0xdb, 0xff, 0xff, 0xff, 0xff, b'a'],
            &[0xc6, 0xff, 0xff, 0xff, 0xff, b'a'],
        ] {
            assert!(decode(bytes, &Type::list(Type::Number)).is_err());
            assert!(decode(bytes, &Type::set(Type::Number)).is_err());
            assert!(decode(bytes, &Type::map(Type::Number)).is_err());
            assert!(decode(bytes, &Type::String).is_err());
        }
        let e = decode(&[0x05, 0x05], &Type::Number).unwrap_err();
        assert_eq!(e.message, "1 trailing bytes after the value");
    }
}
