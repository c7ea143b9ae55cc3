//! kubectl 1.32's help texts for the commands this kubectl runs, captured from the real binary
//! (`kubectl <command> --help`, not on a terminal, so lines are not wrapped).

/// The text `kubectl <topic...> --help` prints to stdout, for a command path as in
/// [`super::Verb::Help`] (empty for kubectl itself); `None` for commands without one here.
pub fn help_text(topic: &[String]) -> Option<&'static str> {
    let topic: Vec<&str> = topic.iter().map(String::as_str).collect();
    Some(match topic.as_slice() {
        ["annotate"] => include_str!("help/annotate.txt"),
        ["api-resources"] => include_str!("help/api-resources.txt"),
        ["api-versions"] => include_str!("help/api-versions.txt"),
        ["apply"] => include_str!("help/apply.txt"),
        ["auth"] => include_str!("help/auth.txt"),
        ["auth", "can-i"] => include_str!("help/auth_can-i.txt"),
        ["cluster-info"] => include_str!("help/cluster-info.txt"),
        ["create"] => include_str!("help/create.txt"),
        ["create", "configmap"] => include_str!("help/create_configmap.txt"),
        ["create", "deployment"] => include_str!("help/create_deployment.txt"),
        ["create", "namespace"] => include_str!("help/create_namespace.txt"),
        ["create", "secret"] => include_str!("help/create_secret.txt"),
        ["create", "secret", "generic"] => include_str!("help/create_secret_generic.txt"),
        ["delete"] => include_str!("help/delete.txt"),
        ["describe"] => include_str!("help/describe.txt"),
        ["events"] => include_str!("help/events.txt"),
        ["explain"] => include_str!("help/explain.txt"),
        ["get"] => include_str!("help/get.txt"),
        ["help"] => include_str!("help/help.txt"),
        [] => include_str!("help/kubectl.txt"),
        ["label"] => include_str!("help/label.txt"),
        ["logs"] => include_str!("help/logs.txt"),
        ["patch"] => include_str!("help/patch.txt"),
        ["rollout"] => include_str!("help/rollout.txt"),
        ["rollout", "history"] => include_str!("help/rollout_history.txt"),
        ["rollout", "pause"] => include_str!("help/rollout_pause.txt"),
        ["rollout", "restart"] => include_str!("help/rollout_restart.txt"),
        ["rollout", "resume"] => include_str!("help/rollout_resume.txt"),
        ["rollout", "status"] => include_str!("help/rollout_status.txt"),
        ["rollout", "undo"] => include_str!("help/rollout_undo.txt"),
        ["run"] => include_str!("help/run.txt"),
        ["scale"] => include_str!("help/scale.txt"),
        ["set"] => include_str!("help/set.txt"),
        ["set", "env"] => include_str!("help/set_env.txt"),
        ["set", "image"] => include_str!("help/set_image.txt"),
        ["set", "resources"] => include_str!("help/set_resources.txt"),
        ["top"] => include_str!("help/top.txt"),
        ["top", "node"] => include_str!("help/top_node.txt"),
        ["top", "pod"] => include_str!("help/top_pod.txt"),
        ["version"] => include_str!("help/version.txt"),
        _ => return None,
    })
}

/// What `kubectl help <unknown>` prints after its "Unknown help topic" line.
pub fn root_usage() -> &'static str {
    include_str!("help/root_usage.txt")
}
