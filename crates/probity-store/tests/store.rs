#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The store, on SQLite and on PostgreSQL alike: every case runs on both.

mod accounts;
mod common;
mod cycles;
mod declarant;
mod servers;
mod statistics;
mod workbench;

use common::{Fresh, fixtures, load_small, parse_declarations, stamp};
use probity_store::import::{Removals, UnitRemovals};
use probity_store::record::{Value, stored_row};
use probity_store::schema::{self, TABLES};
use probity_store::{Checkpoint, StoreError};
use rand::{Rng, SeedableRng};
use sqlx::Row;

async fn verify_ok(db: &Fresh) -> probity_store::Verified {
    match db.store.verify_audit(None).await.unwrap() {
        Ok(v) => v,
        Err(unfit) => panic!("audit verify failed: {unfit}"),
    }
}

/// Every table's rows as stored, in key order.
async fn dump(store: &probity_store::Store) -> Vec<(String, Vec<Vec<Value>>)> {
    let mut conn = store.connection().await.unwrap();
    let mut out = Vec::new();
    for table in TABLES {
        let sql = format!(
            "SELECT {} FROM {} ORDER BY {}",
            table.column_list(),
            table.name,
            table.key_list()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        out.push((
            table.name.to_owned(),
            rows.iter().map(|r| stored_row(table, r).unwrap()).collect(),
        ));
    }
    out
}

on_both!(schema_matches_its_description, schema_matches);
async fn schema_matches(db: &Fresh) {
    // Each table has exactly the columns the description names, in any order.
    let mut conn = db.store.connection().await.unwrap();
    for table in TABLES.iter().chain(schema::EPHEMERAL) {
        let sql = match db.store.backend() {
            probity_store::Backend::Sqlite => "SELECT name FROM pragma_table_info($1)",
            probity_store::Backend::Postgres => {
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1"
            }
        };
        let mut actual: Vec<String> = sqlx::query(sql)
            .bind(table.name)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        actual.sort();
        let mut described: Vec<String> =
            table.columns.iter().map(|(c, _)| (*c).to_owned()).collect();
        described.sort();
        assert_eq!(actual, described, "{}", table.name);
    }
    drop(conn);
    verify_ok(db).await;
}

on_both!(roster_history, roster_history_case);
async fn roster_history_case(db: &Fresh) {
    let s = stamp();
    let first = "id,name,unit,position,rank,sector,subject_since,status,flags\n\
                 350111199006074875,陈良生,A局,副主席,vice_division,other,2022-02-23,active,\n\
                 350212197810284446,谢琴梅,B局,副厅长,vice_department,party_state,2022-12-16,active,complaint\n";
    let r = db
        .store
        .import_roster(&s, "r1.csv", first.as_bytes())
        .await
        .unwrap();
    assert_eq!((r.added, r.changed, r.removed), (2, 0, 0));
    let again = db
        .store
        .import_roster(&s, "r1.csv", first.as_bytes())
        .await
        .unwrap();
    assert!(again.already);
    let head = db.store.checkpoint().await.unwrap();
    // Same content again under another name: nothing changes but the batch record.
    let second = "id,name,unit,position,rank,sector,subject_since,status,flags\n\
                  350111199006074875,陈良生,C局,主席,division,other,2022-02-23,active,promotion\n\
                  350104201811304094,陈翔诚,A局,科员,other,other,2026-01-01,active,\n";
    // It takes B局's only subject off: refused unless confirmed.
    let e = db
        .store
        .import_roster(&s, "r2.csv", second.as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::TooManyRemovals { .. }), "{e}");
    let r = db
        .store
        .import_roster_with(
            &probity_store::UnitScope::Department,
            &s,
            "r2.csv",
            second.as_bytes(),
            Removals::Allowed,
        )
        .await
        .unwrap();
    assert_eq!((r.added, r.changed, r.removed), (1, 1, 1));
    assert!(db.store.checkpoint().await.unwrap().seq > head.seq);
    let mut conn = db.store.connection().await.unwrap();
    let changes: Vec<(String, String)> =
        sqlx::query("SELECT change, fields FROM roster_changes WHERE batch = 2 ORDER BY change")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    assert_eq!(
        changes,
        vec![
            ("added".into(), "*".into()),
            ("changed".into(), "unit;position;rank;flags".into()),
            ("removed".into(), "*".into()),
        ]
    );
    let on_roster: i64 = sqlx::query("SELECT COUNT(*) FROM subjects WHERE on_roster = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get(0);
    assert_eq!(on_roster, 2);
    drop(conn);
    verify_ok(db).await;
}

async fn on_roster(db: &Fresh) -> i64 {
    let mut conn = db.store.connection().await.unwrap();
    sqlx::query("SELECT COUNT(*) FROM subjects WHERE on_roster = 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .get::<i64, _>(0)
}

on_both!(roster_removals, roster_removals_case);
async fn roster_removals_case(db: &Fresh) {
    let s = stamp();
    let header = "id,name,unit,position,rank,sector,subject_since,status,flags\n";
    let a = [
        "110101198001010010,甲一,A局,科员,other,other,2022-01-01,active,",
        "110101198002020026,甲二,A局,科员,other,other,2022-01-01,active,",
        "110101198003030031,甲三,A局,科员,other,other,2022-01-01,active,",
        "110101198004040047,甲四,A局,科员,other,other,2022-01-01,active,",
        "110101198005050052,甲五,A局,科员,other,other,2022-01-01,active,",
    ];
    let b = "110101198006060068,乙一,B局,科员,other,other,2022-01-01,active,";
    let file = |lines: &[&str]| format!("{header}{}\n", lines.join("\n"));
    let full = file(&[a[0], a[1], a[2], a[3], a[4], b]);
    let r = db
        .store
        .import_roster(&s, "full.csv", full.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.added, 6);

    // A header-only file would empty the roster: refused, naming each unit and its counts.
    let head = db.store.checkpoint().await.unwrap();
    let e = db
        .store
        .import_roster(&s, "empty.csv", header.as_bytes())
        .await
        .unwrap_err();
    match &e {
        StoreError::TooManyRemovals { file, units } => {
            assert_eq!(file, "empty.csv");
            assert_eq!(
                units,
                &vec![
                    UnitRemovals {
                        unit: "A局".into(),
                        removed: 5,
                        of: 5
                    },
                    UnitRemovals {
                        unit: "B局".into(),
                        removed: 1,
                        of: 1
                    },
                ]
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(
        e.to_string(),
        "empty.csv: would take 5 of the 5 subjects of unit A局, 1 of the 1 subjects of unit B局 \
         off the roster; confirm the removals to import it"
    );
    assert_eq!(
        db.store.checkpoint().await.unwrap(),
        head,
        "nothing written"
    );
    assert_eq!(on_roster(db).await, 6);

    // One of A局's five (20 %) is not more than the share: taken off without confirmation.
    let r = db
        .store
        .import_roster(
            &s,
            "less.csv",
            file(&[a[0], a[1], a[2], a[3], b]).as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!((r.removed, r.unchanged), (1, 5));
    // Confirmed, the header-only file takes everyone off.
    let r = db
        .store
        .import_roster_with(
            &probity_store::UnitScope::Department,
            &s,
            "empty.csv",
            header.as_bytes(),
            Removals::Allowed,
        )
        .await
        .unwrap();
    assert_eq!(r.removed, 5);
    assert_eq!(on_roster(db).await, 0);

    // The first file again is compared with the roster as it is, not with the files seen:
    // everyone returns.
    let r = db
        .store
        .import_roster(&s, "full.csv", full.as_bytes())
        .await
        .unwrap();
    assert!(!r.already);
    assert_eq!((r.added, r.changed, r.removed), (0, 6, 0));
    assert_eq!(on_roster(db).await, 6);
    // And once more, it changes nothing, not even an event.
    let head = db.store.checkpoint().await.unwrap();
    let r = db
        .store
        .import_roster(&s, "full.csv", full.as_bytes())
        .await
        .unwrap();
    assert!(r.already);
    assert_eq!(r.unchanged, 6);
    assert_eq!(db.store.checkpoint().await.unwrap(), head);
    verify_ok(db).await;
}

on_both!(bad_files_store_nothing, bad_files_case);
async fn bad_files_case(db: &Fresh) {
    let s = stamp();
    // Line 3 has a wrong check digit: the first line must not be stored either.
    let roster = "id,name,unit,position,rank,sector,subject_since,status,flags\n\
                  350111199006074875,陈良生,A局,副主席,vice_division,other,2022-02-23,active,\n\
                  350212197810284447,谢琴梅,B局,副厅长,vice_department,party_state,2022-12-16,active,\n";
    let e = db
        .store
        .import_roster(&s, "roster.csv", roster.as_bytes())
        .await
        .unwrap_err();
    let message = e.to_string();
    assert!(message.starts_with("roster.csv:3: id: "), "{message}");
    assert!(
        !message.contains("350212197810284447"),
        "no ID in errors: {message}"
    );
    let bad_rank = roster
        .replace("350212197810284447", "350212197810284446")
        .replace("vice_department", "general");
    let e = db
        .store
        .import_roster(&s, "roster.csv", bad_rank.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("roster.csv:3: rank: unknown variant"),
        "{e}"
    );
    let short = roster.replace(",active,\n3502", ",active\n3502");
    let e = db
        .store
        .import_roster(&s, "roster.csv", short.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with("roster.csv:2: row: 8 fields"),
        "{e}"
    );
    assert_eq!(db.store.count(&schema::SUBJECTS).await.unwrap(), 0);
    assert_eq!(
        db.store.checkpoint().await.unwrap().seq,
        0,
        "not even an event"
    );

    // Declarations: a good file but for one report whose declarant is not on the roster.
    load_roster_and_cycle(db).await;
    let before = db.store.checkpoint().await.unwrap();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let mut reports = parse_declarations(&text);
    let stranger = probity_model::ResidentId::parse("11010519491231002X").unwrap();
    reports[3].1.declarant_id = stranger;
    let e = db
        .store
        .import_declarations(&s, "declarations.jsonl", text.as_bytes(), &reports)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "declarations.jsonl:4: $.declarant_id: the declarant is not on the roster"
    );
    assert_eq!(db.store.count(&schema::DECLARATIONS).await.unwrap(), 0);
    assert_eq!(db.store.checkpoint().await.unwrap(), before);
    verify_ok(db).await;
}

async fn load_roster_and_cycle(db: &Fresh) {
    let s = stamp();
    let roster = std::fs::read(fixtures().join("roster.csv")).unwrap();
    db.store
        .import_roster(&s, "roster.csv", &roster)
        .await
        .unwrap();
    let deadline = probity_model::Date::parse("2026-01-31").unwrap();
    db.store.open_cycle(&s, 2025, deadline).await.unwrap();
}

on_both!(imports_twice_change_nothing, imports_twice_case);
async fn imports_twice_case(db: &Fresh) {
    load_small(&db.store).await;
    let before = dump(&db.store).await;
    load_small(&db.store).await;
    assert_eq!(
        dump(&db.store).await,
        before,
        "a second import changes nothing"
    );
    assert_eq!(db.store.count(&schema::DECLARATIONS).await.unwrap(), 5);
    assert_eq!(db.store.count(&schema::REGISTRY_BATCHES).await.unwrap(), 12);
    verify_ok(db).await;
}

on_both!(reports_are_immutable, immutable_case);
async fn immutable_case(db: &Fresh) {
    load_small(&db.store).await;
    let s = stamp();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let mut reports = parse_declarations(&text);
    // Same id, other content: refused.
    let (line, mut d, _) = reports.remove(0);
    d.filed_on = probity_model::Date::parse("2026-01-30").unwrap();
    let json = serde_json::to_string(&d).unwrap();
    let e = db
        .store
        .import_declarations(
            &s,
            "fix.jsonl",
            json.as_bytes(),
            &[(line, d.clone(), json.clone())],
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with("fix.jsonl:1: $.declaration_id: "),
        "{e}"
    );
    // A correction: new id, supersedes the old.
    let old_id = d.declaration_id.clone();
    d.declaration_id = format!("{old_id}-v2");
    d.supersedes = Some(old_id.clone());
    let json = serde_json::to_string(&d).unwrap();
    db.store
        .import_declarations(
            &s,
            "fix.jsonl",
            json.as_bytes(),
            &[(1, d.clone(), json.clone())],
        )
        .await
        .unwrap();
    let current = db.store.read_cycle_declarations(&s, 2025).await.unwrap();
    assert_eq!(current.len(), 5);
    assert!(current.iter().any(|c| c.declaration_id == d.declaration_id));
    assert!(!current.iter().any(|c| c.declaration_id == old_id));
    // The old version is still there, unchanged, and the database itself refuses to alter it.
    let old = db
        .store
        .read_declaration(&s, &old_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.json, text.lines().next().unwrap());
    let mut conn = db.store.connection().await.unwrap();
    let update =
        sqlx::query("UPDATE declarations SET filed_on = '2026-01-01' WHERE declaration_id = $1")
            .bind(old_id.as_str())
            .execute(&mut *conn)
            .await;
    assert!(update.is_err(), "the database refuses to alter a report");
    let delete = sqlx::query("DELETE FROM declarations WHERE declaration_id = $1")
        .bind(old_id.as_str())
        .execute(&mut *conn)
        .await;
    assert!(delete.is_err(), "the database refuses to delete a report");
    let delete = sqlx::query("DELETE FROM audit_events WHERE seq = 1")
        .execute(&mut *conn)
        .await;
    assert!(delete.is_err(), "the database refuses to delete an event");
    drop(conn);
    // Reads by staff are in the log.
    let mut conn = db.store.connection().await.unwrap();
    let reads: i64 =
        sqlx::query("SELECT COUNT(*) FROM audit_events WHERE action = 'declaration.read'")
            .fetch_one(&mut *conn)
            .await
            .unwrap()
            .get(0);
    assert_eq!(reads, 2);
    drop(conn);
    verify_ok(db).await;
}

/// Triggers an attacker with the database file would drop first.
async fn drop_guards(db: &Fresh) {
    let mut conn = db.store.connection().await.unwrap();
    let sql = match db.store.backend() {
        probity_store::Backend::Sqlite => {
            "DROP TRIGGER audit_events_append_only_u; DROP TRIGGER audit_events_append_only_d; \
             DROP TRIGGER declarations_immutable_u; DROP TRIGGER declarations_immutable_d; \
             DROP TRIGGER registry_batches_immutable_u; DROP TRIGGER registry_batches_immutable_d;"
        }
        probity_store::Backend::Postgres => {
            "DROP TRIGGER audit_events_append_only ON audit_events; \
             DROP TRIGGER declarations_immutable_u ON declarations; \
             DROP TRIGGER declarations_immutable_d ON declarations; \
             DROP TRIGGER registry_batches_immutable_u ON registry_batches; \
             DROP TRIGGER registry_batches_immutable_d ON registry_batches;"
        }
    };
    sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
}

/// One random change of the kind an attacker could make, as SQL with its description.
fn tampering(
    rng: &mut impl Rng,
    events: i64,
    rows: &[(String, String, Vec<Value>)],
) -> (String, String) {
    let seq = rng.random_range(1..=events);
    match rng.random_range(0..9) {
        0 => {
            let column = ["at", "actor", "action", "subject", "payload"][rng.random_range(0..5)];
            (
                format!("UPDATE audit_events SET {column} = {column} || 'x' WHERE seq = {seq}"),
                format!("edit {column} of event {seq}"),
            )
        }
        1 => (
            format!("DELETE FROM audit_events WHERE seq = {seq}"),
            format!("delete event {seq}"),
        ),
        2 => {
            let other = rng.random_range(1..=events);
            let other = if other == seq {
                seq % events + 1
            } else {
                other
            };
            if other == seq {
                return (
                    format!("UPDATE audit_events SET seq = seq + 1000 WHERE seq = {seq}"),
                    format!("renumber event {seq}"),
                );
            }
            (
                format!(
                    "UPDATE audit_events SET seq = CASE WHEN seq = {seq} THEN -1 ELSE seq END WHERE seq IN ({seq}, {other}); \
                     UPDATE audit_events SET seq = {seq} WHERE seq = {other}; \
                     UPDATE audit_events SET seq = {other} WHERE seq = -1"
                ),
                format!("swap events {seq} and {other}"),
            )
        }
        3 => (
            format!(
                "INSERT INTO audit_events (seq, at, actor, action, subject, payload, payload_sha256, prev_sha256, sha256) \
                 SELECT {}, at, actor, action, subject, payload, payload_sha256, sha256, sha256 FROM audit_events WHERE seq = {seq}",
                events + 1
            ),
            "append a copied event".into(),
        ),
        4 => (
            format!("UPDATE audit_head SET seq = {}", seq - 1),
            format!("move the head back to {}", seq - 1),
        ),
        _ => {
            // A record: change one column, delete it, or add a copy under a new key.
            let (table_name, filter, row) = &rows[rng.random_range(0..rows.len())];
            let table = schema::table(table_name).unwrap();
            let op = rng.random_range(0..4);
            if op == 0 {
                return (
                    format!("DELETE FROM {table_name} WHERE {filter}"),
                    format!("delete {table_name} where {filter}"),
                );
            }
            let i = rng.random_range(0..table.columns.len());
            let (column, kind) = table.columns[i];
            if op == 1 && i >= table.key_len {
                let set = match (kind, &row[i]) {
                    (_, Value::Null) => match kind {
                        schema::Kind::Int => "7".into(),
                        schema::Kind::Text => "'x'".into(),
                        schema::Kind::Sealed => "NULL".into(),
                    },
                    (schema::Kind::Int, _) => format!("{column} + 1"),
                    (schema::Kind::Text, _) => format!("{column} || 'x'"),
                    (schema::Kind::Sealed, _) => "NULL".into(),
                };
                let set = if set == "NULL" && kind == schema::Kind::Sealed {
                    // Swap in another row's sealed value of the same column, or drop it.
                    let other = rows
                        .iter()
                        .filter(|(t, f, _)| t == table_name && f != filter)
                        .map(|(_, f, _)| f)
                        .next();
                    match other {
                        Some(f) => format!("(SELECT {column} FROM {table_name} WHERE {f})"),
                        None => "NULL".into(),
                    }
                } else {
                    set
                };
                return (
                    format!("UPDATE {table_name} SET {column} = {set} WHERE {filter}"),
                    format!("edit {column} of {table_name} where {filter}"),
                );
            }
            // Add a copy with a changed key (the first key column gets a suffix or +1000).
            let (key_column, key_kind) = table.columns[0];
            let new_key = match key_kind {
                schema::Kind::Int => format!("{key_column} + 1000"),
                _ => format!("{key_column} || '-copy'"),
            };
            let columns: Vec<String> = table
                .columns
                .iter()
                .enumerate()
                .map(|(j, (c, _))| {
                    if j == 0 {
                        new_key.clone()
                    } else {
                        (*c).to_owned()
                    }
                })
                .collect();
            (
                format!(
                    "INSERT INTO {table_name} ({}) SELECT {} FROM {table_name} WHERE {filter}",
                    table.column_list(),
                    columns.join(", ")
                ),
                format!("copy a row of {table_name}"),
            )
        }
    }
}

/// Every covered record with a filter that selects it alone.
async fn covered_rows(db: &Fresh) -> Vec<(String, String, Vec<Value>)> {
    let mut out = Vec::new();
    for (table_name, rows) in dump(&db.store).await {
        let table = schema::table(&table_name).unwrap();
        if !table.covered {
            continue;
        }
        for row in rows {
            let filter: Vec<String> = table
                .key_columns()
                .iter()
                .zip(&row)
                .map(|((c, _), v)| match v {
                    Value::Int(i) => format!("{c} = {i}"),
                    Value::Text(t) => format!("{c} = '{}'", t.replace('\'', "''")),
                    _ => unreachable!(),
                })
                .collect();
            out.push((table_name.clone(), filter.join(" AND "), row));
        }
    }
    out
}

on_both!(every_tampering_is_detected, tamper_case);
async fn tamper_case(db: &Fresh) {
    load_small(&db.store).await;
    db.store
        .read_declaration(&stamp(), "D2025-000002")
        .await
        .unwrap();
    let clean = verify_ok(db).await;
    drop_guards(db).await;
    let rows = covered_rows(db).await;
    let keys = db.store.keys();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261124);
    let mut pool = db.store.connection().await.unwrap();
    let mut detected = 0;
    for round in 0..1000 {
        let (sql, what) = tampering(&mut rng, clean.events, &rows);
        let mut tx = sqlx::Connection::begin(&mut *pool).await.unwrap();
        let applied = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut *tx)
            .await;
        let changed = match applied {
            Ok(r) => r.rows_affected() > 0,
            // A change the schema refuses (a NOT NULL, a unique key) is no tampering at all.
            Err(_) => false,
        };
        if changed {
            let outcome = probity_store::audit::verify(&mut tx, &keys, &[])
                .await
                .unwrap();
            match outcome {
                Err(_) => detected += 1,
                Ok(_) => panic!("round {round}: undetected: {what} ({sql})"),
            }
        }
        tx.rollback().await.unwrap();
    }
    assert!(
        detected > 800,
        "most rounds tamper with something: {detected}"
    );
    // After all those rollbacks, the log is intact.
    drop(pool);
    assert_eq!(verify_ok(db).await, clean);
}

on_both!(checkpoints_catch_rewritten_history, checkpoint_case);
async fn checkpoint_case(db: &Fresh) {
    load_small(&db.store).await;
    let checkpoint = db.store.checkpoint().await.unwrap();
    let text = checkpoint.to_string();
    assert_eq!(text.parse::<Checkpoint>().unwrap(), checkpoint);
    db.store
        .read_declaration(&stamp(), "D2025-000018")
        .await
        .unwrap();
    assert!(
        db.store
            .verify_audit(Some(&checkpoint))
            .await
            .unwrap()
            .is_ok()
    );
    // An insider with the audit key rewrites event 2 and re-hashes and re-signs everything after
    // it: the plain walk cannot tell, the published checkpoint can.
    drop_guards(db).await;
    let keys = db.store.keys();
    let mut conn = db.store.connection().await.unwrap();
    let events = sqlx::query(
        "SELECT seq, at, actor, action, subject, payload_sha256 FROM audit_events ORDER BY seq",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut prev = probity_store::audit::GENESIS.to_owned();
    for e in &events {
        let seq: i64 = e.get(0);
        let actor: String = if seq == 2 {
            "cli:someone-else".into()
        } else {
            e.get(2)
        };
        let hash = probity_store::audit::event_hash(
            seq,
            &e.get::<String, _>(1),
            &actor,
            &e.get::<String, _>(3),
            &e.get::<String, _>(4),
            &e.get::<String, _>(5),
            &prev,
        );
        sqlx::query(
            "UPDATE audit_events SET actor = $1, prev_sha256 = $2, sha256 = $3 WHERE seq = $4",
        )
        .bind(actor.as_str())
        .bind(prev.as_str())
        .bind(hash.as_str())
        .bind(seq)
        .execute(&mut *conn)
        .await
        .unwrap();
        prev = hash;
    }
    let last = events.len() as i64;
    sqlx::query("UPDATE audit_head SET seq = $1, sha256 = $2, mac = $3")
        .bind(last)
        .bind(prev.as_str())
        .bind(keys.sign_head(last, &prev))
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    assert!(
        db.store.verify_audit(None).await.unwrap().is_ok(),
        "a consistent rewrite"
    );
    let unfit = db
        .store
        .verify_audit(Some(&checkpoint))
        .await
        .unwrap()
        .unwrap_err();
    assert!(unfit.to_string().contains("checkpoint"), "{unfit}");
    // A checkpoint signed with another key file is refused.
    let forged = Checkpoint {
        mac: "0".repeat(64),
        ..checkpoint
    };
    assert!(db.store.verify_audit(Some(&forged)).await.unwrap().is_err());
}

on_both!(
    published_checkpoints_catch_a_shortened_trail,
    shortened_case
);
async fn shortened_case(db: &Fresh) {
    load_small(&db.store).await;
    // The server publishes its head from time to time; an insider keeps an older one (any
    // earlier read or backup gives it).
    let mut published = vec![db.store.checkpoint().await.unwrap()];
    for id in ["D2025-000018", "D2025-000002"] {
        db.store.read_declaration(&stamp(), id).await.unwrap();
        published.push(db.store.checkpoint().await.unwrap());
    }
    let kept = published[0].clone();
    assert!(
        db.store
            .verify_audit_against(&published)
            .await
            .unwrap()
            .is_ok()
    );
    // The insider deletes the events after it and puts the older signed head back.
    drop_guards(db).await;
    let mut conn = db.store.connection().await.unwrap();
    sqlx::query("DELETE FROM audit_events WHERE seq > $1")
        .bind(kept.seq)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_head SET seq = $1, sha256 = $2, mac = $3")
        .bind(kept.seq)
        .bind(kept.sha256.as_str())
        .bind(kept.mac.as_str())
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    // The walk alone cannot tell (a valid head of a valid, shorter log): the documented limit.
    assert!(db.store.verify_audit(None).await.unwrap().is_ok());
    // Against the published series, the first checkpoint the log no longer reaches is named.
    let unfit = db
        .store
        .verify_audit_against(&published)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(unfit.checkpoint, Some(1), "{unfit}");
    assert_eq!(unfit.seq, Some(published[1].seq));
    assert!(
        unfit.message.contains(&format!(
            "the log ends at event {}, before the checkpoint",
            kept.seq
        )),
        "{unfit}"
    );
}

on_both!(sessions_are_bound_to_the_key_file, sessions_case);
async fn sessions_case(db: &Fresh) {
    use probity_store::{Role, Stamp, User};
    let s = stamp();
    for (username, role) in [("admin", Role::Administrator), ("lin", Role::Verifier)] {
        let user = User {
            username: username.into(),
            role,
            person_key: None,
            password_hash: "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA".into(),
            disabled: false,
        };
        db.store.create_user(&s, &user).await.unwrap();
    }
    let opened = Stamp::new("2026-02-01T10:00:00Z", "web:lin");
    db.store
        .open_session(&opened, "lin", "t-lin", "c-lin", "2026-02-01T18:00:00Z")
        .await
        .unwrap();
    let now = "2026-02-01T11:00:00Z";
    let lin = db.store.session("t-lin", now).await.unwrap().unwrap();
    assert_eq!(lin.user.username, "lin");

    // Someone who can write to the database, but has not the key file.
    let mut conn = db.store.connection().await.unwrap();
    let mut run = async |sql: &str| {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut *conn)
            .await
            .unwrap();
    };
    // A row inserted as the administrator signs nobody in, with no MAC or with one copied from
    // a real session.
    run(
        "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at) \
         VALUES ('t-forged', 'admin', 'c', '2026-02-01T10:30:00Z', '2026-02-01T18:30:00Z')",
    )
    .await;
    run(
        "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, mac) \
         SELECT 't-copied', 'admin', csrf, created_at, expires_at, mac FROM sessions \
         WHERE token_sha256 = 't-lin'",
    )
    .await;
    // The verifier's own session altered to act as the administrator, or to last longer.
    run(
        "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, mac) \
         SELECT 't-longer', username, csrf, created_at, '2027-01-01T00:00:00Z', mac \
         FROM sessions WHERE token_sha256 = 't-lin'",
    )
    .await;
    for token in ["t-forged", "t-copied", "t-longer"] {
        assert_eq!(
            db.store.session(token, now).await.unwrap(),
            None,
            "{token} signed in"
        );
    }
    run("UPDATE sessions SET username = 'admin' WHERE token_sha256 = 't-lin'").await;
    assert_eq!(db.store.session("t-lin", now).await.unwrap(), None);
    drop(conn);

    // Whatever its expiry says, a session ends 8 hours after it was opened.
    db.store
        .open_session(&opened, "lin", "t-long", "c-long", "2099-01-01T00:00:00Z")
        .await
        .unwrap();
    assert!(
        db.store
            .session("t-long", "2026-02-01T17:59:59Z")
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        db.store
            .session("t-long", "2026-02-01T18:00:00Z")
            .await
            .unwrap(),
        None
    );
}

/// Values that must never be in the database in clear.
fn personal_values() -> Vec<String> {
    let mut out = Vec::new();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    fn walk(v: &serde_json::Value, key: &str, self_person: bool, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                let is_self = m.get("relation").and_then(|r| r.as_str()) == Some("self");
                for (k, v) in m {
                    walk(v, k, is_self, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, key, false, out)),
            serde_json::Value::String(s) => {
                let sensitive = matches!(
                    key,
                    "id" | "declarant_id"
                        | "number"
                        | "document_number"
                        | "certificate_number"
                        | "address"
                        | "policy_number"
                        | "account_number"
                ) || (key == "name" && !self_person);
                if sensitive && s.chars().count() >= 4 {
                    out.push(s.clone());
                }
            }
            _ => {}
        }
    }
    for line in text.lines() {
        walk(&serde_json::from_str(line).unwrap(), "", false, &mut out);
    }
    out.sort();
    out.dedup();
    out
}

fn find_in_clear(haystack: &[u8], values: &[String]) -> Vec<String> {
    values
        .iter()
        .filter(|v| haystack.windows(v.len()).any(|w| w == v.as_bytes()))
        .cloned()
        .collect()
}

on_both!(personal_data_is_never_stored_in_clear, clear_case);
async fn clear_case(db: &Fresh) {
    load_small(&db.store).await;
    let values = personal_values();
    assert!(
        values.len() > 30,
        "the fixture has personal values to look for"
    );
    let raw = match db.store.backend() {
        probity_store::Backend::Sqlite => {
            db.store.close().await;
            let mut raw = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                let path = format!("{}{suffix}", db.sqlite_file().display());
                raw.extend(std::fs::read(&path).unwrap_or_default());
            }
            assert!(
                find_in_clear(&raw, &["陈良生".into()]).len() == 1,
                "the scan reads real data (declarant names are kept in clear)"
            );
            raw
        }
        probity_store::Backend::Postgres => {
            let url = db.url.clone();
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&url)
                .output();
            match out {
                Ok(out) if out.status.success() => out.stdout,
                other => {
                    if std::env::var_os("CI").is_some() {
                        panic!("pg_dump must run under CI: {other:?}");
                    }
                    let _ = std::io::Write::write_all(
                        &mut std::io::stderr(),
                        b"SKIPPED: the PostgreSQL dump scan needs pg_dump\n",
                    );
                    return;
                }
            }
        }
    };
    let found = find_in_clear(&raw, &values);
    assert!(
        found.is_empty(),
        "in clear: {} values, e.g. {:?}",
        found.len(),
        found.first().map(|v| v.chars().count())
    );
}

