//! One module function's permission as `connectwise_role_permission` and a
//! `connectwise_role_permission_set`'s `permission` block both write it: its model, its levels,
//! and the plan-time checks against the provider's catalogue.

use std::collections::BTreeSet;

use api_client::{CustomizeItem, Level, LevelField};
use tfplugin::{AttrPath, Diagnostic, Diagnostics, Field, Model, Set, Val};

use super::ids::parse_record_id;
use crate::catalogue::{self, Function};

/// The level attributes, in UI order, with the API field each maps onto.
pub const LEVEL_ATTRS: [(&str, LevelField); 4] = [
    ("add_level", LevelField::Add),
    ("edit_level", LevelField::Edit),
    ("delete_level", LevelField::Delete),
    ("inquire_level", LevelField::Inquire),
];

/// The suffix the security role screen shows after customizable functions.
const CUSTOMIZE_SUFFIX: &str = "(customize)";

/// A customize allow-list (`allowed_tables`) as configuration, plan and state hold it: null,
/// unknown, or a set of strings (in a configuration an element may still be unknown).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tables(pub Val<Set<Val<String>>>);

impl Field for Tables {
    fn decode_field(value: &tfplugin::Value, path: &AttrPath) -> Result<Self, Diagnostic> {
        Val::decode_field(value, path).map(Tables)
    }
    fn encode_field(&self) -> tfplugin::Value {
        self.0.encode_field()
    }
}

impl Tables {
    /// A known set of these entries.
    pub fn of<I: IntoIterator<Item = String>>(entries: I) -> Tables {
        Tables(Val::Known(Set(entries
            .into_iter()
            .map(Val::Known)
            .collect())))
    }

    /// The known entries (unknown and null elements skipped).
    pub fn strings(&self) -> Vec<String> {
        match &self.0 {
            Val::Known(set) => set.0.iter().filter_map(|e| e.known().cloned()).collect(),
            _ => Vec::new(),
        }
    }

    /// Neither the list nor an entry is unknown (null counts as known).
    pub fn is_wholly_known(&self) -> bool {
        match &self.0 {
            Val::Unknown => false,
            Val::Known(set) => set.0.iter().all(|e| !e.is_unknown()),
            Val::Null => true,
        }
    }

    /// The allow-list as state holds it: the server's items, or when there are none the prior
    /// form (`[]` stays `[]`, null stays null); the prior as it is when it has the same entries.
    pub fn from_items(items: &[CustomizeItem], prior: &Tables) -> Tables {
        if items.is_empty() {
            return if prior.0.is_null() {
                Tables(Val::Null)
            } else {
                Tables::of([])
            };
        }
        let same = prior.is_wholly_known()
            && prior
                .strings()
                .iter()
                .collect::<BTreeSet<_>>()
                .eq(&items.iter().map(|i| &i.item_identifier).collect());
        if same {
            prior.clone()
        } else {
            Tables::of(items.iter().map(|i| i.item_identifier.clone()))
        }
    }
}

/// The attributes of one permission: a `permission` block of a set, and the same attributes of
/// `connectwise_role_permission`.
#[derive(Model, Clone, Debug, Default, PartialEq)]
pub struct Permission {
    pub module: Val<String>,
    pub function: Val<String>,
    pub add_level: Val<String>,
    pub edit_level: Val<String>,
    pub delete_level: Val<String>,
    pub inquire_level: Val<String>,
    pub allowed_tables: Tables,
}

impl Permission {
    /// The four levels, in the order of [`LEVEL_ATTRS`].
    pub fn levels(&self) -> [&Val<String>; 4] {
        [
            &self.add_level,
            &self.edit_level,
            &self.delete_level,
            &self.inquire_level,
        ]
    }

    /// The four levels to write, in the order of [`LEVEL_ATTRS`].
    pub fn levels_mut(&mut self) -> [&mut Val<String>; 4] {
        [
            &mut self.add_level,
            &mut self.edit_level,
            &mut self.delete_level,
            &mut self.inquire_level,
        ]
    }

    /// The four desired levels (null means `None`).
    pub fn desired_levels(&self) -> [Level; 4] {
        self.levels().map(parse_level)
    }

    /// Sets the four levels from a settings row's.
    pub fn set_levels(&mut self, levels: [Option<Level>; 4]) {
        for (v, level) in self.levels_mut().into_iter().zip(levels) {
            *v = level_name(level);
        }
    }

