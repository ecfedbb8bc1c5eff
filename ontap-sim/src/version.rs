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

    /// The version in a package file name: the first dotted one (`ontap-9.16.1-image.tgz`
    /// → `9.16.1`, `9.15.1P3_q_image.tgz` → `9.15.1P3`), else the first undotted one in
    /// NetApp's own spelling (see [`Version::undotted`]: `9171_q_image.tgz` → `9.17.1`,
    /// `96P3_q_image.tgz` → `9.6P3`, `9161P2_q_image.tgz` → `9.16.1P2`). `None` when the
    /// name has neither (`image.tgz`, `package`).
    pub fn from_file_name(name: &str) -> Option<Version> {
        let bytes = name.as_bytes();
        let starts = || {
            (0..bytes.len()).filter(|&i| {
                bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
            })
        };
        starts()
            .find_map(|i| Version::scan(&name[i..]).map(|(v, _)| v))
            .or_else(|| {
                starts()
                    .filter(|&i| i == 0 || !bytes[i - 1].is_ascii_alphabetic())
                    .find_map(|i| Version::undotted(&name[i..]))
            })
    }

    /// Reads NetApp's undotted spelling of a version at the start of `s` (as in its image
    /// names, `9171_q_image.tgz`): a run of 2 to 4 digits starting with the generation
    /// `9`, then an optional `RCn`/`Pn`/`Dn` suffix, then the end or a character that is
    /// neither a letter nor a digit (nor a `.` before a digit). After the `9`:
    ///
    /// - one digit is the major alone: `96` → 9.6 (releases up to 9.8 had no third number);
    /// - two digits are a one-digit major and the minor: `991` → 9.9.1, `911` → 9.1.1;
    /// - three digits are a two-digit major (10 to 99, no leading zero) and the minor:
    ///   `9101` → 9.10.1, `9111` → 9.11.1, `9171` → 9.17.1.
    ///
    /// The minor is always one digit, and every release with a two-digit major (9.10.1
    /// onwards) has one, so the last digit of three or more is the minor: `911` can only
    /// be 9.1.1, never 9.11 (which NetApp writes `9111`). Any other run (`9`, `91234`,
    /// `9051`, `2024`) is no version. The text is the dotted form (`9.16.1P2`).
    fn undotted(s: &str) -> Option<Version> {
        let b = s.as_bytes();
        let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if b.first() != Some(&b'9') || !(2..=4).contains(&digits) {
            return None;
        }
        let d = |i: usize| u32::from(b[i] - b'0');
        let (major, minor) = match digits {
            2 => (d(1), None),
            3 => (d(1), Some(d(2))),
            _ if b[1] != b'0' => (d(1) * 10 + d(2), Some(d(3))),
            _ => return None,
        };
        let (suffix, end) = Version::scan_suffix(s, digits)?;
        let next = b.get(end).copied();
        let after = b.get(end + 1).copied();
        if next.is_some_and(|c| c.is_ascii_alphanumeric() || (c == b'.' && after.is_some_and(|a| a.is_ascii_digit()))) {
            return None;
        }
        let mut text = format!("9.{major}");
        if let Some(m) = minor {
            text.push_str(&format!(".{m}"));
        }
        text.push_str(&s[digits..end]);
        Some(Version {
            text,
            generation: 9,
            major,
            minor: minor.unwrap_or(0),
            suffix,
        })
    }

    /// The release after this one, which a package without a version in its name is
    /// taken to be by default: the major goes up, the minor stays, the suffix goes
    /// (`9.15.1` → `9.16.1`, `9.16.1P3` → `9.17.1`, `9.8` → `9.9`).
    pub fn next_release(&self) -> Version {
        let major = self.major.saturating_add(1);
        // A third number only when this version was written with one.
        let text = if self.text.bytes().filter(|&c| c == b'.').count() >= 2 {
            format!("{}.{major}.{}", self.generation, self.minor)
        } else {
            format!("{}.{major}", self.generation)
        };
        Version {
            text,
            generation: self.generation,
            major,
            minor: self.minor,
            suffix: Suffix::Release,
        }
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
        let (suffix, pos) = Version::scan_suffix(s, pos)?;
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

    /// Reads an optional `RCn`, `Pn` or `Dn` (case-insensitive) at `pos` in `s`; returns
    /// it (`Release` when there is none) and the position after it. `None` when its
    /// number is too long.
    fn scan_suffix(s: &str, pos: usize) -> Option<(Suffix, usize)> {
        let rest = &s[pos..];
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
                let digits = &rest[tag.len()..];
                let len = digits.bytes().take_while(u8::is_ascii_digit).count();
                let n = Some(&digits[..len]).filter(|d| d.len() <= 6)?.parse().ok()?;
                return Some((make(n), pos + tag.len() + len));
            }
        }
        Some((Suffix::Release, pos))
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
        assert_eq!(f("package"), None);
        assert_eq!(f("a.b.c"), None);
        assert_eq!(f("é9.1ü"), Some("9.1".to_owned()));
    }

    #[test]
    fn reads_netapp_undotted_image_names() {
        let f = |n: &str| Version::from_file_name(n).map(|v| v.as_str().to_owned());
        for (name, want) in [
            ("9171_q_image.tgz", "9.17.1"),
            ("96P3_q_image.tgz", "9.6P3"),
            ("9161P2_q_image.tgz", "9.16.1P2"),
            ("9101_q_image.tgz", "9.10.1"),
            ("9111_q_image.tgz", "9.11.1"),
            ("9191_q_image.tgz", "9.19.1"),
            ("991P1_q_image.tgz", "9.9.1P1"),
            ("98_q_image.tgz", "9.8"),
            ("9171RC1_q_image.tgz", "9.17.1RC1"),
            ("9161p2_nodar_image.tgz", "9.16.1p2"),
            ("9171.tgz", "9.17.1"),
            ("ontap-9171-image.tgz", "9.17.1"),
            // Three digits: a one-digit major and the minor, never a two-digit major alone.
            ("911_image.tgz", "9.1.1"),
            ("910_image.tgz", "9.1.0"),
            // A two-digit major beyond today's 19 reads the same way.
            ("9201_q_image.tgz", "9.20.1"),
            // A dotted version wins over an undotted one anywhere in the name.
            ("9171_q_image-9.16.1.tgz", "9.16.1"),
            // The first run that is a version.
            ("2024_9161_image.tgz", "9.16.1"),
        ] {
            assert_eq!(f(name).as_deref(), Some(want), "{name}");
        }
        for name in [
            "9_image.tgz",     // the generation alone
            "91234_image.tgz", // five digits
            "9051_image.tgz",  // a two-digit major with a leading zero
            "2024_image.tgz",  // not generation 9
            "8171_image.tgz",  // not generation 9
            "v9171_image.tgz", // touches a letter before
            "9171q_image.tgz", // touches a letter after
            "9171P_image.tgz", // a suffix without its number
            "sha-a9171b.tgz",  // inside a hex string
            "image.tgz",
        ] {
            assert_eq!(f(name), None, "{name}");
        }
        // Read versions compare as their dotted spelling does.
        assert_eq!(Version::from_file_name("9161P2_q_image.tgz").unwrap(), v("9.16.1P2"));
        assert_eq!(Version::from_file_name("9101_q_image.tgz").unwrap(), v("9.10.1"));
        assert!(Version::from_file_name("991_q_image.tgz").unwrap() < v("9.10.1"));
        let n = Version::from_file_name("9171_q_image.tgz").unwrap();
        assert_eq!((n.generation, n.major, n.minor), (9, 17, 1));
        let n = Version::from_file_name("96P3_q_image.tgz").unwrap();
        assert_eq!((n.generation, n.major, n.minor), (9, 6, 0));
        assert!(n > v("9.6") && n < v("9.6P4"));
    }

    #[test]
    fn next_release() {
        let next = |s: &str| v(s).next_release().as_str().to_owned();
        assert_eq!(next("9.15.1"), "9.16.1");
        assert_eq!(next("9.16.1P3"), "9.17.1");
        assert_eq!(next("9.17.1RC1"), "9.18.1");
        assert_eq!(next("9.9.1"), "9.10.1");
        assert_eq!(next("9.8"), "9.9");
        assert!(v("9.15.1").next_release() > v("9.15.1P9"));
        assert_eq!(v("9.15.1").next_release(), v("9.16.1"));
    }
}
