//! Drafts from an OpenAI-compatible chat-completions endpoint (FACTS §7.3): the persona and
//! the approved context notes in, one post out as structured output (a JSON schema, strict),
//! which then passes the same safety checks as any post. The key is the host's secret
//! (`Authorization: Bearer {secret:…}`); token usage and its cost are counted.

use kestrel_plugin_sdk::{HttpRequest, http};
use serde_json::{Value, json};

use crate::settings::Llm;
use crate::weighted::MAX_WEIGHTED;

const TIMEOUT_MS: u32 = 60_000;

/// What a completion used, billed whether or not its answer could be used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Millionths of a dollar.
    pub cost: u64,
}

/// A completion: its usage, and the post's text or why there is none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub usage: Usage,
    pub text: Result<String, String>,
}

/// The request body: the rules the post must keep are in the instructions, and checked
/// again afterwards, whatever the model says.
pub fn request(
    llm: &Llm,
    notes: &[String],
    subject: Option<&str>,
    disclaimer: Option<&str>,
) -> Value {
    let mut system = format!(
        "{}\nWrite one post for X. Rules: at most {MAX_WEIGHTED} characters; at most one cashtag; \
         no links; no @mentions; no hashtags unless asked; never state prices, gains or other \
         figures; never promise returns.",
        llm.persona
    );
    if let Some(d) = disclaimer {
        system.push_str(&format!(" End with: \"{d}\""));
    }
    if !notes.is_empty() {
        system.push_str("\nWhat the project wants said (context notes):");
        for n in notes {
            system.push_str(&format!("\n- {n}"));
        }
    }
    let user = match subject {
        Some(s) => format!("Write the post about: {s}"),
        None => "Write today's post.".into(),
    };
    let mut body = json!({
        "model": llm.model,
        "messages": [
            { "role": "system", "content": system },
            { "role": "user", "content": user },
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "x_post",
                "strict": true,
                "schema": {
                    "type": "object",
                    "properties": { "text": { "type": "string", "description": "The post's text" } },
                    "required": ["text"],
                    "additionalProperties": false,
                },
            },
        },
    });
    body[llm.max_tokens_field.as_str()] = json!(llm.max_tokens);
    body
}

/// Reads a chat completion: its usage (counted even when the answer is refused, cut short
/// or malformed: the tokens are billed), and the post's text from the structured content.
pub fn read(llm: &Llm, status: u16, body: &[u8]) -> Completion {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let u = &v["usage"];
    let (prompt_tokens, completion_tokens) = (
        u["prompt_tokens"].as_u64().unwrap_or(0),
        u["completion_tokens"].as_u64().unwrap_or(0),
    );
    Completion {
        usage: Usage {
            prompt_tokens,
            completion_tokens,
            cost: cost(llm, prompt_tokens, completion_tokens),
        },
        text: text_of(&v, status),
    }
}

