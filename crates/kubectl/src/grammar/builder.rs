//! The checks cli-runtime's resource builder makes on resource arguments, file names and
//! selectors before it asks the API server anything, and the targets they name.

use super::Target;

/// Which of the builder's inputs a command passes.
#[derive(Default)]
pub struct BuilderInput<'a> {
    pub args: &'a [String],
    pub filenames: &'a [String],
    pub kustomize: &'a str,
    pub recursive: bool,
    pub label_selector: &'a str,
    pub field_selector: &'a str,
    /// `SelectAllParam(--all)`, called after the selectors (delete).
    pub select_all: bool,
    /// `ResourceTypeOrNameArgs(allowEmptySelector, ...)`: a lone type lists everything.
    pub allow_empty_selector: bool,
    pub subresource: &'a str,
    /// Whether the command names resources through `ResourceTypeOrNameArgs` at all.
    pub uses_args: bool,
}

/// What the builder concluded.
#[derive(Debug, Default)]
pub struct BuilderResult {
    pub targets: Vec<Target>,
    /// Errors found before any request, without the `error: ` prefix (kubectl prints one as
    /// `error: msg` and several as bare lines).
    pub error: Option<Vec<String>>,
    /// An error the builder reports only after mapping the resource types on the server.
    pub deferred: Option<String>,
}

/// `SplitResourceArgument`: comma-separated types, de-duplicated in order.
pub fn split_resource_argument(arg: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    arg.split(',')
        .filter(|s| seen.insert(*s))
        .map(str::to_string)
        .collect()
}

/// More targets than this is not a plausible command; refusing keeps `a,b,... x y ...` from
/// expanding quadratically.
pub const MAX_TARGETS: usize = 10_000;

fn split_type_name(s: &str) -> Result<Option<Target>, String> {
    if !s.contains('/') {
        return Ok(None);
    }
    let seg: Vec<&str> = s.split('/').collect();
    if seg.len() != 2 {
        return Err("arguments in resource/name form may not have more than one slash".into());
    }
    let (resource, name) = (seg[0], seg[1]);
    if resource.is_empty() || name.is_empty() || split_resource_argument(resource).len() != 1 {
        return Err("arguments in resource/name form must have a single resource and name".into());
    }
    Ok(Some(Target {
        resource: resource.to_string(),
        name: Some(name.to_string()),
    }))
}

const MIXED_FORMS: &str = "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'";

/// `ResourceTypeOrNameArgs` followed by `visitorResult`'s checks, in kubectl's order.
pub fn check(input: &BuilderInput) -> BuilderResult {
    let mut errs: Vec<String> = Vec::new();
    let mut has_paths = false;

    // FilenameParam.
    if !input.filenames.is_empty() && !input.kustomize.is_empty() {
        errs.push("only one of -f or -k can be specified".into());
    }
    if !input.kustomize.is_empty() && input.recursive {
        errs.push("the -k flag can't be used with -f or -R".into());
    }
    if errs.is_empty() {
        for f in input.filenames {
            if f == "-" || f.starts_with("http://") || f.starts_with("https://") {
                has_paths = true;
            } else {
                // There is no filesystem here, so every path is missing.
                errs.push(format!(
                    "the path {} does not exist",
                    super::golang::quote(f)
                ));
            }
        }
        if !input.kustomize.is_empty() {
            has_paths = true;
        }
    }

    // LabelSelectorParam, FieldSelectorParam, SelectAllParam.
    let mut label_selector = (!input.label_selector.trim().is_empty()).then_some(());
    let field_selector = (!input.field_selector.trim().is_empty()).then_some(());
    let mut select_all = false;
    if input.select_all {
        if label_selector.is_some() || field_selector.is_some() {
            errs.push("setting 'all' parameter but found a non empty selector. ".into());
        } else {
            select_all = true;
        }
    }

    // ResourceTypeOrNameArgs.
    let mut tuples: Vec<Target> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    if input.uses_args {
        let types = input.args.first().map_or(0, |a| a.matches(',').count() + 1);
        if input.args.len() > MAX_TARGETS || types.saturating_mul(input.args.len()) > MAX_TARGETS {
            return BuilderResult {
                error: Some(vec![format!(
                    "too many resource arguments: at most {MAX_TARGETS} objects can be named in one command"
                )]),
                ..BuilderResult::default()
            };
        }
        let args = normalize_multiple(input.args);
        let slashes = args.iter().filter(|a| a.contains('/')).count();
        if slashes > 0 && slashes != args.len() {
            errs.push(MIXED_FORMS.into());
        } else if slashes > 0 {
            for a in &args {
                match split_type_name(a) {
                    Ok(Some(t)) => tuples.push(t),
                    Ok(None) => {}
                    Err(e) => {
                        errs.push(e);
                        break;
                    }
                }
            }
        } else if !args.is_empty() {
            resources = split_resource_argument(&args[0]);
            names = args[1..].to_vec();
            if args.len() == 1 && label_selector.is_none() && input.allow_empty_selector {
                label_selector = Some(());
            }
        }
    }

    let mut result = BuilderResult::default();
    if !errs.is_empty() {
        result.error = Some(errs);
        return result;
    }
    if select_all {
        label_selector = Some(());
    }
    let selector = label_selector.is_some() || field_selector.is_some();
    result.targets = if !tuples.is_empty() {
        tuples.clone()
    } else if names.is_empty() {
        resources
            .iter()
            .map(|r| Target {
                resource: r.clone(),
                name: None,
            })
            .collect()
    } else {
        names
            .iter()
            .map(|n| Target {
                resource: resources[0].clone(),
                name: Some(n.clone()),
            })
            .collect()
    };

    let error = if has_paths {
        if !resources.is_empty() {
            Some(
                "when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well",
            )
        } else if !names.is_empty() {
            Some("name cannot be provided when a path is specified")
        } else if !tuples.is_empty() {
            Some("resource/name arguments cannot be provided when a path is specified")
        } else {
            None
        }
    } else if selector {
        if !names.is_empty() {
            Some("name cannot be provided when a selector is specified")
        } else if !tuples.is_empty() {
            Some("selectors and the all flag cannot be used when passing resource/name arguments")
        } else if resources.is_empty() {
            Some("at least one resource must be specified to use a selector")
        } else if !input.subresource.is_empty() {
            Some("subresource cannot be used when bulk resources are specified")
        } else {
            None
        }
    } else if !tuples.is_empty() || !names.is_empty() {
        None
    } else if !resources.is_empty() {
        result.deferred = Some("resource(s) were provided, but no name was specified".into());
        None
    } else {
        Some(
            "You must provide one or more resources by argument or filename.\n\
             Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
        )
    };
    result.error = error.map(|e| vec![e.to_string()]);
    result
}

/// `normalizeMultipleResourcesArgs`: `a,b x y` -> `a/x a/y b/x b/y`.
fn normalize_multiple(args: &[String]) -> Vec<String> {
    if args.len() >= 2 {
        let resources = split_resource_argument(&args[0]);
        if resources.len() > 1 && resources.len() * (args.len() - 1) <= MAX_TARGETS {
            let mut out = Vec::new();
            for r in &resources {
                for n in &args[1..] {
                    out.push(format!("{r}/{n}"));
                }
            }
            return out;
        }
    }
    args.to_vec()
}
