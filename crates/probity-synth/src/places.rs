//! Places: real county-level area codes (GB/T 2260) with their province, prefecture and district,
//! the organisation units of the roster, and addresses and title certificates written the way the
//! real-estate registry writes them and the way declarants do.

use probity_model::declaration::PropertyKind;
use probity_model::roster::{Rank, Sector};
use rand::Rng;

use crate::rng::pick;

/// A county-level area: the first six digits of a resident ID.
#[derive(Debug)]
pub(crate) struct Area {
    /// Six-digit code.
    pub code: &'static str,
    /// Province (or municipality).
    pub province: &'static str,
    /// Prefecture-level city.
    pub city: &'static str,
    /// District or county.
    pub district: &'static str,
}

const fn a(
    code: &'static str,
    province: &'static str,
    city: &'static str,
    district: &'static str,
) -> Area {
    Area {
        code,
        province,
        city,
        district,
    }
}

/// Areas, grouped by province so that neighbours in the list are neighbours on the map.
pub(crate) static AREAS: &[Area] = &[
    a("350102", "福建省", "福州市", "鼓楼区"),
    a("350103", "福建省", "福州市", "台江区"),
    a("350104", "福建省", "福州市", "仓山区"),
    a("350105", "福建省", "福州市", "马尾区"),
    a("350111", "福建省", "福州市", "晋安区"),
    a("350112", "福建省", "福州市", "长乐区"),
    a("350121", "福建省", "福州市", "闽侯县"),
    a("350181", "福建省", "福州市", "福清市"),
    a("350203", "福建省", "厦门市", "思明区"),
    a("350205", "福建省", "厦门市", "海沧区"),
    a("350206", "福建省", "厦门市", "湖里区"),
    a("350211", "福建省", "厦门市", "集美区"),
    a("350212", "福建省", "厦门市", "同安区"),
    a("350213", "福建省", "厦门市", "翔安区"),
    a("350302", "福建省", "莆田市", "城厢区"),
    a("350303", "福建省", "莆田市", "涵江区"),
    a("350304", "福建省", "莆田市", "荔城区"),
    a("350305", "福建省", "莆田市", "秀屿区"),
    a("350322", "福建省", "莆田市", "仙游县"),
    a("350502", "福建省", "泉州市", "鲤城区"),
    a("350503", "福建省", "泉州市", "丰泽区"),
    a("350504", "福建省", "泉州市", "洛江区"),
    a("350521", "福建省", "泉州市", "惠安县"),
    a("350524", "福建省", "泉州市", "安溪县"),
    a("350525", "福建省", "泉州市", "永春县"),
    a("350581", "福建省", "泉州市", "石狮市"),
    a("350582", "福建省", "泉州市", "晋江市"),
    a("350583", "福建省", "泉州市", "南安市"),
    a("350602", "福建省", "漳州市", "芗城区"),
    a("350603", "福建省", "漳州市", "龙文区"),
    a("350702", "福建省", "南平市", "延平区"),
    a("350802", "福建省", "龙岩市", "新罗区"),
    a("350902", "福建省", "宁德市", "蕉城区"),
    a("330102", "浙江省", "杭州市", "上城区"),
    a("330105", "浙江省", "杭州市", "拱墅区"),
    a("330106", "浙江省", "杭州市", "西湖区"),
    a("330108", "浙江省", "杭州市", "滨江区"),
    a("330109", "浙江省", "杭州市", "萧山区"),
    a("330110", "浙江省", "杭州市", "余杭区"),
    a("330203", "浙江省", "宁波市", "海曙区"),
    a("330211", "浙江省", "宁波市", "镇海区"),
    a("330212", "浙江省", "宁波市", "鄞州区"),
    a("330302", "浙江省", "温州市", "鹿城区"),
    a("330303", "浙江省", "温州市", "龙湾区"),
    a("330381", "浙江省", "温州市", "瑞安市"),
    a("330382", "浙江省", "温州市", "乐清市"),
    a("330402", "浙江省", "嘉兴市", "南湖区"),
    a("330502", "浙江省", "湖州市", "吴兴区"),
    a("330602", "浙江省", "绍兴市", "越城区"),
    a("330702", "浙江省", "金华市", "婺城区"),
    a("330782", "浙江省", "金华市", "义乌市"),
    a("331002", "浙江省", "台州市", "椒江区"),
    a("320102", "江苏省", "南京市", "玄武区"),
    a("320104", "江苏省", "南京市", "秦淮区"),
    a("320105", "江苏省", "南京市", "建邺区"),
    a("320106", "江苏省", "南京市", "鼓楼区"),
    a("320113", "江苏省", "南京市", "栖霞区"),
    a("320115", "江苏省", "南京市", "江宁区"),
    a("320213", "江苏省", "无锡市", "梁溪区"),
    a("320214", "江苏省", "无锡市", "新吴区"),
    a("320302", "江苏省", "徐州市", "鼓楼区"),
    a("320402", "江苏省", "常州市", "天宁区"),
    a("320404", "江苏省", "常州市", "钟楼区"),
    a("320505", "江苏省", "苏州市", "虎丘区"),
    a("320506", "江苏省", "苏州市", "吴中区"),
    a("320507", "江苏省", "苏州市", "相城区"),
    a("320508", "江苏省", "苏州市", "姑苏区"),
    a("320581", "江苏省", "苏州市", "常熟市"),
    a("320583", "江苏省", "苏州市", "昆山市"),
    a("320602", "江苏省", "南通市", "崇川区"),
    a("321002", "江苏省", "扬州市", "广陵区"),
    a("440103", "广东省", "广州市", "荔湾区"),
    a("440104", "广东省", "广州市", "越秀区"),
    a("440105", "广东省", "广州市", "海珠区"),
    a("440106", "广东省", "广州市", "天河区"),
    a("440111", "广东省", "广州市", "白云区"),
    a("440113", "广东省", "广州市", "番禺区"),
    a("440303", "广东省", "深圳市", "罗湖区"),
    a("440304", "广东省", "深圳市", "福田区"),
    a("440305", "广东省", "深圳市", "南山区"),
    a("440306", "广东省", "深圳市", "宝安区"),
    a("440307", "广东省", "深圳市", "龙岗区"),
    a("440402", "广东省", "珠海市", "香洲区"),
    a("440507", "广东省", "汕头市", "龙湖区"),
    a("440604", "广东省", "佛山市", "禅城区"),
    a("440606", "广东省", "佛山市", "顺德区"),
    a("441302", "广东省", "惠州市", "惠城区"),
    a("370102", "山东省", "济南市", "历下区"),
    a("370103", "山东省", "济南市", "市中区"),
    a("370104", "山东省", "济南市", "槐荫区"),
    a("370105", "山东省", "济南市", "天桥区"),
    a("370112", "山东省", "济南市", "历城区"),
    a("370202", "山东省", "青岛市", "市南区"),
    a("370203", "山东省", "青岛市", "市北区"),
    a("370211", "山东省", "青岛市", "黄岛区"),
    a("370212", "山东省", "青岛市", "崂山区"),
    a("370302", "山东省", "淄博市", "淄川区"),
    a("370602", "山东省", "烟台市", "芝罘区"),
    a("370702", "山东省", "潍坊市", "潍城区"),
    a("370811", "山东省", "济宁市", "任城区"),
    a("371302", "山东省", "临沂市", "兰山区"),
    a("420102", "湖北省", "武汉市", "江岸区"),
    a("420103", "湖北省", "武汉市", "江汉区"),
    a("420104", "湖北省", "武汉市", "硚口区"),
    a("420106", "湖北省", "武汉市", "武昌区"),
    a("420111", "湖北省", "武汉市", "洪山区"),
    a("420502", "湖北省", "宜昌市", "西陵区"),
    a("420602", "湖北省", "襄阳市", "襄城区"),
    a("421002", "湖北省", "荆州市", "沙市区"),
    a("430102", "湖南省", "长沙市", "芙蓉区"),
    a("430103", "湖南省", "长沙市", "天心区"),
    a("430104", "湖南省", "长沙市", "岳麓区"),
    a("410102", "河南省", "郑州市", "中原区"),
    a("410105", "河南省", "郑州市", "金水区"),
    a("410302", "河南省", "洛阳市", "老城区"),
    a("510104", "四川省", "成都市", "锦江区"),
    a("510105", "四川省", "成都市", "青羊区"),
    a("510106", "四川省", "成都市", "金牛区"),
    a("510107", "四川省", "成都市", "武侯区"),
    a("510108", "四川省", "成都市", "成华区"),
    a("510603", "四川省", "德阳市", "旌阳区"),
    a("510703", "四川省", "绵阳市", "涪城区"),
    a("511302", "四川省", "南充市", "顺庆区"),
    a("110101", "北京市", "北京市", "东城区"),
    a("110102", "北京市", "北京市", "西城区"),
    a("110105", "北京市", "北京市", "朝阳区"),
    a("110106", "北京市", "北京市", "丰台区"),
    a("110108", "北京市", "北京市", "海淀区"),
    a("310101", "上海市", "上海市", "黄浦区"),
    a("310104", "上海市", "上海市", "徐汇区"),
    a("310105", "上海市", "上海市", "长宁区"),
    a("310106", "上海市", "上海市", "静安区"),
    a("310107", "上海市", "上海市", "普陀区"),
    a("310115", "上海市", "上海市", "浦东新区"),
];

