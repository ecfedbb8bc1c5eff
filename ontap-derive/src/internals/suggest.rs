//! "Did you mean ...?" for misspelled attribute names.

use super::symbol::Symbol;

/// The candidate closest to `word`, when it is close enough to be a likely
/// misspelling (`colection` → `collection`, `gte` → `get`).
pub fn closest(word: &str, candidates: &[Symbol]) -> Option<Symbol> {
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate.as_str()), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.as_str().len().max(3) / 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `unknown {what} `{word}``, followed by the closest valid name when there
/// is one, or else by the list of valid names.
pub fn unknown(what: &str, word: &str, candidates: &[Symbol]) -> String {
    match closest(word, candidates) {
        Some(candidate) => format!("unknown {what} `{word}`: did you mean `{candidate}`?"),
        None => format!("unknown {what} `{word}`: expected {}", one_of(candidates)),
    }
}

/// "`a`, `b` or `c`".
pub fn one_of(candidates: &[Symbol]) -> String {
    let mut out = String::new();
    for (i, candidate) in candidates.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == candidates.len() { " or " } else { ", " });
        }
        out.push('`');
        out.push_str(candidate.as_str());
        out.push('`');
    }
    out
}

/// The optimal string alignment distance: insertions, deletions,
/// substitutions and swaps of two neighbours each count one.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::internals::symbol::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("get", "get"), 0);
        assert_eq!(edit_distance("gte", "get"), 1);
        assert_eq!(edit_distance("colection", "collection"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("colection", RESOURCE_CONTAINER), Some(COLLECTION));
        assert_eq!(closest("pth", RESOURCE_CONTAINER), Some(PATH));
        assert_eq!(closest("gte", RESOURCE_FIELD), Some(GET));
        assert_eq!(closest("secert", RESOURCE_FIELD), Some(SECRET));
        assert_eq!(closest("renmae", RESOURCE_FIELD), Some(RENAME));
        assert_eq!(closest("serialize", RESOURCE_FIELD), None);
        assert_eq!(
            unknown("attribute", "zzz", &[GET, POST, PATCH]),
            "unknown attribute `zzz`: expected `get`, `post` or `patch`"
        );
    }
}
