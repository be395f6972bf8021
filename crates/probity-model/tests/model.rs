//! Integration tests of the model: the shared example validates, and broken reports are refused
//! with every problem at its JSON path. Property tests for the identifiers and numbers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_model::validation::{Issue, parse_and_validate};
use probity_model::{Declaration, Profile, ResidentId};
use proptest::prelude::*;
use serde_json::Value;

const EXAMPLE: &str = include_str!("../../../fixtures/small/declarations.jsonl");

fn cn() -> Profile {
    Profile::builtin("cn").unwrap()
}

fn example(n: usize) -> Value {
    serde_json::from_str(EXAMPLE.lines().nth(n).unwrap()).unwrap()
}

fn issues(v: &Value) -> Vec<Issue> {
    let p = cn();
    parse_and_validate(v, |_| Some(&p))
        .err()
        .unwrap_or_default()
}

fn has(issues: &[Issue], path: &str, needle: &str) -> bool {
    issues
        .iter()
        .any(|i| i.path == path && i.message.contains(needle))
}

#[test]
fn every_example_report_validates_and_round_trips() {
    let p = cn();
    for line in EXAMPLE.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let d = parse_and_validate(&v, |_| Some(&p)).unwrap();
        let again: Declaration = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(d, again);
    }
}

#[test]
fn form_errors_are_all_reported_with_paths() {
    let mut v = example(1);
    v["real_estate"][0]["area_m2"] = "96.399".into();
    v["real_estate"][0]["kind"] = "castle".into();
    v["stocks"][0]["shares"] = Value::from(3500);
    v["funds"][0]["colour"] = "blue".into();
    v["persons"][1]["id"] = "350213198006129058".into();
    v["surprise"] = true.into();
    v.as_object_mut().unwrap().remove("salary");
    let found = issues(&v);
    assert!(
        has(&found, "$.real_estate[0].area_m2", "decimal places"),
        "{found:#?}"
    );
    assert!(
        has(&found, "$.stocks[0].shares", "invalid type"),
        "{found:#?}"
    );
    assert!(
        has(&found, "$.funds[0].colour", "unknown field"),
        "{found:#?}"
    );
    assert!(
        has(&found, "$.persons[1].id", "check character"),
        "{found:#?}"
    );
    assert!(has(&found, "$.surprise", "unknown field"), "{found:#?}");
    assert!(has(&found, "$.salary", "missing field"), "{found:#?}");
}

#[test]
fn rule_errors_are_all_reported_with_paths() {
    let mut v = example(1);
    // Another person's ID for self, an unknown owner, an adult child not co-residing owning a home.
    v["persons"][0]["id"] = "350111199006074875".into();
    v["real_estate"][0]["owners"] = serde_json::json!(["self", "ghost"]);
    v["persons"][2]["co_residing"] = false.into();
    v["stocks"][0]["holder"] = "c1".into();
    v["nothing_to_report"]
        .as_array_mut()
        .unwrap()
        .push("stocks".into());
    v["marriage"]["status"] = "divorced".into();
    v["trips"] = serde_json::json!([{"traveller": "self", "departed_on": "2025-05-10", "returned_on": "2025-05-01",
        "destinations": ["JP"], "purpose": "tourism", "document_number": "E1"}]);
    let found = issues(&v);
    assert!(has(&found, "$.persons[0].id", "declarant_id"), "{found:#?}");
    assert!(
        has(&found, "$.real_estate[0].owners[1]", "not a ref"),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "$.stocks[0].holder",
            "not someone this section covers"
        ),
        "{found:#?}"
    );
    assert!(
        has(&found, "$.nothing_to_report[10]", "has items"),
        "{found:#?}"
    );
    assert!(
        has(&found, "$.marriage.last_change.kind", "divorce"),
        "{found:#?}"
    );
    assert!(has(&found, "$.marriage.status", "spouse"), "{found:#?}");
    assert!(
        has(&found, "$.trips[0].returned_on", "before departing"),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            "$.nothing_to_report[1]",
            "trips is marked nothing to report"
        ),
        "{found:#?}"
    );
}

#[test]
fn family_sections_name_only_family() {
    let mut v = example(3);
    v["employment"][0]["person"] = "self".into();
    let found = issues(&v);
    assert!(
        has(&found, "$.employment[0].person", "spouse"),
        "{found:#?}"
    );
}

