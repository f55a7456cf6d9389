//! Reports as pretty-printed JSON. Deterministic: same input and seed, same bytes (no times, no
//! hash-ordered maps).
//!
//! A report of one group keeps the flat shape scripts read: `suggested_lr`, `suggestions` (rule
//! name to LR), `runs`, `diagnostics`, `stop_reason`, `curve`, `val_curve`, and the provenance it
//! has (`data`, `model`, `optimizer`, `config`, `sources`). With several groups, the same keys
//! describe the first group and `groups` holds every group in that shape, with its `label` and
//! `knobs`.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::{Group, Naming, Report, RunCurve};
use crate::curve::Point;

/// Any serialisable report as JSON bytes, ending with a newline.
pub fn to_json<T: Serialize>(report: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(report).expect("a report always serialises");
    bytes.push(b'\n');
    bytes
}

/// A range-test or recorded-curve report as JSON bytes, with settings in messages named by
/// `naming`.
pub fn report_json(report: &Report, naming: Naming) -> Vec<u8> {
    to_json(&report_value(report, naming))
}

/// The report as a JSON value.
pub fn report_value(report: &Report, naming: Naming) -> Value {
    let mut top = Map::new();
    top.insert("version".into(), json!(report.version));
    let main = group_value(report.main(), naming);
    if let Value::Object(fields) = main {
        top.extend(fields);
    }
    if let Some(o) = &report.optimizer {
        top.insert("optimizer".into(), json!(o.kind.to_string()));
    }
    if let Some(m) = &report.model {
        top.insert("loss".into(), json!(m.loss));
        top.insert("model".into(), json!(m.layers));
        top.insert("init".into(), json!(m.init));
    }
    if let Some(d) = &report.data {
        top.insert("data".into(), data_value(d, naming));
    }
    if let Some(w) = &report.worker {
        top.insert("worker".into(), json!(w));
    }
    if !report.sources.is_empty() {
        top.insert("sources".into(), json!(report.sources));
    }
    if !report.notes.is_empty() {
        top.insert("notes".into(), json!(report.notes));
    }
    top.insert("config".into(), json!(report.settings));
    if let Some(grid) = &report.grid {
        top.insert("equal".into(), json!(grid.equal));
        if let Some(race) = &grid.race {
            top.insert("configuration_race".into(), json!(race));
        }
        if let Some(r) = &grid.recommended {
            let group = report.groups.iter().find(|g| g.label == r.label);
            top.insert(
                "recommended".into(),
                json!({
                    "label": r.label,
                    "knobs": group.map(knobs),
                    "lr": r.lr,
                    "chosen_by": r.chosen_by,
                    "smith": r.smith,
                    "val_loss": r.val_loss,
                    "runner_up": r.runner_up.as_ref().map(|(label, loss)| json!({"label": label, "loss": loss})),
                }),
            );
        }
    }
    if report.groups.len() > 1 {
        let groups = report.groups.iter().map(|g| {
            let mut v = group_value(g, naming);
            let standing = report
                .grid
                .as_ref()
                .and_then(|grid| grid.standings.iter().find(|s| s.label == g.label));
            if let (Value::Object(fields), Some(s)) = (&mut v, standing) {
                fields.insert("lowest_loss".into(), json!(s.lowest_loss));
                fields.insert("divergence_lr".into(), json!(s.divergence_lr));
                fields.insert("stable_decades".into(), json!(s.stable_decades));
            }
            v
        });
        top.insert("groups".into(), Value::Array(groups.collect()));
    }
    Value::Object(top)
}

/// What was made of the CSV, with its notes and the reasons columns were dropped naming settings
/// as the reader names them.
pub fn data_value(d: &crate::data::DataSummary, naming: Naming) -> Value {
    let mut v = json!(d);
    v["notes"] = json!(d.notes.iter().map(|n| n.render(naming)).collect::<Vec<_>>());
    for (c, column) in d.columns.iter().enumerate() {
        if let crate::data::ColumnKind::Dropped { reason } = &column.kind {
            v["columns"][c]["reason"] = json!(reason.render(naming));
        }
    }
    v
}

fn points(points: &[Point]) -> Value {
    json!(points)
}

/// A group's knob values, by setting name, as numbers.
fn knobs(g: &Group) -> Value {
    let knobs: Map<String, Value> = g
        .knobs
        .iter()
        .map(|k| {
            let value = k.value.parse::<f64>().map_or(json!(k.value), |v| json!(v));
            (k.setting.key().to_string(), value)
        })
        .collect();
    Value::Object(knobs)
}

fn run_value(r: &RunCurve) -> Value {
    json!({
        "seed": r.seed,
        "suggested_lr": r.picks.headline.map(|s| s.lr),
        "stop_reason": r.curve.stop,
        "steps": r.curve.points.len(),
    })
}

fn group_value(g: &Group, naming: Naming) -> Value {
    let first = g.first();
    let suggestions: Map<String, Value> = g
        .suggestions
        .iter()
        .map(|(m, lr)| (m.name().to_string(), json!(lr)))
        .collect();
    let mut v = Map::new();
    if !g.label.is_empty() {
        v.insert("label".into(), json!(g.label));
    }
    if !g.knobs.is_empty() {
        v.insert("knobs".into(), knobs(g));
    }
    v.insert("suggested_lr".into(), json!(g.suggested_lr));
    let by = match (&g.race, g.suggested_lr) {
        (_, None) => Value::Null,
        (Some(_), _) => json!("race"),
        (None, _) => json!(g.rule),
    };
    v.insert("suggested_by".into(), by);
    v.insert("suggestions".into(), Value::Object(suggestions));
    if let Some(why) = &g.no_suggestion {
        v.insert("no_suggestion".into(), json!(why.render(naming)));
    }
    v.insert("verified_lr".into(), json!(g.verified_lr()));
    if let Some(race) = &g.race {
        v.insert("race".into(), json!(race));
    }
    if let Some(why) = &g.no_race {
        v.insert("no_race".into(), json!(why));
    }
    if let Some(b) = &g.budget {
        v.insert("race_budget".into(), json!(b));
    }
    v.insert(
        "runs".into(),
        Value::Array(g.runs.iter().map(run_value).collect()),
    );
    v.insert("spread_decades".into(), json!(g.spread_decades));
    v.insert("iqr_decades".into(), json!(g.iqr_decades));
    v.insert("unstable".into(), json!(g.unstable));
    v.insert(
        "diagnostics".into(),
        Value::Array(
            g.diagnostics
                .iter()
                .map(|d| json!({"code": d.code, "message": d.message.render(naming)}))
                .collect(),
        ),
    );
    v.insert("stop_reason".into(), json!(first.curve.stop));
    v.insert("steps".into(), json!(first.curve.points.len()));
    if let Some(p) = first.planned_steps {
        v.insert("planned_steps".into(), json!(p));
    }
    if let Some(b) = first.batch_size {
        v.insert("batch_size".into(), json!(b));
    }
    v.insert("curve".into(), points(&first.curve.points));
    v.insert(
        "val_curve".into(),
        points(first.val_curve.as_ref().map_or(&[][..], |c| &c.points)),
    );
    Value::Object(v)
}
