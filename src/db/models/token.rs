//! One-time playback tokens of protected recordings: minted per format by getRecordings, consumed once by the
//! play route. Consumption is a conditional delete, so two instances sharing a database cannot both use one.

use diesel::prelude::*;

use crate::db::schema::recording_tokens;
use crate::db::{now_ms, write_transaction, DbConnection, DbError};

/// A new token: 64 lowercase hex characters.
pub fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Whether a text has the shape of a token.
pub fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Stores one new token per `(record_id, format)`, valid for `lifetime_ms`, and drops expired ones.
/// Returns the tokens in the order asked.
pub fn mint(conn: &mut DbConnection, wanted: &[(String, String)], lifetime_ms: i64) -> Result<Vec<String>, DbError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let tokens: Vec<String> = wanted.iter().map(|_| generate()).collect();
    write_transaction(conn, |conn| {
        diesel::delete(recording_tokens::table.filter(recording_tokens::expires_at.lt(now))).execute(conn)?;
        for ((record_id, format), token) in wanted.iter().zip(&tokens) {
            diesel::insert_into(recording_tokens::table)
                .values((
                    recording_tokens::token.eq(token),
                    recording_tokens::record_id.eq(record_id),
                    recording_tokens::format.eq(format),
                    recording_tokens::expires_at.eq(now + lifetime_ms),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    Ok(tokens)
}

/// Uses up a token for this recording and format: true only for the one caller that deletes a live,
/// matching token.
pub fn consume(conn: &mut DbConnection, token: &str, record_id: &str, format: &str) -> Result<bool, DbError> {
    let deleted = diesel::delete(
        recording_tokens::table
            .filter(recording_tokens::token.eq(token))
            .filter(recording_tokens::record_id.eq(record_id))
            .filter(recording_tokens::format.eq(format))
            .filter(recording_tokens::expires_at.ge(now_ms())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}