#[test]
fn an_empty_section_must_be_marked() {
    let mut v = example(0);
    let list = v["nothing_to_report"].as_array_mut().unwrap();
    list.retain(|s| s != "funds");
    assert!(has(&issues(&v), "$.funds", "nothing_to_report"));
}

/// A valid resident ID from its parts.
fn resident_id() -> impl Strategy<Value = ResidentId> {
    (
        prop::sample::select(vec!["110105", "350111", "440304", "650102", "810000"]),
        1900i32..2099,
        1u32..=12,
        1u32..=31,
        0u32..1000,
    )
        .prop_filter_map("calendar date", |(area, y, m, d, seq)| {
            probity_model::Date::from_ymd(y, m, d)?;
            ResidentId::from_first_17(&format!("{area}{y:04}{m:02}{d:02}{seq:03}")).ok()
        })
}

proptest! {
    #[test]
    fn valid_ids_round_trip(id in resident_id()) {
        let again = ResidentId::parse(id.as_str()).unwrap();
        prop_assert_eq!(&again, &id);
        let json = serde_json::to_string(&id).unwrap();
        prop_assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
    }

    #[test]
    fn every_single_character_change_is_rejected(id in resident_id(), pos in 0usize..18, replacement in prop::sample::select("0123456789Xx".chars().collect::<Vec<_>>())) {
        let mut chars: Vec<char> = id.as_str().chars().collect();
        prop_assume!(chars[pos] != replacement);
        chars[pos] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(ResidentId::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn every_credit_code_single_change_is_rejected(body in "[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{9}", pos in 0usize..18, replacement in prop::sample::select("0123456789ABCDEFGHJKLMNPQRTUWXY".chars().collect::<Vec<_>>())) {
        let code = probity_model::CreditCode::from_first_17(&body).unwrap();
        let mut chars: Vec<char> = code.as_str().chars().collect();
        prop_assume!(chars[pos] != replacement);
        chars[pos] = replacement;
        let changed: String = chars.into_iter().collect();
        prop_assert!(probity_model::CreditCode::parse(&changed).is_err(), "{} accepted", changed);
    }

    #[test]
    fn amounts_round_trip_exactly(fen in 0i64..1_000_000_000_000) {
        let a = probity_model::Amount::from_minor_units(fen).unwrap();
        let parsed = probity_model::Amount::parse(&a.to_string()).unwrap();
        prop_assert_eq!(parsed.minor_units(), fen);
    }

    #[test]
    fn decimal_parse_never_panics(text in "\\PC{0,40}") {
        let _ = probity_model::Decimal::parse(&text);
        let _ = probity_model::Date::parse(&text);
        let _ = ResidentId::parse(&text);
        let _ = probity_model::CreditCode::parse(&text);
    }
}

#[test]
fn rule_errors_come_with_form_errors_at_their_original_paths() {
    let mut v = example(2);
    // Item 0 of stocks does not parse; item 2 names a stranger. Both are reported, item 2 as [2].
    v["stocks"][0]["shares"] = "lots".into();
    v["stocks"][2]["holder"] = "ghost".into();
    v["real_estate"][0]["area_m2"] = "-1".into();
    let found = issues(&v);
    assert!(
        has(&found, "$.stocks[0].shares", "not a decimal"),
        "{found:#?}"
    );
    assert!(has(&found, "$.stocks[2].holder", "not a ref"), "{found:#?}");
    assert!(
        has(&found, "$.real_estate[0].area_m2", "negative"),
        "{found:#?}"
    );
    // The only real-estate item failed to parse: the section is not empty for all that.
    assert!(
        !has(&found, "$.real_estate", "nothing_to_report"),
        "{found:#?}"
    );
}

#[test]
fn issues_carry_a_stable_code_and_the_values_they_name() {
    use probity_model::validation::{Arg, IssueCode as C};
    let code_at = |found: &[Issue], path: &str| -> Vec<(C, Vec<(&'static str, String)>)> {
        found
            .iter()
            .filter(|i| i.path == path)
            .map(|i| {
                let args = i.args.iter().map(|(n, a)| (*n, a.plain())).collect();
                (i.code, args)
            })
            .collect()
    };
    let mut v = example(1);
    v["real_estate"][0]["area_m2"] = "96.399".into();
    v["marriage"]["status"] = "castle".into();
    v["stocks"][0]["shares"] = Value::from(3500);
    v["persons"][1]["id"] = "350213198006129058".into();
    // serde stops at an item's first error: one error per trip.
    v["trips"] = serde_json::json!([{"traveller": "self", "departed_on": "2025-02-30",
        "returned_on": "2025-05-01", "destinations": ["JP"], "purpose": "tourism",
        "document_number": "E1"}, {"traveller": "self", "departed_on": "2025-02-03",
        "returned_on": "2025-05-01", "destinations": ["XX"], "purpose": "tourism",
        "document_number": "E1"}]);
    v.as_object_mut().unwrap().remove("salary");
    let found = issues(&v);
    assert_eq!(
        code_at(&found, "$.real_estate[0].area_m2"),
        vec![(
            C::TooManyDecimals,
            vec![("value", "96.399".into()), ("max", "2".into())]
        )]
    );
    assert_eq!(
        code_at(&found, "$.marriage.status"),
        vec![(C::UnknownChoice, vec![("value", "castle".into())])]
    );
    assert_eq!(code_at(&found, "$.stocks[0].shares")[0].0, C::WrongType);
    assert_eq!(code_at(&found, "$.persons[1].id")[0].0, C::IdChecksum);
    assert_eq!(code_at(&found, "$.trips[0].departed_on")[0].0, C::NoSuchDay);
    assert_eq!(
        code_at(&found, "$.trips[1].destinations[0]")[0].0,
        C::NotACountry
    );
    assert_eq!(code_at(&found, "$.salary"), vec![(C::MissingField, vec![])]);
    // No form error of this report falls back to the catch-all.
    assert!(found.iter().all(|i| i.code != C::Invalid), "{found:#?}");

    let mut v = example(1);
    v["real_estate"][0]["owners"] = serde_json::json!(["self", "ghost"]);
    v["stocks"][0]["holder"] = "c1".into();
    v["persons"][2]["co_residing"] = false.into();
    v["nothing_to_report"]
        .as_array_mut()
        .unwrap()
        .push("stocks".into());
    let found = issues(&v);
    assert_eq!(
        code_at(&found, "$.real_estate[0].owners[1]"),
        vec![(C::NotARef, vec![("ref", "ghost".into())])]
    );
    let covered = found
        .iter()
        .find(|i| i.path == "$.stocks[0].holder")
        .unwrap();
    assert_eq!(covered.code, C::NotCovered);
    assert!(matches!(covered.arg("who"), Some(Arg::Covered(who)) if !who.is_empty()));
    assert_eq!(
        found
            .iter()
            .find(|i| i.code == C::NothingButItems)
            .and_then(|i| i.arg("section")),
        Some(&Arg::Section(probity_model::Section::Stocks))
    );
}

#[test]
fn every_issue_at_once_comes_in_form_order_with_what_a_form_error_hid() {
    let p = cn();
    let mut v = example(1);
    // Two form errors in one row (serde stops at the first) and a rule error beside them; a form
    // error in the marriage, which alone keeps the rules from running at all.
    v["real_estate"][0]["price"] = "12x".into();
    v["real_estate"][0]["acquired_on"] = "2002-13".into();
    v["real_estate"][0]["owners"][1] = "nobody".into();
    v["marriage"]["last_change"]["on"] = "2008-02-30".into();
    let all = probity_model::validation::parse_and_validate_all(&v, |_| Some(&p)).unwrap_err();
    let paths: Vec<&str> = all.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "$.marriage.last_change.on",
            "$.real_estate[0].owners[1]",
            "$.real_estate[0].acquired_on",
            "$.real_estate[0].price",
        ]
    );
    // The two-pass check alone says less.
    assert!(issues(&v).len() < all.len(), "{:?}", issues(&v));
    // A valid report is the same report either way.
    let ok = example(1);
    assert_eq!(
        probity_model::validation::parse_and_validate_all(&ok, |_| Some(&p)).unwrap(),
        parse_and_validate(&ok, |_| Some(&p)).unwrap()
    );
}
