//! Kestrel's Discord bot, as a plugin (`kestrel:plugin@0.2.0`): desk alerts and commands for
//! traders, and a moderation bot for the community. Interactions arrive over HTTP through the
//! host's ingress at `POST /hooks/<name>/interactions`, after the host checked Discord's
//! Ed25519 signature (a forged or stale one never reaches the bot). Each is answered within
//! Discord's 3 seconds: at once when the answer is local (a view, a confirmation, a case),
//! else deferred and finished on the next tick through the interaction's token. The bot token
//! is the host's secret `discord_token`; the bot never holds it. With the gateway enabled in
//! config, the host publishes its dispatches on the topic `discord-gateway` and the bot runs
//! its spam filter and join/leave log over them; without, everything else works.
//!
//! Settings: see [`settings::Settings`] (`application_id` is required).

pub mod alerts;
pub mod automod;
pub mod cases;
pub mod commands;
pub mod desk;
pub mod embed;
pub mod interaction;
pub mod jobs;
pub mod moderation;
pub mod outbox;
pub mod rest;
pub mod settings;
pub mod spam;
pub mod text;
pub mod xdesk;

use std::collections::{HashMap, VecDeque};

use kestrel_plugin_sdk::{
    CommandSpec, Event, EventKinds, Inbound, LaunchFilter, Level, Plugin, Subscriptions,
    TopicMessage, WebhookRequest, WebhookResponse, clock, log,
};
use serde_json::Value;

use commands::Access;
use embed::Embed;
use interaction::{Interaction, reply, respond};
use rest::{Call, Rest, RestError};
use settings::Settings;

/// How long to wait before trying a failed start-up call again.
const RETRY_MS: u64 = 30_000;
/// How long one tick may spend calling Discord: an interaction arriving meanwhile waits for
/// the tick, and must still be answered within Discord's 3 s.
pub const TICK_BUDGET_MS: u64 = 500;

pub struct Discord {
    pub s: Settings,
    pub rest: Rest,
    pub outbox: outbox::Outbox,
    pub jobs: VecDeque<jobs::Job>,
    pub confirmations: desk::Confirmations,
    pub awaiting: Vec<desk::Awaiting>,
    pub guilds: HashMap<String, moderation::Guild>,
    /// The bot's own user id and name, from `GET /users/@me`.
    pub me: Option<String>,
    pub me_name: Option<String>,
    pub spam: spam::Filter,
    /// The X bot's approval chat (with `x_channel`).
    pub x: xdesk::XDesk,
    identified: Result<(), u64>,
    registered: Result<(), u64>,
}

impl Discord {
    /// The bot as the actor of its own moderation (strikes, the spam filter).
    pub fn as_actor(&self) -> moderation::Actor {
        moderation::Actor {
            id: self
                .me
                .clone()
                .unwrap_or_else(|| self.s.application_id.clone()),
            name: "Kestrel".into(),
            roles: None,
        }
    }

    /// Posts to the mod-log channel, if there is one.
    pub fn modlog(&mut self, e: Embed) {
        if let Some(c) = self.s.modlog_channel.clone() {
            self.outbox.post(&c, e);
        }
    }

    /// The start-up calls: who the bot is, and its commands registered. Each is tried again
    /// later if it failed.
    fn start_up(&mut self, now: u64) {
        if matches!(self.identified, Err(at) if now >= at) {
            self.identified = match self.rest.send(Call::bot("GET", "/users/@me".into()), now) {
                Ok(v) => {
                    self.me = v["id"].as_str().map(str::to_owned);
                    self.me_name = v["username"].as_str().map(|n| text::clip(n, 64));
                    log::log(
                        Level::Info,
                        &format!(
                            "Discord: signed in as {}",
                            self.me_name.as_deref().unwrap_or("?")
                        ),
                    );
                    Ok(())
                }
                Err(e) => Err(self.retry_at(&e, "GET /users/@me", now)),
            };
        }
        if matches!(self.registered, Err(at) if now >= at) {
            let path = match &self.s.guild_id {
                Some(g) => format!(
                    "/applications/{}/guilds/{g}/commands",
                    self.s.application_id
                ),
                None => format!("/applications/{}/commands", self.s.application_id),
            };
            let body = commands::registration();
            self.registered = match self.rest.send(Call::bot("PUT", path).body(&body), now) {
                Ok(_) => {
                    log::log(
                        Level::Info,
                        &format!("Discord: {} commands registered", commands::COMMANDS.len()),
                    );
                    Ok(())
                }
                Err(e) => Err(self.retry_at(&e, "registering commands", now)),
            };
        }
    }

    fn retry_at(&self, e: &RestError, what: &str, now: u64) -> u64 {
        match e {
            RestError::Wait(at) => *at,
            e => {
                log::log(Level::Warn, &format!("Discord: {what}: {e}"));
                now + RETRY_MS
            }
        }
    }

    /// An application command: the access check for its table entry, then its handler.
    fn command(&mut self, i: &Interaction) -> WebhookResponse {
        let kind = i.data["type"]
            .as_u64()
            .unwrap_or(commands::CHAT_INPUT.into());
        let Some(c) = commands::find(i.name(), kind) else {
            return reply(
                "This bot has no such command (yet): its list is being refreshed.",
                true,
            );
        };
        let allowed = match c.access {
            Access::View => self.s.public_views || self.s.is_trader(&i.user, &i.roles),
            Access::Trade => self.s.is_trader(&i.user, &i.roles),
            Access::Moderate(bits) => i.guild.is_some() && i.may(bits),
            Access::Member => i.guild.is_some(),
        };
        if !allowed {
            log::log(
                Level::Warn,
                &format!(
                    "refused /{} for {} ({}): {:?} needed",
                    c.name,
                    i.user,
                    text::clip(&i.user_name, 64),
                    c.access
                ),
            );
            let why = match c.access {
                Access::Trade | Access::View => "only the desk's traders may use this",
                Access::Moderate(_) => "you lack the permission this needs, here",
                Access::Member => "this works in a server",
            };
            return reply(&format!("Sorry: {why}."), true);
        }
        if self.jobs.len() >= jobs::MAX_JOBS {
            return reply("The bot is busy; try again in a moment.", true);
        }
        (c.run)(self, i, &i.options())
    }

