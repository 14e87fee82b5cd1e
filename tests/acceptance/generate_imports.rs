//! Bringing a hand-made integration under management: set the seed up by
//! hand through the REST APIs, run `generate-imports`, let Terraform generate
//! the configuration, import, and check the result plans empty.

use api_client::umbrella::{PsaSettingsInput, Umbrella, UmbrellaConfig};
use api_client::{Level, LevelField, NewSecurityRole, Secret};

use crate::harness::{CLIENT_ID, Harness};

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

    let t = h.sandbox.config().tenants[0].clone();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-connectwise"))
        .args([
            "generate-imports",
            "--role",
            "Umbrella",
            "--umbrella",
            "--output",
        ])
        .arg(h.path().join("imports.tf"))
        .env("CONNECTWISE_SITE", h.sandbox.url())
        .env("CONNECTWISE_COMPANY_ID", &t.company_id)
        .env("CONNECTWISE_PUBLIC_KEY", &t.public_key)
        .env("CONNECTWISE_PRIVATE_KEY", &t.private_key)
        .env("CONNECTWISE_CLIENT_ID", CLIENT_ID)
        .env("UMBRELLA_API_KEY", &t.umbrella_api_key)
        .env("UMBRELLA_API_SECRET", &t.umbrella_api_secret)
        .env("UMBRELLA_BASE_URL", h.sandbox.url())
        .output()
        .await
        .unwrap();
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
