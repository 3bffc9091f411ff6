#!/usr/bin/env bash
# Checks of the protobuf contracts: buf lint, buf breaking against an earlier
# commit, and that the committed generated Python matches the .proto sources.
#
#   proto-events/check.sh                  # breaking check against HEAD~1
#   proto-events/check.sh --against main   # ... against any git revision
#
# ROOFKIT_PROTO_AGAINST sets the default revision (CI on a branch would use the
# merge base with main). buf comes from proto-events/package-lock.json and is
# installed with `npm ci` when missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(git -C "$here" rev-parse --show-toplevel)
prefix=$(git -C "$here" rev-parse --show-prefix) # "proto-events/"
python=${PYTHON:-$repo/.venv/bin/python}
buf="$here/node_modules/.bin/buf"
against=${ROOFKIT_PROTO_AGAINST:-HEAD~1}
old_tree=""
trap '[[ -z $old_tree ]] || rm -rf "$old_tree"' EXIT

while [[ $# -gt 0 ]]; do
  case $1 in
    --against) against=${2:?--against needs a git revision}; shift 2 ;;
    --against=*) against=${1#--against=}; shift ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

if [[ ! -x $buf ]]; then
  echo "== installing buf (npm ci --prefix ${prefix%/})"
  npm ci --prefix "$here" --no-audit --no-fund
fi

echo "== buf lint"
(cd "$here" && "$buf" lint)
echo "ok"

echo "== buf breaking against $against"
breaking_check() {
  local rev
  if ! rev=$(git -C "$repo" rev-parse --verify --quiet "$against^{commit}"); then
    if [[ $(git -C "$repo" rev-parse --is-shallow-repository) == true ]]; then
      echo "cannot resolve '$against': this is a shallow clone; fetch the full history" >&2
      return 1
    fi
    if [[ $against == HEAD~1 ]] && ! git -C "$repo" rev-parse --verify --quiet HEAD~1 >/dev/null &&
      git -C "$repo" rev-parse --verify --quiet HEAD >/dev/null; then
      echo "HEAD is the first commit: there is no earlier version to compare against; skipped"
      return 0
    fi
    echo "cannot resolve git revision '$against'" >&2
    return 1
  fi
  local short
  short=$(git -C "$repo" rev-parse --short "$rev")
  if ! git -C "$repo" ls-tree -r --name-only "$rev" -- "${prefix}proto" | grep -q '\.proto$'; then
    echo "no .proto files under ${prefix}proto at $against ($short): nothing to be compatible with; skipped"
    return 0
  fi
  # Compare against a plain export of the old sources rather than buf's own git
  # reader: git resolves the revision (HEAD~1, branches, worktrees alike) and the
  # old tree needs no buf.yaml of its own.
  old_tree=$(mktemp -d)
  git -C "$repo" archive "$rev" -- "${prefix}proto" | tar -x -C "$old_tree"
  if ! (cd "$here" && "$buf" breaking . --against "$old_tree/${prefix}proto"); then
    echo "breaking change since $against ($short): a published vN package is never edited" \
      "incompatibly; add the change to a new package version instead (see ${prefix}README.md)" >&2
    return 1
  fi
  echo "ok: no breaking change since $against ($short)"
}
breaking_check

echo "== generated code is current"
"$python" "$here/generate.py" --check
