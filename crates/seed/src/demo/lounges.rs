//! The 110 members' lounges (委员会客厅) active on 2020-12-31.
//!
//! The 16 lounges the article names come first (ids 1–16, in the order of
//! `docs/article-facts.md`), then 94 generated ones: one per city and one per county that has
//! no named lounge, plus a second lounge for Hangzhou. Opening dates follow the article's
//! growth curve: 3 lounges by August 2018, 8 by January 2019, 105 by January 2020 and 110 by
//! December 2020.

use chrono::NaiveDate;
use entity::{
    enums::{LoungeStatus, RegionLevel},
    lounge,
};
use sea_orm::ActiveValue::Set;

use super::{
    calendar::{add_days, days_between, hm, ymd},
    names::{ROADS, town},
    rng::Rng,
    world::World,
};
use domain::DomainError;

/// Positions of the named lounges in the list [`build`] returns (their id is position + 1).
pub(crate) mod named {
    pub(crate) const IP_COURT: usize = 0;
    pub(crate) const YIFU: usize = 1;
    pub(crate) const MACAU: usize = 2;
    pub(crate) const ZHIJIANG_LAB: usize = 3;
    pub(crate) const QINGSHANHU: usize = 4;
    pub(crate) const HAICHUANG: usize = 5;
    pub(crate) const YUHUANG: usize = 9;
    pub(crate) const YONGSHANG: usize = 10;
    pub(crate) const LONGYOU: usize = 11;
    pub(crate) const NEW_GENERATION: usize = 12;
    pub(crate) const SAILI: usize = 13;
    pub(crate) const HUANGYAN: usize = 14;
    pub(crate) const YONGJIA: usize = 15;
}

/// What later generators need to know about a lounge.
#[derive(Clone, Debug)]
pub(crate) struct Lounge {
    pub(crate) id: i64,
    pub(crate) committee: usize,
    pub(crate) name: String,
    pub(crate) theme: String,
    pub(crate) venue: String,
    pub(crate) established_on: NaiveDate,
}

/// A named lounge: name, owner code, theme, venue, address, opening date.
type NamedRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (i32, u32, u32),
);

/// The lounges of `docs/article-facts.md`. Venues are the public places the article names.
const NAMED: &[NamedRow] = &[
    (
        "知识产权司法保护政协委员会客厅",
        "330200",
        "知识产权司法保护",
        "宁波知识产权法庭（宁波市中级人民法院内）",
        "宁波市鄞州区宁东路",
        (2020, 9, 10),
    ),
    (
        "浙江逸夫医康政协委员会客厅",
        "330000",
        "医疗健康与康养服务",
        "浙江大学医学院附属邵逸夫医院",
        "杭州市上城区庆春东路",
        (2019, 5, 16),
    ),
    (
        "浙江省政协澳门委员会客厅",
        "330000",
        "浙澳交流合作",
        "澳门浙江同乡会会所",
        "中国澳门特别行政区",
        (2019, 8, 28),
    ),
    (
        "之江实验室政协委员会客厅",
        "330000",
        "科技创新与人才生态",
        "之江实验室",
        "杭州市余杭区之江实验室南湖总部",
        (2019, 4, 18),
    ),
    (
        "青山湖科技城政协委员会客厅",
        "330112",
        "科技城产业创新",
        "青山湖科技城科创服务中心",
        "杭州市临安区青山湖街道",
        (2018, 11, 8),
    ),
    (
        "杭州未来科技城海创园政协委员会客厅",
        "330110",
        "海外高层次人才创新创业",
        "杭州未来科技城海创园",
        "杭州市余杭区文一西路",
        (2018, 7, 18),
    ),
    (
        "网络作家村政协委员会客厅",
        "330108",
        "网络文学与数字文化",
        "中国网络作家村",
        "杭州市滨江区白马湖",
        (2018, 12, 5),
    ),
    (
        "云栖小镇政协委员会客厅",
        "330106",
        "云计算与数字经济",
        "云栖小镇国际会展中心",
        "杭州市西湖区云栖小镇",
        (2018, 8, 20),
    ),
    (
        "西湖大学政协委员会客厅",
        "330106",
        "高等教育与基础研究",
        "西湖大学云栖校区",
        "杭州市西湖区石龙山街",
        (2019, 6, 20),
    ),
    (
        "玉皇山南基金小镇政协委员会客厅",
        "330102",
        "金融服务实体经济",
        "玉皇山南基金小镇",
        "杭州市上城区玉皇山南",
        (2018, 7, 25),
    ),
    (
        "“甬商·两新”政协委员会客厅",
        "330200",
        "新经济组织和新社会组织",
        "宁波甬商总部大厦",
        "宁波市海曙区中山西路",
        (2019, 1, 15),
    ),
    (
        "龙游中小企业政协委员会客厅",
        "330825",
        "中小企业发展",
        "龙游县中小企业服务中心",
        "衢州市龙游县荣昌大道",
        (2018, 10, 16),
    ),
    (
        "省新生代企业家联谊会政协委员会客厅",
        "330000",
        "新生代企业家成长",
        "浙江省新生代企业家联谊会会所",
        "杭州市拱墅区湖墅南路",
        (2019, 3, 26),
    ),
    (
        "赛丽音乐美术政协委员会客厅",
        "330000",
        "音乐美术与公共文化",
        "赛丽音乐美术馆",
        "杭州市西湖区转塘街道",
        (2019, 4, 25),
    ),
    (
        "黄岩民营经济政协委员会客厅",
        "331003",
        "民营经济高质量发展",
        "黄岩区民营经济服务中心",
        "台州市黄岩区劳动北路",
        (2018, 12, 20),
    ),
    (
        "永嘉中小企业政协委员会客厅",
        "330324",
        "中小企业与温商精神",
        "永嘉县企业家学院",
        "温州市永嘉县瓯北街道",
        (2019, 5, 30),
    ),
];

