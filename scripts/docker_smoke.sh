#!/usr/bin/env bash
# Builds the hosted demo's image and checks that it serves: Streamlit's health endpoint,
# the image's HEALTHCHECK, UID 1000, a writable store. Prints timings and the image size.
#
#   scripts/docker_smoke.sh                 Docker with a daemon, else Podman; base python:3.12-slim
#   MLP_EXPLORER_DOCKER_BASE=IMAGE scripts/docker_smoke.sh
#                                           another base (Python 3.11+, `python` and `pip` on PATH)
#   scripts/docker_smoke.sh --local-base    where Docker Hub cannot be reached: first builds such a
#                                           base from Debian's packages (root, debootstrap, Podman)
#
# MLP_EXPLORER_DATASETS=DIR mounts DIR/keras and DIR/scikit_learn_data (as seed-caches.sh lays
# them out) over the image's data folders, so the pages load their data sets offline.
# PORT (8501 unless set) is the port published on 127.0.0.1. The container is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=mlp-explorer
name=mlp-explorer-smoke
port=${PORT:-8501}
local_base=localhost/python-slim-local:3.11-bookworm

tool=
for candidate in docker podman; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" info >/dev/null 2>&1; then
        tool=$candidate
        break
    fi
done
if [ -z "$tool" ]; then
    echo "Neither docker (with a daemon) nor podman works here; install one, or see the README's docker run line." >&2
    exit 1
fi

if [ "${1:-}" = "--local-base" ]; then
    if [ "$tool" != podman ] || [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
        echo "--local-base needs root, podman and debootstrap (apt-get install -y podman debootstrap); found tool=$tool uid=$(id -u)." >&2
        exit 1
    fi
    rootfs=$(mktemp -d)
    trap 'rm -rf "$rootfs"' EXIT
    echo "+ debootstrap bookworm into $rootfs"
    start=$SECONDS
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" \
        http://deb.debian.org/debian >/dev/null
    # The host's own CA certificates, so a proxy the host trusts for PyPI is trusted inside too.
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
    cp /etc/resolv.conf /etc/hosts "$rootfs/etc/"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
    # Debian's Python refuses system-wide pip installs (PEP 668): a venv first on PATH plays
    # the role of python:*-slim's /usr/local.
    env -u PIP_FIND_LINKS chroot "$rootfs" sh -c 'update-ca-certificates >/dev/null &&
        python3 -m venv /opt/venv && /opt/venv/bin/pip install -q --upgrade pip &&
        apt-get clean && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*'
    tar --numeric-owner -C "$rootfs" -c . | podman import \
        --change 'ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' - "$local_base" >/dev/null
    echo "  base $local_base in $((SECONDS - start)) s"
    export MLP_EXPLORER_DOCKER_BASE=$local_base
fi

base_args=()
if [ -n "${MLP_EXPLORER_DOCKER_BASE:-}" ]; then
    base_args=(--build-arg "BASE_IMAGE=$MLP_EXPLORER_DOCKER_BASE")
fi
format_args=()
if [ "$tool" = podman ]; then
    format_args=(--format docker) # Podman's default OCI format drops the HEALTHCHECK
fi

echo "+ $tool build ${format_args[*]} ${base_args[*]} -t $tag ."
start=$SECONDS
"$tool" build "${format_args[@]}" "${base_args[@]}" -t "$tag" .
echo "  built in $((SECONDS - start)) s"

volumes=()
if [ -n "${MLP_EXPLORER_DATASETS:-}" ]; then
    volumes=(-v "$MLP_EXPLORER_DATASETS/keras:/data/keras" -v "$MLP_EXPLORER_DATASETS/scikit_learn_data:/data/scikit_learn_data")
fi
"$tool" rm -f "$name" >/dev/null 2>&1 || true
echo "+ $tool run -d --name $name -p 127.0.0.1:$port:8501 ${volumes[*]} $tag"
"$tool" run -d --name "$name" -p "127.0.0.1:$port:8501" "${volumes[@]}" "$tag" >/dev/null
trap '"$tool" rm -f "$name" >/dev/null 2>&1 || true; [ -z "${rootfs:-}" ] || rm -rf "$rootfs"' EXIT

start=$SECONDS
until [ "$(curl -s -m 3 "http://127.0.0.1:$port/_stcore/health" || true)" = ok ]; do
    if [ $((SECONDS - start)) -gt 120 ]; then
        "$tool" logs "$name" | tail -30 >&2
        echo "/_stcore/health did not answer ok within 120 s." >&2
        exit 1
    fi
    sleep 1
done
echo "  /_stcore/health: ok after $((SECONDS - start)) s"

echo "  user: $("$tool" exec "$name" id)"
"$tool" exec "$name" sh -c 'touch /data/store/.probe && rm /data/store/.probe' && echo "  /data/store: writable"

start=$SECONDS
if [ "$tool" = podman ]; then
    until podman healthcheck run "$name" >/dev/null 2>&1; do
        [ $((SECONDS - start)) -lt 90 ] || { echo "HEALTHCHECK did not pass within 90 s." >&2; exit 1; }
        sleep 2
    done
else
    # Docker runs the first check one interval (30 s) after the start.
    until [ "$(docker inspect --format '{{.State.Health.Status}}' "$name")" = healthy ]; do
        [ $((SECONDS - start)) -lt 90 ] || { echo "HEALTHCHECK did not pass within 90 s." >&2; exit 1; }
        sleep 2
    done
fi
echo "  HEALTHCHECK: healthy"

if "$tool" logs "$name" 2>&1 | grep -q Traceback; then
    "$tool" logs "$name" 2>&1 | tail -40 >&2
    echo "The server's log has a traceback." >&2
    exit 1
fi
echo "  image size: $("$tool" image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.2f GB", $1 / 1e9}')"
