//! Type-checked reading from dependencies.
//!
//! The derive hands each component a list of shared references to the components named in
//! its `depends_on`, as a cons list: `(&A, (&B, ()))`. The component's `Deps` type (see
//! [`Component`](crate::Component)) is built from that list by [`FromDeps`], which finds each
//! requested reference by type with [`Select`]. The index types [`Here`] and [`There`] are
//! inferred by the compiler; a request for a type that is not in the list has no impl and
//! fails to compile with the message below. None of this appears in a charm author's code.

use std::marker::PhantomData;

/// Index: the wanted item is the head of the list.
pub struct Here;

/// Index: the wanted item is in the tail, at index `I`.
pub struct There<I>(PhantomData<I>);

/// Picks the item of type `T` out of a cons list of dependency references.
#[diagnostic::on_unimplemented(
    message = "this component reads `{T}` from its dependencies, but no component in its `depends_on` has that type",
    label = "`{T}` is not among the components this one depends on",
    note = "add the field holding that component to this component's `depends_on = [...]`"
)]
pub trait Select<T, I> {
    /// The item of type `T`.
    fn select(self) -> T;
}

impl<T, Rest> Select<T, Here> for (T, Rest) {
    fn select(self) -> T {
        self.0
    }
}

impl<T, Head, Rest, I> Select<T, There<I>> for (Head, Rest)
where
    Rest: Select<T, I>,
{
    fn select(self) -> T {
        self.1.select()
    }
}

/// Builds a component's `Deps` from the references its `depends_on` provides.
///
/// Implemented for `()` (reads nothing), for `&T` (one component of type `T`) and for
/// tuples of those (several).
#[diagnostic::on_unimplemented(
    message = "this component's dependencies cannot provide `{Self}`",
    label = "the components in `depends_on` do not include what `{Self}` asks for",
    note = "every reference in a component's `Deps` must name the type of a component in its `depends_on`"
)]
pub trait FromDeps<Provided, Index> {
    /// Picks what this type needs out of `provided`.
    fn from_deps(provided: Provided) -> Self;
}

impl<Provided> FromDeps<Provided, ()> for () {
    fn from_deps(_: Provided) {}
}

impl<'a, T: ?Sized, Provided, I> FromDeps<Provided, I> for &'a T
where
    Provided: Select<&'a T, I>,
{
    fn from_deps(provided: Provided) -> &'a T {
        provided.select()
    }
}

macro_rules! tuple_from_deps {
    ($(($name:ident, $index:ident)),+) => {
        impl<Provided: Copy, $($name, $index),+> FromDeps<Provided, ($($index,)+)> for ($($name,)+)
        where
            $($name: FromDeps<Provided, $index>),+
        {
            fn from_deps(provided: Provided) -> Self {
                ($($name::from_deps(provided),)+)
            }
        }
    };
}

tuple_from_deps!((A, IA));
tuple_from_deps!((A, IA), (B, IB));
tuple_from_deps!((A, IA), (B, IB), (C, IC));
tuple_from_deps!((A, IA), (B, IB), (C, IC), (D, ID));
tuple_from_deps!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE));
tuple_from_deps!((A, IA), (B, IB), (C, IC), (D, ID), (E, IE), (F, IF));
tuple_from_deps!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG)
);
tuple_from_deps!(
    (A, IA),
    (B, IB),
    (C, IC),
    (D, ID),
    (E, IE),
    (F, IF),
    (G, IG),
    (H, IH)
);

#[cfg(test)]
mod tests {
    use super::*;

    struct Workload(u16);
    struct Database(&'static str);

    fn pick<D: FromDeps<P, I>, P, I>(provided: P) -> D {
        D::from_deps(provided)
    }

    #[test]
    fn picks_by_type_in_any_order() {
        let workload = Workload(8080);
        let database = Database("postgres");
        let provided = (&database, (&workload, ()));
        let w: &Workload = pick(provided);
        assert_eq!(w.0, 8080);
        let (w, d): (&Workload, &Database) = pick(provided);
        assert_eq!((w.0, d.0), (8080, "postgres"));
        let (d,): (&Database,) = pick(provided);
        assert_eq!(d.0, "postgres");
        let () = pick(provided);
    }
}
