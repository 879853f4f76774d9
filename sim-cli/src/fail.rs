//! How the CLI fails: bad input exits 2 with one paragraph; anything else 1.

use std::io::IsTerminal;
use std::path::Path;

/// A failure to report and exit with.
#[derive(Debug)]
pub struct Fail {
    /// Exit code: 2 for bad input, 1 for everything else.
    pub code: i32,
    /// The paragraph to print.
    pub message: String,
}

impl Fail {
    /// Bad input from the user (exit code 2).
    pub fn input(message: impl Into<String>) -> Fail {
        Fail {
            code: 2,
            message: message.into(),
        }
    }

    /// Something went wrong that is not the user's input (exit code 1).
    pub fn internal(message: impl Into<String>) -> Fail {
        Fail {
            code: 1,
            message: message.into(),
        }
    }

    /// Prints the message to stderr and exits.
    pub fn exit(self) -> ! {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let prefix = if color {
            "\x1b[1;31merror:\x1b[0m"
        } else {
            "error:"
        };
        // Messages quote what users wrote; whatever was not escaped where it
        // was quoted is escaped here, so no control byte reaches the terminal.
        eprintln!("{prefix} {}", sim_core::error::escaped(&self.message));
        std::process::exit(self.code)
    }
}

/// Whether stderr can show colours and progress bars.
pub fn fancy_stderr() -> bool {
    std::io::stderr().is_terminal()
}

/// A path as messages show it: control characters escaped, a very long one
/// cut in the middle (see `sim_core::error::shown`).
pub fn shown_path(p: &Path) -> String {
    sim_core::error::shown(&p.to_string_lossy())
}
