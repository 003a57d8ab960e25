//! Dependency-graph validation and ordering for reconciler charms.
//!
//! This crate is the single implementation of the graph rules, used twice:
//! by `reconciler-macros` at compile time (where problems become `syn::Error`s pointing at
//! the offending token) and by `reconciler-core`'s runtime graph builder (where they become
//! a `GraphError`). Sharing it is what guarantees that a derived charm and a charm built at
//! run time from the same declarations get the same order and the same verdicts.
//!
//! It works on positions, not names, so each caller can attach its own spans or messages:
//!
//! ```
//! use reconciler_graph::{validate, Declaration, Problem};
//!
//! let graph = validate(&[
//!     Declaration { name: "workload", depends_on: &[] },
//!     Declaration { name: "relation_1", depends_on: &["workload"] },
//!     Declaration { name: "relation_2", depends_on: &[] },
//!     Declaration { name: "kubernetes_resources", depends_on: &["relation_2"] },
//! ])
//! .unwrap();
//! assert_eq!(graph.order, [0, 1, 2, 3]);
//! assert_eq!(graph.depends_on, [vec![], vec![0], vec![], vec![2]]);
//!
//! let problems = validate(&[
//!     Declaration { name: "a", depends_on: &["b"] },
//!     Declaration { name: "b", depends_on: &["a"] },
//! ])
//! .unwrap_err();
//! assert_eq!(problems, [Problem::Cycle { path: vec![0, 1, 0] }]);
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

/// One component as declared: its name and the names it depends on, in written order.
#[derive(Clone, Copy, Debug)]
pub struct Declaration<'a> {
    /// The component's name (a field name for a derived charm).
    pub name: &'a str,
    /// The names of the components it depends on.
    pub depends_on: &'a [&'a str],
}

/// A graph that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidGraph {
    /// For each component (by declaration position), the positions of its dependencies,
    /// in written order.
    pub depends_on: Vec<Vec<usize>>,
    /// Every component position exactly once, each after all of its dependencies; among
    /// components whose dependencies are all placed, the earliest declared goes first.
    pub order: Vec<usize>,
}

/// One thing wrong with a graph. Positions index the declarations; `position` fields index
/// a component's `depends_on` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Two components share a name.
    DuplicateName {
        /// The later declaration.
        component: usize,
        /// The first declaration with that name.
        first: usize,
    },
    /// A component lists itself.
    SelfDependency {
        /// The component.
        component: usize,
        /// Where in its `depends_on` it names itself.
        position: usize,
    },
    /// A component lists the same dependency twice.
    DuplicateDependency {
        /// The component.
        component: usize,
        /// The repeated entry.
        position: usize,
        /// The first entry with that name.
        first_position: usize,
    },
    /// A dependency names no component.
    UnknownDependency {
        /// The component.
        component: usize,
        /// The entry naming nothing.
        position: usize,
        /// The closest existing name, when one is close enough to be a likely typo.
        suggestion: Option<usize>,
    },
    /// Components depend on each other in a circle. `path` starts and ends with the same
    /// component; each element depends on the next one.
    Cycle {
        /// The circle, for example `[a, b, c, a]` for `a -> b -> c -> a`.
        path: Vec<usize>,
    },
}

