//! Premium batches (三(二): the levy base) over real HTTP, on the backend
//! TEST_DATABASE names: atomic 5,000-item batches, idempotency, external
//! references, refunds, concurrency and the CST year boundary.

use std::time::Instant;

use e2e::insurance::{
    batch, count, field_errors, get_json, id_of, insurer, item, pairs, policy, post_premiums, premium_total,
    status_json, store_premiums, write_policy, Insurer, PREMIUMS,
};
use e2e::TestApp;
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use serde_json::{json, Value};

const REPLAYED: &str = "idempotent-replayed";
const RULE: &str = "prevention_fund_share_bp@2017-11-08";

/// An insurer with `n` policies `P-0` … `P-{n-1}` on one enterprise.
async fn insurer_with_policies(app: &TestApp, seed: u32, n: usize) -> Insurer {
    let insurer = insurer(app, seed, "410100").await;
    let enterprise_id = id_of(&app.enterprise(seed + 1, "410100").await);
    for i in 0..n {
        write_policy(app, insurer.token(), &policy(&format!("P-{i}"), &enterprise_id, "2025-01-01", "2025-12-31"))
            .await;
    }
    insurer
}

/// `n` valid 2025 receipts over policies `P-0` … `P-4`: item `i` is
/// `1000 + i` fen with reference `{prefix}-{i:05}`.
fn receipts(prefix: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            let month = 1 + i % 11;
            let day = 1 + (i / 11) % 28;
            item(
                &format!("P-{}", i % 5),
                &format!("2025-{month:02}-{day:02}T09:30:00+08:00"),
                1000 + i64::try_from(i).expect("index"),
                &format!("{prefix}-{i:05}"),
            )
        })
        .collect()
}

fn receipts_sum(n: usize) -> i64 {
    (0..n).map(|i| 1000 + i64::try_from(i).expect("index")).sum()
}

fn batches_stored(app: &TestApp) -> i64 {
    count(&mut app.db.connect(), "premium_batches")
}

#[tokio::test]
async fn a_batch_of_5000_items_is_stored_whole() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 5).await;
    let started = Instant::now();
    let (status, receipt) =
        status_json(post_premiums(&app, insurer.token(), Some("full-5000"), &batch(receipts("RCPT", 5000))).await)
            .await;
    eprintln!("5,000-item batch stored in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let sum = receipts_sum(5000);
    assert_eq!(sum, 17_497_500);
    assert!(receipt["batch_id"].as_str().is_some_and(|b| !b.is_empty()));
    assert_eq!(receipt["received"], 5000);
    assert_eq!(receipt["stored"], 5000);
    assert_eq!(receipt["already_recorded"], json!([]));
    assert_eq!(
        receipt["levy_accrued"],
        json!([{"year": 2025, "net_premium_fen": sum, "levy_rate_bp": 1000, "rule_version": RULE, "levy_fen": 1_749_750}])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (5000, sum));
    assert_eq!(batches_stored(&app), 1);
}

#[tokio::test]
async fn one_bad_item_among_5000_stores_nothing_and_is_named() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 5).await;
    let mut items = receipts("RCPT", 5000);
    items[4321]["policy_number"] = json!("NO-SUCH-POLICY");
    items[17]["amount_fen"] = json!(0);
    let bad = batch(items);
    let started = Instant::now();
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("bad-5000"), &bad).await).await;
    eprintln!("5,000-item batch refused in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(
        field_errors(&problem),
        pairs(&[("items[17].amount_fen", "invalid_amount"), ("items[4321].policy_number", "unknown_policy")])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
    assert_eq!(batches_stored(&app), 0);

    // A failure is not remembered under the key: the retry is checked afresh
    // and fails the same way.
    let (status, again) = status_json(post_premiums(&app, insurer.token(), Some("bad-5000"), &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&again), field_errors(&problem));
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));

    // The corrected batch goes in whole.
    let receipt = store_premiums(&app, insurer.token(), "good-5000", &batch(receipts("RCPT", 5000))).await;
    assert_eq!(receipt["stored"], 5000);
    assert_eq!(premium_total(&app, insurer.uuid), (5000, receipts_sum(5000)));
}

