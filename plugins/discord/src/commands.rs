//! The commands as one table: each names its options, who may use it, and its handler. The
//! registration Discord receives (`PUT …/commands`) is derived from this table, and so is
//! the access check the bot makes before any handler runs: moderation commands carry
//! `default_member_permissions`, and the member's permissions in the interaction are checked
//! again, since a server admin can change who sees a command.

use kestrel_plugin_sdk::WebhookResponse;
use serde_json::{Value, json};

use crate::interaction::{
    BAN_MEMBERS, Interaction, KICK_MEMBERS, MANAGE_GUILD, MANAGE_MESSAGES, MODERATE_MEMBERS,
    Options,
};
use crate::{Discord, automod, desk, moderation};

pub type Handler = fn(&mut Discord, &Interaction, &Options) -> WebhookResponse;

/// Who may run a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads the desk: traders, or anyone with `public_views`.
    View,
    /// Trades or steers the engine: traders only.
    Trade,
    /// Moderates: members holding one of these permission bits.
    Moderate(u64),
    /// Anyone in the server.
    Member,
}

/// Command types.
pub const CHAT_INPUT: u8 = 1;
pub const MESSAGE: u8 = 3;

/// Option types.
const SUB_COMMAND: u8 = 1;
const SUB_COMMAND_GROUP: u8 = 2;
const STRING: u8 = 3;
const INTEGER: u8 = 4;
const USER: u8 = 6;

pub struct Opt {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: u8,
    pub required: bool,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub choices: &'static [(&'static str, i64)],
    pub autocomplete: bool,
    pub options: &'static [Opt],
}

const fn opt(name: &'static str, description: &'static str, kind: u8, required: bool) -> Opt {
    Opt {
        name,
        description,
        kind,
        required,
        min: None,
        max: None,
        choices: &[],
        autocomplete: false,
        options: &[],
    }
}

const fn int(
    name: &'static str,
    description: &'static str,
    required: bool,
    min: i64,
    max: i64,
) -> Opt {
    Opt {
        min: Some(min),
        max: Some(max),
        ..opt(name, description, INTEGER, required)
    }
}

const fn sub(name: &'static str, description: &'static str, options: &'static [Opt]) -> Opt {
    Opt {
        options,
        ..opt(name, description, SUB_COMMAND, false)
    }
}

const MINT: Opt = opt("mint", "The coin's mint address", STRING, true);
const MEMBER: Opt = opt("user", "The member", USER, true);
const REASON: Opt = opt(
    "reason",
    "Why (kept in the case and the audit log)",
    STRING,
    false,
);

