//! Execution's first step for one approved order, the same in both layouts: a curve order
//! signed and its first requests written, a routed order handed to the route, and what the
//! kernel must hear at once (a paper fill, an order that could not be signed).

use crate::order::{ExecReport, Order, Venue};

use super::dispatcher::Dispatcher;
use super::sign::Executor;

/// What became of an order at its first step.
// Returned once per order and matched at once; boxing the report would allocate for every
// paper fill and every failure.
#[allow(clippy::large_enum_variant)]
pub enum Executed {
    /// Signed and handed to tracking; `written_everywhere`: every send endpoint already has
    /// the request, so the runtime has nothing left to send now.
    Sent { written_everywhere: bool },
    /// Through the Jupiter route, prepared and tracked where tracking runs.
    Routed,
    /// For the kernel now: a paper fill (the curve's answer at the observed reserves; nothing
    /// is sent) or the reason the order could not be signed.
    Report(ExecReport),
}

impl Dispatcher {
    /// Signs `order` with `executor` and starts its send (see [`Dispatcher::spawn`]), or
    /// hands it to the route; in paper mode nothing is sent.
    pub fn execute(&self, executor: &mut Executor, order: Order, paper: bool) -> Executed {
        if order.venue == Venue::Jupiter {
            self.spawn_routed(order, paper);
            return Executed::Routed;
        }
        match executor.prepare(&order) {
            Ok(p) if paper => Executed::Report(ExecReport::Filled(p.expected)),
            Ok(p) => Executed::Sent {
                written_everywhere: self.spawn(p),
            },
            Err(reason) => Executed::Report(order.failed(reason)),
        }
    }
}
