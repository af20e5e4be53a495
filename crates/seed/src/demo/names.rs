//! Word lists for synthetic people: names, sectors (界别) and occupations.
//!
//! Names are drawn from common surnames and given-name characters, so they look real while
//! belonging to nobody in particular; contact data is obviously fake (see `members.rs`).

use super::rng::Rng;

/// Common Chinese surnames, most frequent first (earlier ones are drawn more often).
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "任", "沈", "姚", "卢", "傅", "钟", "姜", "崔", "谭", "陆", "范", "汪", "金", "石", "戴", "贾",
    "韦", "夏", "邱", "方", "侯", "邹", "熊", "孟", "秦", "白", "毛", "江", "闫", "薛", "尹", "段",
    "雷", "黎", "史", "龙", "陶", "贺", "顾", "常", "郝", "龚", "邵", "万", "钱", "严", "赖", "覃",
    "洪", "武", "莫", "孔", "应", "楼", "俞", "娄", "詹",
];

/// Given-name characters used for either gender.
const GIVEN_COMMON: &[&str] = &[
    "文", "明", "华", "建", "平", "晓", "海", "俊", "宇", "立", "新", "志", "家", "嘉", "子", "春",
    "永", "世", "思", "一", "启", "宏", "晨", "亦", "金", "信", "和", "鸣", "哲", "清",
];

/// Given-name characters used more often for men.
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "军", "杰", "磊", "涛", "斌", "波", "辉", "刚", "勇", "峰", "鹏", "浩", "超", "亮",
    "林", "国", "东", "兵", "毅", "坚", "荣", "锋", "凯", "昊", "泽", "诚", "彬", "阳",
];

/// Given-name characters used more often for women.
const GIVEN_FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "莉", "萍", "红",
    "琳", "颖", "倩", "洁", "蓉", "佳", "瑶", "悦", "欣", "露", "薇", "岚", "菲", "琴",
];

/// A synthetic full name: a surname and one or two given-name characters.
pub(crate) fn person_name(rng: &mut Rng, female: bool) -> String {
    // Squaring a uniform draw favours the front of the list, like real surname frequencies.
    let draw = rng.below(1000) as usize;
    let surname = SURNAMES[(draw * draw / 1000 * SURNAMES.len() / 1000).min(SURNAMES.len() - 1)];
    let gendered = if female { GIVEN_FEMALE } else { GIVEN_MALE };
    let mut name = String::from(surname);
    if rng.chance(25) {
        name.push_str(rng.word(gendered));
    } else {
        let first: &str = if rng.chance(50) {
            rng.word(GIVEN_COMMON)
        } else {
            rng.word(gendered)
        };
        name.push_str(first);
        name.push_str(rng.word(gendered));
    }
    name
}

/// A synthetic name for a guest who is a woman with probability `female_percent` / 100.
pub(crate) fn guest_name(rng: &mut Rng, female_percent: u64) -> String {
    let female = rng.chance(female_percent);
    person_name(rng, female)
}

/// A sector (界别) with its relative weight and typical occupations of its members.
pub(crate) struct Sector {
    pub(crate) name: &'static str,
    pub(crate) weight: u64,
    pub(crate) occupations: &'static [&'static str],
}

