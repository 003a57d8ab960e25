//! Deadlines that an environment variable can change, and how a duration is written in
//! messages. The hook-tool runner and the Pebble client both use them, so both variables
//! take the same values and a bad value is reported the same way.

use std::time::Duration;

/// A deadline with its default and the environment variable that overrides it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TimeoutSetting {
    /// The variable, e.g. `RECONCILER_HOOK_TOOL_TIMEOUT`.
    pub(crate) var: &'static str,
    /// The deadline when the variable is unset or unusable.
    pub(crate) default: Duration,
}

impl TimeoutSetting {
    /// The deadline in force: the variable's, if it holds a usable number of seconds, else
    /// the default.
    pub(crate) fn in_force(self) -> Duration {
        std::env::var(self.var)
            .ok()
            .and_then(|v| parse_seconds(&v))
            .unwrap_or(self.default)
    }

    /// Why the variable is not used, if it is set to something unusable (for a WARNING
    /// once logging is up).
    pub(crate) fn problem(self) -> Option<String> {
        let value = std::env::var(self.var).ok().filter(|v| !v.is_empty())?;
        parse_seconds(&value).is_none().then(|| {
            format!(
                "{}={value:?} is not a number of seconds between 0 and 86400; using {} s",
                self.var,
                seconds(self.default)
            )
        })
    }
}

/// A number of seconds, optionally followed by `s` (`30`, `0.5`, `2s`): positive and at
/// most a day.
pub(crate) fn parse_seconds(text: &str) -> Option<Duration> {
    let text = text.trim();
    let number = text.strip_suffix('s').unwrap_or(text).trim();
    let seconds: f64 = number.parse().ok()?;
    (seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0)
        .then(|| Duration::from_secs_f64(seconds))
}

/// `d` in seconds, without trailing zeros and without the unit: `60`, `0.5`.
pub(crate) fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        d.as_secs().to_string()
    } else {
        let text = format!("{:.3}", d.as_secs_f64());
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_parse_and_print() {
        assert_eq!(parse_seconds("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_seconds(" 0.5s "), Some(Duration::from_millis(500)));
        for bad in ["0", "-1", "soon", "inf", "NaN", "", "100000"] {
            assert_eq!(parse_seconds(bad), None, "{bad}");
        }
        assert_eq!(seconds(Duration::from_secs(60)), "60");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5");
    }

    #[test]
    fn an_unusable_value_is_a_problem_and_the_default_is_used() {
        let setting = TimeoutSetting {
            var: "RECONCILER_TIMEOUTS_TEST_UNSET_VARIABLE",
            default: Duration::from_secs(20),
        };
        assert_eq!(setting.in_force(), Duration::from_secs(20));
        assert_eq!(setting.problem(), None);
    }
}
