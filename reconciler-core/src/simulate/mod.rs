//! The charm binary's own command line, for when a person starts it rather than Juju:
//! `simulate` runs scenario files against the in-memory Juju model, `graph` draws the
//! component graph. See `docs/simulate.md` for the scenario format.
//!
//! [`run`](crate::run) hands over to [`main`] when nothing says Juju started the process
//! ([`requested`]). Everything here is internal: the command line is the interface.

mod picture;
mod render;
mod run;
mod scenario;

use std::io::{self, Write};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::dispatch::EventHandler;
use crate::scenario_section::ScenarioSection;
use crate::testing::Harness;

pub(crate) use picture::Format;

/// Exit code when a step could not run or an `expect` did not hold.
const FAILED: u8 = 1;
/// Exit code for bad input: a scenario that cannot be read, a charm directory that is not
/// one (clap uses the same code for a bad command line).
const BAD_INPUT: u8 = 2;

/// Whether the process was started by hand rather than by Juju. Juju always sets
/// `JUJU_UNIT_NAME` for a hook or an action (and `JUJU_DISPATCH_PATH` since 2.8), and a
/// charm run the old way is started as `hooks/<event>` or `actions/<action>`.
pub(crate) fn requested() -> bool {
    let juju = ["JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    let old_style = std::env::args_os().next().is_some_and(|argv0| {
        Path::new(&argv0)
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|dir| dir == "hooks" || dir == "actions")
    });
    !juju && !old_style
}

/// A charm binary outside Juju: run scenarios, draw the graph.
#[derive(Parser)]
#[command(
    about = "A Juju charm built with reconciler. Juju runs it once per event; started by hand it \
             runs scenarios against an in-memory Juju model (simulate) or draws its components \
             (graph).",
    after_help = "The scenario format is described in docs/simulate.md of the reconciler repository."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files against the in-memory Juju model and print, after each step, the
    /// unit status, what each component did and the log lines.
    Simulate(SimulateArgs),
    /// Print the component graph (Mermaid or Graphviz DOT), coloured by status when given a
    /// scenario.
    Graph(GraphArgs),
}