on_both!(key_rotation_moves_everything, rotation_case);
async fn rotation_case(db: &Fresh) {
    load_small(&db.store).await;
    let before = db
        .store
        .read_declaration(&stamp(), "D2025-000001")
        .await
        .unwrap()
        .unwrap();
    let progress = |_n: u64| {};
    let rotated = db.store.rotate_key(&stamp(), &progress).await.unwrap();
    assert_eq!((rotated.from, rotated.to), (1, 2));
    assert_eq!(rotated.retired, vec![1]);
    assert!(
        rotated.rows >= 5 + 12 + 5,
        "reports, registry files, subjects: {}",
        rotated.rows
    );
    // Every sealed value is under key 2 now, and the key file holds key 2 only.
    let mut conn = db.store.connection().await.unwrap();
    for table in TABLES.iter().filter(|t| t.has_sealed()) {
        let sql = format!("SELECT {} FROM {}", table.column_list(), table.name);
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        {
            for v in stored_row(table, &r).unwrap() {
                if let Value::Bytes(b) = v {
                    assert_eq!(
                        probity_store::Keyring::key_id_of(&b),
                        Some(2),
                        "{}",
                        table.name
                    );
                }
            }
        }
    }
    drop(conn);
    let reopened = db.reopen().await;
    assert_eq!(reopened.keys().data_key_ids(), vec![2]);
    let after = reopened
        .read_declaration(&stamp(), "D2025-000001")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after, before);
    assert!(reopened.verify_audit(None).await.unwrap().is_ok());
    reopened.close().await;
}

