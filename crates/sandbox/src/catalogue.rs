//! The ConnectWise Manage security module / function catalogue as static data.
//!
//! One row per "module > function" line of System > Security Roles, the way the web UI and
//! `GET /system/securityRoles/{id}/settings` show them, plus the allow-lists of the "customize"
//! functions (e.g. System > Table Setup). Shared by the sandbox (which generates a role's settings
//! from it) and the provider (plan-time validation), so it holds no Terraform or HTTP types.
//!
//! Names follow the UI without the "(customize)" suffix. ConnectWise does not publish the
//! `moduleFunctionIdentifier` values; ours are stable PascalCase forms of the UI names.

use std::sync::OnceLock;

/// The permission levels of a role setting, in the API's spelling.
pub const LEVELS: [&str; 3] = ["None", "My", "All"];

/// A security module (one tab of the security role screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Module {
    pub name: &'static str,
    pub identifier: &'static str,
    pub description: &'static str,
    pub sort_order: i32,
}

/// One module function (one row of a security role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Module name, e.g. `Service Desk`.
    pub module: &'static str,
    /// Module identifier, e.g. `ServiceDesk`.
    pub module_identifier: &'static str,
    /// Function name as the UI shows it, without "(customize)", e.g. `Table Setup`.
    pub function: &'static str,
    /// Stable PascalCase identifier, e.g. `TableSetup`.
    pub function_identifier: &'static str,
    pub description: &'static str,
    /// Whether the level `My` applies (records owned by the member); otherwise only None/All.
    pub my_all: bool,
    /// Whether the function is a report (the API's `reportFlag`).
    pub report: bool,
    /// The `customizeIdentifier` of the function's allow-list, if it has a "customize" link.
    pub customize: Option<&'static str>,
    pub sort_order: i32,
}

/// The modules, in UI order.
pub const MODULES: &[Module] = &[
    module(
        "Companies",
        "Companies",
        "Companies, contacts and configurations",
        1,
    ),
    module(
        "Finance",
        "Finance",
        "Agreements, invoicing and accounting",
        2,
    ),
    module(
        "Marketing",
        "Marketing",
        "Campaigns and marketing groups",
        3,
    ),
    module(
        "Procurement",
        "Procurement",
        "Products, purchasing and inventory",
        4,
    ),
    module(
        "Project",
        "Project",
        "Projects, phases and project tickets",
        5,
    ),
    module("Sales", "Sales", "Opportunities, activities and quotes", 6),
    module(
        "Service Desk",
        "ServiceDesk",
        "Service tickets, boards and scheduling",
        7,
    ),
    module("System", "System", "System setup, members and security", 8),
    module(
        "Time & Expense",
        "TimeAndExpense",
        "Time entries, time sheets and expenses",
        9,
    ),
];

const fn module(
    name: &'static str,
    identifier: &'static str,
    description: &'static str,
    sort_order: i32,
) -> Module {
    Module {
        name,
        identifier,
        description,
        sort_order,
    }
}

/// (function name, identifier, description, my_all, report, customize identifier)
type Row = (
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    Option<&'static str>,
);

const COMPANIES: &[Row] = &[
    (
        "Company Maintenance",
        "CompanyMaintenance",
        "Add, edit and view companies",
        true,
        false,
        None,
    ),
    (
        "Company Finance",
        "CompanyFinance",
        "Billing settings and finance tab of companies",
        true,
        false,
        None,
    ),
    (
        "Company/Contact Group Maintenance",
        "CompanyContactGroupMaintenance",
        "Maintain company and contact groups",
        false,
        false,
        None,
    ),
    (
        "Configurations",
        "Configurations",
        "Configuration records, limited to the allowed configuration types",
        true,
        false,
        Some("CompanyConfigurations"),
    ),
    (
        "Contacts",
        "Contacts",
        "Add, edit and view contacts",
        true,
        false,
        None,
    ),
    (
        "Manage Attachments",
        "ManageAttachments",
        "Documents attached to companies and contacts",
        true,
        false,
        None,
    ),
    (
        "Notes",
        "Notes",
        "Company and contact notes",
        true,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Company reports, limited to the allowed reports",
        false,
        true,
        Some("CompanyReports"),
    ),
    (
        "Team Members",
        "TeamMembers",
        "Company team members",
        true,
        false,
        None,
    ),
];

