// CharmReconciler is sealed: the executor trusts its execution order, which only the
// derive and GraphBuilder validate.
use reconciler_core::{CharmReconciler, ComponentError, Context, Observe, Status};

struct ByHand;

impl CharmReconciler for ByHand {
    fn component_count(&self) -> usize {
        0
    }
    fn component_name(&self, _: usize) -> &str {
        ""
    }
    fn component_depends_on(&self, _: usize) -> &[usize] {
        &[]
    }
    fn execution_order(&self) -> &[usize] {
        &[]
    }
    fn component_ready(&self, _: usize, _: &mut Context<'_>) -> bool {
        true
    }
    fn configure_component(
        &mut self,
        _: usize,
        _: &mut Context<'_>,
        _: bool,
    ) -> Result<(), ComponentError> {
        Ok(())
    }
    fn component_status(&self, _: usize, _: &mut Context<'_>) -> Status {
        Status::active()
    }
    fn remove_component(&mut self, _: usize, _: &mut Context<'_>) -> Result<(), ComponentError> {
        Ok(())
    }
    fn component_observes(&self, _: usize) -> Vec<Observe> {
        Vec::new()
    }
}

fn main() {}