on_both!(backup_restores_everything, backup_case);
async fn backup_case(db: &Fresh) {
    load_small(&db.store).await;
    db.store
        .read_declaration(&stamp(), "D2025-000019")
        .await
        .unwrap();
    let file = db.dir.path().join("backup.probity");
    db.store.backup(&file).await.unwrap();
    assert!(matches!(
        db.store.backup(&file).await,
        Err(StoreError::Conflict(_))
    ));
    // Into a fresh SQLite database with the same key file.
    let target_dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        target_dir.path().join("restored.db").display()
    );
    let restored =
        probity_store::Store::open(&url, probity_store::Keyring::load(&db.key_file).unwrap())
            .await
            .unwrap();
    restored.restore(&file).await.unwrap();
    assert_eq!(dump(&restored).await, dump(&db.store).await);
    assert!(restored.verify_audit(None).await.unwrap().is_ok());
    // A second restore into the now full database is refused, and changes nothing.
    assert!(matches!(
        restored.restore(&file).await,
        Err(StoreError::Conflict(_))
    ));
    restored.close().await;
}

on_both!(drafts_users_and_submits, drafts_case);
async fn drafts_case(db: &Fresh) {
    use probity_store::{Role, User};
    load_small(&db.store).await;
    let s = stamp();
    let admin = User {
        username: "admin".into(),
        role: Role::Administrator,
        person_key: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
    };
    db.store.create_user(&s, &admin).await.unwrap();
    assert!(matches!(
        db.store.create_user(&s, &admin).await,
        Err(StoreError::Conflict(_))
    ));
    let disabled = User {
        disabled: true,
        ..admin.clone()
    };
    db.store.update_user(&s, &disabled).await.unwrap();
    assert_eq!(db.store.user("admin").await.unwrap(), Some(disabled));
    assert_eq!(db.store.user("nobody").await.unwrap(), None);

    // A draft is saved as typed, overwritten, and gone once the report is filed.
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let (_, mut d, _) = parse_declarations(&text).remove(1);
    let person = db.store.person_key(&d.declarant_id);
    db.store
        .save_draft(&s, &person, 2025, "change", "{\"half\":")
        .await
        .unwrap();
    db.store
        .save_draft(&s, &person, 2025, "change", "{\"half\": 2")
        .await
        .unwrap();
    assert_eq!(
        db.store
            .draft(&person, 2025, "change")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"half\": 2")
    );
    d.kind = probity_model::declaration::ReportKind::Change;
    d.declaration_id = "C2025-1".into();
    let json = serde_json::to_string(&d).unwrap();
    let filed = db.store.submit_declaration(&s, &d, &json).await.unwrap();
    assert_eq!(filed.added, 1);
    assert_eq!(db.store.draft(&person, 2025, "change").await.unwrap(), None);
    // Filing the same report again changes nothing.
    let head = db.store.checkpoint().await.unwrap();
    assert!(
        db.store
            .submit_declaration(&s, &d, &json)
            .await
            .unwrap()
            .already
    );
    assert_eq!(db.store.checkpoint().await.unwrap(), head);
    verify_ok(db).await;
}