const FINANCE: &[Row] = &[
    (
        "Accounting Interface",
        "AccountingInterface",
        "Export batches to the accounting package",
        false,
        false,
        None,
    ),
    (
        "Agreement Invoicing",
        "AgreementInvoicing",
        "Generate agreement invoices",
        false,
        false,
        None,
    ),
    (
        "Agreement Sales",
        "AgreementSales",
        "Agreement sales values",
        true,
        false,
        None,
    ),
    (
        "Agreements",
        "Agreements",
        "Agreements, limited to the allowed agreement types",
        true,
        false,
        Some("FinanceAgreements"),
    ),
    (
        "Billing Adjustments",
        "BillingAdjustments",
        "Adjust billed amounts",
        false,
        false,
        None,
    ),
    (
        "Billing View Time",
        "BillingViewTime",
        "View time and expenses on invoices",
        false,
        false,
        None,
    ),
    (
        "Finance Dashboard",
        "FinanceDashboard",
        "Finance dashboard",
        false,
        false,
        None,
    ),
    (
        "Invoice Approval",
        "InvoiceApproval",
        "Approve invoices before posting",
        false,
        false,
        None,
    ),
    (
        "Invoicing",
        "Invoicing",
        "Create and edit invoices",
        true,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Finance reports, limited to the allowed reports",
        false,
        true,
        Some("FinanceReports"),
    ),
];

const MARKETING: &[Row] = &[
    (
        "Campaigns",
        "Campaigns",
        "Marketing campaigns",
        true,
        false,
        None,
    ),
    (
        "Email Templates",
        "EmailTemplates",
        "Marketing email templates",
        false,
        false,
        None,
    ),
    ("Groups", "Groups", "Marketing groups", true, false, None),
    (
        "Marketing Dashboard",
        "MarketingDashboard",
        "Marketing dashboard",
        false,
        false,
        None,
    ),
    (
        "Marketing Manager",
        "MarketingManager",
        "Send marketing emails and letters",
        false,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Marketing reports, limited to the allowed reports",
        false,
        true,
        Some("MarketingReports"),
    ),
    ("Surveys", "Surveys", "Customer surveys", false, false, None),
];

const PROCUREMENT: &[Row] = &[
    (
        "Inventory Adjustments",
        "InventoryAdjustments",
        "Adjust inventory on hand",
        false,
        false,
        None,
    ),
    (
        "Product Catalog",
        "ProductCatalog",
        "Catalog items",
        false,
        false,
        None,
    ),
    (
        "Products",
        "Products",
        "Products on tickets, projects and opportunities",
        true,
        false,
        None,
    ),
    (
        "Purchase Orders",
        "PurchaseOrders",
        "Create and approve purchase orders",
        true,
        false,
        None,
    ),
    (
        "Purchasing Demands",
        "PurchasingDemands",
        "Products waiting to be purchased",
        false,
        false,
        None,
    ),
    (
        "Receive Products",
        "ReceiveProducts",
        "Receive products into a warehouse",
        false,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Procurement reports, limited to the allowed reports",
        false,
        true,
        Some("ProcurementReports"),
    ),
    (
        "RMA",
        "Rma",
        "Return merchandise authorizations",
        true,
        false,
        None,
    ),
    (
        "Ship Products",
        "ShipProducts",
        "Pick and ship products",
        false,
        false,
        None,
    ),
    (
        "Warehouse",
        "Warehouse",
        "Warehouses and bins",
        false,
        false,
        None,
    ),
];

