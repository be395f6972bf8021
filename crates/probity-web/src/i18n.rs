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
