//! JSON Lines filters: one request per input line, one answer per line, flushed at once so a
//! caller that feeds one line and waits for its answer is never stuck.

use std::io::{BufRead, Write};

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The error object of a line that could not be answered: `{"code": …, "message": …}`.
#[derive(Debug, Serialize)]
pub struct LineError {
    pub code: &'static str,
    pub message: String,
}

impl LineError {
    pub fn new(code: &'static str, message: impl Into<String>) -> LineError {
        LineError { code, message: message.into() }
    }
}

/// Reads each line of `input` as a `Req` and writes what `answer` makes of it. A line that is
/// not UTF-8, not JSON, or not a `Req` goes to `answer` as the error it is.
pub fn filter<Req, Resp>(
    input: impl BufRead,
    mut output: impl Write,
    mut answer: impl FnMut(Result<Req, LineError>) -> Resp,
) -> anyhow::Result<()>
where
    Req: DeserializeOwned,
    Resp: Serialize,
{
    let mut input = input;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).context("reading standard input")?;
        if n == 0 {
            return Ok(());
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let request = decode::<Req>(line);
        serde_json::to_writer(&mut output, &answer(request)).context("writing standard output")?;
        output.write_all(b"\n").context("writing standard output")?;
        output.flush().context("writing standard output")?;
    }
}

fn decode<Req: DeserializeOwned>(line: &[u8]) -> Result<Req, LineError> {
    let text = std::str::from_utf8(line)
        .map_err(|e| LineError::new("invalid_json", format!("the line is not UTF-8: {e}")))?;
    serde_json::from_str(text).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => LineError::new("invalid_input", e.to_string()),
            Category::Io | Category::Syntax | Category::Eof => {
                LineError::new("invalid_json", format!("the line is not JSON: {e}"))
            }
        }
    })
}
