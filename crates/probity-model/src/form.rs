//! The report's form as the official one lays it out: every section in its order (family
//! first), each field in its order with how it is entered, and where on the form a JSON path
//! lands. The web form draws itself from it; validation lists issues in its order
//! ([`order`]), so that one pass down the form, or down a file, fixes them all.

use serde_json::Value;

use crate::unit::MoneyUnit;

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM` or a date.
    Month,
    /// An amount in CNY, typed and shown in the unit the official form uses for it (元 or 万元),
    /// held in the report in yuan (`1234.56`).
    Money(MoneyUnit),
    /// An amount in the currency the row names, as written.
    ForeignMoney,
    /// A decimal number (area, shares, percentage).
    Number,
    /// Yes or no.
    Bool,
    /// One of these values (empty: not given).
    Choice(&'static [&'static str]),
    /// Several values, separated by commas (person refs, country codes).
    List,
}

/// One field of a section.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Its JSON name within the row (`disposal.kind` for a nested one).
    pub name: &'static str,
    /// How it is entered.
    pub input: Input,
}

/// A section of the form: a list of rows, or one object.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// Its JSON name.
    pub key: &'static str,
    /// Whether it is a list of rows (else one object).
    pub list: bool,
    /// Whether it may be marked "nothing to report".
    pub can_be_empty: bool,
    /// Its fields.
    pub fields: &'static [Field],
}

const fn f(name: &'static str, input: Input) -> Field {
    Field { name, input }
}

use Input::{Bool, Choice, Date, ForeignMoney, List, Money, Month, Number, Text};
use MoneyUnit::{Wan, Yuan};

const RELATIONS: &[&str] = &["self", "spouse", "child", "child_spouse"];
const MARITAL: &[&str] = &["unmarried", "married", "divorced", "widowed"];
const CHANGES: &[&str] = &["marriage", "divorce", "widowed", "remarriage"];
const DOCUMENTS: &[&str] = &["passport", "hk_macao_permit", "taiwan_permit"];
const PURPOSES: &[&str] = &[
    "family", "friends", "study", "work", "academic", "medical", "tourism", "property", "other",
];
const REGIONS: &[&str] = &["foreign", "stateless", "hk", "macao", "taiwan"];
const RESIDENCE: &[&str] = &[
    "nationality",
    "permanent_residence",
    "long_term_residence",
    "living_abroad",
];
const EMPLOYERS: &[&str] = &[
    "party_state",
    "public_institution",
    "soe",
    "student",
    "individual_business",
    "private",
    "foreign_invested",
    "foreign",
    "rep_office",
    "unemployed",
    "retired",
    "other",
];
const STAGES: &[&str] = &[
    "investigation",
    "prosecution",
    "trial",
    "serving",
    "completed",
    "detention",
    "other",
];
const LABOR: &[&str] = &[
    "lecture",
    "writing",
    "consulting",
    "reviewing",
    "calligraphy_painting",
    "other",
];
const PROPERTY: &[&str] = &[
    "commodity",
    "resettlement",
    "affordable",
    "garage",
    "parking",
    "storage",
    "other",
];
const SOURCES: &[&str] = &["purchase", "inheritance", "gift", "self_built", "other"];
const DISPOSALS: &[&str] = &["sale", "gift", "other"];
const FORMS: &[&str] = &[
    "joint_stock",
    "llc",
    "individual_business",
    "sole_proprietorship",
    "partnership",
    "foreign",
    "other",
];
const BUSINESS_STATUS: &[&str] = &["active", "revoked", "withdrawn", "moved", "other"];
const ROLES: &[&str] = &[
    "legal_representative",
    "chair",
    "vice_chair",
    "director",
    "supervisor",
    "general_manager",
    "deputy_general_manager",
    "cfo",
    "board_secretary",
    "chief_representative",
];

/// Every section of the annual report, in the order of the form (family first). Amounts are in
/// the units of the official form: income in 元; prices, holdings, premiums and capital in 万元;
/// deposits and investments abroad in their own currency.
pub const SECTIONS: &[Section] = &[
    Section {
        key: "persons",
        list: true,
        can_be_empty: false,
        fields: &[
            f("ref", Text),
            f("relation", Choice(RELATIONS)),
            f("name", Text),
            f("id", Text),
            f("nationality", Text),
            f("co_residing", Bool),
            f("of", Text),
        ],
    },
    Section {
        key: "marriage",
        list: false,
        can_be_empty: false,
        fields: &[
            f("status", Choice(MARITAL)),
            f("last_change.kind", Choice(CHANGES)),
            f("last_change.on", Date),
        ],
    },
    Section {
        key: "travel_documents",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("kind", Choice(DOCUMENTS)),
            f("number", Text),
            f("issued_on", Date),
            f("expires_on", Date),
            f("kept_by", Text),
        ],
    },
    Section {
        key: "trips",
        list: true,
        can_be_empty: true,
        fields: &[
            f("traveller", Text),
            f("departed_on", Date),
            f("returned_on", Date),
            f("destinations", List),
            f("purpose", Choice(PURPOSES)),
            f("document_number", Text),
        ],
    },
    Section {
        key: "child_marriages",
        list: true,
        can_be_empty: true,
        fields: &[
            f("child", Text),
            f("spouse", Text),
            f("region", Choice(REGIONS)),
            f("married_on", Date),
        ],
    },
    Section {
        key: "residence_abroad",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("country", Text),
            f("status", Choice(RESIDENCE)),
            f("since", Date),
        ],
    },
    Section {
        key: "employment",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("employer", Text),
            f("employer_credit_code", Text),
            f("position", Text),
            f("employer_type", Choice(EMPLOYERS)),
            f("abroad", Bool),
        ],
    },
    Section {
        key: "criminal_cases",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("since", Date),
            f("stage", Choice(STAGES)),
            f("reason", Text),
            f("outcome", Text),
        ],
    },
    Section {
        key: "salary",
        list: false,
        can_be_empty: false,
        fields: &[
            f("wages", Money(Yuan)),
            f("bonuses", Money(Yuan)),
            f("other", Money(Yuan)),
        ],
    },
    Section {
        key: "labor_income",
        list: true,
        can_be_empty: true,
        fields: &[
            f("kind", Choice(LABOR)),
            f("payer", Text),
            f("amount", Money(Yuan)),
        ],
    },
    Section {
        key: "real_estate",
        list: true,
        can_be_empty: true,
        fields: &[
            f("owners", List),
            f("certificate_number", Text),
            f("address", Text),
            f("area_m2", Number),
            f("kind", Choice(PROPERTY)),
            f("source", Choice(SOURCES)),
            f("acquired_on", Month),
            f("price", Money(Wan)),
            f("disposal.kind", Choice(DISPOSALS)),
            f("disposal.on", Date),
            f("disposal.price", Money(Wan)),
        ],
    },
    Section {
        key: "stocks",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("code", Text),
            f("name", Text),
            f("shares", Number),
            f("market_value", Money(Wan)),
        ],
    },
    Section {
        key: "funds",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("code", Text),
            f("name", Text),
            f("units", Number),
            f("net_value", Money(Wan)),
        ],
    },
    Section {
        key: "insurance",
        list: true,
        can_be_empty: true,
        fields: &[
            f("policyholder", Text),
            f("insurer", Text),
            f("product", Text),
            f("policy_number", Text),
            f("premiums_paid", Money(Wan)),
        ],
    },
    Section {
        key: "businesses",
        list: true,
        can_be_empty: true,
        fields: &[
            f("person", Text),
            f("credit_code", Text),
            f("name", Text),
            f("form", Choice(FORMS)),
            f("status", Choice(BUSINESS_STATUS)),
            f("registered_capital", Money(Wan)),
            f("shareholder", Bool),
            f("subscribed", Money(Wan)),
            f("share_pct", Number),
            f("paid_in", Money(Wan)),
            f("invested_on", Month),
            f("senior_role", Choice(ROLES)),
        ],
    },
    Section {
        key: "overseas_deposits",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("country", Text),
            f("institution", Text),
            f("account", Text),
            f("currency", Text),
            f("amount", ForeignMoney),
        ],
    },
    Section {
        key: "overseas_investments",
        list: true,
        can_be_empty: true,
        fields: &[
            f("holder", Text),
            f("country", Text),
            f("description", Text),
            f("currency", Text),
            f("amount", ForeignMoney),
        ],
    },
];

/// The section of the form with this JSON name.
pub fn section(key: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.key == key)
}
/// Where on the form a JSON path lands.
#[derive(Debug, Clone)]
pub struct Place {
    /// The name of the place on the form: a field (`real_estate[2].price`), a row
    /// (`real_estate[2]`), a section (`real_estate`), a section's "nothing to report" box
    /// (`nothing.trips`), a section carried over (`carried.trips`), a field of the report's head
    /// (`filed_on`, `change.on`, `change`, `other_matters`, `commitment`), or the form as a
    /// whole (`report-form`).
    pub anchor: String,
    /// The section it is in.
    pub section: Option<&'static Section>,
    /// The row of a list section it is in.
    pub row: Option<usize>,
    /// The field it is at.
    pub field: Option<&'static Field>,
}

/// The element an issue at `path` is shown at: its field, else its row, else its section (or the
/// section's "nothing to report" box), else the form as a whole.
pub fn place(path: &str, report: &Value) -> Place {
    let form = |anchor: &str| Place {
        anchor: anchor.to_owned(),
        section: None,
        row: None,
        field: None,
    };
    let p = path.strip_prefix("$.").unwrap_or("");
    if ["filed_on", "other_matters", "commitment"].contains(&p) {
        return form(p);
    }
    if p == "change.on" {
        return form("change.on");
    }
    if p == "change" || p.starts_with("change.") {
        return form("change");
    }
    if let Some(key) = p.strip_prefix("carried_over.") {
        return match section(key) {
            Some(s) => Place {
                anchor: format!("carried.{}", s.key),
                section: Some(s),
                row: None,
                field: None,
            },
            None => form("report-form"),
        };
    }
    if let Some(rest) = p.strip_prefix("nothing_to_report[") {
        let named = rest
            .split(']')
            .next()
            .and_then(|i| i.parse::<usize>().ok())
            .and_then(|i| report.get("nothing_to_report")?.get(i)?.as_str())
            .and_then(section)
            .filter(|s| s.can_be_empty);
        return match named {
            Some(s) => Place {
                anchor: format!("nothing.{}", s.key),
                section: Some(s),
                row: None,
                field: None,
            },
            None => form("report-form"),
        };
    }
    for s in SECTIONS {
        let Some(rest) = p.strip_prefix(s.key) else {
            continue;
        };
        if rest.is_empty() {
            return Place {
                anchor: s.key.to_owned(),
                section: Some(s),
                row: None,
                field: None,
            };
        }
        let (row, row_id, tail) = if s.list {
            let Some((index, tail)) = rest
                .strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(i, t)| Some((i.parse::<usize>().ok()?, t)))
            else {
                continue;
            };
            (Some(index), format!("{}[{index}]", s.key), tail)
        } else if rest.starts_with('.') {
            (None, s.key.to_owned(), rest)
        } else {
            continue;
        };
        let tail = tail.strip_prefix('.').unwrap_or(tail);
        // The field the path is in (`owners[1]` is in `owners`), or the first of the fields
        // under it (`last_change` holds `last_change.kind`).
        let field = s
            .fields
            .iter()
            .find(|f| {
                tail == f.name
                    || tail.starts_with(&format!("{}.", f.name))
                    || tail.starts_with(&format!("{}[", f.name))
            })
            .or_else(|| {
                (!tail.is_empty())
                    .then(|| {
                        s.fields
                            .iter()
                            .find(|f| f.name.starts_with(&format!("{tail}.")))
                    })
                    .flatten()
            });
        return Place {
            anchor: match field {
                Some(f) => format!("{row_id}.{}", f.name),
                None => row_id,
            },
            section: Some(s),
            row,
            field,
        };
    }
    form("report-form")
}

/// Where an issue at `path` comes on the form, top to bottom: the report date, what changed,
/// then each section's rows and fields in the form's order, then other matters and the
/// commitment. Issues are listed in this order so that one pass down the form fixes them all.
pub fn order(path: &str, report: &Value) -> (usize, usize, usize) {
    let at = place(path, report);
    let last = SECTIONS.len() + 2;
    match at.section {
        Some(s) => {
            let section = SECTIONS.iter().position(|x| x.key == s.key).unwrap_or(0) + 2;
            let row = at.row.map_or(0, |r| r + 1);
            let field = at
                .field
                .and_then(|f| s.fields.iter().position(|x| x.name == f.name))
                .map_or(0, |i| i + 1);
            (section, row, field)
        }
        None => match at.anchor.as_str() {
            "filed_on" => (0, 0, 0),
            "change.on" => (1, 0, 0),
            "change" => (1, 0, 1),
            "other_matters" => (last, 0, 0),
            "commitment" => (last + 1, 0, 0),
            _ => (0, 0, 0),
        },
    }
}
