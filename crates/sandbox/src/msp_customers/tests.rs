use std::collections::HashSet;

use super::*;

#[test]
fn the_first_three_customers_keep_their_names() {
    assert_eq!(
        customer_names(3),
        ["Acme Dental", "Bolt Legal", "Cobalt Clinics"]
    );
}

#[test]
fn names_are_distinct_and_the_same_every_time() {
    let names = customer_names(MAX_CUSTOMERS);
    assert_eq!(names.len(), MAX_CUSTOMERS);
    let distinct: HashSet<&String> = names.iter().collect();
    assert_eq!(distinct.len(), MAX_CUSTOMERS, "every name is distinct");
    assert_eq!(names, customer_names(MAX_CUSTOMERS), "deterministic");
    assert_eq!(names[50], "Acme Legal", "the next round shifts the trade");
    assert_eq!(names[2000], "Acme Dental of Austin", "then cities");
    assert_eq!(customer_names(MAX_CUSTOMERS + 5).len(), MAX_CUSTOMERS);
}

#[test]
fn companies_match_most_customers_and_miss_or_misspell_a_few() {
    let names = customer_names(500);
    let companies = companies(500, "sandbox", "sandbox (ConnectWise sandbox)");
    assert_eq!(
        companies,
        super::companies(500, "sandbox", "sandbox (ConnectWise sandbox)")
    );
    let by_id = |n: usize| {
        companies
            .iter()
            .find(|c| c.id == FIRST_CUSTOMER_COMPANY_ID + n as i32)
    };
    let (mut same, mut different, mut missing) = (0, 0, 0);
    for (n, name) in names.iter().enumerate() {
        match by_id(n) {
            None => missing += 1,
            Some(c) if &c.name == name => same += 1,
            Some(c) => {
                different += 1;
                let normalized = c.name.to_lowercase();
                assert!(
                    normalized.contains(&name.to_lowercase()),
                    "{} for {name}",
                    c.name
                );
            }
        }
    }
    assert_eq!((same, different, missing), (440, 40, 20));
    assert_eq!(
        by_id(5).map(|c| c.name.as_str()),
        Some("Falcon Veterinary, LLC")
    );
    assert_eq!(
        by_id(17).map(|c| c.name.as_str()),
        Some("Redwood Optometry Inc.")
    );
    assert_eq!(
        by_id(29).map(|c| c.name.as_str()),
        Some("EVERGREEN STORAGE")
    );
    assert_eq!(by_id(11), None, "Lakeshore Engineering has no company");
    assert_eq!(
        by_id(5).map(|c| c.identifier.as_str()),
        Some("FalconVeterinary")
    );
    assert_eq!(
        by_id(23).map(|c| c.active),
        Some(false),
        "one in 40 is inactive"
    );
    assert_eq!(
        companies.len(),
        3 + 480,
        "three companies without a customer"
    );
}

#[test]
fn the_default_book_matches_exactly() {
    let companies = companies(3, "sandbox", "Sandbox MSP");
    let names: Vec<(&str, &str)> = companies
        .iter()
        .map(|c| (c.identifier.as_str(), c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Catchall", "Catchall"),
            ("sandbox", "Sandbox MSP"),
            ("CiscoSystems", "Cisco Systems, Inc."),
            ("AcmeDental", "Acme Dental"),
            ("BoltLegal", "Bolt Legal"),
            ("CobaltClinics", "Cobalt Clinics"),
        ]
    );
}

#[test]
fn identifiers_look_like_connectwise_ones_and_are_unique() {
    let companies = companies(MAX_CUSTOMERS, "sandbox", "Sandbox MSP");
    let mut seen = HashSet::new();
    for c in &companies {
        assert!(c.identifier.len() <= MAX_IDENTIFIER_LEN, "{}", c.identifier);
        assert!(
            c.identifier.chars().all(|ch| ch.is_ascii_alphanumeric()),
            "{}",
            c.identifier
        );
        assert!(
            seen.insert(c.identifier.to_ascii_lowercase()),
            "duplicate {}",
            c.identifier
        );
    }
    assert_eq!(
        identifier_from("Acme Title & Escrow of Boston"),
        "AcmeTitleEscrowBoston"
    );
    assert_eq!(
        identifier_from("Goldfinch Physical Therapy of Denver"),
        "GoldfinchPhysicalTherapyD"
    );
    assert_eq!(unique_identifier("Acme", |c| c == "acme"), "Acme2");
    let long = "A".repeat(MAX_IDENTIFIER_LEN);
    let taken = long.to_ascii_lowercase();
    assert_eq!(
        unique_identifier(&long, |c| c == taken).len(),
        MAX_IDENTIFIER_LEN
    );
}
