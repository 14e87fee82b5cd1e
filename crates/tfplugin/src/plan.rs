//! Planning as the HashiCorp framework does it, from the schema's flags:
//! defaults, write-only nulls, RequiresReplace(If), UseStateForUnknown and
//! "known after apply" for computed attributes; then the resource's own
//! `modify_plan`. Also what every state goes through before Terraform sees it.

use super::diag::{AttrPath, Diagnostics};
use super::framework::{PlanRequest, PlanResponse, Private, Resource};
use super::schema::{Attribute, Block, ReplaceIfRequest};
use super::value::Value;

/// Plans a create or update: the schema's planning, then the resource's
/// `modify_plan`. `diags` holds what decoding the request already found.
pub(crate) async fn plan_change(
    resource: &dyn Resource,
    block: &Block,
    req: PlanRequest,
    proposed: &Value,
    diags: Diagnostics,
) -> PlanResponse {
    let (planned, requires_replace) =
        plan_from_schema(block, &req.config, &req.prior, &req.prior_private, proposed);
    let mut resp = PlanResponse {
        planned,
        requires_replace,
        private: req.prior_private.clone(),
        diags,
    };
    resource.modify_plan(&req, &mut resp).await;
    resp
}

/// The framework's planning: defaults, write-only nulls, replacement and
/// "known after apply" for computed attributes, from the schema's flags.
pub fn plan_from_schema(
    block: &Block,
    config: &Value,
    prior: &Value,
    prior_private: &Private,
    proposed: &Value,
) -> (Value, Vec<AttrPath>) {
    let mut planned = proposed.clone();
    for a in &block.attributes {
        if a.write_only {
            planned.set(&a.name, Value::Null);
        } else if let Some(default) = &a.default
            && config.get(&a.name).is_null()
        {
            planned.set(&a.name, default.clone());
        }
    }
    let creating = prior.is_null();
    let mut replace = Vec::new();
    if !creating {
        for a in &block.attributes {
            if changes_need_replacement(a, config, prior, prior_private, &planned) {
                replace.push(AttrPath::root(&a.name));
            }
        }
        for b in block.blocks.iter().filter(|b| b.requires_replace) {
            if !planned.get(&b.name).same_as(prior.get(&b.name)) {
                replace.push(AttrPath::root(&b.name));
            }
        }
    }
    let changed = creating || !planned.same_as(prior);
    if changed {
        for a in block
            .attributes
            .iter()
            .filter(|a| is_provider_computed(a, config))
        {
            if creating || !a.use_state_for_unknown {
                planned.set(&a.name, Value::Unknown);
            }
        }
    }
    (planned, replace)
}

/// RequiresReplace and RequiresReplaceIf of an existing object's attribute.
fn changes_need_replacement(
    a: &Attribute,
    config: &Value,
    prior: &Value,
    prior_private: &Private,
    planned: &Value,
) -> bool {
    let (before, after) = (prior.get(&a.name), planned.get(&a.name));
    if after.same_as(before) {
        return false;
    }
    let req = ReplaceIfRequest {
        config: config.get(&a.name),
        prior: before,
        planned: after,
        config_object: config,
        prior_object: prior,
        planned_object: planned,
        prior_private,
    };
    a.requires_replace || a.requires_replace_if.iter().any(|r| (r.check)(&req))
}

/// Computed attributes the configuration leaves to the provider.
fn is_provider_computed(a: &Attribute, config: &Value) -> bool {
    a.computed && a.default.is_none() && config.get(&a.name).is_null()
}