    /// Nothing in it is unknown.
    pub fn is_wholly_known(&self) -> bool {
        [&self.module, &self.function]
            .into_iter()
            .chain(self.levels())
            .all(|v| !v.is_unknown())
            && self.allowed_tables.is_wholly_known()
    }

    /// The catalogue function it names, when module and function are known and exist.
    pub fn catalogue_function(&self) -> Option<&'static Function> {
        lookup(self.module.as_str()?, self.function.as_str()?)
    }

    /// The desired settings in one line, e.g. `add_level=All edit_level=All ... allowed_tables=[]`.
    pub fn fingerprint(&self) -> String {
        let mut parts: Vec<String> = LEVEL_ATTRS
            .iter()
            .zip(self.levels())
            .map(|((attr, _), v)| format!("{attr}={}", parse_level(v)))
            .collect();
        let tables: BTreeSet<String> = self.allowed_tables.strings().into_iter().collect();
        parts.push(format!(
            "allowed_tables=[{}]",
            tables.into_iter().collect::<Vec<_>>().join(", ")
        ));
        parts.join(" ")
    }
}

/// A level as state holds it; a missing level reads `None`.
pub fn level_name(level: Option<Level>) -> Val<String> {
    Val::Known(level.unwrap_or(Level::None).as_str().to_string())
}

/// A level attribute's value; null (unset) means `None`.
pub fn parse_level(v: &Val<String>) -> Level {
    match v.as_str() {
        Some("My") => Level::My,
        Some("All") => Level::All,
        Some("None") | None => Level::None,
        Some(_) => Level::Unknown,
    }
}

/// Where the attributes of one permission live in a configuration.
pub struct Paths {
    base: Option<AttrPath>,
    label: String,
}

impl Paths {
    /// Top-level attributes (`connectwise_role_permission`).
    pub fn root() -> Paths {
        Paths {
            base: None,
            label: String::new(),
        }
    }

    /// Attributes of one element of a block set: diagnostics go on the block
    /// and name the element (set elements have no stable index).
    pub fn element(block: &str, label: String) -> Paths {
        Paths {
            base: Some(AttrPath::root(block)),
            label,
        }
    }

    fn path(&self, attr: &str) -> AttrPath {
        match &self.base {
            Some(p) => p.clone(),
            None => AttrPath::root(attr),
        }
    }

    /// The path of one allow-list entry (the block itself inside a set).
    fn entry_path(&self, item: &str) -> AttrPath {
        match &self.base {
            Some(p) => p.clone(),
            None => AttrPath::root("allowed_tables").key(item),
        }
    }

    fn name(&self, attr: &str) -> String {
        if self.label.is_empty() {
            attr.to_string()
        } else {
            format!("{} {attr}", self.label)
        }
    }
}

/// A catalogue function by its exact module and function names (a trailing
/// "(customize)" on the function is ignored).
pub fn lookup(module: &str, function: &str) -> Option<&'static Function> {
    let function = function
        .strip_suffix(CUSTOMIZE_SUFFIX)
        .map(str::trim_end)
        .unwrap_or(function);
    catalogue::functions()
        .iter()
        .find(|f| f.module == module && f.function == function)
}

/// The error text for a module name the catalogue does not know, with the closest names.
pub fn unknown_module_detail(module: &str) -> String {
    let names: Vec<&str> = catalogue::modules().iter().map(|m| m.name).collect();
    let wanted = module.trim().to_lowercase();
    let close = catalogue::modules().iter().find(|m| {
        m.name.to_lowercase() == wanted
            || m.identifier.to_lowercase() == wanted
            || catalogue::edit_distance(&m.name.to_lowercase(), &wanted) <= 2
    });
    let hint = match close {
        Some(m) => format!(" Did you mean {:?}?", m.name),
        None => String::new(),
    };
    format!(
        "{module:?} is not a ConnectWise security module (names are case-sensitive, as the \
         security role screen shows them).{hint} The modules are: {}. The \
         connectwise_security_modules data source lists every function.",
        names.join(", ")
    )
}

