//! `db::write_transaction` on PostgreSQL: a transaction the server aborts to break a deadlock is run again and
//! succeeds; any other error is returned at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use common::{connect, Backend, TestDb};
use diesel::RunQueryDsl;
use scalelite::db::{write_transaction, DbConnection, DbError};

fn add_server(conn: &mut DbConnection, id: &str) -> Result<usize, DbError> {
    let sql = format!(
        "INSERT INTO servers (id, url, secret, state, load_multiplier, created_at, updated_at) \
         VALUES ('{id}', 'https://{id}/', 's', 'enabled', 1.0, 0, 0)"
    );
    Ok(diesel::sql_query(sql).execute(conn)?)
}

fn touch(conn: &mut DbConnection, id: &str) -> Result<usize, DbError> {
    Ok(diesel::sql_query(format!("UPDATE servers SET updated_at = updated_at + 1 WHERE id = '{id}'")).execute(conn)?)
}

/// Two transactions lock two rows in opposite orders, meeting between the two: a sure deadlock. PostgreSQL aborts
/// one; it is run again (without the meeting) and both commit, each change kept once.
#[test]
fn a_deadlocked_transaction_is_run_again() {
    let db = TestDb::new(Backend::Postgres);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    add_server(&mut conn, "a").unwrap();
    add_server(&mut conn, "b").unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let runs = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = [("a", "b"), ("b", "a")]
        .into_iter()
        .map(|(first, second)| {
            let (mut conn, barrier, runs) = (connect(&db), barrier.clone(), runs.clone());
            std::thread::spawn(move || {
                let mut attempt = 0;
                write_transaction(&mut conn, |conn| {
                    attempt += 1;
                    runs.fetch_add(1, Ordering::SeqCst);
                    touch(conn, first)?;
                    if attempt == 1 {
                        barrier.wait();
                    }
                    touch(conn, second)
                })
            })
        })
        .collect();
    for worker in workers {
        assert_eq!(worker.join().unwrap().unwrap(), 1);
    }
    // At least one ran again; the run again may meet the other's lock before it does and deadlock once more.
    let runs = runs.load(Ordering::SeqCst);
    assert!((3..=10).contains(&runs), "{runs} runs");
    let total: Vec<Total> =
        diesel::sql_query("SELECT sum(updated_at)::bigint AS n FROM servers").load(&mut conn).unwrap();
    assert_eq!(total[0].n, 4, "each transaction's two changes were kept once");
}

#[derive(diesel::QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// An error that another run would not mend (a duplicate key) is returned after one run, the transaction undone.
#[test]
fn other_errors_are_not_tried_again() {
    let db = TestDb::new(Backend::Postgres);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let mut runs = 0;
    let result = write_transaction(&mut conn, |conn| {
        runs += 1;
        add_server(conn, "c")?;
        add_server(conn, "c")
    });
    assert!(result.unwrap_err().is_unique_violation());
    assert_eq!(runs, 1);
    assert_eq!(diesel::sql_query("SELECT id FROM servers").execute(&mut conn).unwrap(), 0, "undone");
}