on_both!(rotation_and_backup_while_others_write, concurrent_case);
async fn concurrent_case(db: &Fresh) {
    load_small(&db.store).await;
    let store = std::sync::Arc::new(db.reopen().await);
    let person = store
        .keys()
        .blind_index("resident_id", "350111199006074875");
    // A declarant saves drafts all along, from another task.
    let writer = {
        let store = std::sync::Arc::clone(&store);
        let person = person.clone();
        tokio::spawn(async move {
            for i in 0..150 {
                let json = format!("{{\"draft\": {i}}}");
                store
                    .save_draft(&stamp(), &person, 2026, "annual", &json)
                    .await
                    .unwrap();
            }
        })
    };
    let file = db.dir.path().join("during.probity");
    let keys_then = db.dir.path().join("keys-before-rotation");
    std::fs::copy(&db.key_file, &keys_then).unwrap();
    let backup = db.store.backup(&file).await.unwrap();
    let rotated = db.store.rotate_key(&stamp(), &|_| {}).await.unwrap();
    writer.await.unwrap();
    assert_eq!(rotated.retired, vec![1]);
    // The draft written last is there and opens under the new key alone.
    let reopened = db.reopen().await;
    assert_eq!(reopened.keys().data_key_ids(), vec![2]);
    assert_eq!(
        reopened
            .draft(&person, 2026, "annual")
            .await
            .unwrap()
            .as_deref(),
        Some("{\"draft\": 149}")
    );
    assert!(reopened.verify_audit(None).await.unwrap().is_ok());
    // The backup taken mid-way is a consistent state: restored with the key file of its time,
    // it verifies.
    assert!(backup.iter().any(|(t, n)| *t == "audit_events" && *n > 0));
    let target = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", target.path().join("r.db").display());
    let restored =
        probity_store::Store::open(&url, probity_store::Keyring::load(&keys_then).unwrap())
            .await
            .unwrap();
    restored.restore(&file).await.unwrap();
    assert!(restored.verify_audit(None).await.unwrap().is_ok());
    restored.close().await;
    reopened.close().await;
    store.close().await;
}

