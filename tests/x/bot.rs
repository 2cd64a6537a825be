//! The X bot as the tests run it: its spec against the X and LLM fakes, signed with the
//! fake's OAuth 1.0a credentials, publishing on `x-approvals` and taking `x-actions`.

use std::time::Duration;

use kestrel_plugin_host::latest::EventKinds;
use kestrel_plugin_host::oauth1::Credentials;
use kestrel_plugin_host::{Grants, PluginLimits, PluginSource, PluginSpec, Signer};

use super::{llm_fake, x_fake};

/// The spec: `approvers` and `extra` settings on top of the tests' defaults (no spacing, the
/// LLM fake with prices).
pub(crate) fn spec(
    x_base: &str,
    llm_base: &str,
    approvers: &str,
    extra: &[(&str, &str)],
) -> PluginSpec {
    let mut settings: Vec<(String, String)> = [
        ("api_base", x_base),
        ("approvers", approvers),
        ("min_spacing_minutes", "0"),
        ("llm_base", &format!("{llm_base}/v1")),
        ("llm_model", "gpt-test"),
        ("llm_price_in_per_mtok", "0.15"),
        ("llm_price_out_per_mtok", "0.60"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    for (k, v) in extra {
        settings.retain(|(sk, _)| sk != k);
        settings.push(((*k).to_owned(), (*v).to_owned()));
    }
    PluginSpec {
        name: "x".into(),
        source: PluginSource::Bytes(kestrel_plugin_bundle::X),
        settings,
        grants: Grants {
            http_hosts: vec!["127.0.0.1".into()],
            secrets: vec![("llm_key".into(), llm_fake::KEY.into())],
            signers: vec![(
                "x".into(),
                Signer::OAuth1(Credentials {
                    consumer_key: x_fake::CONSUMER_KEY.into(),
                    consumer_secret: x_fake::CONSUMER_SECRET.into(),
                    token: x_fake::TOKEN.into(),
                    token_secret: x_fake::TOKEN_SECRET.into(),
                }),
            )],
            engine_views: true,
            events: EventKinds::FILLS | EventKinds::STATES | EventKinds::DIGESTS,
            publish_topics: vec!["x-approvals".into()],
            subscribe_topics: vec!["x-actions".into()],
            ..Grants::default()
        },
        limits: PluginLimits {
            tick: Duration::from_millis(100),
            ..PluginLimits::default()
        },
    }
}
