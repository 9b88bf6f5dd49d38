#!/usr/bin/env bash
# Seeds a persistent volume with the data paths of a Cloudify Manager image and points the manager at it.
#   seed     (init container): copy every persisted path of the image onto the volume, once, crash-safely.
#   link     (manager container): seed, then replace each persisted path by a symlink into the volume; then
#            optionally exec the given command.
#   started  (manager container, once the manager answers): commit this image's start on the volume (VERSION).
# A start that never reached `started` is undone by the next one: a first start is re-seeded from the image, an
# upgrade is rolled back to the copy taken before it, so an old image can run again after a failed upgrade.
# Contract, on-volume layout, configuration and the data-only rule: README.md next to this file.
set -Eeuo pipefail
umask 022

readonly USAGE='usage: seed-and-link.sh seed|link|started [--mount DIR] [--path ABSOLUTE_PATH]... [--image-version VERSION] [--root DIR] [--lock-timeout SECONDS] [--no-mountpoint-check] [-- COMMAND [ARG]...]'
readonly WORK_SUBDIR=cmom          # everything lives below <mount>/cmom, so a lost+found never matters
readonly ASIDE_SUFFIX=.cmom-image  # link mode: where the image's own copy of a path is kept
readonly VERSION_FORMAT='^[0-9]+(\.[0-9]+)*([-+~_][0-9A-Za-z.+~_-]*)?$'
# Code, not data: a persisted path may not be, be inside, or contain one of these (`*` = one component).
readonly CODE_LOCATIONS=(/usr /bin /sbin /lib /lib32 /lib64 /libx32 /boot /proc /sys /dev /run
  /var/lib/rpm /var/lib/dpkg /opt/cloudify '/opt/*/env' '/opt/*/venv')
# Inside a code location but written by the manager at run time, and kept by the official persistent-storage script of
# the 4.x/5.0 images: the plugins the manager installed for its tenants.
readonly RUNTIME_TREES=(/opt/mgmtworker/env/plugins)
# Code, not data: no persisted path may have a component with one of these names (virtualenvs, Node trees).
readonly CODE_COMPONENTS=(env venv .venv site-packages dist-packages node_modules)

log() { printf 'seed-and-link: %s\n' "$*"; }
# Every failure ends with exactly one line on stderr.
fail() {
  local code=$1
  shift
  printf 'seed-and-link: error: %s\n' "$*" >&2
  exit "$code"
}
trap 'fail 1 "unexpected failure of \`$BASH_COMMAND\` (line $LINENO)"' ERR
one_line() { local text=${1//$'\n'/; }; printf '%s' "${text%; }"; }
# syncfs of the file system holding $1; coreutils older than 8.24 (CentOS 7) only knows a global sync.
sync_fs() { sync -f -- "$1" 2>/dev/null || sync; }

# ---- configuration: environment first, arguments override -------------------------------------------
(($# >= 1)) || fail 2 "missing mode (seed, link or started); $USAGE"
mode=$1
shift
case $mode in
  seed | link | started) ;;
  -h | --help) printf '%s\n' "$USAGE" && exit 0 ;;
  *) fail 2 "unknown mode '$mode' (expected seed, link or started); $USAGE" ;;
esac

mount=${CMOM_PERSIST_MOUNT:-/cfy-persist}
root=${CMOM_PERSIST_ROOT:-}
image_version=${CMOM_IMAGE_VERSION:-}
lock_timeout=${CMOM_PERSIST_LOCK_TIMEOUT:-1800}
check_mountpoint=${CMOM_PERSIST_CHECK_MOUNTPOINT:-1}
create_missing=${CMOM_PERSIST_CREATE_MISSING:-0}
paths_key=CMOM_PERSIST_PATHS
paths=()
read -r -d '' -a paths <<<"${CMOM_PERSIST_PATHS:-}" || true # whitespace- or newline-separated

needs_value() { (($# >= 2)) || fail 2 "$1 needs a value; $USAGE"; }
arg_paths=()
command=()
while (($#)); do
  case $1 in
    --mount) needs_value "$@" && mount=$2 && shift 2 ;;
    --path) needs_value "$@" && arg_paths+=("$2") && shift 2 ;;
    --image-version) needs_value "$@" && image_version=$2 && shift 2 ;;
    --root) needs_value "$@" && root=$2 && shift 2 ;;
    --lock-timeout) needs_value "$@" && lock_timeout=$2 && shift 2 ;;
    --no-mountpoint-check) check_mountpoint=0 && shift ;;
    --) shift && command=("$@") && break ;;
    *) fail 2 "unknown argument '$1'; $USAGE" ;;
  esac
