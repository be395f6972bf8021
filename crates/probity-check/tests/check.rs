//! The engine against the shared example (golden output) and against malformed input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use probity_check::{RegistryExtracts, check_all};
use probity_model::finding::FindingKind;
use probity_model::{Category, Declaration, Discrepancy, Profile};

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/small")
}

fn declarations(dir: &Path) -> Vec<Declaration> {
    std::fs::read_to_string(dir.join("declarations.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn expected(dir: &Path) -> Vec<Discrepancy> {
    std::fs::read_to_string(dir.join("expected_discrepancies.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_shared_example_gives_exactly_the_expected_findings() {
    let dir = small();
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&dir.join("registries")).unwrap();
    let found = check_all(&declarations(&dir), &|_| Some(&profile), &extracts);
    let want = expected(&dir);
    let missing: Vec<&Discrepancy> = want
        .iter()
        .filter(|w| !found.iter().any(|f| f.same_finding(w)))
        .collect();
    let extra: Vec<&Discrepancy> = found
        .iter()
        .filter(|f| !want.iter().any(|w| w.same_finding(f)))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    for w in &want {
        let f = found.iter().find(|f| f.same_finding(w)).unwrap();
        assert_eq!(
            (
                &f.person_id,
                &f.field,
                &f.declared,
                &f.registry,
                &f.declared_path
            ),
            (
                &w.person_id,
                &w.field,
                &w.declared,
                &w.registry,
                &w.declared_path
            ),
            "{w:#?}"
        );
        assert_eq!(f.registry_record_ids, w.registry_record_ids, "{w:#?}");
        assert_eq!(
            (f.classification, &f.rule),
            (w.classification, &w.rule),
            "{w:#?}"
        );
    }
}

/// A copy of the example's registries in a temporary folder, with `edit` applied to one file.
fn edited_registries(file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(small().join("registries")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let text = if name == file { edit(text) } else { text };
        std::fs::write(tmp.path().join(&name), text).unwrap();
    }
    tmp
}

fn run(registries: &Path) -> Vec<Discrepancy> {
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(registries).unwrap();
    check_all(&declarations(&small()), &|_| Some(&profile), &extracts)
}

#[test]
fn a_malformed_row_names_file_line_and_column() {
    let tmp = edited_registries("stocks.csv", |t| t.replace("5400,6.43", "54OO,6.43"));
    let err = RegistryExtracts::read_dir(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("stocks.csv:4: shares: "), "{err}");
}

#[test]
fn a_missing_column_and_a_duplicate_record_are_refused() {
    let tmp = edited_registries("funds.csv", |t| t.replacen("units,", "unit_count,", 1));
    let err = RegistryExtracts::read_dir(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("funds.csv:1: missing column \"units\""),
        "{err}"
    );
    let tmp = edited_registries("funds.csv", |t| t.replace("FD0759806121", "FD8821012006"));
    let err = RegistryExtracts::read_dir(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("funds.csv:3: record_id \"FD8821012006\" is used twice"),
        "{err}"
    );
}

#[test]
fn an_absent_source_gives_no_findings_in_its_sections() {
    let tmp = edited_registries("real_estate.csv", |t| t);
    std::fs::remove_file(tmp.path().join("real_estate.csv")).unwrap();
    let found = run(tmp.path());
    assert!(
        found
            .iter()
            .all(|f| f.category != probity_model::Category::RealEstate)
    );
    assert_eq!(found.len(), expected(&small()).len() - 2);
}

#[test]
fn a_homonym_with_a_valid_id_is_another_person() {
    // Give the unreported stock's row a valid ID of someone else with the same name.
    let tmp = edited_registries("stocks.csv", |t| {
        t.replace(
            "ST5362247849,350212201302210087",
            "ST5362247849,11010519491231002X",
        )
    });
    let found = run(tmp.path());
    assert!(
        !found
            .iter()
            .any(|f| f.registry_record_ids.contains(&"ST5362247849".to_owned()))
    );
}

#[test]
fn a_mistyped_id_with_the_same_name_is_the_member() {
    // One digit changed: the check character no longer fits, the name still does.
    let tmp = edited_registries("stocks.csv", |t| {
        t.replace(
            "ST5362247849,350212201302210087",
            "ST5362247849,350212201302210187",
        )
    });
    let found = run(tmp.path());
    assert!(
        found
            .iter()
            .any(|f| f.registry_record_ids == ["ST5362247849"]
                && f.person_id == "350212201302210087")
    );
    // The same mistyped ID under another name is nobody's.
    let tmp = edited_registries("stocks.csv", |t| {
        t.replace(
            "ST5362247849,350212201302210087,柯梓",
            "ST5362247849,350212201302210187,柯梓涵",
        )
    });
    assert!(
        !run(tmp.path())
            .iter()
            .any(|f| f.registry_record_ids.contains(&"ST5362247849".to_owned()))
    );
}

#[test]
fn a_blank_id_never_alone_supports_an_unreported_finding() {
    let tmp = edited_registries("stocks.csv", |t| {
        t.replace("ST5362247849,350212201302210087", "ST5362247849,")
    });
    assert!(
        !run(tmp.path())
            .iter()
            .any(|f| f.registry_record_ids.contains(&"ST5362247849".to_owned()))
    );
    // …but a blank-ID row does confirm a declared item through its strong key.
    let tmp = edited_registries("insurance.csv", |t| {
        t.replace("IN0138618730,350181198610281349", "IN0138618730,")
    });
    let found = run(tmp.path());
    assert!(
        found
            .iter()
            .any(|f| f.registry_record_ids == ["IN0138618730"] && f.field == "premiums_paid")
    );
}

#[test]
fn a_header_alone_means_the_agency_found_nothing() {
    let tmp = edited_registries("companies.csv", |t| {
        t.lines().next().unwrap().to_owned() + "\n"
    });
    let found = run(tmp.path());
    assert!(
        !found
            .iter()
            .any(|f| f.category == probity_model::Category::Businesses)
    );
}

/// Writes a CSV extract as Parquet: text columns, except `shares` as Int64 and `date` as Date32,
/// so that the reader's casts are exercised.
fn csv_to_parquet(csv_path: &Path, out: &Path) {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    let mut reader = csv::Reader::from_path(csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (i, name) in headers.iter().enumerate() {
        let cells: Vec<&str> = records.iter().map(|r| r.get(i).unwrap()).collect();
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        if name == "shares" {
            fields.push(Field::new(name, DataType::Int64, true));
            columns.push(Arc::new(Int64Array::from_iter(
                cells.iter().map(|c| c.parse::<i64>().ok()),
            )));
        } else if name == "date" {
            fields.push(Field::new(name, DataType::Date32, true));
            columns.push(Arc::new(Date32Array::from_iter(cells.iter().map(|c| {
                chrono::NaiveDate::parse_from_str(c, "%Y-%m-%d")
                    .ok()
                    .map(|d| (d - epoch).num_days() as i32)
            }))));
        } else {
            fields.push(Field::new(name, DataType::Utf8, true));
            columns.push(Arc::new(StringArray::from_iter(
                cells.iter().map(|c| (!c.is_empty()).then_some(*c)),
            )));
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap();
    let file = std::fs::File::create(out).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_extracts_give_the_same_findings_as_csv() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(small().join("registries")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        csv_to_parquet(&path, &tmp.path().join(format!("{stem}.parquet")));
    }
    let csv_found = run(&small().join("registries"));
    let parquet_found = run(tmp.path());
    assert_eq!(csv_found, parquet_found);
    assert_eq!(parquet_found.len(), expected(&small()).len());

    // A bad value is named by row and column; both formats side by side are refused.
    let bad = tmp.path().join("bad.csv");
    let text = std::fs::read_to_string(small().join("registries/funds.csv"))
        .unwrap()
        .replace("16657.77", "lots");
    std::fs::write(&bad, text).unwrap();
    csv_to_parquet(&bad, &tmp.path().join("funds.parquet"));
    std::fs::remove_file(&bad).unwrap();
    let err = RegistryExtracts::read_dir(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(err.ends_with("funds.parquet: row 4: units: \"lots\" is not a decimal number (expected digits with an optional '.' and fraction)"), "{err}");
    std::fs::copy(
        small().join("registries/funds.csv"),
        tmp.path().join("funds.csv"),
    )
    .unwrap();
    let err = RegistryExtracts::read_dir(tmp.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("both hold the same source"), "{err}");
}

mod linkage {
    use probity_check::link::{FieldKind, LinkConfig, Table, dedupe, link};

    /// A deterministic population written twice, the second time with typos, blanks and swapped
    /// digits, in another order.
    fn population(n: usize) -> (String, String) {
        let given = [
            "wei", "fang", "min", "jing", "lei", "mary", "john", "linda", "david", "susan",
            "chris", "nancy",
        ];
        let surnames = [
            "wang", "li", "zhang", "liu", "chen", "smith", "jones", "brown", "garcia", "lopez",
        ];
        let mut state = 42u64;
        let mut next = move |m: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % m
        };
        let mut left = String::from("id,given,surname,dob,postcode\n");
        let mut rights = Vec::new();
        for i in 0..n {
            let g = given[next(given.len())].to_owned();
            let s = surnames[next(surnames.len())].to_owned();
            let dob = format!(
                "19{:02}{:02}{:02}",
                40 + next(60),
                1 + next(12),
                1 + next(28)
            );
            let pc = format!("{}", 100000 + next(900000));
            left.push_str(&format!("L{i},{g},{s},{dob},{pc}\n"));
            let g2 = if next(5) == 0 {
                format!("{}{}", &g[..g.len() - 1], "x")
            } else {
                g
            };
            let dob2 = if next(10) == 0 {
                format!("{}{}{}", &dob[..5], &dob[6..7], &dob[5..6]) + &dob[7..]
            } else {
                dob
            };
            let pc2 = if next(20) == 0 { String::new() } else { pc };
            rights.push(format!("R{i},{g2},{s},{dob2},{pc2}\n"));
        }
        for i in (1..rights.len()).rev() {
            rights.swap(i, next(i + 1));
        }
        (
            left,
            String::from("id,given,surname,dob,postcode\n") + &rights.concat(),
        )
    }

    #[test]
    fn links_a_noisy_population_one_to_one() {
        let tmp = tempfile::tempdir().unwrap();
        let (l, r) = population(2000);
        std::fs::write(tmp.path().join("l.csv"), l).unwrap();
        std::fs::write(tmp.path().join("r.csv"), r).unwrap();
        let config = LinkConfig::from_toml(
            "left_id = \"id\"\nright_id = \"id\"\none_to_one = true\n\
             [[field]]\nleft = \"given\"\nright = \"given\"\nkind = \"name\"\n\
             [[field]]\nleft = \"surname\"\nright = \"surname\"\nkind = \"name\"\n\
             [[field]]\nleft = \"dob\"\nright = \"dob\"\nkind = \"date\"\n\
             [[field]]\nleft = \"postcode\"\nright = \"postcode\"\nkind = \"postcode\"\n",
        )
        .unwrap();
        let cols: Vec<(&str, FieldKind)> = config
            .fields
            .iter()
            .map(|f| (f.left.as_str(), f.kind))
            .collect();
        let left = Table::read(&tmp.path().join("l.csv"), "id", &cols).unwrap();
        let right = Table::read(&tmp.path().join("r.csv"), "id", &cols).unwrap();
        let result = link(&config, &left, &right, 0.5);

        eprintln!(
            "lambda {} cands {} m {:?} u {:?}",
            result.model.lambda, result.candidates, result.model.m, result.model.u
        );
        let correct = result
            .links
            .iter()
            .filter(|x| left.ids[x.left as usize][1..] == right.ids[x.right as usize][1..])
            .count();
        let precision = correct as f64 / result.links.len() as f64;
        let recall = correct as f64 / 2000.0;
        assert!(
            precision >= 0.99 && recall >= 0.98,
            "precision {precision}, recall {recall}"
        );
        assert!(
            result.model.lambda > 0.0 && result.model.lambda < 0.5,
            "lambda {}",
            result.model.lambda
        );

        let mut seen_left = std::collections::HashSet::new();
        let mut seen_right = std::collections::HashSet::new();
        for x in &result.links {
            assert!(
                seen_left.insert(x.left) && seen_right.insert(x.right),
                "a record in two pairs"
            );
            assert!((0.0..=1.0).contains(&x.score));
        }
        assert!(
            result.links.windows(2).all(|w| w[0].score >= w[1].score),
            "best first"
        );
    }

    #[test]
    fn dedupes_one_file_each_pair_once_never_a_record_with_itself() {
        // One file holding every person once (L…), a noisy second record for each (R…), and a
        // third record for every tenth person (T…, a copy of the first): 3 pairs for those.
        let tmp = tempfile::tempdir().unwrap();
        let (l, r) = population(1500);
        let mut text = l.clone();
        text.push_str(r.split_once('\n').unwrap().1);
        for line in l.lines().skip(1).step_by(10) {
            text.push_str(&line.replacen('L', "T", 1));
            text.push('\n');
        }
        std::fs::write(tmp.path().join("one.csv"), &text).unwrap();
        // Deduplicating needs no right-hand names: they default to the left ones.
        let config = LinkConfig::from_toml(
            "left_id = \"id\"\n\
             [[field]]\nleft = \"given\"\nkind = \"name\"\n\
             [[field]]\nleft = \"surname\"\nkind = \"name\"\n\
             [[field]]\nleft = \"dob\"\nkind = \"date\"\n\
             [[field]]\nleft = \"postcode\"\nkind = \"postcode\"\n",
        )
        .unwrap();
        assert_eq!(config.right_id, "id");
        let cols: Vec<(&str, FieldKind)> = config
            .fields
            .iter()
            .map(|f| (f.left.as_str(), f.kind))
            .collect();
        let table = Table::read(&tmp.path().join("one.csv"), "id", &cols).unwrap();
        let person = |i: u32| &table.ids[i as usize][1..];
        let truth = 1500 + 2 * 150;

        let result = dedupe(&config, &table, 0.5);
        let correct = result
            .links
            .iter()
            .filter(|x| person(x.left) == person(x.right))
            .count();
        let precision = correct as f64 / result.links.len() as f64;
        let recall = correct as f64 / truth as f64;
        assert!(
            precision >= 0.99 && recall >= 0.97,
            "precision {precision}, recall {recall}"
        );
        // A person with three records is in several pairs: nothing is one-to-one here.
        assert!(
            result
                .links
                .iter()
                .any(|x| table.ids[x.left as usize].starts_with('T')
                    || table.ids[x.right as usize].starts_with('T'))
        );

        // Even accepting every candidate, no record pairs with itself and no pair comes twice.
        let all = dedupe(&config, &table, 0.0);
        assert!(all.links.len() > result.links.len());
        let mut seen = std::collections::HashSet::new();
        for x in &all.links {
            assert!(x.left < x.right, "({}, {})", x.left, x.right);
            assert!(
                seen.insert((x.left, x.right)),
                "({}, {}) twice",
                x.left,
                x.right
            );
            assert!((0.0..=1.0).contains(&x.score));
        }
        assert!(all.links.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn a_missing_column_is_named() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("l.csv"), "id,name\n1,a\n").unwrap();
        let err = Table::read(
            &tmp.path().join("l.csv"),
            "id",
            &[("surname", FieldKind::Name)],
        )
        .err()
        .unwrap();
        assert!(
            err.to_string().contains("missing column \"surname\""),
            "{err}"
        );
        assert!(LinkConfig::from_toml("left_id = \"a\"\nright_id = \"b\"\n").is_err());
    }
}

#[test]
fn a_company_of_the_same_name_under_another_credit_code_is_another_company() {
    // The spouse declares a company named like the unreported one, under another credit code.
    let mut decls = declarations(&small());
    let d = decls
        .iter_mut()
        .find(|d| d.declaration_id == "D2025-000038")
        .unwrap();
    let mut v = serde_json::to_value(&*d).unwrap();
    v["nothing_to_report"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s != "businesses");
    v["businesses"] = serde_json::json!([{"person": "sp", "credit_code": "91350100MAAL7J5T3Y",
        "name": "福建正瑞文化传媒有限公司", "form": "llc", "status": "active", "shareholder": true,
        "subscribed": "100000.00", "share_pct": "10", "senior_role": null}]);
    *d = serde_json::from_value(v).unwrap();
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&small().join("registries")).unwrap();
    let found = check_all(&decls, &|_| Some(&profile), &extracts);
    let of_38: Vec<&Discrepancy> = found
        .iter()
        .filter(|f| {
            f.declaration_id == "D2025-000038" && f.category == probity_model::Category::Businesses
        })
        .collect();
    assert!(
        of_38
            .iter()
            .any(|f| f.kind == probity_model::FindingKind::Unreported
                && f.registry_record_ids == ["CO9600097314"]),
        "{of_38:#?}"
    );
    assert!(
        of_38
            .iter()
            .any(|f| f.kind == probity_model::FindingKind::Unconfirmed
                && f.declared_path == "$.businesses[0]"),
        "{of_38:#?}"
    );
}

/// The shared example's registries with extra tax rows, in a scratch folder.
fn with_tax_rows(rows: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(small().join("registries")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let tax = dir.path().join("tax_income.csv");
    let mut text = std::fs::read_to_string(&tax).unwrap();
    text.push_str(rows);
    std::fs::write(&tax, text).unwrap();
    dir
}

#[test]
fn the_registry_income_of_declarant_and_spouse_is_what_the_cross_check_attributes() {
    // Report 2: 谢琴梅 (declarant, wages TX5441269028 278017.21), spouse 柯晓良.
    let extra = "\
TXW1,350213198006129059,柯晓良,2025,913502006354090967,厦门市和瑞科技公司,wages,150000.00
TXW2,350213198006129058,柯晓良,2025,913502006354090967,厦门市和瑞科技公司,labor,5000.00
TXW3,350212197810284446,谢琴梅,2025,12350200000000000X,厦门大学,labor,12000.00
TXW4,350212197810284446,谢琴梅,2024,11350200871693551X,厦门市公安局,wages,260000.00
TXW5,350302198003209658,柯晓良,2025,913502006354090967,厦门市和瑞科技公司,wages,99999.00
TXW6,350212201302210087,柯梓,2025,913502006354090967,厦门市和瑞科技公司,labor,800.00
";
    let dir = with_tax_rows(extra);
    let extracts = RegistryExtracts::read_dir(dir.path()).unwrap();
    let checker = probity_check::Checker::new(&extracts);
    let d = &declarations(&small())[1];
    let income = checker.income(d);
    assert_eq!(income.registry_wages, 27_801_721);
    assert_eq!(income.registry_labor, 1_200_000);
    // A valid ID, a mistyped one with the same name; not the stranger, not the child, not 2024.
    assert_eq!(income.registry_spouse, 15_000_000 + 500_000);
    let mut records = income.records.clone();
    records.sort();
    assert_eq!(records, ["TX5441269028", "TXW1", "TXW2", "TXW3"]);
    // Declared 278000.00 in pay, nothing in labour income: the larger figures count.
    assert_eq!(income.declared_salary, 27_800_000);
    assert_eq!(
        income.lawful(),
        27_801_721 + 1_200_000 + 15_000_000 + 500_000
    );

    // A year earlier the family held nothing: this year's holdings are growth.
    let profile = Profile::builtin("cn").unwrap();
    let mut before = d.clone();
    before.declaration_id = "D2024-000002".into();
    before.year = 2024;
    before.filed_on = probity_model::Date::parse("2025-01-20").unwrap();
    before.real_estate.clear();
    before.stocks.clear();
    before.funds.clear();
    let reports = declarations(&small());
    let found = checker.year_over_year_all(
        &reports,
        &|r: &Declaration| (r.declaration_id == d.declaration_id).then_some(&before),
        &|_| Some(&profile),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    let g = &found[0];
    assert_eq!(g.declaration_id, d.declaration_id);
    assert_eq!(g.kind, probity_model::FindingKind::ExcessGrowth);
    assert_eq!(g.registry_record_ids, income.records);
    let figures = probity_check::wealth::growth(d, &before, &income, &profile).unwrap();
    assert_eq!(g.registry, probity_check::wealth::yuan(figures.allowance));
    assert_eq!(
        figures.allowance,
        income.lawful() + profile.wealth.growth_floor.minor_units()
    );
}

fn jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn year_over_year_finds_exactly_what_the_synthetic_two_years_hide() {
    use probity_synth::{Noise, SynthConfig, generate_two_years};
    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig {
        people: 3000,
        seed: 11,
        noise: Noise::Default,
        year: 2025,
    };
    let summary = generate_two_years(&config, dir.path(), &|_| {}).unwrap();
    let reports: Vec<Declaration> = jsonl(&dir.path().join("declarations.jsonl"));
    let previous: Vec<Declaration> = jsonl(&dir.path().join("previous/declarations.jsonl"));
    let truth: Vec<Discrepancy> = jsonl(&dir.path().join("truth_year_over_year.jsonl"));
    assert_eq!(previous.len() as u64, summary.previous_declarations);
    assert_eq!(truth.len() as u64, summary.year_over_year_findings);
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&dir.path().join("registries")).unwrap();
    let checker = probity_check::Checker::new(&extracts);
    let by_declarant: std::collections::HashMap<&str, &Declaration> = previous
        .iter()
        .map(|d| (d.declarant_id.as_str(), d))
        .collect();
    let found = checker.year_over_year_all(
        &reports,
        &|d: &Declaration| by_declarant.get(d.declarant_id.as_str()).copied(),
        &|_| Some(&profile),
    );
    let missing: Vec<&Discrepancy> = truth
        .iter()
        .filter(|t| !found.iter().any(|f| f.same_finding(t)))
        .collect();
    let extra: Vec<&Discrepancy> = found
        .iter()
        .filter(|f| !truth.iter().any(|t| t.same_finding(f)))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    for t in &truth {
        let f = found.iter().find(|f| f.same_finding(t)).unwrap();
        assert_eq!(
            (&f.classification, &f.rule, &f.person_id),
            (&t.classification, &t.rule, &t.person_id)
        );
    }
    let kinds: std::collections::BTreeSet<_> = truth.iter().map(|t| (t.category, t.kind)).collect();
    for want in [
        (
            probity_model::Category::Wealth,
            probity_model::FindingKind::ExcessGrowth,
        ),
        (
            probity_model::Category::RealEstate,
            probity_model::FindingKind::Vanished,
        ),
    ] {
        assert!(kinds.contains(&want), "{want:?} never injected: {kinds:?}");
    }
}

#[test]
fn the_evidence_of_each_finding_is_its_registry_rows_column_by_column() {
    let dir = small();
    let extracts = RegistryExtracts::read_dir(&dir.join("registries")).unwrap();
    let want = expected(&dir);
    let ids: std::collections::HashSet<&str> = want
        .iter()
        .flat_map(|w| w.registry_record_ids.iter().map(String::as_str))
        .collect();
    let evidence = extracts.evidence(&ids);
    assert_eq!(
        evidence
            .keys()
            .map(String::as_str)
            .collect::<std::collections::HashSet<_>>(),
        ids
    );
    // Each row as the CSV file has it: same columns in the same order, same text.
    for e in evidence.values() {
        let text =
            std::fs::read_to_string(dir.join("registries").join(format!("{}.csv", e.source)))
                .unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let row = reader
            .records()
            .map(Result::unwrap)
            .find(|r| r.get(0) == Some(e.record_id.as_str()))
            .unwrap();
        let columns: Vec<&str> = e.fields.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            columns,
            header.iter().map(String::as_str).collect::<Vec<_>>()
        );
        for ((column, value), cell) in e.fields.iter().zip(row.iter()) {
            assert_eq!(value, cell, "{} {column}", e.record_id);
        }
    }
}

/// The reported defect: a change report on a child's marriage to a foreigner, made from a
/// family whose annual report has unreported permits and employment, must be compared only on the
/// matter it carries, and never yield an `unreported` finding (what it lacks is not a finding on
/// it), nor anything year over year.
#[test]
fn a_change_report_is_compared_only_on_what_it_carries() {
    use probity_model::declaration::ReportKind;
    use probity_model::finding::{Category, FindingKind};
    let dir = small();
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&dir.join("registries")).unwrap();
    let annual: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("declarations.jsonl"))
            .unwrap()
            .lines()
            .find(|l| l.contains("\"D2025-000019\""))
            .unwrap(),
    )
    .unwrap();
    let change = serde_json::json!({
        "format": "probity.declaration/1", "profile": "cn",
        "declaration_id": "C2026-000019-1", "declarant_id": annual["declarant_id"],
        "kind": "change", "year": 2026, "filed_on": "2026-03-20",
        "change": {"on": "2026-03-01", "sections": ["child_marriages"]},
        "persons": [annual["persons"][0], annual["persons"][2],
                    {"ref": "c1sp", "relation": "child_spouse", "of": "c1",
                     "name": "John Smith", "nationality": "US"}],
        "child_marriages": [{"child": "c1", "spouse": "c1sp", "region": "foreign",
                             "married_on": "2026-03-01"}],
        "other_matters": ""
    });
    let change: Declaration =
        probity_model::validation::parse_and_validate(&change, |_| Some(&profile)).unwrap();
    assert_eq!(change.kind, ReportKind::Change);
    let annual: Declaration = serde_json::from_value(annual).unwrap();
    let found_annual = check_all(
        std::slice::from_ref(&annual),
        &|_| Some(&profile),
        &extracts,
    );
    assert!(
        found_annual
            .iter()
            .any(|f| f.category != Category::ChildMarriages),
        "the annual report of the same family has findings elsewhere: {found_annual:#?}"
    );
    let found = check_all(
        std::slice::from_ref(&change),
        &|_| Some(&profile),
        &extracts,
    );
    assert!(
        found
            .iter()
            .all(|f| f.category == Category::ChildMarriages && f.kind != FindingKind::Unreported),
        "{found:#?}"
    );
    let checker = probity_check::Checker::new(&extracts);
    let yoy =
        checker.year_over_year_all(std::slice::from_ref(&change), &|_| Some(&annual), &|_| {
            Some(&profile)
        });
    assert!(yoy.is_empty(), "{yoy:#?}");
}

/// The timeliness of change reports: a change reported in time yields nothing; one reported after
/// the profile's days is `late` on the report that carried it; one never reported, with no annual
/// report since, is a missing change report (no report, `cn.change.missing`); one that an annual
/// report filed later covers is left to the annual report's own cross-check.
#[test]
fn change_reports_are_followed_for_timeliness() {
    use probity_model::Date;
    use probity_model::finding::{Category, Classification, FindingKind};
    let dir = tempfile::tempdir().unwrap();
    let own = "350322196909183120"; // D2025-000019's declarant
    let child = "350212200207058203";
    std::fs::write(
        dir.path().join("marriages.csv"),
        format!(
            "record_id,person_id,person_name,spouse_id,spouse_name,spouse_nationality,event,date\n\
             MR1,{child},林若,,John Smith,US,marriage,2025-03-01\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("residence_abroad.csv"),
        format!(
            "record_id,person_id,person_name,country,status,since\n\
             RA1,{child},林若,US,permanent_residence,2025-05-01\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("travel_documents.csv"),
        format!(
            "record_id,holder_id,holder_name,kind,number,issued_on,expires_on,status\n\
             TD1,{own},郑华燕,passport,E11112222,2025-09-01,2035-08-31,valid\n"
        ),
    )
    .unwrap();
    let extracts = RegistryExtracts::read_dir(dir.path()).unwrap();
    let profile = Profile::builtin("cn").unwrap();
    let persons = serde_json::json!([
        {"ref": "self", "relation": "self", "name": "郑华燕", "id": own},
        {"ref": "c1", "relation": "child", "name": "林若", "id": child, "co_residing": false},
        {"ref": "c1sp", "relation": "child_spouse", "of": "c1", "name": "John Smith", "nationality": "US"}
    ]);
    let change = |id: &str, filed_on: &str, on: &str, section: &str, items: serde_json::Value| {
        let mut v = serde_json::json!({
            "format": "probity.declaration/1", "profile": "cn", "declaration_id": id,
            "declarant_id": own, "kind": "change", "year": 2025, "filed_on": filed_on,
            "change": {"on": on, "sections": [section]}, "persons": persons,
        });
        v[section] = items;
        probity_model::validation::parse_and_validate(&v, |_| Some(&profile)).unwrap()
    };
    // The child's marriage reported within 30 days; the residence abroad three months on.
    let marriage = change(
        "C1",
        "2025-03-20",
        "2025-03-01",
        "child_marriages",
        serde_json::json!([{"child": "c1", "spouse": "c1sp", "region": "foreign", "married_on": "2025-03-01"}]),
    );
    let residence = change(
        "C2",
        "2025-08-01",
        "2025-05-01",
        "residence_abroad",
        serde_json::json!([{"person": "c1", "country": "US", "status": "permanent_residence", "since": "2025-05-01"}]),
    );
    let checker = probity_check::Checker::new(&extracts);
    let year = (
        Date::parse("2025-01-01").unwrap(),
        Date::parse("2025-12-31").unwrap(),
    );
    let today = Date::parse("2025-12-15").unwrap();
    let found = checker.change_timeliness(&[&marriage, &residence], year, today, &profile);
    assert_eq!(found.len(), 2, "{found:#?}");
    let late = found.iter().find(|f| f.kind == FindingKind::Late).unwrap();
    assert_eq!(
        (
            late.declaration_id.as_str(),
            late.category,
            late.declared.as_str(),
            late.registry.as_str(),
            late.declared_path.as_str(),
            late.rule.as_str(),
            late.classification
        ),
        (
            "C2",
            Category::ResidenceAbroad,
            "2025-08-01",
            "2025-05-01",
            "$.residence_abroad[0]",
            "cn.change.late",
            Classification::Review
        )
    );
    let missing = found
        .iter()
        .find(|f| f.kind == FindingKind::Unreported)
        .unwrap();
    assert_eq!(
        (
            missing.declaration_id.as_str(),
            missing.category,
            missing.registry_record_ids.clone(),
            missing.rule.as_str(),
            missing.classification
        ),
        (
            "",
            Category::TravelDocuments,
            vec!["TD1".to_owned()],
            "cn.change.missing",
            Classification::Omission
        )
    );
    // Before the passport's 30 days are over, nothing is owed yet.
    let early = Date::parse("2025-09-20").unwrap();
    let found = checker.change_timeliness(&[&marriage, &residence], year, early, &profile);
    assert!(
        found.iter().all(|f| f.kind != FindingKind::Unreported),
        "{found:#?}"
    );
    // An annual report filed after the passport was issued is compared by the cross-check: the
    // passport it lacks is its own finding there, not a missing change report.
    let annual: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(small().join("declarations.jsonl"))
            .unwrap()
            .lines()
            .find(|l| l.contains("\"D2025-000019\""))
            .unwrap(),
    )
    .unwrap();
    let annual: Declaration = serde_json::from_value(annual).unwrap();
    let found = checker.change_timeliness(&[&marriage, &residence, &annual], year, today, &profile);
    assert!(
        found
            .iter()
            .all(|f| f.category != Category::TravelDocuments),
        "{found:#?}"
    );
}

/// The synthetic next year's change events (`probity synth --changes`): the timeliness check
/// finds exactly the late and missing change reports hidden in them, the change reports
/// themselves yield no cross-check finding, and the annual reports' own truth is unchanged by the
/// rows the events add.
#[test]
fn timeliness_finds_exactly_what_the_synthetic_change_reports_hide() {
    use probity_model::Date;
    use probity_model::finding::FindingKind;
    use probity_synth::{Noise, SynthConfig, generate, generate_change_reports};
    let dir = tempfile::tempdir().unwrap();
    let config = SynthConfig {
        people: 1500,
        seed: 5,
        noise: Noise::Default,
        year: 2025,
    };
    generate(&config, dir.path(), &|_| {}).unwrap();
    let summary = generate_change_reports(&config, dir.path()).unwrap();
    assert!(
        summary.reports > 0 && summary.late > 0 && summary.missing > 0,
        "{summary:?}"
    );
    let annual: Vec<Declaration> = jsonl(&dir.path().join("declarations.jsonl"));
    let changes: Vec<Declaration> = jsonl(&dir.path().join("changes/declarations.jsonl"));
    let truth: Vec<Discrepancy> = jsonl(&dir.path().join("truth_changes.jsonl"));
    assert_eq!(changes.len() as u64, summary.reports);
    assert_eq!(truth.len() as u64, summary.late + summary.missing);
    let profile = Profile::builtin("cn").unwrap();
    let extracts = RegistryExtracts::read_dir(&dir.path().join("registries")).unwrap();
    let checker = probity_check::Checker::new(&extracts);

    // The annual reports still give exactly their truth.
    let annual_truth: Vec<Discrepancy> = jsonl(&dir.path().join("truth.jsonl"));
    let found = checker.check_all(&annual, &|_| Some(&profile));
    assert_eq!(found.len(), annual_truth.len());
    assert!(
        annual_truth
            .iter()
            .all(|t| found.iter().any(|f| f.same_finding(t)))
    );
    // The change reports are clean.
    let found = checker.check_all(&changes, &|_| Some(&profile));
    assert!(found.is_empty(), "{found:#?}");

    // As a run of the next year's cycle sees it: each subject's change reports of the year and,
    // for the family, last year's annual report.
    let year = (
        Date::parse("2026-01-01").unwrap(),
        Date::parse("2026-12-31").unwrap(),
    );
    let today = Date::parse("2026-12-31").unwrap();
    let mut found = Vec::new();
    for a in &annual {
        let mut reports: Vec<&Declaration> = changes
            .iter()
            .filter(|c| c.declarant_id == a.declarant_id)
            .collect();
        reports.push(a);
        found.extend(checker.change_timeliness(&reports, year, today, &profile));
    }
    let missing: Vec<&Discrepancy> = truth
        .iter()
        .filter(|t| !found.iter().any(|f| f.same_finding(t)))
        .collect();
    let extra: Vec<&Discrepancy> = found
        .iter()
        .filter(|f| !truth.iter().any(|t| t.same_finding(f)))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    for t in &truth {
        let f = found.iter().find(|f| f.same_finding(t)).unwrap();
        assert_eq!(
            (
                &f.classification,
                &f.rule,
                &f.person_id,
                &f.registry,
                &f.declared,
                &f.declared_path
            ),
            (
                &t.classification,
                &t.rule,
                &t.person_id,
                &t.registry,
                &t.declared,
                &t.declared_path
            )
        );
    }
    assert!(found.iter().any(|f| f.kind == FindingKind::Late));
    assert!(found.iter().any(|f| f.declaration_id.is_empty()));
}

/// FORMATS.md, Marriage: a divorce after the declared marriage is one `unreported` finding naming
/// the event and both its rows (the spouse's mirror too), not also a `differs` on the status; a
/// declared marriage registered on another date is `differs` at `last_change.on`.
#[test]
fn a_marriage_event_after_the_declared_change_is_one_unreported_finding() {
    let own = |found: &[Discrepancy]| -> Vec<Discrepancy> {
        found
            .iter()
            .filter(|d| d.declaration_id == "D2025-000001" && d.category == Category::Marriage)
            .cloned()
            .collect()
    };
    assert!(own(&run(&small().join("registries"))).is_empty());

    let divorced = edited_registries("marriages.csv", |t| {
        format!(
            "{t}MRX1,350111199006074875,陈良生,350102199012163640,林碧玉,CN,divorce,2025-06-01\n\
             MRX2,350102199012163640,林碧玉,350111199006074875,陈良生,CN,divorce,2025-06-01\n"
        )
    });
    let found = own(&run(divorced.path()));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, FindingKind::Unreported);
    assert_eq!(found[0].registry, "divorce 2025-06-01");
    assert_eq!(found[0].registry_record_ids, ["MRX1", "MRX2"]);
    assert_eq!(found[0].declared_path, "");

    let moved = edited_registries("marriages.csv", |t| {
        t.replace(
            "林碧玉,CN,marriage,2013-07-15",
            "林碧玉,CN,marriage,2013-09-15",
        )
    });
    let found = own(&run(moved.path()));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, FindingKind::Differs);
    assert_eq!(found[0].field, "last_change.on");
    assert_eq!(found[0].declared, "2013-07-15");
    assert_eq!(found[0].registry, "2013-09-15");
    assert_eq!(found[0].declared_path, "$.marriage");

    // The latest event is the declared change, of another kind.
    let other_kind = edited_registries("marriages.csv", |t| {
        t.replace(
            "林碧玉,CN,marriage,2013-07-15",
            "林碧玉,CN,divorce,2013-07-15",
        )
    });
    let found = own(&run(other_kind.path()));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, FindingKind::Differs);
    assert_eq!(found[0].field, "last_change.kind");
    assert_eq!(found[0].declared, "marriage");
    assert_eq!(found[0].registry, "divorce");
}

