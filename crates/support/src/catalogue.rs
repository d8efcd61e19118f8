//! The instrument catalogue: each rule-based instrument with its rate, base, cap per beneficiary
//! per period, the evidence an application must carry, and the seed phrases behind the numbers.

use kernel::policy::{
    BROKER_ANNUAL_CAP, BROKER_POST_SUBSIDY_RATE_BP, INCUBATOR_PERFORMANCE_REWARD_MAX_PER_YEAR,
    INSURANCE_PREMIUM_SUBSIDY_MAX_RATE_BP, NRDI_MAX_SUPPORT,
};
use kernel::Money;
use serde::{Deserialize, Serialize};

/// One basis point: rates are kept in hundredths of a percent so money never meets a float.
pub const BASIS_POINTS: u32 = 10_000;

/// What the rate is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseKind {
    /// The transaction amount the enterprise actually paid under the technology contract
    /// (企业实际支付交易额).
    TransactionPaid,
    /// The insurance premium the enterprise paid (保费支出).
    PremiumPaid,
    /// The reward the performance assessment proposes (绩效评价).
    AssessedReward,
    /// The support amount of the approved construction plan (建设方案核定资助额).
    ApprovedSupport,
}

/// Whether the officer may grant less than the catalogue rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateRule {
    /// The rate is the rule (按照…给予): no other rate may be decided.
    Fixed,
    /// The rate is a ceiling (最高…): any rate up to it may be decided.
    UpTo,
}

/// The period a cap runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapPeriod {
    /// One calendar year (Asia/Shanghai), reset on 1 January.
    Year,
    /// Once per beneficiary, whatever the year.
    Whole,
}

/// A rule-based support instrument (政策性资助事项).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportInstrument {
    /// Stable id used on the wire.
    pub id: String,
    /// Human name (Chinese).
    pub name: String,
    /// Who may be the beneficiary, in the seed's words.
    pub beneficiary: String,
    /// What the rate is applied to.
    pub base: BaseKind,
    /// The rate in basis points (300 = 3%).
    pub rate_bp: u32,
    /// Fixed rate or ceiling.
    pub rate_rule: RateRule,
    /// The most one beneficiary receives per period; `None` when the seed states no cap.
    pub cap: Option<Money>,
    /// The period the cap runs over.
    pub cap_period: CapPeriod,
    /// Evidence kinds every application must reference.
    pub evidence_required: Vec<String>,
    /// The seed phrases the numbers come from (`<seed file>「…」`).
    pub sources: Vec<String>,
}

impl SupportInstrument {
    /// The key of the period an application of `year` counts against: the year, or `whole`.
    pub fn period_key(&self, year: i32) -> String {
        match self.cap_period {
            CapPeriod::Year => year.to_string(),
            CapPeriod::Whole => "whole".to_string(),
        }
    }
}

/// The instruments a deployment runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupportCatalogue {
    instruments: Vec<SupportInstrument>,
}

