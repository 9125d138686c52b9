# Sourced by the test scripts: a Python virtual environment inside the checkout (.venv, git-ignored)
# holding the test-only Python tools, first on PATH, so `python3`, `aws` and `kubernetes-validate`
# come from it. Debian's own python3 refuses system-wide pip installs (PEP 668); this never does one.
#   python_env PACKAGE…   creates .venv if missing and pip-installs each package it does not hold yet
#                         (a package is NAME or NAME==VERSION; an import check is not needed).
python_env() {
    local root venv base
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
    venv="$root/.venv"
    if [ ! -x "$venv/bin/python3" ]; then
        base=/usr/bin/python3
        [ -x "$base" ] || base="$(command -v python3)"
        if ! "$base" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            echo "installing: python3-venv (apt)"
            local sudo_cmd=()
            [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
            "${sudo_cmd[@]}" apt-get update -qq
            DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-venv
        fi
        echo "creating the Python environment $venv"
        "$base" -m venv "$venv"
    fi
    local wanted=() package name version have
    for package in "$@"; do
        name="${package%%==*}"
        name="${name%%\[*}"
        version=""
        case "$package" in *==*) version="${package##*==}" ;; esac
        have="$({ "$venv/bin/python3" -m pip show "$name" 2>/dev/null || true; } | sed -n 's/^Version: //p')"
        if [ -z "$have" ] || { [ -n "$version" ] && [ "$have" != "$version" ]; }; then wanted+=("$package"); fi
    done
    if ((${#wanted[@]})); then
        echo "installing into $venv: ${wanted[*]} (pip)"
        "$venv/bin/python3" -m pip install --quiet --disable-pip-version-check "${wanted[@]}"
    fi
    case ":$PATH:" in *":$venv/bin:"*) ;; *) export PATH="$venv/bin:$PATH" ;; esac
}
