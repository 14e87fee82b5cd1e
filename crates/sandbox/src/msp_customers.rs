//! The made-up customer book of an MSP: the names of the customers every Umbrella console
//! manages, and the ConnectWise companies named after them, as a real MSP's data looks — most
//! spelled the same, a few spelled differently ("Acme Dental, LLC"), a few missing, a few
//! inactive — plus companies with no Umbrella customer (the catch-all, the MSP itself, a vendor).
//!
//! Everything is a pure function of the customer's position, so every run, console and tenant
//! sees the same book: customer `n` of a console and company `n` of its tenant belong together.

/// The most customers one console can be given (names stay distinct up to here).
pub const MAX_CUSTOMERS: usize = 10_000;

/// First words of customer names; the first three make today's `Acme Dental`, `Bolt Legal`,
/// `Cobalt Clinics`.
const PREFIXES: [&str; 50] = [
    "Acme",
    "Bolt",
    "Cobalt",
    "Dune",
    "Ember",
    "Falcon",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeshore",
    "Maple",
    "Northwind",
    "Oakridge",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidewater",
    "Unity",
    "Vista",
    "Willow",
    "Yarrow",
    "Zephyr",
    "Aspen",
    "Beacon",
    "Cedar",
    "Driftwood",
    "Evergreen",
    "Foxglove",
    "Goldfinch",
    "Highland",
    "Indigo",
    "Jasper",
    "Kingfisher",
    "Liberty",
    "Meadow",
    "Nimbus",
    "Orion",
    "Prairie",
    "Quill",
    "Riverbend",
    "Sequoia",
    "Trillium",
    "Upland",
    "Valley",
    "Westbrook",
    "Yukon",
    "Zenith",
];

/// Lines of business, the second part of a name.
const TRADES: [&str; 40] = [
    "Dental",
    "Legal",
    "Clinics",
    "Logistics",
    "Realty",
    "Veterinary",
    "Accounting",
    "Construction",
    "Insurance",
    "Architects",
    "Pharmacy",
    "Engineering",
    "Bakery",
    "Motors",
    "Family Practice",
    "Credit Union",
    "Chiropractic",
    "Optometry",
    "Academy",
    "Hotels",
    "Plumbing",
    "Electric",
    "Landscaping",
    "Manufacturing",
    "Marketing",
    "Orthodontics",
    "Pediatrics",
    "Physical Therapy",
    "Roofing",
    "Storage",
    "Title & Escrow",
    "Travel",
    "Wealth Partners",
    "Auto Body",
    "Brewing",
    "Cabinetry",
    "Dermatology",
    "Fitness",
    "Foods",
    "Freight",
];

/// Past `PREFIXES × TRADES` names, the same names again as branches in these cities.
const CITIES: [&str; 4] = ["Austin", "Boston", "Denver", "Tampa"];

/// ConnectWise's limit on a company identifier.
pub const MAX_IDENTIFIER_LEN: usize = 25;

/// The name of customer `n` (0-based). Distinct for every `n < MAX_CUSTOMERS`: within one round
/// of `PREFIXES.len() × TRADES.len()` names the pair (prefix, trade) differs, and each later
/// round adds its own city.
pub fn customer_name(n: usize) -> String {
    let prefix = n % PREFIXES.len();
    let round = n / PREFIXES.len();
    // Shifting the trade by the round walks every pair once per round.
    let trade = (prefix + round) % TRADES.len();
    let city = round / TRADES.len();
    let base = format!("{} {}", PREFIXES[prefix], TRADES[trade]);
    match city
        .checked_sub(1)
        .and_then(|c| CITIES.get(c % CITIES.len()))
    {
        None => base,
        // Beyond the cities (only past MAX_CUSTOMERS) names would repeat; the cap prevents it.
        Some(city) => format!("{base} of {city}"),
    }
}

/// The names of the first `count` customers.
pub fn customer_names(count: usize) -> Vec<String> {
    (0..count.min(MAX_CUSTOMERS)).map(customer_name).collect()
}

/// How the ConnectWise tenant spells the company of customer `n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spelling {
    /// The customer's name exactly.
    Same,
    /// Another spelling of the same company (a legal suffix, capitals).
    Different(String),
    /// No company for this customer.
    Missing,
}

