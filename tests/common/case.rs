//! A scenario as steps, modelled on terraform-plugin-testing's `resource.Test`: each [`Step`]
//! writes its configuration (`main.tf` and any other files), runs an optional check before
//! the apply, applies, checks the state and the server, and then asserts the rule every
//! apply must satisfy: the plans without and with refresh are empty. A step may instead be
//! plan-only (the empty plans, no apply) and may end with an import verify.
//!
//! ```ignore
//! Case::new(tf)
//!     .step(Step::config(hcl).state("genesys_script_template.greeting", "version", 1))
//!     .run();
//! ```

use super::checks::{apply, assert_empty_plans, ok, plan, state_attr};
use super::terraform::{TerraformBin, TfOutput, WorkDir};
use serde_json::Value as Json;

type Check<'a> = Box<dyn Fn(&WorkDir) + 'a>;
type PlanCheck<'a> = Box<dyn Fn(&TfOutput) + 'a>;

/// What a state check expects of one attribute.
enum Expect {
    Equals(Json),
    IsString,
    IsNull,
}

/// One step of a [`Case`].
#[derive(Default)]
pub struct Step<'a> {
    config: Option<String>,
    files: Vec<(String, String)>,
    pre_config: Vec<Check<'a>>,
    plan_check: Option<PlanCheck<'a>>,
    plan_only: bool,
    state: Vec<(String, String, Expect)>,
    checks: Vec<Check<'a>>,
    import_verify: Option<(String, Vec<String>)>,
}

impl<'a> Step<'a> {
    /// A step that writes `main_tf` as the configuration.
    pub fn config(main_tf: impl Into<String>) -> Self {
        Step {
            config: Some(main_tf.into()),
            ..Step::default()
        }
    }

    /// A step that keeps the configuration of the step before (after its `pre_config`).
    pub fn same_config() -> Self {
        Step::default()
    }

    /// Also writes the file `name` (e.g. the script's JSON) before the step's commands.
    pub fn file(mut self, name: &str, content: impl Into<String>) -> Self {
        self.files.push((name.to_string(), content.into()));
        self
    }

    /// Runs `f` before the configuration is written (terraform-plugin-testing's `PreConfig`):
    /// a change made on the server by someone else, a reset of the simulator's counters.
    pub fn pre_config(mut self, f: impl Fn(&WorkDir) + 'a) -> Self {
        self.pre_config.push(Box::new(f));
        self
    }

    /// Runs `plan -detailed-exitcode` before the apply and hands its output to `f`
    /// (terraform-plugin-testing's `ConfigPlanChecks.PreApply`).
    pub fn plan_check(mut self, f: impl Fn(&TfOutput) + 'a) -> Self {
        self.plan_check = Some(Box::new(f));
        self
    }

    /// No apply: only the empty plans are asserted (terraform-plugin-testing's `PlanOnly`).
    pub fn plan_only(mut self) -> Self {
        self.plan_only = true;
        self
    }

    /// After the apply, attribute `attr` of `address` in the state equals `value`.
    pub fn state(mut self, address: &str, attr: &str, value: impl Into<Json>) -> Self {
        self.state.push((
            address.to_string(),
            attr.to_string(),
            Expect::Equals(value.into()),
        ));
        self
    }

    /// After the apply, attribute `attr` of `address` in the state is a (known) string.
    pub fn state_is_string(mut self, address: &str, attr: &str) -> Self {
        self.state
            .push((address.to_string(), attr.to_string(), Expect::IsString));
        self
    }

    /// After the apply, attribute `attr` of `address` in the state is null.
    pub fn state_is_null(mut self, address: &str, attr: &str) -> Self {
        self.state
            .push((address.to_string(), attr.to_string(), Expect::IsNull));
        self
    }

    /// After the apply and the state checks, `f` checks whatever else it must (the server).
    pub fn check(mut self, f: impl Fn(&WorkDir) + 'a) -> Self {
        self.checks.push(Box::new(f));
        self
    }