#[tokio::test]
async fn more_than_5000_items_are_refused() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 5).await;
    let (status, problem) =
        status_json(post_premiums(&app, insurer.token(), Some("too-many"), &batch(receipts("RCPT", 5001))).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items", "too_many_items")]));
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
    assert_eq!(batches_stored(&app), 0);
}

#[tokio::test]
async fn an_idempotency_key_is_required() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 1).await;
    let body = batch(vec![item("P-0", "2025-05-01T10:00:00+08:00", 1000, "R-1")]);
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), None, &body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "idempotency_key_required");
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("has space"), &body).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "invalid_idempotency_key");
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
    assert_eq!(batches_stored(&app), 0);
}

#[tokio::test]
async fn a_replay_returns_the_first_response_byte_for_byte() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 2).await;
    let items = vec![
        item("P-0", "2025-05-01T10:00:00+08:00", 120_000, "R-1"),
        item("P-1", "2025-05-02T10:00:00+08:00", 80_000, "R-2"),
    ];
    let body = batch(items);
    let first = post_premiums(&app, insurer.token(), Some("key-1"), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get(REPLAYED).is_none());
    let first_body = first.text().await.expect("body");
    let receipt: Value = serde_json::from_str(&first_body).expect("json");
    assert_eq!(receipt["stored"], 2);
    assert_eq!(premium_total(&app, insurer.uuid), (2, 200_000));

    let replay = post_premiums(&app, insurer.token(), Some("key-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()[REPLAYED], "true");
    assert_eq!(replay.text().await.expect("body"), first_body);

    // The same JSON with other key order and whitespace is the same request.
    let reordered = r#"{ "items": [
        {"external_ref": "R-1", "amount_fen": 120000, "received_at": "2025-05-01T10:00:00+08:00", "policy_number": "P-0"},
        {"external_ref": "R-2", "amount_fen": 80000, "received_at": "2025-05-02T10:00:00+08:00", "policy_number": "P-1"}
    ] }"#;
    let replay = app
        .http
        .post(app.url(PREMIUMS))
        .bearer_auth(insurer.token())
        .header("Idempotency-Key", "key-1")
        .header(CONTENT_TYPE, "application/json")
        .body(reordered)
        .send()
        .await
        .expect("request");
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()[REPLAYED], "true");
    assert_eq!(replay.text().await.expect("body"), first_body);
    assert_eq!(premium_total(&app, insurer.uuid), (2, 200_000));
    assert_eq!(batches_stored(&app), 1);

    // The same key with another body is a conflict and stores nothing.
    let mut changed = body.clone();
    changed["items"][1]["amount_fen"] = json!(80_001);
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("key-1"), &changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "idempotency_conflict");
    assert_eq!(premium_total(&app, insurer.uuid), (2, 200_000));
    assert_eq!(batches_stored(&app), 1);

    // Keys are per insurer: another insurer's "key-1" is its own.
    let other = insurer_with_policies(&app, 910, 1).await;
    let mine = batch(vec![item("P-0", "2025-05-01T10:00:00+08:00", 5_000, "R-1")]);
    let response = post_premiums(&app, other.token(), Some("key-1"), &mine).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get(REPLAYED).is_none());
    assert_eq!(premium_total(&app, other.uuid), (1, 5_000));
    assert_eq!(premium_total(&app, insurer.uuid), (2, 200_000));
}

