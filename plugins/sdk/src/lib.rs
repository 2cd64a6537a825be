//! The guest side of Kestrel's plugin interface, the latest version (`kestrel:plugin@0.2.0`,
//! `plugins/wit/since_v0.2.0`). A plugin author implements [`Plugin`] in plain Rust and
//! registers it with [`register_plugin!`]; the host calls it through the component model.
//! What the host offers is re-exported as plain functions: [`http::send`], [`engine`]
//! commands and views, [`kv`] (durable), [`topics::publish`], [`log::log`],
//! [`clock::now_ms`]. A plugin built with an older SDK keeps running: the host serves every
//! version.
//!
//! ```ignore
//! struct Echo;
//! impl kestrel_plugin_sdk::Plugin for Echo {
//!     fn init(_: Vec<(String, String)>) -> Result<Self, String> { Ok(Echo) }
//!     fn on_message(&mut self, m: Inbound) -> Vec<String> { vec![m.text] }
//! }
//! kestrel_plugin_sdk::register_plugin!(Echo);
//! ```

// The bindings are generated code: unsafe ABI glue.
#[doc(hidden)]
#[allow(unsafe_code, clippy::all, missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit/since_v0.2.0",
        world: "plugin",
        pub_export_macro: true,
        default_bindings_module: "kestrel_plugin_sdk::__bindings",
    });
}

#[doc(hidden)]
pub use bindings as __bindings;
#[doc(hidden)]
pub use bindings::Guest as __Guest;
#[doc(hidden)]
pub use bindings::export as __export;

pub use bindings::kestrel::plugin::types::{
    CommandError, CommandSpec, CurveView, Digest, EngineStatus, Event, EventKinds, Exit, Fill,
    HttpError, HttpRequest, HttpResponse, Inbound, KvError, Launch, LaunchFilter, Level, PnlReport,
    Position, Subscriptions, TopicError, TopicMessage, WebhookRequest, WebhookResponse,
};
pub use bindings::kestrel::plugin::{clock, engine, http, kv, log, topics};

// What every bot needs beside the interface: amounts, mints, percent-encoding; and the X
// bot's approval actions the chat bots share.
pub mod amount;
pub mod mint;
pub mod percent;
pub mod xactions;

use std::cell::RefCell;

/// A plugin. Only `init` is required; the rest default to doing nothing.
pub trait Plugin: 'static {
    /// Builds the plugin from its settings (from config; no secrets).
    fn init(settings: Vec<(String, String)>) -> Result<Self, String>
    where
        Self: Sized;

    fn commands(&self) -> Vec<CommandSpec> {
        Vec::new()
    }

    /// The events, launches and topics it wants (the host gives what config also grants).
    fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            events: EventKinds::empty(),
            launch_filter: None,
            topics: Vec::new(),
        }
    }

    /// A message the host hands over; the replies to post.
    fn on_message(&mut self, message: Inbound) -> Vec<String> {
        let _ = message;
        Vec::new()
    }

    fn on_event(&mut self, event: Event) {
        let _ = event;
    }

    fn on_tick(&mut self, now_ms: u64) {
        let _ = now_ms;
    }

    /// A request on the host's ingress for this plugin, already verified by the host.
    fn on_webhook(&mut self, request: WebhookRequest) -> WebhookResponse {
        let _ = request;
        not_found()
    }

    /// A message on a topic it receives.
    fn on_topic(&mut self, message: TopicMessage) {
        let _ = message;
    }
}

/// The answer to a webhook the plugin does not serve.
pub fn not_found() -> WebhookResponse {
    WebhookResponse {
        status: 404,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: b"no such hook".to_vec(),
    }
}

thread_local! {
    static INSTANCE: RefCell<Option<Box<dyn Plugin>>> = RefCell::new(None);
}

#[doc(hidden)]
pub fn __install(p: Box<dyn Plugin>) {
    INSTANCE.with(|i| *i.borrow_mut() = Some(p));
}

#[doc(hidden)]
pub fn __with<R>(default: R, f: impl FnOnce(&mut dyn Plugin) -> R) -> R {
    INSTANCE.with(|i| match i.borrow_mut().as_mut() {
        Some(p) => f(p.as_mut()),
        None => default,
    })
}

/// Exports `$t` (a [`Plugin`]) as the component's implementation of the world.
#[macro_export]
macro_rules! register_plugin {
    ($t:ty) => {
        struct __KestrelPluginExport;

        impl $crate::__Guest for __KestrelPluginExport {
            fn init(settings: ::std::vec::Vec<(::std::string::String, ::std::string::String)>)
                -> ::std::result::Result<(), ::std::string::String>
            {
                let p = <$t as $crate::Plugin>::init(settings)?;
                $crate::__install(::std::boxed::Box::new(p));
                Ok(())
            }

            fn commands() -> ::std::vec::Vec<$crate::CommandSpec> {
                $crate::__with(::std::vec::Vec::new(), |p| p.commands())
            }

            fn subscriptions() -> $crate::Subscriptions {
                $crate::__with(
                    $crate::Subscriptions {
                        events: $crate::EventKinds::empty(),
                        launch_filter: ::std::option::Option::None,
                        topics: ::std::vec::Vec::new(),
                    },
                    |p| p.subscriptions(),
                )
            }

            fn on_message(message: $crate::Inbound) -> ::std::vec::Vec<::std::string::String> {
                $crate::__with(::std::vec::Vec::new(), |p| p.on_message(message))
            }

            fn on_event(event: $crate::Event) {
                $crate::__with((), |p| p.on_event(event))
            }

            fn on_tick(now_ms: u64) {
                $crate::__with((), |p| p.on_tick(now_ms))
            }

            fn on_webhook(request: $crate::WebhookRequest) -> $crate::WebhookResponse {
                $crate::__with($crate::not_found(), |p| p.on_webhook(request))
            }

            fn on_topic(message: $crate::TopicMessage) {
                $crate::__with((), |p| p.on_topic(message))
            }
        }

        $crate::__export!(__KestrelPluginExport with_types_in $crate::__bindings);
    };
}