done
if ((${#arg_paths[@]})); then
  paths=("${arg_paths[@]}")
  paths_key=--path
fi

# ---- validation ---------------------------------------------------------------------------------------
is_normal_absolute() { [[ $1 =~ ^(/[^/[:space:]]+)+$ && ! $1 =~ /\.\.?(/|$) ]]; }
# True when one path is, is inside, or contains the other.
overlaps() { [[ $1 == "$2" || $1 == "$2"/* || $2 == "$1"/* ]]; }
# True when $1 and the glob-per-component pattern $2 agree on every component they both have.
overlaps_pattern() {
  local -a a b
  local i
  IFS=/ read -r -a a <<<"${1#/}"
  IFS=/ read -r -a b <<<"${2#/}"
  for ((i = 0; i < ${#a[@]} && i < ${#b[@]}; i++)); do
    # shellcheck disable=SC2053 # the right side is a glob on purpose
    [[ ${a[i]} == ${b[i]} ]] || return 1
  done
}
reject_code_path() {
  local p=$1 location component tree
  for tree in "${RUNTIME_TREES[@]}"; do [[ $p == "$tree" ]] && return 0; done
  for location in "${CODE_LOCATIONS[@]}"; do
    overlaps_pattern "$p" "$location" &&
      fail 2 "$paths_key: $p overlaps the code location $location; only data is persisted, never code or virtualenvs (see README.md)"
  done
  for component in "${CODE_COMPONENTS[@]}"; do
    [[ /$p/ == */"$component"/* ]] &&
      fail 2 "$paths_key: $p lies inside a virtualenv or package tree ('$component'); only data is persisted, never code (see README.md)"
  done
  return 0
}

[[ $mount =~ ^/ ]] || fail 2 "CMOM_PERSIST_MOUNT/--mount must be an absolute path, got '$mount'"
mount=${mount%/}
[[ -n $mount ]] || fail 2 "CMOM_PERSIST_MOUNT/--mount may not be the root directory"
[[ -d $mount ]] || fail 1 "no volume at $mount (CMOM_PERSIST_MOUNT/--mount): directory does not exist"
case $check_mountpoint in
  1) mountpoint -q -- "$mount" || fail 1 "no volume mounted at $mount (not a mount point); mount the persistent volume there, or set CMOM_PERSIST_CHECK_MOUNTPOINT=0 only for tests" ;;
  0) ;;
  *) fail 2 "CMOM_PERSIST_CHECK_MOUNTPOINT must be 0 or 1, got '$check_mountpoint'" ;;
esac
if [[ -n $root ]]; then
  [[ $root =~ ^/ && -d $root ]] || fail 2 "CMOM_PERSIST_ROOT/--root must be an existing absolute directory, got '$root'"
  root=${root%/}
fi
[[ -n $image_version ]] || fail 2 "CMOM_IMAGE_VERSION/--image-version is required (the manager version of this image, e.g. 5.0.5)"
[[ $image_version =~ $VERSION_FORMAT ]] || fail 2 "CMOM_IMAGE_VERSION/--image-version '$image_version' is not a version like 5.0.5 or 7.0.0-ga"
[[ $lock_timeout =~ ^[0-9]+$ ]] || fail 2 "CMOM_PERSIST_LOCK_TIMEOUT/--lock-timeout must be whole seconds, got '$lock_timeout'"
((${#paths[@]})) || fail 2 "no persisted paths: set CMOM_PERSIST_PATHS or give --path (the lists per image generation are in persistedPaths.ts)"
for ((i = 0; i < ${#paths[@]}; i++)); do
  p=${paths[i]}
  is_normal_absolute "$p" || fail 2 "$paths_key: '$p' is not a normalised absolute path (no //, ., .., trailing / or spaces)"
  reject_code_path "$p"
  overlaps "$root$p" "$mount" && fail 2 "$paths_key: $p overlaps the volume mount $mount"
  for ((j = 0; j < i; j++)); do
    overlaps "$p" "${paths[j]}" && fail 2 "$paths_key: $p and ${paths[j]} overlap; list each persisted tree once"
  done
done
[[ $create_missing == [01] ]] || fail 2 "CMOM_PERSIST_CREATE_MISSING must be 0 or 1, got '$create_missing'"
[[ $mode == link || ${#command[@]} -eq 0 ]] || fail 2 "a command after -- is only run in link mode"

# ---- versions -----------------------------------------------------------------------------------------
# Numeric, component by component (5.10 > 5.9, 5.1 == 5.1.0); a label after - + ~ or _ does not order.
version_gt() {
  local -a a b
  local i x y
  IFS=. read -r -a a <<<"${1%%[-+~_]*}"
  IFS=. read -r -a b <<<"${2%%[-+~_]*}"
  for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
    x=$((10#${a[i]:-0})) y=$((10#${b[i]:-0}))
    ((x == y)) || return $((x > y ? 0 : 1))
  done
  return 1
}

# ---- the volume ---------------------------------------------------------------------------------------
readonly work=$mount/$WORK_SUBDIR data=$mount/$WORK_SUBDIR/data staging=$mount/$WORK_SUBDIR/staging
readonly version_file=$work/VERSION marker=$work/SEEDED intent=$work/SEEDING attempt_file=$work/ATTEMPT
readonly backup=$work/backup backup_staging=$work/backup.staging discard=$work/discard keys=$work/SECURITY

write_atomically() {
  printf '%s\n' "$2" >"$1.tmp"
  sync_fs "$1.tmp"
  mv -f -T -- "$1.tmp" "$1"
  sync_fs "$1"
}
remove_durably() {
  rm -rf -- "$@"
  sync_fs "$work"
}
is_our_link() { [[ -L $root$1 && $(readlink -- "$root$1") == "$data$1" ]]; }
# Where the image's copy of a path is: in place, or (link mode, after an earlier start) kept aside.
image_copy_of() {
  if is_our_link "$1" || [[ ! -e $root$1 && ! -L $root$1 ]]; then
    printf '%s' "$root$1$ASIDE_SUFFIX"
  else
    printf '%s' "$root$1"
  fi
}
# The nearest existing ancestor of $1 in the image (a path the image's configure creates starts out owned like it).
existing_parent() {
  local dir=${1%/*}
  while [[ -n $dir && ! -d $root$dir ]]; do dir=${dir%/*}; done
  printf '%s' "$root${dir:-/}"
}
record_seeded() {
  recorded+=("$1")
  write_atomically "$marker" "$(printf '%s\n' "${recorded[@]}" | LC_ALL=C sort -u)"
}
seed_path() {
  local p=$1 src staged=$staging$1 output parent
  src=$(image_copy_of "$p")
  mkdir -p -- "${staged%/*}"
  if [[ -e $src ]]; then
    log "copying $src to the volume"
    output=$(cp -a -H -T -- "$src" "$staged" 2>&1) || fail 1 "copying $src to $staged failed: $(one_line "$output")"
  elif ((create_missing)); then
    # This image creates the path when it configures on its first start: an empty directory for it to fill.
    parent=$(existing_parent "$p")
    log "creating $p empty on the volume (the image makes it at configure; owner and mode of $parent)"
    mkdir -- "$staged"
    chown --reference="$parent" -- "$staged"
    chmod --reference="$parent" -- "$staged"
  else
    fail 1 "$p does not exist in the image (looked for $root$p and $root$p$ASIDE_SUFFIX): cannot seed it"
  fi
  sync_fs "$staged"
  mkdir -p -- "${data}${p%/*}"
  # The intent names the one rename in flight: only that path may be found in place without being recorded.
  write_atomically "$intent" "$p"
  mv -T -- "$staged" "$data$p" # same file system: an atomic rename, so data/<path> is complete or absent
  sync_fs "$data"
  record_seeded "$p"
  remove_durably "$intent"
  log "seeded $p"
}
link_path() {
  local p=$1 here=$root$1
  if is_our_link "$p"; then
    log "$p already links to the volume"
    return
  fi
  if [[ -e $here || -L $here ]]; then
    [[ ! -e $here$ASIDE_SUFFIX && ! -L $here$ASIDE_SUFFIX ]] ||
      fail 1 "cannot move $here aside: $here$ASIDE_SUFFIX already exists; remove the one that is not wanted"
    mv -T -- "$here" "$here$ASIDE_SUFFIX"
    log "kept the image's $p as $here$ASIDE_SUFFIX"
  fi
  mkdir -p -- "${here%/*}"
  ln -s -- "$data$p" "$here"
  log "linked $p -> $data$p"
}
# The REST service's signing and encryption keys for images that configure on start: made once per volume, before
# the first configure, so every later configure (new pod, new image) keeps reading the secrets stored with them.
ensure_keys() {
  [[ -s $keys ]] && return
  local b64='base64 -w 0'
  write_atomically "$keys" "flask_security:
  hash_salt: '$(head -c 32 /dev/urandom | $b64)'
  secret_key: '$(head -c 32 /dev/urandom | $b64)'
  encryption_key: '$(head -c 64 /dev/urandom | $b64 | tr '+/' '-_')'
  encoding_alphabet: '$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 62 || true)'"
  chmod 600 -- "$keys"
  log "made the REST security keys of this volume"
}

mkdir -p -- "$work" 2>/dev/null || fail 1 "cannot create $work on the volume (read-only or not writable?)"
exec 9>>"$work/lock" || fail 1 "cannot open the lock file $work/lock"
if ! flock -n 9; then
  log "another start holds $work/lock; waiting up to ${lock_timeout}s"
  flock -w "$lock_timeout" 9 || fail 4 "gave up after ${lock_timeout}s waiting for $work/lock held by another start"
fi
# The lock is held until exit (children such as cp inherit it, so a killed start's copy cannot race the next).

read_version() {
  volume_version=
  [[ -f $version_file ]] || return 0
  volume_version=$(<"$version_file")
  volume_version=${volume_version//[[:space:]]/}
  [[ $volume_version =~ $VERSION_FORMAT ]] || fail 1 "$version_file holds '$(one_line "$volume_version")', not a version; fix or remove it"
}
read_version
# ATTEMPT is `<from> <to> prepared|launched`: a start of version <to> over data committed by <from> (- on a fresh
# volume), prepared by a seed and launched once a manager container may have changed the data.
attempt_from= attempt_to= attempt_state=
if [[ -f $attempt_file ]]; then
  read -r attempt_from attempt_to attempt_state <"$attempt_file" || true
  [[ $attempt_to =~ $VERSION_FORMAT && $attempt_state =~ ^(prepared|launched)$ ]] ||
    fail 1 "$attempt_file holds '$(one_line "$(<"$attempt_file")")', not '<from> <to> prepared|launched'; fix or remove it"
fi
# A start of version $1 is committed once VERSION is at least $1.
is_committed() { [[ -n $volume_version ]] && ! version_gt "$1" "$volume_version"; }
finish_attempt() {
  remove_durably "$attempt_file"
  remove_durably "$backup"
  attempt_from= attempt_to= attempt_state=
}

# ---- started: the manager answered; commit this image's start ------------------------------------------------
if [[ $mode == started ]]; then
  if [[ -n $attempt_to ]] && [[ $attempt_to != "$image_version" ]]; then
    fail 1 "the pending start on this volume is of version $attempt_to, not this image's $image_version: not committing"
  fi
  is_committed "$image_version" || write_atomically "$version_file" "$image_version"
  [[ -z $attempt_to ]] || finish_attempt
  log "committed manager version $image_version on the volume"
  exit 0
fi

# ---- undo a start that never reached `started` -------------------------------------------------------------------
if [[ -e $staging || -e $backup_staging || -e $discard ]]; then
  log "removing stale staging left by an interrupted start"
  remove_durably "$staging" "$backup_staging" "$discard"
fi
rm -f -- "$version_file.tmp" "$marker.tmp" "$attempt_file.tmp" "$intent.tmp" "$keys.tmp"

if [[ -n $attempt_to ]] && is_committed "$attempt_to"; then
  finish_attempt # committed, but killed before cleaning up
elif [[ $attempt_state == prepared && $attempt_to == "$image_version" ]]; then
  log "continuing the prepared start of version $attempt_to"
elif [[ $attempt_state == prepared ]]; then
  log "dropping the start of version $attempt_to prepared but never launched (no manager changed the data)"
  finish_attempt
elif [[ -n $attempt_to && -d $backup ]]; then
  log "the start of version $attempt_to never answered: restoring the data as it was before it (version $volume_version)"
  if [[ -e $backup/data ]]; then
    if [[ -e $data ]]; then mv -T -- "$data" "$discard"; fi
    mv -T -- "$backup/data" "$data"
    sync_fs "$work"
  fi
  write_atomically "$marker" "$(<"$backup/SEEDED")"
  finish_attempt
  remove_durably "$discard" "$intent"
elif [[ -n $attempt_to ]]; then
  [[ -z $volume_version ]] || fail 1 "the volume is damaged: the upgrade to $attempt_to from $volume_version never answered and its backup $backup is missing"
  log "the first start (version $attempt_to) never answered: starting over from the image"
  if [[ -e $data ]]; then mv -T -- "$data" "$discard"; fi
  remove_durably "$marker" "$intent"
  finish_attempt
  remove_durably "$discard"
elif [[ -e $backup ]]; then
  remove_durably "$backup" # taken by a start killed before it recorded the attempt
fi

if [[ -n $volume_version ]] && version_gt "$volume_version" "$image_version"; then
  fail 3 "the volume at $mount was last used by manager version $volume_version, newer than this image's $image_version: refusing to start (no silent downgrade); use an image of version $volume_version or later"
fi

# ---- seed --------------------------------------------------------------------------------------------------------
recorded=()
[[ -f $marker ]] && mapfile -t recorded <"$marker"
in_flight=
[[ -f $intent ]] && in_flight=$(<"$intent")
is_recorded() {
  local r
  for r in ${recorded[@]+"${recorded[@]}"}; do [[ $r == "$1" ]] && return 0; done
  return 1
}
for p in "${paths[@]}"; do
  for r in ${recorded[@]+"${recorded[@]}"}; do
    [[ $r == "$p" ]] || ! overlaps "$p" "$r" ||
      fail 1 "$paths_key: $p overlaps $r, which is seeded on this volume; a persisted list may not change that way (its data would be hidden or doubled)"
  done
done

upgrade_from=
if [[ $attempt_state != prepared && -n $volume_version ]] && version_gt "$image_version" "$volume_version"; then
  upgrade_from=$volume_version
  # Everything the older version left, taken before this image touches it: what a rollback returns to.
  log "upgrade from $volume_version to $image_version: copying the data aside first"
  mkdir -p -- "$backup_staging"
  if [[ -e $data ]]; then
    output=$(cp -a -T -- "$data" "$backup_staging/data" 2>&1) || fail 1 "copying $data aside failed: $(one_line "$output")"
  fi
  printf '%s\n' ${recorded[@]+"${recorded[@]}"} >"$backup_staging/SEEDED"
  sync_fs "$backup_staging"
  mv -T -- "$backup_staging" "$backup"
  sync_fs "$work"
fi

to_seed=()
for p in "${paths[@]}"; do
  if is_recorded "$p"; then
    [[ -e $data$p ]] || fail 1 "the volume is damaged: $p is recorded as seeded in $marker but $data$p is missing; refusing to re-seed it from the image over lost state"
  elif [[ $p == "$in_flight" && -e $data$p ]]; then
    log "$p is already on the volume (renamed into place by an interrupted start)"
    record_seeded "$p"
  else
    # Not recorded and not the rename in flight: an ancestor `mkdir -p` made, never a complete copy.
    [[ ! -e $data$p ]] || remove_durably "$data$p"
    to_seed+=("$p")
  fi
done
remove_durably "$intent"

for p in ${to_seed[@]+"${to_seed[@]}"}; do seed_path "$p"; done
rm -rf -- "$staging" # only emptied parent directories remain; what is left on a later start is stale
ensure_keys

# A start of an image newer than the volume (or of any image on a fresh one) stays pending until `started`.
if [[ $attempt_state == prepared ]]; then
  [[ $attempt_to == "$image_version" ]] ||
    fail 1 "the volume was prepared for version $attempt_to, not this image's $image_version; run the same image in the seed and manager containers"
elif [[ -z $volume_version || -n $upgrade_from ]]; then
  attempt_from=${upgrade_from:--}
  attempt_state=prepared
  write_atomically "$attempt_file" "$attempt_from $image_version $attempt_state"
fi
((${#to_seed[@]})) || log "volume already seeded; nothing to copy"

if [[ $mode == link ]]; then
  for p in "${paths[@]}"; do link_path "$p"; done
  # From here the manager may change the data: a later start that finds this attempt uncommitted undoes it.
  [[ $attempt_state != prepared ]] || write_atomically "$attempt_file" "$attempt_from $image_version launched"
fi

exec 9>&- # release the lock before handing over: the manager must not hold it
log "volume ready at $data (manager version $image_version)"
((${#command[@]} == 0)) || exec "${command[@]}"
