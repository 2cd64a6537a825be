//! The guest side of Kestrel's plugin interface (`kestrel:plugin@0.1.0`). A plugin author
//! implements [`Plugin`] in plain Rust and registers it with [`register_plugin!`]; the host
//! calls it through the component model. What the host offers is re-exported as plain
//! functions: [`http::send`], [`engine`] commands and views, [`kv`], [`log::log`],
//! [`clock::now_ms`].
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
        path: "../wit/since_v0.1.0",
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
    CommandError, CommandSpec, EngineStatus, Event, EventKinds, Fill, HttpError, HttpRequest,
    HttpResponse, Inbound, Level, PnlReport, Position,
};
pub use bindings::kestrel::plugin::{clock, engine, http, kv, log};

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

    fn subscriptions(&self) -> EventKinds {
        EventKinds::empty()
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

            fn subscriptions() -> $crate::EventKinds {
                $crate::__with($crate::EventKinds::empty(), |p| p.subscriptions())
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
        }

        $crate::__export!(__KestrelPluginExport with_types_in $crate::__bindings);
    };
}
