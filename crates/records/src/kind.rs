//! What can be imported and exported.

/// A kind of record file; the same words as the GraphQL `ImportKind` enum in lower case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// 委员名册: members of committees.
    Members,
    /// 委员会客厅: lounges.
    Lounges,
    /// Lead and team members of lounges.
    Memberships,
    /// 客厅活动: lounge activities with their hosts and participants.
    Activities,
    /// Past 协商 sessions with participants, suggestions and follow-ups.
    Consultations,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::Members,
        Kind::Lounges,
        Kind::Memberships,
        Kind::Activities,
        Kind::Consultations,
    ];

    /// The command-line word (`members`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Members => "members",
            Kind::Lounges => "lounges",
            Kind::Memberships => "memberships",
            Kind::Activities => "activities",
            Kind::Consultations => "consultations",
        }
    }

    /// Parses the command-line word.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