fn texts(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl SupportCatalogue {
    /// The four instruments of seed 002 (昆科字〔2023〕53号).
    pub fn kunshan() -> SupportCatalogue {
        SupportCatalogue {
            instruments: vec![
                SupportInstrument {
                    id: "tech_transfer_post_subsidy".into(),
                    name: "技术转移中介服务后补助".into(),
                    beneficiary: "技术转移中介服务方(技术经纪(经理)人)".into(),
                    base: BaseKind::TransactionPaid,
                    // 002_69ce353481df4c50.txt「按照每个项目企业实际支付交易额的3%给予后补助」
                    rate_bp: BROKER_POST_SUBSIDY_RATE_BP,
                    rate_rule: RateRule::Fixed,
                    // 002_69ce353481df4c50.txt「同一年度技术转移中介服务方资助额度最高50万元」
                    cap: Some(BROKER_ANNUAL_CAP),
                    cap_period: CapPeriod::Year,
                    evidence_required: texts(&["contract", "invoice", "treasury_receipt"]),
                    sources: texts(&[
                        "002_69ce353481df4c50.txt「按照每个项目企业实际支付交易额的3%给予后补助」",
                        "002_69ce353481df4c50.txt「同一年度技术转移中介服务方资助额度最高50万元」",
                    ]),
                },
                SupportInstrument {
                    id: "science_insurance_premium_subsidy".into(),
                    name: "科技保险保费补贴(揭榜挂帅险、创新创业险、专利保险等)".into(),
                    beneficiary: "购买相关科技保险的科技型企业".into(),
                    base: BaseKind::PremiumPaid,
                    // 002_69ce353481df4c50.txt「对于购买相关科技保险的科技型企业给予最高保费支出额度50%的补贴」
                    rate_bp: INSURANCE_PREMIUM_SUBSIDY_MAX_RATE_BP,
                    rate_rule: RateRule::UpTo,
                    // The seed states no amount cap for the premium subsidy.
                    cap: None,
                    cap_period: CapPeriod::Year,
                    evidence_required: texts(&["insurance_policy", "invoice", "treasury_receipt"]),
                    sources: texts(&[
                        "002_69ce353481df4c50.txt「鼓励在揭榜挂帅险、创新创业险、专利保险等方面为科技创新企业提供保险保障」",
                        "002_69ce353481df4c50.txt「对于购买相关科技保险的科技型企业给予最高保费支出额度50%的补贴」",
                    ]),
                },
                SupportInstrument {
                    id: "incubator_performance_reward".into(),
                    name: "科技创业孵化载体绩效奖励".into(),
                    beneficiary: "绩效评价合格的科技创业孵化载体运营机构".into(),
                    base: BaseKind::AssessedReward,
                    rate_bp: BASIS_POINTS,
                    rate_rule: RateRule::UpTo,
                    // 002_69ce353481df4c50.txt「单个载体运营机构一年奖励最高100万元」
                    cap: Some(INCUBATOR_PERFORMANCE_REWARD_MAX_PER_YEAR),
                    cap_period: CapPeriod::Year,
                    evidence_required: texts(&["performance_assessment"]),
                    sources: texts(&[
                        "002_69ce353481df4c50.txt「对各类科技创业孵化载体绩效评价合格的,单个载体运营机构一年奖励最高100万元」",
                    ]),
                },
                SupportInstrument {
                    id: "new_rd_institution_support".into(),
                    name: "新型研发机构建设资助".into(),
                    beneficiary: "在昆建设的新型研发机构".into(),
                    base: BaseKind::ApprovedSupport,
                    rate_bp: BASIS_POINTS,
                    rate_rule: RateRule::UpTo,
                    // 002_69ce353481df4c50.txt「最高给予1000万元资助」: once per institution.
                    cap: Some(NRDI_MAX_SUPPORT),
                    cap_period: CapPeriod::Whole,
                    evidence_required: texts(&["approval_document"]),
                    sources: texts(&[
                        "002_69ce353481df4c50.txt「通过“揭榜挂帅”等方式,面向全球吸引大院大所、创新型龙头企业、著名科学家、创业团队在昆建设新型研发机构,最高给予1000万元资助」",
                    ]),
                },
            ],
        }
    }

    /// A catalogue of exactly these instruments.
    pub fn new(instruments: Vec<SupportInstrument>) -> SupportCatalogue {
        SupportCatalogue { instruments }
    }

    /// The instrument with this id.
    pub fn get(&self, id: &str) -> Option<&SupportInstrument> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// Every instrument.
    pub fn all(&self) -> &[SupportInstrument] {
        &self.instruments
    }
}

impl Default for SupportCatalogue {
    fn default() -> Self {
        SupportCatalogue::kunshan()
    }
}

/// `rate_bp` of `base`, rounded down to the fen; `None` on overflow.
pub fn share(base: Money, rate_bp: u32) -> Option<Money> {
    let fen = i128::from(base.fen()) * i128::from(rate_bp) / i128::from(BASIS_POINTS);
    i64::try_from(fen).ok().map(Money::from_fen)
}