/// Every file of a folder as named bytes, as the store hands them to a verification run.
fn named(dir: &Path) -> Vec<probity_check::NamedFile> {
    let mut files: Vec<probity_check::NamedFile> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            probity_check::NamedFile {
                name: e.file_name().into_string().unwrap(),
                bytes: std::fs::read(e.path()).unwrap().into(),
            }
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

#[test]
fn extracts_from_named_bytes_read_as_the_same_folder_does() {
    let profile = Profile::builtin("cn").unwrap();
    let dir = small().join("registries");
    let from_bytes = RegistryExtracts::from_named(&named(&dir)).unwrap();
    let found = check_all(&declarations(&small()), &|_| Some(&profile), &from_bytes);
    assert_eq!(found, run(&dir));
    assert!(!found.is_empty());

    // Parquet from bytes too.
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        csv_to_parquet(&path, &tmp.path().join(format!("{stem}.parquet")));
    }
    let from_parquet = RegistryExtracts::from_named(&named(tmp.path())).unwrap();
    let parquet_found = check_all(&declarations(&small()), &|_| Some(&profile), &from_parquet);
    assert_eq!(parquet_found, found);

    // A bad row is named by the file's name and its line; both formats of one source refused.
    let bad = edited_registries("stocks.csv", |t| t.replace("5400,6.43", "54OO,6.43"));
    let err = RegistryExtracts::from_named(&named(bad.path()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("stocks.csv:4: shares: "), "{err}");
    let mut both = named(&dir);
    both.extend(
        named(tmp.path())
            .into_iter()
            .filter(|f| f.name == "funds.parquet"),
    );
    let err = RegistryExtracts::from_named(&both).unwrap_err().to_string();
    assert!(err.contains("funds.csv and funds.parquet"), "{err}");
}
