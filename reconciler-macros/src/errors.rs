//! Collecting every error of one derive so they are reported together.
//!
//! The collector follows serde's `Ctxt`: it must be consumed by [`Errors::finish`], and
//! panics when dropped without that (a derive that recorded an error and then returned
//! without reporting it is a bug, and the panic makes rustc report it instead of the derive
//! silently producing nothing). A stage that gives up returns [`Reported`], which only
//! recording an error produces, so "no impl and no error" cannot happen.

/// Proof that an error was recorded: the only way to make one is to record an error.
#[derive(Debug)]
pub(crate) struct Reported(());

/// The errors found so far, each with the span of the token it is about.
pub(crate) struct Errors {
    /// `None` once checked.
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    /// An empty collector, to be consumed by [`Errors::finish`].
    pub(crate) fn new() -> Errors {
        Errors {
            errors: Some(Vec::new()),
        }
    }

    /// Records one more error.
    pub(crate) fn push(&mut self, error: syn::Error) -> Reported {
        self.errors
            .as_mut()
            .expect("the collector is only checked once, at the end")
            .push(error);
        Reported(())
    }

    /// Records an error at `span` with `message`.
    pub(crate) fn at(
        &mut self,
        span: proc_macro2::Span,
        message: impl std::fmt::Display,
    ) -> Reported {
        self.push(syn::Error::new(span, message))
    }

    /// Records every error darling found, each at its own span.
    pub(crate) fn darling(&mut self, error: darling::Error) -> Reported {
        for error in error.flatten() {
            self.push(syn::Error::from(error));
        }
        Reported(())
    }

    /// Every recorded error, combined so rustc shows them all; or, when none was
    /// recorded, what the stages produced. A stage's `Err(Reported)` means an error was
    /// recorded, so it always ends in the first case.
    pub(crate) fn finish<T>(mut self, result: Result<T, Reported>) -> syn::Result<T> {
        let errors = self.errors.take().unwrap_or_default();
        let mut errors = errors.into_iter();
        match (errors.next(), result) {
            (Some(mut combined), _) => {
                for error in errors {
                    combined.combine(error);
                }
                Err(combined)
            }
            (None, Ok(value)) => Ok(value),
            (None, Err(Reported(()))) => {
                unreachable!("a stage reported an error that was never recorded")
            }
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!("an error collector was dropped without Errors::finish: errors would be lost");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    #[should_panic(expected = "dropped without Errors::finish")]
    fn dropping_an_unchecked_collector_panics() {
        let _errors = Errors::new();
    }

    #[test]
    #[should_panic(expected = "dropped without Errors::finish")]
    fn dropping_a_collector_holding_errors_panics() {
        let mut errors = Errors::new();
        let _ = errors.at(Span::call_site(), "lost");
    }

    #[test]
    fn finish_reports_every_error_in_order() {
        let mut errors = Errors::new();
        let _ = errors.at(Span::call_site(), "first");
        let reported = errors.at(Span::call_site(), "second");
        let error = errors.finish::<()>(Err(reported)).unwrap_err();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn recorded_errors_win_over_a_result() {
        let mut errors = Errors::new();
        let _ = errors.at(Span::call_site(), "problem");
        assert!(errors.finish(Ok(1)).is_err());
        assert_eq!(Errors::new().finish::<i32>(Ok(1)).unwrap(), 1);
    }
}