/// Themes of generated lounges, with the kind of venue that hosts them (`{p}` is the place).
const THEMES: &[(&str, &str)] = &[
    ("乡村振兴", "{p}未来乡村展示馆"),
    ("数字经济", "{p}数字经济产业园"),
    ("民营经济", "{p}民营企业服务中心"),
    ("生态环境", "{p}生态文明教育馆"),
    ("文化旅游", "{p}文化馆"),
    ("医疗健康", "{p}人民医院"),
    ("教育发展", "{p}第一中学"),
    ("侨务服务", "{p}侨胞之家"),
    ("非遗传承", "{p}非物质文化遗产馆"),
    ("小微企业", "{p}小微企业园"),
    ("法治建设", "{p}公共法律服务中心"),
    ("基层社会治理", "{p}社会治理中心"),
    ("科技创新", "{p}科创中心"),
    ("养老服务", "{p}颐养中心"),
    ("外贸发展", "{p}外贸服务中心"),
    ("五水共治", "{p}治水展示馆"),
    ("民生议事", "{p}民生议事堂"),
    ("红色文化", "{p}党史教育馆"),
    ("青年创业", "{p}青年创业园"),
    ("商会服务", "{p}商会大厦"),
    ("工匠精神", "{p}技师学院"),
    ("历史文化街区保护", "{p}历史文化街区"),
    ("农村电商", "{p}电子商务服务中心"),
    ("茶产业发展", "{p}茶文化园"),
    ("海洋经济", "{p}海洋经济发展中心"),
    ("体育健身", "{p}全民健身中心"),
];

