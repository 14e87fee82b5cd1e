//! Bringing a hand-made integration under management: set the seed up by
//! hand through the REST APIs, run `generate-imports`, let Terraform generate
//! the configuration, import, and check the result plans empty.

use api_client::umbrella::{PsaSettingsInput, Umbrella, UmbrellaConfig};
use api_client::{Level, LevelField, NewSecurityRole, Secret};

use crate::harness::Harness;

/// Steps 1–6 of the seed, done by hand (as an MSP admin would in the UIs).
async fn set_up_by_hand(h: &Harness) -> String {
    let cw = h.client();
    let role = cw
        .security_roles()
        .create(&NewSecurityRole {
            name: "Umbrella".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let settings = cw.role_settings().list(role.id).await.unwrap();
    let seed: [(&str, &str, [Level; 4]); 4] = [
        (
            "Companies",
            "Company Maintenance",
            [Level::None, Level::None, Level::None, Level::All],
        ),
        (
            "Companies",
            "Configurations",
            [Level::All, Level::All, Level::None, Level::All],
        ),
        (
            "Service Desk",
            "Service Tickets",
            [Level::All, Level::All, Level::None, Level::All],
        ),
        (
            "System",
            "Table Setup",
            [Level::All, Level::All, Level::None, Level::All],
        ),
    ];
    for (module, function, levels) in seed {
        let s = settings
            .iter()
            .find(|s| {
                s.module_name.as_deref() == Some(module)
                    && s.module_function_name.as_deref() == Some(function)
            })
            .unwrap_or_else(|| panic!("{module} > {function} row"));
        let ops: Vec<(LevelField, Level)> = LevelField::ALL.iter().copied().zip(levels).collect();
        cw.role_settings()
            .update_levels(role.id, s.id, &ops)
            .await
            .unwrap();
        if function == "Table Setup" {
            for t in [
                "Company / Configuration",
                "Service / Priority",
                "Service / Service Board",
            ] {
                cw.role_settings()
                    .add_customize_item(role.id, s.id, t)
                    .await
                    .unwrap();
            }
        }
    }
    let mut member = cw.api_members().default().await.unwrap();
    member.identifier = "umbrella-psa".into();
    member.name = Some("Umbrella PSA Integration".into());
    member.security_role = Some(api_client::Reference::id(role.id));
    let member = cw.api_members().create(&member).await.unwrap();
    let member_id = member.id.unwrap();
    let key = cw
        .api_keys()
        .create(member_id, "Umbrella PSA Integration")
        .await
        .unwrap();
    let private = key.private_key.clone().unwrap();

    let t = &h.sandbox.config().tenants[0];
    let mut ucfg = UmbrellaConfig::new(t.umbrella_api_key.clone(), t.umbrella_api_secret.clone());
    ucfg.base_url = h.sandbox.url();
    let umbrella = Umbrella::new(ucfg).unwrap();
    umbrella
        .put_psa(&PsaSettingsInput {
            enabled: true,
            site_url: h.sandbox.url(),
            company_id: t.company_id.clone(),
            public_key: key.public_key.clone(),
            private_key: Secret::new(private.expose()),
        })
        .await
        .unwrap();
    umbrella.put_mapping(2000001, "AcmeDental").await.unwrap();
    private.expose().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn generate_imports_round_trip() {
    let h = Harness::new().await;
    let private_key = set_up_by_hand(&h).await;

    let out = crate::adopt::generate_imports(
        &h,
        &["--role", "Umbrella", "--umbrella", "--output", "imports.tf"],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "generate-imports failed: {stderr}");
    let imports = std::fs::read_to_string(h.path().join("imports.tf")).unwrap();
    for expected in [
        "connectwise_security_role.umbrella",
        "connectwise_role_permission.umbrella_companies_company_maintenance",
        "connectwise_role_permission.umbrella_companies_configurations",
        "connectwise_role_permission.umbrella_service_desk_service_tickets",
        "connectwise_role_permission.umbrella_system_table_setup",
        "connectwise_api_member.umbrella_psa",
        "connectwise_api_key.umbrella_psa",
        "connectwise_umbrella_psa_credentials.this",
        "connectwise_umbrella_psa_company_mapping.acme_dental",
    ] {
        assert!(
            imports.contains(&format!("to = {expected}\n")),
            "{expected} missing from:\n{imports}"
        );
    }
    assert_eq!(imports.matches("import {").count(), 9, "{imports}");
    assert!(
        !imports.contains(&private_key),
        "no private key in the import blocks"
    );

    // Terraform writes the configuration from the imported objects.
    h.config("");
    let generated = h.generate_config().await;
    assert!(
        generated
            .contains("resource \"connectwise_role_permission\" \"umbrella_system_table_setup\""),
        "{generated}"
    );
    assert!(!generated.contains(&private_key));

    // Import, then nothing is left to change (the private key cannot be
    // recovered; the generated credentials carry none, so nothing is sent).
    h.apply().await;
    h.expect_empty_plan().await;
    let state = h.state().await;
    assert_eq!(state.len(), 9, "{:?}", state.keys().collect::<Vec<_>>());
    assert_eq!(
        state["connectwise_umbrella_psa_credentials.this"]["connection_status"], "ok",
        "the hand-made credentials still work"
    );
}

/// Strings that break HCL written without escaping, and what Terraform reads back.
const HOSTILE_STRINGS: [&str; 7] = [
    r#"Umbrella "${x}" %{y} \ end"#,
    "$${already} %%{escaped}",
    "trailing $ and % and $$",
    "line\nbreak\r\ttab \u{7} bell",
    "Zürich – Café ✓",
    "}\n}\nresource \"x\" \"y\" {",
    "",
];

#[tokio::test(flavor = "multi_thread")]
async fn hcl_strings_read_back_exactly_in_terraform() {
    use connectwise_provider::importer::hcl;
    let h = Harness::new().await;
    let outputs: String = HOSTILE_STRINGS
        .iter()
        .enumerate()
        .map(|(i, s)| format!("output \"s{i}\" {{\n  value = {}\n}}\n", hcl::string(s)))
        .collect();
    h.raw_config(&outputs);
    let fmt = h.terraform(&["fmt", "-check", "-no-color"]).await;
    assert!(fmt.ok, "terraform fmt -check:\n{}", fmt.text());
    h.apply().await;
    for (i, s) in HOSTILE_STRINGS.iter().enumerate() {
        assert_eq!(h.output(&format!("s{i}")).await, *s, "string {i}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn root_level_with_a_hostile_role_name_and_an_alias_imports_and_plans_empty() {
    let h = crate::adopt::hand_made_harness().await;
    let role_id = h.sandbox.hand_made()[0].role_id;
    let hostile = HOSTILE_STRINGS[0];
    h.sandbox.state().with_tenant("sandbox", |t| {
        if let Some(role) = t.roles.get_mut(&role_id) {
            role.name = hostile.into();
        }
    });
    // No --role: with --umbrella the role is the one of the key the credentials use.
    let out = crate::adopt::generate_imports(
        &h,
        &[
            "--umbrella",
            "--provider",
            "tenant_a",
            "--output",
            "imports.tf",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let imports = std::fs::read_to_string(h.path().join("imports.tf")).unwrap();
    // Role, its five granted functions (the mistake included), member, key, credentials, two
    // mappings: every block with the aliased provider.
    assert_eq!(imports.matches("import {").count(), 11, "{imports}");
    assert_eq!(
        imports
            .matches("  provider = connectwise.tenant_a\n")
            .count(),
        11,
        "{imports}"
    );
    assert!(
        imports.contains(r#"# security role "Umbrella \"$${x}\" %%{y} \\ end""#),
        "{imports}"
    );
    let aliased = h.provider_block().replacen(
        "provider \"connectwise\" {\n",
        "provider \"connectwise\" {\n  alias = \"tenant_a\"\n",
        1,
    );
    h.raw_config(&aliased);
    let generated = h.generate_config().await;
    assert_eq!(
        generated.matches("= connectwise.tenant_a\n").count(),
        11,
        "every generated resource uses the aliased provider:\n{generated}"
    );
    h.apply().await;
    h.expect_empty_plan().await;
    let state = h.state().await;
    assert_eq!(
        state["connectwise_security_role.umbrella_x_y_end"]["name"],
        hostile
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_umbrella_chain_says_where_it_breaks() {
    // No PSA credentials at all.
    let h = Harness::new().await;
    let out = crate::adopt::generate_imports(&h, &["--umbrella", "--module", "psa"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: the Umbrella console has no PSA credentials"),
        "{stderr}"
    );

    // A role named that is not the one of the key's member.
    let h = crate::adopt::hand_made_harness().await;
    let args = ["--umbrella", "--module", "psa", "--role", "Other"];
    let out = crate::adopt::generate_imports(&h, &args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "belongs to API member \"umbrella-psa\", whose role is \"Umbrella\", not \"Other\""
        ),
        "{stderr}"
    );

    // The credentials name a key that no API member has (deleted by hand).
    let made = h.sandbox.hand_made()[0].clone();
    h.sandbox.state().with_tenant("sandbox", |t| {
        t.api_keys.remove(&made.key_id);
    });
    let out = crate::adopt::generate_imports(&h, &["--umbrella", "--module", "psa"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no ConnectWise API member has an API key with public key \"{}\"",
            made.public_key
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("a key of another member") && stderr.contains("deleted"),
        "{stderr}"
    );
    assert!(!stderr.contains(&h.sandbox.config().tenants[0].private_key));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_root_file_is_never_written_over() {
    let h = crate::adopt::hand_made_harness().await;
    std::fs::write(h.path().join("main.tf"), "# mine\n").unwrap();
    let out =
        crate::adopt::generate_imports(&h, &["--umbrella", "--module", "psa", "--root", "main.tf"])
            .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("main.tf exists already"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(h.path().join("main.tf")).unwrap(),
        "# mine\n"
    );
}
