//! The officer's score sheet of a call as CSV: one line per bid with its review figures, in the
//! order of the ranked list. Built from named fields of the bid view (an allow-list): who
//! reviewed, what each expert wrote, the technical plan, the demand owner's alias and opinion
//! stay out, so the sheet can travel into a report.

use kernel::policy::ReviewCriterion;
use projections::BidView;

/// The fixed columns; one `score_<criterion>` column per programme criterion follows
/// `assessments_counted`.
const HEAD: [&str; 12] = [
    "rank",
    "bid_id",
    "status",
    "title",
    "lead",
    "lead_name",
    "members",
    "team_lead",
    "submitted_on",
    "requested_fen",
    "requested_yuan",
    "assessments_counted",
];
const TAIL: [&str; 2] = ["mean_weighted_score", "recommended"];

/// `x100` hundredths as a decimal with two places (`8550` → `85.50`).
fn hundredths(x100: u64) -> String {
    format!("{}.{:02}", x100 / 100, x100 % 100)
}

/// The mean of `scores` in hundredths, rounded half up; `None` without scores.
fn mean_x100(scores: &[u64]) -> Option<u64> {
    let n = scores.len() as u64;
    (n > 0).then(|| (scores.iter().sum::<u64>() * 100 * 2 + n) / (2 * n))
}

/// The column names for a programme's criteria.
pub(super) fn columns(criteria: &[ReviewCriterion]) -> Vec<String> {
    HEAD.iter()
        .map(|c| c.to_string())
        .chain(criteria.iter().map(|c| format!("score_{}", c.id)))
        .chain(TAIL.iter().map(|c| c.to_string()))
        .collect()
}

