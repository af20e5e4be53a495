//! The "请你来协商" sessions `docs/article-facts.md` names, with the committees and dates it
//! gives (or plausible ones where it gives only the year). Tongxiang's department queue is in
//! `slots.rs`.

use entity::enums::{
    ConsultationKind, ConsultationStatus, OrganizerKind, ParticipantRole, SuggestionGrade,
    SuggestionStatus, TopicSource,
};

use super::{
    calendar::{hm, ymd},
    lounges::Lounge,
    rng::Rng,
    sessions::{Fate, FixedSuggestion, Session, generic},
    topics::Topic,
    world::World,
};
use domain::DomainError;

/// The named sessions.
pub(crate) fn build(world: &World, lounges: &[Lounge]) -> Result<Vec<Session>, DomainError> {
    use ParticipantRole as R;
    let mut rng = Rng::new("named sessions");
    let mut list = Vec::new();
    let mut add = |code: &str,
                   topic: Topic,
                   fate: Fate,
                   venue: &str,
                   guests: &[(R, &str)]|
     -> Result<Session, DomainError> {
        let committee = world.index(code)?;
        let mut session = generic(
            &mut rng,
            world,
            lounges,
            committee,
            ConsultationKind::Main,
            &topic,
            fate,
        );
        session.source = TopicSource::PartyGovernment;
        session.submitter = None;
        session.organizer_kind = OrganizerKind::Committee;
        session.organizer_name = world.get(committee).cppcc();
        session.lounge = None;
        session.venue = venue.to_owned();
        session.guests = guests
            .iter()
            .map(|(role, org)| (*role, (*org).to_owned()))
            .collect();
        Ok(session)
    };
    let held = |at, status| Fate::Held {
        at,
        status: Some(status),
        closed_at: None,
    };

    list.push(add(
        "331123",
        Topic {
            title: "推动大众文化融入城市规划",
            question: "如何在城市规划建设中挖掘、保护和传承街巷里弄文化",
            keyword: "街巷里弄文化保护",
            departments: &[
                "自然资源和规划局",
                "住房和城乡建设局",
                "文化和广电旅游体育局",
            ],
        },
        held(hm(ymd(2020, 12, 18)?, 14, 30), ConsultationStatus::Held),
        "遂昌县政协协商议事厅",
        &[
            (R::PublicRepresentative, "妙高街道居民代表"),
            (R::PublicRepresentative, "遂昌老街商户代表"),
            (R::PublicRepresentative, "遂昌县文史研究会"),
        ],
    )?);
    list.push(add(
        "330212",
        Topic {
            title: "如何当好领头雁、绘好新蓝图",
            question: "村社组织换届后，新任村干部如何当好乡村振兴的领头雁、绘好村庄发展新蓝图",
            keyword: "村级班子建设",
            departments: &["农业农村局", "民政局"],
        },
        held(hm(ymd(2020, 10, 22)?, 19, 0), ConsultationStatus::FollowUp),
        "鄞州区东吴镇文化礼堂（夜间协商）",
        &[
            (R::PublicRepresentative, "鄞州区东吴镇村党组织书记"),
            (R::Department, "鄞州区东吴镇人民政府"),
        ],
    )?);
    list.push(add(
        "330782",
        Topic {
            title: "打造全球直播经济中心",
            question: "义乌如何发挥小商品市场优势，打造全球直播经济中心",
            keyword: "直播经济",
            departments: &["商务局", "市场监督管理局", "人力资源和社会保障局"],
        },
        held(hm(ymd(2020, 7, 9)?, 14, 30), ConsultationStatus::FollowUp),
        "陆港电商小镇",
        &[
            (R::PartyGovernmentLeader, "中共义乌市委员会（市委书记）"),
            (R::PartyGovernmentLeader, "义乌市人民政府（市长）"),
            (R::PublicRepresentative, "义乌直播电商企业代表"),
            (R::PublicRepresentative, "国际商贸城经营户代表"),
            (R::PublicRepresentative, "陆港电商小镇主播代表"),
        ],
    )?);
    let mut jiashan = add(
        "330421",
        Topic {
            title: "打通农村公交出行“最后一公里”",
            question: "如何开通连接偏远村庄的城乡公交线路，解决村民盼了十余年的出行难题",
            keyword: "城乡公交",
            departments: &["交通运输局", "财政局", "农业农村局"],
        },
        Fate::Held {
            at: hm(ymd(2020, 4, 28)?, 14, 30),
            status: Some(ConsultationStatus::Closed),
            closed_at: Some(hm(ymd(2020, 11, 20)?, 10, 0)),
        },
        "嘉善县政协协商议事厅",
        &[
            (R::PublicRepresentative, "嘉善县姚庄镇村民代表"),
            (R::PublicRepresentative, "嘉善县姚庄镇村民代表"),
        ],
    )?;
    jiashan.source = TopicSource::Public;
    jiashan.submitter = Some(("姚庄镇村民代表".to_owned(), "100-9331-0331".to_owned()));
    jiashan.fixed_suggestions.push(FixedSuggestion {
        content: "建议开通连接姚庄镇沿线村庄与县城的城乡公交线路，解决村民盼了十余年的出行难题。"
            .to_owned(),
        department: "嘉善县交通运输局".to_owned(),
        path: vec![
            (
                SuggestionStatus::Accepted,
                hm(ymd(2020, 5, 12)?, 10, 0),
                "采纳，交嘉善县交通运输局办理".to_owned(),
            ),
            (
                SuggestionStatus::InProgress,
                hm(ymd(2020, 6, 1)?, 10, 0),
                "完成线路踏勘，制定331路开通方案".to_owned(),
            ),
            (
                SuggestionStatus::Implemented,
                hm(ymd(2020, 10, 16)?, 9, 0),
                "331路公交线路正式开通".to_owned(),
            ),
        ],
        grade: Some(SuggestionGrade::A),
        follow_ups: vec![
            (
                ymd(2020, 6, 20)?,
                "县交通运输局完成线路踏勘和站点选址，拟新设331路公交线路".to_owned(),
                30,
            ),
            (
                ymd(2020, 8, 25)?,
                "沿线新建候车亭12座，道路拓宽改造完成，新能源公交车到位".to_owned(),
                70,
            ),
            (
                ymd(2020, 10, 16)?,
                "331路公交正式开通运营，沿线村民等了十多年的公交开到了家门口".to_owned(),
                100,
            ),
        ],
    });
    list.push(jiashan);
    list.push(add(
        "330122",
        Topic {
            title: "规范村级小微权力运行",
            question: "如何规范村级“小微权力”运行，推进清廉乡村建设",
            keyword: "小微权力监督",
            departments: &["纪委监委", "农业农村局", "民政局"],
        },
        held(hm(ymd(2020, 9, 10)?, 14, 30), ConsultationStatus::FollowUp),
        "桐庐县政协协商议事厅",
        &[],
    )?);
    list.push(add(
        "330600",
        Topic { title: "绍兴市“十四五”规划建议专题政治协商", question: "对中共绍兴市委关于制定国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议（征求意见稿）提出意见建议", keyword: "“十四五”规划编制", departments: &["发展和改革委员会", "财政局", "统计局"] },
        held(hm(ymd(2020, 11, 12)?, 9, 0), ConsultationStatus::FollowUp),
        "绍兴市政协常委会议室",
        &[(R::PartyGovernmentLeader, "中共绍兴市委员会")],
    )?);
    Ok(list)
}
