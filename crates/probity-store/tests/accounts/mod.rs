//! Sign-in bookkeeping and account help (issue 12, item 5), on both databases: failures counted
//! per typed name in the write that admits the attempt, a lock never shortened by later
//! failures, parallel attempts that cannot outrun it, resets and unlocks audited, other sessions
//! ended, and the second factor's secret sealed.

use probity_store::{Attempt, Role, Stamp, StoreError, User};

use crate::common::{Fresh, load_small};
use crate::on_both;

fn at(time: &str) -> Stamp {
    Stamp::new(format!("2026-02-01T{time}.000Z"), "web:anonymous")
}

fn staff(name: &str) -> User {
    User {
        username: name.into(),
        role: Role::Administrator,
        person_key: None,
        password_hash: "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$aGFzaA".into(),
        disabled: false,
    }
}

on_both!(lockout_per_name, lockout);
async fn lockout(db: &Fresh) {
    let store = &db.store;
    load_small(store).await;
    store
        .create_user(&at("08:00:00"), &staff("admin"))
        .await
        .unwrap();
    let until = "2026-02-01T08:15:00.000Z";
    for name in ["admin", "nobody"] {
        for n in 1..=3 {
            let a = store
                .begin_sign_in(&at("08:00:00"), name, 3, until)
                .await
                .unwrap();
            let locks = (n == 3).then(|| until.to_owned());
            assert_eq!(
                a,
                Attempt::Check {
                    failures: n,
                    locks_until: locks
                }
            );
        }
        // Locked: later attempts are refused unchecked and neither reset nor shorten the lock.
        for _ in 0..5 {
            let a = store
                .begin_sign_in(&at("08:01:00"), name, 3, "2026-02-01T08:02:00.000Z")
                .await
                .unwrap();
            assert_eq!(
                a,
                Attempt::Locked {
                    until: until.into()
                }
            );
        }
        assert_eq!(
            store
                .locked_until(name, "2026-02-01T08:14:00.000Z")
                .await
                .unwrap(),
            Some(until.to_owned())
        );
        // Once it has run out, the count starts again.
        let a = store
            .begin_sign_in(&at("08:16:00"), name, 3, "2026-02-01T08:31:00.000Z")
            .await
            .unwrap();
        assert!(
            matches!(
                a,
                Attempt::Check {
                    failures: 1,
                    locks_until: None
                }
            ),
            "{a:?}"
        );
    }
    // The typed names are not kept in clear.
    let mut conn = store.connection().await.unwrap();
    let kept: Vec<String> = sqlx::query("SELECT username FROM login_failures")
        .fetch_all(&mut *conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::get(r, 0))
        .collect();
    assert_eq!(kept.len(), 2);
    assert!(!kept.iter().any(|k| k == "admin" || k == "nobody"));
}

on_both!(parallel_attempts, parallel);
async fn parallel(db: &Fresh) {
    let store = std::sync::Arc::new(db.reopen().await);
    load_small(&store).await;
    store
        .create_user(&at("08:00:00"), &staff("admin"))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let store = std::sync::Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            store
                .begin_sign_in(&at("08:00:00"), "admin", 5, "2026-02-01T08:15:00.000Z")
                .await
                .unwrap()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        if matches!(t.await.unwrap(), Attempt::Check { .. }) {
            checked += 1;
        }
    }
    assert_eq!(checked, 5, "at most five passwords checked");
    store.close().await;
}

on_both!(account_help, help);
async fn help(db: &Fresh) {
    let store = &db.store;
    load_small(store).await;
    let s = at("08:00:00");
    store.create_user(&s, &staff("admin")).await.unwrap();
    for token in ["t1", "t2", "t3"] {
        store
            .open_session(&s, "admin", token, "c", "2026-02-01T16:00:00.000Z")
            .await
            .unwrap();
    }
    // A password change keeps the session that made it, ends the others.
    assert_eq!(
        store.end_other_sessions(&s, "admin", "t2").await.unwrap(),
        2
    );
    let live = |t: &'static str| async move {
        store
            .session(t, "2026-02-01T09:00:00.000Z")
            .await
            .unwrap()
            .is_some()
    };
    assert!(!live("t1").await && live("t2").await && !live("t3").await);
    // Unlock lifts a lock; reset gives a new initial password, ends every session, lifts the
    // lock and removes the second factor.
    for _ in 0..5 {
        store
            .begin_sign_in(&s, "admin", 5, "2026-02-01T08:15:00.000Z")
            .await
            .unwrap();
    }
    assert!(store.unlock_user(&at("08:01:00"), "admin").await.unwrap());
    assert!(!store.unlock_user(&at("08:01:00"), "admin").await.unwrap());
    assert!(matches!(
        store.unlock_user(&s, "nobody").await,
        Err(StoreError::Conflict(_))
    ));
    store.enrol_totp(&s, "admin", &[7u8; 20]).await.unwrap();
    assert_eq!(
        store.totp_secret("admin").await.unwrap(),
        Some(vec![7u8; 20])
    );
    let mut conn = store.connection().await.unwrap();
    let sealed: Vec<u8> = sqlx::Row::get(
        &sqlx::query("SELECT secret FROM user_totp")
            .fetch_one(&mut *conn)
            .await
            .unwrap(),
        0,
    );
    assert!(
        !sealed.windows(20).any(|w| w == [7u8; 20]),
        "sealed at rest"
    );
    drop(conn);
    store
        .reset_password(
            &at("08:02:00"),
            "admin",
            "$argon2id$v=19$m=4096,t=1,p=1$c2FsdA$bmV3",
        )
        .await
        .unwrap();
    assert!(store.must_change_password("admin").await.unwrap());
    assert!(!live("t2").await);
    assert_eq!(store.totp_secret("admin").await.unwrap(), None);
    assert!(matches!(
        store.reset_password(&s, "nobody", "x").await,
        Err(StoreError::Conflict(_))
    ));
    // Scope: staff's managed units; a declarant's unit on the roster.
    assert_eq!(store.account_units("admin").await.unwrap(), Some(vec![]));
    assert_eq!(store.account_units("nobody").await.unwrap(), None);
    match store.verify_audit(None).await.unwrap() {
        Ok(_) => {}
        Err(unfit) => panic!("audit verify failed: {unfit}"),
    }
}
