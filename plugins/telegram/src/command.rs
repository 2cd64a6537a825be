//! The commands: parsed from a message or a button's callback data, run against the engine
//! (through the host), answered in MarkdownV2. Buttons keep their callback data within
//! Telegram's 64 bytes.

use std::collections::HashMap;

use kestrel_plugin_sdk::{CommandError, Event, engine};
use serde_json::{Value, json};

use kestrel_plugin_sdk::amount::{parse_sol, signed_sol, sol};
use kestrel_plugin_sdk::mint::{is_mint, short};

use crate::text::{clip, escape};

/// Telegram's limit on a button's callback data (bytes).
pub const MAX_CALLBACK: usize = 64;
/// The largest quick-buy amount (1000 SOL), so a buy button's data stays within 64 bytes.
pub const MAX_QUICK_BUY: u64 = 1_000_000_000_000;

pub const HELP: &[(&str, &str)] = &[
    ("start", "What this bot does"),
    ("help", "The commands"),
    ("buy", "/buy <mint> [SOL]: buy, or pick an amount"),
    ("sell", "/sell <mint> [percent]: sell, or pick a share"),
    ("positions", "Open positions"),
    ("pnl", "Profit and loss"),
    ("status", "The engine's state"),
    ("pause", "No new entries (exits go on)"),
    ("resume", "Back to trading"),
    ("kill", "Halt, or halt and sell everything (asks first)"),
    ("settings", "This bot's settings"),
];

pub struct Settings {
    pub allowed_users: Vec<i64>,
    pub quick_buy: Vec<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Buy { mint: String, lamports: Option<u64> },
    Sell { mint: String, percent: Option<u8> },
    Positions,
    PnlReport,
    EngineStatus,
    Pause,
    Resume,
    Kill,
    Confirm { sell_all: bool, nonce: u32 },
    Cancel { nonce: u32 },
    Settings,
    Bad(String),
    Unknown(String),
}

/// What a command answers: a new message (maybe with buttons) or, for a button, an edit of
/// the message that carried it.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    Text {
        lines: Vec<String>,
        keyboard: Option<Value>,
    },
    Edit {
        message_id: i64,
        lines: Vec<String>,
        /// The buttons the edited message keeps; none: its buttons go.
        keyboard: Option<Value>,
    },
}

pub struct Outcome {
    pub reply: Reply,
    /// A mint whose fill the chat waits for.
    pub awaiting: Option<String>,
}

/// Kill confirmations on offer: nonce → the chat it was offered in.
#[derive(Default)]
pub struct Confirmations {
    next: u32,
    open: HashMap<u32, i64>,
}

impl Confirmations {
    fn offer(&mut self, chat: i64) -> u32 {
        self.next = self.next.wrapping_add(1);
        if self.open.len() > 64 {
            self.open.clear();
        }
        self.open.insert(self.next, chat);
        self.next
    }

    fn take(&mut self, nonce: u32, chat: i64) -> bool {
        self.open.remove(&nonce) == Some(chat)
    }
}

pub fn name_of(a: &Action) -> &'static str {
    match a {
        Action::Help => "help",
        Action::Buy { .. } => "buy",
        Action::Sell { .. } => "sell",
        Action::Positions => "positions",
        Action::PnlReport => "pnl",
        Action::EngineStatus => "status",
        Action::Pause => "pause",
        Action::Resume => "resume",
        Action::Kill | Action::Confirm { .. } | Action::Cancel { .. } => "kill",
        Action::Settings => "settings",
        Action::Bad(_) | Action::Unknown(_) => "unknown",
    }
}