/// Makes a state safe to hand back: no unknowns, no write-only values.
pub(crate) fn finish_state(block: &Block, state: &mut Value) {
    if state.is_null() {
        return;
    }
    for a in &block.attributes {
        if a.write_only || state.get(&a.name).is_unknown() {
            state.set(&a.name, Value::Null);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> Block {
        Block::new("test")
            .attribute(Attribute::string("id").computed().use_state_for_unknown())
            .attribute(Attribute::string("name").required().requires_replace())
            .attribute(Attribute::bool("flag").default(Value::Bool(false)))
            .attribute(Attribute::string("updated").computed())
            .attribute(Attribute::string("secret_wo").optional().write_only())
    }

    #[test]
    fn create_marks_computed_unknown_and_applies_defaults() {
        let config = Value::object()
            .with("name", Value::string("a"))
            .with("secret_wo", Value::string("s"));
        let (planned, replace) = plan_from_schema(
            &block(),
            &config,
            &Value::Null,
            &Private::default(),
            &config,
        );
        assert!(planned.get("id").is_unknown());
        assert!(planned.get("updated").is_unknown());
        assert_eq!(planned.get("flag"), &Value::Bool(false));
        assert!(planned.get("secret_wo").is_null());
        assert!(replace.is_empty());
    }

    #[test]
    fn unchanged_plan_keeps_everything_and_changed_name_replaces() {
        let prior = Value::object()
            .with("id", Value::string("1"))
            .with("name", Value::string("a"))
            .with("flag", Value::Bool(false))
            .with("updated", Value::string("t"));
        let config = Value::object().with("name", Value::string("a"));
        let (planned, replace) =
            plan_from_schema(&block(), &config, &prior, &Private::default(), &prior);
        assert!(planned.same_as(&prior));
        assert!(replace.is_empty());

        let proposed = prior.clone().with("name", Value::string("b"));
        let config = Value::object().with("name", Value::string("b"));
        let (planned, replace) =
            plan_from_schema(&block(), &config, &prior, &Private::default(), &proposed);
        assert_eq!(replace, vec![AttrPath::root("name")]);
        assert_eq!(
            planned.get("id").as_str(),
            Some("1"),
            "UseStateForUnknown keeps the id"
        );
        assert!(planned.get("updated").is_unknown());
    }

    /// Replaced when the number goes down, like a disk that can only grow.
    fn shrinks(req: &ReplaceIfRequest) -> bool {
        assert!(
            !req.prior_object.is_null(),
            "only asked for an existing object"
        );
        assert_eq!(req.config_object.get("size"), req.config);
        assert_eq!(req.planned_object.get("size"), req.planned);
        match (req.prior.as_i64(), req.planned.as_i64()) {
            (Some(before), Some(after)) => after < before,
            _ => false,
        }
    }

    fn sized() -> Block {
        Block::new("test")
            .attribute(Attribute::string("id").computed().use_state_for_unknown())
            .attribute(
                Attribute::number("size")
                    .required()
                    .requires_replace_if(shrinks, "Lowering it replaces the object."),
            )
    }

    #[test]
    fn requires_replace_if_replaces_only_when_the_check_says_so() {
        let prior = Value::object()
            .with("id", Value::string("1"))
            .with("size", Value::int(10));
        let plan = |size: i64| {
            let config = Value::object().with("size", Value::int(size));
            let proposed = prior.clone().with("size", Value::int(size));
            plan_from_schema(&sized(), &config, &prior, &Private::default(), &proposed).1
        };
        assert_eq!(plan(5), vec![AttrPath::root("size")]);
        assert!(plan(20).is_empty(), "growing is an update");
        assert!(plan(10).is_empty(), "no change, no question");
    }

    #[test]
    fn requires_replace_if_is_not_asked_on_create_or_without_a_change() {
        fn never_asked(_: &ReplaceIfRequest) -> bool {
            panic!("RequiresReplaceIf consulted")
        }
        let block = Block::new("test").attribute(
            Attribute::number("size")
                .required()
                .requires_replace_if(never_asked, "never"),
        );
        let config = Value::object().with("size", Value::int(1));
        let (_, replace) =
            plan_from_schema(&block, &config, &Value::Null, &Private::default(), &config);
        assert!(replace.is_empty());
        let (_, replace) = plan_from_schema(&block, &config, &config, &Private::default(), &config);
        assert!(replace.is_empty());
    }
}
