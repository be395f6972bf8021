//! Catalogues of the things people hold: listed stocks and funds with realistic prices, insurers
//! and their products, company names, employers, destinations and charges.

/// A-shares: code, name, price in fen around the report date.
pub(crate) const STOCKS: &[(&str, &str, i64)] = &[
    ("600519", "贵州茅台", 150_000),
    ("000651", "格力电器", 4_740),
    ("601728", "中国电信", 643),
    ("600276", "恒瑞医药", 6_133),
    ("600104", "上汽集团", 1_640),
    ("601138", "工业富联", 2_820),
    ("000858", "五粮液", 13_000),
    ("601318", "中国平安", 5_500),
    ("600036", "招商银行", 4_200),
    ("000333", "美的集团", 7_500),
    ("300750", "宁德时代", 26_000),
    ("002594", "比亚迪", 33_000),
    ("601012", "隆基绿能", 1_800),
    ("600900", "长江电力", 2_900),
    ("601398", "工商银行", 720),
    ("601288", "农业银行", 550),
    ("600030", "中信证券", 2_800),
    ("000001", "平安银行", 1_150),
    ("601888", "中国中免", 6_500),
    ("600887", "伊利股份", 2_800),
    ("002415", "海康威视", 3_200),
    ("600309", "万华化学", 7_000),
    ("601166", "兴业银行", 2_100),
    ("000725", "京东方A", 430),
    ("600028", "中国石化", 610),
    ("601857", "中国石油", 850),
    ("000002", "万科A", 680),
    ("600585", "海螺水泥", 2_400),
    ("601668", "中国建筑", 560),
    ("300059", "东方财富", 2_400),
];

/// Funds: code, name, net asset value per unit in ten-thousandths of a yuan.
pub(crate) const FUNDS: &[(&str, &str, i64)] = &[
    ("000311", "景顺长城沪深300指数增强A", 20_305),
    ("001938", "中欧时代先锋股票A", 16_816),
    ("110022", "易方达消费行业股票", 26_333),
    ("000083", "汇添富消费行业混合", 39_456),
    ("161725", "招商中证白酒指数(LOF)A", 8_500),
    ("005827", "易方达蓝筹精选混合", 16_500),
    ("519674", "银河创新成长混合A", 52_000),
    ("260108", "景顺长城新兴成长混合", 19_000),
    ("163406", "兴全合润混合(LOF)", 15_500),
    ("000961", "天弘沪深300ETF联接A", 13_500),
    ("110011", "易方达优质精选混合(QDII)", 41_000),
    ("001632", "天弘中证食品饮料ETF联接A", 12_000),
    ("000248", "汇添富中证主要消费ETF联接A", 18_000),
    ("012348", "天弘恒生科技指数(QDII)A", 7_000),
];

/// Insurers: name, policy-number prefix, investment-type products, other products.
pub(crate) const INSURERS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "中国平安人寿保险股份有限公司",
        "P",
        &[
            "平安御享财富终身寿险(万能型)",
            "平安金瑞人生年金保险(分红型)",
        ],
        &["平安综合意外伤害保险", "平安福重大疾病保险"],
    ),
    (
        "中国人寿保险股份有限公司",
        "GS",
        &["国寿鑫享金生年金保险(分红型)", "国寿瑞盈两全保险(万能型)"],
        &["国寿康宁终身重大疾病保险", "国寿附加住院费用补偿医疗保险"],
    ),
    (
        "太平人寿保险有限公司",
        "TP",
        &["太平盛世金享投资连结保险", "太平智汇人生终身寿险(万能型)"],
        &["太平福禄康瑞重大疾病保险"],
    ),
    (
        "新华人寿保险股份有限公司",
        "88",
        &["新华荣华世家终身寿险(万能型)", "新华惠福宝两全保险(分红型)"],
        &["新华健康无忧重大疾病保险"],
    ),
    (
        "泰康人寿保险有限责任公司",
        "TK",
        &[
            "泰康财富人生终身年金保险(分红型)",
            "泰康赢家理财投资连结保险",
        ],
        &["泰康健康尊享医疗保险"],
    ),
    (
        "中国太平洋人寿保险股份有限公司",
        "CP",
        &["太平洋金佑人生终身寿险(分红型)"],
        &["太平洋综合意外伤害保险", "太平洋安享一生重大疾病保险"],
    ),
];