const PROJECT: &[Row] = &[
    (
        "Close Projects",
        "CloseProjects",
        "Close projects",
        true,
        false,
        None,
    ),
    (
        "Project Board",
        "ProjectBoard",
        "Project boards",
        false,
        false,
        None,
    ),
    (
        "Project Dashboard",
        "ProjectDashboard",
        "Project dashboard",
        false,
        false,
        None,
    ),
    (
        "Project Finance",
        "ProjectFinance",
        "Project budgets and billing",
        true,
        false,
        None,
    ),
    (
        "Project Headers",
        "ProjectHeaders",
        "Project headers",
        true,
        false,
        None,
    ),
    (
        "Project Notes",
        "ProjectNotes",
        "Project notes",
        true,
        false,
        None,
    ),
    (
        "Project Phases",
        "ProjectPhases",
        "Project phases",
        true,
        false,
        None,
    ),
    (
        "Project Scheduling",
        "ProjectScheduling",
        "Schedule project resources, limited to the allowed levels",
        true,
        false,
        Some("ProjectScheduling"),
    ),
    (
        "Project Team",
        "ProjectTeam",
        "Project team members",
        true,
        false,
        None,
    ),
    (
        "Project Templates",
        "ProjectTemplates",
        "Project templates",
        false,
        false,
        None,
    ),
    (
        "Project Tickets",
        "ProjectTickets",
        "Project tickets",
        true,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Project reports, limited to the allowed reports",
        false,
        true,
        Some("ProjectReports"),
    ),
];

const SALES: &[Row] = &[
    (
        "Activities",
        "Activities",
        "Sales activities",
        true,
        false,
        None,
    ),
    (
        "Commissions",
        "Commissions",
        "Sales commissions",
        false,
        false,
        None,
    ),
    (
        "Forecasts",
        "Forecasts",
        "Opportunity forecasts",
        true,
        false,
        None,
    ),
    (
        "Opportunities",
        "Opportunities",
        "Sales opportunities",
        true,
        false,
        None,
    ),
    (
        "Opportunity Finance",
        "OpportunityFinance",
        "Opportunity revenue and cost",
        true,
        false,
        None,
    ),
    ("Quotes", "Quotes", "Quotes", true, false, None),
    (
        "Reports",
        "Reports",
        "Sales reports, limited to the allowed reports",
        false,
        true,
        Some("SalesReports"),
    ),
    (
        "Sales Dashboard",
        "SalesDashboard",
        "Sales dashboard",
        false,
        false,
        None,
    ),
    (
        "Sales Funnel",
        "SalesFunnel",
        "Sales funnel",
        true,
        false,
        None,
    ),
    (
        "Sales Orders",
        "SalesOrders",
        "Sales orders",
        true,
        false,
        None,
    ),
];

