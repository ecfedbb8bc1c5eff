//! ONTAP releases (`9.8`, `9.10.1`, `9.12.1P4`, `9.17.1RC1`): parsed from what clusters
//! report, ordered, and compared with the model's `x-ntap-introduced` markers.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;

/// What follows a release's numbers: a release candidate comes before the release, a
/// patch (`P`), a debug build (`D`) or a special build (`X`) after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Build {
    Rc(u32),
    Ga,
    /// The number, then the letter as written (`P`, `D` or `X`, upper case).
    Patch(u32, u8),
}

/// An ONTAP release, as a cluster reports it or as the model's markers name it.
///
/// Releases are ordered by their numbers, then a release candidate before the release
/// and patches after it: `9.9.1 < 9.10.1RC1 < 9.10.1 < 9.10.1P4`. A marker such as
/// `"9.10"` (where the model says a field first appeared) compares as the first of that
/// line, so every 9.10 release is at least it.
///
/// ```
/// use ontap_model::Release;
///
/// let cluster: Release = "9.12.1P4".parse().unwrap();
/// assert!(cluster >= Release::new(9, 12, 0));
/// assert!(cluster > "9.12.1".parse().unwrap());
/// assert!(cluster < "9.13.1RC1".parse().unwrap());
/// assert_eq!(cluster.to_string(), "9.12.1P4");
/// assert_eq!((cluster.generation(), cluster.major(), cluster.minor()), (9, 12, 1));
///
/// // What `GET /api/cluster?fields=version` answers.
/// let version = serde_json::json!({
///     "full": "NetApp Release 9.10.1P4: Tue Jan 25 12:27:29 UTC 2022",
///     "generation": 9, "major": 10, "minor": 1
/// });
/// assert_eq!(Release::from_json(&version).unwrap().to_string(), "9.10.1P4");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Release {
    generation: u16,
    major: u16,
    /// `None` when written with two numbers (`9.8`).
    minor: Option<u16>,
    build: Build,
}

/// A text that is no ONTAP release.
///
/// ```
/// let err = "nine".parse::<ontap_model::Release>().unwrap_err();
/// assert_eq!(err.to_string(), "\"nine\" is not an ONTAP release such as 9.12.1 or 9.10.1P4");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an ONTAP release such as 9.12.1 or 9.10.1P4")]
pub struct ReleaseError(String);

impl Release {
    /// The release `generation.major.minor` (a minor of 0 is written `9.8`, not `9.8.0`).
    ///
    /// ```
    /// let r = ontap_model::Release::new(9, 8, 0);
    /// assert_eq!(r.to_string(), "9.8");
    /// assert_eq!(r, "9.8.0".parse().unwrap());
    /// ```
    pub const fn new(generation: u16, major: u16, minor: u16) -> Release {
        Release {
            generation,
            major,
            minor: if minor == 0 { None } else { Some(minor) },
            build: Build::Ga,
        }
    }

    /// The first number (`9`).
    ///
    /// ```
    /// assert_eq!(ontap_model::Release::new(9, 16, 1).generation(), 9);
    /// ```
    pub const fn generation(&self) -> u16 {
        self.generation
    }

    /// The second number (`16` of `9.16.1`).
    ///
    /// ```
    /// assert_eq!(ontap_model::Release::new(9, 16, 1).major(), 16);
    /// ```
    pub const fn major(&self) -> u16 {
        self.major
    }

    /// The third number (`1` of `9.16.1`; `0` for `9.8`).
    ///
    /// ```
    /// assert_eq!(ontap_model::Release::new(9, 16, 1).minor(), 1);
    /// ```
    pub const fn minor(&self) -> u16 {
        match self.minor {
            Some(m) => m,
            None => 0,
        }
    }

    /// The release line without its candidate or patch (`9.12.1P4` → `9.12.1`).
    ///
    /// ```
    /// let r: ontap_model::Release = "9.12.1P4".parse().unwrap();
    /// assert_eq!(r.line().to_string(), "9.12.1");
    /// ```
    pub const fn line(&self) -> Release {
        Release {
            build: Build::Ga,
            ..*self
        }
    }

