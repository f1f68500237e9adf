"""How much Playground one visitor may ask of a shared server.

A Playground run trains in the server process on every update, so a hosted demo on
a small box caps what a visitor can ask for: how many points they upload, how fine
the heatmap grid is, how big the network is, how many epochs one update trains and
how long one run goes on. Off a hosted server (the default) the caps are the
page's own, generous ones; with `MLP_EXPLORER_HOSTED=1` (the variable that turns on
`core.limits.Limits`'s size limits) they are `HOSTED`. Each check raises
`ValueError` saying what was received and what this server allows.

Example:

>>> HOSTED.check_network((8, 8))
Traceback (most recent call last):
...
ValueError: Received: hidden_layers=(8, 8); this server trains Playground networks of at most 4 hidden layers of at most 6 neurons. Remove a neuron or a layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.limits import hosted
from core.playground.config import MAX_HIDDEN_LAYERS, MAX_UNITS


@dataclass(frozen=True)
class PlaygroundLimits:
    """The caps of one server; `max_epochs=None` lets a run go on for ever."""

    max_points: int = 2000  # rows of an uploaded CSV
    resolution: int = 50  # grid points per side of every heatmap
    max_hidden_layers: int = MAX_HIDDEN_LAYERS
    max_units: int = MAX_UNITS
    max_epochs_per_update: int = 25
    max_epochs: int | None = None  # epochs of one run, before it pauses for good

    @classmethod
    def from_env(cls) -> PlaygroundLimits:
        """`HOSTED` when `MLP_EXPLORER_HOSTED` is on (1, true, yes, on), else the defaults."""
        return HOSTED if hosted() else cls()

    def check_points(self, rows: int) -> None:
        """Raises for an upload of more than `max_points` rows."""
        if rows > self.max_points:
            raise ValueError(
                f"Received a CSV of {rows:,} points; this server takes at most {self.max_points:,}. "
                "Upload fewer points."
            )

    def check_resolution(self, resolution: int) -> None:
        """Raises for a heatmap grid finer than `resolution` points a side."""
        if resolution > self.resolution:
            raise ValueError(
                f"Received: resolution={resolution}; this server draws heatmaps of at most "
                f"{self.resolution}×{self.resolution} points. Use a coarser grid."
            )

    def check_network(self, hidden_layers: tuple[int, ...]) -> None:
        """Raises for more than `max_hidden_layers` layers or `max_units` units in one."""
        if len(hidden_layers) > self.max_hidden_layers or any(units > self.max_units for units in hidden_layers):
            raise ValueError(
                f"Received: hidden_layers={tuple(hidden_layers)}; this server trains Playground networks "
                f"of at most {self.max_hidden_layers} hidden layers of at most {self.max_units} neurons. "
                "Remove a neuron or a layer."
            )

    def check_step(self, epoch: int, epochs: int) -> None:
        """Raises when `epochs` more epochs after `epoch` pass either epoch cap."""
        if epochs > self.max_epochs_per_update:
            raise ValueError(
                f"Received: epochs per update={epochs}; this server trains at most "
                f"{self.max_epochs_per_update} epochs per update. Pick fewer epochs per update."
            )
        if self.max_epochs is not None and epoch + epochs > self.max_epochs:
            raise ValueError(
                f"This run has trained {epoch:,} epochs; this server stops a Playground run at "
                f"{self.max_epochs:,}. Press Reset to start again, or change the network."
            )


# A 2-CPU demo with many visitors: small uploads and grids, small networks, short runs.
HOSTED = PlaygroundLimits(
    max_points=1000, resolution=40, max_hidden_layers=4, max_units=6, max_epochs_per_update=10, max_epochs=3000
)