/// The error text for a module/function pair the catalogue does not know.
pub fn unknown_function_detail(module: &str, function: &str) -> String {
    let mut hints = catalogue::suggest(module, function);
    if let Some(f) = catalogue::find_ignore_case(module, function) {
        let exact = format!("{} > {}", f.module, f.function);
        hints.retain(|h| *h != exact);
        hints.insert(0, exact);
    }
    let hint = if hints.is_empty() {
        let modules: Vec<&str> = catalogue::modules().iter().map(|m| m.name).collect();
        format!(
            " The modules are: {}. The connectwise_security_modules data source lists every \
             function.",
            modules.join(", ")
        )
    } else {
        format!(" Did you mean: {}?", hints.join("; "))
    };
    format!(
        "{module} > {function} is not a ConnectWise module function (names are case-sensitive).{hint}"
    )
}

/// `<role name>/<module>/<function>`: the longest catalogue "module/function"
/// the id ends with, and the role name before it.
pub fn split_named_id(id: &str) -> Option<(&str, &'static Function)> {
    catalogue::functions()
        .iter()
        .filter_map(|f| {
            let tail = format!("/{}/{}", f.module, f.function);
            let tail_customize = format!("{tail} {CUSTOMIZE_SUFFIX}");
            [tail_customize, tail].into_iter().find_map(|t| {
                id.strip_suffix(&t)
                    .filter(|role| !role.trim().is_empty())
                    .map(|role| (role, f, t.len()))
            })
        })
        .max_by_key(|(_, _, len)| *len)
        .map(|(role, f, _)| (role, f))
}

/// A string attribute as error messages show it.
pub fn show(v: &Val<String>) -> String {
    match v {
        Val::Known(s) => format!("{s:?}"),
        Val::Null => "null".into(),
        Val::Unknown => "an unknown value".into(),
    }
}

/// A known `role_id` must be a security role's numeric record id (caught before any call).
pub fn check_role_id(role_id: &Val<String>, diags: &mut Diagnostics) {
    if role_id.as_str().is_some() && role_id.as_str().and_then(parse_record_id).is_none() {
        diags.attr_error(
            AttrPath::root("role_id"),
            "Invalid role id",
            format!(
                "role_id must be a security role's numeric record id (e.g. \
                 connectwise_security_role.umbrella.id), got {}.",
                show(role_id)
            ),
        );
    }
}

/// Plan-time checks of one permission (module, function, levels, allowed_tables)
/// against the catalogue; unknown values are skipped. Answers the function.
pub fn check_permission(
    p: &Permission,
    paths: &Paths,
    diags: &mut Diagnostics,
) -> Option<&'static Function> {
    let (Some(module), Some(function)) = (p.module.as_str(), p.function.as_str()) else {
        return None;
    };
    // Blank names are reported by the schema's `NotBlank` validators.
    if module.trim().is_empty() || function.trim().is_empty() {
        return None;
    }
    if !catalogue::modules().iter().any(|m| m.name == module) {
        diags.attr_error(
            paths.path("module"),
            "Unknown module",
            format!(
                "Attribute {}: {}",
                paths.name("module"),
                unknown_module_detail(module)
            ),
        );
        return None;
    }
    let Some(f) = lookup(module, function) else {
        diags.attr_error(
            paths.path("function"),
            "Unknown module function",
            format!(
                "Attribute {}: {}",
                paths.name("function"),
                unknown_function_detail(module, function)
            ),
        );
        return None;
    };
    for ((attr, _), level) in LEVEL_ATTRS.iter().zip(p.levels()) {
        if level.as_str() == Some("My") && !f.my_all {
            diags.attr_error(
                paths.path(attr),
                "Level not available for this function",
                format!(
                    "Attribute {}: {} > {} has no My/All distinction, so its levels are None or \
                     All; \"My\" is not allowed.",
                    paths.name(attr),
                    f.module,
                    f.function
                ),
            );
        }
    }
    let items = p.allowed_tables.strings();
    if !items.is_empty() {
        match f.customize {
            None => not_customizable(f, paths, diags),
            Some(customize_id) => check_entries(f, customize_id, &items, paths, diags),
        }
    }
    Some(f)
}

/// An allow-list on a function without one.
fn not_customizable(f: &Function, paths: &Paths, diags: &mut Diagnostics) {
    let customizable: Vec<&str> = catalogue::functions()
        .iter()
        .filter(|c| c.module == f.module && c.customize.is_some())
        .map(|c| c.function)
        .collect();
    let hint = if customizable.is_empty() {
        String::new()
    } else {
        format!(
            " The customizable functions of {} are: {}.",
            f.module,
            customizable.join(", ")
        )
    };
    diags.attr_error(
        paths.path("allowed_tables"),
        "Not a customizable function",
        format!(
            "Attribute {}: {} > {} has no \"customize\" allow-list; remove \
             allowed_tables.{hint}",
            paths.name("allowed_tables"),
            f.module,
            f.function
        ),
    );
}

