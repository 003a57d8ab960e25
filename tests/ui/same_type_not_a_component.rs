// A component whose `depends_on` lists two components of one type (so the derive also checks
// what it reads) and whose own type is not a component: one error, at its type, as for any
// other field (`field_not_a_component_type.rs`), not a second one from the check.
use reconciler_core::{CharmReconciler, Component, Context, Status};

struct Gate;

impl Component for Gate {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    first: Gate,
    #[component]
    second: Gate,
    #[component(depends_on = [first, second])]
    after: Vec<u8>,
}

fn main() {}
