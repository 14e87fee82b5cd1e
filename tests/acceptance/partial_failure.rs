//! Partial failure: a create that fails half-way leaves state pointing at what exists.
