//! What waits to be sent, and in what order. Answers to the operator's commands go first,
//! before any notice; notices (fills, exits, states, alerts) wait per chat and go out
//! together as one message, so a backlog never delays an answer; a notice identical to one
//! sent to the same chat in the last ten minutes is dropped. Each chat gets at most one
//! message per `interval_ms` (Telegram's per-chat limit), and nothing is sent while Telegram
//! asked for quiet (a 429's retry_after).

use std::collections::{HashMap, VecDeque};

use serde_json::{Value, json};

use crate::command::Reply;
use crate::text;

/// How long a notice's text is remembered, to drop repeats.
const REPEAT_WINDOW_MS: u64 = 10 * 60 * 1_000;
/// Notices remembered per chat.
const REMEMBERED: usize = 64;

/// One Bot API call for one chat.
#[derive(Clone, Debug, PartialEq)]
pub struct Outgoing {
    pub chat: i64,
    pub method: &'static str,
    pub body: Value,
}

#[derive(Default)]
pub struct Outbox {
    replies: VecDeque<Outgoing>,
    /// Lines waiting per chat, in the order the chats first had one.
    notices: Vec<(i64, Vec<String>)>,
    /// (when, text) of recent notices per chat.
    recent: HashMap<i64, VecDeque<(u64, String)>>,
    last_sent: HashMap<i64, u64>,
    pub quiet_until_ms: u64,
    pub interval_ms: u64,
}

fn message(chat: i64, text: String) -> Value {
    json!({ "chat_id": chat, "text": text, "parse_mode": "MarkdownV2" })
}

impl Outbox {
    pub fn new(interval_ms: u64) -> Self {
        Self {
            interval_ms,
            ..Self::default()
        }
    }

    /// Queues an answer for `chat`: split into pages, the keyboard on the last.
    pub fn reply(&mut self, chat: i64, reply: Reply) {
        match reply {
            Reply::Text { lines, keyboard } => {
                let pages = text::paginate(&lines, text::MAX_MESSAGE);
                let n = pages.len();
                for (i, page) in pages.into_iter().enumerate() {
                    let mut body = message(chat, page);
                    if i + 1 == n
                        && let Some(k) = &keyboard
                    {
                        body["reply_markup"] = k.clone();
                    }
                    self.replies.push_back(Outgoing {
                        chat,
                        method: "sendMessage",
                        body,
                    });
                }
            }
            Reply::Edit {
                message_id,
                lines,
                keyboard,
            } => {
                let mut body = message(chat, lines.join("\n"));
                body["message_id"] = json!(message_id);
                if let Some(k) = keyboard {
                    body["reply_markup"] = k;
                }
                self.replies.push_back(Outgoing {
                    chat,
                    method: "editMessageText",
                    body,
                });
            }
        }
    }

    /// Queues a notice for `chat`, unless the chat was told the same within the window.
    pub fn notice(&mut self, chat: i64, lines: &[String], now: u64) {
        let text = lines.join("\n");
        let recent = self.recent.entry(chat).or_default();
        recent.retain(|(at, _)| now.saturating_sub(*at) < REPEAT_WINDOW_MS);
        if recent.iter().any(|(_, t)| *t == text) {
            return;
        }
        if recent.len() == REMEMBERED {
            recent.pop_front();
        }
        recent.push_back((now, text));
        match self.notices.iter_mut().find(|(c, _)| *c == chat) {
            Some((_, waiting)) => waiting.extend(lines.iter().cloned()),
            None => self.notices.push((chat, lines.to_vec())),
        }
    }

    fn ready(&self, chat: i64, now: u64) -> bool {
        self.last_sent
            .get(&chat)
            .is_none_or(|last| now.saturating_sub(*last) >= self.interval_ms)
    }

    /// The next message that may go now: the first answer whose chat may be written to, or
    /// else the notices of the first chat that may, as one message (as much as fits).
    pub fn next(&mut self, now: u64) -> Option<Outgoing> {
        if now < self.quiet_until_ms {
            return None;
        }
        if let Some(i) = self.replies.iter().position(|o| self.ready(o.chat, now)) {
            return self.replies.remove(i);
        }
        // An answer waiting for a chat holds that chat's notices back.
        let i = self.notices.iter().position(|(chat, _)| {
            self.ready(*chat, now) && !self.replies.iter().any(|o| o.chat == *chat)
        })?;
        let (chat, lines) = self.notices.remove(i);
        let mut pages = text::paginate(&lines, text::MAX_MESSAGE).into_iter();
        let first = pages.next()?;
        // What did not fit waits for the next turn.
        let sent_lines = first.split('\n').count();
        let rest: Vec<String> = lines.into_iter().skip(sent_lines).collect();
        if !rest.is_empty() {
            self.notices.insert(i, (chat, rest));
        }
        Some(Outgoing {
            chat,
            method: "sendMessage",
            body: message(chat, first),
        })
    }

    /// `o` went out at `now`.
    pub fn sent(&mut self, o: &Outgoing, now: u64) {
        self.last_sent.insert(o.chat, now);
    }

    /// `o` could not go now (flood control, the network): it goes first next time.
    pub fn put_back(&mut self, o: Outgoing) {
        self.replies.push_front(o);
    }

    pub fn is_empty(&self) -> bool {
        self.replies.is_empty() && self.notices.is_empty()
    }
}