#[tokio::test]
async fn items_stored_by_an_earlier_batch_are_recognised_or_conflict() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 2).await;
    store_premiums(
        &app,
        insurer.token(),
        "k1",
        &batch(vec![
            item("P-0", "2025-03-01T10:00:00.123456+08:00", 1_000, "R-1"),
            item("P-0", "2025-03-02T10:00:00+08:00", 2_000, "R-2"),
            item("P-1", "2025-03-03T10:00:00+08:00", 3_000, "R-3"),
        ]),
    )
    .await;
    assert_eq!(premium_total(&app, insurer.uuid), (3, 6_000));

    // Identical content under another key: reported by index, not counted again
    // (R-1 is the same instant written in UTC).
    let receipt = store_premiums(
        &app,
        insurer.token(),
        "k2",
        &batch(vec![
            item("P-1", "2025-04-01T10:00:00+08:00", 400, "R-4"),
            item("P-0", "2025-03-02T10:00:00+08:00", 2_000, "R-2"),
            item("P-0", "2025-03-01T02:00:00.123456Z", 1_000, "R-1"),
        ]),
    )
    .await;
    assert_eq!(receipt["received"], 3);
    assert_eq!(receipt["stored"], 1);
    assert_eq!(receipt["already_recorded"], json!([1, 2]));
    assert_eq!(receipt["levy_accrued"][0]["net_premium_fen"], 6_400);
    assert_eq!(receipt["levy_accrued"][0]["levy_fen"], 640);
    assert_eq!(premium_total(&app, insurer.uuid), (4, 6_400));

    // A whole batch of known items stores nothing new.
    let receipt = store_premiums(
        &app,
        insurer.token(),
        "k2b",
        &batch(vec![item("P-1", "2025-03-03T10:00:00+08:00", 3_000, "R-3")]),
    )
    .await;
    assert_eq!((receipt["stored"].clone(), receipt["already_recorded"].clone()), (json!(0), json!([0])));
    assert_eq!(premium_total(&app, insurer.uuid), (4, 6_400));

    // Different content under a stored reference: 409 naming the item; the
    // batch's new item is not stored either.
    let (status, problem) = status_json(
        post_premiums(
            &app,
            insurer.token(),
            Some("k3"),
            &batch(vec![
                item("P-1", "2025-04-02T10:00:00+08:00", 500, "R-5"),
                item("P-1", "2025-03-03T10:00:00+08:00", 3_001, "R-3"),
            ]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "external_reference_conflict");
    assert_eq!(field_errors(&problem), pairs(&[("items[1].external_ref", "external_reference_conflict")]));
    assert_eq!(premium_total(&app, insurer.uuid), (4, 6_400));

    // Another policy or another instant is different content too.
    let (status, problem) = status_json(
        post_premiums(
            &app,
            insurer.token(),
            Some("k4"),
            &batch(vec![
                item("P-0", "2025-03-03T10:00:00+08:00", 3_000, "R-3"),
                item("P-0", "2025-03-02T10:00:01+08:00", 2_000, "R-2"),
            ]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("items[0].external_ref", "external_reference_conflict"),
            ("items[1].external_ref", "external_reference_conflict")
        ])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (4, 6_400));
    assert_eq!(batches_stored(&app), 3);
}

#[tokio::test]
async fn a_refund_may_not_take_a_policys_net_premium_below_zero() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 2).await;
    store_premiums(&app, insurer.token(), "k1", &batch(vec![item("P-0", "2025-02-01T10:00:00+08:00", 1_000, "R-1")]))
        .await;

    let (status, problem) = status_json(
        post_premiums(
            &app,
            insurer.token(),
            Some("k2"),
            &batch(vec![
                item("P-1", "2025-02-02T10:00:00+08:00", 500, "R-2"),
                item("P-0", "2025-02-03T10:00:00+08:00", -300, "F-1"),
                item("P-0", "2025-02-04T10:00:00+08:00", -800, "F-2"),
                item("P-0", "2025-02-05T10:00:00+08:00", 5_000, "R-3"),
            ]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[2].amount_fen", "negative_net_premium")]));
    assert_eq!(premium_total(&app, insurer.uuid), (1, 1_000));

    // A refund on a policy with nothing received.
    let (status, problem) = status_json(
        post_premiums(
            &app,
            insurer.token(),
            Some("k3"),
            &batch(vec![item("P-1", "2025-02-02T10:00:00+08:00", -1, "F-3")]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[0].amount_fen", "negative_net_premium")]));
    assert_eq!(premium_total(&app, insurer.uuid), (1, 1_000));

    // Refunding exactly what was paid is allowed; one fen more is not.
    let receipt = store_premiums(
        &app,
        insurer.token(),
        "k4",
        &batch(vec![item("P-0", "2025-02-03T10:00:00+08:00", -1_000, "F-1")]),
    )
    .await;
    assert_eq!(receipt["stored"], 1);
    assert_eq!(receipt["levy_accrued"][0]["net_premium_fen"], 0);
    assert_eq!(premium_total(&app, insurer.uuid), (2, 0));
    let (status, problem) = status_json(
        post_premiums(
            &app,
            insurer.token(),
            Some("k5"),
            &batch(vec![item("P-0", "2025-02-06T10:00:00+08:00", -1, "F-4")]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("items[0].amount_fen", "negative_net_premium")]));
    assert_eq!(premium_total(&app, insurer.uuid), (2, 0));
}

#[tokio::test]
async fn every_bad_item_is_named_at_once() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 1).await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = batch(vec![
        item("P-0", "2025-06-01T10:00:00+08:00", 100, "R-0"),
        item("P-0", "2025-06-01T10:00:00", 100, "R-1"),
        item("P-0", &tomorrow, 100, "R-2"),
        item("P-0", "2025-06-01T10:00:00+08:00", 100, "R-0"),
        item("P-0", "2025-06-01T10:00:00+08:00", 100, ""),
        item("P-0", "1999-12-31T23:59:59+08:00", 100, "R-5"),
    ]);
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("bad"), &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("items[1].received_at", "invalid_instant"),
            ("items[2].received_at", "out_of_range"),
            ("items[3].external_ref", "duplicate_in_batch"),
            ("items[4].external_ref", "invalid_length"),
            ("items[5].received_at", "out_of_range"),
        ])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));

    // An unknown field in an item (say, an insurer id) is refused.
    let mut smuggled = batch(vec![item("P-0", "2025-06-01T10:00:00+08:00", 100, "R-0")]);
    smuggled["items"][0]["insurer_id"] = json!(insurer.id);
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("smuggled"), &smuggled).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem)[0].1, "unknown_field");
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));

    // Only insurers post premiums.
    let regulator = app.regulator("410100").await;
    let (status, _) = status_json(post_premiums(&app, &regulator.token, Some("k"), &body).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(batches_stored(&app), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_submissions_of_one_batch_store_it_once() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 5).await;
    let body = batch(receipts("CONC", 200));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (http, url, token, body) = (app.http.clone(), app.url(PREMIUMS), insurer.token().to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "one-key")
                .json(&body)
                .send()
                .await
                .expect("request");
            let status = response.status();
            let replayed = response.headers().get(REPLAYED).is_some();
            (status, replayed, response.text().await.expect("body"))
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    eprintln!("50 concurrent submissions answered in {:?}", started.elapsed());

    for (status, _, text) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{text}");
    }
    let first: Value = serde_json::from_str(&answers[0].2).expect("json");
    let batch_id = first["batch_id"].as_str().expect("batch_id").to_owned();
    for (_, _, text) in &answers {
        let receipt: Value = serde_json::from_str(text).expect("json");
        assert_eq!(receipt["batch_id"], batch_id.as_str());
        assert_eq!(text, &answers[0].2, "every answer is the first one");
    }
    assert_eq!(answers.iter().filter(|(_, replayed, _)| !replayed).count(), 1, "exactly one fresh answer");
    assert_eq!(first["stored"], 200);
    assert_eq!(premium_total(&app, insurer.uuid), (200, receipts_sum(200)));
    assert_eq!(batches_stored(&app), 1);
}