/// A message's text (`/cmd args`) or a button's callback data.
pub fn parse(text: &str, button: Option<i64>) -> Action {
    let text = text.trim();
    if button.is_some() && !text.starts_with('/') {
        let parts: Vec<&str> = text.split('|').collect();
        return match parts.as_slice() {
            ["b", mint, _] | ["s", mint, _] if !is_mint(mint) => Action::Bad("bad button".into()),
            ["b", mint, l] => match l.parse() {
                Ok(l) => Action::Buy {
                    mint: (*mint).into(),
                    lamports: Some(l),
                },
                Err(_) => Action::Bad("bad button".into()),
            },
            ["s", mint, p] => match p.parse() {
                Ok(p) => Action::Sell {
                    mint: (*mint).into(),
                    percent: Some(p),
                },
                Err(_) => Action::Bad("bad button".into()),
            },
            ["k", how, n] => match n.parse() {
                Ok(nonce) => Action::Confirm {
                    sell_all: *how == "s",
                    nonce,
                },
                Err(_) => Action::Bad("bad button".into()),
            },
            ["x", n] => match n.parse() {
                Ok(nonce) => Action::Cancel { nonce },
                Err(_) => Action::Bad("bad button".into()),
            },
            _ => Action::Bad("unknown button".into()),
        };
    }
    let mut words = text.split_whitespace();
    let Some(first) = words.next() else {
        return Action::Unknown(String::new());
    };
    let Some(cmd) = first.strip_prefix('/') else {
        return Action::Unknown(clip(first, 32));
    };
    // `/buy@SomeBot` in groups.
    let cmd = cmd.split('@').next().unwrap_or(cmd).to_ascii_lowercase();
    let args: Vec<&str> = words.collect();
    match cmd.as_str() {
        "start" | "help" => Action::Help,
        "buy" => match args.as_slice() {
            [mint] if is_mint(mint) => Action::Buy {
                mint: (*mint).into(),
                lamports: None,
            },
            [mint, amount] if is_mint(mint) => match parse_sol(amount) {
                Some(l) if l > 0 => Action::Buy {
                    mint: (*mint).into(),
                    lamports: Some(l),
                },
                _ => Action::Bad(format!(
                    "`{}` is not an amount of SOL (like 0.1)",
                    clip(amount, 32)
                )),
            },
            _ => Action::Bad("usage: /buy <mint> [SOL]".into()),
        },
        "sell" => match args.as_slice() {
            [mint] if is_mint(mint) => Action::Sell {
                mint: (*mint).into(),
                percent: None,
            },
            [mint, pct] if is_mint(mint) => match pct.trim_end_matches('%').parse::<u8>() {
                Ok(p) if (1..=100).contains(&p) => Action::Sell {
                    mint: (*mint).into(),
                    percent: Some(p),
                },
                _ => Action::Bad(format!(
                    "`{}` is not a percent from 1 to 100",
                    clip(pct, 32)
                )),
            },
            _ => Action::Bad("usage: /sell <mint> [percent]".into()),
        },
        "positions" => Action::Positions,
        "pnl" => Action::PnlReport,
        "status" => Action::EngineStatus,
        "pause" => Action::Pause,
        "resume" => Action::Resume,
        "kill" => Action::Kill,
        "settings" => Action::Settings,
        other => Action::Unknown(format!("/{}", clip(other, 32))),
    }
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn text(lines: Vec<String>) -> Reply {
    Reply::Text {
        lines,
        keyboard: None,
    }
}

fn error_text(e: &CommandError) -> String {
    match e {
        CommandError::NotGranted => "this bot may not send engine commands".into(),
        CommandError::BadInput(m) => m.clone(),
        CommandError::Refused(m) => format!("refused: {m}"),
        CommandError::Unavailable => "the engine is not available".into(),
    }
}

/// A button: label and callback data (checked against the 64-byte limit).
pub fn button(label: &str, data: String) -> Value {
    debug_assert!(data.len() <= MAX_CALLBACK, "{data}");
    json!({ "text": label, "callback_data": data })
}

fn keyboard(rows: Vec<Vec<Value>>) -> Option<Value> {
    Some(json!({ "inline_keyboard": rows }))
}

pub fn refusal() -> Reply {
    text(vec![escape(
        "Sorry, this bot only takes orders from its operator.",
    )])
}

/// The engine's answer, said once: its own words (capitalised), or why not.
fn answer(r: Result<String, CommandError>) -> String {
    match r {
        Ok(m) => {
            let mut c = m.chars();
            let said: String = match c.next() {
                Some(first) => first.to_uppercase().chain(c).collect(),
                None => "Done".into(),
            };
            escape(&said)
        }
        Err(e) => escape(&format!("Not done: {}", error_text(&e))),
    }
}

/// The guardian's cap on one buy, lamports (0: none known).
fn buy_cap() -> u64 {
    engine::status().max_buy_lamports
}

/// What a trading state means to the operator.
fn state_text(state: &str) -> String {
    match state {
        "active" => "active".into(),
        "paused" => "paused: entries stopped by the operator, exits go on (/resume)".into(),
        "halted" => {
            "halted: the kill switch or the daily loss limit stopped entries, exits go on (/resume)"
                .into()
        }
        "reducing" => "reducing: selling every position".into(),
        other => other.into(),
    }
}

/// Runs an action; the reply and a short note (for a button's answer).
pub fn run(
    a: Action,
    s: &Settings,
    confirmations: &mut Confirmations,
    chat: i64,
) -> (Outcome, String) {
    let plain = |reply| Outcome {
        reply,
        awaiting: None,
    };
    match a {
        Action::Help => {
            let mut l = vec![format!("*{}*", escape("Kestrel"))];
            l.extend(HELP.iter().map(|(n, d)| escape(&format!("/{n} — {d}"))));
            (plain(text(l)), String::new())
        }
        Action::Buy {
            mint,
            lamports: None,
        } => {
            let cap = buy_cap();
            let row: Vec<Value> = s
                .quick_buy
                .iter()
                .filter(|l| cap == 0 || **l <= cap)
                .map(|l| button(&format!("{} SOL", sol(*l)), format!("b|{mint}|{l}")))
                .collect();
            let reply = if row.is_empty() {
                text(vec![escape(&format!(
                    "The guardian caps a buy at {} SOL, below every quick-buy amount: /buy {} <SOL>",
                    sol(cap),
                    mint
                ))])
            } else {
                Reply::Text {
                    lines: vec![escape(&format!("Buy {}: how much?", short(&mint)))],
                    keyboard: keyboard(vec![row]),
                }
            };
            (plain(reply), String::new())
        }
        Action::Buy {
            mint,
            lamports: Some(l),
        } => {
            let cap = buy_cap();
            if cap > 0 && l > cap {
                let why = format!(
                    "Not sent: {} SOL is above the guardian's cap of {} SOL a buy",
                    sol(l),
                    sol(cap)
                );
                return (plain(text(vec![escape(&why)])), "Above the cap".into());
            }
            let r = engine::buy(&mint, l);
            let ok = r.is_ok();
            let mut lines = vec![answer(r)];
            if ok {
                lines.push(escape(
                    "The guardian checks it now: the fill, or why it did not go through, comes here.",
                ));
            }
            let note = if ok { "Order sent" } else { "Not done" };
            (
                Outcome {
                    reply: text(lines),
                    awaiting: ok.then_some(mint),
                },
                note.into(),
            )
        }
        Action::Sell {
            mint,
            percent: None,
        } => {
            let row = [25u8, 50, 100]
                .iter()
                .map(|p| button(&format!("{p} %"), format!("s|{mint}|{p}")))
                .collect();
            let reply = Reply::Text {
                lines: vec![escape(&format!("Sell {}: how much?", short(&mint)))],
                keyboard: keyboard(vec![row]),
            };
            (plain(reply), String::new())
        }
        Action::Sell {
            mint,
            percent: Some(p),
        } => {
            let r = engine::sell(&mint, p);
            let ok = r.is_ok();
            let l = vec![answer(r)];
            (
                Outcome {
                    reply: text(l),
                    awaiting: ok.then_some(mint),
                },
                if ok { "Order sent" } else { "Not done" }.into(),
            )
        }
        Action::Positions => {
            let ps = engine::positions();
            let mut l = vec![format!(
                "*{}*",
                escape(&format!("{} open positions", ps.len()))
            )];
            for p in ps {
                let pnl = i128::from(p.value_lamports) - i128::from(p.cost_lamports);
                let flag = if p.graduated {
                    " (graduated)"
                } else if p.selling {
                    " (selling)"
                } else {
                    ""
                };
                l.push(escape(&format!(
                    "{} {} tokens, cost {} SOL, now {} SOL ({}){flag}",
                    p.mint,
                    p.tokens,
                    sol(p.cost_lamports),
                    sol(p.value_lamports),
                    signed_sol(i64::try_from(pnl).unwrap_or(i64::MAX)),
                )));
            }
            (plain(text(l)), String::new())
        }
        Action::PnlReport => {
            let p = engine::pnl();
            let l = vec![
                format!("*{}*", escape("Profit and loss")),
                escape(&format!(
                    "Realized: {} SOL",
                    signed_sol(p.realized_lamports)
                )),
                escape(&format!(
                    "Unrealized: {} SOL",
                    signed_sol(p.unrealized_lamports)
                )),
                escape(&format!(
                    "Open: {} positions, {} SOL at cost",
                    p.open_positions,
                    sol(p.exposure_lamports)
                )),
                escape(&format!("Wallet: {} SOL", sol(p.wallet_lamports))),
            ];
            (plain(text(l)), String::new())
        }
        Action::EngineStatus => {
            let st = engine::status();
            let mut l = vec![
                format!("*{}*", escape(&format!("Trading: {}", st.trading_state))),
                escape(&state_text(&st.trading_state)),
                escape(&format!(
                    "Launches seen {}, bought {}, sold {}, open {}, slot {}",
                    st.launches, st.bought, st.sold, st.open_positions, st.slot
                )),
            ];
            if st.max_buy_lamports > 0 {
                l.push(escape(&format!(
                    "Largest buy the guardian allows: {} SOL",
                    sol(st.max_buy_lamports)
                )));
            }
            (plain(text(l)), String::new())
        }
        Action::Pause => (plain(text(vec![answer(engine::pause())])), String::new()),
        Action::Resume => (plain(text(vec![answer(engine::resume())])), String::new()),
        Action::Kill => {
            let n = confirmations.offer(chat);
            let reply = Reply::Text {
                lines: vec![escape(
                    "Kill switch: halt new entries, or halt and sell every position?",
                )],
                keyboard: keyboard(vec![
                    vec![
                        button("Halt", format!("k|h|{n}")),
                        button("Halt and sell all", format!("k|s|{n}")),
                    ],
                    vec![button("Cancel", format!("x|{n}"))],
                ]),
            };
            (plain(reply), String::new())
        }
        Action::Confirm { sell_all, nonce } => {
            if !confirmations.take(nonce, chat) {
                return (
                    plain(text(vec![escape("That confirmation has expired.")])),
                    "Expired".into(),
                );
            }
            (
                plain(text(vec![answer(engine::kill(sell_all))])),
                "Done".into(),
            )
        }
        Action::Cancel { nonce } => {
            confirmations.take(nonce, chat);
            (plain(text(vec![escape("Cancelled.")])), "Cancelled".into())
        }
        Action::Settings => {
            let l = vec![
                format!("*{}*", escape("Settings")),
                escape(&format!("Operators: {}", s.allowed_users.len())),
                escape(&format!(
                    "Quick buys: {} SOL",
                    s.quick_buy
                        .iter()
                        .map(|l| sol(*l))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ];
            (plain(text(l)), String::new())
        }
        Action::Bad(why) => (plain(text(lines(&[&escape(&why)]))), "Bad input".into()),
        Action::Unknown(c) => (
            plain(text(vec![escape(&format!(
                "Unknown command {c}. Try /help."
            ))])),
            String::new(),
        ),
    }
}

/// An engine event as lines, and the mint whose waiting chats should see it.
pub fn event_lines(e: &Event) -> (Vec<String>, Option<String>) {
    match e {
        Event::Fill(f) => {
            let what = if f.is_buy {
                format!(
                    "Bought {} tokens of {} for {} SOL, fees in ({})",
                    f.tokens,
                    f.mint,
                    sol(f.sol_lamports),
                    f.why
                )
            } else {
                let pnl = f
                    .realized_lamports
                    .map(|r| format!(", realized {} SOL", signed_sol(r)))
                    .unwrap_or_default();
                format!(
                    "Sold {} tokens of {} for {} SOL, fees in{pnl} ({})",
                    f.tokens,
                    f.mint,
                    sol(f.sol_lamports),
                    f.why
                )
            };
            (
                vec![escape(&what), format!("`{}`", escape(&f.signature))],
                Some(f.mint.clone()),
            )
        }
        Event::Exit(x) => (
            vec![escape(&format!("Exit of {}: {}", x.mint, x.reason))],
            None,
        ),
        Event::StateChanged(st) => (
            vec![escape(&format!("Trading state: {}", state_text(st)))],
            None,
        ),
        Event::Alert(a) => (vec![escape(&format!("Alert: {a}"))], None),
        Event::Launch(l) => (
            vec![escape(&format!(
                "Launch: {} ({}) {}",
                l.name, l.symbol, l.mint
            ))],
            None,
        ),
        Event::Digest(d) => (
            vec![
                format!("*{}*", escape(&format!("Day {}", d.day))),
                escape(&format!(
                    "{} launches seen, {} bought, {} sold, realized {} SOL",
                    d.launches,
                    d.bought,
                    d.sold,
                    signed_sol(d.realized_lamports)
                )),
                escape(&format!(
                    "{} positions open, wallet {} SOL",
                    d.open_positions,
                    sol(d.wallet_lamports)
                )),
            ],
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINT: &str = "6EF8rrecthR5Dkzon8Nwu78hRvfCKubJ14M5uBEwF6Pz";

    #[test]
    fn commands_parse_with_their_arguments() {
        assert_eq!(parse("/start", None), Action::Help);
        assert_eq!(
            parse("/buy@KestrelBot", None),
            Action::Bad("usage: /buy <mint> [SOL]".into())
        );
        assert_eq!(
            parse(&format!("/buy {MINT} 0.1"), None),
            Action::Buy {
                mint: MINT.into(),
                lamports: Some(100_000_000)
            }
        );
        assert_eq!(
            parse(&format!("/buy {MINT}"), None),
            Action::Buy {
                mint: MINT.into(),
                lamports: None
            }
        );
        assert!(matches!(
            parse(&format!("/buy {MINT} -1"), None),
            Action::Bad(_)
        ));
        assert!(matches!(parse("/buy notamint 1", None), Action::Bad(_)));
        assert_eq!(
            parse(&format!("/sell {MINT} 50%"), None),
            Action::Sell {
                mint: MINT.into(),
                percent: Some(50)
            }
        );
        assert!(matches!(
            parse(&format!("/sell {MINT} 101"), None),
            Action::Bad(_)
        ));
        assert_eq!(
            parse("/frobnicate", None),
            Action::Unknown("/frobnicate".into())
        );
    }

    #[test]
    fn buttons_round_trip_and_fit_in_64_bytes() {
        let longest_mint = "z".repeat(44);
        for data in [
            format!("b|{longest_mint}|{MAX_QUICK_BUY}"),
            format!("s|{longest_mint}|100"),
            format!("k|s|{}", u32::MAX),
            format!("x|{}", u32::MAX),
        ] {
            assert!(data.len() <= MAX_CALLBACK, "{data} is {} bytes", data.len());
        }
        assert_eq!(
            parse(&format!("b|{MINT}|250000000"), Some(1)),
            Action::Buy {
                mint: MINT.into(),
                lamports: Some(250_000_000)
            }
        );
        assert_eq!(
            parse("k|s|7", Some(1)),
            Action::Confirm {
                sell_all: true,
                nonce: 7
            }
        );
        assert_eq!(parse("x|7", Some(1)), Action::Cancel { nonce: 7 });
        assert!(matches!(parse("zz", Some(1)), Action::Bad(_)));
    }

    #[test]
    fn a_confirmation_is_good_once_and_only_in_its_chat() {
        let mut c = Confirmations::default();
        let n = c.offer(5);
        assert!(!c.take(n, 6));
        let n = c.offer(5);
        assert!(c.take(n, 5));
        assert!(!c.take(n, 5));
    }
}
