"""The on-disk store of trained runs: train a configuration once, get it back instantly.

Each run lives in its own folder, named by a hash of the run's JSON config plus the
library versions and the store's schema version (a new Keras can read old files
differently, so it trains afresh):

    <root>/<key>/config.json   the run's config
    <root>/<key>/meta.json     metrics, wall time, device, dates, versions
    <root>/<key>/history.json  per-epoch metrics
    <root>/<key>/model.keras   the trained model
    <root>/<key>/arrays.npz    e.g. test-set probabilities

An entry is written into a temporary folder, moved to `<root>/.versions/`, and named by a
symbolic link `<root>/<key>` that one `os.replace` swaps into place. So a killed process
leaves either a whole entry or none, and replacing an entry (two processes saving the
same key) never leaves a moment with no entry or a half-written one: a reader sees the
old version or the new. An entry that
cannot be read is reported (a `StoreWarning`, and a line in `RunStore.problems` for the
caller to show) and treated as a miss. The root is
`$MLP_EXPLORER_CACHE`, else `~/.cache/mlp-explorer`.

The store is bounded, so a long-lived hosted demo does not fill its disk: after each
save, the least recently used entries are removed until the store holds at most
`$MLP_EXPLORER_CACHE_MAX_MB` megabytes (default 2048). A folder's mtime is its last use:
`save` sets it and `load` touches it.

Example:

>>> import tempfile, keras
>>> store = RunStore(tempfile.mkdtemp())
>>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
>>> _ = store.save('{"units": 1}', model=model, history={"loss": [0.5]}, meta={"wall_time": 12.3})
>>> store.load('{"units": 1}').meta["wall_time"]
12.3
>>> store.load('{"units": 2}') is None
True
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

# 2: one meta form for every kind of run (`core.runs.RunMeta`).
SCHEMA_VERSION = 2
ENV_VAR = "MLP_EXPLORER_CACHE"
MAX_MB_ENV_VAR = "MLP_EXPLORER_CACHE_MAX_MB"
DEFAULT_MAX_MB = 2048
_TMP_PREFIX = ".tmp-"
_VERSIONS = ".versions"  # the entries' folders; <root>/<key> links to one of them
# A temporary folder this old belongs to a killed process, not to a save in progress.
_STALE_TMP_SECONDS = 3600


def _is_entry_name(name: str) -> bool:
    # Entries are hex keys; dot-folders hold locks, jobs and unfinished saves.
    return bool(name) and not name.startswith(".") and "/" not in name and name not in ("..",)


class StoreWarning(UserWarning):
    """A store entry could not be read or written; the app carries on without it."""


def default_root() -> Path:
    """`$MLP_EXPLORER_CACHE` if set, else `~/.cache/mlp-explorer`."""
    configured = os.environ.get(ENV_VAR)
    return Path(configured).expanduser() if configured else Path.home() / ".cache" / "mlp-explorer"


def default_max_bytes() -> int | None:
    """The size bound: `$MLP_EXPLORER_CACHE_MAX_MB` megabytes, else 2048 MB.

    `0` (or a negative number) means no bound. An unreadable value warns and falls back
    to the default, so a typo in a deployment never disables the bound silently.
    """
    configured = os.environ.get(MAX_MB_ENV_VAR, "").strip()
    megabytes: float = DEFAULT_MAX_MB
    if configured:
        try:
            megabytes = float(configured)
        except ValueError:
            warnings.warn(
                f"Received an invalid value for {MAX_MB_ENV_VAR}, expected a number of "
                f"megabytes. Received: {MAX_MB_ENV_VAR}={configured!r}. Falling back to "
                f"{DEFAULT_MAX_MB} MB.",
                StoreWarning,
                stacklevel=2,
            )
    return int(megabytes * 1024 * 1024) if megabytes > 0 else None


def folder_size(path: Path) -> int:
    """Bytes in the files under `path` (0 when it vanished meanwhile)."""
    total = 0
    for dirpath, _, filenames in os.walk(path):
        for filename in filenames:
            try:
                total += os.stat(os.path.join(dirpath, filename)).st_size
            except OSError:
                pass  # removed by another process while walking
    return total


class _Replaced(Exception):
    """The entry being read was replaced by a newer version meanwhile."""


def _target(link: Path) -> Path | None:
    """The folder an entry's name stands for (its version folder, or the entry itself
    when it is a plain folder), or `None` when there is no entry."""
    for _ in range(10):
        try:
            target = link.parent / os.readlink(link)
        except FileNotFoundError:
            return None
        except OSError:  # not a link
            return link if link.is_dir() else None
        if target.is_dir():
            return target
        try:
            if link.parent / os.readlink(link) == target:
                return None  # a link to nothing: no entry
        except OSError:
            return None
        # Replaced between the two looks: look again.
    return None


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def library_versions() -> dict[str, str]:
    """Versions that change what a stored model means; read without importing them."""
    versions = {}
    for package in ("keras", "tensorflow", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "none"
    return versions


@dataclass
class StoredRun:
    """One entry read back from the store. `model` is loaded lazily by `load_model`."""

    key: str
    path: Path
    config: dict
    meta: dict
    history: dict[str, list[float]]
    arrays: dict[str, np.ndarray]

    def load_model(self):
        import keras

        return keras.saving.load_model(self.path / "model.keras", compile=False)

    @property
    def size_bytes(self) -> int:
        """Disk space the entry takes."""
        return folder_size(self.path)

    @property
    def last_used(self) -> float:
        """When the entry was last saved or loaded (epoch seconds); 0 once deleted."""
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0


class RunStore:
    """A folder of trained runs keyed by config hash. Safe to share between threads and
    processes (their locks live in `core.locks`).

    Args:
        root: the folder. Defaults to `default_root()`.
        max_bytes: the size bound applied after each save; `None` for no bound.
            Defaults to `default_max_bytes()` (from `$MLP_EXPLORER_CACHE_MAX_MB`).
    """

    _UNSET = object()

    def __init__(self, root: str | os.PathLike | None = None, max_bytes: int | None | object = _UNSET):
        self.root = Path(root) if root is not None else default_root()
        self.max_bytes = default_max_bytes() if max_bytes is RunStore._UNSET else max_bytes
        # Problems met by this object (unreadable entry, unwritable folder), for the UI;
        # a list per object rather than `warnings.catch_warnings`, which is not thread-safe.
        self.problems: list[str] = []

    def report(self, message: str) -> None:
        """Records a problem met with this store (shown to the user) and warns."""
        self._warn(message)

    def _warn(self, message: str) -> None:
        self.problems.append(message)
        warnings.warn(message, StoreWarning, stacklevel=3)

    def key_for(self, config_json: str) -> str:
        """The entry name: hash of the config, library versions and schema version."""
        payload = json.dumps(
            {"config": json.loads(config_json), "versions": library_versions(), "schema": SCHEMA_VERSION},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def path_for(self, config_json: str) -> Path:
        return self.root / self.key_for(config_json)

    def load(self, config_json: str) -> StoredRun | None:
        """The stored run for this config, or `None` (a miss, or an unreadable entry)."""
        return self._read(self.key_for(config_json), touch=True)

    def load_key(self, key: str) -> StoredRun | None:
        """The stored run named `key`, or `None`."""
        if not _is_entry_name(key):
            return None
        return self._read(key, touch=True)

    def _read(self, key: str, *, touch: bool = False) -> StoredRun | None:
        link = self.root / key
        for _ in range(10):
            version = _target(link)
            if version is None:
                return None
            try:
                return self._read_version(key, link, version, touch=touch)
            except _Replaced:
                continue  # another process replaced the entry while we read it: read the new one
        return None

    def _read_version(self, key: str, link: Path, path: Path, *, touch: bool) -> StoredRun | None:
        try:
            config = json.loads((path / "config.json").read_text())
            meta = json.loads((path / "meta.json").read_text())
            history = json.loads((path / "history.json").read_text())
            arrays = {}
            if (path / "arrays.npz").exists():
                with np.load(path / "arrays.npz", allow_pickle=False) as stored:
                    arrays = {name: stored[name] for name in stored.files}
            if not (path / "model.keras").is_file() or (path / "model.keras").stat().st_size == 0:
                raise OSError("model.keras is missing or empty")
        except (OSError, ValueError, KeyError) as error:
            if _target(link) != path:
                raise _Replaced from None
            self._warn(
                f"The stored run {key} could not be read ({type(error).__name__}: {error}); it will be trained again."
            )
            return None
        if touch:
            self._touch(path)
        return StoredRun(key, link, config, meta, history, arrays)

    def save(
        self,
        config_json: str,
        *,
        model,
        history: dict[str, list[float]],
        meta: dict,
        arrays: dict[str, np.ndarray] | None = None,
    ) -> Path | None:
        """Writes a run atomically. Returns its folder, or `None` with a `StoreWarning`
        when the store cannot be written (read-only or full disk): the caller keeps its
        in-memory result either way.
        """
        key = self.key_for(config_json)
        final = self.root / key
        meta = {
            **meta,
            "key": key,
            "created": time.time(),
            "versions": library_versions(),
            "schema": SCHEMA_VERSION,
        }
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=self.root))
            (tmp / "config.json").write_text(json.dumps(json.loads(config_json), indent=2))
            (tmp / "history.json").write_text(json.dumps(history))
            (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
            if arrays:
                np.savez(tmp / "arrays.npz", **arrays)
            model.save(tmp / "model.keras")
            self._install(tmp, final)
            tmp = None
        except OSError as error:
            self._warn(
                f"The run could not be saved to {self.root} ({type(error).__name__}: {error}). "
                "Its results are shown but will not be remembered; free disk space or set "
                f"{ENV_VAR} to a writable folder."
            )
            return None
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        if self.max_bytes is not None:
            self.evict(self.max_bytes, keep=(key,))
        return final

    def _install(self, folder: Path, link: Path) -> None:
        """Makes `folder` the entry named by `link`, replacing any previous version in
        one atomic step, then removes that previous version."""
        from core.locks import entry_lock

        versions = self.root / _VERSIONS
        versions.mkdir(exist_ok=True)
        version = versions / f"{link.name}.{folder.name.removeprefix(_TMP_PREFIX)}"
        # Two savers of one key take turns, so neither removes the other's new version
        # nor leaves its own unnamed. Readers never wait: they see one version or the other.
        with entry_lock(self.root, link.name):
            os.rename(folder, version)
            previous = _target(link)
            if link.is_dir() and not link.is_symlink():
                # An entry written before entries were links: move it aside first (the
                # one moment without an entry, once per such entry).
                previous = link.with_name(f"{_TMP_PREFIX}old-{link.name}-{version.name}")
                os.rename(link, previous)
            pointer = self.root / f"{_TMP_PREFIX}link-{version.name}"
            os.symlink(os.path.join(_VERSIONS, version.name), pointer)
            os.replace(pointer, link)
            self._touch(link)
            if previous is not None and previous != version:
                shutil.rmtree(previous, ignore_errors=True)

    def list_runs(self) -> list[StoredRun]:
        """Every readable run, newest first. Unreadable entries warn and are skipped."""
        if not self.root.is_dir():
            return []
        runs = []
        for path in self.root.iterdir():
            if path.is_dir() and _is_entry_name(path.name):
                run = self._read(path.name)
                if run is not None:
                    runs.append(run)
        return sorted(runs, key=lambda run: run.meta.get("created", 0), reverse=True)

    def delete(self, key: str) -> bool:
        """Removes one run; returns whether it existed."""
        path = self.root / key
        if not _is_entry_name(key) or path.parent != self.root:
            return False
        from core.locks import entry_lock

        with entry_lock(self.root, key):
            version = _target(path)
            if version is None:
                return False
            if path.is_symlink():
                os.unlink(path)  # the entry is gone at once; its folder goes next
            shutil.rmtree(version, ignore_errors=True)
        return True

    def entries(self) -> list[tuple[str, int, float]]:
        """`(key, size in bytes, last used)` for each entry folder, readable or not,
        least recently used first. Cheap: reads no file, only sizes and dates."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            if not path.is_dir() or not _is_entry_name(path.name):
                continue
            try:
                used = path.stat().st_mtime
            except OSError:
                continue  # deleted meanwhile
            found.append((path.name, folder_size(path), used))
        return sorted(found, key=lambda entry: entry[2])

    def size_bytes(self) -> int:
        """Disk space the whole store takes, unfinished saves included."""
        return folder_size(self.root) if self.root.is_dir() else 0

    def evict(self, max_bytes: int, *, keep: tuple[str, ...] = ()) -> list[str]:
        """Removes least recently used entries until the store holds at most `max_bytes`.

        Also removes temporary folders left by killed processes. An entry in `keep`
        (the one just saved) is never removed, so a single run larger than the bound
        still stays until the next save.

        Args:
            max_bytes: the bound, in bytes.
            keep: keys never to remove. Defaults to none.

        Returns:
            The keys removed, oldest first.
        """
        if not self.root.is_dir():
            return []
        from core.locks import evict_lock

        with evict_lock(self.root):  # one eviction at a time, across processes
            return self._evict(max_bytes, keep)

    def _evict(self, max_bytes: int, keep: tuple[str, ...]) -> list[str]:
        now = time.time()
        for path in self.root.glob(f"{_TMP_PREFIX}*"):
            try:
                if now - path.lstat().st_mtime > _STALE_TMP_SECONDS:
                    _remove(path)
            except OSError:
                pass
        # A version no link names: its save was killed between the two renames.
        linked = {_target(self.root / key) for key, _, _ in self.entries()}
        for path in (self.root / _VERSIONS).glob("*"):
            try:
                if path not in linked and now - path.stat().st_mtime > _STALE_TMP_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                pass
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        removed = []
        for key, size, _ in entries:
            if total <= max_bytes:
                break
            if key in keep:
                continue
            if self.delete(key):
                removed.append(key)
                total -= size
        return removed

    def _touch(self, path: Path) -> None:
        # The folder's mtime records its last use, for least-recently-used eviction.
        try:
            os.utime(path)
        except OSError:
            pass