#[tokio::test]
async fn an_insurer_posts_only_against_its_own_policy_numbers() {
    let app = TestApp::spawn().await;
    let owner = insurer_with_policies(&app, 900, 2).await;
    let stranger = insurer(&app, 910, "410100").await;
    let body = batch(vec![item("P-1", "2025-05-01T10:00:00+08:00", 1_000, "R-1")]);
    let (status, problem) = status_json(post_premiums(&app, stranger.token(), Some("k"), &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[0].policy_number", "unknown_policy")]));
    assert_eq!(premium_total(&app, stranger.uuid), (0, 0));
    assert_eq!(premium_total(&app, owner.uuid), (0, 0));

    // With its own policy of the same number, the posting is the stranger's.
    let enterprise_id = id_of(&app.enterprise(920, "410100").await);
    write_policy(&app, stranger.token(), &policy("P-1", &enterprise_id, "2025-01-01", "2025-12-31")).await;
    store_premiums(&app, stranger.token(), "k", &body).await;
    assert_eq!(premium_total(&app, stranger.uuid), (1, 1_000));
    assert_eq!(premium_total(&app, owner.uuid), (0, 0));
}

#[tokio::test]
async fn premiums_count_in_the_cst_year_they_were_received() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 1).await;
    let receipt = store_premiums(
        &app,
        insurer.token(),
        "boundary",
        &batch(vec![
            item("P-0", "2025-12-31T23:59:59+08:00", 1_000, "R-2025"),
            item("P-0", "2026-01-01T00:00:00+08:00", 2_000, "R-2026"),
            // The same boundary written in UTC.
            item("P-0", "2025-12-31T15:59:59.999999Z", 7, "R-2025-utc"),
            item("P-0", "2025-12-31T16:00:00Z", 30, "R-2026-utc"),
        ]),
    )
    .await;
    assert_eq!(receipt["stored"], 4);
    assert_eq!(
        receipt["levy_accrued"],
        json!([
            {"year": 2025, "net_premium_fen": 1_007, "levy_rate_bp": 1000, "rule_version": RULE, "levy_fen": 101},
            {"year": 2026, "net_premium_fen": 2_030, "levy_rate_bp": 1000, "rule_version": RULE, "levy_fen": 203},
        ])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (4, 3_037));

    let fund = |year: i32| format!("/api/v1/insurance/prevention-funds/{}/{year}", insurer.id);
    let (status, y2025) = get_json(&app, insurer.token(), &fund(2025)).await;
    assert_eq!(status, StatusCode::OK, "{y2025}");
    assert_eq!(y2025["net_premium_fen"], 1_007);
    assert_eq!(y2025["levy_fen"], 101);
    assert_eq!(y2025["months"][11]["net_premium_fen"], 1_007);
    assert_eq!(y2025["months"][11]["levy_accrued_fen"], 101);
    let (status, y2026) = get_json(&app, insurer.token(), &fund(2026)).await;
    assert_eq!(status, StatusCode::OK, "{y2026}");
    assert_eq!(y2026["net_premium_fen"], 2_030);
    assert_eq!(y2026["levy_fen"], 203);
    assert_eq!(y2026["carried_in_fen"], 101);
    assert_eq!(y2026["balance_fen"], 304);
    assert_eq!(y2026["months"][0]["net_premium_fen"], 2_030);
    assert_eq!(y2026["months"][0]["levy_accrued_fen"], 203);
}

