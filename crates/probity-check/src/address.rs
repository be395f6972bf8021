//! Chinese addresses compared part by part. Registries and people write the same flat differently:
//! with or without province and city, the estate before or after the road, `12幢4单元1301室`,
//! `12#4单元1301室`, `12号楼4-1301`, `12栋4-1301`, Chinese numerals for small numbers. An address is
//! reduced to its district, road, door number and the building/unit/room numbers after them.

use unicode_normalization::UnicodeNormalization;

/// The parts of an address that identify a unit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// District or county (`仓山区`), when written.
    pub district: Option<String>,
    /// Road, street or lane name with whatever precedes it back to the district.
    pub road: Option<String>,
    /// Door number on the road.
    pub door: Option<String>,
    /// Numbers after the door number: building, unit, room (the last three, or fewer).
    pub unit_numbers: Vec<String>,
}

const ROAD_SUFFIXES: [char; 6] = ['路', '街', '道', '巷', '弄', '里'];

impl Address {
    /// Parses an address as written by a person or a registry.
    pub fn parse(text: &str) -> Address {
        let text = normal_text(text);
        let chars: Vec<char> = text.chars().collect();
        let mut a = Address::default();
        // District: the last 区 or 县 before the road.
        let road_at = find_road(&chars);
        let district_end = chars[..road_at.map_or(chars.len(), |r| r.0)]
            .iter()
            .rposition(|c| matches!(c, '区' | '县'));
        let mut start = 0;
        if let Some(end) = district_end {
            let begin = chars[..end]
                .iter()
                .rposition(|c| matches!(c, '市' | '省' | '州' | '盟'))
                .map_or(0, |i| i + 1);
            a.district = Some(chars[begin..=end].iter().collect());
            start = end + 1;
        }
        let tail_start = match road_at {
            Some((suffix, door_start, door_end)) => {
                let road_begin = start.min(suffix);
                a.road = Some(chars[road_begin..=suffix].iter().collect());
                a.door = Some(chars[door_start..door_end].iter().collect());
                door_end + 1
            }
            None => start,
        };
        let tail: String = chars[tail_start.min(chars.len())..].iter().collect();
        let numbers: Vec<String> = tail
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_start_matches('0').to_owned())
            .collect();
        let keep = numbers.len().saturating_sub(3);
        a.unit_numbers = numbers[keep..].to_vec();
        a
    }

    /// True when the two addresses name the same unit: same door on the same road (one road name
    /// may carry extra words in front), same building/unit/room numbers, and no district conflict.
    pub fn same_unit(&self, other: &Address) -> bool {
        if let (Some(a), Some(b)) = (&self.district, &other.district)
            && a != b
        {
            return false;
        }
        let roads = match (&self.road, &other.road) {
            (Some(a), Some(b)) => {
                let (short, long) = if a.chars().count() <= b.chars().count() {
                    (a, b)
                } else {
                    (b, a)
                };
                short.chars().count() >= 2 && long.ends_with(short.as_str())
            }
            (None, None) => true,
            _ => false,
        };
        roads
            && self.door == other.door
            && !self.unit_numbers.is_empty()
            && self.unit_numbers == other.unit_numbers
    }
}

/// NFKC, no spaces or brackets, Chinese numerals before 幢/栋/单元/号楼/层 turned into digits.
fn normal_text(text: &str) -> String {
    let folded: Vec<char> = text
        .nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '[' | ']' | ','))
        .collect();
    let mut out = String::with_capacity(folded.len());
    for (i, &c) in folded.iter().enumerate() {
        let next = folded.get(i + 1).copied();
        let numeral = "〇一二三四五六七八九".chars().position(|n| n == c);
        match numeral {
            Some(n) if matches!(next, Some('幢' | '栋' | '单' | '号' | '层' | '座')) => {
                out.push(char::from(b'0' + n as u8))
            }
            _ => out.push(c),
        }
    }
    out
}

/// Finds `…路123号`: the index of the road suffix and the door number's range.
fn find_road(chars: &[char]) -> Option<(usize, usize, usize)> {
    for (i, c) in chars.iter().enumerate() {
        if !ROAD_SUFFIXES.contains(c) {
            continue;
        }
        let digits_start = i + 1;
        let mut j = digits_start;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        if j > digits_start && chars.get(j) == Some(&'号') {
            return Some((i, digits_start, j));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        Address::parse(a).same_unit(&Address::parse(b))
    }

    #[test]
    fn the_example_pairs_match() {
        assert!(same(
            "福州市 仓山区 三盛名邸(工业路51号) 12#4单元1301室",
            "福建省福州市仓山区工业路51号三盛名邸12幢4单元1301室"
        ));
        assert!(same(
            "莆田市荔城区荔华东大道51号三盛名邸12号楼4-1301",
            "福建省莆田市荔城区荔华东大道51号三盛名邸12幢4单元1301室"
        ));
        assert!(same(
            "厦门市翔安区同集南路438号正荣新苑8栋3-203",
            "福建省厦门市翔安区同集南路438号正荣新苑8幢3单元203室"
        ));
        assert!(same(
            "莆田市荔城区拱辰路114号永鸿花园13#一单元2703",
            "福建省莆田市荔城区拱辰路114号永鸿花园13幢1单元2703室"
        ));
    }

    #[test]
    fn different_units_do_not_match() {
        assert!(!same(
            "厦门市翔安区同集南路438号正荣新苑8栋3-203",
            "福建省厦门市翔安区同集南路438号正荣新苑8幢3单元204室"
        ));
        assert!(!same(
            "厦门市湖里区同集南路438号8栋3-203",
            "福建省厦门市翔安区同集南路438号8幢3单元203室"
        ));
        assert!(!same(
            "福州市马尾区六一北路154号联发御景6-1-1703",
            "福建省福州市马尾区六一北路156号联发御景6幢1单元1703室"
        ));
    }
}
