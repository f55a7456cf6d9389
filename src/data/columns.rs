//! Which columns the user named: the label (`target`), the columns never used (`ignore`) and the
//! only columns used (`features`), each resolved against the header by name or 0-based index.

use super::csv::Table;
use super::options::EncodeOptions;
use crate::error::{Error, Message, Result, Setting};

/// Which column is the label, resolved against the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetColumn(pub usize);

impl TargetColumn {
    /// Resolves the `target` setting: an exact header name first, then a 0-based index; the last
    /// column when it is not set.
    pub fn resolve(spec: Option<&str>, table: &Table) -> Result<Self> {
        let cols = table.cols();
        let Some(spec) = spec else {
            return Ok(TargetColumn(cols - 1));
        };
        resolve_column(spec, table)
            .map(TargetColumn)
            .ok_or_else(|| unknown_column(Setting::Target, spec, table))
    }
}

/// The columns the user chose, as indices into the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The label.
    pub target: usize,
    /// Columns never used as features.
    pub ignore: Vec<usize>,
    /// When not empty, the only columns used as features.
    pub features: Vec<usize>,
}

impl Selection {
    /// Resolves the `target`, `ignore` and `features` settings; the label may not be listed in
    /// either list.
    pub fn resolve(options: &EncodeOptions, table: &Table) -> Result<Self> {
        let TargetColumn(target) = TargetColumn::resolve(options.target.as_deref(), table)?;
        let ignore = resolve_list(Setting::Ignore, &options.ignore, table)?;
        let features = resolve_list(Setting::Features, &options.features, table)?;
        for (setting, list) in [(Setting::Features, &features), (Setting::Ignore, &ignore)] {
            if list.contains(&target) {
                return Err(Error::config(
                    setting,
                    Message::new(format!("'{}' is the label (", table.headers[target]))
                        .setting(Setting::Target)
                        .text("); it cannot also be listed in ")
                        .setting(setting),
                ));
            }
        }
        Ok(Selection {
            target,
            ignore,
            features,
        })
    }

    /// Whether column `c` was listed in `features`.
    pub fn chosen(&self, c: usize) -> bool {
        self.features.contains(&c)
    }
}

/// A column by exact header name, then by 0-based index.
fn resolve_column(spec: &str, table: &Table) -> Option<usize> {
    let spec = spec.trim();
    table
        .headers
        .iter()
        .position(|h| h == spec)
        .or_else(|| spec.parse::<usize>().ok().filter(|&i| i < table.cols()))
}

fn unknown_column(setting: Setting, spec: &str, table: &Table) -> Error {
    Error::config(
        setting,
        format!(
            "no column '{spec}' in {}; the columns are: {} (or give a 0-based index below {})",
            table.file.display(),
            table.headers.join(", "),
            table.cols()
        ),
    )
}

fn resolve_list(setting: Setting, specs: &[String], table: &Table) -> Result<Vec<usize>> {
    specs
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| resolve_column(s, table).ok_or_else(|| unknown_column(setting, s, table)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::testing::{flags, table};

    fn options(target: &str) -> EncodeOptions {
        EncodeOptions {
            target: Some(target.into()),
            ..EncodeOptions::default()
        }
    }

    #[test]
    fn columns_resolve_by_name_then_index() {
        let t = table("a,b,2\n1,2,3\n");
        assert_eq!(TargetColumn::resolve(None, &t).unwrap(), TargetColumn(2));
        assert_eq!(
            TargetColumn::resolve(Some("b"), &t).unwrap(),
            TargetColumn(1)
        );
        assert_eq!(
            TargetColumn::resolve(Some(" 0 "), &t).unwrap(),
            TargetColumn(0)
        );
        // A header named "2" wins over index 2.
        assert_eq!(
            TargetColumn::resolve(Some("2"), &t).unwrap(),
            TargetColumn(2)
        );
        let s = Selection::resolve(
            &EncodeOptions {
                ignore: vec!["a".into(), " ".into()],
                features: vec!["1".into()],
                ..options("2")
            },
            &t,
        )
        .unwrap();
        assert_eq!((s.target, s.ignore, s.features), (2, vec![0], vec![1]));
    }

    #[test]
    fn unknown_columns_list_the_header() {
        let t = table("a,y\n1,x\n");
        let e = Selection::resolve(&options("nope"), &t).unwrap_err();
        assert!(matches!(
            e,
            Error::Config {
                setting: Setting::Target,
                ..
            }
        ));
        let text = e.render(&flags);
        assert!(
            text.starts_with("invalid --target: no column 'nope'"),
            "{text}"
        );
        assert!(text.contains("the columns are: a, y"), "{text}");
    }

    #[test]
    fn the_label_cannot_be_a_listed_feature_or_ignored() {
        let t = table("a,y\n1,x\n");
        for (list, flag) in [("features", "--features"), ("ignore", "--ignore")] {
            let mut o = options("y");
            *(if list == "features" {
                &mut o.features
            } else {
                &mut o.ignore
            }) = vec!["y".into()];
            let e = Selection::resolve(&o, &t).unwrap_err();
            assert_eq!(
                e.render(&flags),
                format!("invalid {flag}: 'y' is the label (--target); it cannot also be listed in {flag}")
            );
        }
    }
}
