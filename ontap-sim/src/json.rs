//! Writing JSON straight into one buffer, byte for byte as `serde_json::to_vec_pretty`
//! writes it (2-space indentation, `": "` after keys, `{}` and `[]` when empty), for the
//! answers where serde's generic path costs most: collection pages (see
//! `collection::respond`).
//!
//! Only the structure (brackets, commas, line breaks, indentation) is written here; every
//! scalar (strings with their escapes, integers, floats, `null`) goes through serde_json's
//! own serializer, so its bytes are serde_json's by construction.
//!
//! A value is written at a *depth*: the number of containers around it (0 for a whole
//! body, 1 for the value of one of its fields, 2 for an element of an array in it, ...),
//! which is serde_json's indentation level when it starts that value.

use serde::Serialize;

/// A line break and the indentation of up to 32 levels.
const INDENT: &[u8; 65] = b"\n                                                                ";

/// The output buffer, with scratch space for text built before it is written.
#[derive(Debug, Default)]
pub(crate) struct JsonOut {
    pub bytes: Vec<u8>,
    /// Reused for text that is put together before it is written as a JSON string (a
    /// record's `self` link), so that building it allocates nothing per record.
    pub scratch: String,
}

impl JsonOut {
    pub fn with_capacity(capacity: usize) -> JsonOut {
        JsonOut {
            bytes: Vec::with_capacity(capacity),
            scratch: String::new(),
        }
    }

    /// A line break and the indentation of `depth`.
    #[inline]
    pub fn newline(&mut self, depth: usize) {
        let spaces = depth * 2;
        if spaces < INDENT.len() {
            self.bytes.extend_from_slice(&INDENT[..spaces + 1]);
        } else {
            self.bytes.push(b'\n');
            self.bytes.resize(self.bytes.len() + spaces, b' ');
        }
    }

    /// Opens an object or array (`{` or `[`).
    #[inline]
    pub fn open(&mut self, bracket: u8) {
        self.bytes.push(bracket);
    }

    /// Starts an element of an array or an entry of an object whose container is at
    /// `depth`: the comma after the previous one, the line break, the indentation.
    #[inline]
    pub fn item(&mut self, depth: usize, first: bool) {
        if !first {
            self.bytes.push(b',');
        }
        self.newline(depth + 1);
    }

    /// Starts an entry of an object at `depth` with an already quoted key followed by
    /// `": "`.
    #[inline]
    pub fn raw_key(&mut self, depth: usize, first: bool, quoted_key: &[u8]) {
        self.item(depth, first);
        self.bytes.extend_from_slice(quoted_key);
    }

    /// Starts an entry of an object at `depth` with a key from [`padded_key`]: the
    /// indentation and the key in one copy.
    #[inline]
    pub fn padded_key(&mut self, depth: usize, first: bool, padded: &[u8]) {
        if !first {
            self.bytes.push(b',');
        }
        self.bytes.push(b'\n');
        let spaces = (depth + 1) * 2;
        match KEY_PAD.checked_sub(spaces) {
            Some(skip) => self.bytes.extend_from_slice(padded.get(skip..).unwrap_or_default()),
            None => {
                self.bytes.resize(self.bytes.len() + spaces, b' ');
                self.bytes.extend_from_slice(padded.get(KEY_PAD..).unwrap_or_default());
            }
        }
    }

    /// Starts an entry of an object at `depth` with the key `key`.
    #[cfg(test)]
    pub fn key(&mut self, depth: usize, first: bool, key: &str) {
        self.item(depth, first);
        self.str(key);
        self.bytes.extend_from_slice(b": ");
    }

    /// Closes an object or array at `depth` that had `any` entries.
    #[inline]
    pub fn close(&mut self, depth: usize, bracket: u8, any: bool) {
        if any {
            self.newline(depth);
        }
        self.bytes.push(bracket);
    }

    /// A string, quoted and escaped as serde_json does it (see [`write_str`]).
    #[inline]
    pub fn str(&mut self, s: &str) {
        write_str(&mut self.bytes, s);
    }