on_both!(reminders_name_who_has_not_filed, reminders_case);
async fn reminders_case(db: &Fresh) {
    use probity_store::{REMINDER_ISSUED, Standing};
    let cn = probity_model::Profile::builtin("cn").unwrap();
    let s = stamp();
    let newbie_id = "350104201811304094";
    let mut roster = std::fs::read_to_string(fixtures().join("roster.csv")).unwrap();
    roster.push_str(&format!(
        "{newbie_id},林新,福州市工商业联合会,办公室主任,division,other,2025-03-01,active,\r\n"
    ));
    db.store
        .import_roster(&s, "roster.csv", roster.as_bytes())
        .await
        .unwrap();
    assert_eq!(db.store.current_cycle().await.unwrap(), None);
    let deadline = probity_model::Date::parse("2026-01-31").unwrap();
    db.store.open_cycle(&s, 2025, deadline).await.unwrap();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    db.store
        .import_declarations(
            &s,
            "declarations.jsonl",
            text.as_bytes(),
            &parse_declarations(&text),
        )
        .await
        .unwrap();
    assert_eq!(
        db.store.current_cycle().await.unwrap(),
        Some((2025, "2026-01-31".to_owned()))
    );

    let newbie = db
        .store
        .person_key(&probity_model::ResidentId::parse(newbie_id).unwrap());
    let chen = db
        .store
        .person_key(&probity_model::ResidentId::parse("350111199006074875").unwrap());
    let standing = |key: String, today: &'static str| {
        let store = &db.store;
        let cn = &cn;
        async move {
            store
                .standing_of(cn, 2025, &key, today)
                .await
                .unwrap()
                .map(|(s, _)| s)
        }
    };
    assert_eq!(
        standing(newbie.clone(), "2026-01-10").await,
        Some(Standing::NotStarted)
    );
    assert_eq!(
        standing(newbie.clone(), "2026-02-05").await,
        Some(Standing::Missing)
    );
    assert_eq!(
        standing(chen.clone(), "2026-02-05").await,
        Some(Standing::Filed)
    );
    assert_eq!(standing("no-such-key".into(), "2026-02-05").await, None);
    assert_eq!(
        db.store
            .standing_of(&cn, 2024, &chen, "2026-02-05")
            .await
            .unwrap(),
        None,
        "no such cycle"
    );
    db.store
        .save_draft(&s, &newbie, 2025, "annual", "{}")
        .await
        .unwrap();
    assert_eq!(
        standing(newbie.clone(), "2026-02-05").await,
        Some(Standing::Draft)
    );
    // The same answer as the progress view, subject by subject.
    let progress = db
        .store
        .progress(
            &probity_store::UnitScope::Department,
            &cn,
            2025,
            "2026-02-05",
        )
        .await
        .unwrap()
        .unwrap();
    for row in progress
        .rows
        .iter()
        .filter(|r| r.kind == probity_model::declaration::ReportKind::Annual)
    {
        assert_eq!(
            standing(row.person_key.clone(), "2026-02-05").await,
            Some(row.standing)
        );
    }
    // One annual report missing (the newcomer's); the initial reports of the two subjects who
    // joined in 2025 are due too, and neither is filed.
    let unfiled = |kind| {
        progress
            .rows
            .iter()
            .filter(|r| r.kind == kind && r.standing.unfiled())
            .count()
    };
    assert_eq!(unfiled(probity_model::declaration::ReportKind::Annual), 1);
    assert_eq!(unfiled(probity_model::declaration::ReportKind::Initial), 2);

    // Issued: one event per unit with the cycle, the unit and the count, and nobody's name or ID.
    assert!(db.store.reminders_issued(2025).await.unwrap().is_empty());
    let units = vec![
        ("福州市工商业联合会".to_owned(), 1),
        ("厦门市公安局".to_owned(), 0),
    ];
    db.store.record_reminders(&s, 2025, &units).await.unwrap();
    let issued = db.store.reminders_issued(2025).await.unwrap();
    assert_eq!(issued.len(), 2);
    assert_eq!(
        issued
            .iter()
            .map(|r| (r.unit.clone(), r.count))
            .collect::<Vec<_>>(),
        vec![
            ("厦门市公安局".to_owned(), 0),
            ("福州市工商业联合会".to_owned(), 1)
        ],
        "newest first"
    );
    assert_eq!(issued[0].actor, s.actor);
    assert!(db.store.reminders_issued(2024).await.unwrap().is_empty());
    let mut conn = db.store.connection().await.unwrap();
    let payloads: Vec<String> = sqlx::query("SELECT payload FROM audit_events WHERE action = $1")
        .bind(REMINDER_ISSUED)
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    drop(conn);
    assert_eq!(payloads.len(), 2);
    for p in &payloads {
        assert!(!p.contains("林新") && !p.contains(newbie_id), "{p}");
    }
    // Nothing to issue writes nothing.
    let head = db.store.checkpoint().await.unwrap();
    db.store.record_reminders(&s, 2025, &[]).await.unwrap();
    assert_eq!(db.store.checkpoint().await.unwrap(), head);
    verify_ok(db).await;
}

