# Sourced by the engine build, the e2e tests' setup and anyone running cmom for real with the project's engine:
#   source scripts/engine/env.sh
# Puts .engine/bin first on PATH, keeps Pulumi's plugins and settings in .engine/home, and forbids every download at run time.
# Physical paths: a project whose scripts/ is a link to this checkout still uses this checkout's engine.
_cmom_project_dir="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PULUMI_HOME="$_cmom_project_dir/.engine/home"
export PATH="$_cmom_project_dir/.engine/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
unset _cmom_project_dir
