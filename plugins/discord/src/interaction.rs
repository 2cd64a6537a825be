//! An interaction as Discord sends it over HTTP (FACTS §6.1), read into what the bot needs,
//! and the answers the bot gives in the POST's reply. Everything is read defensively: the
//! host checked the signature, but a field may still be missing or of another type, and
//! that is an answer, never a panic.

use kestrel_plugin_sdk::WebhookResponse;
use serde_json::{Map, Value, json};

/// Interaction types.
pub const PING: u64 = 1;
pub const APPLICATION_COMMAND: u64 = 2;
pub const MESSAGE_COMPONENT: u64 = 3;
pub const AUTOCOMPLETE: u64 = 4;
pub const MODAL_SUBMIT: u64 = 5;

/// Callback types.
pub const PONG: u8 = 1;
pub const CHANNEL_MESSAGE: u8 = 4;
pub const DEFERRED_CHANNEL_MESSAGE: u8 = 5;
/// "Got it": the message with the button is edited later, through the token.
pub const DEFERRED_UPDATE_MESSAGE: u8 = 6;
pub const UPDATE_MESSAGE: u8 = 7;
pub const AUTOCOMPLETE_RESULT: u8 = 8;
/// A form for the user to fill (a modal).
pub const MODAL: u8 = 9;

/// Message flags.
pub const EPHEMERAL: u64 = 1 << 6;

/// Permission bits (`topics/permissions.mdx`).
pub const KICK_MEMBERS: u64 = 1 << 1;
pub const BAN_MEMBERS: u64 = 1 << 2;
pub const ADMINISTRATOR: u64 = 1 << 3;
pub const MANAGE_GUILD: u64 = 1 << 5;
pub const MANAGE_MESSAGES: u64 = 1 << 13;
pub const MODERATE_MEMBERS: u64 = 1 << 40;

#[derive(Clone, Debug, PartialEq)]
pub struct Interaction {
    pub kind: u64,
    pub id: String,
    pub token: String,
    pub guild: Option<String>,
    pub channel: Option<String>,
    /// The member or user who acted.
    pub user: String,
    pub user_name: String,
    /// Their roles (empty in DMs).
    pub roles: Vec<String>,
    /// Their permissions in the channel (0 in DMs).
    pub permissions: u64,
    pub data: Value,
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

impl Interaction {
    pub fn parse(v: &Value) -> Result<Self, &'static str> {
        let kind = v["type"].as_u64().ok_or("no interaction type")?;
        let who = if v["member"].is_object() {
            &v["member"]["user"]
        } else {
            &v["user"]
        };
        let user = s(&who["id"]);
        if kind != PING && user.is_empty() {
            return Err("no user");
        }
        Ok(Self {
            kind,
            id: s(&v["id"]),
            token: s(&v["token"]),
            guild: v["guild_id"].as_str().map(str::to_owned),
            channel: v["channel_id"]
                .as_str()
                .or_else(|| v["channel"]["id"].as_str())
                .map(str::to_owned),
            user_name: who["global_name"]
                .as_str()
                .or_else(|| who["username"].as_str())
                .unwrap_or("")
                .to_owned(),
            user,
            roles: strings(&v["member"]["roles"]),
            permissions: v["member"]["permissions"]
                .as_str()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0),
            data: v["data"].clone(),
        })
    }

    /// The command's name (application commands).
    pub fn name(&self) -> &str {
        self.data["name"].as_str().unwrap_or("")
    }

    /// A button's custom id.
    pub fn custom_id(&self) -> &str {
        self.data["custom_id"].as_str().unwrap_or("")
    }

    pub fn options(&self) -> Options {
        let mut o = Options::default();
        o.read(&self.data["options"]);
        o
    }

    /// Whether the member holds any of `bits` (or is an administrator).
    pub fn may(&self, bits: u64) -> bool {
        self.permissions & (bits | ADMINISTRATOR) != 0
    }

    /// What the interaction's `resolved` says of a user: their member record, if in the guild.
    pub fn member(&self, user: &str) -> Option<&Value> {
        self.data["resolved"]["members"]
            .get(user)
            .filter(|m| m.is_object())
    }

    /// A resolved user's name, or their id.
    pub fn user_label(&self, user: &str) -> String {
        let u = &self.data["resolved"]["users"][user];
        u["global_name"]
            .as_str()
            .or_else(|| u["username"].as_str())
            .map_or_else(|| user.to_owned(), str::to_owned)
    }
}

/// The strings of a JSON array (role ids, keywords); anything else: none.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A command's options: the subcommand path ("keyword add") and the values by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Options {
    pub path: Vec<String>,
    pub values: Map<String, Value>,
    /// The option being typed (autocomplete).
    pub focused: Option<String>,
}

