//! ONTAP release versions (`9.16.1`, `9.15.1P3`, `9.17.1RC1`): parsing, ordering, and
//! reading one from a package file name.

use std::cmp::Ordering;
use std::fmt;

/// What follows the numbers: a release candidate sorts before the release, a patch after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Suffix {
    Rc(u32),
    Release,
    Patch(u32),
}

/// A parsed ONTAP version. Equal versions compare equal whatever their spelling.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    text: String,
    pub generation: u32,
    pub major: u32,
    pub minor: u32,
    suffix: Suffix,
}

impl Version {
    /// Parses `G.M[.m][RCn|Pn|Dn]` (case-insensitive suffix). `D` builds count as patches.
    pub fn parse(text: &str) -> Option<Version> {
        let (v, len) = Version::scan(text)?;
        (len == text.len()).then_some(v)
    }

    /// The first version in a package file name: `ontap-9.16.1-image.tgz` → `9.16.1`,
    /// `9.15.1P3_q_image.tgz` → `9.15.1P3`. The numbers must be dotted (`9161_q_image.tgz`
    /// has no version the simulator can read).
    pub fn from_file_name(name: &str) -> Option<Version> {
        let bytes = name.as_bytes();
        (0..bytes.len())
            .filter(|&i| {
                bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
            })
            .find_map(|i| Version::scan(&name[i..]).map(|(v, _)| v))
    }

    /// Reads a version at the start of `s`; returns it and the number of bytes it took.
    fn scan(s: &str) -> Option<(Version, usize)> {
        let b = s.as_bytes();
        let mut pos = 0;
        let number = |pos: &mut usize| -> Option<u32> {
            let start = *pos;
            while *pos < b.len() && b[*pos].is_ascii_digit() {
                *pos += 1;
            }
            s.get(start..*pos)
                .filter(|d| !d.is_empty() && d.len() <= 6)?
                .parse()
                .ok()
        };
        let generation = number(&mut pos)?;
        if b.get(pos) != Some(&b'.') {
            return None;
        }
        pos += 1;
        let major = number(&mut pos)?;
        let mut minor = 0;
        if b.get(pos) == Some(&b'.') && b.get(pos + 1).is_some_and(u8::is_ascii_digit) {
            pos += 1;
            minor = number(&mut pos)?;
        }
        let rest = &s[pos..];
        let mut suffix = Suffix::Release;
        for (tag, make) in [
            ("RC", Suffix::Rc as fn(u32) -> Suffix),
            ("P", Suffix::Patch),
            ("D", Suffix::Patch),
        ] {
            if rest.len() > tag.len()
                && rest.is_char_boundary(tag.len())
                && rest[..tag.len()].eq_ignore_ascii_case(tag)
                && rest.as_bytes()[tag.len()].is_ascii_digit()
            {
                let mut p = pos + tag.len();
                let n = number(&mut p)?;
                suffix = make(n);
                pos = p;
                break;
            }
        }
        let text = s[..pos].to_owned();
        Some((
            Version {
                text,
                generation,
                major,
                minor,
                suffix,
            },
            pos,
        ))
    }

    /// The version as written (`9.16.1`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn rank(&self) -> (u32, u32, u32, Suffix) {
        (self.generation, self.major, self.minor, self.suffix)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_and_orders() {
        assert_eq!(v("9.16.1").major, 16);
        assert_eq!(v("9.16").minor, 0);
        assert!(v("9.15.1") < v("9.16.1"));
        assert!(v("9.16.1RC1") < v("9.16.1"));
        assert!(v("9.16.1") < v("9.16.1P2"));
        assert!(v("9.16.1P2") < v("9.16.1P10"));
        assert!(v("9.9.1") < v("9.10.1"));
        assert_eq!(v("9.16.1"), v("9.16.1"));
        assert_eq!(v("9.16.1p3").as_str(), "9.16.1p3");
        for bad in ["", "9", "9.", "x9.1", "9.16.1-", "9.16.1P", "99999999.1"] {
            assert!(Version::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn reads_file_names() {
        let f = |n: &str| Version::from_file_name(n).map(|v| v.as_str().to_owned());
        assert_eq!(f("ontap-9.16.1-image.tgz").as_deref(), Some("9.16.1"));
        assert_eq!(f("9.15.1P3_q_image.tgz").as_deref(), Some("9.15.1P3"));
        assert_eq!(f("v9.17.1RC1.tgz").as_deref(), Some("9.17.1RC1"));
        assert_eq!(f("image.tgz"), None);
        assert_eq!(f("9161_q_image.tgz"), None);
        assert_eq!(f("a.b.c"), None);
        assert_eq!(f("é9.1ü"), Some("9.1".to_owned()));
    }
}