/// A report of the shared example moved a year back: the same subject's previous annual report.
fn a_year_earlier(line: &str, id: &str) -> probity_model::Declaration {
    let mut d: probity_model::Declaration = serde_json::from_str(line).unwrap();
    d.declaration_id = id.into();
    d.year -= 1;
    d.filed_on = probity_model::Date::parse("2025-01-20").unwrap();
    // Last year's trips are not this year's.
    d.trips.clear();
    d.settle_nothing_to_report();
    d
}

on_both!(
    a_run_over_two_years_adds_year_over_year_findings,
    two_years_case
);
async fn two_years_case(db: &Fresh) {
    use probity_model::declaration::{InsurancePolicy, PersonRef, RealEstate};
    use probity_model::{Amount, Declaration, Profile};
    load_small(&db.store).await;
    let s = stamp();
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Report 2's family had a cheaper flat and no securities a year ago, and an inherited flat
    // (no price: it counts nothing) that it no longer reports and never disposed of.
    let mut two = a_year_earlier(lines[1], "D2024-000002");
    two.stocks.clear();
    two.funds.clear();
    two.real_estate[0].price = Some(Amount::parse("500000.00").unwrap());
    two.real_estate.push(RealEstate {
        certificate_number: Some("闽(2018)厦门市不动产权第0054321号".into()),
        address: "福建省厦门市思明区湖滨南路1号3幢1201室".into(),
        source: probity_model::declaration::PropertySource::Inheritance,
        price: None,
        ..two.real_estate[0].clone()
    });
    two.settle_nothing_to_report();
    // Report 1's first version held a policy that this year's report lacks; its correction does
    // not: only the latest version counts.
    let mut one = a_year_earlier(lines[0], "D2024-000001");
    one.insurance.push(InsurancePolicy {
        policyholder: PersonRef("self".into()),
        insurer: "中国人寿".into(),
        product: "国寿鑫享".into(),
        policy_number: "P2019000077".into(),
        premiums_paid: Amount::parse("50000.00").unwrap(),
    });
    one.settle_nothing_to_report();
    let mut corrected = a_year_earlier(lines[0], "C2024-000001");
    corrected.supersedes = Some("D2024-000001".into());
    let previous: Vec<String> = [&one, &corrected, &two]
        .iter()
        .map(|d| serde_json::to_string(d).unwrap())
        .collect();
    let previous = previous.join("\n");
    let deadline = probity_model::Date::parse("2025-01-31").unwrap();
    db.store.open_cycle(&s, 2024, deadline).await.unwrap();
    let imported = db
        .store
        .import_declarations(
            &s,
            "previous.jsonl",
            previous.as_bytes(),
            &parse_declarations(&previous),
        )
        .await
        .unwrap();
    assert_eq!(imported.added, 3);

    // A run over 2025, as `verify_cycle` makes it: every current report, each annual one with
    // the subject's previous annual report.
    let current = db.store.read_cycle_declarations(&s, 2025).await.unwrap();
    let keys: Vec<String> = current.iter().map(|d| d.person_key.clone()).collect();
    let before = db
        .store
        .read_previous_annual(&s, 2024, &keys)
        .await
        .unwrap();
    let mut ids: Vec<&str> = before.iter().map(|d| d.declaration_id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, ["C2024-000001", "D2024-000002"]);
    let parse = |json: &str| serde_json::from_str::<Declaration>(json).unwrap();
    let reports: Vec<Declaration> = current.iter().map(|d| parse(&d.json)).collect();
    let before: Vec<Declaration> = before.iter().map(|d| parse(&d.json)).collect();
    let profile = Profile::builtin("cn").unwrap();
    let extracts =
        probity_check::RegistryExtracts::read_dir(&fixtures().join("registries")).unwrap();
    let checker = probity_check::Checker::new(&extracts);
    let mut findings = checker.check_all(&reports, &|_| Some(&profile));
    let checked = findings.len();
    let yoy = checker.year_over_year_all(
        &reports,
        &|d: &Declaration| before.iter().find(|b| b.declarant_id == d.declarant_id),
        &|_| Some(&profile),
    );
    findings.extend(yoy);
    // Each with the registry rows it names, as `verify_cycle` stores it.
    let ids: std::collections::HashSet<&str> = findings
        .iter()
        .flat_map(|f| f.registry_record_ids.iter().map(String::as_str))
        .collect();
    let rows = extracts.evidence(&ids);
    let evidence: Vec<probity_model::FindingEvidence> = findings
        .iter()
        .map(|f| probity_model::FindingEvidence {
            registry_rows: f
                .registry_record_ids
                .iter()
                .filter_map(|id| rows.get(id).cloned())
                .collect(),
            finding: f.clone(),
        })
        .collect();
    let recorded = db
        .store
        .record_verification(
            &s,
            &profile,
            2025,
            "all",
            &common::checked(&db.store, 2025).await,
            &evidence,
        )
        .await
        .unwrap();
    assert_eq!(recorded.findings, findings.len());
    assert_eq!(findings.len(), checked + 2, "{:#?}", &findings[checked..]);

    // Stored like the others: in report 2's case, classified review, the figures sealed in.
    let mut conn = db.store.connection().await.unwrap();
    let rows = sqlx::query(
        "SELECT c.declaration_id, f.category, f.kind, f.classification, f.rule, f.field \
         FROM findings f JOIN cases c ON c.id = f.case_id \
         WHERE f.kind IN ('vanished', 'excess_growth') ORDER BY f.id",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let got: Vec<(String, String, String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.try_get::<Option<String>, _>(5)
                    .unwrap()
                    .unwrap_or_default(),
            )
        })
        .collect();
    let row = |category: &str, kind: &str, rule: &str, field: &str| {
        (
            "D2025-000002".to_owned(),
            category.to_owned(),
            kind.to_owned(),
            "review".to_owned(),
            rule.to_owned(),
            field.to_owned(),
        )
    };
    assert_eq!(
        got,
        vec![
            row(
                "wealth",
                "excess_growth",
                "cn.review.excess_growth",
                "growth"
            ),
            row(
                "real_estate",
                "vanished",
                "cn.review.vanished",
                "certificate_number"
            ),
        ]
    );
    drop(conn);
    // The growth finding's sealed evidence carries the figures.
    let growth = findings
        .iter()
        .find(|f| f.kind == probity_model::FindingKind::ExcessGrowth)
        .unwrap();
    let report = reports
        .iter()
        .find(|d| d.declaration_id == "D2025-000002")
        .unwrap();
    let earlier = before
        .iter()
        .find(|d| d.declaration_id == "D2024-000002")
        .unwrap();
    let figures =
        probity_check::wealth::growth(report, earlier, &checker.income(report), &profile).unwrap();
    assert_eq!(figures.previous_declaration_id, "D2024-000002");
    assert!(figures.exceeds());
    assert!(
        growth
            .note
            .contains(&probity_check::wealth::yuan(figures.assets_before))
    );
    // The previous reports' read is in the log, naming each report read, and the chain holds.
    let mut conn = db.store.connection().await.unwrap();
    let payloads: Vec<String> = sqlx::query(
        "SELECT payload FROM audit_events WHERE action = 'declaration.read' AND subject = 'cycles/2024'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    drop(conn);
    assert_eq!(
        payloads,
        ["read declarations C2024-000001\nread declarations D2024-000002"]
    );
    verify_ok(db).await;
}

