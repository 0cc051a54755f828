//! Unit tests of the PostgreSQL store that need no database.

use super::*;

#[test]
fn urls_lose_their_password_in_messages() {
    assert_eq!(
        redact("postgres://dcf:s3cret@db.example:5432/line"),
        "postgres://dcf:…@db.example:5432/line"
    );
    assert_eq!(
        redact("postgres://dcf@127.0.0.1:5432/line"),
        "postgres://dcf@127.0.0.1:5432/line"
    );
}

#[test]
fn an_unreachable_database_is_named() {
    let e =
        PgLog::open("postgres://dcf:pw@127.0.0.1:1/line").expect_err("nothing listens on port 1");
    let text = e.to_string();
    assert!(
        text.contains("cannot reach the database at postgres://dcf:…@127.0.0.1:1/line"),
        "{text}"
    );
    assert!(!text.contains("pw"), "{text}");
}