/// Runs `n` submissions at once; `make(i)` gives the key and body of the i-th.
async fn concurrently(
    app: &TestApp,
    token: &str,
    n: usize,
    make: impl Fn(usize) -> (String, Value),
) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let (key, body) = make(i);
        let (http, url, token) = (app.http.clone(), app.url(PREMIUMS), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .expect("request");
            status_json(response).await
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("task"));
    }
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_batches_of_the_same_items_under_different_keys_count_them_once() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 5).await;
    let body = batch(receipts("SAME", 100));
    let answers = concurrently(&app, insurer.token(), 20, |i| (format!("key-{i}"), body.clone())).await;
    let all_indexes: Vec<usize> = (0..100).collect();
    let mut fresh = 0;
    for (status, receipt) in &answers {
        assert_eq!(*status, StatusCode::CREATED, "{receipt}");
        if receipt["stored"] == 100 {
            assert_eq!(receipt["already_recorded"], json!([]));
            fresh += 1;
        } else {
            assert_eq!(receipt["stored"], 0, "{receipt}");
            assert_eq!(receipt["already_recorded"], json!(all_indexes));
        }
        // Every receipt reports the levy on the one stored copy.
        assert_eq!(receipt["levy_accrued"][0]["net_premium_fen"], receipts_sum(100));
    }
    assert_eq!(fresh, 1);
    assert_eq!(premium_total(&app, insurer.uuid), (100, receipts_sum(100)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refunds_cannot_take_a_policy_below_zero() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 1).await;
    store_premiums(&app, insurer.token(), "paid", &batch(vec![item("P-0", "2025-02-01T10:00:00+08:00", 1_000, "R-1")]))
        .await;
    let answers = concurrently(&app, insurer.token(), 10, |i| {
        (format!("refund-{i}"), batch(vec![item("P-0", "2025-03-01T10:00:00+08:00", -1_000, &format!("F-{i}"))]))
    })
    .await;
    let mut refunded = 0;
    for (status, body) in &answers {
        match *status {
            StatusCode::CREATED => refunded += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(field_errors(body), pairs(&[("items[0].amount_fen", "negative_net_premium")]));
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(refunded, 1);
    assert_eq!(premium_total(&app, insurer.uuid), (2, 0));
}

/// One posting may carry at most 10^15 fen either way.
#[tokio::test]
async fn amounts_beyond_the_documented_bound_are_refused() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 1).await;
    let body = batch(vec![
        item("P-0", "2025-02-01T10:00:00+08:00", 1_000_000_000_000_000, "R-ok"),
        item("P-0", "2025-02-01T10:00:00+08:00", 1_000_000_000_000_001, "R-big"),
        item("P-0", "2025-02-01T10:00:00+08:00", i64::MIN, "R-min"),
    ]);
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("k"), &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[("items[1].amount_fen", "out_of_range"), ("items[2].amount_fen", "out_of_range")])
    );
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
}

