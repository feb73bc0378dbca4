//! A failed task's error as a user reads it. Ballista passes it on in its debug form, wrapped
//! (`... runtime execution error: DataFusionError(Shared(External(ArrowError(DivideByZero))))`);
//! here it becomes the text DataFusion and Arrow display for it (`Divide by zero error`), which
//! kqlite then words as it words the same error met locally.

/// The wrappers a task's error arrives in, outermost first.
const WRAPPERS: [&str; 5] = [
    "DataFusionError",
    "Shared",
    "External",
    "ArrowError",
    "Execution",
];

/// The displayed text of the task error in `text`; None where `text` holds none or one of a
/// kind not known here (the caller keeps `text`).
pub(crate) fn task_error(text: &str) -> Option<String> {
    let (_, debug) = text.split_once("runtime execution error: ")?;
    let mut inner = debug.trim();
    while let Some((name, rest)) = inner.split_once('(') {
        if !WRAPPERS.contains(&name) {
            break;
        }
        inner = rest.strip_suffix(')')?;
    }
    let (variant, message) = match inner.split_once("(\"") {
        Some((variant, rest)) => (variant, Some(rest.strip_suffix("\")")?)),
        None => (inner, None),
    };
    let message = message.map(unescape);
    let shown = match variant {
        "ArithmeticOverflow" => "Arithmetic overflow",
        "DivideByZero" => "Divide by zero error",
        "ComputeError" => "Compute error",
        "CastError" => "Cast error",
        "InvalidArgumentError" => "Invalid argument error",
        // A plain message (an `Execution` error, unwrapped above).
        _ if variant.starts_with('"') => return Some(unescape(inner.trim_matches('"'))),
        _ => return None,
    };
    Some(match message {
        Some(message) => format!("{shown}: {message}"),
        None => shown.to_string(),
    })
}

/// A string as its debug form wrote it, unescaped.
fn unescape(debug: &str) -> String {
    debug.replace("\\\"", "\"").replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::task_error;

    #[test]
    fn arrow_errors_read_as_arrow_displays_them() {
        let failed = "Job 038J failed: Job failed due to stage 1 failed: Task failed due to \
                      runtime execution error: ";
        let overflow = format!(
            "{failed}DataFusionError(Shared(External(ArrowError(ArithmeticOverflow(\"Overflow \
             happened on: -8 - 1\")))))"
        );
        assert_eq!(
            task_error(&overflow).as_deref(),
            Some("Arithmetic overflow: Overflow happened on: -8 - 1")
        );
        let zero = format!("{failed}DataFusionError(ArrowError(DivideByZero, None))");
        assert_eq!(task_error(&zero), None, "a form not known is kept");
        let zero = format!("{failed}DataFusionError(ArrowError(DivideByZero))");
        assert_eq!(task_error(&zero).as_deref(), Some("Divide by zero error"));
        let plain = format!("{failed}DataFusionError(Execution(\"a \\\"quoted\\\" word\"))");
        assert_eq!(task_error(&plain).as_deref(), Some("a \"quoted\" word"));
        assert_eq!(task_error("connection refused"), None);
    }
}
