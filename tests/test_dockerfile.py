"""The hosted demo's image: the Dockerfile has what a small host needs, its start and
health commands work, and, where a container tool works (Docker with a daemon, or Podman),
the image builds and serves.

Where Docker Hub cannot be reached, `MLP_EXPLORER_DOCKER_BASE` names another base image
(the Dockerfile's `BASE_IMAGE`); `scripts/docker_smoke.sh --local-base` builds one.

The platforms: a Hugging Face Space (Docker SDK) runs the image as UID 1000 on the port
the README's front matter names; Streamlit Community Cloud runs `streamlit run app.py`
from the repository with the root `requirements.txt` and `.streamlit/config.toml`.
"""

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request

import pytest

from tests.conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    parsed = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            parsed.append((keyword.upper(), rest.strip()))
    return parsed


def arguments(keyword: str) -> list[str]:
    return [rest for name, rest in instructions() if name == keyword]


def environment() -> dict[str, str]:
    env = {}
    for rest in arguments("ENV"):
        for item in shlex.split(rest):
            name, _, value = item.partition("=")
            env[name] = value
    return env


def health_command() -> str:
    (healthcheck,) = arguments("HEALTHCHECK")
    return healthcheck.split(" CMD ", 1)[1].strip()


def start_command() -> list[str]:
    import json

    (cmd,) = arguments("CMD")
    return json.loads(cmd)


