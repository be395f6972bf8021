//! Which units an account may act on: the type every unit-bound query takes.
//!
//! An administrator or verifier may be limited to some units (`user_units`); none means the whole
//! department. The queries that list or change subjects, cases and statistics take a
//! [`UnitScope`], so a caller cannot forget it: what lies outside is neither shown nor changed.
//! What concerns the whole department at once (cycles, registry extracts, verification runs,
//! the sample) is for whole-department accounts only; [`UnitScope::department`] is the proof.

use std::collections::BTreeSet;

/// The units an account acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitScope {
    /// Every unit: the whole department (and the command line, run by the operator).
    Department,
    /// These units only.
    Units(BTreeSet<String>),
}

/// Proof that the account acts for the whole department (see [`UnitScope::department`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeDepartment(());

impl UnitScope {
    /// The scope of an account managing `units` (none: the whole department).
    pub fn of_units(units: impl IntoIterator<Item = String>) -> UnitScope {
        let units: BTreeSet<String> = units.into_iter().collect();
        if units.is_empty() {
            UnitScope::Department
        } else {
            UnitScope::Units(units)
        }
    }

    /// Whether `unit` lies within the scope.
    pub fn covers(&self, unit: &str) -> bool {
        match self {
            UnitScope::Department => true,
            UnitScope::Units(units) => units.contains(unit),
        }
    }

    /// The proof of a whole-department scope, if this is one.
    pub fn department(&self) -> Option<WholeDepartment> {
        matches!(self, UnitScope::Department).then_some(WholeDepartment(()))
    }

    /// The units, when limited.
    pub fn units(&self) -> Option<&BTreeSet<String>> {
        match self {
            UnitScope::Department => None,
            UnitScope::Units(units) => Some(units),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_units_is_the_whole_department_and_some_units_cover_only_themselves() {
        assert_eq!(UnitScope::of_units(Vec::new()), UnitScope::Department);
        assert!(UnitScope::Department.department().is_some());
        let scope = UnitScope::of_units(["A".to_owned()]);
        assert!(scope.covers("A"));
        assert!(!scope.covers("B"));
        assert!(scope.department().is_none());
    }
}
