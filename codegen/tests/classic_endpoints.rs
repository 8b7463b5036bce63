//! Models from before endpoint rule sets get the generator's classic rules: they must resolve
//! as the service's real rule set does, for every region of every partition, standard and FIPS;
//! dual-stack as the partitions say (Cognito's own rules special-case it).

use cognito_idp_runtime::endpoint::{EndpointParams, EndpointResolver};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
}

#[test]
fn classic_rules_resolve_as_the_real_rule_set_does() {
    let partitions = read("model/partitions.json");
    let real = EndpointResolver::new(
        &read("model/cognito-idp/2016-04-18/endpoint-rule-set-1.json"),
        &partitions,
    )
    .unwrap();
    let classic = EndpointResolver::new(
        &cognito_idp_codegen::lower::endpoints::classic_rules("cognito-idp"),
        &partitions,
    )
    .unwrap();
    let table: serde_json::Value = serde_json::from_str(&partitions).unwrap();
    let mut regions: Vec<String> = table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["regions"].as_object().unwrap().keys().cloned())
        .collect();
    regions.push("xx-unlisted-9".into());
    let mut compared = 0;
    for region in &regions {
        for (fips, dual) in [(false, false), (true, false)] {
            let mut params = EndpointParams::default();
            params.region = Some(region.clone());
            params.use_fips = fips;
            params.use_dual_stack = dual;
            let (want, got) = (real.resolve(&params), classic.resolve(&params));
            // Where the real rules refuse a combination, the classic ones may serve it: only
            // answers the real rules give are compared.
            if let Ok(want) = want {
                assert_eq!(
                    got.as_ref().ok(),
                    Some(&want),
                    "{region} fips={fips} dual={dual}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared > 2 * 30, "{compared} answers compared");
    let mut dual = EndpointParams::default();
    dual.region = Some("eu-west-1".into());
    dual.use_dual_stack = true;
    assert_eq!(
        classic.resolve(&dual).unwrap(),
        "https://cognito-idp.eu-west-1.api.aws"
    );
    dual.region = Some("cn-north-1".into());
    assert!(
        classic
            .resolve(&dual)
            .unwrap()
            .ends_with(".cn-north-1.api.amazonwebservices.com.cn")
    );

    let mut given = EndpointParams::default();
    given.endpoint = Some("http://127.0.0.1:9229".into());
    assert_eq!(classic.resolve(&given).unwrap(), "http://127.0.0.1:9229");
    given.use_fips = true;
    assert!(classic.resolve(&given).is_err());
    assert!(
        classic.resolve(&EndpointParams::default()).is_err(),
        "no region"
    );
}
