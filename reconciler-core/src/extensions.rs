//! [`Extensions`]: parts of an in-memory model that belong to other crates.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;

/// Parts of an in-memory model that this crate does not know about, one value per type.
///
/// The in-memory Juju model (the test harness) models what Juju gives a unit. A component
/// that reaches beyond Juju, such as `reconciler-components`' Kubernetes component, keeps
/// an in-memory stand-in for that system here, so that a charm run by the harness works
/// against the stand-in and never against a real system by accident. A test puts a
/// prepared value in the state before the event and reads the value after it, like any
/// other part of the state.
///
/// Under Juju there are none: [`Backend::extensions`](crate::Backend::extensions) is
/// `None`, and components talk to the real systems.
///
/// ```
/// use reconciler_core::Extensions;
///
/// #[derive(Clone, Debug, Default, PartialEq)]
/// struct Mailbox(Vec<String>);
///
/// let mut extensions = Extensions::default();
/// extensions.get_or_insert_with(Mailbox::default).0.push("hello".into());
/// assert_eq!(extensions.get::<Mailbox>(), Some(&Mailbox(vec!["hello".into()])));
/// ```
#[derive(Default)]
pub struct Extensions {
    values: BTreeMap<TypeId, Box<dyn Extension>>,
}

/// What an extension value must be for [`Extensions`] (and the state holding it) to be
/// cloned, compared and printed.
trait Extension: Any + Send {
    fn clone_box(&self) -> Box<dyn Extension>;
    fn eq_dyn(&self, other: &dyn Extension) -> bool;
    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any + Send + Clone + PartialEq + fmt::Debug> Extension for T {
    fn clone_box(&self) -> Box<dyn Extension> {
        Box::new(self.clone())
    }

    fn eq_dyn(&self, other: &dyn Extension) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }

    fn debug(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

impl Extensions {
    /// The value of type `T`, if there is one.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.values
            .get(&TypeId::of::<T>())
            .and_then(|v| v.as_ref().as_any().downcast_ref())
    }

    /// The value of type `T`, mutably, if there is one.
    pub fn get_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.values
            .get_mut(&TypeId::of::<T>())
            .and_then(|v| v.as_mut().as_any_mut().downcast_mut())
    }

    /// Puts `value` in, returning the value of its type that was there.
    pub fn insert<T: Any + Send + Clone + PartialEq + fmt::Debug>(
        &mut self,
        value: T,
    ) -> Option<T> {
        let old = self.remove::<T>();
        self.values.insert(TypeId::of::<T>(), Box::new(value));
        old
    }

    /// Takes the value of type `T` out.
    pub fn remove<T: Any>(&mut self) -> Option<T> {
        let boxed = self.values.remove(&TypeId::of::<T>())?;
        let any: Box<dyn Any> = boxed;
        any.downcast::<T>().ok().map(|b| *b)
    }

    /// The value of type `T`, made with `make` if there is none yet.
    pub fn get_or_insert_with<T: Any + Send + Clone + PartialEq + fmt::Debug>(
        &mut self,
        make: impl FnOnce() -> T,
    ) -> &mut T {
        if self.get::<T>().is_none() {
            self.values.insert(TypeId::of::<T>(), Box::new(make()));
        }
        self.get_mut::<T>()
            .expect("a value of this type was just inserted")
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Clone for Extensions {
    fn clone(&self) -> Extensions {
        Extensions {
            values: self
                .values
                .iter()
                .map(|(id, value)| (*id, value.as_ref().clone_box()))
                .collect(),
        }
    }
}

impl PartialEq for Extensions {
    fn eq(&self, other: &Extensions) -> bool {
        self.values.len() == other.values.len()
            && self.values.iter().all(|(id, value)| {
                other
                    .values
                    .get(id)
                    .is_some_and(|o| value.as_ref().eq_dyn(o.as_ref()))
            })
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Value<'a>(&'a dyn Extension);
        impl fmt::Debug for Value<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.debug(f)
            }
        }
        f.debug_list()
            .entries(self.values.values().map(|v| Value(v.as_ref())))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct A(u32);
    #[derive(Clone, Debug, PartialEq)]
    struct B(&'static str);

    #[test]
    fn one_value_per_type_cloned_compared_and_printed() {
        let mut one = Extensions::default();
        assert!(one.is_empty());
        assert_eq!(one.insert(A(1)), None);
        assert_eq!(one.insert(A(2)), Some(A(1)));
        one.insert(B("b"));
        let two = one.clone();
        assert_eq!(one, two);
        one.get_mut::<A>().unwrap().0 = 3;
        assert_ne!(one, two);
        assert_eq!(two.get::<A>(), Some(&A(2)));
        assert_eq!(one.remove::<B>(), Some(B("b")));
        assert_eq!(one.get::<B>(), None);
        assert_ne!(one, two);
        let printed = format!("{two:?}");
        assert!(
            printed.contains("A(2)") && printed.contains("B(\"b\")"),
            "{printed}"
        );
        assert_eq!(*one.get_or_insert_with(|| B("new")), B("new"));
        assert_eq!(*one.get_or_insert_with(|| B("newer")), B("new"));
    }
}
