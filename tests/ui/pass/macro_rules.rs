#![deny(warnings)]
// The derive applied to a struct written by a `macro_rules!` (other hygiene for its tokens).

macro_rules! charm {
    ($name:ident { $($field:ident $(depends_on $deps:tt)?),* }) => {
        #[derive(reconciler_core::CharmReconciler)]
        struct $name {
            $(
                #[component($(depends_on = $deps)?)]
                $field: reconciler_tests::Trivial,
            )*
        }
    };
}

charm!(Charm { workload, relation depends_on [workload] });
// Every field has one type, so `after` depends on two of one type: the derive's check of what
// it reads (it reads nothing) is written with these tokens too.
charm!(Gated { first, second, after depends_on [first, second] });

fn main() {
    use reconciler_core::CharmReconciler as _;
    let charm = Charm { workload: reconciler_tests::Trivial, relation: reconciler_tests::Trivial };
    assert_eq!(charm.component_depends_on(1), [0]);
    let trivial = || reconciler_tests::Trivial;
    let gated = Gated { first: trivial(), second: trivial(), after: trivial() };
    assert_eq!(gated.component_depends_on(2), [0, 1]);
}
