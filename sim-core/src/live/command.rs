//! What the page may ask of a live run, as JSON: one parser and one validator
//! for the browser's wasm `Viewer` and the server's `/ws`, so both refuse the
//! same messages with the same words.
//!
//! `{"type":"fault","fault":{...a scenario fault without "at"...}}`,
//! `{"type":"deploy","deploy":{...a scenario deployment without "at"...}}`,
//! `{"type":"kill","instance":12,"hang":false}`, `{"type":"heal"}`,
//! `{"type":"speed","x":2}`, `{"type":"pause"}`, `{"type":"play"}`,
//! `{"type":"step","ms":1000}`.

use serde::Deserialize;

/// One command for a [`super::Session`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// Start a fault now (a scenario fault without `at`; `for` heals it).
    Fault {
        /// The fault, e.g. `{"zone_outage": {"region": "us-east-1", "zone": "zoneA"}}`.
        fault: serde_json::Value,
    },
    /// Start a deployment now (a scenario deployment without `at`), e.g. a
    /// canary or a red/black push of a version.
    Deploy {
        /// The deployment, e.g. `{"red_black": {"service": "api", "version": "v2"}}`.
        deploy: serde_json::Value,
    },
    /// Kill one instance now (click-to-kill): refusing, or a zombie when `hang`.
    Kill {
        /// Instance id, as in the topology's `instances`.
        instance: u32,
        /// Leave a zombie that accepts requests and never answers.
        #[serde(default)]
        hang: bool,
    },
    // Empty struct variants, not unit ones: serde ignores extra fields on
    // internally tagged unit variants even with deny_unknown_fields.
    /// End every fault: instances restart, injections and partitions stop.
    Heal {},
    /// Virtual seconds per wall second.
    Speed {
        /// The factor, in (0, [`super::MAX_SPEED`]].
        x: f64,
    },
    /// Hold virtual time.
    Pause {},
    /// Let virtual time follow the wall clock again.
    Play {},
    /// Advance virtual time by `ms` at once, paused or not.
    Step {
        /// Milliseconds of virtual time, in (0, [`super::MAX_STEP_MS`]].
        ms: f64,
    },
}

/// Example shown when a message cannot be read.
const EXAMPLE: &str = r#"{"type":"kill","instance":0,"hang":false}"#;

impl Command {
    /// Reads and checks one command; the error is one sentence and a fix.
    pub fn parse(text: &str) -> Result<Command, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("the command is not JSON: {e}."))?;
        Command::from_value(v)
    }

    /// [`Command::parse`] of an already parsed message.
    pub fn from_value(v: serde_json::Value) -> Result<Command, String> {
        let cmd: Command = serde_json::from_value(v)
            .map_err(|e| format!("bad command: {e}. Fix: send e.g. {EXAMPLE}"))?;
        match &cmd {
            Command::Speed { x } if !(*x > 0.0 && *x <= super::MAX_SPEED) => Err(format!(
                "speed x is {x}; it must be above 0 and at most {} (virtual seconds per wall second).",
                super::MAX_SPEED
            )),
            Command::Step { ms } if !(*ms > 0.0 && *ms <= super::MAX_STEP_MS) => Err(format!(
                "step ms is {ms}; it must be above 0 and at most {} (one hour).",
                super::MAX_STEP_MS
            )),
            _ => Ok(cmd),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_read_and_checked() {
        assert_eq!(Command::parse(r#"{"type":"heal"}"#), Ok(Command::Heal {}));
        assert_eq!(
            Command::parse(r#"{"type":"kill","instance":3}"#),
            Ok(Command::Kill {
                instance: 3,
                hang: false
            })
        );
        assert_eq!(
            Command::parse(r#"{"type":"step","ms":250}"#),
            Ok(Command::Step { ms: 250.0 })
        );
        for (bad, says) in [
            (r#"{"type":"heal","extra":1}"#, "unknown field `extra`"),
            (r#"{"type":"speed","x":0}"#, "speed x is 0"),
            (r#"{"type":"speed","x":1001}"#, "at most 1000"),
            (r#"{"type":"step","ms":-5}"#, "step ms is -5"),
            (
                r#"{"type":"kill","instance":-1}"#,
                "invalid value: integer `-1`",
            ),
            (r#"{"type":"explode"}"#, "unknown variant `explode`"),
            ("[]", "bad command"),
            ("not json", "not JSON"),
        ] {
            let e = Command::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
