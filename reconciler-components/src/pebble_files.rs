//! Files in a workload container: [`File`], what to write where, and
//! [`PebbleFilesComponent`], a component that keeps a container's files as its author
//! describes them, without managing any service.
//!
//! # `PebbleFilesComponent`
//!
//! The charm author describes the files with a type implementing [`PebbleFiles`]: literal
//! content ([`File::new`]) or a Jinja2 [`Template`] rendered with a context
//! ([`File::template`]), each with optional permissions and owner. On every reconcile the
//! component:
//!
//! 1. waits for Pebble: Waiting `waiting for Pebble in container <name>` until it answers;
//! 2. renders every template; one that fails makes the component Blocked with the file, the
//!    template and the line (`cannot render /etc/app.conf: template app.conf.j2 line 3:
//!    undefined value`), and no file is pushed;
//! 3. pulls each file and pushes only those whose content differs, or whose mode or owner
//!    differs from what the [`File`] sets; a push Pebble refuses makes the component
//!    Blocked with the path and Pebble's reason;
//! 4. restarts the running services a changed file names in [`File::used_by`] (services
//!    not in the container's plan, or not running, are left alone).
//!
//! It is Active once every file is in place. (Under `update-status` in status-only mode,
//! when it configures nothing, it is Active while Pebble answers and Waiting otherwise.) It observes its container's Pebble events
//! (ready, custom notices, check failed and recovered), so a container whose Pebble comes
//! up gets its files at once.
//!
//! ```
//! use reconciler_components::pebble_files::{File, PebbleFiles, PebbleFilesComponent};
//! use reconciler_components::template::Template;
//! use reconciler_core::prelude::*;
//! use reconciler_core::testing::{Container, Harness, State};
//!
//! /// The workload's config file, from the `log-level` option.
//! struct Config;
//!
//! impl PebbleFiles for Config {
//!     fn files(&mut self, ctx: &mut Context<'_>, (): ()) -> Result<Vec<File>, ComponentError> {
//!         let level = ctx.config_value("log-level")?.and_then(|v| v.as_str().map(str::to_owned));
//!         let template = Template::new("app.conf.j2", "log_level = {{ level }}\n");
//!         Ok(vec![File::template("/etc/app.conf", template, serde_json::json!({"level": level}))
//!             .permissions(0o640)])
//!     }
//! }
//!
//! #[derive(CharmReconciler)]
//! struct Demo {
//!     #[component]
//!     config: PebbleFilesComponent<Config>,
//! }
//! impl Charm for Demo {
//!     fn new() -> Demo {
//!         Demo { config: PebbleFilesComponent::new("app", Config) }
//!     }
//! }
//!
//! let harness = Harness::from_yaml(
//!     "name: demo\ncontainers:\n  app: {}\nconfig:\n  options:\n    log-level: {type: string, default: info}\n",
//! )?;
//! let out = harness.run::<Demo>(Event::ConfigChanged, State::default().with_container(Container::new("app")))?;
//! assert_eq!(out.unit_status, Status::active());
//! assert_eq!(out.state.container("app").unwrap().files["/etc/app.conf"], b"log_level = info\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use reconciler_core::pebble::{ListFilesOptions, Pebble, PebbleError, PushOptions, ServiceStatus};
use reconciler_core::{Component, ComponentError, Context, Observe, Status};
use serde::Serialize;

use crate::template::Template;

/// One file to keep in a workload container: where, what, with which permissions and
/// owner, and which services must be restarted when it changes.
///
/// Its `Debug` output names the path, the template and the options, never the content,
/// which may be secret.
#[derive(Clone)]
pub struct File {
    path: String,
    content: Content,
    permissions: Option<u32>,
    user: Option<String>,
    user_id: Option<u32>,
    group: Option<String>,
    group_id: Option<u32>,
    used_by: Vec<String>,
}

#[derive(Clone)]
enum Content {
    Literal(Vec<u8>),
    Template {
        template: Template,
        context: minijinja::Value,
    },
}

impl File {
    /// A file at `path` (absolute, in the container) with this content.
    pub fn new(path: impl Into<String>, content: impl Into<Vec<u8>>) -> File {
        File::with_content(path.into(), Content::Literal(content.into()))
    }

