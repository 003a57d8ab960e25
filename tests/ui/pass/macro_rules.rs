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

fn main() {
    use reconciler_core::CharmReconciler as _;
    let charm = Charm { workload: reconciler_tests::Trivial, relation: reconciler_tests::Trivial };
    assert_eq!(charm.component_depends_on(1), [0]);
}