    /// The text in [`JsonOut::scratch`], as a string.
    pub fn scratch_str(&mut self) {
        write_str(&mut self.bytes, &self.scratch);
    }

    /// A scalar (string, number, bool, unit) as serde_json writes it; the compact and the
    /// pretty formatter write scalars alike.
    #[inline]
    pub fn scalar<T: Serialize + ?Sized>(&mut self, v: &T) {
        // Writing into a Vec cannot fail, and a scalar has no map keys to reject.
        let _ = v.serialize(&mut serde_json::Serializer::new(&mut self.bytes));
    }

    /// Any serializable value at `depth`, through serde_json's pretty serializer: its
    /// output at depth 0 with every line break followed by `depth` more levels of
    /// indentation, which is what serde_json writes at `depth` (pretty output has line
    /// breaks only between tokens: inside strings they are escaped).
    pub fn serialized<T: Serialize + ?Sized>(&mut self, depth: usize, v: &T) {
        if depth == 0 {
            let _ = v.serialize(&mut serde_json::Serializer::pretty(&mut self.bytes));
            return;
        }
        let text = serde_json::to_vec_pretty(v).unwrap_or_default();
        let mut rest = &text[..];
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            self.bytes.extend_from_slice(&rest[..i]);
            self.newline(depth);
            // `newline` wrote the break; the text's own indentation follows.
            rest = &rest[i + 1..];
        }
        self.bytes.extend_from_slice(rest);
    }
}

/// The spaces in front of a [`padded_key`]: the indentation of 32 levels.
const KEY_PAD: usize = 64;

/// A key as [`JsonOut::padded_key`] writes it: [`KEY_PAD`] spaces, the key quoted and
/// escaped, `": "`.
pub(crate) fn padded_key(key: &str) -> Box<[u8]> {
    let mut padded = vec![b' '; KEY_PAD];
    write_str(&mut padded, key);
    padded.extend_from_slice(b": ");
    padded.into_boxed_slice()
}

/// What serde_json writes for each byte after a backslash: `0` for none (the byte is
/// written as it is), `u` for `\u00XX`, else the letter of a short escape.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// True when one of the 8 bytes may need an escape (a control character, `"` or `\`);
/// never false when one does (it can be true for a byte above one that does).
#[inline]
fn may_need_escape(chunk: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let control = chunk.wrapping_sub(ONES * 0x20) & !chunk & HIGH;
    let quote = has_zero(chunk ^ (ONES * b'"' as u64));
    let backslash = has_zero(chunk ^ (ONES * b'\\' as u64));
    control | quote | backslash != 0
}

