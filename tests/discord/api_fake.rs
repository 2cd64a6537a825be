//! The Discord API fake the bot's tests run against, over real HTTP: command registration,
//! guilds, members, bans, channel messages with a per-channel bucket told in
//! `X-RateLimit-*` headers, bulk delete, AutoMod rules, interaction follow-ups, forced replies
//! (429s), and a log of every request the bot made.

use super::*;

/// The fake's bucket for channel messages: 5 per 2 s, per channel.
pub(crate) const BUCKET_LIMIT: u32 = 5;
pub(crate) const BUCKET_WINDOW: Duration = Duration::from_secs(2);

/// A reply forced once: method, path prefix, status, body, headers.
pub(crate) type Forced = (String, String, u16, Value, Vec<(String, String)>);

/// One request the bot made.
#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: String,
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: Value,
    pub(crate) at: Instant,
}

/// Discord's API as the bot sees it, and what the bot did.
#[derive(Default)]
pub(crate) struct Fake {
    pub(crate) log: Mutex<Vec<Req>>,
    /// Replies to force once: (method, path prefix, status, body, headers).
    pub(crate) faults: Mutex<Vec<Forced>>,
    /// Channel → (window start, messages in it).
    pub(crate) buckets: Mutex<HashMap<String, (Instant, u32)>>,
    /// Requests that arrived while their bucket was empty: the bot broke a limit.
    pub(crate) violations: Mutex<u32>,
    pub(crate) unauthorized: Mutex<u32>,
    /// Requests that broke Discord's header rules (User-Agent; no bot token on interaction
    /// routes).
    pub(crate) broken_rules: Mutex<u32>,
    pub(crate) rules: Mutex<Vec<Value>>,
    /// Messages in the desk channel, for purge: ids.
    pub(crate) messages: Mutex<Vec<String>>,
}

impl Fake {
    pub(crate) fn requests(&self, method: &str, prefix: &str) -> Vec<Req> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Every embed title posted to `channel`.
    pub(crate) fn titles(&self, channel: &str) -> Vec<String> {
        self.requests("POST", &format!("/channels/{channel}/messages"))
            .iter()
            .flat_map(|r| r.body["embeds"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["title"].as_str().map(str::to_owned))
            .collect()
    }

    /// Every follow-up or edit sent through interaction `token`: content and embed titles.
    pub(crate) fn followups(&self, token: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.starts_with(&format!("/webhooks/{APP}/{token}")))
            .map(|r| {
                let mut s = r.body["content"].as_str().unwrap_or("").to_owned();
                for e in r.body["embeds"].as_array().cloned().unwrap_or_default() {
                    s.push_str(&format!(" [{}]", e["title"].as_str().unwrap_or("")));
                    for f in e["fields"].as_array().cloned().unwrap_or_default() {
                        s.push_str(&format!(" {}={}", f["name"], f["value"]));
                    }
                }
                s
            })
            .collect()
    }
}

