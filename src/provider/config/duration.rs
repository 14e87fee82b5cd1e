//! `request_timeout`: a duration as people write one (`30s`, `2m`, `1m30s`, `1h`, or bare seconds
//! such as `90`), read by `humantime` (checked arithmetic: no overflow, whatever the input), and
//! kept within what a timeout for one HTTP request can sensibly be.

use std::time::Duration;

/// The shortest `request_timeout` accepted.
pub const MIN_TIMEOUT: Duration = Duration::from_secs(1);
/// The longest `request_timeout` accepted: a request that needs longer is not coming back.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(3600);

/// Parses `90`, `30s`, `2m`, `1m30s`, `1h` (any `humantime` duration) into a duration; `None`
/// when the text is not one or is too large to represent. Zero is `None` too.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let parsed = match text.parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(text).ok(),
    };
    parsed.filter(|d| !d.is_zero())
}

/// The request timeout `text` stands for, or what is wrong with it (for the attribute error).
pub fn request_timeout(text: &str) -> Result<Duration, String> {
    let Some(timeout) = parse_duration(text) else {
        return Err(format!(
            "must be a duration such as \"30s\", \"1m\" or \"1m30s\"; got {text:?}."
        ));
    };
    if !(MIN_TIMEOUT..=MAX_TIMEOUT).contains(&timeout) {
        return Err(format!(
            "must be between 1s and 1h (one HTTP request's time limit); got {text:?}."
        ));
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_terraform_timeouts() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("1m 30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration(" 2m "), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("45"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("abc"), None);
        assert_eq!(parse_duration("10x"), None);
        assert_eq!(parse_duration("5m3"), None);
        assert_eq!(parse_duration("0s"), None);
        assert_eq!(parse_duration(""), None);
    }

    /// Found by the `import_ids` fuzz target: the old parser multiplied without checks (a panic
    /// in debug builds, a wrapped, wrong timeout in release builds).
    #[test]
    fn huge_durations_are_refused_not_wrapped() {
        assert_eq!(parse_duration("5124095576030432h"), None);
        assert_eq!(parse_duration("99999999999999999999999s"), None);
        let err = request_timeout("5124095576030432h").expect_err("too long");
        assert!(err.contains("\"5124095576030432h\""), "{err}");
        // Representable but absurd for one request: bounded.
        let err = request_timeout("100000h").expect_err("too long");
        assert!(err.contains("between 1s and 1h"), "{err}");
    }

    #[test]
    fn request_timeouts_stay_within_bounds() {
        assert_eq!(request_timeout("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(request_timeout("1h"), Ok(MAX_TIMEOUT));
        assert!(request_timeout("500ms").is_err());
        assert!(request_timeout("61m").is_err());
        assert!(request_timeout("ten seconds").is_err());
    }
}