/// The sheet's lines, best concluded mean first (ties share a rank, as 1, 2, 2, 4), then the
/// bids without a concluded review in submission order, unranked. `keep` filters after ranking,
/// so a filtered sheet keeps each bid's place in the whole call.
pub(super) fn rows(
    criteria: &[ReviewCriterion],
    mut bids: Vec<BidView>,
    keep: impl Fn(&BidView) -> bool,
) -> Vec<Vec<String>> {
    let mean = |b: &BidView| b.review.as_ref().map(|r| r.mean_score_x100);
    bids.sort_by(|a, b| {
        let key = |v: &BidView| (mean(v).is_none(), std::cmp::Reverse(mean(v)));
        key(a)
            .cmp(&key(b))
            .then_with(|| a.created_at.cmp(&b.created_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut out = Vec::with_capacity(bids.len());
    let mut rank = 0usize;
    let mut previous = None;
    for (i, bid) in bids.iter().enumerate() {
        let this = mean(bid);
        if this.is_some() && this != previous {
            rank = i + 1;
        }
        previous = this;
        if !keep(bid) {
            continue;
        }
        let counted: Vec<_> = bid.assessments.iter().filter(|a| a.counts).collect();
        let content = bid.content.as_ref();
        let mut line = vec![
            if this.is_some() {
                rank.to_string()
            } else {
                String::new()
            },
            bid.id.clone(),
            bid.status.clone(),
            content.map(|c| c.title.clone()).unwrap_or_default(),
            bid.lead.as_ref().map(|o| o.to_string()).unwrap_or_default(),
            bid.lead_name.clone(),
            content
                .map(|c| {
                    c.members
                        .iter()
                        .map(|m| format!("{} {}", m.org, m.name))
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default(),
            content.map(|c| c.team_lead.clone()).unwrap_or_default(),
            bid.submitted_on.map(|d| d.to_string()).unwrap_or_default(),
            content
                .map(|c| c.requested.fen().to_string())
                .unwrap_or_default(),
            content
                .map(|c| c.requested.to_yuan_string())
                .unwrap_or_default(),
            counted.len().to_string(),
        ];
        for criterion in criteria {
            let scores: Vec<u64> = counted
                .iter()
                .filter_map(|a| {
                    a.assessment
                        .scores
                        .iter()
                        .find(|s| s.criterion == criterion.id)
                        .map(|s| u64::from(s.score))
                })
                .collect();
            line.push(mean_x100(&scores).map(hundredths).unwrap_or_default());
        }
        line.push(this.map(|m| hundredths(u64::from(m))).unwrap_or_default());
        line.push(
            bid.review
                .as_ref()
                .map(|r| r.recommended.to_string())
                .unwrap_or_default(),
        );
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bid::{Assessment, BidContent, CriterionScore, Recommendation};
    use kernel::Money;
    use projections::{AssessmentEntry, ReviewConclusion};

    fn criteria() -> Vec<ReviewCriterion> {
        serde_json::from_value(serde_json::json!([
            {"id": "a", "name": "甲", "weight": 60},
            {"id": "b", "name": "乙", "weight": 40}
        ]))
        .unwrap()
    }

    fn assessment(reviewer: &str, a: u8, b: u8, counts: bool) -> AssessmentEntry {
        AssessmentEntry {
            assessment: Assessment {
                reviewer: reviewer.into(),
                scores: vec![
                    CriterionScore {
                        criterion: "a".into(),
                        weight: 60,
                        score: a,
                    },
                    CriterionScore {
                        criterion: "b".into(),
                        weight: 40,
                        score: b,
                    },
                ],
                weighted_score_x100: 0,
                recommendation: Recommendation::Recommend,
                comment: "专家意见, 不外传".into(),
            },
            version: 1,
            recorded_at: String::new(),
            correction_reason: None,
            superseded: !counts,
            counts,
        }
    }

    fn bid(id: &str, at: &str, mean: Option<u32>, assessments: Vec<AssessmentEntry>) -> BidView {
        BidView {
            id: id.into(),
            status: "reviewed".into(),
            created_at: at.into(),
            content: Some(BidContent {
                title: format!("标题 {id}"),
                team_lead: "张三".into(),
                technical_plan: "保密方案".into(),
                requested: Money::from_fen(123_456),
                members: vec![],
                subtopics: vec![],
                joint_agreement_ref: None,
                milestones: vec![],
            }),
            review: mean.map(|m| ReviewConclusion {
                mean_score_x100: m,
                assessments_counted: 2,
                recommended: true,
                note: "内部说明".into(),
            }),
            assessments,
            ..BidView::default()
        }
    }

    #[test]
    fn concluded_bids_rank_best_first_with_shared_ranks_and_per_criterion_means_of_counting_assessments(
    ) {
        let sheet = rows(
            &criteria(),
            vec![
                bid("late", "3", None, vec![]),
                bid("second", "2", Some(8000), vec![]),
                bid(
                    "first",
                    "4",
                    Some(9050),
                    vec![
                        assessment("r1", 90, 80, true),
                        assessment("r2", 95, 85, true),
                        assessment("r2", 10, 10, false),
                    ],
                ),
                bid("tied", "1", Some(8000), vec![]),
            ],
            |_| true,
        );
        let col = |name: &str| columns(&criteria()).iter().position(|c| c == name).unwrap();
        let ids: Vec<(&str, &str)> = sheet
            .iter()
            .map(|l| (l[col("bid_id")].as_str(), l[col("rank")].as_str()))
            .collect();
        assert_eq!(
            ids,
            [("first", "1"), ("tied", "2"), ("second", "2"), ("late", "")]
        );
        let first = &sheet[0];
        assert_eq!(first[col("assessments_counted")], "2");
        assert_eq!(first[col("score_a")], "92.50");
        assert_eq!(first[col("score_b")], "82.50");
        assert_eq!(first[col("mean_weighted_score")], "90.50");
        assert_eq!(first[col("requested_yuan")], "1234.56");
        assert_eq!(sheet[3][col("score_a")], "");
        // Only named fields: nothing an expert wrote, no plan, no officer's note.
        let text = sheet.concat().join("|");
        for hidden in ["专家意见", "保密方案", "内部说明", "r1", "r2"] {
            assert!(!text.contains(hidden), "{hidden} leaked into the sheet");
        }
        assert_eq!(first.len(), columns(&criteria()).len());
    }

    #[test]
    fn a_filter_keeps_each_bids_place_in_the_whole_call() {
        let sheet = rows(
            &criteria(),
            vec![
                bid("a", "1", Some(9000), vec![]),
                bid("b", "2", Some(7000), vec![]),
            ],
            |b| b.id == "b",
        );
        assert_eq!(sheet.len(), 1);
        assert_eq!(sheet[0][0], "2");
    }
}