impl Options {
    fn read(&mut self, list: &Value) {
        for o in list.as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = s(&o["name"]);
            match o["type"].as_u64() {
                // SUB_COMMAND and SUB_COMMAND_GROUP nest the rest.
                Some(1 | 2) => {
                    self.path.push(name);
                    self.read(&o["options"]);
                }
                _ => {
                    if o["focused"].as_bool() == Some(true) {
                        self.focused = Some(name.clone());
                    }
                    self.values.insert(name, o["value"].clone());
                }
            }
        }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(Value::as_str).map(str::trim)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.values.get(name).and_then(Value::as_i64)
    }

    pub fn sub(&self) -> String {
        self.path.join(" ")
    }
}

/// Message `data` for a callback or a follow-up: content, embeds, components; mentions
/// never parsed, so nothing the bot repeats can ping anyone.
pub fn message(
    content: &str,
    embeds: Vec<Value>,
    components: Vec<Value>,
    ephemeral: bool,
) -> Value {
    let mut d = json!({
        "content": crate::text::clip(content, 2_000),
        "allowed_mentions": { "parse": [] },
    });
    if !embeds.is_empty() {
        d["embeds"] = json!(embeds);
    }
    // An update that removes buttons sends an empty list.
    d["components"] = json!(components);
    if ephemeral {
        d["flags"] = json!(EPHEMERAL);
    }
    d
}

/// The POST's 200 reply: a callback of `kind` with `data`.
pub fn respond(kind: u8, data: Option<Value>) -> WebhookResponse {
    let mut body = json!({ "type": kind });
    if let Some(d) = data {
        body["data"] = d;
    }
    WebhookResponse {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_string().into_bytes(),
    }
}

/// A message in reply.
pub fn reply(content: &str, ephemeral: bool) -> WebhookResponse {
    respond(
        CHANNEL_MESSAGE,
        Some(message(content, Vec::new(), Vec::new(), ephemeral)),
    )
}

/// "Thinking…": the answer follows by editing the original response.
pub fn deferred(ephemeral: bool) -> WebhookResponse {
    respond(
        DEFERRED_CHANNEL_MESSAGE,
        Some(if ephemeral {
            json!({ "flags": EPHEMERAL })
        } else {
            json!({})
        }),
    )
}

/// A row of buttons: (label, custom id, style).
pub fn buttons(row: &[(String, String, u8)]) -> Value {
    json!({
        "type": 1,
        "components": row.iter().take(5).map(|(label, id, style)| json!({
            "type": 2, "label": crate::text::clip(label, 80), "custom_id": id, "style": style,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_slash_command_reads_into_its_parts() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/discord/discord_interaction_slash_command.json"
        ))
        .unwrap_or_default();
        let i = Interaction::parse(&v).expect("a slash command");
        assert_eq!(i.kind, APPLICATION_COMMAND);
        assert!(!i.token.is_empty());
        assert!(!i.name().is_empty());
        assert!(!i.options().values.is_empty());
    }

    #[test]
    fn nested_subcommands_and_focused_options_are_found() {
        let v = json!({
            "type": 2, "id": "1", "token": "t", "guild_id": "9",
            "member": { "user": { "id": "5", "username": "mod" }, "roles": ["r1"], "permissions": "1099511627776" },
            "data": { "name": "automod", "options": [
                { "type": 2, "name": "keyword", "options": [
                    { "type": 1, "name": "add", "options": [ { "type": 3, "name": "word", "value": "scam", "focused": true } ] }
                ] }
            ] }
        });
        let i = Interaction::parse(&v).unwrap_or_else(|e| panic!("{e}"));
        let o = i.options();
        assert_eq!(o.sub(), "keyword add");
        assert_eq!(o.str("word"), Some("scam"));
        assert_eq!(o.focused.as_deref(), Some("word"));
        assert!(i.may(MODERATE_MEMBERS));
        assert!(!i.may(BAN_MEMBERS));
        assert_eq!(i.roles, ["r1"]);
    }

    #[test]
    fn malformed_interactions_are_errors_not_panics() {
        for v in [
            json!(null),
            json!({}),
            json!({"type": "x"}),
            json!({"type": 2}),
            json!([1]),
        ] {
            assert!(Interaction::parse(&v).is_err(), "{v}");
        }
        let i = Interaction::parse(&json!({"type": 2, "user": {"id": "1"}, "data": 7}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(i.name(), "");
        assert!(i.options().values.is_empty());
    }

    #[test]
    fn replies_never_parse_mentions() {
        let r = reply("@everyone look", false);
        let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        assert_eq!(v["data"]["allowed_mentions"], json!({ "parse": [] }));
        assert_eq!(v["type"], 4);
    }
}