pub struct Command {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: u8,
    pub access: Access,
    pub options: &'static [Opt],
    pub run: Handler,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: "status",
        description: "The engine's trading state and counts",
        kind: CHAT_INPUT,
        access: Access::View,
        options: &[],
        run: desk::status,
    },
    Command {
        name: "positions",
        description: "Open positions",
        kind: CHAT_INPUT,
        access: Access::View,
        options: &[],
        run: desk::positions,
    },
    Command {
        name: "pnl",
        description: "Profit and loss, today or a past day",
        kind: CHAT_INPUT,
        access: Access::View,
        options: &[opt(
            "day",
            "YYYY-MM-DD (UTC); today if left out",
            STRING,
            false,
        )],
        run: desk::pnl,
    },
    Command {
        name: "price",
        description: "A coin's bonding curve: price, market cap, progress",
        kind: CHAT_INPUT,
        access: Access::View,
        options: &[MINT],
        run: desk::price,
    },
    Command {
        name: "buy",
        description: "Buy a coin (asks to confirm)",
        kind: CHAT_INPUT,
        access: Access::Trade,
        options: &[
            MINT,
            opt(
                "sol",
                "How much SOL; choose from buttons if left out",
                STRING,
                false,
            ),
        ],
        run: desk::buy,
    },
    Command {
        name: "sell",
        description: "Sell a share of a position (asks to confirm)",
        kind: CHAT_INPUT,
        access: Access::Trade,
        options: &[
            Opt {
                autocomplete: true,
                ..MINT
            },
            int(
                "percent",
                "1 to 100; choose from buttons if left out",
                false,
                1,
                100,
            ),
        ],
        run: desk::sell,
    },
    Command {
        name: "pause",
        description: "No new entries (exits go on)",
        kind: CHAT_INPUT,
        access: Access::Trade,
        options: &[],
        run: desk::pause,
    },
    Command {
        name: "resume",
        description: "Back to trading",
        kind: CHAT_INPUT,
        access: Access::Trade,
        options: &[],
        run: desk::resume,
    },
    Command {
        name: "kill",
        description: "Halt, or halt and sell everything (asks to confirm)",
        kind: CHAT_INPUT,
        access: Access::Trade,
        options: &[],
        run: desk::kill,
    },
    Command {
        name: "warn",
        description: "Warn a member (strikes may escalate)",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[MEMBER, REASON],
        run: moderation::warn,
    },
    Command {
        name: "timeout",
        description: "Time a member out",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[
            MEMBER,
            opt("duration", "10m, 2h, 1d… (at most 28d)", STRING, true),
            REASON,
        ],
        run: moderation::timeout,
    },
    Command {
        name: "untimeout",
        description: "Lift a member's timeout",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[MEMBER, REASON],
        run: moderation::untimeout,
    },
    Command {
        name: "kick",
        description: "Kick a member",
        kind: CHAT_INPUT,
        access: Access::Moderate(KICK_MEMBERS),
        options: &[MEMBER, REASON],
        run: moderation::kick,
    },
    Command {
        name: "ban",
        description: "Ban a member",
        kind: CHAT_INPUT,
        access: Access::Moderate(BAN_MEMBERS),
        options: &[
            MEMBER,
            REASON,
            Opt {
                choices: &[
                    ("None", 0),
                    ("Last hour", 3_600),
                    ("Last day", 86_400),
                    ("Last 7 days", 604_800),
                ],
                ..opt(
                    "delete_messages",
                    "Delete their recent messages",
                    INTEGER,
                    false,
                )
            },
        ],
        run: moderation::ban,
    },
    Command {
        name: "unban",
        description: "Lift a ban",
        kind: CHAT_INPUT,
        access: Access::Moderate(BAN_MEMBERS),
        options: &[MEMBER, REASON],
        run: moderation::unban,
    },
    Command {
        name: "purge",
        description: "Delete this channel's last messages (under two weeks old)",
        kind: CHAT_INPUT,
        access: Access::Moderate(MANAGE_MESSAGES),
        options: &[int("count", "How many, 1 to 100", true, 1, 100), REASON],
        run: moderation::purge,
    },
    Command {
        name: "case",
        description: "Show a moderation case",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[int("number", "The case number", true, 1, 1 << 40)],
        run: moderation::case,
    },
    Command {
        name: "cases",
        description: "A member's moderation cases",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[MEMBER],
        run: moderation::cases,
    },
    Command {
        name: "reason",
        description: "Change a case's reason",
        kind: CHAT_INPUT,
        access: Access::Moderate(MODERATE_MEMBERS),
        options: &[
            int("case", "The case number", true, 1, 1 << 40),
            opt("text", "The new reason", STRING, true),
        ],
        run: moderation::reason,
    },
    Command {
        name: "automod",
        description: "The server's AutoMod rules kept by Kestrel",
        kind: CHAT_INPUT,
        access: Access::Moderate(MANAGE_GUILD),
        options: &[
            Opt {
                options: &[
                    sub(
                        "add",
                        "Block messages with this word",
                        &[opt("word", "A word or phrase (≤60)", STRING, true)],
                    ),
                    sub(
                        "remove",
                        "Stop blocking this word",
                        &[opt("word", "The word or phrase", STRING, true)],
                    ),
                    sub("list", "The blocked words", &[]),
                ],
                ..opt("keyword", "Blocked words", SUB_COMMAND_GROUP, false)
            },
            sub(
                "mentions",
                "Block messages that mention too many members",
                &[int(
                    "limit",
                    "Mentions a message may hold, 1 to 50",
                    true,
                    1,
                    50,
                )],
            ),
        ],
        run: automod::command,
    },
    Command {
        name: "Report message",
        description: "",
        kind: MESSAGE,
        access: Access::Member,
        options: &[],
        run: moderation::report,
    },
    Command {
        name: "x",
        description: "The X bot: its queue, drafts and approvals (/x help)",
        kind: CHAT_INPUT,
        access: Access::Member,
        options: &[opt(
            "command",
            "An /x command, as in Telegram: queue, new <text>, approve <id>...",
            STRING,
            false,
        )],
        run: crate::xdesk::x_command,
    },
];

