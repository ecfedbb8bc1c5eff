//! ONTAP's error codes: one table for the client, which reads them, and the simulator,
//! which answers them. Each code has its number, a name, what it means and where the
//! number is documented.
//!
//! Evidence, as the table names it: "GS" is the error table of NetApp's "Getting started
//! with the ONTAP REST API" (the REST reference of every release since 9.6); an
//! operation's documented codes are its `x-ntap-error-codes` in the vendored model.
//!
//! ```
//! use ontap_model::codes;
//!
//! assert_eq!(codes::UNEXPECTED_ARGUMENT, 262179);
//! let entry = codes::find(262179).unwrap();
//! assert_eq!(entry.name, "UNEXPECTED_ARGUMENT");
//! assert!(entry.evidence.contains("GS"));
//! ```

/// One ONTAP error code.
///
/// ```
/// let code = ontap_model::codes::find(4).unwrap();
/// assert_eq!((code.number, code.name), (4, "NOT_FOUND"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Code {
    /// The number ONTAP sends (as a string of digits in `error.code`).
    pub number: u64,
    /// Its name here: the constant of this module.
    pub name: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// Where the number is documented or seen.
    pub evidence: &'static str,
}

macro_rules! codes {
    ($( $name:ident = $number:literal, $meaning:literal, $evidence:literal; )*) => {
        $(
            #[doc = concat!("`", stringify!($number), "`: ", $meaning, " (", $evidence, ").")]
            pub const $name: u64 = $number;
        )*

        /// Every code of this module, in the order of their numbers.
        pub const TABLE: &[Code] = &[
            $( Code { number: $number, name: stringify!($name), meaning: $meaning, evidence: $evidence }, )*
        ];
    };
}

codes! {
    DUPLICATE = 1, "the object exists already, a name that is taken; HTTP 409", "GS";
    INVALID_ARGUMENT = 2, "a field or parameter is not valid for the operation; HTTP 400", "GS";
    NOT_SUPPORTED = 3, "a path this release does not have (\"API not found\", HTTP 404) or a method the path does not take (HTTP 405)", "GS";
    NOT_FOUND = 4, "the object does not exist (\"entry doesn't exist\"), a purged job included; HTTP 404", "GS";
    PERMISSION_DENIED = 6, "the account's role does not allow the operation; HTTP 403", "GS";
    UNEXPECTED_ARGUMENT = 262179, "a body field or query parameter the release does not know (an older ONTAP, or a misspelling); the target names it", "GS; a cluster's answer in Ansible netapp.ontap issue 178";
    NOT_SETTABLE = 262196, "a field this operation cannot set (read-only, or create-only in a PATCH)", "GS; Trident's response tables";
    INVALID_VALUE = 262197, "a value not valid for its field: out of range, of the wrong type, not one of its values, or an unknown name in `fields`", "GS; a cluster's answer to return_timeout above 120";
    INVALID_JSON = 262199, "the body is not JSON", "GS";
    MISSING_VALUE = 262212, "a required value is missing", "GS";
    NOT_AN_OBJECT = 262255, "a body that is JSON but not an object (an array)", "GS";
    ORDER_BY_NOT_SUPPORTED = 262268, "order_by names a field that cannot order", "GS";
    JOB_ALREADY_TERMINAL = 458762, "a job action (cancel, pause, resume) on a job that has ended", "the job PATCH's documented codes";
    JOB_RUNNING = 458771, "resume of a job that is running", "the job PATCH's documented codes";
    JOB_NOT_RUNNING = 458776, "pause of a job that is not running", "the job PATCH's documented codes";
    JOB_PAUSE_NOT_SUPPORTED = 458783, "the job cannot be paused or resumed", "the job PATCH's documented codes";
    JOB_CANCEL_NOT_SUPPORTED = 458784, "the job cannot be cancelled", "the job PATCH's documented codes";
    INVALID_VOLUME_NAME = 917888, "a volume name ONTAP does not allow", "the volume POST's documented codes";
    SVM_NOT_FOUND = 2621462, "the SVM named does not exist", "the SVM-scoped POSTs' documented codes";
    VSERVER_LOCKED = 2621573, "the SVM or the configuration is locked by another operation: nothing was done, the request may be sent again", "Ansible netapp.ontap and NetApp's Python client retry on it";
    PACKAGE_NOT_FOUND = 10551325, "no package of that version is in the repository", "the package DELETE's documented codes";
    PACKAGE_EXISTS = 10551327, "a package of the same name or version is in the repository", "the download POST's documented codes";
    PACKAGE_DELETE_UPDATING = 10551347, "the package an update is installing cannot be deleted", "the package DELETE's documented codes";
    UPDATE_IN_PROGRESS = 10551357, "an update or download is still in progress", "the download POST's documented codes";
    DOWNLOAD_FAILED = 10551381, "the package download failed", "the download POST's documented codes";
    DOWNLOAD_RUNNING = 10551382, "a package download is in progress", "the download GET's documented codes";
    DOWNLOAD_TIME_LIMIT = 10551383, "the download took longer than its time limit", "the download POST's documented codes";
    DOWNLOAD_NOT_STARTED = 10551384, "no package download has started", "the download GET's documented codes";
    UPLOAD_ONE_FILE = 10551807, "a package upload whose form holds more than one file (or none)", "the package upload's documented codes (NetApp's Python client, 2020)";
    INVALID_URL = 10551885, "a URL without a package file name", "the download POST's documented codes";
    URL_SYNTAX = 39387137, "a URL that cannot be read", "the download POST's documented codes";
    URL_SCHEME = 39387138, "a URL scheme other than http, https or ftp", "the download POST's documented codes";
}

/// The entry of a code number, if the table has it.
///
/// ```
/// assert!(ontap_model::codes::find(262197).is_some());
/// assert!(ontap_model::codes::find(7).is_none());
/// ```
pub fn find(number: u64) -> Option<&'static Code> {
    TABLE.iter().find(|c| c.number == number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_ascend_and_names_are_the_constants() {
        assert!(
            TABLE.windows(2).all(|w| w[0].number < w[1].number),
            "one entry per number, in order"
        );
        assert_eq!(find(UNEXPECTED_ARGUMENT).map(|c| c.name), Some("UNEXPECTED_ARGUMENT"));
        assert!(TABLE.iter().all(|c| !c.evidence.is_empty() && !c.meaning.is_empty()));
    }
}