/// A JSON string as serde_json writes it: `"`, the text with `"`, `\` and the control
/// characters escaped (`\b`, `\t`, `\n`, `\f`, `\r`, else `\u00XX` in lowercase hex),
/// everything else as it is (DEL and non-ASCII included), `"`. Eight bytes at a time
/// while none needs an escape: most text has none.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes.get(i..i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if !may_need_escape(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        match ESCAPE[b as usize] {
            0 => {}
            escape => {
                out.extend_from_slice(&bytes[start..i]);
                if escape == b'u' {
                    out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(b >> 4) as usize], HEX[(b & 0xf) as usize]]);
                } else {
                    out.extend_from_slice(&[b'\\', escape]);
                }
                start = i + 1;
            }
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Writes `v` (a JSON value) with the structure helpers, as `View` and the collection
    /// envelope do.
    fn write(out: &mut JsonOut, depth: usize, v: &serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                out.open(b'{');
                for (i, (k, v)) in map.iter().enumerate() {
                    out.key(depth, i == 0, k);
                    write(out, depth + 1, v);
                }
                out.close(depth, b'}', !map.is_empty());
            }
            serde_json::Value::Array(items) => {
                out.open(b'[');
                for (i, v) in items.iter().enumerate() {
                    out.item(depth, i == 0);
                    write(out, depth + 1, v);
                }
                out.close(depth, b']', !items.is_empty());
            }
            scalar => out.scalar(scalar),
        }
    }

    fn samples() -> Vec<serde_json::Value> {
        let mut deep = json!("bottom");
        for i in 0..40 {
            deep = json!({ format!("level{i}"): [deep, {}, []] });
        }
        vec![
            json!(null),
            json!({}),
            json!([]),
            json!({"a": {}, "b": [], "c": [{}], "d": [[]], "e": {"f": {}}}),
            json!({"n": 1, "neg": -7, "big": u64::MAX, "small": i64::MIN, "f": 1.5, "e": 1e300, "tiny": 5e-324, "z": -0.0, "one": 1.0}),
            json!({"s": "quote \" backslash \\ controls \u{0}\u{1}\u{8}\u{9}\u{a}\u{c}\u{d}\u{1f} del \u{7f} é 漢字 😀", "key \"with\" escapes\n": true}),
            json!([1, "two", [3, [4, {"five": 5}]], false]),
            deep,
        ]
    }

    #[test]
    fn the_structure_is_serde_jsons_pretty_output() {
        for v in samples() {
            let mut out = JsonOut::default();
            write(&mut out, 0, &v);
            assert_eq!(
                String::from_utf8(out.bytes).unwrap(),
                serde_json::to_string_pretty(&v).unwrap()
            );
        }
    }

    #[test]
    fn serialized_values_nest_at_any_depth() {
        for v in samples() {
            for depth in [1, 2, 3, 31, 32, 33, 70] {
                // The same value inside `depth` arrays: by the helpers, and by serde_json.
                let mut wrapped = v.clone();
                for _ in 0..depth {
                    wrapped = json!([wrapped]);
                }
                let mut out = JsonOut::default();
                for d in 0..depth {
                    out.open(b'[');
                    out.item(d, true);
                }
                out.serialized(depth, &v);
                for d in (0..depth).rev() {
                    out.close(d, b']', true);
                }
                assert_eq!(
                    String::from_utf8(out.bytes).unwrap(),
                    serde_json::to_string_pretty(&wrapped).unwrap(),
                    "depth {depth}"
                );
            }
        }
    }

    fn check_str(s: &str) {
        let mut out = Vec::new();
        write_str(&mut out, s);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(s).unwrap(),
            "{s:?}"
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every ASCII character and some beyond, at every position of a chunk and across
        // chunk boundaries, among neighbours that look alike to the 8-byte test.
        let specials: Vec<char> = (0u8..=0x7f)
            .map(char::from)
            .chain(['\u{80}', 'é', '\u{7ff}', '漢', '\u{ffff}', '😀'])
            .collect();
        for fill in ['a', ' ', '!', '#', '[', ']', '\u{1f}', '\u{7f}', 'é'] {
            for &c in &specials {
                for len in [0, 1, 7, 8, 9, 15, 16, 17, 24] {
                    for pos in 0..=len {
                        let s: String = (0..len)
                            .map(|i| if i == pos { c } else { fill })
                            .chain((pos == len).then_some(c))
                            .collect();
                        check_str(&s);
                    }
                }
            }
        }
        // Pseudo-random mixes.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2000 {
            let len = (x % 40) as usize;
            let s: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    specials[(x % specials.len() as u64) as usize]
                })
                .collect();
            check_str(&s);
        }
    }

    #[test]
    fn padded_keys_are_keys_at_any_depth() {
        for depth in [0, 1, 5, 30, 31, 32, 40] {
            for first in [true, false] {
                let (mut a, mut b) = (JsonOut::default(), JsonOut::default());
                a.key(depth, first, "k\"ey");
                b.padded_key(depth, first, &padded_key("k\"ey"));
                assert_eq!(a.bytes, b.bytes, "depth {depth}");
            }
        }
    }

    #[test]
    fn scratch_text_is_written_as_a_string() {
        let mut out = JsonOut::default();
        out.scratch.push_str("/api/a\"b");
        out.scratch_str();
        assert_eq!(out.bytes, br#""/api/a\"b""#);
    }
}
