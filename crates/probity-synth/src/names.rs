//! Chinese names: weighted surnames, given names of one or two characters, the foreign names of
//! spouses, and the harmless variants registries write (traditional characters, spaces, `·`).

use rand::Rng;

use crate::rng::{pick, weighted};

/// Common surnames with rough weights (per mille of the population, rounded).
const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 54),
    ("陈", 54),
    ("杨", 31),
    ("黄", 24),
    ("赵", 23),
    ("吴", 21),
    ("周", 21),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("高", 12),
    ("林", 12),
    ("罗", 11),
    ("郑", 11),
    ("梁", 10),
    ("谢", 8),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 6),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 5),
    ("叶", 5),
    ("程", 5),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 4),
    ("卢", 4),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("邱", 2),
    ("柯", 1),
    ("欧阳", 1),
];

const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宁", "东", "龙", "国", "庆", "建", "文", "志", "俊", "浩", "宇", "峰", "晓", "良",
    "生", "顺", "进", "翔", "诚", "振", "宏", "海", "林", "荣", "新", "春", "德", "成", "睿", "航",
    "子", "梓", "轩", "博", "凯", "健", "毅", "嘉", "泽", "天",
];

const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "红", "梅", "琴", "云", "莲", "兰",
    "凤", "华", "晓", "秀", "英", "美", "碧", "玉", "琼", "婷", "璐", "欣", "怡", "雪", "慧", "佳",
    "颖", "若", "雨", "思", "梦", "诗", "涵", "萱", "晨", "瑶", "洁", "倩", "蓉", "宁", "丹", "月",
];

/// Simplified characters and the traditional form a registry clerk may type instead.
const TRADITIONAL: &[(char, char)] = &[
    ('顺', '順'),
    ('郑', '鄭'),
    ('华', '華'),
    ('叶', '葉'),
    ('谢', '謝'),
    ('陈', '陳'),
    ('刘', '劉'),
    ('张', '張'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('国', '國'),
    ('丽', '麗'),
    ('红', '紅'),
    ('军', '軍'),
    ('伟', '偉'),
    ('东', '東'),
    ('兰', '蘭'),
    ('凤', '鳳'),
    ('龙', '龍'),
    ('进', '進'),
    ('飞', '飛'),
    ('庆', '慶'),
    ('宁', '寧'),
    ('鹏', '鵬'),
    ('涛', '濤'),
    ('晓', '曉'),
    ('马', '馬'),
    ('孙', '孫'),
    ('罗', '羅'),
    ('邓', '鄧'),
];

/// A surname.
pub(crate) fn surname<R: Rng>(rng: &mut R) -> &'static str {
    weighted(rng, SURNAMES)
}

/// A given name of one (a quarter of people) or two characters.
pub(crate) fn given<R: Rng>(rng: &mut R, male: bool) -> String {
    let chars = if male { MALE } else { FEMALE };
    let mut name = String::from(*pick(rng, chars));
    if rng.random_bool(0.75) {
        name.push_str(pick::<&str, _>(rng, chars));
    }
    name
}

/// A full name with this surname.
pub(crate) fn full<R: Rng>(rng: &mut R, surname: &str, male: bool) -> String {
    format!("{surname}{}", given(rng, male))
}

/// The surname a full name starts with.
pub(crate) fn surname_of(name: &str) -> &str {
    if name.starts_with("欧阳") {
        return "欧阳";
    }
    name.char_indices()
        .nth(1)
        .map(|(i, _)| &name[..i])
        .unwrap_or(name)
}

/// How a foreign spouse's name is written (transliterated, with `·`), by nationality.
pub(crate) fn foreign<R: Rng>(rng: &mut R, nationality: &str, male: bool) -> String {
    let western_m = ["约翰", "大卫", "迈克尔", "托马斯", "丹尼尔", "马克"];
    let western_f = ["玛丽", "莎拉", "艾米丽", "安娜", "劳拉", "索菲亚"];
    let western_s = ["史密斯", "约翰逊", "布朗", "威尔逊", "泰勒", "米勒", "马丁"];
    match nationality {
        "JP" => format!(
            "{}{}",
            pick(rng, &["佐藤", "铃木", "高桥", "田中", "渡边"]),
            pick(
                rng,
                if male {
                    &["健", "翔太", "大辅"][..]
                } else {
                    &["美纪", "由美", "惠子"][..]
                }
            )
        ),
        "KR" => format!(
            "{}{}",
            pick(rng, &["金", "朴", "崔", "郑"]),
            pick(
                rng,
                if male {
                    &["敏俊", "志勋", "成浩"][..]
                } else {
                    &["智恩", "秀贤", "敏智"][..]
                }
            )
        ),
        "HK" | "MO" | "TW" | "SG" | "MY" => {
            let s = surname(rng);
            full(rng, s, male)
        }
        _ => format!(
            "{}·{}",
            pick(rng, if male { &western_m[..] } else { &western_f[..] }),
            pick(rng, &western_s)
        ),
    }
}

/// A variant of `name` that normalises back to it: a traditional character, a space after the
/// surname, or a `·` after the surname.
pub(crate) fn variant<R: Rng>(rng: &mut R, name: &str) -> String {
    let traditional: Vec<usize> = name
        .chars()
        .enumerate()
        .filter(|(_, c)| TRADITIONAL.iter().any(|(s, _)| s == c))
        .map(|(i, _)| i)
        .collect();
    if !traditional.is_empty() && rng.random_bool(0.6) {
        let at = *pick(rng, &traditional);
        return name
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if i == at {
                    TRADITIONAL
                        .iter()
                        .find(|(s, _)| *s == c)
                        .map(|(_, t)| *t)
                        .unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
    }
    let surname = surname_of(name);
    let rest = &name[surname.len()..];
    if rest.is_empty() || name.contains('·') {
        return format!("{name} ");
    }
    let sep = if rng.random_bool(0.7) { " " } else { "·" };
    format!("{surname}{sep}{rest}")
}

/// A name in comparable form for tests: traditional characters of the variant table folded back,
/// spaces and `·` dropped. The cross-check uses a full converter; this one knows only the variants
/// the generator writes.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '·')
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(_, t)| *t == c)
                .map(|(s, _)| *s)
                .unwrap_or(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn variants_normalise_back() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for name in ["郭顺", "郑华燕", "林碧玉", "欧阳晓", "王伟"] {
            for _ in 0..20 {
                let v = variant(&mut rng, name);
                assert_ne!(v, name);
                assert_eq!(normalise(&v), name, "{v}");
            }
        }
        assert_eq!(surname_of("欧阳晓"), "欧阳");
        assert_eq!(surname_of("郭顺"), "郭");
    }
}
