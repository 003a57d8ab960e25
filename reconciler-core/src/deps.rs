//! Type-checked reading from dependencies.
//!
//! Not public API: the code `#[derive(CharmReconciler)]` generates calls these items (and
//! compile errors name them), so they are reachable, but hidden from the documentation and
//! free to change in any release.
//!
//! The derive hands each component a list of shared references to the components named in
//! its `depends_on`, as a cons list: `(&A, (&B, ()))`. The component's `Deps` type (see
//! [`Component`](crate::Component)) is built from that list by [`FromDeps`], which finds each
//! requested reference by type with [`Select`]. The index types [`Here`] and [`There`] are
//! inferred by the compiler; a request for a type that is not in the list has no impl and
//! fails to compile with the message below. None of this appears in a charm author's code.
//!
//! Two dependencies of one type are fine as long as the component does not read that type:
//! the lookup of any other type still has one answer. When it does read it, [`Select`] would
//! have two answers and rustc could only say "type annotations needed". So for a component
//! whose `depends_on` lists several components of one type, the derive also checks what
//! the component reads against a list in which those components stand as one
//! `Ambiguous` entry (helpers the derive's generated code reaches through
//! `reconciler_core::__private`, not public API). Reading through that entry is what the
//! derive turns into a compile error that names the fields.

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

/// The check behind same-typed dependencies, for the derive's generated code (re-exported
/// from `reconciler_core::__private`; not public API).
///
/// The derive hands [`verdict`] the component's dependencies with the same-typed ones
/// replaced by one [`Ambiguous`] entry. Picking the component's `Deps` out of that list
/// always succeeds (an `&T` read through the `Ambiguous` entry is found at index
/// [`AtAmbiguous`]), and [`Verdict`] folds the indices into [`Unique`] or [`AmbiguousRead`].
/// The generated code requires [`Unambiguous`] of the result through a trait of its own,
/// whose `#[diagnostic::on_unimplemented]` message names the fields.
pub(crate) mod same_type {
    use super::{FromDeps, Here, Select, There};
    use crate::context::Context;
    use crate::error::ComponentError;

    /// Stands, in the list the derive checks, for two or more dependencies of type `T`'s
    /// referent; holds the first of them.
    #[derive(Clone, Copy, Debug)]
    pub struct Ambiguous<T>(pub T);

    /// Index: the wanted item is read through an [`Ambiguous`] entry.
    pub struct AtAmbiguous;

    // Not listed among "the other types that implement `Select`" in the error for a read
    // of a type no dependency has: only the derive's check puts `Ambiguous` in a list.
    #[diagnostic::do_not_recommend]
    impl<T, Rest> Select<T, AtAmbiguous> for (Ambiguous<T>, Rest) {
        fn select(self) -> T {
            (self.0).0
        }
    }

    /// What [`Verdict`] finds: no read went through an [`Ambiguous`] entry.
    #[derive(Debug, Default)]
    pub struct Unique;

    /// What [`Verdict`] finds: some read went through an [`Ambiguous`] entry, so which
    /// dependency it means is ambiguous.
    #[derive(Debug, Default)]
    pub struct AmbiguousRead;

    /// Implemented by [`Unique`] only: what the generated check requires of a verdict.
    pub trait Unambiguous {}

    impl Unambiguous for Unique {}

    /// Folds the index that [`FromDeps`] inferred into [`Unique`] or [`AmbiguousRead`].
    pub trait Verdict {
        /// [`Unique`] or [`AmbiguousRead`].
        type Out: Default;
    }

    impl Verdict for () {
        type Out = Unique;
    }

    impl Verdict for Here {
        type Out = Unique;
    }

    impl<I: Verdict> Verdict for There<I> {
        type Out = I::Out;
    }

    impl Verdict for AtAmbiguous {
        type Out = AmbiguousRead;
    }

    /// Combines two verdicts: ambiguous when either is.
    pub trait Both<Other> {
        /// [`Unique`] or [`AmbiguousRead`].
        type Out: Default;
    }

    impl Both<Unique> for Unique {
        type Out = Unique;
    }

    impl Both<AmbiguousRead> for Unique {
        type Out = AmbiguousRead;
    }

    impl<Other> Both<Other> for AmbiguousRead {
        type Out = AmbiguousRead;
    }

    macro_rules! tuple_verdict {
        ($last:ident) => {
            impl<$last: Verdict> Verdict for ($last,) {
                type Out = $last::Out;
            }
        };
        ($first:ident, $($rest:ident),+) => {
            impl<$first: Verdict, $($rest),+> Verdict for ($first, $($rest),+)
            where
                ($($rest,)+): Verdict,
                $first::Out: Both<<($($rest,)+) as Verdict>::Out>,
            {
                type Out = <$first::Out as Both<<($($rest,)+) as Verdict>::Out>>::Out;
            }
            tuple_verdict!($($rest),+);
        };
    }

    tuple_verdict!(IA, IB, IC, ID, IE, IF, IG, IH);

    /// The verdict on what a component reads from `provided`: [`Unique`], or
    /// [`AmbiguousRead`] when its `Deps` reads through an [`Ambiguous`] entry. The component
    /// is given as its `configure_unit` (`<Field as Component<_>>::configure_unit`, which
    /// fixes `D`), the path every other generated call uses, so that a field whose type is
    /// not a component gets the one error those calls give. Does nothing at run time; the
    /// generated code only looks at the type.
    pub fn verdict<C, D, P, I>(
        configure_unit: fn(&mut C, &mut Context<'_>, D) -> Result<(), ComponentError>,
        provided: P,
    ) -> <I as Verdict>::Out
    where
        C: ?Sized,
        D: FromDeps<P, I>,
        I: Verdict,
    {
        let _ = (configure_unit, provided);
        Default::default()
    }
}

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

    /// The types are the assertions: each `let` names the verdict the check must reach.
    #[test]
    fn verdict_is_ambiguous_only_for_reads_through_the_ambiguous_entry() {
        use crate::{Component, Context, Status};
        use same_type::{Ambiguous, AmbiguousRead, Unique, verdict};

        struct Reads<D>(PhantomData<D>);
        impl<D> Component<D> for Reads<D> {
            fn status(&self, _: &mut Context<'_>) -> Status {
                Status::active()
            }
        }

        let workload = Workload(1);
        let database = Database("primary");
        // `primary` and `replica` stand as one `Ambiguous` entry.
        let provided = (&workload, (Ambiguous(&database), ()));
        let Unique = verdict(<Reads<()> as Component<_>>::configure_unit, provided);
        let Unique = verdict(<Reads<&Workload> as Component<_>>::configure_unit, provided);
        let AmbiguousRead = verdict(<Reads<&Database> as Component<_>>::configure_unit, provided);
        let AmbiguousRead = verdict(
            <Reads<(&Workload, &Database)> as Component<_>>::configure_unit,
            provided,
        );
        let AmbiguousRead = verdict(
            <Reads<(&Database, &Workload)> as Component<_>>::configure_unit,
            provided,
        );
        let Unique = verdict(
            <Reads<(&Workload,)> as Component<_>>::configure_unit,
            provided,
        );
        // Even read through the `Ambiguous` entry, the pick itself has one answer: that is
        // what keeps rustc from reporting "type annotations needed" next to the check.
        let read: &Database = pick(provided);
        assert_eq!((read.0, workload.0), ("primary", 1));
    }
}