const SERVICE_DESK: &[Row] = &[
    (
        "Agile Board",
        "AgileBoard",
        "Agile board view of service tickets",
        false,
        false,
        None,
    ),
    (
        "Change Approvals",
        "ChangeApprovals",
        "Approve change requests",
        false,
        false,
        None,
    ),
    (
        "ChangeManagement",
        "ChangeManagement",
        "Change management",
        false,
        false,
        None,
    ),
    (
        "Close Service Tickets",
        "CloseServiceTickets",
        "Close service tickets",
        true,
        false,
        None,
    ),
    (
        "CloudConsole",
        "CloudConsole",
        "ConnectWise cloud console",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Chat",
        "ConnectWiseChat",
        "ConnectWise Chat",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Control",
        "ConnectWiseControl",
        "ConnectWise Control remote sessions",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Manage Network",
        "ConnectWiseManageNetwork",
        "ConnectWise Manage Network",
        false,
        false,
        None,
    ),
    (
        "ITBoost",
        "ITBoost",
        "ITBoost documentation",
        false,
        false,
        None,
    ),
    (
        "Knowledge Base Approver",
        "KnowledgeBaseApprover",
        "Approve knowledge base articles",
        false,
        false,
        None,
    ),
    (
        "Knowledge Base Creator",
        "KnowledgeBaseCreator",
        "Write knowledge base articles",
        true,
        false,
        None,
    ),
    (
        "Launch Remote Access",
        "LaunchRemoteAccess",
        "Launch remote access to configurations",
        false,
        false,
        None,
    ),
    (
        "Merge Tickets",
        "MergeTickets",
        "Merge service tickets",
        true,
        false,
        None,
    ),
    (
        "Print Service Signoff",
        "PrintServiceSignoff",
        "Print service ticket sign-off",
        true,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Service reports, limited to the allowed reports",
        false,
        true,
        Some("ServiceReports"),
    ),
    (
        "Resource Scheduling",
        "ResourceScheduling",
        "Dispatch and schedule service resources, limited to the allowed levels",
        true,
        false,
        Some("ServiceResourceScheduling"),
    ),
    (
        "Service Dashboard",
        "ServiceDashboard",
        "Service dashboard",
        false,
        false,
        None,
    ),
    (
        "Service Ticket - Dependencies",
        "ServiceTicketDependencies",
        "Dependencies between service tickets",
        true,
        false,
        None,
    ),
    (
        "Service Tickets",
        "ServiceTickets",
        "Add, edit and view service tickets",
        true,
        false,
        None,
    ),
    (
        "Service Tickets - Finance",
        "ServiceTicketsFinance",
        "Finance tab of service tickets",
        true,
        false,
        None,
    ),
    (
        "SLA Dashboard",
        "SlaDashboard",
        "SLA dashboard",
        false,
        false,
        None,
    ),
    (
        "Ticket Templates",
        "TicketTemplates",
        "Service ticket templates",
        false,
        false,
        None,
    ),
];

const SYSTEM: &[Row] = &[
    (
        "Add Licenses",
        "AddLicenses",
        "Purchase additional licenses",
        false,
        false,
        None,
    ),
    (
        "API Reports",
        "ApiReports",
        "Reports run through the API",
        false,
        true,
        None,
    ),
    (
        "Chat with ConnectWise Manage Support",
        "ChatWithConnectWiseManageSupport",
        "Chat with ConnectWise support",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Manage Labs",
        "ConnectWiseManageLabs",
        "Preview features",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Next",
        "ConnectWiseNext",
        "ConnectWise Next",
        false,
        false,
        None,
    ),
    (
        "ConnectWise Now",
        "ConnectWiseNow",
        "ConnectWise Now",
        false,
        false,
        None,
    ),
    (
        "Custom Menu Entry",
        "CustomMenuEntry",
        "Custom menu entries, limited to the allowed entries",
        false,
        false,
        Some("SystemCustomMenuEntry"),
    ),
    (
        "Data Import",
        "DataImport",
        "Import data",
        false,
        false,
        None,
    ),
    (
        "Email Audit",
        "EmailAudit",
        "Audit outgoing email",
        false,
        false,
        None,
    ),
    (
        "Health Dashboard",
        "HealthDashboard",
        "System health dashboard",
        false,
        false,
        None,
    ),
    (
        "List View Export",
        "ListViewExport",
        "Export list views",
        false,
        false,
        None,
    ),
    (
        "Manage Hosted API",
        "ManageHostedApi",
        "Hosted API pods and screens, limited to the allowed entries",
        false,
        false,
        Some("SystemManageHostedApi"),
    ),
    (
        "Marketplace Sharing",
        "MarketplaceSharing",
        "Marketplace sharing",
        false,
        false,
        None,
    ),
    (
        "Mass Maintenance",
        "MassMaintenance",
        "Mass updates, limited to the allowed record types",
        false,
        false,
        Some("SystemMassMaintenance"),
    ),
    (
        "Member Maintenance",
        "MemberMaintenance",
        "Members and API members",
        false,
        false,
        None,
    ),
    (
        "My Account",
        "MyAccount",
        "The member's own account, limited to the allowed tabs",
        false,
        false,
        Some("SystemMyAccount"),
    ),
    (
        "My Company",
        "MyCompany",
        "Company setup",
        false,
        false,
        None,
    ),
    (
        "Report Writer",
        "ReportWriter",
        "Report writer",
        false,
        true,
        None,
    ),
    (
        "Security Roles",
        "SecurityRoles",
        "Security roles",
        false,
        false,
        None,
    ),
    (
        "System Reports",
        "SystemReports",
        "System reports, limited to the allowed reports",
        false,
        true,
        Some("SystemReports"),
    ),
    (
        "Table Setup",
        "TableSetup",
        "Setup tables, limited to the allowed tables",
        false,
        false,
        Some("SystemTableSetup"),
    ),
];

