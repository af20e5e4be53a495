//! Word lists of the national data set (short on purpose: the national set exercises volume,
//! the demo set carries the realistic detail).

/// Lounge themes.
pub(super) const LOUNGE_THEMES: &[&str] = &[
    "共同富裕",
    "乡村振兴",
    "基层治理",
    "营商环境",
    "生态环境",
    "法治建设",
    "科技创新",
    "民生保障",
    "文化传承",
    "医疗健康",
    "教育发展",
    "侨联侨务",
];

/// Host venues of lounges (after the committee's name).
pub(super) const LOUNGE_VENUES: &[&str] = &[
    "人民法院",
    "人民检察院",
    "司法局",
    "科技园",
    "文化馆",
    "图书馆",
    "妇女儿童活动中心",
    "工商联",
    "中心医院",
    "农业科技示范园",
];

/// Consultation topics.
pub(super) const TOPICS: &[&str] = &[
    "农村生活污水治理",
    "老旧小区改造",
    "养老服务体系建设",
    "城乡公交一体化",
    "中小学课后服务",
    "垃圾分类",
    "历史文化街区保护",
    "数字经济发展",
    "民营企业融资",
    "农村宅基地管理",
    "美丽乡村建设",
    "医疗卫生资源下沉",
    "停车难问题",
    "农产品品牌建设",
    "河湖长制落实",
    "食品安全监管",
    "外来务工人员子女就学",
    "社区治理创新",
    "旅游业高质量发展",
    "安全生产",
    "人才引进",
    "基层医疗服务能力",
    "山区县跨越式发展",
    "夜间经济",
    "文化礼堂建设",
];

/// Government departments responsible for suggestions (after the committee's name).
pub(super) const DEPARTMENTS: &[&str] = &[
    "发展和改革局",
    "教育局",
    "民政局",
    "财政局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "农业农村局",
    "文化和旅游局",
    "卫生健康委员会",
    "市场监督管理局",
    "经济和信息化局",
    "人力资源和社会保障局",
    "应急管理局",
];

/// What a suggestion asks for.
pub(super) const ACTIONS: &[&str] = &[
    "加大财政投入",
    "完善考核机制",
    "建立长效管理机制",
    "加强部门协同",
    "引入社会资本",
    "开展专项督查",
    "制定实施细则",
    "推广试点经验",
    "强化数字化手段",
    "加强队伍建设",
];

/// Special committees and sectors that organise micro consultations.
pub(super) const ORGANIZERS: &[&str] = &[
    "提案委员会",
    "经济委员会",
    "农业和农村委员会",
    "社会和法制委员会",
    "教科卫体委员会",
    "文化文史和学习委员会",
];

/// Kinds of activity, for titles.
pub(super) const ACTIVITY_WORDS: &[&str] = &[
    "专题讲座",
    "政策宣讲",
    "协商议事",
    "网络议政",
    "远程协商",
    "专题调研",
    "委员沙龙",
    "走访调研",
];
