//! A report as any JSON text, through parse and validation as `probity declaration validate` runs
//! them: every issue must be located, nothing may panic, and an accepted report must print to JSON
//! that is accepted again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use probity_model::Profile;
use probity_model::locate::line_of;
use probity_model::validation::parse_and_validate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let Ok(cn) = Profile::builtin("cn") else {
        return;
    };
    let find = |id: &str| (id == cn.id).then_some(&cn);
    match parse_and_validate(&value, find) {
        Ok(d) => {
            let printed = serde_json::to_value(&d).unwrap_or_default();
            assert!(
                parse_and_validate(&printed, find).is_ok(),
                "an accepted report prints as one that is refused: {printed}"
            );
        }
        Err(issues) => {
            assert!(!issues.is_empty());
            for issue in issues {
                let _ = line_of(text, &issue.path);
            }
        }
    }
});