/// Words companies are named with.
pub(crate) const BRANDS: &[&str] = &[
    "鑫瑞", "和瑞", "正瑞", "恒信", "嘉华", "宏达", "盛世", "天成", "新宇", "永辉", "华晟", "金鼎",
    "博远", "启明", "汇通", "泰和", "中联", "凯源", "海峡", "东方", "瑞丰", "邦万", "嘉聚", "远航",
];

/// Lines of business.
pub(crate) const INDUSTRIES: &[&str] = &[
    "科技",
    "贸易",
    "文化传媒",
    "建筑工程",
    "餐饮管理",
    "信息技术",
    "农业开发",
    "机械设备",
    "医疗器械",
    "物业管理",
    "投资咨询",
    "教育咨询",
    "电子商务",
    "新材料",
    "环保工程",
];

/// Foreign brands of foreign-invested employers.
pub(crate) const FOREIGN_BRANDS: &[&str] = &[
    "戴尔",
    "西门子",
    "松下",
    "三星",
    "博世",
    "飞利浦",
    "ABB",
    "霍尼韦尔",
];

/// Posts of family members at work.
pub(crate) const POSITIONS: &[&str] = &[
    "部门经理",
    "销售经理",
    "会计",
    "主治医师",
    "教师",
    "工程师",
    "行政主管",
    "项目经理",
    "律师",
    "人力资源专员",
    "研发工程师",
    "客户经理",
    "护士",
    "设计师",
];

/// Countries of private trips abroad.
pub(crate) const TRIP_COUNTRIES: &[&str] = &[
    "JP", "KR", "TH", "SG", "MY", "US", "AU", "FR", "IT", "GB", "DE", "NZ", "CA", "VN", "ID", "AE",
    "RU", "PH", "ES", "CH",
];

/// Countries family members emigrate to or study in.
pub(crate) const RESIDENCE_COUNTRIES: &[&str] =
    &["US", "CA", "AU", "GB", "NZ", "SG", "JP", "DE", "FR", "NL"];

/// Nationalities of foreign spouses.
pub(crate) const SPOUSE_NATIONALITIES: &[&str] =
    &["US", "CA", "AU", "GB", "JP", "KR", "SG", "MY", "DE", "FR"];

/// Charges in criminal cases against family members.
pub(crate) const CHARGES: &[&str] = &[
    "危险驾驶罪",
    "交通肇事罪",
    "盗窃罪",
    "诈骗罪",
    "非法吸收公众存款罪",
    "故意伤害罪",
    "开设赌场罪",
    "合同诈骗罪",
];

/// Payers of labour income: name pattern and credit-code kind.
pub(crate) const LABOR_PAYERS: &[(&str, &str)] = &[
    ("中共{city}委员会党校", "11"),
    ("{province}人民出版社有限公司", "91"),
    ("{city}行政学院", "12"),
    ("{city}社会科学界联合会", "51"),
    ("{province}社会科学院", "12"),
    ("{city}大学", "12"),
];

/// Employers in a city shared by many families: pattern, credit-code kind, employer type.
pub(crate) const CITY_EMPLOYERS: &[(&str, &str, probity_model::declaration::EmployerType)] = {
    use probity_model::declaration::EmployerType::*;
    &[
        ("{city}第一中学", "12", PublicInstitution),
        ("{city}实验小学", "12", PublicInstitution),
        ("{city}中医院", "12", PublicInstitution),
        ("{city}妇幼保健院", "12", PublicInstitution),
        ("{city}融资担保有限责任公司", "91", Soe),
        ("{city}水务集团有限公司", "91", Soe),
        ("{city}公共交通集团有限公司", "91", Soe),
        ("中国建设银行股份有限公司{city_short}分行", "91", Soe),
        (
            "中国移动通信集团{province_short}有限公司{city_short}分公司",
            "91",
            Soe,
        ),
        ("{city}不动产登记中心", "12", PublicInstitution),
    ]
};