/// The sectors of a CPPCC committee. Weights give roughly the mix of a provincial committee.
pub(crate) const SECTORS: &[Sector] = &[
    Sector {
        name: "中共",
        weight: 8,
        occupations: &[
            "党委办公室副主任",
            "乡镇党委书记",
            "街道党工委书记",
            "国有企业党委书记",
        ],
    },
    Sector {
        name: "民革",
        weight: 3,
        occupations: &["律师事务所主任", "高校教授", "台资企业顾问"],
    },
    Sector {
        name: "民盟",
        weight: 4,
        occupations: &["中学校长", "高校副教授", "文化馆馆长"],
    },
    Sector {
        name: "民建",
        weight: 4,
        occupations: &["企业董事长", "会计师事务所合伙人", "银行支行行长"],
    },
    Sector {
        name: "民进",
        weight: 3,
        occupations: &["小学校长", "出版社编辑", "幼儿园园长"],
    },
    Sector {
        name: "农工党",
        weight: 3,
        occupations: &["医院副院长", "主任医师", "药学研究员"],
    },
    Sector {
        name: "致公党",
        weight: 2,
        occupations: &["外贸企业总经理", "归国创业者", "研究所研究员"],
    },
    Sector {
        name: "九三学社",
        weight: 3,
        occupations: &["研究院研究员", "高校教授", "高级工程师"],
    },
    Sector {
        name: "无党派人士",
        weight: 4,
        occupations: &["高校教授", "主任医师", "律师", "工程师"],
    },
    Sector {
        name: "共青团",
        weight: 2,
        occupations: &["团委书记", "青年志愿者协会会长"],
    },
    Sector {
        name: "工会",
        weight: 3,
        occupations: &["总工会副主席", "企业工会主席", "全国劳动模范"],
    },
    Sector {
        name: "妇联",
        weight: 3,
        occupations: &["妇联副主席", "巾帼创业带头人", "社区妇联主席"],
    },
    Sector {
        name: "青联",
        weight: 2,
        occupations: &["青年企业家", "青年联合会副主席"],
    },
    Sector {
        name: "工商联",
        weight: 8,
        occupations: &["民营企业董事长", "商会会长", "企业总经理", "个体工商户"],
    },
    Sector {
        name: "科协",
        weight: 3,
        occupations: &["科协副主席", "高级工程师", "学会秘书长"],
    },
    Sector {
        name: "侨联",
        weight: 2,
        occupations: &["侨联副主席", "侨资企业总经理", "归侨"],
    },
    Sector {
        name: "文化艺术界",
        weight: 4,
        occupations: &["画家", "作家", "非遗传承人", "剧团团长", "音乐家"],
    },
    Sector {
        name: "科学技术界",
        weight: 4,
        occupations: &["研究员", "实验室主任", "科技企业首席科学家"],
    },
    Sector {
        name: "社会科学界",
        weight: 3,
        occupations: &["社科院研究员", "党校教授", "经济学教授"],
    },
    Sector {
        name: "经济界",
        weight: 8,
        occupations: &[
            "企业董事长",
            "金融机构负责人",
            "基金管理人",
            "电商企业创始人",
        ],
    },
    Sector {
        name: "农业界",
        weight: 5,
        occupations: &[
            "农业合作社理事长",
            "家庭农场主",
            "农技推广研究员",
            "茶企负责人",
        ],
    },
    Sector {
        name: "教育界",
        weight: 6,
        occupations: &["中学校长", "小学教师", "职业学校校长", "高校教授"],
    },
    Sector {
        name: "体育界",
        weight: 1,
        occupations: &["体育学校校长", "教练员", "退役运动员"],
    },
    Sector {
        name: "新闻出版界",
        weight: 2,
        occupations: &["报社副总编辑", "广播电视台主持人", "出版社社长"],
    },
    Sector {
        name: "医药卫生界",
        weight: 6,
        occupations: &["医院院长", "主任医师", "社区卫生服务中心主任", "护士长"],
    },
    Sector {
        name: "社会福利和社会保障界",
        weight: 2,
        occupations: &["养老服务中心主任", "慈善总会副会长", "社工机构负责人"],
    },
    Sector {
        name: "少数民族界",
        weight: 1,
        occupations: &["民族乡乡长", "畲族文化传承人"],
    },
    Sector {
        name: "宗教界",
        weight: 1,
        occupations: &["宗教团体负责人"],
    },
    Sector {
        name: "特邀港澳人士",
        weight: 1,
        occupations: &["港澳企业家", "港澳社团负责人"],
    },
    Sector {
        name: "特别邀请人士",
        weight: 3,
        occupations: &["退休干部", "社区书记", "村党支部书记", "律师"],
    },
];

/// A sector drawn by weight.
pub(crate) fn sector(rng: &mut Rng) -> &'static Sector {
    let total: u64 = SECTORS.iter().map(|sector| sector.weight).sum();
    let mut draw = rng.below(total);
    for sector in SECTORS {
        if draw < sector.weight {
            return sector;
        }
        draw -= sector.weight;
    }
    &SECTORS[0]
}

/// Universities, institutes and hospitals that experts come from.
pub(crate) const EXPERT_BODIES: &[&str] = &[
    "浙江大学",
    "浙江工业大学",
    "浙江师范大学",
    "宁波大学",
    "温州医科大学",
    "浙江省社会科学院",
    "浙江省委党校",
    "浙江财经大学",
    "浙江农林大学",
    "中国美术学院",
    "浙江省城乡规划设计研究院",
];

/// Roads for synthetic addresses.
pub(crate) const ROADS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "文化路",
    "建设路",
    "新华路",
    "学院路",
    "环城北路",
    "滨江路",
    "江南大道",
    "世纪大道",
    "迎宾路",
    "府前路",
    "科技路",
    "创业路",
    "兴业路",
    "振兴路",
    "湖滨路",
];

/// Places inside a county where sessions and activities happen.
pub(crate) const TOWN_SUFFIXES: &[&str] = &["镇", "街道"];

/// First characters of synthetic town names.
pub(crate) const TOWN_NAMES: &[&str] = &[
    "东城", "西塘", "南山", "北湖", "新桥", "石门", "青溪", "云峰", "梅林", "桃源", "长安", "龙泉",
    "白沙", "双溪", "凤凰", "金塘", "柳桥", "横山", "永安", "黄泥",
];

/// A synthetic town or street name.
pub(crate) fn town(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(TOWN_NAMES), rng.pick(TOWN_SUFFIXES))
}