    /// A file at `path` whose content is `template` rendered with `context` (any value
    /// that serializes to a map). Rendering happens when the component runs, and is
    /// strict: a variable the context lacks is an error naming the template and the line.
    pub fn template(path: impl Into<String>, template: Template, context: impl Serialize) -> File {
        let context = minijinja::Value::from_serialize(context);
        File::with_content(path.into(), Content::Template { template, context })
    }

    fn with_content(path: String, content: Content) -> File {
        File {
            path,
            content,
            permissions: None,
            user: None,
            user_id: None,
            group: None,
            group_id: None,
            used_by: Vec::new(),
        }
    }

    /// The file's permission bits, like `0o640` (Pebble's default is `0o644`).
    #[must_use]
    pub fn permissions(mut self, mode: u32) -> File {
        self.permissions = Some(mode);
        self
    }

    /// The user that owns the file, by name.
    #[must_use]
    pub fn user(mut self, name: impl Into<String>) -> File {
        self.user = Some(name.into());
        self
    }

    /// The user that owns the file, by id.
    #[must_use]
    pub fn user_id(mut self, id: u32) -> File {
        self.user_id = Some(id);
        self
    }

    /// The group that owns the file, by name.
    #[must_use]
    pub fn group(mut self, name: impl Into<String>) -> File {
        self.group = Some(name.into());
        self
    }

    /// The group that owns the file, by id.
    #[must_use]
    pub fn group_id(mut self, id: u32) -> File {
        self.group_id = Some(id);
        self
    }

    /// The services that read this file: when its content changes they are restarted
    /// (unless the same reconcile's replan already restarted them).
    #[must_use]
    pub fn used_by<I, S>(mut self, services: I) -> File
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.used_by = services.into_iter().map(Into::into).collect();
        self
    }

    /// The file's path in the container.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The services restarted when the file changes.
    pub fn services(&self) -> &[String] {
        &self.used_by
    }

    /// The template the content is rendered from, if any.
    pub fn source_template(&self) -> Option<&Template> {
        match &self.content {
            Content::Template { template, .. } => Some(template),
            Content::Literal(_) => None,
        }
    }
}

impl File {
    /// Whether the mode and owner this file asks for (those it sets) are the ones the
    /// container has. Asks Pebble only when the file sets any.
    fn meta_matches(&self, pebble: &mut dyn Pebble) -> Result<bool, ComponentError> {
        if self.permissions.is_none()
            && self.user.is_none()
            && self.user_id.is_none()
            && self.group.is_none()
            && self.group_id.is_none()
        {
            return Ok(true);
        }
        let itself = ListFilesOptions {
            pattern: None,
            itself: true,
        };
        let info = match pebble.list_files(&self.path, &itself) {
            Ok(mut infos) if infos.len() == 1 => infos.remove(0),
            Ok(_) => return Ok(false),
            Err(e) if e.is_unavailable() => return Err(e.into()),
            Err(_) => return Ok(false),
        };
        let same =
            |wanted: &Option<String>, has: &Option<String>| wanted.is_none() || wanted == has;
        let same_id = |wanted: Option<u32>, has: Option<u32>| wanted.is_none() || wanted == has;
        Ok(self.permissions.is_none_or(|mode| mode == info.permissions)
            && same(&self.user, &info.user)
            && same_id(self.user_id, info.user_id)
            && same(&self.group, &info.group)
            && same_id(self.group_id, info.group_id))
    }
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("path", &self.path)
            .field("template", &self.source_template().map(Template::name))
            .field("permissions", &self.permissions.map(|m| format!("{m:o}")))
            .field("user", &self.user)
            .field("user_id", &self.user_id)
            .field("group", &self.group)
            .field("group_id", &self.group_id)
            .field("used_by", &self.used_by)
            .finish_non_exhaustive()
    }
}

/// A file with its content rendered, ready to compare and push.
pub(crate) struct Rendered {
    pub(crate) file: File,
    pub(crate) content: Vec<u8>,
}

/// Renders every file, before anything is pushed: a template that fails makes the whole
/// set fail (Blocked, naming the file, the template and the line), so a half-updated set
/// of files never reaches the container. Two files for one path are an error too.
pub(crate) fn render_all(files: Vec<File>) -> Result<Vec<Rendered>, ComponentError> {
    let mut paths = BTreeSet::new();
    let mut rendered = Vec::with_capacity(files.len());
    for file in files {
        if !paths.insert(file.path.clone()) {
            return Err(ComponentError::blocked(format!(
                "two files are described for {}; each path may appear once",
                file.path
            )));
        }
        let content = match &file.content {
            Content::Literal(bytes) => bytes.clone(),
            Content::Template { template, context } => template
                .render_value(context)
                .map_err(|e| ComponentError::blocked(format!("cannot render {}: {e}", file.path)))?
                .into_bytes(),
        };
        rendered.push(Rendered { file, content });
    }
    Ok(rendered)
}

