//! The secrets that a body kept in an error, or logged at trace level,
//! must not show: the connection's credentials, the request's token and
//! the secret fields of the request's body, masked wherever they appear;
//! and whether a successful answer is an echo of the request.

use crate::Secret;
use crate::error::ApiError;

/// The secrets a body kept in an error must not show: the connection's
/// credentials, the request's token, and the secrets of the request's body (the
/// string values of its fields named like `password`, `passphrase`,
/// `secret`, `token`, `key` or `community`, at any depth), each also as
/// written inside a JSON string.
pub(super) struct Secrets {
    /// Longest first, so that a secret inside another is not half masked.
    values: Vec<String>,
    /// The ones whose presence in a successful answer shows it is an
    /// echo: the Basic token, a bearer token, and the request's secrets of
    /// 8 characters or more (a short password could be part of real data);
    /// each a searcher built once.
    evidence: Vec<memchr::memmem::Finder<'static>>,
}

/// The shortest start of a secret masked at the end of a body cut short.
const MIN_SECRET_PREFIX: usize = 3;

impl Secrets {
    pub(super) fn new(
        credentials: &[(Secret, bool)],
        token: Option<&Secret>,
        body: Option<&serde_json::Value>,
    ) -> Secrets {
        let mut found: Vec<(String, bool)> = Vec::new();
        for (credential, evidence) in credentials.iter().chain(token.map(|t| (t.clone(), true)).as_ref()) {
            found.push((credential.expose().to_owned(), *evidence));
        }
        if let Some(body) = body {
            collect_body_secrets(body, false, &mut found);
        }
        let mut values: Vec<(String, bool)> = Vec::new();
        for (value, evidence) in found {
            if value.is_empty() {
                continue;
            }
            // As written inside a JSON string: `"` and `\` escaped.
            let escaped = serde_json::to_string(&value)
                .ok()
                .and_then(|quoted| Some(quoted.strip_prefix('"')?.strip_suffix('"')?.to_owned()));
            if let Some(escaped) = escaped.filter(|escaped| *escaped != value) {
                values.push((escaped, evidence));
            }
            values.push((value, evidence));
        }
        values.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        values.dedup_by(|a, b| {
            let same = a.0 == b.0;
            if same {
                b.1 |= a.1;
            }
            same
        });
        let evidence = values
            .iter()
            .filter(|(_, evidence)| *evidence)
            .map(|(value, _)| memchr::memmem::Finder::new(value.as_bytes()).into_owned())
            .collect();
        Secrets {
            values: values.into_iter().map(|(value, _)| value).collect(),
            evidence,
        }
    }

    /// Whether a successful answer repeats what only the request held.
    pub(super) fn found_echo(&self, body: &[u8]) -> bool {
        self.evidence.iter().any(|finder| finder.find(body).is_some())
    }

    /// `text` with every secret masked; when the text was `cut`, also the
    /// start of a secret it ends with.
    pub(super) fn mask(&self, text: &str, cut: bool) -> String {
        let mut text = text.to_owned();
        for secret in &self.values {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), crate::MASK);
            }
        }
        if cut {
            for secret in &self.values {
                let longest = (1..secret.len())
                    .rev()
                    .filter(|&n| n >= MIN_SECRET_PREFIX.min(secret.len()) && secret.is_char_boundary(n))
                    .find(|&n| text.ends_with(&secret[..n]));
                if let Some(n) = longest {
                    text.truncate(text.len() - n);
                    text.push_str(crate::MASK);
                }
            }
        }
        text
    }

    /// An ONTAP error object with every secret masked.
    pub(super) fn mask_api_error(&self, error: &mut ApiError) {
        let fields = [&mut error.message, &mut error.code, &mut error.target];
        let arguments = error
            .arguments
            .iter_mut()
            .flat_map(|argument| [&mut argument.code, &mut argument.message]);
        for text in fields.into_iter().chain(arguments).flatten() {
            *text = self.mask(text, false);
        }
    }
}

/// Whether a field of a request body is named like a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["pass", "secret", "token", "key", "credential", "community"]
        .iter()
        .any(|word| name.contains(word))
}

/// The string values of `value` that are, or are below, fields named like secrets.
fn collect_body_secrets(value: &serde_json::Value, secret: bool, found: &mut Vec<(String, bool)>) {
    match value {
        serde_json::Value::String(text) if secret => found.push((text.clone(), text.len() >= 8)),
        serde_json::Value::Object(map) => {
            for (name, value) in map {
                collect_body_secrets(value, secret || is_secret_name(name), found);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_body_secrets(item, secret, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_whole_escaped_and_cut() {
        let credentials = [
            (Secret::from("pa\"ss-word"), false),
            (Secret::from("dG9rZW4tdG9rZW4="), true),
        ];
        let body = serde_json::json!({
            "url": "http://server/p",
            "password": "download-secret",
            "nested": {"auth": [{"passphrase": "phrase1"}], "name": "n"},
            "community": "",
        });
        let secrets = Secrets::new(&credentials, None, Some(&body));
        let text =
            r#"Basic dG9rZW4tdG9rZW4= {"password":"download-secret","x":"pa\"ss-word","p":"phrase1","name":"n"}"#;
        assert_eq!(
            secrets.mask(text, false),
            r#"Basic ********* {"password":"*********","x":"*********","p":"*********","name":"n"}"#
        );
        // A body cut inside a secret: its start is masked too.
        assert_eq!(secrets.mask("token: dG9rZW4t", true), "token: *********");
        assert_eq!(secrets.mask("token: dG9rZW4t", false), "token: dG9rZW4t");
        assert_eq!(
            secrets.mask("ends in dG", true),
            "ends in dG",
            "two characters are no secret"
        );
        // The Basic token and long body secrets show an echo; data does not.
        assert!(secrets.found_echo(b"authorization: Basic dG9rZW4tdG9rZW4="));
        assert!(secrets.found_echo(br#"{"password": "download-secret"}"#));
        assert!(!secrets.found_echo(br#"{"name": "phrase1 is short", "x": "pa\"ss-word"}"#));

        let mut error = ApiError {
            message: Some("bad value download-secret".into()),
            target: Some("password=download-secret".into()),
            arguments: vec![crate::ErrorArgument {
                code: None,
                message: Some("download-secret".into()),
            }],
            ..Default::default()
        };
        secrets.mask_api_error(&mut error);
        assert_eq!(error.message.as_deref(), Some("bad value *********"));
        assert_eq!(error.target.as_deref(), Some("password=*********"));
        assert_eq!(error.arguments[0].message.as_deref(), Some("*********"));
    }
}