impl Area {
    /// The prefecture's code (`350100` for every district of Fuzhou).
    pub(crate) fn prefecture_code(&self) -> String {
        format!("{}00", &self.code[..4])
    }

    /// A Beijing or Shanghai district: the city is the province.
    pub(crate) fn is_municipality(&self) -> bool {
        self.province == self.city
    }

    /// The one-character abbreviation of the province used on title certificates.
    pub(crate) fn province_abbr(&self) -> &'static str {
        match &self.code[..2] {
            "35" => "闽",
            "33" => "浙",
            "32" => "苏",
            "44" => "粤",
            "37" => "鲁",
            "42" => "鄂",
            "43" => "湘",
            "41" => "豫",
            "51" => "川",
            "11" => "京",
            _ => "沪",
        }
    }

    /// The city without its final `市`.
    pub(crate) fn city_short(&self) -> &'static str {
        self.city.trim_end_matches('市')
    }

    /// Province, city and district as a registry writes them.
    pub(crate) fn full(&self) -> String {
        if self.is_municipality() {
            format!("{}{}", self.city, self.district)
        } else {
            format!("{}{}{}", self.province, self.city, self.district)
        }
    }
}

/// The position of an area in [`AREAS`].
pub(crate) fn index_of(area: &Area) -> usize {
    AREAS
        .iter()
        .position(|x| std::ptr::eq(x, area))
        .unwrap_or(0)
}