    /// Reads a release at the start of `text` (`"9.16.1-image.tgz"` → `9.16.1`); returns
    /// it and the number of bytes it took.
    ///
    /// ```
    /// let (r, len) = ontap_model::Release::parse_prefix("9.16.1P2_q_image.tgz").unwrap();
    /// assert_eq!((r.to_string().as_str(), len), ("9.16.1P2", 8));
    /// ```
    pub fn parse_prefix(text: &str) -> Option<(Release, usize)> {
        let b = text.as_bytes();
        let number = |pos: &mut usize| -> Option<u16> {
            let start = *pos;
            while *pos < b.len() && b[*pos].is_ascii_digit() {
                *pos += 1;
            }
            text.get(start..*pos)
                .filter(|d| !d.is_empty() && d.len() <= 4)?
                .parse()
                .ok()
        };
        let mut pos = 0;
        let generation = number(&mut pos)?;
        if b.get(pos) != Some(&b'.') {
            return None;
        }
        pos += 1;
        let major = number(&mut pos)?;
        let mut minor = None;
        if b.get(pos) == Some(&b'.') && b.get(pos + 1).is_some_and(u8::is_ascii_digit) {
            pos += 1;
            minor = Some(number(&mut pos)?);
        }
        let (build, pos) = scan_build(text, pos)?;
        Some((
            Release {
                generation,
                major,
                minor,
                build,
            },
            pos,
        ))
    }

    /// Reads the release in the `full` text a cluster reports (`"NetApp Release
    /// 9.12.1P4: Tue Jan 25 ..."`, also `"NetApp Release 9.8P5 D: ..."`): the first
    /// release in it.
    ///
    /// ```
    /// let r = ontap_model::Release::from_full("NetApp Release 9.13.1P6: Wed Nov 29 00:32:45 UTC 2023");
    /// assert_eq!(r.unwrap().to_string(), "9.13.1P6");
    /// ```
    pub fn from_full(full: &str) -> Option<Release> {
        let b = full.as_bytes();
        (0..b.len())
            .filter(|&i| b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.'))
            .find_map(|i| Release::parse_prefix(&full[i..]).map(|(r, _)| r))
    }

    /// Reads a cluster's `version` as ONTAP reports it: the object `{"full",
    /// "generation", "major", "minor"}` (the `full` text carries the patch, the numbers
    /// are used when it is missing or unreadable), or a text such as `"9.10.1P4"`.
    ///
    /// ```
    /// use serde_json::json;
    /// let r = ontap_model::Release::from_json(&json!({"generation": 9, "major": 8, "minor": 0}));
    /// assert_eq!(r.unwrap().to_string(), "9.8");
    /// assert!(ontap_model::Release::from_json(&json!("9.12.1X12")).is_some());
    /// assert!(ontap_model::Release::from_json(&json!({"full": "?"})).is_none());
    /// ```
    pub fn from_json(version: &Value) -> Option<Release> {
        match version {
            Value::String(s) => s.parse().ok().or_else(|| Release::from_full(s)),
            Value::Object(map) => {
                let number = |key: &str| map.get(key)?.as_u64().and_then(|n| u16::try_from(n).ok());
                let full = map.get("full").and_then(Value::as_str).and_then(Release::from_full);
                let numbers = match (number("generation"), number("major"), number("minor")) {
                    (Some(g), Some(m), minor) => Some(Release::new(g, m, minor.unwrap_or(0))),
                    _ => None,
                };
                match (full, numbers) {
                    // The numbers are authoritative; the text adds the patch.
                    (Some(f), Some(n)) if f.line() == n.line() => Some(f),
                    (_, Some(n)) => Some(n),
                    (f, None) => f,
                }
            }
            _ => None,
        }
    }

    fn rank(&self) -> (u16, u16, u16, Build) {
        (self.generation, self.major, self.minor(), self.build)
    }
}

/// Reads an optional `RCn`, `Pn`, `Dn` or `Xn` (any case) at `pos`: the build (`Ga` when
/// there is none) and the position after it; `None` when its number is too long.
fn scan_build(s: &str, pos: usize) -> Option<(Build, usize)> {
    let rest = &s[pos..];
    for tag in ["RC", "P", "D", "X"] {
        if rest.len() > tag.len()
            && rest.is_char_boundary(tag.len())
            && rest[..tag.len()].eq_ignore_ascii_case(tag)
            && rest.as_bytes()[tag.len()].is_ascii_digit()
        {
            let digits = &rest[tag.len()..];
            let len = digits.bytes().take_while(u8::is_ascii_digit).count();
            let n = Some(&digits[..len]).filter(|d| d.len() <= 6)?.parse().ok()?;
            let build = match tag {
                "RC" => Build::Rc(n),
                _ => Build::Patch(n, tag.as_bytes()[0]),
            };
            return Some((build, pos + tag.len() + len));
        }
    }
    Some((Build::Ga, pos))
}

impl FromStr for Release {
    type Err = ReleaseError;