on_both!(group_commit, group_commit_case);
async fn group_commit_case(db: &Fresh) {
    use probity_model::declaration::ReportKind;
    load_small(&db.store).await;
    let store = std::sync::Arc::new(db.reopen().await);
    let text = std::fs::read_to_string(fixtures().join("declarations.jsonl")).unwrap();
    let (_, base, _) = parse_declarations(&text).remove(0);
    let person = store.person_key(&base.declarant_id);
    let before = store.count(&schema::DECLARATIONS).await.unwrap();
    let n: u32 = 40;
    let mut tasks = Vec::new();
    let mut submit = |d: probity_model::Declaration, actor: String| {
        let store = std::sync::Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let json = serde_json::to_string(&d).unwrap();
            let stamp = probity_store::Stamp::new("2026-02-01T09:00:00Z", actor);
            let filed = store.submit_declaration(&stamp, &d, &json).await;
            // Answered only once committed: any other connection sees the report at once.
            let seen = store
                .report_summary(&d.declaration_id)
                .await
                .unwrap()
                .is_some_and(|s| {
                    s.content_sha256 == probity_store::audit::sha256_hex(json.as_bytes())
                });
            (d.declaration_id.clone(), filed, seen)
        }));
    };
    for i in 0..n {
        let mut d = base.clone();
        d.kind = ReportKind::Change;
        d.declaration_id = format!("G{i}");
        submit(d, format!("web:g{i}"));
    }
    // Another report under an id taken in the same moment: one of the two is refused, alone.
    let mut clash = base.clone();
    clash.kind = ReportKind::Change;
    clash.declaration_id = "G7".into();
    clash.filed_on = probity_model::Date::parse("2026-01-30").unwrap();
    submit(clash, "web:clash".into());
    // Drafts saved meanwhile, each of another year (one the subject can owe, 2022 to 2026)
    // and kind.
    let slot = |i: i32| (2022 + i / 2, ["annual", "initial"][(i % 2) as usize]);
    let drafts: Vec<_> = (0..10)
        .map(|i| {
            let store = std::sync::Arc::clone(&store);
            let person = person.clone();
            let (year, kind) = slot(i);
            tokio::spawn(async move {
                store
                    .save_draft(&stamp(), &person, year, kind, &format!("{{\"n\": {i}}}"))
                    .await
            })
        })
        .collect();
    // The same draft saved twice at once: both land, in some order.
    let twice: Vec<_> = ["{\"n\": 0}", "{\"again\": 0}"]
        .into_iter()
        .map(|json| {
            let store = std::sync::Arc::clone(&store);
            let person = person.clone();
            tokio::spawn(async move {
                store
                    .save_draft(&stamp(), &person, 2022, "annual", json)
                    .await
            })
        })
        .collect();
    let mut refused = Vec::new();
    for task in tasks {
        let (id, filed, seen) = task.await.unwrap();
        match filed {
            Ok(outcome) => {
                assert_eq!(outcome.added, 1, "{id}");
                assert!(seen, "{id} answered before its commit");
            }
            Err(StoreError::Rejected { field, .. }) => {
                assert_eq!(field, "$.declaration_id");
                refused.push(id);
            }
            Err(e) => panic!("{id}: {e}"),
        }
    }
    assert_eq!(refused, vec!["G7".to_owned()]);
    for d in drafts.into_iter().chain(twice) {
        d.await.unwrap().unwrap();
    }
    for i in 1..10 {
        let (year, kind) = slot(i);
        let draft = store.draft(&person, year, kind).await.unwrap();
        assert_eq!(draft, Some(format!("{{\"n\": {i}}}")));
    }
    assert_eq!(
        store.count(&schema::DECLARATIONS).await.unwrap(),
        before + i64::from(n)
    );
    // Written together: fewer commits than writes.
    let (batches, writes) = store.group_commits();
    let first = store.draft(&person, 2022, "annual").await.unwrap().unwrap();
    assert!(
        ["{\"n\": 0}", "{\"again\": 0}"].contains(&first.as_str()),
        "{first}"
    );
    // Every write was taken in a batch: 41 submits (one refused, written again without it)
    // and 12 drafts.
    assert_eq!(writes, u64::from(n) + 1 + 12);
    assert!(batches < writes, "{batches} batches for {writes} writes");
    // Each event carries its own caller as actor, and the chain verifies.
    let mut conn = store.connection().await.unwrap();
    let actors: i64 = sqlx::query(
        "SELECT COUNT(DISTINCT actor) FROM audit_events WHERE action = 'declaration.import' AND actor LIKE 'web:%'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .get(0);
    assert_eq!(actors, i64::from(n));
    drop(conn);
    store.close().await;
    // A batch that cannot be written is answered as such, never as stored.
    assert!(matches!(
        store
            .save_draft(&stamp(), &person, 2023, "annual", "{}")
            .await,
        Err(StoreError::NotCommitted(_))
    ));
    verify_ok(db).await;
}

