//! The bodies the engine answers: a job started, the records a create made, the jobs of
//! a change by query.

use super::*;

pub(super) struct JobRef<'a> {
    pub(super) uuid: &'a str,
    pub(super) links: bool,
}

impl Serialize for JobRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("uuid", self.uuid)?;
        if self.links {
            let href = format!("{JOBS_PATH}/{}", self.uuid);
            m.serialize_entry("_links", &crate::http::SelfLink(&href))?;
        }
        m.end()
    }
}

/// The new record's keys, for `return_records=true`.
/// The records a create made, as `return_records=true` answers them: their keys and the
/// fields the request gave (NetApp's documented snapshot create answers
/// `{"volume", "svm", "name", "comment"}`; Ansible's `na_ontap_quotas` reads `volume`).
pub(super) struct Created<'a> {
    pub(super) cat: &'a Catalog,
    /// The keys, `name` and the fields the body set.
    pub(super) fields: Sel,
    /// Each new record and its link.
    pub(super) records: &'a [(&'a V, Option<&'a str>)],
}

impl<'a> Created<'a> {
    /// The answer of a create of `r` from `body` (the first record's, for a record-based
    /// create).
    pub(super) fn new(
        cat: &'a Catalog,
        r: &Res,
        body: Option<&Value>,
        records: &'a [(&'a V, Option<&'a str>)],
    ) -> Self {
        let mut fields = Sel::default();
        add_keys(cat, r, &mut fields);
        if let Some(Value::Object(given)) = body {
            for sym in given.keys().filter_map(|k| cat.sym(k)) {
                fields.include(&[sym]);
            }
        }
        Created { cat, fields, records }
    }
}

impl Serialize for Created<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.records.len()))?;
        for (v, href) in self.records {
            seq.serialize_element(&View {
                cat: self.cat,
                v,
                sel: &self.fields,
                href: *href,
            })?;
        }
        seq.end()
    }
}

pub(super) struct SyncAnswer<'a> {
    pub(super) records: Option<Created<'a>>,
}

impl Serialize for SyncAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(records) = &self.records {
            m.serialize_entry("num_records", &records.records.len())?;
            m.serialize_entry("records", records)?;
        }
        m.end()
    }
}

pub(super) struct JobAnswer<'a> {
    pub(super) records: Option<Created<'a>>,
    pub(super) job: JobRef<'a>,
}

impl Serialize for JobAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(records) = &self.records {
            m.serialize_entry("num_records", &records.records.len())?;
            m.serialize_entry("records", records)?;
        }
        m.serialize_entry("job", &self.job)?;
        m.end()
    }
}

pub(super) struct BulkAnswer<'a> {
    pub(super) jobs: &'a [&'a str],
    pub(super) num_records: usize,
    pub(super) links: Option<&'a str>,
}

impl Serialize for BulkAnswer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if !self.jobs.is_empty() {
            let jobs: Vec<JobRef<'_>> = self
                .jobs
                .iter()
                .map(|uuid| JobRef {
                    uuid,
                    links: self.links.is_some(),
                })
                .collect();
            m.serialize_entry("jobs", &jobs)?;
        }
        m.serialize_entry("num_records", &self.num_records)?;
        if let Some(href) = self.links {
            m.serialize_entry(
                "_links",
                &Links {
                    this: href,
                    next: None,
                    with_self: true,
                },
            )?;
        }
        m.end()
    }
}