def test_base_image_is_a_slim_python_unless_another_is_given():
    (base,) = arguments("FROM")
    assert base == "${BASE_IMAGE}", base
    default = dict(rest.split("=", 1) for rest in arguments("ARG"))["BASE_IMAGE"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", default), default
    # An ARG used in FROM must come before it.
    steps = [name for name, _ in instructions()]
    assert steps.index("ARG") < steps.index("FROM")


def test_runs_as_a_non_root_user_with_uid_1000():
    users = arguments("USER")
    assert users and users[-1] not in ("root", "0"), users
    creation = " ".join(arguments("RUN"))
    assert re.search(rf"useradd .*--uid 1000 {users[-1]}\b", creation), creation
    # Nothing after the last USER switches back to root.
    last = max(i for i, (name, _) in enumerate(instructions()) if name == "USER")
    assert all(name != "USER" for name, _ in instructions()[last + 1 :])


def test_installs_the_root_requirements_before_copying_the_code():
    steps = instructions()
    copy_requirements = steps.index(("COPY", "requirements.txt ."))
    install = next(
        i for i, (name, rest) in enumerate(steps) if name == "RUN" and "pip install -r requirements.txt" in rest
    )
    copy_all = next(i for i, (name, rest) in enumerate(steps) if name == "COPY" and rest.endswith(". ."))
    assert copy_requirements < install < copy_all


def test_store_and_data_folders_are_writable_by_the_user():
    env = environment()
    folders = [env["MLP_EXPLORER_CACHE"], env["KERAS_HOME"], env["SCIKIT_LEARN_DATA"]]
    creation = " ".join(arguments("RUN"))
    for folder in folders:
        assert f" {folder}" in creation, f"{folder} is not created"
        owner = re.search(r"chown -R user:user (\S+)", creation).group(1)
        assert folder.startswith(owner.rstrip("/") + "/"), f"{folder} is not under the chowned {owner}"


def test_hosted_defaults():
    env = environment()
    assert env["MLP_EXPLORER_HOSTED"] == "1"
    assert env["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] == "false"
    assert env["PORT"] in arguments("EXPOSE")
    # The app caps glibc's heaps itself (app.py, core/heap.py), in the image as anywhere;
    # a MALLOC_ARENA_MAX here would override that cap for every deployment of the image.
    assert "MALLOC_ARENA_MAX" not in env


def test_health_check_asks_streamlits_health_endpoint_on_the_port():
    command = health_command()
    assert "/_stcore/health" in command and "PORT" in command


def test_dockerignore_keeps_environments_and_version_control_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".streamlit/secrets.toml"):
        assert entry in ignored


def test_readme_front_matter_names_the_docker_port_of_a_space():
    readme = (ROOT / "README.md").read_text()
    assert readme.startswith("---\n"), "a Hugging Face Space reads its settings from front matter at the top"
    front = readme.split("---\n", 2)[1]
    assert re.search(r"^sdk: docker$", front, re.M)
    assert re.search(rf"^app_port: {environment()['PORT']}$", front, re.M)


def test_community_cloud_finds_what_it_needs_at_the_root():
    # Community Cloud installs the root requirements and reads .streamlit/config.toml;
    # it chooses the port and address itself, so the config must not pin them.
    assert (ROOT / "requirements.txt").is_file()
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert "port" not in config.get("server", {}) and "address" not in config.get("server", {})
    assert config["server"]["headless"] is True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(command: str, env: dict, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while subprocess.run(command, shell=True, env=env, capture_output=True).returncode != 0:
        if process.poll() is not None or time.time() > deadline:
            raise AssertionError(f"not healthy after {timeout} s: {command}")
        time.sleep(0.5)


@pytest.mark.slow
def test_start_and_health_commands_work_outside_a_container(tmp_path):
    # The image's CMD and HEALTHCHECK, run here: the server listens on $PORT and the
    # health check passes once it does (and fails before).
    port = str(_free_port())
    env = {
        **os.environ,
        "PORT": port,
        "MLP_EXPLORER_CACHE": str(tmp_path),
        "MLP_EXPLORER_WARMUP": "0",
        "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
    }
    check = health_command().replace("python ", f"{shlex.quote(sys.executable)} ", 1)
    assert subprocess.run(check, shell=True, env=env, capture_output=True).returncode != 0
    start = [part.replace("0.0.0.0", "127.0.0.1") for part in start_command()]
    process = subprocess.Popen(start, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_healthy(check, env, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
            assert response.read() == b"ok"
    finally:
        process.terminate()
        process.wait(timeout=20)


CONTAINER_TOOLS = ("docker", "podman")


def container_tool() -> tuple[str | None, str]:
    """The first of Docker and Podman that works here, or None and why neither does."""
    why = []
    for tool in CONTAINER_TOOLS:
        if shutil.which(tool) is None:
            why.append(f"no {tool} command")
            continue
        # `info` asks the daemon (Docker) or the local engine (Podman): the command alone is not enough.
        result = subprocess.run([tool, "info"], capture_output=True, text=True, timeout=60)
        if result.returncode == 0:
            return tool, ""
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()
        why.append(f"`{tool} info` failed: {message[-1][:200] if message else f'exit {result.returncode}'}")
    return None, "; ".join(why)


def base_image() -> str:
    """The base to build on: `MLP_EXPLORER_DOCKER_BASE`, else the Dockerfile's default."""
    default = dict(rest.split("=", 1) for rest in arguments("ARG"))["BASE_IMAGE"]
    return os.environ.get("MLP_EXPLORER_DOCKER_BASE", "").strip() or default


def _base_is_there(tool: str, base: str) -> str:
    """'' when the base image is present or can be pulled, else why not."""
    if subprocess.run([tool, "image", "inspect", base], capture_output=True).returncode == 0:
        return ""
    pulled = subprocess.run([tool, "pull", base], capture_output=True, text=True, timeout=600)
    if pulled.returncode == 0:
        return ""
    lines = pulled.stderr.strip().splitlines()
    return lines[-1][:200] if lines else f"exit {pulled.returncode}"


def _healthy(tool: str, container: str, timeout: float) -> bool:
    """Whether the image's HEALTHCHECK passes. Podman runs it when asked (its timer needs
    systemd); Docker runs it on its interval, so its status is polled."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if tool == "podman":
            if subprocess.run([tool, "healthcheck", "run", container], capture_output=True).returncode == 0:
                return True
        else:
            status = subprocess.run(
                [tool, "inspect", "--format", "{{.State.Health.Status}}", container], capture_output=True, text=True
            ).stdout.strip()
            if status == "healthy":
                return True
        time.sleep(2)
    return False


def test_container_tool_needs_an_answering_engine_not_just_a_command(tmp_path, monkeypatch):
    # A docker command without a daemon (as on CI) does not count; a working podman does.
    (tmp_path / "docker").write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    (tmp_path / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    tool, why = container_tool()
    assert tool is None
    assert "`docker info` failed: Cannot connect to the Docker daemon" in why and "no podman command" in why
    (tmp_path / "podman").write_text("#!/bin/sh\nexit 0\n")
    (tmp_path / "podman").chmod(0o755)
    assert container_tool() == ("podman", "")


def test_base_image_comes_from_the_environment_when_given(monkeypatch):
    monkeypatch.delenv("MLP_EXPLORER_DOCKER_BASE", raising=False)
    assert base_image().startswith("python:3.")
    monkeypatch.setenv("MLP_EXPLORER_DOCKER_BASE", "localhost/python-local:3.11")
    assert base_image() == "localhost/python-local:3.11"


@pytest.mark.slow
def test_image_builds_and_serves():
    tool, why = container_tool()
    if tool is None:
        pytest.skip(f"cannot build the image here ({why}); the README gives the docker build/run line")
    base = base_image()
    missing = _base_is_there(tool, base)
    if missing:
        pytest.skip(f"base image {base} cannot be pulled ({missing}); set MLP_EXPLORER_DOCKER_BASE to a local one")
    tag = "mlp-explorer-test"
    build = [tool, "build", "--build-arg", f"BASE_IMAGE={base}", "-t", tag, str(ROOT)]
    if tool == "podman":
        build[2:2] = ["--format", "docker"]  # Podman's default OCI format drops the HEALTHCHECK
    subprocess.run(build, check=True, timeout=1800)
    port = str(_free_port())
    container = subprocess.run(
        [tool, "run", "-d", "--rm", "-e", f"PORT={port}", "-p", f"127.0.0.1:{port}:{port}", tag],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        uid = subprocess.run([tool, "exec", container, "id", "-u"], capture_output=True, text=True, check=True)
        assert uid.stdout.strip() == "1000"
        # The store of trained runs is writable by that user.
        assert subprocess.run([tool, "exec", container, "touch", "/data/store/probe"]).returncode == 0
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as response:
                    assert response.read() == b"ok"
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert b'<div id="root">' in response.read()
        # Docker's first check runs one interval (30 s) after the start.
        assert _healthy(tool, container, timeout=90), f"the image's HEALTHCHECK did not pass in {tool}"
    finally:
        logs = subprocess.run([tool, "logs", container], capture_output=True, text=True)
        subprocess.run([tool, "stop", container], capture_output=True)
    assert "Traceback" not in logs.stdout + logs.stderr, logs.stderr[-2000:]