const TIME_AND_EXPENSE: &[Row] = &[
    (
        "Expense Approval",
        "ExpenseApproval",
        "Approve expense reports",
        false,
        false,
        None,
    ),
    (
        "Expense Entry",
        "ExpenseEntry",
        "Enter expenses",
        true,
        false,
        None,
    ),
    (
        "Expense Reports",
        "ExpenseReports",
        "Expense report documents",
        true,
        false,
        None,
    ),
    (
        "Reports",
        "Reports",
        "Time & expense reports, limited to the allowed reports",
        false,
        true,
        Some("TimeAndExpenseReports"),
    ),
    ("Time Entry", "TimeEntry", "Enter time", true, false, None),
    (
        "Time Sheet Approval",
        "TimeSheetApproval",
        "Approve time sheets",
        false,
        false,
        None,
    ),
    (
        "Time Sheets",
        "TimeSheets",
        "Submit time sheets",
        true,
        false,
        None,
    ),
    ("Timer", "Timer", "Time entry timer", true, false, None),
];

const MODULE_ROWS: [&[Row]; 9] = [
    COMPANIES,
    FINANCE,
    MARKETING,
    PROCUREMENT,
    PROJECT,
    SALES,
    SERVICE_DESK,
    SYSTEM,
    TIME_AND_EXPENSE,
];

/// Every module function, ordered by module then UI order; `sort_order` is module * 100 + row.
pub fn functions() -> &'static [Function] {
    static FUNCTIONS: OnceLock<Vec<Function>> = OnceLock::new();
    FUNCTIONS.get_or_init(|| {
        let mut out = Vec::new();
        for (m, rows) in MODULES.iter().zip(MODULE_ROWS) {
            for (i, &(function, function_identifier, description, my_all, report, customize)) in
                rows.iter().enumerate()
            {
                out.push(Function {
                    module: m.name,
                    module_identifier: m.identifier,
                    function,
                    function_identifier,
                    description,
                    my_all,
                    report,
                    customize,
                    sort_order: m.sort_order * 100 + i as i32 + 1,
                });
            }
        }
        out
    })
}

/// The modules, in UI order.
pub fn modules() -> &'static [Module] {
    MODULES
}

/// The module with this name or identifier (exact).
pub fn find_module(name: &str) -> Option<&'static Module> {
    MODULES
        .iter()
        .find(|m| m.name == name || m.identifier == name)
}

/// Exact lookup: `module` is a module name or identifier, `function` a function name or identifier.
pub fn find(module: &str, function: &str) -> Option<&'static Function> {
    functions().iter().find(|f| {
        (f.module == module || f.module_identifier == module)
            && (f.function == function || f.function_identifier == function)
    })
}

/// Like [`find`], ignoring case (and surrounding blanks).
pub fn find_ignore_case(module: &str, function: &str) -> Option<&'static Function> {
    let (module, function) = (module.trim(), function.trim());
    functions().iter().find(|f| {
        (f.module.eq_ignore_ascii_case(module) || f.module_identifier.eq_ignore_ascii_case(module))
            && (f.function.eq_ignore_ascii_case(function)
                || f.function_identifier.eq_ignore_ascii_case(function))
    })
}

