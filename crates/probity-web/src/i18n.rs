//! Chinese and English. Messages live in `locales/<lang>/*.ftl` (Fluent; `main.ftl`, and
//! `workbench.ftl` for the verifier's workbench); the language comes
//! from the `lang` cookie, else the profile's default (Chinese under `cn`).

use fluent_templates::{Loader, static_loader};
use probity_model::issue::{Arg, Issue, covered_key};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en-US",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From a cookie or query value.
    pub fn parse(text: &str) -> Option<Lang> {
        match text {
            "zh" | "zh-CN" => Some(Lang::Zh),
            "en" | "en-US" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code used in cookies and links.
    pub fn code(&self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// The `lang` attribute of the page.
    pub fn html(&self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language an `Accept-Language` header prefers, among ours (`zh-CN,zh;q=0.9,en;q=0.8`).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "zh" => Lang::Zh,
                "en" => Lang::En,
                _ => continue,
            };
            // The first of equal weights wins, as the header lists them in order.
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// What separates the items of a list in a sentence.
    pub fn list_separator(&self) -> &'static str {
        match self {
            Lang::Zh => "、",
            Lang::En => ", ",
        }
    }

    /// The other language, for the switch.
    pub fn other(&self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// Messages in one language, for templates: `{{ t.get("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
}

impl Tr {
    fn id(&self) -> fluent_templates::LanguageIdentifier {
        match self.lang {
            Lang::Zh => fluent_templates::langid!("zh-CN"),
            Lang::En => fluent_templates::langid!("en-US"),
        }
    }

    /// The message `key`; the key itself if missing, so a gap shows rather than hides.
    pub fn get(&self, key: &str) -> String {
        LOCALES
            .try_lookup(&self.id(), key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message of a value from a closed set: `of("status", "open")` is `status-open`.
    pub fn of(&self, set: &str, value: &str) -> String {
        self.get(&format!("{set}-{value}"))
    }

    /// The message `key` with numbers filled in (`{ $added }`).
    pub fn with(&self, key: &str, args: &[(&'static str, i64)]) -> String {
        let args: std::collections::HashMap<std::borrow::Cow<'static, str>, _> = args
            .iter()
            .map(|(k, v)| {
                (
                    (*k).into(),
                    fluent_templates::fluent_bundle::FluentValue::from(*v),
                )
            })
            .collect();
        LOCALES
            .try_lookup_with_args(&self.id(), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }
}

impl Tr {
    /// The message `key` with text filled in (`{ $value }`).
    pub fn with_text(&self, key: &str, args: &[(&str, String)]) -> String {
        let args: std::collections::HashMap<std::borrow::Cow<'static, str>, _> = args
            .iter()
            .map(|(k, v)| {
                (
                    std::borrow::Cow::Owned((*k).to_owned()),
                    fluent_templates::fluent_bundle::FluentValue::from(v.clone()),
                )
            })
            .collect();
        LOCALES
            .try_lookup_with_args(&self.id(), key, &args)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message `key`, if the locale has it.
    pub fn find(&self, key: &str) -> Option<String> {
        LOCALES.try_lookup(&self.id(), key)
    }

    /// The label of a choice of a list: `o-FIELD-VALUE` where a value means another thing in
    /// another list (`field` is the field's label key), else `o-VALUE`, else the value itself.
    pub fn option(&self, field: &str, value: &str) -> String {
        self.find(&format!("o-{field}-{value}"))
            .or_else(|| self.find(&format!("o-{value}")))
            .unwrap_or_else(|| value.to_owned())
    }

    /// The name of a kind of report (`annual` is 年度报告).
    pub fn kind(&self, kind: &str) -> String {
        self.find(&format!("kind-{kind}"))
            .unwrap_or_else(|| kind.to_owned())
    }

    /// "Row N" of a section, from the row's index (0-based).
    pub fn row(&self, index: usize) -> String {
        self.with("row-n", &[("n", index as i64 + 1)])
    }

    /// A report's issue in this language: the message `issue-CODE`, its arguments filled in,
    /// section names and the people a section covers translated too.
    pub fn issue(&self, issue: &Issue) -> String {
        let args: Vec<(&str, String)> = issue
            .args
            .iter()
            .map(|(name, arg)| (*name, self.arg(arg)))
            .collect();
        self.with_text(&format!("issue-{}", issue.code.as_str()), &args)
    }

    /// A refusal of the store in this language: the message `refusal-CODE`, its arguments
    /// filled in; the English sentence if the locale lacks it (a test keeps that from happening).
    pub fn refusal(&self, refusal: &probity_store::Refusal) -> String {
        let key = format!("refusal-{}", refusal.code());
        let args: Vec<(&str, String)> = refusal
            .args()
            .iter()
            .map(|(name, value)| (*name, value.clone()))
            .collect();
        // A message with arguments is found only with them: `with_text` answers the key itself
        // when the locale lacks it.
        let said = self.with_text(&key, &args);
        if said == key { refusal.english() } else { said }
    }

    /// A moment stored in UTC (RFC 3339, `2026-02-10T08:00:00Z`) as the reader reads it: in the
    /// profile's time zone (`Asia/Shanghai` for `cn`), to the minute (`2026-02-10 16:00`). A
    /// text that is no such moment is shown as it is.
    pub fn time(&self, at: &str) -> String {
        let Ok(moment) = chrono::DateTime::parse_from_rfc3339(at) else {
            return at.to_owned();
        };
        match *ZONE {
            Some(zone) => moment
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            None => moment.format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }

    /// An audit action (`session.open`) in words; the code itself if the locale lacks it (a
    /// test keeps every action the store writes translated).
    pub fn action(&self, code: &str) -> String {
        self.find(&format!("action-{}", code.replace('.', "-")))
            .unwrap_or_else(|| code.to_owned())
    }

    /// A finding's note as the reader reads it: in English the engine's own sentence (it names
    /// the values it compared); otherwise the sentence of its kind, `note-KIND`, about its
    /// category, in the reader's language (the values are beside it, on the rule's line).
    pub fn finding_note(&self, kind: &str, category: &str, note: &str) -> String {
        if self.lang == Lang::En && !note.is_empty() {
            return note.to_owned();
        }
        let key = format!("note-{kind}");
        let category = self.get(&format!("category-{category}"));
        let said = self.with_text(&key, &[("category", category)]);
        if said == key { note.to_owned() } else { said }
    }

    /// A field of a registry record (`rf-COLUMN`) or of a declared item (the form's label,
    /// `f-NAME`) in words; the name itself where neither is known.
    pub fn field_label(&self, name: &str) -> String {
        let leaf = name.rsplit('.').next().unwrap_or(name);
        self.find(&format!("rf-{leaf}"))
            .or_else(|| self.find(&format!("f-{}", name.replace('.', "-"))))
            .or_else(|| self.find(&format!("f-{leaf}")))
            .unwrap_or_else(|| name.to_owned())
    }

    /// A coded value of a record or item (`long_term_residence`, `llc`) in words, as the form
    /// names its choices; any other value as it is.
    pub fn value_label(&self, value: &str) -> String {
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return value.to_owned();
        }
        self.find(&format!("o-{value}"))
            .unwrap_or_else(|| value.to_owned())
    }

    /// A registry source (`real_estate`) in words.
    pub fn source(&self, source: &str) -> String {
        self.find(&format!("src-{source}"))
            .unwrap_or_else(|| source.to_owned())
    }

    /// One argument of an issue, in this language.
    pub fn arg(&self, arg: &Arg) -> String {
        match arg {
            Arg::Text(t) => t.clone(),
            Arg::Section(s) => self.get(&format!("s-{}", s.key())),
            Arg::Covered(who) => who
                .iter()
                .map(|c| self.get(&format!("covered-{}", covered_key(*c))))
                .collect::<Vec<_>>()
                .join(self.lang.list_separator()),
        }
    }
}

/// The time zone of the profile the application works under, as `chrono_tz` knows it.
static ZONE: std::sync::LazyLock<Option<chrono_tz::Tz>> = std::sync::LazyLock::new(|| {
    crate::workbench::profile_zone().and_then(|name| name.parse().ok())
});

#[cfg(test)]
mod tests {
    #![allow(clippy::panic)]
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.starts_with('#') && !k.is_empty())
                .collect()
        };
        for (zh, en, file) in [
            (
                include_str!("../locales/zh-CN/main.ftl"),
                include_str!("../locales/en-US/main.ftl"),
                "main.ftl",
            ),
            (
                include_str!("../locales/zh-CN/workbench.ftl"),
                include_str!("../locales/en-US/workbench.ftl"),
                "workbench.ftl",
            ),
            (
                include_str!("../locales/zh-CN/filing.ftl"),
                include_str!("../locales/en-US/filing.ftl"),
                "filing.ftl",
            ),
            (
                include_str!("../locales/zh-CN/reminders.ftl"),
                include_str!("../locales/en-US/reminders.ftl"),
                "reminders.ftl",
            ),
            (
                include_str!("../locales/zh-CN/pages.ftl"),
                include_str!("../locales/en-US/pages.ftl"),
                "pages.ftl",
            ),
            (
                include_str!("../locales/zh-CN/statistics.ftl"),
                include_str!("../locales/en-US/statistics.ftl"),
                "statistics.ftl",
            ),
            (
                include_str!("../locales/zh-CN/audit.ftl"),
                include_str!("../locales/en-US/audit.ftl"),
                "audit.ftl",
            ),
            (
                include_str!("../locales/zh-CN/cycles.ftl"),
                include_str!("../locales/en-US/cycles.ftl"),
                "cycles.ftl",
            ),
        ] {
            assert_eq!(
                keys(zh),
                keys(en),
                "{file}: the same keys, in the same order"
            );
        }
        // Every locale file is among those compared above.
        let files: std::collections::BTreeSet<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/locales/zh-CN"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
        let compared: std::collections::BTreeSet<String> = [
            "main.ftl",
            "workbench.ftl",
            "filing.ftl",
            "reminders.ftl",
            "pages.ftl",
            "statistics.ftl",
            "audit.ftl",
            "cycles.ftl",
            "refusals.ftl",
            "registry.ftl",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        assert_eq!(files, compared, "a locale file is not compared");
        // A key in two files makes the bundle fail to load, at the first page served.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/locales/en-US");
        let mut all: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .flat_map(|e| keys(&std::fs::read_to_string(e.path()).unwrap_or_default()))
            .collect();
        let n = all.len();
        assert!(n > 100, "the locale files are read");
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "every key once, over all the files");
        let t = Tr { lang: Lang::Zh };
        assert_eq!(t.get("sign-in"), "登录");
        assert_eq!(Tr { lang: Lang::En }.get("sign-in"), "Sign in");
    }

    /// Each message of a locale file with the arguments it names.
    fn messages(text: &str) -> std::collections::HashMap<String, Vec<String>> {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, v)| {
                let mut args: Vec<String> = v
                    .split("{ $")
                    .skip(1)
                    .filter_map(|rest| rest.split_once(" }").map(|(a, _)| a.to_owned()))
                    .collect();
                args.sort();
                (k.trim().to_owned(), args)
            })
            .collect()
    }

    #[test]
    fn every_registry_source_column_and_finding_kind_has_words_in_both_languages() {
        use probity_model::finding::FindingKind;
        use probity_model::registry::Source;
        for lang in [Lang::Zh, Lang::En] {
            let t = Tr { lang };
            for source in Source::ALL {
                let stem = source.file_stem();
                assert_ne!(t.source(stem), stem, "{lang:?}: no words for source {stem}");
                for column in source.columns() {
                    assert!(
                        t.find(&format!("rf-{column}")).is_some(),
                        "{lang:?}: no words for column {column} of {stem}"
                    );
                }
            }
            for kind in FindingKind::ALL {
                let code = serde_json::to_value(kind).unwrap_or_default();
                let code = code.as_str().unwrap_or_default();
                let key = format!("note-{code}");
                let said = t.with_text(&key, &[("category", "x".to_owned())]);
                assert_ne!(said, key, "{lang:?}: no note for kind {code}");
            }
        }
        let zh = Tr { lang: Lang::Zh };
        assert_eq!(
            zh.finding_note("unreported", "stocks", "Shares of X are not in the report."),
            "登记记录显示有股票事项，本人报告未填报。"
        );
        assert_eq!(
            Tr { lang: Lang::En }.finding_note(
                "unreported",
                "stocks",
                "Shares of X are not in the report."
            ),
            "Shares of X are not in the report."
        );
        assert_eq!(zh.field_label("record_id"), "记录编号");
        assert_eq!(zh.value_label("long_term_residence"), "取得长期居留许可");
        assert_eq!(zh.value_label("AU"), "AU");
    }

    #[test]
    fn every_audit_action_the_store_writes_is_translated_in_both_languages() {
        // The actions are the literals `area.what` of the store's sources that are not files.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../probity-store/src");
        let mut actions = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for piece in text.split('"').skip(1).step_by(2) {
                let Some((area, what)) = piece.split_once('.') else {
                    continue;
                };
                let word = |s: &str| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                };
                let file = ["csv", "json", "toml", "sql", "db", "parquet", "keys"].contains(&what);
                if word(area) && word(what) && !file {
                    actions.insert(piece.to_owned());
                }
            }
        }
        assert!(actions.len() > 30, "{actions:?}");
        for lang in [Lang::Zh, Lang::En] {
            let t = Tr { lang };
            for a in &actions {
                assert_ne!(
                    t.action(a),
                    *a,
                    "{lang:?}: no words for the audit action {a}"
                );
            }
        }
    }

    #[test]
    fn every_store_refusal_is_translated_in_both_languages_with_its_arguments() {
        let read = |lang: &str| {
            let path = format!("{}/locales/{lang}/refusals.ftl", env!("CARGO_MANIFEST_DIR"));
            messages(&std::fs::read_to_string(path).unwrap_or_default())
        };
        let (zh, en) = (read("zh-CN"), read("en-US"));
        let mut listed = std::collections::BTreeSet::new();
        for (code, english) in probity_store::refusal::REFUSALS {
            let key = format!("refusal-{code}");
            listed.insert(key.clone());
            let mut args: Vec<String> = english
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(a, _)| a.to_owned()))
                .collect();
            args.sort();
            assert_eq!(zh.get(&key), Some(&args), "zh-CN: {key}");
            assert_eq!(en.get(&key), Some(&args), "en-US: {key}");
        }
        let keys: std::collections::BTreeSet<String> = zh.keys().cloned().collect();
        assert_eq!(
            keys, listed,
            "a message for a refusal the store never raises"
        );
        // Shown in the reader's language, arguments filled in.
        let r = probity_store::Refusal::new("confirm-own").arg("id", 7);
        assert_eq!(
            Tr { lang: Lang::Zh }.refusal(&r),
            "认定 7 由您作出：须由另一名核查人员确认。"
        );
        assert_eq!(
            Tr { lang: Lang::En }.refusal(&r),
            "Determination 7 was decided by you: a second verifier must confirm it."
        );
    }

    #[test]
    fn every_issue_code_is_translated_in_both_languages_with_the_same_arguments() {
        use probity_model::issue::{COVERED, IssueCode};
        let both = |file: &str| {
            let read = |lang: &str| {
                let path = format!("{}/locales/{lang}/{file}", env!("CARGO_MANIFEST_DIR"));
                messages(&std::fs::read_to_string(path).unwrap_or_default())
            };
            (read("zh-CN"), read("en-US"))
        };
        let (mut zh, mut en) = both("main.ftl");
        let (zf, ef) = both("filing.ftl");
        zh.extend(zf);
        en.extend(ef);
        let mut keys: Vec<String> = IssueCode::ALL
            .iter()
            .map(|c| format!("issue-{}", c.as_str()))
            .collect();
        keys.extend(
            COVERED
                .iter()
                .map(|c| format!("covered-{}", covered_key(*c))),
        );
        keys.extend(
            probity_model::Section::ALL
                .iter()
                .map(|s| format!("s-{}", s.key())),
        );
        for key in &keys {
            let (Some(z), Some(e)) = (zh.get(key), en.get(key)) else {
                panic!("{key} is missing from a locale");
            };
            assert_eq!(z, e, "{key}: the same arguments in both languages");
        }
        // Rendered with its arguments, a message has none left unfilled.
        let t = Tr { lang: Lang::Zh };
        for code in IssueCode::ALL {
            let key = format!("issue-{}", code.as_str());
            let args: Vec<(&str, String)> = zh[&key]
                .iter()
                .map(|a| (a.as_str(), "1".to_owned()))
                .collect();
            let text = t.with_text(&key, &args);
            assert!(!text.contains('{') && text != key, "{key}: {text}");
        }
    }

    #[test]
    fn issues_read_in_the_readers_language() {
        use probity_model::issue::{Arg, Issue, IssueCode};
        use probity_model::profile::Covered;
        let issue = Issue::new(
            "$.stocks[0].holder",
            IssueCode::NotCovered,
            vec![
                ("ref", Arg::Text("c1".into())),
                ("who", Arg::Covered(vec![Covered::Own, Covered::Spouse])),
            ],
            "english",
        );
        assert_eq!(
            Tr { lang: Lang::Zh }.issue(&issue),
            "“c1”不属于本项应报告的人员（本人、配偶）。"
        );
        assert_eq!(
            Tr { lang: Lang::En }.issue(&issue),
            "\"c1\" is not someone this section covers (yourself, spouse)."
        );
    }

    #[test]
    fn accept_language_picks_the_preferred_of_ours() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr;q=1, en;q=0.5, zh-CN;q=0.8"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
        assert_eq!(Lang::from_accept_language("zh;q=0, en"), Some(Lang::En));
    }
}