    /// `G.M[.m]` with an optional `RCn`, `Pn`, `Dn` or `Xn`, surrounding spaces allowed.
    fn from_str(text: &str) -> Result<Release, ReleaseError> {
        let t = text.trim();
        match Release::parse_prefix(t) {
            Some((r, len)) if len == t.len() => Ok(r),
            _ => Err(ReleaseError(text.to_owned())),
        }
    }
}

impl PartialEq for Release {
    /// `9.8` and `9.8.0` are the same release.
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for Release {}

impl std::hash::Hash for Release {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
    }
}

impl PartialOrd for Release {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Release {
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank().cmp(&other.rank())
    }
}

impl fmt::Display for Release {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.generation, self.major)?;
        if let Some(m) = self.minor {
            write!(f, ".{m}")?;
        }
        match self.build {
            Build::Ga => Ok(()),
            Build::Rc(n) => write!(f, "RC{n}"),
            Build::Patch(n, letter) => write!(f, "{}{n}", char::from(letter)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Release {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn parses_every_spelling_clusters_report() {
        for (text, shown, numbers) in [
            ("9.8", "9.8", (9, 8, 0)),
            ("9.8P5", "9.8P5", (9, 8, 0)),
            ("9.9.1", "9.9.1", (9, 9, 1)),
            ("9.10.1", "9.10.1", (9, 10, 1)),
            ("9.10.1P4", "9.10.1P4", (9, 10, 1)),
            ("9.12.1X12", "9.12.1X12", (9, 12, 1)),
            ("9.16.1p3", "9.16.1P3", (9, 16, 1)),
            ("9.17.1RC1", "9.17.1RC1", (9, 17, 1)),
            ("9.11.1D4", "9.11.1D4", (9, 11, 1)),
            (" 9.19.1 ", "9.19.1", (9, 19, 1)),
        ] {
            let v = r(text);
            assert_eq!(v.to_string(), shown, "{text}");
            assert_eq!((v.generation(), v.major(), v.minor()), numbers, "{text}");
        }
        for bad in [
            "",
            "9",
            "9.",
            "x9.1",
            "9.16.1-",
            "9.16.1P",
            "99999.1",
            "9.16.1 P2",
            "9.16.1RC",
        ] {
            assert!(bad.parse::<Release>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_candidates_releases_and_patches() {
        let ordered = [
            "9.6",
            "9.7",
            "9.8",
            "9.8P5",
            "9.9.1",
            "9.10.1RC1",
            "9.10.1",
            "9.10.1P4",
            "9.10.1P10",
            "9.12.1X12",
            "9.19.1",
        ];
        for pair in ordered.windows(2) {
            assert!(r(pair[0]) < r(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(r("9.8").cmp(&r("9.8.0")), Ordering::Equal);
        assert_eq!(Release::new(9, 8, 0), r("9.8"));
        // A marker is the first of its line.
        assert!(r("9.10.1RC1") >= Release::new(9, 10, 0));
        assert!(r("9.9.1P20") < Release::new(9, 10, 0));
    }

    #[test]
    fn reads_what_a_cluster_reports() {
        use serde_json::json;
        let full = |s: &str| Release::from_full(s).map(|r| r.to_string());
        assert_eq!(
            full("NetApp Release 9.12.1P4: Tue Jan 25 12:27:29 UTC 2022").as_deref(),
            Some("9.12.1P4")
        );
        assert_eq!(
            full("NetApp Release 9.8P5 D: Mon Jun 14 2021").as_deref(),
            Some("9.8P5")
        );
        assert_eq!(
            full("NetApp Release Metropolitan__9.10.1: Thu").as_deref(),
            Some("9.10.1")
        );
        assert_eq!(full("no release here"), None);
        let j = |v: Value| Release::from_json(&v).map(|r| r.to_string());
        assert_eq!(
            j(json!({"full": "NetApp Release 9.10.1P4: Tue", "generation": 9, "major": 10, "minor": 1})).as_deref(),
            Some("9.10.1P4")
        );
        // The numbers win over a `full` that disagrees.
        assert_eq!(
            j(json!({"full": "NetApp Release 9.9.1: x", "generation": 9, "major": 10, "minor": 1})).as_deref(),
            Some("9.10.1")
        );
        assert_eq!(j(json!({"generation": 9, "major": 7})).as_deref(), Some("9.7"));
        assert_eq!(j(json!("9.12.1X12")).as_deref(), Some("9.12.1X12"));
        assert_eq!(j(json!({"generation": "9"})), None);
        assert_eq!(j(json!(9)), None);
    }
}