on_both!(accounts_in_batches, accounts_case);
async fn accounts_case(db: &Fresh) {
    use probity_store::{Role, User};
    load_small(&db.store).await;
    let s = stamp();
    let users: Vec<User> = (0..1200)
        .map(|i| User {
            username: format!("u{i:04}"),
            role: Role::Declarant,
            person_key: Some(format!("pk{i}")),
            password_hash: "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA".into(),
            disabled: false,
        })
        .collect();
    // A repeated or taken username refuses the whole batch: nothing is written.
    let mut repeated = users.clone();
    repeated.push(users[3].clone());
    assert!(matches!(
        db.store.create_users(&s, &repeated, true).await,
        Err(StoreError::Conflict(_))
    ));
    db.store.create_users(&s, &users[..1], false).await.unwrap();
    let head = db.store.checkpoint().await.unwrap();
    assert!(matches!(
        db.store.create_users(&s, &users, true).await,
        Err(StoreError::Conflict(m)) if m.code() == "username-taken"
    ));
    assert_eq!(db.store.checkpoint().await.unwrap(), head);
    db.store.create_users(&s, &users[1..], true).await.unwrap();
    assert_eq!(db.store.count(&schema::USERS).await.unwrap(), 1200);
    assert_eq!(
        db.store.user("u0700").await.unwrap().as_ref(),
        Some(&users[700])
    );
    assert!(!db.store.must_change_password("u0000").await.unwrap());
    assert!(db.store.must_change_password("u0700").await.unwrap());

    // The session is read with its account in one query, and says the password is initial.
    db.store
        .open_sessions(
            &s,
            &[("u0700".into(), "t700".into(), "c700".into())],
            "2026-02-01T17:00:00Z",
        )
        .await
        .unwrap();
    let session = db
        .store
        .session("t700", "2026-02-01T10:00:00Z")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.user, users[700]);
    assert_eq!(session.csrf, "c700");
    assert!(session.must_change_password);
    assert_eq!(
        db.store
            .session("t700", "2026-02-01T18:00:00Z")
            .await
            .unwrap(),
        None
    );
    // Disabling keeps the initial password in force; a new password ends it.
    let disabled = User {
        disabled: true,
        ..users[700].clone()
    };
    db.store.update_user(&s, &disabled).await.unwrap();
    assert!(db.store.must_change_password("u0700").await.unwrap());
    assert_eq!(
        db.store
            .session("t700", "2026-02-01T10:00:00Z")
            .await
            .unwrap(),
        None
    );
    let changed = User {
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3".into(),
        ..users[700].clone()
    };
    db.store.update_user(&s, &changed).await.unwrap();
    assert!(!db.store.must_change_password("u0700").await.unwrap());
    let session = db
        .store
        .session("t700", "2026-02-01T10:00:00Z")
        .await
        .unwrap()
        .unwrap();
    assert!(!session.must_change_password);
    verify_ok(db).await;
}

/// A new SQLite database is private, and so are its WAL and shared-memory files (SQLite gives
/// them the database's mode), and a backup.
#[cfg(unix)]
#[tokio::test]
async fn database_wal_shm_and_backup_files_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let keys = probity_store::Keyring::create(&dir.path().join("keys")).unwrap();
    let db = dir.path().join("p.db");
    let store = probity_store::Store::open(&format!("sqlite://{}", db.display()), keys)
        .await
        .unwrap();
    let roster = std::fs::read(fixtures().join("roster.csv")).unwrap();
    store
        .import_roster(&stamp(), "roster.csv", &roster)
        .await
        .unwrap();
    let backup = dir.path().join("backup.db");
    store.backup(&backup).await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    for f in ["p.db", "p.db-wal", "p.db-shm", "backup.db", "keys"] {
        assert_eq!(mode(&dir.path().join(f)), 0o600, "{f}");
    }
    store.close().await;
}

on_both!(drafts_only_for_years_due, drafts_only_for_years_due_case);
async fn drafts_only_for_years_due_case(db: &Fresh) {
    load_small(&db.store).await;
    // Subject since 2022-02-23; the stamp is of 2026.
    let person = db
        .store
        .keys()
        .blind_index("resident_id", "350111199006074875");
    let save = |year: i32, json: String| {
        let store = &db.store;
        let person = person.clone();
        async move {
            store
                .save_draft(&stamp(), &person, year, "annual", &json)
                .await
        }
    };
    for year in [2022, 2026] {
        save(year, "{}".into()).await.unwrap();
    }
    for year in [2021, 2027, i32::MAX, i32::MIN] {
        match save(year, "{}".into()).await {
            Err(StoreError::DraftRefused(why)) => assert_eq!(
                why,
                probity_store::DraftRefusal::NotDue {
                    year,
                    from: 2022,
                    to: 2026
                }
            ),
            other => panic!("{year}: {other:?}"),
        }
    }
    let big = format!(
        "\"{}\"",
        "x".repeat(probity_store::accounts::DRAFT_MAX_BYTES)
    );
    assert!(matches!(
        save(2025, big).await,
        Err(StoreError::DraftRefused(_))
    ));
    // Someone not on the roster keeps none.
    let stranger = db
        .store
        .keys()
        .blind_index("resident_id", "11010519491231002X");
    assert!(matches!(
        db.store
            .save_draft(&stamp(), &stranger, 2025, "annual", "{}")
            .await,
        Err(StoreError::DraftRefused(_))
    ));
    assert_eq!(db.store.drafts_of(&person).await.unwrap().len(), 2);
    verify_ok(db).await;
}

on_both!(roster_text_limits, roster_text_limits_case);
async fn roster_text_limits_case(db: &Fresh) {
    let s = stamp();
    let head = "id,name,unit,position,rank,sector,subject_since,status,flags\n\
                350111199006074875,陈良生,A局,副主席,vice_division,other,2022-02-23,active,\n";
    let nul = format!(
        "{head}350212197810284446,谢琴\0梅,B局,副厅长,vice_department,party_state,2022-12-16,active,\n"
    );
    let e = db
        .store
        .import_roster(&s, "roster.csv", nul.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "roster.csv:3: name: holds the control character U+0000"
    );
    let long = format!(
        "{head}350212197810284446,谢琴梅,B局,{},vice_department,party_state,2022-12-16,active,\n",
        "长".repeat(2000)
    );
    let e = db
        .store
        .import_roster(&s, "roster.csv", long.as_bytes())
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "roster.csv:3: position: 6000 bytes where a field holds at most 4096"
    );
    assert_eq!(db.store.count(&schema::SUBJECTS).await.unwrap(), 0);
}

async fn latest_stocks(db: &Fresh) -> String {
    let mut conn = db.store.connection().await.unwrap();
    sqlx::query(
        "SELECT file_sha256 FROM registry_batches WHERE id = \
         (SELECT MAX(id) FROM registry_batches WHERE source = 'stocks')",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap()
    .get::<String, _>(0)
}

on_both!(registry_reimport, registry_reimport_case);
async fn registry_reimport_case(db: &Fresh) {
    load_small(&db.store).await;
    let s = stamp();
    let stocks = |bytes: Vec<u8>| probity_store::RegistryFile {
        source: "stocks".into(),
        file_name: "stocks.csv".into(),
        rows: 1,
        bytes,
    };
    let first = std::fs::read(fixtures().join("registries/stocks.csv")).unwrap();
    let mut newer = first.clone();
    newer.extend(b"ST-new,350111199006074875,x,A1,600519,y,1,1,2026-01-31\r\n");
    let hash = |b: &[u8]| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b));
    // The same file as the latest: nothing written.
    let head = db.store.checkpoint().await.unwrap();
    let r = db
        .store
        .import_registry(&s, &[stocks(first.clone())])
        .await
        .unwrap();
    assert!(r.already);
    assert_eq!(db.store.checkpoint().await.unwrap(), head);
    // A newer file, then the first again: the first is the latest again, not skipped as seen.
    let r = db
        .store
        .import_registry(&s, &[stocks(newer)])
        .await
        .unwrap();
    assert_eq!(r.added, 1);
    let r = db
        .store
        .import_registry(&s, &[stocks(first.clone())])
        .await
        .unwrap();
    assert_eq!(r.added, 1, "imported again after a newer one");
    assert_eq!(latest_stocks(db).await, hash(&first));
    verify_ok(db).await;
}
