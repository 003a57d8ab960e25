use reconciler_core::CharmReconciler;

#[derive(CharmReconciler)]
union Charm {
    port: u16,
    flag: bool,
}

fn main() {}
