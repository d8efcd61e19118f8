use serde_json::{json, Value};

use crate::helpers::{challenge_draft, orgs, spawn_app, Backend};
use crate::needs::registered_need;

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect()
}

async fn calls_and_needs_are_found_by_chinese_substrings_with_filters_and_totals(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();
    let resist = app
        .post(
            "/v1/challenges",
            &officer,
            challenge_draft(json!({"title": "高分辨率光刻胶国产替代"})),
        )
        .await;
    let resist = resist.expect(201)["id"].as_str().unwrap().to_string();
    app.post(
        "/v1/challenges",
        &officer,
        challenge_draft(json!({
            "title": "光刻机双工件台", "programme": "new_rd_institution",
            "industry_chain": "集成电路", "closes_on": "2027-03-31"
        })),
    )
    .await
    .expect(201);
    app.post(
        "/v1/challenges",
        &officer,
        challenge_draft(json!({
            "title": "车规级芯片封装, \"先进\"工艺", "industry_chain": "集成电路"
        })),
    )
    .await
    .expect(201);

    let search = |query: &str| {
        let app = &app;
        let officer = officer.clone();
        let path = format!("/v1/challenges?{query}");
        async move { app.get(&path, &officer).await.expect(200).clone() }
    };
    // 光刻胶 inside 高分辨率光刻胶国产替代 (3 characters: the trigram index).
    let found = search("q=光刻胶").await;
    assert_eq!(
        (found["total"].clone(), titles(&found)),
        (json!(1), vec!["高分辨率光刻胶国产替代".to_string()])
    );
    // Two characters: below a trigram, still found.
    assert_eq!(search("q=光刻").await["total"], 2);
    assert_eq!(
        search("q=光刻&programme=consortium_key_rd").await["total"],
        1
    );
    assert_eq!(search("q=芯片&chain=集成电路").await["total"], 1);
    assert_eq!(search("q=芯片&chain=新型显示").await["total"], 0);
    assert_eq!(search("q=不存在的技术").await["total"], 0);
    // Filters without words, sorted by close date.
    let late = search("closes_from=2027-03-01").await;
    assert_eq!(titles(&late), ["光刻机双工件台"]);
    let by_close = search("q=光刻&sort=closes_on").await;
    assert_eq!(
        titles(&by_close),
        ["高分辨率光刻胶国产替代", "光刻机双工件台"]
    );
    // Paging keeps the total.
    let first = search("q=光刻&sort=closes_on&limit=1").await;
    assert_eq!(
        (first["total"].clone(), titles(&first).len()),
        (json!(2), 1)
    );
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second = search(&format!("q=光刻&sort=closes_on&limit=1&cursor={cursor}")).await;
    assert_eq!(titles(&second), ["光刻机双工件台"]);
    assert_eq!(second["next_cursor"], Value::Null);

    // Drafts stay the bureau's: the public search sees only published calls.
    let public = app.applicant(orgs::ENT_A);
    let seen = app.get("/v1/challenges?q=光刻", &public).await;
    assert_eq!(seen.expect(200)["total"], 0);
    app.post(
        &format!("/v1/challenges/{resist}/publish"),
        &officer,
        json!({}),
    )
    .await
    .expect(200);
    let seen = app.get("/v1/challenges?q=光刻", &public).await;
    assert_eq!(titles(seen.expect(200)), ["高分辨率光刻胶国产替代"]);
    assert_eq!(search("q=光刻&status=published").await["total"], 1);

    // Needs: the same search, within what the caller may see.
    registered_need(
        &app,
        orgs::LEAD,
        "高分辨率光刻胶国产替代",
        "major_enterprise",
    )
    .await;
    registered_need(&app, orgs::ENT_B, "光刻胶树脂单体", "industry_chain").await;
    let needs = app.get("/v1/needs?q=光刻胶", &officer).await;
    assert_eq!(needs.expect(200)["total"], 2);
    let needs = app.get("/v1/needs?q=树脂", &officer).await;
    assert_eq!(needs.expect(200)["total"], 1);
    let mine = app
        .get("/v1/needs?q=光刻胶", &app.applicant(orgs::LEAD))
        .await;
    assert_eq!(titles(mine.expect(200)), ["高分辨率光刻胶国产替代"]);
    let none = app
        .get("/v1/needs?q=光刻胶&status=accepted", &officer)
        .await;
    assert_eq!(none.expect(200)["total"], 0);

    // CSV: BOM, header, and RFC 4180 quoting of commas, quotes and newlines.
    let csv = app
        .client_get_text("/v1/challenges", &officer, "text/csv")
        .await;
    assert!(csv.starts_with("\u{feff}id,status,programme,title,demand_owner,industry_chain,"));
    assert!(
        csv.contains(",\"车规级芯片封装, \"\"先进\"\"工艺\","),
        "CSV: {csv}"
    );
    assert_eq!(csv.matches("\r\n").count(), 4, "a header and three calls");
}
both_backends!(calls_and_needs_are_found_by_chinese_substrings_with_filters_and_totals);
