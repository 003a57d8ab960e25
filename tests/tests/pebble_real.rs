//! The Pebble operations against the real `pebble` daemon (v1.19): every layer field
//! round-trips through Pebble's plan; files keep their mode and owner; checks start and
//! stop; notices are recorded and read back; and the in-memory container gives the same
//! error variant and kind for the same bad input.

mod juju_sim;

use std::collections::BTreeMap;
use std::time::Duration;

use reconciler_core::juju::PebbleClient;
use reconciler_core::pebble::{
    Check, CheckLevel, CheckStatus, ErrorKind, ExecCheck, FileType, HttpCheck, Layer,
    ListFilesOptions, LogTarget, LogTargetType, MakeDirOptions, NoticeQuery, NoticeType, Override,
    Pebble, PebbleError, PushOptions, Service, ServiceAction, ServiceStatus, Startup, TcpCheck,
};
use reconciler_core::testing::Container;

use juju_sim::{PebbleDaemon, pebble_binary, temp_dir};

/// A real Pebble in a fresh directory, and a client of it.
fn real_pebble() -> (tempfile::TempDir, PebbleDaemon, PebbleClient) {
    let Some(pebble) = pebble_binary() else {
        panic!("the pebble binary is needed (.ci/run installs it into $HOME/go/bin)");
    };
    let dir = temp_dir("pebble-real");
    let daemon = PebbleDaemon::start(&pebble, &dir.path().join("workload"));
    let client = PebbleClient::new("workload", daemon.socket());
    (dir, daemon, client)
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// A layer that sets every field Pebble 1.19 knows, with values Pebble's validation
/// accepts and that it writes back unchanged.
fn every_field() -> Layer {
    let sleeper = |summary: &str| Service {
        override_: Override::Replace,
        summary: Some(summary.into()),
        command: Some("sleep 300".into()),
        ..Service::default()
    };
    let main = Service {
        override_: Override::Replace,
        summary: Some("the main service".into()),
        description: Some("runs the workload".into()),
        startup: Some(Startup::Disabled),
        command: Some("sleep 300".into()),
        after: strings(&["helper"]),
        before: strings(&["late"]),
        requires: strings(&["helper"]),
        // `1.10` and `8080` would not survive a round-trip through a number.
        environment: map(&[("PORT", "8080"), ("VERSION", "1.10"), ("EMPTY", "")]),
        user: Some("root".into()),
        user_id: Some(0),
        group: Some("root".into()),
        group_id: Some(0),
        working_dir: Some("/tmp".into()),
        on_success: Some(ServiceAction::Ignore),
        on_failure: Some(ServiceAction::Shutdown),
        on_check_failure: [("alive".to_owned(), ServiceAction::Restart)].into(),
        backoff_delay: Some(Duration::from_millis(500)),
        backoff_factor: Some(1.5),
        backoff_limit: Some(Duration::from_secs(90)),
        kill_delay: Some(Duration::from_secs(7)),
        ..Service::default()
    };
    let check = |level: CheckLevel| Check {
        override_: Override::Replace,
        level: Some(level),
        startup: Some(Startup::Disabled),
        period: Some(Duration::from_secs(2)),
        timeout: Some(Duration::from_secs(1)),
        threshold: Some(5),
        ..Check::default()
    };
    let alive = Check {
        http: Some(HttpCheck {
            url: Some("http://localhost:1/health".into()),
            headers: map(&[("X-Probe", "pebble")]),
            ..HttpCheck::default()
        }),
        ..check(CheckLevel::Alive)
    };
    let port = Check {
        tcp: Some(TcpCheck {
            port: Some(1),
            host: Some("localhost".into()),
            ..TcpCheck::default()
        }),
        ..check(CheckLevel::Ready)
    };
    let cmd = Check {
        exec: Some(ExecCheck {
            command: Some("true".into()),
            service_context: Some("main".into()),
            environment: map(&[("B", "2")]),
            user: Some("root".into()),
            user_id: Some(0),
            group: Some("root".into()),
            group_id: Some(0),
            working_dir: Some("/tmp".into()),
            ..ExecCheck::default()
        }),
        ..check(CheckLevel::Ready)
    };
    let loki = LogTarget {
        type_: Some(LogTargetType::Loki),
        location: Some("http://localhost:1/loki/api/v1/push".into()),
        services: strings(&["main"]),
        override_: Override::Replace,
        labels: map(&[("env", "test")]),
        ..LogTarget::default()
    };
    Layer {
        summary: Some("every field".into()),
        description: Some("a layer with every field Pebble 1.19 knows".into()),
        services: [
            ("main".to_owned(), main),
            ("helper".to_owned(), sleeper("helps")),
            ("late".to_owned(), sleeper("starts late")),
        ]
        .into(),
        checks: [
            ("alive".to_owned(), alive),
            ("port".to_owned(), port),
            ("cmd".to_owned(), cmd),
        ]
        .into(),
        log_targets: [("loki".to_owned(), loki)].into(),
        ..Layer::default()
    }
}

#[test]
fn a_layer_with_every_field_comes_back_from_the_real_plan_unchanged() {
    let (_dir, daemon, mut client) = real_pebble();
    let layer = every_field();
    client.add_layer("every", &layer, false).unwrap();
    let plan = client.plan().unwrap();
    // The plan has every field of the layer but its own summary and description.
    let expected = Layer {
        summary: None,
        description: None,
        ..layer.clone()
    };
    assert_eq!(plan, expected);
    // Nothing Pebble sent was left unknown.
    assert!(plan.extra.is_empty());
    assert!(plan.services.values().all(|s| s.extra.is_empty()));

    // The in-memory container's plan is the same.
    let mut memory = Container::new("workload");
    memory.add_layer("every", &layer, false).unwrap();
    assert_eq!(memory.plan(), plan);
    drop(daemon);
}

#[test]
fn a_merged_layer_combines_in_memory_as_in_the_real_plan() {
    let (_dir, daemon, mut client) = real_pebble();
    let mut memory = Container::new("workload");
    let base = every_field();
    let mut update = Layer::default();
    update.services.insert(
        "main".into(),
        Service {
            override_: Override::Merge,
            command: Some("sleep 301".into()),
            environment: map(&[("EXTRA", "yes")]),
            after: strings(&["helper"]),
            on_check_failure: [("port".to_owned(), ServiceAction::Ignore)].into(),
            kill_delay: Some(Duration::from_secs(60)),
            ..Service::default()
        },
    );
    update.checks.insert(
        "alive".into(),
        Check {
            override_: Override::Merge,
            threshold: Some(9),
            http: Some(HttpCheck {
                headers: map(&[("X-More", "1")]),
                ..HttpCheck::default()
            }),
            ..Check::default()
        },
    );
    update.log_targets.insert(
        "loki".into(),
        LogTarget {
            override_: Override::Merge,
            services: strings(&["helper"]),
            labels: map(&[("team", "a")]),
            ..LogTarget::default()
        },
    );
    for target in [&mut client as &mut dyn Pebble, &mut memory] {
        target.add_layer("base", &base, false).unwrap();
        target.add_layer("update", &update, false).unwrap();
    }
    let real = client.plan().unwrap();
    assert_eq!(memory.plan(), real);
    assert_eq!(real.services["main"].command.as_deref(), Some("sleep 301"));
    // Pebble appends lists, repeats included.
    assert_eq!(real.services["main"].after, strings(&["helper", "helper"]));
    drop(daemon);
}

#[test]
fn a_replan_of_a_changed_service_restarts_it_on_the_real_pebble_as_in_memory() {
    let (_dir, daemon, mut client) = real_pebble();
    let mut memory = Container::new("workload");
    let layer = |command: &str| {
        let mut layer = Layer::default();
        layer.services.insert(
            "svc".into(),
            Service {
                override_: Override::Replace,
                command: Some(command.into()),
                startup: Some(Startup::Enabled),
                ..Service::default()
            },
        );
        layer
    };
    for target in [&mut client as &mut dyn Pebble, &mut memory] {
        target.add_layer("base", &layer("sleep 300"), true).unwrap();
        target.replan().unwrap();
        target.add_layer("base", &layer("sleep 301"), true).unwrap();
        target.replan().unwrap();
        let services = target.services(&["svc"]).unwrap();
        assert_eq!(services[0].current, ServiceStatus::Active);
    }
    let real: Vec<(String, String)> = daemon.changes();
    let in_memory: Vec<(String, String)> = memory
        .changes()
        .iter()
        .map(|c| (c.kind.clone(), c.summary.clone()))
        .collect();
    assert_eq!(real, in_memory);
    assert_eq!(
        real,
        [
            ("replan".to_owned(), "Replan service \"svc\"".to_owned()),
            ("replan".to_owned(), "Replan service \"svc\"".to_owned()),
        ]
    );
    // The second replan restarted the service: the process runs the new command.
    assert_eq!(memory.start_count("svc"), 2);
    let ps = std::process::Command::new("ps")
        .args(["-eo", "args"])
        .output()
        .unwrap();
    let ps = String::from_utf8_lossy(&ps.stdout);
    assert!(ps.lines().any(|l| l.trim() == "sleep 301"), "{ps}");
    drop(daemon);
}

#[test]
fn files_keep_their_mode_and_owner_on_the_real_pebble_as_in_memory() {
    let (dir, daemon, mut client) = real_pebble();
    let root = dir.path().join("files");
    let root = root.to_str().unwrap();
    let mut memory = Container::new("workload")
        .with_user("nobody", 65534)
        .with_group("nogroup", 65534);
    memory.dirs.insert(dir.path().to_str().unwrap().to_owned());
    let secret = format!("{root}/conf/secret.txt");
    let options = PushOptions {
        permissions: Some(0o600),
        user: Some("nobody".into()),
        group: Some("nogroup".into()),
        ..PushOptions::default()
    };
    let mut listings = Vec::new();
    for target in [&mut client as &mut dyn Pebble, &mut memory] {
        target.push_with(&secret, b"s3cret", &options).unwrap();
        assert_eq!(target.pull(&secret).unwrap(), b"s3cret");
        target
            .make_dir(
                &format!("{root}/data/deep"),
                &MakeDirOptions {
                    make_parents: true,
                    permissions: Some(0o700),
                    user_id: Some(65534),
                    ..MakeDirOptions::default()
                },
            )
            .unwrap();
        assert!(target.exists(&secret).unwrap());
        assert!(!target.exists(&format!("{root}/nope")).unwrap());
        let mut listing = target
            .list_files(&format!("{root}/conf"), &ListFilesOptions::default())
            .unwrap();
        listing.extend(
            target
                .list_files(
                    &format!("{root}/data"),
                    &ListFilesOptions {
                        pattern: Some("de*".into()),
                        itself: false,
                    },
                )
                .unwrap(),
        );
        listing.extend(
            target
                .list_files(
                    &format!("{root}/data"),
                    &ListFilesOptions {
                        pattern: None,
                        itself: true,
                    },
                )
                .unwrap(),
        );
        for info in &mut listing {
            // The in-memory container has no clock.
            info.last_modified.clear();
        }
        listings.push(listing);

        target.remove_path(&format!("{root}/data"), true).unwrap();
        assert!(!target.exists(&format!("{root}/data")).unwrap());
    }
    let real = &listings[0];
    assert_eq!(real, &listings[1]);
    let summary: Vec<_> = real
        .iter()
        .map(|i| {
            (
                i.name.as_str(),
                i.type_.clone(),
                i.permissions,
                i.size,
                i.user.as_deref(),
                i.group.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "secret.txt",
                FileType::File,
                0o600,
                Some(6),
                Some("nobody"),
                Some("nogroup")
            ),
            (
                "deep",
                FileType::Directory,
                0o700,
                None,
                Some("nobody"),
                Some("nogroup")
            ),
            (
                "data",
                FileType::Directory,
                0o700,
                None,
                Some("nobody"),
                Some("nogroup")
            ),
        ]
    );
    drop(daemon);
}

/// The error's variant, status and kind: what code matches on.
fn shape(e: &PebbleError) -> Shape {
    match e {
        PebbleError::Path { path, kind, .. } => (format!("Path {path}"), None, Some(kind.clone())),
        PebbleError::Api { status, kind, .. } => ("Api".into(), Some(*status), kind.clone()),
        other => panic!("unexpected {other:?}"),
    }
}

/// What a case expects: [`shape`] of the error.
type Shape = (String, Option<u16>, Option<ErrorKind>);

#[test]
// The cases are closures returning the operations' own results.
#[allow(clippy::result_large_err)]
fn bad_file_operations_fail_alike_on_the_real_pebble_and_in_memory() {
    let (dir, daemon, mut real) = real_pebble();
    let base = dir.path().to_str().unwrap().to_owned();
    let mut memory = Container::new("workload");
    memory.dirs.insert(base.clone());
    let file = format!("{base}/a.txt");
    let tree = format!("{base}/tree");
    for target in [&mut real as &mut dyn Pebble, &mut memory] {
        target.push(&file, b"a").unwrap();
        target.push(&format!("{tree}/x/y.txt"), b"y").unwrap();
    }
    type Op = Box<dyn Fn(&mut dyn Pebble) -> Result<(), PebbleError>>;
    let cases: Vec<(&str, Op, Shape)> = vec![
        (
            "a relative path",
            Box::new(|p| p.push("relative.txt", b"x")),
            (
                "Path relative.txt".into(),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "a directory where a file is expected",
            Box::new({
                let tree = tree.clone();
                move |p| p.push(&tree, b"x")
            }),
            (
                format!("Path {tree}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "a user that does not exist",
            Box::new({
                let file = file.clone();
                move |p| {
                    p.push_with(
                        &file,
                        b"x",
                        &PushOptions {
                            user: Some("no-such-user".into()),
                            ..PushOptions::default()
                        },
                    )
                }
            }),
            (
                format!("Path {file}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "a missing parent without make_dirs",
            Box::new({
                let base = base.clone();
                move |p| {
                    p.push_with(
                        &format!("{base}/missing/b.txt"),
                        b"x",
                        &PushOptions {
                            make_dirs: false,
                            ..PushOptions::default()
                        },
                    )
                }
            }),
            (
                format!("Path {base}/missing/b.txt"),
                None,
                Some(ErrorKind::NotFound),
            ),
        ),
        (
            "a mode over 0o777",
            Box::new({
                let file = file.clone();
                move |p| {
                    p.push_with(
                        &file,
                        b"x",
                        &PushOptions {
                            permissions: Some(0o1777),
                            ..PushOptions::default()
                        },
                    )
                }
            }),
            (
                format!("Path {file}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "pulling a directory",
            Box::new({
                let tree = tree.clone();
                move |p| p.pull(&tree).map(drop)
            }),
            (
                format!("Path {tree}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "listing a missing path",
            Box::new({
                let base = base.clone();
                move |p| {
                    p.list_files(&format!("{base}/nope"), &ListFilesOptions::default())
                        .map(drop)
                }
            }),
            ("Api".into(), Some(404), Some(ErrorKind::NotFound)),
        ),
        (
            "listing a relative path",
            Box::new(|p| p.list_files("nope", &ListFilesOptions::default()).map(drop)),
            ("Api".into(), Some(400), None),
        ),
        (
            "making a directory that exists",
            Box::new({
                let tree = tree.clone();
                move |p| p.make_dir(&tree, &MakeDirOptions::default())
            }),
            (
                format!("Path {tree}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "making a directory whose parent is missing",
            Box::new({
                let base = base.clone();
                move |p| p.make_dir(&format!("{base}/m/n"), &MakeDirOptions::default())
            }),
            (format!("Path {base}/m/n"), None, Some(ErrorKind::NotFound)),
        ),
        (
            "removing a directory that is not empty",
            Box::new({
                let tree = tree.clone();
                move |p| p.remove_path(&tree, false)
            }),
            (
                format!("Path {tree}"),
                None,
                Some(ErrorKind::GenericFileError),
            ),
        ),
        (
            "removing a missing path",
            Box::new({
                let base = base.clone();
                move |p| p.remove_path(&format!("{base}/nope"), false)
            }),
            (format!("Path {base}/nope"), None, Some(ErrorKind::NotFound)),
        ),
    ];
    for (what, op, expected) in &cases {
        let from_real = op(&mut real).expect_err(what);
        let from_memory = op(&mut memory).expect_err(what);
        assert_eq!(&shape(&from_real), expected, "{what}: {from_real}");
        assert_eq!(&shape(&from_memory), expected, "{what}: {from_memory}");
        assert_eq!(from_real.request(), from_memory.request(), "{what}");
    }
    // Some messages are Pebble's, word for word.
    let unknown_user = |p: &mut dyn Pebble| {
        p.push_with(
            &file,
            b"x",
            &PushOptions {
                user: Some("no-such-user".into()),
                ..PushOptions::default()
            },
        )
        .unwrap_err()
        .to_string()
    };
    assert_eq!(unknown_user(&mut real), unknown_user(&mut memory));
    // A recursive removal of a missing path is no error; the file is untouched.
    for target in [&mut real as &mut dyn Pebble, &mut memory] {
        target.remove_path(&format!("{base}/nope"), true).unwrap();
        assert_eq!(target.pull(&file).unwrap(), b"a");
    }
    drop(daemon);
}

#[test]
fn checks_start_and_stop_on_the_real_pebble_as_in_memory() {
    let (_dir, daemon, mut client) = real_pebble();
    let mut memory = Container::new("workload");
    let mut layer = Layer::default();
    layer.checks.insert(
        "probe".into(),
        Check {
            override_: Override::Replace,
            level: Some(CheckLevel::Ready),
            startup: Some(Startup::Disabled),
            period: Some(Duration::from_secs(60)),
            exec: Some(ExecCheck {
                command: Some("true".into()),
                ..ExecCheck::default()
            }),
            ..Check::default()
        },
    );
    for target in [&mut client as &mut dyn Pebble, &mut memory] {
        target.add_layer("checks", &layer, false).unwrap();
        let before = target.checks().unwrap();
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].status, CheckStatus::Inactive);
        assert_eq!(before[0].startup, Some(Startup::Disabled));
        assert_eq!(before[0].level, Some(CheckLevel::Ready));
        assert_eq!(before[0].threshold, 3);

        assert_eq!(target.start_checks(&["probe"]).unwrap(), ["probe"]);
        // Started already: nothing to do.
        assert!(target.start_checks(&["probe"]).unwrap().is_empty());
        assert_ne!(target.checks().unwrap()[0].status, CheckStatus::Inactive);
        assert_eq!(target.stop_checks(&["probe"]).unwrap(), ["probe"]);
        assert_eq!(target.checks().unwrap()[0].status, CheckStatus::Inactive);

        let e = target.start_checks(&["nope", "probe"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "pebble workload: POST /v1/checks: HTTP 400: \
             cannot start checks: cannot find checks in plan: nope"
        );
    }
    drop(daemon);
}

#[test]
fn notices_are_recorded_and_read_back_on_the_real_pebble_as_in_memory() {
    let (_dir, daemon, mut client) = real_pebble();
    let mut memory = Container::new("workload");
    for target in [&mut client as &mut dyn Pebble, &mut memory] {
        let first = target
            .notify("example.com/db-ready", &map(&[("host", "db")]))
            .unwrap();
        let other = target
            .notify("example.com/other", &BTreeMap::new())
            .unwrap();
        let again = target
            .notify("example.com/db-ready", &map(&[("host", "db2")]))
            .unwrap();
        assert_eq!(first, again);
        assert_ne!(first, other);

        let notices = target
            .notices(&NoticeQuery {
                types: vec![NoticeType::Custom],
                keys: vec!["example.com/db-ready".into()],
                after: None,
            })
            .unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        let notice = &notices[0];
        assert_eq!(notice.id, first);
        assert_eq!(notice.type_, NoticeType::Custom);
        assert_eq!(notice.key, "example.com/db-ready");
        assert_eq!(notice.occurrences, 2);
        assert_eq!(notice.last_data, map(&[("host", "db2")]));
        assert!(notice.first_occurred <= notice.last_occurred);

        // After the last occurrence: nothing.
        let later = target
            .notices(&NoticeQuery {
                after: Some(notice.last_repeated.clone()),
                keys: vec!["example.com/db-ready".into()],
                ..NoticeQuery::default()
            })
            .unwrap();
        assert!(later.is_empty(), "{later:?}");

        let e = target.notify("not a key", &BTreeMap::new()).unwrap_err();
        assert!(matches!(e, PebbleError::Api { status: 400, .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "pebble workload: POST /v1/notices: HTTP 400: \
             invalid key \"not a key\" (must be in \"example.com/path\" format)"
        );
    }
    drop(daemon);
}

#[test]
fn a_layer_that_leaves_the_plan_invalid_is_refused_alike() {
    let (_dir, daemon, mut real) = real_pebble();
    let mut memory = Container::new("workload");
    let service = |command: Option<&str>| Service {
        override_: Override::Replace,
        command: command.map(str::to_owned),
        ..Service::default()
    };
    let mut no_command = Layer::default();
    no_command.services.insert("a".into(), service(None));
    let mut unknown_requirement = Layer::default();
    unknown_requirement.services.insert(
        "b".into(),
        Service {
            requires: strings(&["zzz"]),
            ..service(Some("sleep 1"))
        },
    );
    let mut no_check_kind = Layer::default();
    no_check_kind.checks.insert(
        "c".into(),
        Check {
            override_: Override::Replace,
            ..Check::default()
        },
    );
    let mut no_location = Layer::default();
    no_location.log_targets.insert(
        "t".into(),
        LogTarget {
            override_: Override::Replace,
            type_: Some(LogTargetType::Syslog),
            services: strings(&["all"]),
            ..LogTarget::default()
        },
    );
    for (layer, message) in [
        (no_command, "plan must define \"command\" for service \"a\""),
        (unknown_requirement, "service \"zzz\" does not exist"),
        (
            no_check_kind,
            "plan must specify one of \"http\", \"tcp\", or \"exec\" for check \"c\"",
        ),
        (
            no_location,
            "plan must define \"location\" for log target \"t\"",
        ),
    ] {
        let expected = format!("pebble workload: POST /v1/layers: HTTP 400: {message}");
        for target in [&mut real as &mut dyn Pebble, &mut memory] {
            let e = target.add_layer("bad", &layer, true).unwrap_err();
            assert_eq!(e.to_string(), expected);
            // The layer was not added.
            assert_eq!(target.plan().unwrap(), Layer::default());
        }
    }
    drop(daemon);
}

#[test]
fn starting_and_stopping_follow_requires_on_the_real_pebble_as_in_memory() {
    let (_dir, daemon, mut real) = real_pebble();
    let mut memory = Container::new("workload");
    let mut layer = Layer::default();
    for (name, requires) in [("main", vec!["helper"]), ("helper", vec![])] {
        layer.services.insert(
            name.into(),
            Service {
                override_: Override::Replace,
                command: Some("sleep 300".into()),
                requires: strings(&requires),
                ..Service::default()
            },
        );
    }
    let mut states = Vec::new();
    for target in [&mut real as &mut dyn Pebble, &mut memory] {
        target.add_layer("base", &layer, false).unwrap();
        let mut state = Vec::new();
        let mut look = |target: &mut dyn Pebble| {
            let services = target.services(&[]).unwrap();
            state.push(
                services
                    .iter()
                    .map(|s| (s.name.clone(), s.current))
                    .collect::<Vec<_>>(),
            );
        };
        target.start(&["main"]).unwrap();
        look(target);
        target.stop(&["helper"]).unwrap();
        look(target);
        target.restart(&["main"]).unwrap();
        look(target);
        states.push(state);
    }
    assert_eq!(states[0], states[1]);
    let active = |name: &str| (name.to_owned(), ServiceStatus::Active);
    let inactive = |name: &str| (name.to_owned(), ServiceStatus::Inactive);
    assert_eq!(
        states[0],
        [
            vec![active("helper"), active("main")],
            vec![inactive("helper"), inactive("main")],
            vec![active("helper"), active("main")],
        ]
    );
    let in_memory: Vec<(String, String)> = memory
        .changes()
        .iter()
        .map(|c| (c.kind.clone(), c.summary.clone()))
        .collect();
    assert_eq!(daemon.changes(), in_memory);
    let summaries: Vec<&str> = in_memory.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "Start service \"main\" and 1 more",
            "Stop service \"helper\" and 1 more",
            "Restart service \"main\" and 1 more",
        ]
    );
    drop(daemon);
}