fn text_of(v: &Value, status: u16) -> Result<String, String> {
    if v.is_null() {
        return Err(format!(
            "the LLM answered HTTP {status} with something that is not JSON"
        ));
    }
    if !(200..300).contains(&status) {
        let e = &v["error"];
        let code = e["code"].as_str().or(e["type"].as_str()).unwrap_or("");
        let msg = e["message"].as_str().unwrap_or("no message");
        return Err(format!("the LLM refused (HTTP {status} {code}): {msg}"));
    }
    let choice = &v["choices"][0];
    if let Some(r) = choice["message"]["refusal"].as_str() {
        return Err(format!("the model declined: {r}"));
    }
    if choice["finish_reason"].as_str() == Some("length") {
        return Err("the model's answer was cut short (finish_reason length)".into());
    }
    let content = choice["message"]["content"]
        .as_str()
        .ok_or("the LLM's answer has no content")?;
    let out: Value = serde_json::from_str(content)
        .map_err(|_| "the LLM's content is not the JSON the schema asks for".to_owned())?;
    out["text"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the LLM's JSON has no text".to_owned())
}

/// Tokens at the configured prices (per million), rounded up to a millionth of a dollar.
pub fn cost(llm: &Llm, prompt: u64, completion: u64) -> u64 {
    let units = u128::from(prompt) * u128::from(llm.price_in)
        + u128::from(completion) * u128::from(llm.price_out);
    u64::try_from(units.div_ceil(1_000_000)).unwrap_or(u64::MAX)
}

/// Asks for a draft.
pub fn draft(
    llm: &Llm,
    notes: &[String],
    subject: Option<&str>,
    disclaimer: Option<&str>,
) -> Result<Completion, String> {
    let mut headers = vec![("content-type".into(), "application/json".into())];
    if !llm.key_secret.is_empty() {
        headers.push((
            "authorization".into(),
            format!("Bearer {{secret:{}}}", llm.key_secret),
        ));
    }
    let r = http::send(&HttpRequest {
        method: "POST".into(),
        url: format!("{}/chat/completions", llm.base),
        headers,
        body: request(llm, notes, subject, disclaimer)
            .to_string()
            .into_bytes(),
        timeout_ms: TIMEOUT_MS,
        signer: None,
    })
    .map_err(|e| format!("the LLM could not be reached: {e:?}"))?;
    Ok(read(llm, r.status, &r.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn llm() -> Llm {
        Llm {
            base: "http://127.0.0.1:1/v1".into(),
            model: "gpt-4o-mini".into(),
            key_secret: "llm_key".into(),
            max_tokens_field: "max_completion_tokens".into(),
            max_tokens: 300,
            price_in: 150_000,
            price_out: 600_000,
            persona: "You are the desk.".into(),
            daily_cap: 1_000_000,
        }
    }

    #[test]
    fn the_request_asks_for_strict_json_with_the_notes_and_the_token_field() {
        let b = request(
            &llm(),
            &["We launched v2.".into()],
            Some("the launch"),
            Some("NFA"),
        );
        assert_eq!(b["response_format"]["type"], "json_schema");
        assert_eq!(b["response_format"]["json_schema"]["strict"], true);
        assert_eq!(b["max_completion_tokens"], 300);
        let system = b["messages"][0]["content"].as_str().unwrap();
        assert!(system.contains("- We launched v2.") && system.contains("End with: \"NFA\""));
        let mut old = llm();
        old.max_tokens_field = "max_tokens".into();
        assert_eq!(request(&old, &[], None, None)["max_tokens"], 300);
    }

    #[test]
    fn a_completion_gives_its_text_usage_and_cost() {
        let body = r#"{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"{\"text\":\"gm from the desk\"}","refusal":null},"finish_reason":"stop"}],"usage":{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100}}"#;
        let d = read(&llm(), 200, body.as_bytes());
        assert_eq!(d.text.unwrap(), "gm from the desk");
        // 1000 × $0.15/M + 100 × $0.60/M = $0.00021.
        assert_eq!(d.usage.cost, 210);
    }

    #[test]
    fn refusals_truncation_errors_and_bad_json_are_errors() {
        let refused = r#"{"choices":[{"message":{"content":null,"refusal":"I can't"},"finish_reason":"stop"}]}"#;
        assert!(
            read(&llm(), 200, refused.as_bytes())
                .text
                .unwrap_err()
                .contains("declined")
        );
        let cut = r#"{"choices":[{"message":{"content":"{\"te"},"finish_reason":"length"}],"usage":{"prompt_tokens":400,"completion_tokens":300}}"#;
        let c = read(&llm(), 200, cut.as_bytes());
        assert!(c.text.unwrap_err().contains("cut short"));
        // The tokens of an unusable answer are billed all the same.
        assert_eq!(c.usage.completion_tokens, 300);
        let quota = r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}"#;
        assert!(
            read(&llm(), 429, quota.as_bytes())
                .text
                .unwrap_err()
                .contains("insufficient_quota")
        );
        assert!(read(&llm(), 200, b"<html>").text.is_err());
    }
}