/// 5 × 10^18 fen stored on one day; a second batch of 5 000 postings of
/// 10^15 fen would take the insurer's day or year total past `i64::MAX` at
/// its item 4223. It is refused as a 422 naming that item, nothing is stored,
/// and the stored ledger stays readable.
async fn overflow_case(second_received_at: &str) {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 900, 2).await;
    let unit = 1_000_000_000_000_000_i64;
    let first: Vec<Value> =
        (0..5000).map(|n| item("P-0", "2025-02-01T10:00:00+08:00", unit, &format!("A-{n}"))).collect();
    store_premiums(&app, insurer.token(), "k1", &batch(first)).await;
    let stored = 5_000 * unit;
    let more: Vec<Value> = (0..5000).map(|n| item("P-1", second_received_at, unit, &format!("B-{n}"))).collect();
    let (status, problem) = status_json(post_premiums(&app, insurer.token(), Some("k2"), &batch(more)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[4223].amount_fen", "amount_overflow")]));
    let mut conn = app.db.connect();
    let total = persistence::premiums::total(&mut conn, insurer.uuid).expect("premium total");
    assert_eq!((total.0, total.1.value()), (5_000, stored));
    let (status, year) =
        get_json(&app, insurer.token(), &format!("/api/v1/insurance/prevention-funds/{}/2025", insurer.id)).await;
    assert_eq!(status, StatusCode::OK, "{year}");
    assert_eq!(year["net_premium_fen"], stored);
    assert_eq!(year["levy_fen"], stored / 10);
}

#[tokio::test]
async fn a_posting_that_would_overflow_a_days_total_is_refused() {
    overflow_case("2025-02-01T11:00:00+08:00").await;
}

#[tokio::test]
async fn a_posting_that_would_overflow_the_yearly_ledger_is_refused() {
    overflow_case("2025-03-01T10:00:00+08:00").await;
}

/// The daily totals the levy reads are the sums of the postings themselves.
#[tokio::test]
async fn daily_totals_reconcile_with_the_postings() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 910, 3).await;
    let first: Vec<Value> = (0..300)
        .map(|n| {
            item(
                &format!("P-{}", n % 3),
                &format!("2025-0{}-1{}T2{}:30:00+08:00", 1 + n % 9, n % 10, n % 4),
                1_000 + n,
                &format!("A-{n}"),
            )
        })
        .collect();
    store_premiums(&app, insurer.token(), "k1", &batch(first)).await;
    let refunds: Vec<Value> =
        (0..30).map(|n| item(&format!("P-{}", n % 3), "2025-12-31T23:59:59+08:00", -7, &format!("F-{n}"))).collect();
    store_premiums(&app, insurer.token(), "k2", &batch(refunds)).await;
    let mut conn = app.db.connect();
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("from"),
        chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("to"),
    );
    let totals = persistence::premiums::daily_net(&mut conn, insurer.uuid, from, to).expect("totals");
    let summed = persistence::premiums::daily_net_from_postings(&mut conn, insurer.uuid, from, to).expect("postings");
    assert!(totals.len() > 30, "{totals:?}");
    assert_eq!(totals, summed);
}

