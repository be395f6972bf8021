//! Chinese and English. Messages live in `locales/<lang>/*.ftl` (Fluent; `main.ftl`, and
//! `workbench.ftl` for the verifier's workbench); the language comes
//! from the `lang` cookie, else the profile's default (Chinese under `cn`).

use fluent_templates::{Loader, static_loader};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
                .filter(|k| !k.starts_with('#') && !k.is_empty())
                .collect()
        };
        for (zh, en) in [
            (
                include_str!("../locales/zh-CN/main.ftl"),
                include_str!("../locales/en-US/main.ftl"),
            ),
            (
                include_str!("../locales/zh-CN/workbench.ftl"),
                include_str!("../locales/en-US/workbench.ftl"),
            ),
        ] {
            assert_eq!(keys(zh), keys(en), "the same keys, in the same order");
        }
        let t = Tr { lang: Lang::Zh };
        assert_eq!(t.get("sign-in"), "登录");
        assert_eq!(Tr { lang: Lang::En }.get("sign-in"), "Sign in");
    }
}
