//! The engine's records as a collection lists them ([`crate::collection::Listing`]).

use super::*;

/// A simple field named by a path of interned names (at most eight deep).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldPath {
    syms: [Sym; 8],
    len: u8,
}

impl FieldPath {
    fn syms(&self) -> &[Sym] {
        &self.syms[..self.len as usize]
    }
}

pub(super) struct EngineListing<'a> {
    pub(super) cat: &'a Catalog,
    pub(super) r: &'a Res,
    pub(super) parents: &'a [String],
}

fn scalar(v: &V) -> Option<Scalar<'_>> {
    match v {
        V::Short(_) | V::Long(_) => v.as_str().map(Scalar::Str),
        V::Int(i) => Some(Scalar::Int(*i)),
        V::Num(n) => Some(Scalar::Num(*n)),
        V::Bool(b) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

fn visit(v: &V, path: &[Sym], f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
    match (v, path.split_first()) {
        (V::Arr(items), _) => items.iter().any(|item| visit(item, path, f)),
        (V::Obj(_), Some((first, rest))) => v.get(*first).is_some_and(|child| visit(child, rest, f)),
        (_, None) => scalar(v).is_some_and(f),
        _ => false,
    }
}

impl EngineListing<'_> {
    /// The query parameters of a PATCH or DELETE that filter, as filters (262179 for a
    /// parameter that names no field).
    pub(super) fn filters(&self, params: &[QueryParam]) -> Result<Vec<collection::Filter<FieldPath>>, Refusal> {
        params
            .iter()
            .map(|p| {
                self.filter(&p.key)
                    .map(|(f, _)| collection::Filter::new(f, &p.value))
                    .ok_or_else(|| Refusal::unexpected_argument(&p.key))
            })
            .collect()
    }
}

impl Listing for EngineListing<'_> {
    type Record = V;
    type Field = FieldPath;
    type Fields = Sel;

    fn key_name(&self) -> &str {
        self.r.keys.last().map_or("uuid", |k| k.name.as_str())
    }

    fn filter(&self, name: &str) -> Option<(FieldPath, ScalarKind)> {
        self.field(name).or_else(|| {
            // A reference named by its name (`volume=vol1` for `volume.name=vol1`).
            let (_, f) = self.cat.resolve(self.r.ty, name)?;
            match self.cat.ty(self.cat.item(f.ty)) {
                Ty::Object(_) => self.field(&format!("{name}.name")),
                _ => None,
            }
        })
    }

    fn field(&self, name: &str) -> Option<(FieldPath, ScalarKind)> {
        let (path, f) = self.cat.resolve(self.r.ty, name)?;
        let kind = match self.cat.ty(self.cat.item(f.ty)) {
            Ty::Str { .. } => ScalarKind::Str,
            Ty::Int { .. } => ScalarKind::Int,
            Ty::Num => ScalarKind::Num,
            Ty::Bool => ScalarKind::Bool,
            _ => return None,
        };
        let mut syms = [0; 8];
        if path.len() > syms.len() {
            return None;
        }
        syms[..path.len()].copy_from_slice(&path);
        Some((
            FieldPath {
                syms,
                len: path.len() as u8,
            },
            kind,
        ))
    }

    fn any_value(&self, record: &V, field: FieldPath, f: &mut dyn FnMut(Scalar<'_>) -> bool) -> bool {
        visit(record, field.syms(), f)
    }

    fn value<'r>(&self, record: &'r V, field: FieldPath) -> Option<Scalar<'r>> {
        let mut v = record.at(field.syms())?;
        if let V::Arr(items) = v {
            v = items.first()?;
        }
        scalar(v)
    }

    fn parse_fields(&self, value: &str) -> Result<Sel, String> {
        let expensive = self.r.get_collection.as_ref().map_or(&[][..], |op| &op.expensive);
        let mut sel = value::parse_fields(self.cat, self.r.ty, value, expensive)?;
        add_keys(self.cat, self.r, &mut sel);
        Ok(sel)
    }

    fn default_fields(&self) -> Sel {
        let mut sel = Sel::default();
        add_keys(self.cat, self.r, &mut sel);
        sel
    }

    fn include(&self, fields: &mut Sel, field: FieldPath) {
        fields.include(field.syms());
    }

    fn write(&self, key: &str, record: &V, fields: &Sel, links: bool, out: &mut JsonOut, depth: usize) {
        out.scratch.clear();
        if links {
            href_into(self.r, self.parents, key, &mut out.scratch);
        }
        value::write_record(self.cat, record, fields, links, out, depth);
    }
}