/// The look-up that tells new items from ones already recorded probes the
/// unique index once per reference, also before PostgreSQL has statistics
/// for the table (a new database, or right after a bulk load, until
/// autovacuum analyses it). PostgreSQL's per-transaction counters show how
/// many postings it read. The plan this replaced (`external_ref = ANY($2)`)
/// read all of the insurer's postings for every batch, so each batch cost
/// more than the one before.
#[tokio::test]
async fn looking_up_stored_references_reads_only_those_references_before_statistics_exist() {
    use diesel::connection::SimpleConnection;
    use diesel::{QueryableByName, RunQueryDsl};
    use persistence::{DbConnection, StoreError};

    #[derive(QueryableByName)]
    struct Reads {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        postings_read: i64,
    }

    #[derive(QueryableByName)]
    struct Statistics {
        #[diesel(sql_type = diesel::sql_types::Float)]
        reltuples: f32,
    }

    if e2e::Backend::from_env() != e2e::Backend::Postgres {
        eprintln!("skipped: the plan is PostgreSQL's (TEST_DATABASE=postgres)");
        return;
    }
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let DbConnection::Postgres(pg) = &mut conn else { unreachable!("PostgreSQL") };
    pg.batch_execute("ALTER TABLE premium_postings SET (autovacuum_enabled = false)").expect("no analyse");
    let insurer = insurer_with_policies(&app, 910, 5).await;
    for b in 0..4 {
        store_premiums(&app, insurer.token(), &format!("load-{b}"), &batch(receipts(&format!("L{b}"), 5000))).await;
    }
    let analysed = diesel::sql_query("SELECT reltuples FROM pg_class WHERE relname = 'premium_postings'")
        .get_result::<Statistics>(pg)
        .expect("pg_class");
    assert!(analysed.reltuples < 0.0, "the table must not have been analysed for this test to mean anything");

    let mut refs: Vec<String> = (0..890).map(|i| format!("NEW-{i:05}")).collect();
    refs.extend((0..10).map(|i| format!("L2-{:05}", i * 400)));
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let (found, reads) = conn
        .transaction(|c| {
            let found = persistence::premiums::find_by_external_refs(c, insurer.uuid, &refs)?;
            let DbConnection::Postgres(pg) = c else { unreachable!("PostgreSQL") };
            let reads = diesel::sql_query(
                "SELECT CAST(COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) AS BIGINT) AS postings_read \
                 FROM pg_stat_xact_user_tables WHERE relname = 'premium_postings'",
            )
            .get_result::<Reads>(pg)
            .map_err(StoreError::from)?;
            Ok::<_, StoreError>((found, reads.postings_read))
        })
        .expect("look-up");
    assert_eq!(found.len(), 10, "the ten stored references are found");
    assert!(found.contains_key("L2-03600"));
    assert!(reads <= 20, "{reads} postings read to find 10 of 900 references among 20,000");
}
