//! The lounge activities `docs/article-facts.md` names, all in 2020.

use entity::enums::{ActivityFormat, ActivityKind, OnlinePlatform};

use super::{
    activities::Activity,
    calendar::{hm, ymd},
    lounges::named::*,
};
use domain::DomainError;

/// The named activities. `province_chair` is the provincial CPPCC chair, who gave the lecture
/// at the Ningbo IP lounge on 2020-12-16.
pub(crate) fn build(province_chair: i64) -> Result<Vec<Activity>, DomainError> {
    let activity =
        |title: &str, kind, format, platform, hosts: &[usize], attendance: i32, summary: &str| {
            Activity {
                title: title.to_owned(),
                kind,
                format,
                platform,
                starts_at: chrono::DateTime::UNIX_EPOCH,
                ends_at: chrono::DateTime::UNIX_EPOCH,
                public_attendance: attendance,
                summary: summary.to_owned(),
                hosts: hosts.to_vec(),
                guests: Vec::new(),
            }
        };
    let mut list = Vec::new();

    let mut deliberation = activity(
        "网络议政：疫情防控期间企业复工复产的困难与诉求",
        ActivityKind::Flexible,
        ActivityFormat::OnlineDeliberation,
        Some(OnlinePlatform::Dingtalk),
        &[HAICHUANG, YUHUANG, YONGSHANG],
        126,
        "海创园、玉皇山南基金小镇和“甬商·两新”三个委员会客厅通过钉钉、微信群和视频连线，连续三天听取企业复工复产中的用工、物流、资金等困难和诉求，汇总形成社情民意信息，报送省疫情防控工作领导小组办公室。",
    );
    deliberation.starts_at = hm(ymd(2020, 2, 12)?, 9, 0);
    deliberation.ends_at = hm(ymd(2020, 2, 14)?, 17, 30);
    list.push(deliberation);

    let mut exchange = activity(
        "首次跨客厅交流：企业家精神与民营经济高质量发展",
        ActivityKind::Planned,
        ActivityFormat::Forum,
        None,
        &[LONGYOU, NEW_GENERATION, SAILI, HUANGYAN],
        48,
        "龙游中小企业、省新生代企业家联谊会、赛丽音乐美术和黄岩民营经济四个委员会客厅在杭州举行首次跨客厅交流活动，交流客厅建设经验，探讨民营企业转型升级。",
    );
    exchange.starts_at = hm(ymd(2020, 7, 22)?, 14, 0);
    exchange.ends_at = hm(ymd(2020, 7, 22)?, 17, 0);
    list.push(exchange);

    let mut salon = activity(
        "“温州民营企业家节”读书沙龙",
        ActivityKind::Flexible,
        ActivityFormat::Salon,
        None,
        &[YONGJIA],
        34,
        "温州民营企业家节当天，永嘉中小企业委员会客厅组织30余名企业家开展线上读书会和线下沙龙，分享读书心得，畅谈企业发展。",
    );
    salon.starts_at = hm(ymd(2020, 11, 1)?, 14, 0);
    salon.ends_at = hm(ymd(2020, 11, 1)?, 17, 0);
    list.push(salon);

    let lectures = [
        (
            IP_COURT,
            (12, 16),
            "委员讲堂：学习贯彻党的十九届五中全会精神",
            86,
            "省政协主席走进知识产权司法保护委员会客厅，宣讲党的十九届五中全会精神，并与法官、企业代表和委员交流知识产权司法保护工作。",
        ),
        (
            YIFU,
            (12, 21),
            "委员讲堂：学习贯彻党的十九届五中全会精神 推进健康浙江建设",
            64,
            "浙江逸夫医康委员会客厅组织委员和医务工作者学习党的十九届五中全会精神，围绕健康浙江建设交流体会。",
        ),
        (
            MACAU,
            (12, 23),
            "委员讲堂：学习贯彻党的十九届五中全会精神 深化浙澳合作",
            42,
            "浙江省政协澳门委员会客厅组织在澳委员和澳门社团代表学习党的十九届五中全会精神，探讨浙澳交流合作新机遇。",
        ),
    ];
    for (host, (month, day), title, attendance, summary) in lectures {
        let mut lecture = activity(
            title,
            ActivityKind::Planned,
            ActivityFormat::Lecture,
            None,
            &[host],
            attendance,
            summary,
        );
        lecture.starts_at = hm(ymd(2020, month, day)?, 14, 30);
        lecture.ends_at = hm(ymd(2020, month, day)?, 16, 30);
        if host == IP_COURT {
            lecture.guests.push(province_chair);
        }
        list.push(lecture);
    }

    let mut study = activity(
        "联学活动：打造一流人才生态",
        ActivityKind::Flexible,
        ActivityFormat::Forum,
        None,
        &[ZHIJIANG_LAB, QINGSHANHU, HAICHUANG],
        55,
        "之江实验室、青山湖科技城和海创园三个委员会客厅联合开展学习活动，围绕人才引进、培养和服务保障交流研讨。",
    );
    study.starts_at = hm(ymd(2020, 12, 25)?, 9, 30);
    study.ends_at = hm(ymd(2020, 12, 25)?, 11, 30);
    list.push(study);
    Ok(list)
}
