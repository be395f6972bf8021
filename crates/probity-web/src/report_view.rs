//! A filed report as a person reads and prints it: every matter of the form in its order, each
//! row a small table of the fields it holds, labelled as the form labels them, choices in words,
//! amounts in yuan and, where the form states them in 万元, in 万元 too.

use serde_json::Value;

use crate::filing::{Input, SECTIONS, get_path, grouped, label_key, shown};
use crate::i18n::Tr;
use probity_model::unit::MoneyUnit;

/// One matter of the report, as shown.
pub struct ShownSection {
    /// Its key (for ids).
    pub key: &'static str,
    /// Its title, as the form names it.
    pub title: String,
    /// Whether it is marked "nothing to report".
    pub nothing: bool,
    /// Its rows (one for a matter that is a single object).
    pub rows: Vec<ShownRow>,
}

/// One row of a matter: the caption of its table, and (label, value) for each field it holds.
pub struct ShownRow {
    /// "Row N", for lists.
    pub caption: String,
    /// Label and value of each field given.
    pub cells: Vec<(String, String)>,
}

/// An amount held in yuan, as a reader sees it in the unit the form uses: `150 万元（1,500,000 元）`.
fn money(t: Tr, unit: MoneyUnit, yuan: &str) -> String {
    let in_yuan = format!("{} {}", grouped(yuan), t.get("unit-yuan"));
    match unit {
        MoneyUnit::Yuan => in_yuan,
        MoneyUnit::Wan => format!(
            "{} {}（{in_yuan}）",
            MoneyUnit::Wan.show(yuan),
            t.get("unit-wan")
        ),
    }
}

/// The report's matters, in the form's order.
pub fn report_view(t: Tr, report: &Value) -> Vec<ShownSection> {
    let nothing: Vec<&str> = report
        .get("nothing_to_report")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // A change report: when it changed and which matters, first; then only those matters.
    let change = report.get("change");
    let named: Option<Vec<&str>> = change.map(|c| {
        c.get("sections")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    });
    let head = change.map(|c| ShownSection {
        key: "change",
        title: t.get("change-matters"),
        nothing: false,
        rows: vec![ShownRow {
            caption: t.get("kind-change"),
            cells: vec![
                (
                    t.get("change-on"),
                    c.get("on").and_then(Value::as_str).unwrap_or("").to_owned(),
                ),
                (
                    t.get("change-matters"),
                    named
                        .iter()
                        .flatten()
                        .map(|k| t.get(&format!("s-{k}")))
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
            ],
        }],
    });
    let body = SECTIONS
        .iter()
        .filter(|s| {
            named
                .as_ref()
                .is_none_or(|n| s.key == "persons" || n.contains(&s.key))
        })
        .map(|s| {
            let rows: Vec<Value> = if s.list {
                report
                    .get(s.key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            } else {
                report.get(s.key).cloned().into_iter().collect()
            };
            let title = t.get(&format!("s-{}", s.key));
            ShownSection {
                key: s.key,
                nothing: nothing.contains(&s.key),
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| ShownRow {
                        caption: if s.list {
                            format!("{title} · {}", t.row(i))
                        } else {
                            title.clone()
                        },
                        cells: s
                            .fields
                            .iter()
                            .filter_map(|f| {
                                let value = get_path(row, f.name)?;
                                let text = shown(Some(value));
                                if text.is_empty() {
                                    return None;
                                }
                                let label = label_key(f);
                                let shown = match f.input {
                                    Input::Money(unit) => money(t, unit, &text),
                                    Input::ForeignMoney => {
                                        format!("{} {}", grouped(&text), shown_currency(row))
                                    }
                                    Input::Choice(_) => t.option(&label, &text),
                                    Input::Bool => t.get(if value == &Value::Bool(true) {
                                        "yes"
                                    } else {
                                        "no"
                                    }),
                                    _ => text,
                                };
                                Some((t.get(&label), shown))
                            })
                            .collect(),
                    })
                    .collect(),
                title,
            }
        });
    head.into_iter().chain(body).collect()
}

fn shown_currency(row: &Value) -> String {
    row.get("currency")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn amounts_read_in_the_forms_unit_and_in_yuan() {
        let report: Value = serde_json::json!({
            "salary": {"wages": "186000.50", "bonuses": "0", "other": "0"},
            "real_estate": [{"owners": ["self"], "price": "1500000.00", "kind": "garage"}],
            "nothing_to_report": ["stocks"],
        });
        let t = Tr {
            lang: crate::i18n::Lang::Zh,
        };
        let view = report_view(t, &report);
        let cell = |key: &str, label: &str| -> String {
            let s = view.iter().find(|s| s.key == key).unwrap();
            s.rows[0]
                .cells
                .iter()
                .find(|(l, _)| l == label)
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(
            cell("real_estate", "交易价格"),
            "150 万元（1,500,000.00 元）"
        );
        assert_eq!(cell("real_estate", "类型"), "车库");
        assert_eq!(cell("salary", "工资"), "186,000.50 元");
        assert!(view.iter().find(|s| s.key == "stocks").unwrap().nothing);
        assert_eq!(
            view.iter().find(|s| s.key == "real_estate").unwrap().rows[0].caption,
            "十一、房产 · 第 1 行"
        );
    }
}