    /// After the empty plans, imports `address` (by the id in the state) into a fresh
    /// working directory with the same files, asserts that `attrs` equal the managed
    /// resource's, and that the imported state plans empty too.
    pub fn import_verify(mut self, address: &str, attrs: &[&str]) -> Self {
        self.import_verify = Some((
            address.to_string(),
            attrs.iter().map(|a| a.to_string()).collect(),
        ));
        self
    }
}

/// A scenario: one working directory, its steps in order, and an optional destroy.
pub struct Case<'a> {
    wd: WorkDir,
    steps: Vec<Step<'a>>,
    destroy: Option<Check<'a>>,
}

impl<'a> Case<'a> {
    /// A case in a new working directory for `tf`.
    pub fn new(tf: &TerraformBin) -> Self {
        Case::in_dir(WorkDir::new(tf))
    }

    /// A case in `wd` (e.g. with extra environment variables set).
    pub fn in_dir(wd: WorkDir) -> Self {
        Case {
            wd,
            steps: Vec::new(),
            destroy: None,
        }
    }

    pub fn step(mut self, step: Step<'a>) -> Self {
        self.steps.push(step);
        self
    }

    /// After the last step, `terraform destroy -auto-approve` must succeed and `check` then
    /// checks the server (terraform-plugin-testing's `CheckDestroy`).
    pub fn destroy(mut self, check: impl Fn(&WorkDir) + 'a) -> Self {
        self.destroy = Some(Box::new(check));
        self
    }

    /// Runs every step, then the destroy if asked for; returns the working directory for
    /// what the scenario checks after.
    pub fn run(self) -> WorkDir {
        for (i, step) in self.steps.iter().enumerate() {
            run_step(&self.wd, i + 1, step);
        }
        if let Some(check) = &self.destroy {
            ok(self.wd.run(&["destroy", "-auto-approve"]), "destroy");
            check(&self.wd);
        }
        self.wd
    }
}

fn run_step(wd: &WorkDir, n: usize, step: &Step<'_>) {
    for f in &step.pre_config {
        f(wd);
    }
    write_files(wd, step);
    if step.plan_only {
        assert_empty_plans(wd);
        return;
    }
    if let Some(f) = &step.plan_check {
        f(&plan(wd, true));
    }
    apply(wd);
    for (address, attr, expect) in &step.state {
        let got = state_attr(wd, address, attr);
        match expect {
            Expect::Equals(want) => {
                assert_eq!(&got, want, "step {n}: {address}.{attr} in the state")
            }
            Expect::IsString => {
                assert!(got.is_string(), "step {n}: {address}.{attr} is {got}")
            }
            Expect::IsNull => assert!(got.is_null(), "step {n}: {address}.{attr} is {got}"),
        }
    }
    for f in &step.checks {
        f(wd);
    }
    assert_empty_plans(wd);
    if let Some((address, attrs)) = &step.import_verify {
        import_verify(wd, step, address, attrs);
    }
}

fn write_files(wd: &WorkDir, step: &Step<'_>) {
    for (name, content) in &step.files {
        wd.write_file(name, content);
    }
    if let Some(config) = &step.config {
        wd.write_main_tf(config);
    }
}

fn import_verify(managed: &WorkDir, step: &Step<'_>, address: &str, attrs: &[String]) {
    let id = state_attr(managed, address, "id");
    let id = id
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id in the state"));
    let imported = WorkDir::new(managed.terraform());
    for name in ["main.tf"]
        .into_iter()
        .chain(step.files.iter().map(|(n, _)| n.as_str()))
    {
        let text = std::fs::read_to_string(managed.path().join(name)).expect("read config");
        imported.write_file(name, &text);
    }
    ok(imported.run(&["import", address, id]), "import");
    for attr in attrs {
        assert_eq!(
            state_attr(&imported, address, attr),
            state_attr(managed, address, attr),
            "attribute {attr} differs after import"
        );
    }
    assert_empty_plans(&imported);
}