/// Lounge rows and their descriptions.
pub(crate) fn build(world: &World) -> Result<(Vec<lounge::ActiveModel>, Vec<Lounge>), DomainError> {
    let mut rng = Rng::new("lounges");
    let mut lounges = Vec::with_capacity(110);
    for (name, code, theme, venue, address, (y, m, d)) in NAMED {
        lounges.push((
            Lounge {
                id: lounges.len() as i64 + 1,
                committee: world.index(code)?,
                name: (*name).to_owned(),
                theme: (*theme).to_owned(),
                venue: (*venue).to_owned(),
                established_on: ymd(*y, *m, *d)?,
            },
            (*address).to_owned(),
        ));
    }
    // Owners of the generated lounges: every city (Hangzhou twice) and every county without
    // a named lounge.
    let with_named: Vec<usize> = lounges.iter().map(|(lounge, _)| lounge.committee).collect();
    let mut owners: Vec<usize> = world.of_level(RegionLevel::City);
    owners.push(world.index("330100")?);
    owners.extend(
        world
            .of_level(RegionLevel::County)
            .into_iter()
            .filter(|county| !with_named.contains(county)),
    );
    let dates = opening_dates(&mut rng, owners.len())?;
    let mut themes_used: Vec<(usize, usize)> = Vec::new();
    for (owner, established_on) in owners.into_iter().zip(dates) {
        let committee = world.get(owner);
        // The marine economy is a theme of the coast only (Ningbo, Wenzhou, Zhoushan, Taizhou).
        let coastal = ["330200", "330300", "330900", "331000"]
            .contains(&world.get(world.city_of(owner)).code.as_str());
        let mut theme = rng.index(THEMES.len());
        while themes_used.contains(&(owner, theme)) || (THEMES[theme].0 == "海洋经济" && !coastal)
        {
            theme = (theme + 1) % THEMES.len();
        }
        themes_used.push((owner, theme));
        let (theme_name, venue_pattern) = THEMES[theme];
        let place = if rng.chance(35) && committee.level == RegionLevel::County {
            format!("{}{}", committee.short, town(&mut rng))
        } else {
            committee.short.clone()
        };
        let city = world.get(world.city_of(owner));
        let district = if committee.level == RegionLevel::County {
            committee.name.clone()
        } else {
            String::new()
        };
        let address = format!(
            "{}{district}{}{}号",
            city.name,
            rng.pick(ROADS),
            rng.range(1, 399)
        );
        lounges.push((
            Lounge {
                id: lounges.len() as i64 + 1,
                committee: owner,
                name: format!("{}{theme_name}政协委员会客厅", committee.short),
                theme: theme_name.to_owned(),
                venue: venue_pattern.replace("{p}", &place),
                established_on,
            },
            address,
        ));
    }
    let rows = lounges
        .iter()
        .map(|(lounge, address)| {
            let opened = hm(lounge.established_on, 10, 0);
            lounge::ActiveModel {
                id: Set(lounge.id),
                region_id: Set(world.get(lounge.committee).id),
                name: Set(lounge.name.clone()),
                theme: Set(lounge.theme.clone()),
                venue: Set(lounge.venue.clone()),
                address: Set(address.clone()),
                status: Set(LoungeStatus::Active),
                established_on: Set(lounge.established_on),
                closed_on: Set(None),
                version: Set(0),
                created_at: Set(opened),
                updated_at: Set(opened),
            }
        })
        .collect();
    Ok((
        rows,
        lounges.into_iter().map(|(lounge, _)| lounge).collect(),
    ))
}

/// Opening dates of the generated lounges, in order: all but four opened between the
/// provincial guidance (March 2019) and January 2020, and four during 2020 — together with
/// the named ones, 105 lounges by the end of January 2020 and 110 by December 2020.
fn opening_dates(rng: &mut Rng, count: usize) -> Result<Vec<NaiveDate>, DomainError> {
    let late = 4.min(count);
    let mut dates = Vec::with_capacity(count);
    let spring = ymd(2019, 3, 12)?;
    let span = days_between(spring, ymd(2019, 12, 31)?);
    for _ in 0..count.saturating_sub(late + 3) {
        dates.push(add_days(spring, rng.range(0, span)));
    }
    // A few opened in the first weeks of 2020, before the epidemic stopped everything.
    for _ in 0..3.min(count) {
        dates.push(add_days(ymd(2020, 1, 3)?, rng.range(0, 16)));
    }
    for (month, day) in [(4, 22), (6, 18), (8, 6), (11, 12)].into_iter().take(late) {
        dates.push(add_days(ymd(2020, month, day)?, rng.range(0, 10)));
    }
    dates.sort();
    // Spread the 2020 openings over the list rather than giving them to the last counties.
    let tail = dates.split_off(dates.len() - late);
    for (step, date) in tail.into_iter().enumerate() {
        let position = (step * 23 + 11).min(dates.len());
        dates.insert(position, date);
    }
    Ok(dates)
}
