//! Reading a release from a package file name, and the release a package without one is
//! taken to be. Releases themselves are [`Release`] (parsing, ordering, display).

pub(crate) use ontap_model::Release;

/// The release in a package file name: the first dotted one (`ontap-9.16.1-image.tgz` →
/// `9.16.1`, `9.15.1P3_q_image.tgz` → `9.15.1P3`), else the first undotted one in NetApp's
/// own spelling (see [`undotted`]: `9171_q_image.tgz` → `9.17.1`, `96P3_q_image.tgz` →
/// `9.6P3`, `9161P2_q_image.tgz` → `9.16.1P2`). `None` when the name has neither
/// (`image.tgz`, `package`).
pub(crate) fn from_file_name(name: &str) -> Option<Release> {
    let bytes = name.as_bytes();
    let starts = || {
        (0..bytes.len()).filter(|&i| {
            bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
        })
    };
    starts()
        .find_map(|i| Release::parse_prefix(&name[i..]).map(|(v, _)| v))
        .or_else(|| {
            starts()
                .filter(|&i| i == 0 || !bytes[i - 1].is_ascii_alphabetic())
                .find_map(|i| undotted(&name[i..]))
        })
}

/// Reads NetApp's undotted spelling of a release at the start of `s` (as in its image
/// names, `9171_q_image.tgz`): a run of 2 to 4 digits starting with the generation `9`,
/// then an optional `RCn`/`Pn`/`Dn`/`Xn` suffix, then the end or a character that is
/// neither a letter nor a digit (nor a `.` before a digit). After the `9`:
///
/// - one digit is the major alone: `96` → 9.6 (releases up to 9.8 had no third number);
/// - two digits are a one-digit major and the minor: `991` → 9.9.1, `911` → 9.1.1;
/// - three digits are a two-digit major (10 to 99, no leading zero) and the minor:
///   `9101` → 9.10.1, `9111` → 9.11.1, `9171` → 9.17.1.
///
/// The minor is always one digit, and every release with a two-digit major (9.10.1
/// onwards) has one, so the last digit of three or more is the minor: `911` can only be
/// 9.1.1, never 9.11 (which NetApp writes `9111`). Any other run (`9`, `91234`, `9051`,
/// `2024`) is no release.
fn undotted(s: &str) -> Option<Release> {
    let b = s.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if b.first() != Some(&b'9') || !(2..=4).contains(&digits) {
        return None;
    }
    let d = |i: usize| char::from(b[i]);
    let dotted = match digits {
        2 => format!("9.{}", d(1)),
        3 => format!("9.{}.{}", d(1), d(2)),
        _ if b[1] != b'0' => format!("9.{}{}.{}", d(1), d(2), d(3)),
        _ => return None,
    };
    // The suffix, read the way a dotted release reads it.
    let (with_suffix, len) = Release::parse_prefix(&format!("{dotted}{}", &s[digits..]))?;
    let end = digits + (len - dotted.len());
    let next = b.get(end).copied();
    let after = b.get(end + 1).copied();
    if next.is_some_and(|c| c.is_ascii_alphanumeric() || (c == b'.' && after.is_some_and(|a| a.is_ascii_digit()))) {
        return None;
    }
    Some(with_suffix)
}

/// The release after `v`, which a package without a release in its name is taken to be by
/// default: the major goes up, the minor stays, the suffix goes (`9.15.1` → `9.16.1`,
/// `9.16.1P3` → `9.17.1`, `9.8` → `9.9`).
pub(crate) fn next_release(v: &Release) -> Release {
    Release::new(v.generation(), v.major().saturating_add(1), v.minor())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Release {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_file_names() {
        let f = |n: &str| from_file_name(n).map(|v| v.to_string());
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
        let f = |n: &str| from_file_name(n).map(|v| v.to_string());
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
            ("9161p2_nodar_image.tgz", "9.16.1P2"),
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
        assert_eq!(from_file_name("9161P2_q_image.tgz").unwrap(), v("9.16.1P2"));
        assert_eq!(from_file_name("9101_q_image.tgz").unwrap(), v("9.10.1"));
        assert!(from_file_name("991_q_image.tgz").unwrap() < v("9.10.1"));
        let n = from_file_name("9171_q_image.tgz").unwrap();
        assert_eq!((n.generation(), n.major(), n.minor()), (9, 17, 1));
        let n = from_file_name("96P3_q_image.tgz").unwrap();
        assert_eq!((n.generation(), n.major(), n.minor()), (9, 6, 0));
        assert!(n > v("9.6") && n < v("9.6P4"));
    }

    #[test]
    fn next_release_of_a_package() {
        let next = |s: &str| next_release(&v(s)).to_string();
        assert_eq!(next("9.15.1"), "9.16.1");
        assert_eq!(next("9.16.1P3"), "9.17.1");
        assert_eq!(next("9.17.1RC1"), "9.18.1");
        assert_eq!(next("9.9.1"), "9.10.1");
        assert_eq!(next("9.8"), "9.9");
        assert!(next_release(&v("9.15.1")) > v("9.15.1P9"));
        assert_eq!(next_release(&v("9.15.1")), v("9.16.1"));
    }
}