/// Checks declarations and computes the execution order.
///
/// Every problem is reported, not only the first: duplicate names, self-dependencies,
/// duplicate and unknown dependencies, and one cycle per group of components that depend
/// on each other. Runs in O((components + edges) · log components).
pub fn validate(declarations: &[Declaration<'_>]) -> Result<ValidGraph, Vec<Problem>> {
    let mut problems = Vec::new();

    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(declarations.len());
    for (index, declaration) in declarations.iter().enumerate() {
        if let Some(&first) = by_name.get(declaration.name) {
            problems.push(Problem::DuplicateName {
                component: index,
                first,
            });
        } else {
            by_name.insert(declaration.name, index);
        }
    }

    let mut depends_on = Vec::with_capacity(declarations.len());
    for (index, declaration) in declarations.iter().enumerate() {
        let mut resolved: Vec<usize> = Vec::with_capacity(declaration.depends_on.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (position, dependency) in declaration.depends_on.iter().enumerate() {
            if let Some(&first_position) = seen.get(dependency) {
                problems.push(Problem::DuplicateDependency {
                    component: index,
                    position,
                    first_position,
                });
                continue;
            }
            seen.insert(dependency, position);
            match by_name.get(dependency) {
                Some(&target) if target == index || *dependency == declaration.name => {
                    problems.push(Problem::SelfDependency {
                        component: index,
                        position,
                    });
                }
                Some(&target) => resolved.push(target),
                None => problems.push(Problem::UnknownDependency {
                    component: index,
                    position,
                    suggestion: suggest(dependency, declarations.iter().map(|d| d.name)),
                }),
            }
        }
        depends_on.push(resolved);
    }

    let order = match topological_order(&depends_on) {
        Ok(order) => order,
        Err(cycles) => {
            problems.extend(cycles.into_iter().map(|path| Problem::Cycle { path }));
            Vec::new()
        }
    };

    if problems.is_empty() {
        Ok(ValidGraph { depends_on, order })
    } else {
        Err(problems)
    }
}

/// The index of the candidate closest to `wanted`, if it is close enough to be a typo of
/// it (normalised Damerau-Levenshtein similarity of at least 0.6, or differing only in
/// case), like rustc's "did you mean" hints.
pub fn suggest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (index, candidate) in candidates.into_iter().enumerate() {
        let score = if candidate.eq_ignore_ascii_case(wanted) {
            1.0
        } else {
            strsim::normalized_damerau_levenshtein(wanted, candidate)
        };
        if score >= 0.6 && best.is_none_or(|(_, best_score)| score > best_score) {
            best = Some((index, score));
        }
    }
    best.map(|(index, _)| index)
}

/// Orders components so that each comes after its dependencies, earliest declared first
/// among those free to go. On failure returns one cycle per strongly connected group, each
/// as a path that starts and ends at the group's earliest declared member.
///
/// `depends_on[i]` lists the dependencies of component `i`; every entry must be `< len`.
pub fn topological_order(depends_on: &[Vec<usize>]) -> Result<Vec<usize>, Vec<Vec<usize>>> {
    let count = depends_on.len();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut waiting_on: Vec<usize> = vec![0; count];
    for (component, dependencies) in depends_on.iter().enumerate() {
        waiting_on[component] = dependencies.len();
        for &dependency in dependencies {
            dependents[dependency].push(component);
        }
    }

    let mut free: BinaryHeap<Reverse<usize>> = (0..count)
        .filter(|&c| waiting_on[c] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(count);
    while let Some(Reverse(component)) = free.pop() {
        order.push(component);
        for &dependent in &dependents[component] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                free.push(Reverse(dependent));
            }
        }
    }

    if order.len() == count {
        Ok(order)
    } else {
        Err(cycles(depends_on, &waiting_on))
    }
}

/// Finds one cycle in each strongly connected group among the components Kahn's algorithm
/// could not place (`waiting_on[c] > 0`).
fn cycles(depends_on: &[Vec<usize>], waiting_on: &[usize]) -> Vec<Vec<usize>> {
    let stuck: Vec<bool> = waiting_on.iter().map(|&w| w > 0).collect();
    let groups = strongly_connected(depends_on, &stuck);
    let mut found: Vec<Vec<usize>> = groups
        .into_iter()
        .filter(|group| group.len() > 1)
        .map(|group| shortest_cycle_through(depends_on, &group))
        .collect();
    found.sort();
    found
}

