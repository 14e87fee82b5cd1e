//! Members as the API member and API key resources and the `connectwise_member` data source
//! look them up: "there is none" is an answer, not an error.

use api_client::{ConnectWise, Error, Member};

/// `Ok(None)` when the call answered "not found"; other errors stay errors.
pub fn none_if_not_found<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The member (of any license class) with record id `id`; `Ok(None)` when there is none.
pub async fn get_member(cw: &ConnectWise, id: i32) -> Result<Option<Member>, Error> {
    none_if_not_found(cw.members().get(id).await)
}
