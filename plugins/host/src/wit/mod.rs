//! The plugin interface's versions, Zed's way: a module per frozen WIT (`since_v*`), a
//! `latest` alias the host is written against, conversions from each older version into the
//! latest, and dispatch by the version a component was built against (read from the version
//! of the `kestrel:plugin/types` interface it imports, which every version's world uses).

pub mod since_v0_1_0;
pub mod since_v0_2_0;

pub use since_v0_2_0 as latest;

use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Store};

use crate::imports::State;

/// The interface versions the host serves, oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V0_1_0,
    V0_2_0,
}

impl Version {
    pub const ALL: [Version; 2] = [Version::V0_1_0, Version::V0_2_0];

    pub fn name(self) -> &'static str {
        match self {
            Version::V0_1_0 => "0.1.0",
            Version::V0_2_0 => "0.2.0",
        }
    }

    /// The version `component` was built against.
    pub fn of(component: &Component, engine: &Engine) -> Result<Version, String> {
        let ty = component.component_type();
        let mut seen = Vec::new();
        for (name, _) in ty.imports(engine) {
            if let Some(v) = name.strip_prefix("kestrel:plugin/types@") {
                seen.push(v.to_owned());
                if let Some(found) = Version::ALL.into_iter().find(|k| k.name() == v) {
                    return Ok(found);
                }
            }
        }
        match seen.first() {
            Some(v) => Err(format!(
                "built against kestrel:plugin@{v}, which this host does not serve (it serves {})",
                Version::ALL.map(Version::name).join(", ")
            )),
            None => Err("not a Kestrel plugin: it does not import kestrel:plugin/types".into()),
        }
    }
}

/// Every served version's imports, and WASI with nothing granted.
pub(crate) fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    wasmtime_wasi::p2::add_to_linker_sync(linker)?;
    since_v0_1_0::Plugin::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    since_v0_2_0::Plugin::add_to_linker::<_, HasSelf<_>>(linker, |s| s)?;
    Ok(())
}

/// An instance's exports, whichever version it was built against; every call takes and
/// returns the latest's types.
pub(crate) enum Bindings {
    V0_1_0(since_v0_1_0::Plugin),
    V0_2_0(since_v0_2_0::Plugin),
}

type Call<T> = wasmtime::Result<T>;

impl Bindings {
    pub(crate) fn instantiate(
        version: Version,
        store: &mut Store<State>,
        component: &Component,
        linker: &Linker<State>,
    ) -> Call<Self> {
        Ok(match version {
            Version::V0_1_0 => {
                Self::V0_1_0(since_v0_1_0::Plugin::instantiate(store, component, linker)?)
            }
            Version::V0_2_0 => {
                Self::V0_2_0(since_v0_2_0::Plugin::instantiate(store, component, linker)?)
            }
        })
    }

    pub(crate) fn call_init(
        &self,
        store: &mut Store<State>,
        settings: &[(String, String)],
    ) -> Call<Result<(), String>> {
        match self {
            Self::V0_1_0(p) => p.call_init(store, settings),
            Self::V0_2_0(p) => p.call_init(store, settings),
        }
    }

    pub(crate) fn call_subscriptions(
        &self,
        store: &mut Store<State>,
    ) -> Call<latest::Subscriptions> {
        match self {
            Self::V0_1_0(p) => Ok(latest::Subscriptions {
                events: since_v0_1_0::kinds(p.call_subscriptions(store)?),
                launch_filter: None,
                topics: Vec::new(),
            }),
            Self::V0_2_0(p) => p.call_subscriptions(store),
        }
    }

    pub(crate) fn call_on_message(
        &self,
        store: &mut Store<State>,
        m: &latest::Inbound,
    ) -> Call<Vec<String>> {
        match self {
            Self::V0_1_0(p) => p.call_on_message(
                store,
                &since_v0_1_0::Inbound {
                    chat: m.chat.clone(),
                    user: m.user.clone(),
                    text: m.text.clone(),
                },
            ),
            Self::V0_2_0(p) => p.call_on_message(store, m),
        }
    }

    /// Hands over `e`; a kind the plugin's version lacks is not delivered.
    pub(crate) fn call_on_event(&self, store: &mut Store<State>, e: &latest::Event) -> Call<()> {
        match self {
            Self::V0_1_0(p) => match since_v0_1_0::event(e) {
                Some(old) => p.call_on_event(store, &old),
                None => Ok(()),
            },
            Self::V0_2_0(p) => p.call_on_event(store, e),
        }
    }

    pub(crate) fn call_on_tick(&self, store: &mut Store<State>, now_ms: u64) -> Call<()> {
        match self {
            Self::V0_1_0(p) => p.call_on_tick(store, now_ms),
            Self::V0_2_0(p) => p.call_on_tick(store, now_ms),
        }
    }

    /// The plugin's answer; none if its version has no webhooks (the ingress says 404).
    pub(crate) fn call_on_webhook(
        &self,
        store: &mut Store<State>,
        r: &latest::WebhookRequest,
    ) -> Call<Option<latest::WebhookResponse>> {
        match self {
            Self::V0_1_0(_) => Ok(None),
            Self::V0_2_0(p) => p.call_on_webhook(store, r).map(Some),
        }
    }

    pub(crate) fn call_on_topic(
        &self,
        store: &mut Store<State>,
        m: &latest::TopicMessage,
    ) -> Call<()> {
        match self {
            // 0.1.0 plugins subscribe to no topic, so none is routed to them.
            Self::V0_1_0(_) => Ok(()),
            Self::V0_2_0(p) => p.call_on_topic(store, m),
        }
    }
}
