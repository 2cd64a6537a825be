//! The X bot's approval actions as the chat bots show them (buttons) and send them back
//! (topic actions): one table, so Telegram's and Discord's buttons and the X bot's answers
//! always name the same things.

/// An action on an X post: its name on the topic, the short code a button carries, and the
/// label people see.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XAction {
    pub name: &'static str,
    pub code: &'static str,
    pub label: &'static str,
}

pub const ACTIONS: &[XAction] = &[
    XAction {
        name: "approve",
        code: "a",
        label: "Approve",
    },
    XAction {
        name: "edit",
        code: "e",
        label: "Edit",
    },
    XAction {
        name: "reject",
        code: "r",
        label: "Reject",
    },
    XAction {
        name: "post_now",
        code: "n",
        label: "Post now",
    },
    XAction {
        name: "delete",
        code: "d",
        label: "Delete from X",
    },
];

pub fn by_name(name: &str) -> Option<&'static XAction> {
    ACTIONS.iter().find(|a| a.name == name)
}

pub fn by_code(code: &str) -> Option<&'static XAction> {
    ACTIONS.iter().find(|a| a.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_are_unique_and_round_trip() {
        for a in ACTIONS {
            assert_eq!(by_name(a.name), Some(a));
            assert_eq!(by_code(a.code), Some(a));
        }
        assert_eq!(by_code("z"), None);
    }
}
