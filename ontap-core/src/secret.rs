//! A string that never prints.
use std::cell::Cell;
use std::fmt;

/// What a secret prints as, everywhere.
pub const MASK: &str = "*********";

/// A password or other secret: `Debug`, `Display` and serialization write
/// `*********`; only a request body carries the real value.
///
/// ```
/// use ontap_core::Secret;
/// let s = Secret::from("hunter2");
/// assert_eq!(format!("{s} {s:?}"), "********* *********");
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#""*********""#);
/// assert_eq!(s.expose(), "hunter2");
/// ```
///
/// Serialization writes the real value only while a request body is being
/// built ([`crate::body`], [`crate::to_request_json`]), so that a secret
/// anywhere in a resource, nested objects included, is masked in everything
/// else: `Display`, [`crate::to_json`], logs, or a plain `serde_json::to_string`.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The real value. Call it only where the value must travel.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// Serializes [`MASK`], or the real value while a request body is built.
impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if REVEAL.get() {
            serializer.serialize_str(&self.0)
        } else {
            serializer.serialize_str(MASK)
        }
    }
}

thread_local! {
    /// Whether this thread is building a request body. Serialization is
    /// synchronous, so a flag per thread covers exactly one serialization.
    static REVEAL: Cell<bool> = const { Cell::new(false) };
}

/// Restores the flag as it was, also when serialization panics.
struct Restore(bool);

impl Drop for Restore {
    fn drop(&mut self) {
        REVEAL.set(self.0);
    }
}

/// Runs `f` with secrets serializing their real value: how a request body
/// is built. Nothing else may call it.
pub(crate) fn revealed<T>(f: impl FnOnce() -> T) -> T {
    let _restore = Restore(REVEAL.replace(true));
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_unless_revealed_and_restored_after() {
        let secret = Secret::from("pw");
        let masked = serde_json::to_string(&secret).unwrap();
        assert_eq!(masked, format!("\"{MASK}\""));
        let real = revealed(|| {
            // Nested scopes restore the outer one.
            let inner = revealed(|| serde_json::to_string(&secret).unwrap());
            (inner, serde_json::to_string(&secret).unwrap())
        });
        assert_eq!(real, ("\"pw\"".to_owned(), "\"pw\"".to_owned()));
        assert_eq!(serde_json::to_string(&secret).unwrap(), masked);
        let panicked = std::panic::catch_unwind(|| revealed(|| panic!("in a body")));
        assert!(panicked.is_err());
        assert_eq!(serde_json::to_string(&secret).unwrap(), masked);
    }

    #[test]
    fn other_threads_stay_masked() {
        let secret = Secret::from("pw");
        revealed(|| {
            let elsewhere = std::thread::scope(|s| s.spawn(|| serde_json::to_string(&secret).unwrap()).join());
            assert_eq!(elsewhere.unwrap(), format!("\"{MASK}\""));
        });
    }
}