/// The indices of the files whose content in the container differs from `rendered`
/// (missing or unreadable files included), or whose mode or owner differs from what the
/// file sets.
pub(crate) fn changed(
    pebble: &mut dyn Pebble,
    rendered: &[Rendered],
) -> Result<Vec<usize>, ComponentError> {
    let mut changed = Vec::new();
    for (index, file) in rendered.iter().enumerate() {
        match pebble.pull(&file.file.path) {
            Ok(current) if current == file.content => {
                if !file.file.meta_matches(pebble)? {
                    changed.push(index);
                }
            }
            Ok(_) => changed.push(index),
            Err(e) if e.is_unavailable() => return Err(e.into()),
            // Missing, or unreadable: push it, and let the push say what is wrong.
            Err(_) => changed.push(index),
        }
    }
    Ok(changed)
}

/// Pushes the files at `indices`.
pub(crate) fn push(
    pebble: &mut dyn Pebble,
    rendered: &[Rendered],
    indices: &[usize],
) -> Result<(), ComponentError> {
    for &index in indices {
        let Rendered { file, content } = &rendered[index];
        let options = PushOptions {
            permissions: file.permissions,
            user: file.user.clone(),
            user_id: file.user_id,
            group: file.group.clone(),
            group_id: file.group_id,
            ..PushOptions::default()
        };
        pebble
            .push_with(&file.path, content, &options)
            .map_err(|e| push_error(&file.path, e))?;
    }
    Ok(())
}

/// A Pebble error about one file: Waiting when Pebble is unreachable or hung, otherwise
/// Blocked with the path and Pebble's reason.
fn push_error(path: &str, error: PebbleError) -> ComponentError {
    if error.is_unavailable() {
        return ComponentError::from(error);
    }
    let reason = match &error {
        PebbleError::Path { kind, message, .. } => format!("{kind}: {message}"),
        PebbleError::Api { message, .. } => message.clone(),
        other => other.to_string(),
    };
    ComponentError::blocked(format!("cannot push {path}: {reason}")).with_source(error)
}

/// The charm-state key under which the services still to be restarted for changed files
/// are kept until the restart succeeds, so a hook that dies between the push and the
/// restart does not lose the restart (the next reconcile sees the file unchanged).
pub(crate) fn pending_key(container: &str, owner: &str) -> String {
    format!("reconciler-components.pending-restart.{container}.{owner}")
}

/// The services a previous reconcile pushed changed files for but did not restart.
pub(crate) fn pending_restarts(
    ctx: &mut Context<'_>,
    key: &str,
) -> Result<BTreeSet<String>, ComponentError> {
    Ok(ctx
        .backend()
        .state_get(key)?
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default())
}

/// Records `services` as still to be restarted (or clears the record when empty).
pub(crate) fn record_pending(
    ctx: &mut Context<'_>,
    key: &str,
    services: &BTreeSet<String>,
) -> Result<(), ComponentError> {
    if services.is_empty() {
        ctx.backend().state_delete(key)?;
    } else {
        let value: Vec<&str> = services.iter().map(String::as_str).collect();
        ctx.backend().state_set(key, &value.join(","))?;
    }
    Ok(())
}

/// The services among `wanted` that are running (Active or Backoff) and so need a restart
/// to read a changed file; the others are left alone (not in the plan, stopped, failed).
pub(crate) fn running(
    pebble: &mut dyn Pebble,
    wanted: &BTreeSet<String>,
) -> Result<Vec<String>, ComponentError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    Ok(pebble
        .services(&[])?
        .into_iter()
        .filter(|s| {
            wanted.contains(&s.name)
                && matches!(s.current, ServiceStatus::Active | ServiceStatus::Backoff)
        })
        .map(|s| s.name)
        .collect())
}