    fn interaction(&mut self, body: &[u8]) -> WebhookResponse {
        let bad = |why: &str| WebhookResponse {
            status: 400,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: why.as_bytes().to_vec(),
        };
        let Ok(v) = serde_json::from_slice::<Value>(body) else {
            return bad("not JSON");
        };
        let i = match Interaction::parse(&v) {
            Ok(i) => i,
            Err(why) => return bad(why),
        };
        match i.kind {
            interaction::PING => respond(interaction::PONG, None),
            interaction::APPLICATION_COMMAND => self.command(&i),
            // The X bot decides who may approve: its buttons and form go to it as they are.
            interaction::MESSAGE_COMPONENT if i.custom_id().starts_with("x:") => {
                xdesk::press(self, &i, clock::now_ms())
            }
            interaction::MODAL_SUBMIT if i.custom_id().starts_with("x:edit:") => {
                xdesk::edit_submitted(self, &i, clock::now_ms())
            }
            interaction::MESSAGE_COMPONENT => {
                if !self.s.is_trader(&i.user, &i.roles) {
                    return reply("Sorry: only the desk's traders may use this.", true);
                }
                desk::button(self, &i)
            }
            interaction::AUTOCOMPLETE => {
                if self.s.is_trader(&i.user, &i.roles) {
                    desk::autocomplete(&i)
                } else {
                    respond(
                        interaction::AUTOCOMPLETE_RESULT,
                        Some(serde_json::json!({ "choices": [] })),
                    )
                }
            }
            _ => reply("This bot does not take that kind of interaction.", true),
        }
    }
}

impl Plugin for Discord {
    fn init(s: Vec<(String, String)>) -> Result<Self, String> {
        let s = Settings::parse(&s)?;
        let mut rest = Rest::new(s.api_base.clone(), s.application_id.clone());
        rest.global_per_second = s.global_per_second;
        rest.invalid_budget = s.invalid_budget;
        Ok(Self {
            outbox: outbox::Outbox::new(s.alert_interval_ms),
            rest,
            s,
            jobs: VecDeque::new(),
            confirmations: desk::Confirmations::seeded(clock::now_ms()),
            awaiting: Vec::new(),
            guilds: HashMap::new(),
            me: None,
            me_name: None,
            spam: spam::Filter::default(),
            x: xdesk::XDesk::seeded(clock::now_ms()),
            identified: Err(0),
            registered: Err(0),
        })
    }

    fn commands(&self) -> Vec<CommandSpec> {
        commands::COMMANDS
            .iter()
            .filter(|c| c.kind == commands::CHAT_INPUT)
            .map(|c| CommandSpec {
                name: c.name.into(),
                description: c.description.into(),
            })
            .collect()
    }

    fn subscriptions(&self) -> Subscriptions {
        let mut events = EventKinds::FILLS
            | EventKinds::EXITS
            | EventKinds::STATES
            | EventKinds::ALERTS
            | EventKinds::DIGESTS;
        if self.s.launch_alerts {
            events |= EventKinds::LAUNCHES;
        }
        Subscriptions {
            events,
            launch_filter: self.s.launch_alerts.then(|| LaunchFilter {
                quotes: self.s.launch_quotes.clone(),
                keywords: self.s.launch_keywords.clone(),
                per_minute: self.s.launch_per_minute,
            }),
            topics: std::iter::once(spam::TOPIC.to_owned())
                .chain(self.s.x_channel.as_ref().map(|_| self.s.x_topic.clone()))
                .collect(),
        }
    }

    fn on_message(&mut self, _: Inbound) -> Vec<String> {
        vec!["The Discord bot takes its commands in Discord, as slash commands.".into()]
    }

    fn on_event(&mut self, e: Event) {
        alerts::on_event(self, &e);
    }

    fn on_tick(&mut self, _now_ms: u64) {
        let now = clock::now_ms();
        let until = now + TICK_BUDGET_MS;
        self.rest.deadline_ms = Some(until);
        self.start_up(now);
        jobs::run(self, now, until);
        xdesk::flush(self, clock::now_ms());
        self.outbox.flush(&mut self.rest, clock::now_ms(), until);
        self.rest.deadline_ms = None;
    }

    fn on_webhook(&mut self, r: WebhookRequest) -> WebhookResponse {
        if r.path != "/interactions" {
            return kestrel_plugin_sdk::not_found();
        }
        if r.method != "POST" {
            return WebhookResponse {
                status: 405,
                headers: vec![("allow".into(), "POST".into())],
                body: Vec::new(),
            };
        }
        self.interaction(&r.body)
    }

    fn on_topic(&mut self, m: TopicMessage) {
        // Only the host speaks for the gateway (config keeps the topic from every plugin).
        if m.topic == spam::TOPIC && m.sender == "host" {
            spam::on_gateway(self, &m.body, clock::now_ms());
        } else if m.topic == self.s.x_topic && self.s.x_channel.is_some() {
            xdesk::on_topic(self, &m);
        }
    }
}

kestrel_plugin_sdk::register_plugin!(Discord);