pub fn find(name: &str, kind: u64) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == name && u64::from(c.kind) == kind)
}

fn opt_json(o: &Opt) -> Value {
    let mut v = json!({ "name": o.name, "description": o.description, "type": o.kind });
    if o.kind != SUB_COMMAND && o.kind != SUB_COMMAND_GROUP {
        v["required"] = json!(o.required);
    }
    if let Some(m) = o.min {
        v["min_value"] = json!(m);
    }
    if let Some(m) = o.max {
        v["max_value"] = json!(m);
    }
    if !o.choices.is_empty() {
        v["choices"] = o
            .choices
            .iter()
            .map(|(n, val)| json!({ "name": n, "value": val }))
            .collect();
    }
    if o.autocomplete {
        v["autocomplete"] = json!(true);
    }
    if !o.options.is_empty() {
        v["options"] = o.options.iter().map(opt_json).collect();
    }
    v
}

/// The body of `PUT …/commands`: every command, from the table.
pub fn registration() -> Value {
    COMMANDS
        .iter()
        .map(|c| {
            let mut v = json!({ "name": c.name, "type": c.kind, "contexts": [0] });
            if c.kind == CHAT_INPUT {
                v["description"] = json!(c.description);
                v["options"] = c.options.iter().map(opt_json).collect();
            }
            if let Access::Moderate(bits) = c.access {
                v["default_member_permissions"] = json!(bits.to_string());
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Discord's rule for a chat command's name (`^[-_'\p{L}\p{N}]{1,32}$`, lower case) and
    /// description (1 to 100).
    #[test]
    fn the_registration_keeps_discords_limits() {
        let r = registration();
        let list = r.as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(list.len(), COMMANDS.len());
        assert!(list.len() <= 100);
        let mut names = std::collections::HashSet::new();
        for c in list {
            let name = c["name"].as_str().unwrap_or("");
            assert!(
                names.insert((name.to_owned(), c["type"].clone())),
                "{name} twice"
            );
            assert!((1..=32).contains(&name.chars().count()));
            if c["type"] == 1 {
                assert!(
                    name.chars()
                        .all(|ch| ch.is_lowercase() || ch.is_ascii_digit() || "-_'".contains(ch))
                );
                let d = c["description"].as_str().unwrap_or("");
                assert!((1..=100).contains(&d.chars().count()), "{name}: {d}");
                assert!(c["options"].as_array().map_or(0, Vec::len) <= 25);
            }
        }
        let ban = list
            .iter()
            .find(|c| c["name"] == "ban")
            .cloned()
            .unwrap_or_default();
        assert_eq!(ban["default_member_permissions"], "4");
        let timeout = list
            .iter()
            .find(|c| c["name"] == "timeout")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            timeout["default_member_permissions"],
            (1u64 << 40).to_string()
        );
        let status = list
            .iter()
            .find(|c| c["name"] == "status")
            .cloned()
            .unwrap_or_default();
        assert!(status.get("default_member_permissions").is_none());
        assert!(find("Report message", 3).is_some());
        assert!(find("status", 3).is_none());
    }
}