/// Every allow-list entry must be one the catalogue knows for the function.
fn check_entries(
    f: &Function,
    customize_id: &str,
    items: &[String],
    paths: &Paths,
    diags: &mut Diagnostics,
) {
    let allowed = catalogue::allowed_items(customize_id);
    for item in items {
        if allowed.contains(&item.as_str()) {
            continue;
        }
        let hints = catalogue::suggest_items(customize_id, item);
        let hint = if hints.is_empty() {
            " The connectwise_security_modules data source lists the allowed items.".to_string()
        } else {
            format!(" Did you mean: {}?", hints.join("; "))
        };
        diags.attr_error(
            paths.entry_path(item),
            "Unknown allow-list entry",
            format!(
                "Attribute {}: {item:?} is not an entry of the {} > {} allow-list \
                 (entries are written as the UI shows them, e.g. \"Service / \
                 Priority\").{hint}",
                paths.name("allowed_tables"),
                f.module,
                f.function
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfplugin::Value;

    #[test]
    fn named_import_ids_split_from_the_right() {
        let (role, f) = split_named_id("Umbrella/System/Table Setup").unwrap();
        assert_eq!(role, "Umbrella");
        assert_eq!(f.function, "Table Setup");
        let (role, f) =
            split_named_id("PSA/Umbrella/Companies/Company/Contact Group Maintenance").unwrap();
        assert_eq!(role, "PSA/Umbrella");
        assert_eq!(f.function, "Company/Contact Group Maintenance");
        assert!(split_named_id("System/Table Setup").is_none());
        assert!(split_named_id("Umbrella/System/Nope").is_none());
    }

    #[test]
    fn an_unknown_module_is_reported_on_module_with_the_closest_name() {
        let p = Permission {
            module: Val::Known("Sytem".into()),
            function: Val::Known("Table Setup".into()),
            ..Permission::default()
        };
        let mut diags = Diagnostics::new();
        assert!(check_permission(&p, &Paths::root(), &mut diags).is_none());
        assert_eq!(diags.0.len(), 1, "{diags:?}");
        assert_eq!(diags.0[0].path, Some(AttrPath::root("module")));
        assert!(
            diags.0[0].detail.contains("Did you mean \"System\""),
            "{diags:?}"
        );
        assert!(unknown_module_detail("ServiceDesk").contains("\"Service Desk\""));
        let blank = Permission {
            module: Val::Known(" ".into()),
            ..p
        };
        let mut diags = Diagnostics::new();
        check_permission(&blank, &Paths::root(), &mut diags);
        assert!(
            diags.0.is_empty(),
            "blank is NotBlank's to report: {diags:?}"
        );
    }

    #[test]
    fn lookup_ignores_the_customize_suffix_only() {
        assert!(lookup("System", "Table Setup (customize)").is_some());
        assert!(lookup("System", "table setup").is_none());
        let detail = unknown_function_detail("System", "table setup");
        assert!(detail.contains("System > Table Setup"), "{detail}");
    }

    #[test]
    fn empty_allow_list_keeps_the_prior_form() {
        assert_eq!(
            Tables::from_items(&[], &Tables(Val::Null)),
            Tables(Val::Null)
        );
        assert_eq!(Tables::from_items(&[], &Tables::of([])), Tables::of([]));
        assert_eq!(Tables::of([]).encode_field(), Value::Set(Vec::new()));
    }

    #[test]
    fn allow_lists_with_unknown_entries_decode_and_are_not_known() {
        let v = Value::Set(vec![Value::string("Service / Priority"), Value::Unknown]);
        let t = Tables::decode_field(&v, &AttrPath::root("allowed_tables")).unwrap_or_default();
        assert!(!t.is_wholly_known());
        assert_eq!(t.strings(), ["Service / Priority"]);
        assert_eq!(t.encode_field(), v);
    }

    #[test]
    fn the_fingerprint_sorts_entries_and_reads_null_as_none() {
        let p = Permission {
            add_level: Val::Known("All".into()),
            allowed_tables: Tables::of(["b".to_string(), "a".to_string()]),
            ..Permission::default()
        };
        assert_eq!(
            p.fingerprint(),
            "add_level=All edit_level=None delete_level=None inquire_level=None \
             allowed_tables=[a, b]"
        );
    }
}