pub(crate) fn snowflake_at(ms: u64, n: u64) -> String {
    (((ms - 1_420_070_400_000) << 22) + n).to_string()
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub(crate) fn reply(status: u16, body: Value, headers: &[(String, String)]) -> Response {
    let mut r = if status == 204 {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::from_u16(status).unwrap(),
            [("content-type", "application/json")],
            body.to_string(),
        )
            .into_response()
    };
    for (k, v) in headers {
        r.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    r
}

pub(crate) async fn api(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches("/api/v10").to_owned();
    let req = Req {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().unwrap_or("").to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
    };
    fake.log.lock().unwrap().push(req.clone());
    // Discord's rules for every request: a User-Agent of its form. The interaction token
    // is the credential on interaction routes: the bot token must never go there. Broken
    // rules are counted (a panic here would only drop the connection).
    let interaction_route =
        path.starts_with(&format!("/webhooks/{APP}/")) || path.starts_with("/interactions/");
    if !req
        .headers
        .get("user-agent")
        .is_some_and(|ua| ua.starts_with("DiscordBot ("))
        || (interaction_route && req.headers.contains_key("authorization"))
    {
        *fake.broken_rules.lock().unwrap() += 1;
    }
    if !interaction_route
        && req.headers.get("authorization").map(String::as_str) != Some(&format!("Bot {BOT_TOKEN}"))
    {
        *fake.unauthorized.lock().unwrap() += 1;
        return reply(401, json!({"message": "401: Unauthorized", "code": 0}), &[]);
    }
    let forced = {
        let mut f = fake.faults.lock().unwrap();
        f.iter()
            .position(|(m, p, ..)| *m == req.method && path.starts_with(p.as_str()))
            .map(|i| f.remove(i))
    };
    if let Some((_, _, status, body, headers)) = forced {
        return reply(status, body, &headers);
    }
    let seg: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match (req.method.as_str(), seg.as_slice()) {
        ("GET", ["users", "@me"]) => {
            reply(200, json!({"id": BOT_USER, "username": "Kestrel"}), &[])
        }
        ("PUT", ["applications", APP, "guilds", GUILD, "commands"]) => reply(200, req.body, &[]),
        ("GET", ["guilds", GUILD]) => reply(
            200,
            json!({"id": GUILD, "owner_id": OWNER, "roles": [
                {"id": GUILD, "position": 0}, {"id": TRADER_ROLE, "position": 2},
                {"id": MOD_ROLE, "position": 5}, {"id": ADMIN_ROLE, "position": 9},
            ]}),
            &[],
        ),
        ("PATCH", ["guilds", GUILD, "members", user]) => reply(
            200,
            json!({"user": {"id": user}, "communication_disabled_until": req.body["communication_disabled_until"]}),
            &[],
        ),
        ("DELETE", ["guilds", GUILD, "members", _])
        | ("PUT", ["guilds", GUILD, "bans", _])
        | ("DELETE", ["guilds", GUILD, "bans", _])
        | ("DELETE", ["channels", _, "messages", _]) => reply(204, Value::Null, &[]),
        ("POST", ["channels", _, "messages", "bulk-delete"]) => {
            let ids = req.body["messages"].as_array().cloned().unwrap_or_default();
            let too_old = ids.iter().any(|id| {
                let ms = (id.as_str().unwrap().parse::<u64>().unwrap() >> 22) + 1_420_070_400_000;
                now_ms() - ms > 14 * 86_400_000
            });
            if !(2..=100).contains(&ids.len()) || too_old {
                return reply(
                    400,
                    json!({"message": "Invalid Form Body", "code": 50034}),
                    &[],
                );
            }
            reply(204, Value::Null, &[])
        }
        ("GET", ["channels", _, "messages"]) => {
            let list: Vec<Value> = fake
                .messages
                .lock()
                .unwrap()
                .iter()
                .map(|id| json!({"id": id}))
                .collect();
            reply(200, json!(list), &[])
        }
        ("POST", ["channels", channel, "messages"]) => {
            // A per-channel bucket, as Discord keeps one, told in the headers.
            let now = Instant::now();
            let mut buckets = fake.buckets.lock().unwrap();
            let b = buckets.entry((*channel).to_owned()).or_insert((now, 0));
            if now.duration_since(b.0) >= BUCKET_WINDOW {
                *b = (now, 0);
            }
            let reset_after = (BUCKET_WINDOW - now.duration_since(b.0)).as_secs_f64();
            if b.1 >= BUCKET_LIMIT {
                *fake.violations.lock().unwrap() += 1;
                return reply(
                    429,
                    json!({"message": "You are being rate limited.", "retry_after": reset_after, "global": false}),
                    &[("x-ratelimit-scope".into(), "user".into())],
                );
            }
            b.1 += 1;
            let headers = [
                ("x-ratelimit-bucket".to_owned(), "msgs".to_owned()),
                ("x-ratelimit-limit".to_owned(), BUCKET_LIMIT.to_string()),
                (
                    "x-ratelimit-remaining".to_owned(),
                    (BUCKET_LIMIT - b.1).to_string(),
                ),
                (
                    "x-ratelimit-reset-after".to_owned(),
                    format!("{reset_after:.3}"),
                ),
            ];
            reply(200, json!({"id": "1", "channel_id": channel}), &headers)
        }
        ("GET", ["guilds", GUILD, "auto-moderation", "rules"]) => {
            reply(200, json!(*fake.rules.lock().unwrap()), &[])
        }
        ("POST", ["guilds", GUILD, "auto-moderation", "rules"]) => {
            let mut rule = req.body.clone();
            let mut rules = fake.rules.lock().unwrap();
            rule["id"] = json!(format!("{}", 990 + rules.len()));
            rules.push(rule.clone());
            reply(200, rule, &[])
        }
        ("PATCH", ["guilds", GUILD, "auto-moderation", "rules", id]) => {
            let mut rules = fake.rules.lock().unwrap();
            let Some(rule) = rules.iter_mut().find(|r| r["id"] == *id) else {
                return reply(404, json!({"message": "Unknown rule", "code": 10066}), &[]);
            };
            for (k, v) in req.body.as_object().unwrap() {
                rule[k] = v.clone();
            }
            reply(200, rule.clone(), &[])
        }
        ("DELETE", ["guilds", GUILD, "auto-moderation", "rules", id]) => {
            fake.rules.lock().unwrap().retain(|r| r["id"] != *id);
            reply(204, Value::Null, &[])
        }
        ("PATCH", ["webhooks", APP, _, "messages", "@original"]) => {
            reply(200, json!({"id": "2"}), &[])
        }
        ("POST", ["webhooks", APP, token]) if !token.starts_with("expired") => {
            reply(200, json!({"id": "3"}), &[])
        }
        _ => reply(404, json!({"message": "404: Not Found", "code": 0}), &[]),
    }
}