/// The files a [`PebbleFilesComponent`] keeps in its container, supplied by the charm
/// author.
///
/// `Deps` is what it reads from the components it depends on, as for
/// [`Component`]: `()` for nothing, `&'a Database` for one,
/// `(&'a A, &'a B)` for several.
pub trait PebbleFiles<Deps = ()> {
    /// The files to keep, computed from the config (`ctx.config_value`) and `deps`. An
    /// error makes the component show the error's status; nothing is pushed.
    fn files(&mut self, ctx: &mut Context<'_>, deps: Deps) -> Result<Vec<File>, ComponentError>;
}

/// What a files component found on its last run.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FilesState {
    NoPebble,
    Synced { pushed: Vec<String> },
}

/// A component that keeps files in a workload container and manages no service: see the
/// [module documentation](self) for what it does on a reconcile and its statuses.
#[derive(Debug)]
pub struct PebbleFilesComponent<F> {
    container: String,
    files: F,
    state: Option<FilesState>,
}

impl<F> PebbleFilesComponent<F> {
    /// Keeps the files `files` describes in `container`.
    pub fn new(container: impl Into<String>, files: F) -> PebbleFilesComponent<F> {
        PebbleFilesComponent {
            container: container.into(),
            files,
            state: None,
        }
    }

    /// The container's name.
    pub fn container(&self) -> &str {
        &self.container
    }

    /// The author's type.
    pub fn files(&self) -> &F {
        &self.files
    }

    /// The author's type, mutably.
    pub fn files_mut(&mut self) -> &mut F {
        &mut self.files
    }

    /// The paths this reconcile pushed (because they were missing or differed).
    pub fn pushed(&self) -> &[String] {
        match &self.state {
            Some(FilesState::Synced { pushed }) => pushed,
            _ => &[],
        }
    }
}

impl<D: Copy, F: PebbleFiles<D>> Component<D> for PebbleFilesComponent<F> {
    fn configure_unit(&mut self, ctx: &mut Context<'_>, deps: D) -> Result<(), ComponentError> {
        self.state = None;
        // Rendering needs no Pebble: a template mistake shows even while Pebble is down.
        let rendered = render_all(self.files.files(ctx, deps)?)?;
        if !ctx.backend().pebble(&self.container)?.can_connect() {
            self.state = Some(FilesState::NoPebble);
            return Ok(());
        }
        let key = pending_key(&self.container, "files");
        let wants_restarts = rendered.iter().any(|r| !r.file.used_by.is_empty());
        let mut restart = if wants_restarts {
            pending_restarts(ctx, &key)?
        } else {
            BTreeSet::new()
        };
        let pending_before = restart.clone();
        let pebble = ctx.backend().pebble(&self.container)?;
        let changed = changed(pebble, &rendered)?;
        for &i in &changed {
            restart.extend(rendered[i].file.used_by.iter().cloned());
        }
        if restart != pending_before {
            record_pending(ctx, &key, &restart)?;
        }
        let pebble = ctx.backend().pebble(&self.container)?;
        push(pebble, &rendered, &changed)?;
        let to_restart = running(pebble, &restart)?;
        if !to_restart.is_empty() {
            let names: Vec<&str> = to_restart.iter().map(String::as_str).collect();
            pebble.restart(&names)?;
        }
        if !restart.is_empty() {
            record_pending(ctx, &key, &BTreeSet::new())?;
        }
        self.state = Some(FilesState::Synced {
            pushed: changed
                .iter()
                .map(|&i| rendered[i].file.path.clone())
                .collect(),
        });
        Ok(())
    }

    fn status(&self, ctx: &mut Context<'_>) -> Status {
        match &self.state {
            Some(FilesState::Synced { .. }) => Status::active(),
            Some(FilesState::NoPebble) => waiting_for_pebble(&self.container),
            // Nothing configured in this hook: a status-only `update-status`. The files
            // are what the last reconcile left; only Pebble's presence is news.
            None => match ctx.backend().pebble(&self.container) {
                Ok(pebble) => {
                    if pebble.can_connect() {
                        Status::active()
                    } else {
                        waiting_for_pebble(&self.container)
                    }
                }
                Err(e) => Status::blocked(e.to_string()),
            },
        }
    }

    fn observes(&self) -> Vec<Observe> {
        vec![Observe::container(self.container.clone())]
    }
}

/// Waiting `waiting for Pebble in container <name>`.
pub(crate) fn waiting_for_pebble(container: &str) -> Status {
    Status::waiting(format!("waiting for Pebble in container {container}"))
}
