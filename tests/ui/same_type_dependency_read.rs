// Two dependencies of one type, and the component reads exactly that type (`Deps` is
// `&'a Database`): one error, at the second entry, naming both fields.
use reconciler_core::{CharmReconciler, Component, Context, Status};
use reconciler_tests::Database;

struct Report;

impl<'a> Component<&'a Database> for Report {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Charm {
    #[component]
    primary: Database,
    #[component]
    replica: Database,
    #[component(depends_on = [primary, replica])]
    report: Report,
}

// Three of one type: the message names all three, the error is at the second.
#[derive(CharmReconciler)]
struct Three {
    #[component]
    first: Database,
    #[component]
    second: Database,
    #[component]
    third: Database,
    #[component(depends_on = [third, second, first])]
    report: Report,
}

// A type written with a const block: its braces reach the message intact.
struct Slot<const N: usize>;

impl<const N: usize> Component for Slot<N> {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

struct ReadsSlot;

impl<'a> Component<&'a Slot<2>> for ReadsSlot {
    fn status(&self, _: &mut Context<'_>) -> Status {
        Status::active()
    }
}

#[derive(CharmReconciler)]
struct Slots {
    #[component]
    left: Slot<{ 1 + 1 }>,
    #[component]
    right: Slot<{ 1 + 1 }>,
    #[component(depends_on = [left, right])]
    reader: ReadsSlot,
}

fn main() {}
