//! Decoding a value that is null where there is no object: the prior state on create, the
//! planned state on destroy.

use tfplugin::{Diagnostics, Model, Value};

/// `Some(None)` for null, `Some(Some(model))` for an object; `None` when the value does not
/// decode (the error is in `diags`).
pub fn decode_nullable<M: Model>(value: &Value, diags: &mut Diagnostics) -> Option<Option<M>> {
    if value.is_null() {
        return Some(None);
    }
    M::decode_into(value, diags).map(Some)
}