/// Tarjan's algorithm (iterative, so deep chains cannot overflow the stack), restricted to
/// the components marked in `include`. Each group is returned sorted.
fn strongly_connected(depends_on: &[Vec<usize>], include: &[bool]) -> Vec<Vec<usize>> {
    const UNVISITED: usize = usize::MAX;
    let count = depends_on.len();
    let mut index_of = vec![UNVISITED; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut groups = Vec::new();
    let mut next_index = 0;

    for root in (0..count).filter(|&c| include[c]) {
        if index_of[root] != UNVISITED {
            continue;
        }
        // Each frame: (component, how many of its edges were explored).
        let mut frames = vec![(root, 0usize)];
        index_of[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;

        while let Some(&mut (component, ref mut edge)) = frames.last_mut() {
            let edges = &depends_on[component];
            if *edge < edges.len() {
                let target = edges[*edge];
                *edge += 1;
                if !include[target] {
                    continue;
                }
                if index_of[target] == UNVISITED {
                    index_of[target] = next_index;
                    low[target] = next_index;
                    next_index += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    frames.push((target, 0));
                } else if on_stack[target] {
                    low[component] = low[component].min(index_of[target]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                low[parent] = low[parent].min(low[component]);
            }
            if low[component] == index_of[component] {
                let mut group = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    group.push(member);
                    if member == component {
                        break;
                    }
                }
                group.sort_unstable();
                groups.push(group);
            }
        }
    }
    groups
}

/// The shortest cycle through the earliest declared member of a strongly connected group,
/// found by breadth-first search along "depends on" edges inside the group.
fn shortest_cycle_through(depends_on: &[Vec<usize>], group: &[usize]) -> Vec<usize> {
    let start = group[0];
    let in_group = |c: usize| group.binary_search(&c).is_ok();
    // The start has no entry, which is where the walk back stops.
    let mut came_from: HashMap<usize, usize> = HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(component) = queue.pop_front() {
        for &target in &depends_on[component] {
            if !in_group(target) {
                continue;
            }
            if target == start {
                // Walk back from `component` to `start`, then read it forwards.
                let mut walk = vec![component];
                while let Some(&previous) = came_from.get(walk.last().unwrap()) {
                    walk.push(previous);
                }
                walk.reverse();
                walk.push(start);
                return walk;
            }
            if let std::collections::hash_map::Entry::Vacant(slot) = came_from.entry(target) {
                slot.insert(component);
                queue.push_back(target);
            }
        }
    }
    // A strongly connected group of two or more always has a cycle through each member.
    unreachable!("strongly connected group without a cycle through its first member")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decls<'a>(spec: &'a [(&'a str, &'a [&'a str])]) -> Vec<Declaration<'a>> {
        spec.iter()
            .map(|(name, depends_on)| Declaration { name, depends_on })
            .collect()
    }

    #[test]
    fn ties_go_to_declaration_order() {
        let graph = validate(&decls(&[
            ("c", &["b"]),
            ("a", &[]),
            ("b", &[]),
            ("d", &["a"]),
        ]))
        .unwrap();
        // a (1) and b (2) are free; a goes first, which frees d (3); b (2) < d (3).
        assert_eq!(graph.order, [1, 2, 0, 3]);
    }

    #[test]
    fn reports_every_problem() {
        let problems = validate(&decls(&[
            ("workload", &["workload"]),
            ("relation", &["worklaod", "db", "db"]),
            ("workload", &[]),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                Problem::DuplicateName {
                    component: 2,
                    first: 0
                },
                Problem::SelfDependency {
                    component: 0,
                    position: 0
                },
                Problem::UnknownDependency {
                    component: 1,
                    position: 0,
                    suggestion: Some(0)
                },
                Problem::UnknownDependency {
                    component: 1,
                    position: 1,
                    suggestion: None
                },
                Problem::DuplicateDependency {
                    component: 1,
                    position: 2,
                    first_position: 1
                },
            ]
        );
    }

    #[test]
    fn cycle_path_is_in_dependency_order() {
        let problems = validate(&decls(&[
            ("a", &["b"]),
            ("b", &["c"]),
            ("c", &["a"]),
            ("d", &["a"]),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            [Problem::Cycle {
                path: vec![0, 1, 2, 0]
            }]
        );
    }

    #[test]
    fn one_cycle_per_group() {
        let problems = validate(&decls(&[
            ("a", &["b"]),
            ("b", &["a"]),
            ("c", &["d"]),
            ("d", &["e"]),
            ("e", &["c", "d"]),
        ]))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                Problem::Cycle {
                    path: vec![0, 1, 0]
                },
                Problem::Cycle {
                    path: vec![2, 3, 4, 2]
                }
            ]
        );
    }

    #[test]
    fn long_chain_does_not_overflow() {
        let names: Vec<String> = (0..100_000).map(|i| format!("c{i}")).collect();
        let deps: Vec<Vec<&str>> = (0..names.len())
            .map(|i| vec![names[(i + 1) % names.len()].as_str()])
            .collect();
        let declarations: Vec<Declaration<'_>> = names
            .iter()
            .zip(&deps)
            .map(|(name, depends_on)| Declaration { name, depends_on })
            .collect();
        let problems = validate(&declarations).unwrap_err();
        match &problems[..] {
            [Problem::Cycle { path }] => assert_eq!(path.len(), 100_001),
            other => panic!("expected one cycle, got {} problems", other.len()),
        }
    }

    #[test]
    fn suggestions_need_to_be_close() {
        let names = ["workload", "relation_1", "relation_2"];
        assert_eq!(suggest("worklod", names), Some(0));
        assert_eq!(suggest("relation_3", names), Some(1));
        assert_eq!(suggest("Workload", names), Some(0));
        assert_eq!(suggest("database", names), None);
    }
}