/// The first and one-past-last positions of the area's prefecture in [`AREAS`] (areas of one
/// prefecture are listed together).
pub(crate) fn city_range(area: &Area) -> (usize, usize) {
    let i = index_of(area);
    let same = |j: usize| AREAS[j].city == area.city;
    let mut lo = i;
    while lo > 0 && same(lo - 1) {
        lo -= 1;
    }
    let mut hi = i + 1;
    while hi < AREAS.len() && same(hi) {
        hi += 1;
    }
    (lo, hi)
}

/// An area in the same prefecture as `area`, chosen at random.
pub(crate) fn same_city<R: Rng>(rng: &mut R, area: &'static Area) -> &'static Area {
    let (lo, hi) = city_range(area);
    &AREAS[rng.random_range(lo..hi)]
}

/// A kind of organisation unit on the roster.
pub(crate) struct UnitKind {
    /// Name pattern: `{city}`, `{district}` and `{province}` are replaced.
    pub pattern: &'static str,
    /// Sector.
    pub sector: Sector,
    /// Head's title and rank.
    pub head: (&'static str, Rank),
    /// Deputy's title and rank.
    pub deputy: (&'static str, Rank),
    /// Credit-code registration authority and category (`11` organs, `12` institutions, ...).
    pub code_kind: &'static str,
    /// Weight.
    pub weight: u32,
}

const fn u(
    pattern: &'static str,
    sector: Sector,
    head: (&'static str, Rank),
    deputy: (&'static str, Rank),
    code_kind: &'static str,
    weight: u32,
) -> UnitKind {
    UnitKind {
        pattern,
        sector,
        head,
        deputy,
        code_kind,
        weight,
    }
}

use Rank::*;
use Sector::*;

/// Units a reporting subject may work in.
pub(crate) static UNIT_KINDS: &[UnitKind] = &[
    u(
        "{city}人民政府办公室",
        PartyState,
        ("主任", Division),
        ("副主任", ViceDivision),
        "11",
        8,
    ),
    u(
        "中共{city}委员会组织部",
        PartyState,
        ("部长", ViceDepartment),
        ("副部长", Division),
        "11",
        5,
    ),
    u(
        "{city}公安局",
        PartyState,
        ("局长", ViceDepartment),
        ("副局长", Division),
        "11",
        8,
    ),
    u(
        "{city}财政局",
        PartyState,
        ("局长", Division),
        ("副局长", ViceDivision),
        "11",
        7,
    ),
    u(
        "{city}发展和改革委员会",
        PartyState,
        ("主任", Division),
        ("副主任", ViceDivision),
        "11",
        7,
    ),
    u(
        "{city}自然资源和规划局",
        PartyState,
        ("局长", Division),
        ("副局长", ViceDivision),
        "11",
        6,
    ),
    u(
        "{city}住房和城乡建设局",
        PartyState,
        ("局长", Division),
        ("副局长", ViceDivision),
        "11",
        6,
    ),
    u(
        "{city}市场监督管理局",
        PartyState,
        ("局长", Division),
        ("副局长", ViceDivision),
        "11",
        6,
    ),
    u(
        "{city}{district}人民政府",
        PartyState,
        ("区长", Division),
        ("副区长", ViceDivision),
        "11",
        12,
    ),
    u(
        "中共{city}{district}委员会",
        PartyState,
        ("书记", Division),
        ("副书记", ViceDivision),
        "11",
        8,
    ),
    u(
        "{city}中级人民法院",
        PartyState,
        ("院长", ViceDepartment),
        ("副院长", Division),
        "11",
        4,
    ),
    u(
        "{city}人民检察院",
        PartyState,
        ("检察长", ViceDepartment),
        ("副检察长", Division),
        "11",
        4,
    ),
    u(
        "{province}发展和改革委员会",
        PartyState,
        ("主任", Department),
        ("副主任", ViceDepartment),
        "11",
        2,
    ),
    u(
        "{province}交通运输厅",
        PartyState,
        ("厅长", Department),
        ("副厅长", ViceDepartment),
        "11",
        2,
    ),
    u(
        "{city}第一医院",
        PublicInstitution,
        ("院长", Division),
        ("副院长", ViceDivision),
        "12",
        4,
    ),
    u(
        "{city}广播电视台",
        PublicInstitution,
        ("台长", Division),
        ("副台长", ViceDivision),
        "12",
        2,
    ),
    u(
        "{city}职业技术学院",
        PublicInstitution,
        ("院长", Division),
        ("副院长", ViceDivision),
        "12",
        2,
    ),
    u(
        "{city}城市建设投资集团有限公司",
        Soe,
        ("董事长", Division),
        ("副总经理", ViceDivision),
        "91",
        4,
    ),
    u(
        "{city}国有资产投资控股集团有限公司",
        Soe,
        ("总经理", Division),
        ("副总经理", ViceDivision),
        "91",
        3,
    ),
    u(
        "{city}农村商业银行股份有限公司",
        Financial,
        ("行长", Division),
        ("副行长", ViceDivision),
        "91",
        3,
    ),
    u(
        "{city}工商业联合会",
        Sector::Other,
        ("主席", Division),
        ("副主席", ViceDivision),
        "51",
        2,
    ),
];

/// Fills a unit or employer name pattern.
pub(crate) fn fill(pattern: &str, area: &Area) -> String {
    let province = if area.is_municipality() {
        area.city
    } else {
        area.province
    };
    pattern
        .replace("{city_short}", area.city_short())
        .replace("{province_short}", province.trim_end_matches(['省', '市']))
        .replace("{city}", area.city)
        .replace("{district}", area.district)
        .replace("{province}", province)
}

const ROADS: &[&str] = &[
    "工业路",
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "长江路",
    "湖滨路",
    "五一路",
    "新华路",
    "和平路",
    "文化路",
    "东风路",
    "胜利路",
    "江滨大道",
    "学府路",
    "金融街",
    "滨海大道",
    "黄河路",
    "北京路",
    "幸福路",
    "拱辰路",
    "同集南路",
    "荔华东大道",
    "六一北路",
    "连江北路",
];

const ESTATES: &[&str] = &[
    "三盛名邸",
    "永鸿花园",
    "正荣新苑",
    "碧桂园广场",
    "万科城",
    "保利香槟国际",
    "融侨外滩",
    "世茂天城",
    "绿地中央广场",
    "恒大名都",
    "金地格林小城",
    "中海国际社区",
    "龙湖春江郦城",
    "招商雍景湾",
    "华润橡树湾",
    "阳光城翡丽湾",
    "建发央著",
    "联发御景",
    "泰禾院子",
    "金辉优步大道",
];

/// A property's location, from which both the registry's and the declarant's text are written.
#[derive(Debug, Clone)]
pub(crate) struct Address {
    area: &'static Area,
    road: &'static str,
    number: u32,
    estate: &'static str,
    building: u32,
    unit: u32,
    room: u32,
    kind: PropertyKind,
}

impl Address {
    /// A random address in `area` for a property of `kind`.
    pub(crate) fn random<R: Rng>(rng: &mut R, area: &'static Area, kind: PropertyKind) -> Address {
        let floor = rng.random_range(1..33u32);
        Address {
            area,
            road: pick::<&str, _>(rng, ROADS),
            number: rng.random_range(1..600),
            estate: pick::<&str, _>(rng, ESTATES),
            building: rng.random_range(1..30),
            unit: rng.random_range(1..6),
            room: if kind.is_ancillary() {
                rng.random_range(1..400)
            } else {
                floor * 100 + rng.random_range(1..5)
            },
            kind,
        }
    }

    fn place(&self) -> String {
        format!("{}{}号{}", self.road, self.number, self.estate)
    }

    fn tail(&self) -> String {
        match self.kind {
            PropertyKind::Garage => format!("{}幢车库{}号", self.building, self.room),
            PropertyKind::Parking => format!("地下车库{}号车位", self.room),
            PropertyKind::Storage => format!(
                "{}幢{}单元地下室{}号储藏室",
                self.building, self.unit, self.room
            ),
            _ => format!("{}幢{}单元{}室", self.building, self.unit, self.room),
        }
    }

    /// The address as the registry writes it: province first, 幢/单元/室.
    pub(crate) fn registry(&self) -> String {
        format!("{}{}{}", self.area.full(), self.place(), self.tail())
    }

    /// The address as a declarant writes it, in one of five styles (0 is the registry's).
    pub(crate) fn declared(&self, style: u32) -> String {
        let a = self.area;
        if style == 0 {
            return self.registry();
        }
        if self.kind.is_ancillary() {
            return match style % 2 {
                1 => format!("{}{}{}{}", a.city, a.district, self.place(), self.tail()),
                _ => format!("{}{} {} {}", a.city, a.district, self.estate, self.tail()),
            };
        }
        let (b, u, r) = (self.building, self.unit, self.room);
        match style % 5 {
            1 => format!("{}{}{}{}", a.city, a.district, self.place(), self.tail()),
            2 => format!(
                "{}{}{}{}号楼{}-{}",
                a.city,
                a.district,
                self.place(),
                b,
                u,
                r
            ),
            3 => format!(
                "{} {} {}({}{}号) {}#{}单元{}室",
                a.city, a.district, self.estate, self.road, self.number, b, u, r
            ),
            _ => format!("{}{}{}{}栋{}-{}", a.city, a.district, self.place(), b, u, r),
        }
    }
}

/// A title certificate: the real-estate certificate since 2016, the house-ownership certificate
/// before.
#[derive(Debug, Clone)]
pub(crate) struct Certificate {
    area: &'static Area,
    year: i32,
    serial: String,
}

impl Certificate {
    /// A certificate issued in `year` in `area` with a unique serial number.
    pub(crate) fn new(area: &'static Area, year: i32, serial: String) -> Certificate {
        Certificate { area, year, serial }
    }

    fn new_form(&self) -> bool {
        self.year >= 2016
    }

    /// As the registry writes it.
    pub(crate) fn registry(&self) -> String {
        self.written(0)
    }

    /// As a declarant writes it, in one of five styles (0 is the registry's): full-width or
    /// square brackets, without 第/号, with spaces.
    pub(crate) fn written(&self, style: u32) -> String {
        let a = self.area;
        if self.new_form() {
            let (abbr, y, c, s) = (a.province_abbr(), self.year, a.city, &self.serial);
            match style % 5 {
                0 => format!("{abbr}({y}){c}不动产权第{s}号"),
                1 => format!("{abbr}（{y}）{c}不动产权第{s}号"),
                2 => format!("{abbr}({y}){c}不动产权{s}"),
                3 => format!("{abbr}〔{y}〕{c}不动产权第{s}号"),
                _ => format!("{abbr}({y}) {c}不动产权第 {s} 号"),
            }
        } else {
            let initial: String = a.district.chars().take(1).collect();
            let (c, s) = (a.city_short(), &self.serial);
            match style % 3 {
                0 => format!("{c}房权证{initial}字第{s}号"),
                1 => format!("{c}房权证{initial}字{s}"),
                _ => format!("{c}房权证{initial}字第 {s} 号"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use probity_model::ResidentId;

    #[test]
    fn area_codes_are_usable_in_ids() {
        for area in AREAS {
            let id = ResidentId::from_first_17(&format!("{}19800101001", area.code)).unwrap();
            assert_eq!(id.area_code(), area.code);
        }
    }

    #[test]
    fn registry_text_looks_like_the_example() {
        let area = AREAS.iter().find(|x| x.code == "350104").unwrap();
        let c = Certificate::new(area, 2025, "3460227".into());
        assert_eq!(c.registry(), "闽(2025)福州市不动产权第3460227号");
        assert_eq!(c.written(2), "闽(2025)福州市不动产权3460227");
        let old = Certificate::new(
            AREAS.iter().find(|x| x.code == "350206").unwrap(),
            2003,
            "12158520".into(),
        );
        assert_eq!(old.registry(), "厦门房权证湖字第12158520号");
    }
}
