//! Operator commands: pause, resume, kill (halt, or halt and sell all), sell, buy.

use kestrel_guardian::TradingState;
use kestrel_guardian::exits::ExitReason;
use kestrel_model::{Clock, mono_nanos};
use solana_pubkey::Pubkey;

use crate::order::{Command, Order, Why};

use super::Kernel;

impl<C: Clock> Kernel<C> {
    /// A command from the control plane; sells it leads to are pushed to `out`.
    pub fn on_command(&mut self, c: Command, out: &mut Vec<Order>) {
        let before = self.guardian.state();
        match c {
            Command::Pause => self.guardian.set_state(TradingState::Paused),
            Command::Resume => self.guardian.set_state(TradingState::Active),
            Command::Kill { sell_all: false } => self.guardian.set_state(TradingState::Halted),
            Command::Kill { sell_all: true } => {
                self.guardian.set_state(TradingState::Reducing);
                let mut mints: Vec<Pubkey> = self.book.positions().map(|p| p.mint).collect();
                // In mint order, not the map's: the same book makes the same orders (backtests are
                // byte-identical run to run).
                mints.sort_unstable();
                for mint in mints {
                    if let Some(o) = self.sell_order(mint, 100, Why::Exit(ExitReason::Kill)) {
                        out.push(o);
                    }
                }
            }
            Command::Sell { mint, percent } => {
                if let Some(o) = self.sell_order(mint, percent, Why::Exit(ExitReason::Manual)) {
                    out.push(o);
                }
            }
            Command::Buy {
                info,
                reserves,
                complete,
                spend,
            } => {
                if let Some(o) = self.operator_buy(info, reserves, complete, spend) {
                    out.push(o);
                }
            }
        }
        if self.guardian.state() != before {
            self.record_state(match c {
                Command::Pause => "command: pause",
                Command::Resume => "command: resume",
                Command::Kill { sell_all: true } => "command: kill, sell all",
                _ => "command: kill",
            });
        }
        self.publish(mono_nanos(), true);
    }
}