/// The spelling of customer `n`'s company: one in 25 missing, one in 12 of the rest spelled
/// differently, deterministic; the first five customers always match.
pub fn spelling(n: usize, name: &str) -> Spelling {
    if n % 25 == 11 {
        return Spelling::Missing;
    }
    if n % 12 != 5 {
        return Spelling::Same;
    }
    Spelling::Different(match (n / 12) % 5 {
        0 => format!("{name}, LLC"),
        1 => format!("{name} Inc."),
        2 => name.to_uppercase(),
        3 => format!("{name} Ltd."),
        _ => format!("{name}, P.C."),
    })
}

/// Whether customer `n`'s company is marked inactive in ConnectWise (one in 40).
pub fn inactive(n: usize) -> bool {
    n % 40 == 23
}

/// A ConnectWise company of the made-up book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: i32,
    /// No spaces, at most [`MAX_IDENTIFIER_LEN`] characters, unique.
    pub identifier: String,
    pub name: String,
    /// `Active` or `Inactive`.
    pub active: bool,
    /// `Client`, `Owner`, `Vendor` or `Other`.
    pub company_type: &'static str,
}

/// Id of the first customer company; the companies without a customer come before it.
pub const FIRST_CUSTOMER_COMPANY_ID: i32 = 250;

/// The companies of a tenant whose consoles manage `customers` customers: the catch-all
/// (id 1), the MSP's own company (id 2, `owner_identifier`/`owner_name`), a vendor (id 3), then
/// customer `n`'s company (if not missing) with id `FIRST_CUSTOMER_COMPANY_ID + n`.
pub fn companies(customers: usize, owner_identifier: &str, owner_name: &str) -> Vec<Company> {
    let mut taken = std::collections::HashSet::new();
    let mut unique = |wanted: String| {
        let identifier = unique_identifier(&wanted, |candidate| taken.contains(candidate));
        taken.insert(identifier.to_ascii_lowercase());
        identifier
    };
    let mut all = vec![
        company(1, unique("Catchall".into()), "Catchall", true, "Other"),
        company(
            2,
            unique(identifier_from(owner_identifier)),
            owner_name,
            true,
            "Owner",
        ),
        company(
            3,
            unique("CiscoSystems".into()),
            "Cisco Systems, Inc.",
            true,
            "Vendor",
        ),
    ];
    for (n, name) in customer_names(customers).into_iter().enumerate() {
        let shown = match spelling(n, &name) {
            Spelling::Missing => continue,
            Spelling::Same => name.clone(),
            Spelling::Different(other) => other,
        };
        // Identifiers are made once, from the name the company had when it was created.
        let identifier = unique(identifier_from(&name));
        let id = FIRST_CUSTOMER_COMPANY_ID + i32::try_from(n).unwrap_or(i32::MAX - 250);
        all.push(company(id, identifier, &shown, !inactive(n), "Client"));
    }
    all
}

fn company(id: i32, identifier: String, name: &str, active: bool, kind: &'static str) -> Company {
    Company {
        id,
        identifier,
        name: name.to_owned(),
        active,
        company_type: kind,
    }
}

/// `Acme Dental of Austin` → `AcmeDentalAustin`: the words' letters and digits, without `of`,
/// cut to [`MAX_IDENTIFIER_LEN`].
pub fn identifier_from(name: &str) -> String {
    let joined: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !w.eq_ignore_ascii_case("of"))
        .collect();
    let joined = if joined.is_empty() {
        "Company".to_owned()
    } else {
        joined
    };
    joined.chars().take(MAX_IDENTIFIER_LEN).collect()
}

/// `wanted`, or, when `taken` (lower case), `wanted` cut short with `2`, `3`, ... appended.
fn unique_identifier(wanted: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&wanted.to_ascii_lowercase()) {
        return wanted.to_owned();
    }
    (2..)
        .map(|k: usize| {
            let suffix = k.to_string();
            let keep = MAX_IDENTIFIER_LEN.saturating_sub(suffix.len());
            format!("{}{suffix}", wanted.chars().take(keep).collect::<String>())
        })
        .find(|candidate| !taken(&candidate.to_ascii_lowercase()))
        .unwrap_or_else(|| wanted.to_owned())
}

#[cfg(test)]
mod tests;