/// Close matches for an unknown "module > function", formatted `Module > Function`, best first
/// (at most five). Used in error messages ("did you mean ...").
pub fn suggest(module: &str, function: &str) -> Vec<String> {
    let known_module = MODULES.iter().find(|m| {
        m.name.eq_ignore_ascii_case(module.trim())
            || m.identifier.eq_ignore_ascii_case(module.trim())
    });
    let mut scored: Vec<(usize, String)> = functions()
        .iter()
        .filter(|f| known_module.is_none_or(|m| m.name == f.module))
        .filter_map(|f| {
            let d = closeness(function, f.function).min(closeness(function, f.function_identifier));
            let module_penalty = if known_module.is_some() {
                0
            } else {
                closeness(module, f.module).unwrap_or(3).min(3)
            };
            d.map(|d| (d + module_penalty, format!("{} > {}", f.module, f.function)))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, s)| s).collect()
}

/// Close matches for an unknown item of a customize list (at most five, best first).
pub fn suggest_items(customize_id: &str, item: &str) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = allowed_items(customize_id)
        .iter()
        .filter_map(|i| closeness(item, i).map(|d| (d, *i)))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(5)
        .map(|(_, s)| s.to_string())
        .collect()
}

/// A distance when `candidate` is plausibly what `wanted` meant (case-insensitive edit distance
/// within a quarter of the length, or one contains the other), else `None`.
fn closeness(wanted: &str, candidate: &str) -> Option<usize> {
    let (w, c) = (wanted.trim().to_lowercase(), candidate.to_lowercase());
    if w.is_empty() {
        return None;
    }
    let d = edit_distance(&w, &c);
    if d <= (w.len().max(c.len()) / 4).max(2) {
        Some(d)
    } else if c.contains(&w) || w.contains(&c) {
        Some(d.min(3) + 1)
    } else {
        None
    }
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every `customizeIdentifier` (the API's enum for `MySecurityCustomizeItem`).
pub const CUSTOMIZE_IDENTIFIERS: &[&str] = &[
    "CompanyReports",
    "FinanceReports",
    "MarketingReports",
    "ProcurementReports",
    "ProjectReports",
    "SalesReports",
    "ServiceReports",
    "SystemReports",
    "TimeAndExpenseReports",
    "CompanyConfigurations",
    "FinanceAgreements",
    "ProjectScheduling",
    "ServiceResourceScheduling",
    "SystemManageHostedApi",
    "SystemMyAccount",
    "SystemCustomMenuEntry",
    "SystemMassMaintenance",
    "SystemTableSetup",
];

/// The items a customize list may hold (`itemIdentifier` values), empty for an unknown id.
pub fn allowed_items(customize_id: &str) -> &'static [&'static str] {
    match customize_id {
        "SystemTableSetup" => TABLE_SETUP,
        "CompanyConfigurations" => CONFIGURATION_TYPES,
        "FinanceAgreements" => AGREEMENT_TYPES,
        "ProjectScheduling" | "ServiceResourceScheduling" => STRUCTURE_LEVELS,
        "SystemManageHostedApi" => HOSTED_APIS,
        "SystemMyAccount" => MY_ACCOUNT_TABS,
        "SystemCustomMenuEntry" => CUSTOM_MENU_ENTRIES,
        "SystemMassMaintenance" => MASS_MAINTENANCE,
        "CompanyReports" => COMPANY_REPORTS,
        "FinanceReports" => FINANCE_REPORTS,
        "MarketingReports" => MARKETING_REPORTS,
        "ProcurementReports" => PROCUREMENT_REPORTS,
        "ProjectReports" => PROJECT_REPORTS,
        "SalesReports" => SALES_REPORTS,
        "ServiceReports" => SERVICE_REPORTS,
        "SystemReports" => SYSTEM_REPORTS,
        "TimeAndExpenseReports" => TIME_AND_EXPENSE_REPORTS,
        _ => &[],
    }
}

/// System > Table Setup tables, written `Group / Table` as in the UI's allow/disallow lists.
pub const TABLE_SETUP: &[&str] = &[
    "Activities / Activity Status-CRM",
    "Activities / Activity Type-CRM",
    "Agreements / Agreement Type",
    "Agreements / Agreement Status",
    "Agreements / Addition Status",
    "Company / Company Status",
    "Company / Company Type",
    "Company / Communication Type",
    "Company / Configuration",
    "Company / Configuration Status",
    "Company / Contact Relationship",
    "Company / Contact Type",
    "Company / Country",
    "Company / Market",
    "Company / Note Type",
    "Company / Ownership Type",
    "Company / Portal Security",
    "Company / State",
    "Company / Team Role",
    "Expense / Classification",
    "Expense / Expense Type",
    "Finance / Billing Cycle",
    "Finance / Billing Terms",
    "Finance / Currency",
    "Finance / Invoice Template Setup",
    "Finance / Payment Type",
    "Finance / Tax Code",
    "General / Calendar Setup",
    "General / Custom Fields",
    "General / Email Connector",
    "General / Email Templates",
    "General / Holiday List",
    "General / Integrator Login",
    "General / Manage Hosted API",
    "General / Time Zone Setup",
    "Marketing / Campaign Status",
    "Marketing / Campaign Type",
    "Marketing / Group",
    "Procurement / Manufacturer",
    "Procurement / Product Type",
    "Procurement / Shipment Method",
    "Procurement / Warehouse",
    "Project / Project Board",
    "Project / Project Status",
    "Project / Project Type",
    "Sales / Opportunity Status",
    "Sales / Opportunity Type",
    "Sales / Sales Probability",
    "Sales / Sales Team",
    "Service / Knowledge Base Category",
    "Service / Priority",
    "Service / Service Board",
    "Service / Service Location",
    "Service / Service Template",
    "Service / Severity",
    "Service / SLA",
    "Service / Source",
    "System / Department",
    "System / Location",
    "System / Member Type",
    "Time / Charge Code",
    "Time / Time Period Setup",
    "Time / Work Role",
    "Time / Work Type",
];

/// Configuration types (Companies > Configurations).
pub const CONFIGURATION_TYPES: &[&str] = &[
    "Backup",
    "Domain",
    "Firewall",
    "Managed Server",
    "Managed Workstation",
    "Mobile Device",
    "Network Device",
    "Printer",
    "Router",
    "Software License",
    "Switch",
    "Umbrella Roaming Client",
    "Umbrella Virtual Appliance",
    "Wireless Access Point",
];

/// Agreement types (Finance > Agreements).
pub const AGREEMENT_TYPES: &[&str] = &[
    "Block Time",
    "DNS Security",
    "Managed Services",
    "Project Retainer",
    "Service Contract",
    "Software Maintenance",
    "Warranty",
];

/// Corporate structure levels (resource and project scheduling).
pub const STRUCTURE_LEVELS: &[&str] = &[
    "Corporate (Level 1)",
    "Region (Level 2)",
    "Location (Level 3)",
    "Department (Level 4)",
];

/// Hosted API screens (System > Manage Hosted API).
pub const HOSTED_APIS: &[&str] = &[
    "Cisco Umbrella",
    "ConnectWise Automate",
    "ConnectWise Control",
    "Documentation Pod",
    "Network Monitor",
    "Security Dashboard",
];

/// My Account tabs (System > My Account).
pub const MY_ACCOUNT_TABS: &[&str] = &[
    "API Keys",
    "Certifications",
    "Delegation",
    "Mobile Devices",
    "Schedule",
    "Service Boards",
    "Skills",
    "System",
    "Time",
];

/// Custom menu entries (System > Custom Menu Entry).
pub const CUSTOM_MENU_ENTRIES: &[&str] = &[
    "Documentation Portal",
    "Network Monitoring",
    "Umbrella Dashboard",
    "Vendor Portal",
];

/// Record types of System > Mass Maintenance.
pub const MASS_MAINTENANCE: &[&str] = &[
    "Activities",
    "Agreements",
    "Companies",
    "Configurations",
    "Contacts",
    "Opportunities",
    "Projects",
    "Service Tickets",
    "Time Entries",
];

pub const COMPANY_REPORTS: &[&str] = &[
    "Company Detail",
    "Company List",
    "Configuration List",
    "Contact List",
    "Expiring Configurations",
];
pub const FINANCE_REPORTS: &[&str] = &[
    "Agreement Profitability",
    "Aged Receivables",
    "Invoice Register",
    "Unposted Invoices",
];
pub const MARKETING_REPORTS: &[&str] = &["Campaign Summary", "Group Membership", "Survey Results"];
pub const PROCUREMENT_REPORTS: &[&str] =
    &["Inventory On Hand", "Open Purchase Orders", "Product Sales"];
pub const PROJECT_REPORTS: &[&str] = &["Project Budget", "Project Status", "Project Time Detail"];
pub const SALES_REPORTS: &[&str] = &["Closed Opportunities", "Pipeline", "Sales Activity Summary"];
pub const SERVICE_REPORTS: &[&str] = &[
    "Open Tickets By Board",
    "Service Summary",
    "SLA Performance",
    "Ticket Aging",
    "Tickets By Priority",
];
pub const SYSTEM_REPORTS: &[&str] = &[
    "Audit Trail",
    "License Usage",
    "Member Security Roles",
    "Table Setup Export",
];
pub const TIME_AND_EXPENSE_REPORTS: &[&str] =
    &["Expense Detail", "Time Sheet Status", "Utilization"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_rows_exist() {
        for (m, f) in [
            ("Companies", "Company Maintenance"),
            ("Companies", "Configurations"),
            ("Service Desk", "Service Tickets"),
            ("System", "Table Setup"),
        ] {
            assert!(find(m, f).is_some(), "{m} > {f}");
        }
        assert_eq!(
            find("System", "Table Setup").and_then(|f| f.customize),
            Some("SystemTableSetup")
        );
        assert!(find("ServiceDesk", "ServiceTickets").is_some_and(|f| f.my_all));
        assert!(find("system", "table setup").is_none());
        assert!(find_ignore_case("system", "table setup").is_some());
    }

    #[test]
    fn identifiers_unique_and_customize_known() {
        let mut seen = std::collections::HashSet::new();
        for f in functions() {
            assert!(
                seen.insert((f.module_identifier, f.function_identifier)),
                "{f:?}"
            );
            if let Some(c) = f.customize {
                assert!(CUSTOMIZE_IDENTIFIERS.contains(&c));
                assert!(!allowed_items(c).is_empty(), "{c}");
            }
        }
        for c in CUSTOMIZE_IDENTIFIERS {
            assert_eq!(
                functions()
                    .iter()
                    .filter(|f| f.customize == Some(c))
                    .count(),
                1,
                "{c}"
            );
        }
        for item in [
            "Company / Configuration",
            "Service / Priority",
            "Service / Service Board",
            "General / Manage Hosted API",
        ] {
            assert!(allowed_items("SystemTableSetup").contains(&item));
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("System", "Table Setp").first().map(String::as_str),
            Some("System > Table Setup")
        );
        assert!(
            suggest("Service", "Service Ticket")
                .contains(&"Service Desk > Service Tickets".to_string())
        );
        assert_eq!(
            suggest_items("SystemTableSetup", "Service / Priorty"),
            vec!["Service / Priority"]
        );
    }
}