#[derive(clap::Args)]
struct SimulateArgs {
    /// Scenario files (YAML).
    #[arg(required = true, value_name = "SCENARIO.yaml")]
    scenarios: Vec<PathBuf>,
    /// Print one JSON object per step (JSON Lines) instead of text.
    #[arg(long)]
    json: bool,
    /// When to colour the text: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,
    /// The charm's directory (charmcraft.yaml, templates/). Default: the scenario's
    /// directory or the nearest parent with a charmcraft.yaml or metadata.yaml.
    #[arg(long, value_name = "DIR")]
    charm_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
struct GraphArgs {
    /// The output format.
    #[arg(long, value_enum, default_value_t = Format::Mermaid)]
    format: Format,
    /// Colour each component by its status after running this scenario.
    #[arg(long, value_name = "SCENARIO.yaml")]
    state: Option<PathBuf>,
    /// With --state: the statuses after step N (default: after the last step).
    #[arg(long, value_name = "N", requires = "state")]
    after: Option<usize>,
    /// The charm's directory, as for simulate.
    #[arg(long, value_name = "DIR")]
    charm_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Runs the command line and returns the exit code.
pub(crate) fn main<C, F>(new: F) -> ExitCode
where
    C: EventHandler,
    F: Fn() -> C,
{
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; the rest is a usage error.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { BAD_INPUT } else { 0 });
        }
    };
    // A panic in the charm is reported by the harness in the step's output; Rust's default
    // hook would print a second report in the middle of it.
    crate::panics::install_hook();
    let result = match cli.command {
        Command::Simulate(args) => simulate(&args, &new),
        Command::Graph(args) => graph(&args, &new),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Problem(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Bad input, in a sentence that names the file and what is wrong.
struct Problem(String);

impl From<scenario::ScenarioError> for Problem {
    fn from(e: scenario::ScenarioError) -> Problem {
        Problem(e.to_string())
    }
}

/// A charm built by `new`; a panic in `new` is an error saying so.
fn build<C, F: Fn() -> C>(new: &F) -> Result<C, Problem> {
    std::panic::catch_unwind(AssertUnwindSafe(new)).map_err(|payload| {
        Problem(format!(
            "building the charm panicked: {}",
            crate::executor::panic_message(payload)
        ))
    })
}

/// The sections the charm's components offer, each key once, from a charm built by `new`.
fn sections_of<C, F>(new: &F) -> Result<Vec<ScenarioSection>, Problem>
where
    C: EventHandler,
    F: Fn() -> C,
{
    let charm = build(new)?;
    let mut sections: Vec<ScenarioSection> = Vec::new();
    for index in 0..charm.component_count() {
        for section in charm.component_scenario_sections(index) {
            if !sections.iter().any(|s| s.key() == section.key()) {
                sections.push(section);
            }
        }
    }
    Ok(sections)
}

/// The charm directory for `scenario`: `given`, or the scenario's directory or the nearest
/// parent with charmcraft.yaml or metadata.yaml.
fn charm_dir(given: Option<&Path>, scenario: &Path) -> Result<PathBuf, Problem> {
    if let Some(dir) = given {
        return Ok(dir.to_owned());
    }
    let absolute = std::path::absolute(scenario).unwrap_or_else(|_| scenario.to_owned());
    absolute
        .ancestors()
        .skip(1)
        .find(|dir| dir.join("charmcraft.yaml").is_file() || dir.join("metadata.yaml").is_file())
        .map(Path::to_owned)
        .ok_or_else(|| {
            Problem(format!(
                "{}: no charmcraft.yaml or metadata.yaml in the scenario's directory or any parent; \
                 say where the charm is with --charm-dir",
                scenario.display()
            ))
        })
}

/// The harness for the charm in `dir`.
fn harness(dir: &Path) -> Result<Harness, Problem> {
    Harness::from_charm_dir(dir).map_err(|e| Problem(e.to_string()))
}

fn simulate<C, F>(args: &SimulateArgs, new: &F) -> Result<u8, Problem>
where
    C: EventHandler,
    F: Fn() -> C,
{
    let sections = sections_of(new)?;
    // Every file is read and checked before anything runs.
    let mut loaded = Vec::new();
    for path in &args.scenarios {
        if !path.is_file() {
            return Err(Problem(format!(
                "{}: no such scenario file",
                path.display()
            )));
        }
        let harness = harness(&charm_dir(args.charm_dir.as_deref(), path)?)?;
        let scenario = scenario::load(path, &harness, &sections)?;
        loaded.push((harness, scenario));
    }
    let choice = match args.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    let mut out = anstream::AutoStream::new(
        io::stdout().lock(),
        if args.json {
            anstream::ColorChoice::Never
        } else {
            choice
        },
    );
    let mut all_ok = true;
    let mut failures = Vec::new();
    for (index, (harness, scenario)) in loaded.iter().enumerate() {
        if !args.json {
            if index > 0 {
                write_or_stop(writeln!(out))?;
            }
            write_or_stop(render::heading(&mut out, scenario))?;
        }
        let mut failed_steps = Vec::new();
        let mut write_error = None;
        let ok = run::run_steps(harness, scenario, &sections, new, None, |step| {
            if !step.ok() {
                failed_steps.push(step.number);
            }
            let written = if args.json {
                writeln!(out, "{}", render::step_json(scenario, &step))
            } else {
                render::step_text(&mut out, &step)
            };
            if let Err(e) = written {
                write_error.get_or_insert(e);
            }
        });
        if let Some(e) = write_error {
            write_or_stop(Err(e))?;
        }
        all_ok &= ok;
        if !ok {
            failures.push(format!(
                "{} (step{} {})",
                scenario.path.display(),
                if failed_steps.len() == 1 { "" } else { "s" },
                failed_steps
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if !args.json {
        let summary = if all_ok {
            format!(
                "\n{} scenario{} ran; every expectation held",
                loaded.len(),
                if loaded.len() == 1 { "" } else { "s" }
            )
        } else {
            format!("\nFAILED: {}", failures.join("; "))
        };
        write_or_stop(writeln!(out, "{summary}"))?;
    }
    write_or_stop(out.flush())?;
    Ok(if all_ok { 0 } else { FAILED })
}

/// A write to stdout that failed: a closed pipe (`| head`) ends the program quietly.
fn write_or_stop(result: io::Result<()>) -> Result<(), Problem> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Problem(format!("cannot write the output: {e}"))),
    }
}

fn graph<C, F>(args: &GraphArgs, new: &F) -> Result<u8, Problem>
where
    C: EventHandler,
    F: Fn() -> C,
{
    let charm = build(new)?;
    let Some(path) = &args.state else {
        let title = std::env::args()
            .next()
            .and_then(|argv0| {
                Path::new(&argv0)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "charm".to_owned());
        print!("{}", picture::render(&charm, &title, args.format, None));
        return Ok(0);
    };
    if !path.is_file() {
        return Err(Problem(format!(
            "{}: no such scenario file",
            path.display()
        )));
    }
    let harness = harness(&charm_dir(args.charm_dir.as_deref(), path)?)?;
    let sections = sections_of(new)?;
    let scenario = scenario::load(path, &harness, &sections)?;
    let after = args.after.unwrap_or(scenario.steps.len());
    if after > scenario.steps.len() {
        return Err(Problem(format!(
            "{}: --after {after}, but the scenario has {} step{}",
            path.display(),
            scenario.steps.len(),
            if scenario.steps.len() == 1 { "" } else { "s" }
        )));
    }
    // The statuses of the last step up to `after` that reconciled (an action or a
    // remove shows no component statuses).
    let mut report = None;
    let mut at = 0;
    let mut failed = None;
    run::run_steps(
        &harness,
        &scenario,
        &sections,
        new,
        Some(after),
        |step| match &step.output {
            Ok(output) => {
                if let Some(r) = output.report() {
                    report = Some(r.clone());
                    at = step.number;
                }
            }
            Err(problem) => failed = Some(format!("step {}: {problem}", step.number)),
        },
    );
    if let Some(problem) = failed {
        return Err(Problem(format!("{}: {problem}", path.display())));
    }
    let title = if at == 0 {
        format!("{} before any step", harness.metadata().name)
    } else {
        format!(
            "{} after step {at} of {}",
            harness.metadata().name,
            path.display()
        )
    };
    print!(
        "{}",
        picture::render(&charm, &title, args.format, report.as_ref())
    );
    Ok(0)
}
