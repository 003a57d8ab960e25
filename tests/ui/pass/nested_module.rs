#![deny(warnings)]

mod outer {
    pub mod inner {
        // No imports at all: the generated code reaches the core crate by absolute path.
        #[derive(reconciler_core::CharmReconciler)]
        pub struct Charm {
            #[component]
            pub workload: reconciler_tests::Trivial,
            #[component(depends_on = [workload])]
            pub relation: reconciler_tests::Trivial,
        }
    }
}

// A local `Result`, `Vec` and `Component` must not confuse the generated code.
#[allow(dead_code)]
type Result<T> = std::result::Result<T, ()>;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
struct Component;

fn main() {
    use reconciler_core::CharmReconciler as _;
    let charm = outer::inner::Charm {
        workload: reconciler_tests::Trivial,
        relation: reconciler_tests::Trivial,
    };
    assert_eq!(charm.component_depends_on(1), [0]);
}
